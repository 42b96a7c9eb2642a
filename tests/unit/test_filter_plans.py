"""plugins/filter/plans.py: the read-once plans, on state read with aws_read from the moto server."""

from __future__ import annotations

import json
import time
import uuid

from ansible_collections.platform_ops.aws.plugins.filter import plans
from botocore.exceptions import ClientError

TAGS = {"Project": "caseapp", "Environment": "dev"}


def _trust(account="123456789012"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }


def _policy(group):
    group = f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": [group, f"{group}:*"]}],
    }


def _read(run_module, group, role, vpc_id):
    result = run_module(
        "aws_read",
        {
            "reads": [
                {
                    "id": "groups",
                    "service": "logs",
                    "operation": "describe_log_groups",
                    "paginate": True,
                    "params": {"logGroupNamePrefix": group},
                },
                {
                    "id": "group_tags",
                    "service": "logs",
                    "operation": "list_tags_log_group",
                    "params": {"logGroupName": group},
                    "missing_ok": ["ResourceNotFoundException"],
                },
                {
                    "id": "role",
                    "service": "iam",
                    "operation": "get_role",
                    "params": {"RoleName": role},
                    "missing_ok": ["NoSuchEntity"],
                },
                {
                    "id": "policy",
                    "service": "iam",
                    "operation": "get_role_policy",
                    "params": {"RoleName": role, "PolicyName": "deliver-flow-logs"},
                    "missing_ok": ["NoSuchEntity"],
                },
                {
                    "id": "flow_logs",
                    "service": "ec2",
                    "operation": "describe_flow_logs",
                    "paginate": True,
                    "params": {"Filters": [{"Name": "resource-id", "Values": [vpc_id]}]},
                },
            ]
        },
    )
    assert not result.failed, result
    return result["results"]


def test_flow_logs_plans_answer_each_drift(run_module, aws):
    suffix = uuid.uuid4().hex[:8]
    group, role = f"/platform/plan-{suffix}/vpc-flow-logs", f"plan-{suffix}-flow-logs"
    logs, iam, ec2 = aws("logs"), aws("iam"), aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.88.0.0/16")["Vpc"]["VpcId"]
    state = _read(run_module, group, role, vpc_id)
    found = plans.log_group_state(state, group)
    assert found == {} and plans.log_group_converges(found, 90, TAGS)
    wanted = {
        "role_name": role,
        "role_description": "VPC flow log delivery",
        "trust": _trust(),
        "policy": _policy(group),
        "role_tags": TAGS,
        "flow_log": {
            "resource_id": vpc_id,
            "traffic_type": "ALL",
            "log_destination_type": "cloud-watch-logs",
            "log_group_name": group,
        },
        "flow_log_tags": {**TAGS, "Name": "flow"},
    }
    assert plans.flow_logs_plan(state, wanted)["converge"] == ["role", "policy", "flow_log"]

    logs.create_log_group(logGroupName=group, tags=TAGS)
    logs.put_retention_policy(logGroupName=group, retentionInDays=90)
    arn = iam.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=json.dumps(_trust()),
        Description="VPC flow log delivery",
        Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()],
    )["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="deliver-flow-logs", PolicyDocument=json.dumps(_policy(group)))
    # The emulator refuses a role seconds old as AWS does (moto_faults.iam_propagation): retried.
    for attempt in range(20):
        try:
            ec2.create_flow_logs(
                ResourceIds=[vpc_id],
                ResourceType="VPC",
                TrafficType="ALL",
                LogDestinationType="cloud-watch-logs",
                LogGroupName=group,
                DeliverLogsPermissionArn=arn,
                TagSpecifications=[
                    {
                        "ResourceType": "vpc-flow-log",
                        "Tags": [{"Key": k, "Value": v} for k, v in {**TAGS, "Name": "flow"}.items()],
                    }
                ],
            )
            break
        except ClientError as e:
            if "Unable to assume" not in str(e) or attempt == 19:
                raise
            time.sleep(0.5)
    state = _read(run_module, group, role, vpc_id)
    found = plans.log_group_state(state, group)
    assert not plans.log_group_converges(found, 90, TAGS)
    assert plans.log_group_converges(found, 365, TAGS)
    assert plans.log_group_converges(found, 90, {**TAGS, "Owner": "ops"})
    plan = plans.flow_logs_plan(state, wanted)
    assert plan == {"converge": [], "role_arn": arn}, plan

    # Each kind of drift puts exactly its part in the plan.
    assert plans.flow_logs_plan(state, {**wanted, "trust": _trust("210987654321")})["converge"] == ["role"]
    assert plans.flow_logs_plan(state, {**wanted, "role_description": "other"})["converge"] == ["role"]
    assert plans.flow_logs_plan(state, {**wanted, "role_tags": {"Owner": "ops"}})["converge"] == ["role"]
    assert plans.flow_logs_plan(state, {**wanted, "policy": _policy("/other")})["converge"] == ["policy"]
    assert plans.flow_logs_plan(state, {**wanted, "flow_log_tags": {"Owner": "ops"}})["converge"] == ["flow_log"]
    other_role = {**wanted, "flow_log": {**wanted["flow_log"], "deliver_logs_permission_arn": arn + "-x"}}
    assert plans.flow_logs_plan(state, other_role)["converge"] == ["flow_log"]
    iam.put_role_policy(RoleName=role, PolicyName="deliver-flow-logs", PolicyDocument=json.dumps(_policy("/x")))
    assert plans.flow_logs_plan(_read(run_module, group, role, vpc_id), wanted)["converge"] == ["policy"]
