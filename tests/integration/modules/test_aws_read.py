"""platform_ops.aws.aws_read against the moto server: real responses, concurrency, refusals before any call."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "aws_read"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def test_reads_a_state_in_one_run(run_module, aws, moto_endpoint):
    tag = f"read-{uuid.uuid4().hex[:8]}"
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(
        CidrBlock="10.77.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Project", "Value": tag}]}],
    )
    role = f"{tag}-role"
    aws("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST))
    before = api_operations(moto_endpoint)
    result = run_module(
        MODULE,
        {
            "reads": [
                {
                    "id": "vpcs",
                    "service": "ec2",
                    "operation": "describe_vpcs",
                    "paginate": True,
                    "params": {"Filters": [{"Name": "tag:Project", "Values": [tag]}]},
                },
                {"id": "role", "service": "iam", "operation": "get_role", "params": {"RoleName": role}},
                {
                    "id": "policy",
                    "service": "iam",
                    "operation": "get_role_policy",
                    "params": {"RoleName": role, "PolicyName": "absent"},
                    "missing_ok": ["NoSuchEntity"],
                },
                {
                    "id": "dr_vpcs",
                    "service": "ec2",
                    "operation": "describe_vpcs",
                    "region": "us-west-2",
                    "params": {"Filters": [{"Name": "tag:Project", "Values": [tag]}]},
                },
            ]
        },
        check_mode=True,
    )
    assert not result.failed and not result.changed, result
    assert [v["VpcId"] for v in result["responses"]["vpcs"]["Vpcs"]] == [vpc["Vpc"]["VpcId"]]
    assert result["responses"]["role"]["Role"]["RoleName"] == role
    assert isinstance(result["responses"]["role"]["Role"]["CreateDate"], str)  # dates as ISO text
    assert "ResponseMetadata" not in result["responses"]["role"]
    assert result["responses"]["policy"] is None and result["missing"] == ["policy"]
    assert result["responses"]["dr_vpcs"]["Vpcs"] == []
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ec2.DescribeVpcs": 2,
        "iam.GetRole": 1,
        "iam.GetRolePolicy": 1,
    }


@pytest.mark.parametrize(
    ("read", "message"),
    [
        ({"service": "ec2", "operation": "create_vpc"}, "is not a read"),
        ({"service": "secretsmanager", "operation": "get_secret_value"}, "returns secrets"),
        (
            {"service": "ssm", "operation": "get_parameters_by_path", "params": {"WithDecryption": True}},
            "returns secrets",
        ),
        ({"service": "ssm", "operation": "get_parameter", "params": {"WithDecryption": True}}, "returns secrets"),
        ({"service": "s3", "operation": "get_object"}, "returns secrets"),
        ({"service": "ec2", "operation": "DescribeVpcs"}, "not a boto3 method name"),
    ],
)
def test_writes_and_secret_reads_are_refused_before_any_call(run_module, moto_endpoint, read, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"reads": [{"id": "x", **read}]})
    assert result.failed and message in result["msg"], result
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_an_unknown_operation_a_missing_paginator_and_a_real_error_fail_clearly(run_module):
    unknown = run_module(MODULE, {"reads": [{"id": "x", "service": "ec2", "operation": "describe_nothing"}]})
    assert unknown.failed and "has no operation describe_nothing" in unknown["msg"], unknown
    pages = run_module(
        MODULE,
        {
            "reads": [
                {"id": "x", "service": "iam", "operation": "get_role", "paginate": True, "params": {"RoleName": "r"}}
            ]
        },
    )
    assert pages.failed and "has no paginator" in pages["msg"], pages
    error = run_module(
        MODULE,
        {"reads": [{"id": "x", "service": "iam", "operation": "get_role", "params": {"RoleName": "no-such-role-q"}}]},
    )
    assert error.failed and "Failed to read the AWS state" in error["msg"], error
    twice = run_module(MODULE, {"reads": [{"id": "x", "service": "iam", "operation": "list_roles"}] * 2})
    assert twice.failed and "used twice" in twice["msg"], twice


def test_a_read_takes_parameters_from_an_earlier_one_and_is_not_made_when_it_is_missing(run_module, aws, moto_endpoint):
    alias = f"alias/read-{uuid.uuid4().hex[:8]}"
    kms = aws("kms")
    key_id = kms.create_key(Description="aws_read params_from")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    reads = [
        {
            "id": "key",
            "service": "kms",
            "operation": "describe_key",
            "params": {"KeyId": alias},
            "missing_ok": ["NotFoundException"],
        },
        {
            "id": "policy",
            "service": "kms",
            "operation": "get_key_policy",
            "params": {"PolicyName": "default"},
            "params_from": {"KeyId": "key.KeyMetadata.KeyId"},
        },
        {
            "id": "rotation",
            "service": "kms",
            "operation": "get_key_rotation_status",
            "params_from": {"KeyId": "key.KeyMetadata.KeyId"},
        },
        {
            "id": "first_alias",
            "service": "kms",
            "operation": "list_aliases",
            "params_from": {"KeyId": "key.KeyMetadata.Arn"},
        },
    ]
    before = api_operations(moto_endpoint)
    found = run_module(MODULE, {"reads": reads}, check_mode=True)
    assert not found.failed, found
    assert found["responses"]["key"]["KeyMetadata"]["KeyId"] == key_id
    assert json.loads(found["responses"]["policy"]["Policy"])["Statement"]
    assert found["responses"]["rotation"]["KeyRotationEnabled"] is False
    assert [a["AliasName"] for a in found["responses"]["first_alias"]["Aliases"]] == [alias]
    assert found["missing"] == []
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "kms.DescribeKey": 1,
        "kms.GetKeyPolicy": 1,
        "kms.GetKeyRotationStatus": 1,
        "kms.ListAliases": 1,
    }

    # The alias does not exist: the key's reads are not made, and all four are missing.
    reads[0]["params"] = {"KeyId": alias + "-gone"}
    before = api_operations(moto_endpoint)
    gone = run_module(MODULE, {"reads": reads}, check_mode=True)
    assert not gone.failed, gone
    assert gone["missing"] == ["key", "policy", "rotation", "first_alias"]
    assert set(gone["responses"].values()) == {None}
    assert operations_delta(before, api_operations(moto_endpoint)) == {"kms.DescribeKey": 1}


def test_params_from_must_name_an_earlier_read(run_module, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(
        MODULE,
        {
            "reads": [
                {"id": "a", "service": "kms", "operation": "get_key_policy", "params_from": {"KeyId": "b.KeyId"}},
                {"id": "b", "service": "kms", "operation": "describe_key", "params": {"KeyId": "alias/x"}},
            ]
        },
    )
    assert result.failed and "must name a read listed before this one" in result["msg"], result
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_params_from_sets_a_place_inside_the_params(run_module, aws):
    tag = f"read-{uuid.uuid4().hex[:8]}"
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(
        CidrBlock="10.78.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": tag}]}],
    )["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.78.1.0/24")["Subnet"]
    reads = [
        {
            "id": "vpc",
            "service": "ec2",
            "operation": "describe_vpcs",
            "params": {"Filters": [{"Name": "tag:Name", "Values": [tag]}]},
        },
        {
            "id": "subnets",
            "service": "ec2",
            "operation": "describe_subnets",
            "paginate": True,
            "params": {"Filters": [{"Name": "vpc-id", "Values": [""]}]},
            "params_from": {"Filters.0.Values.0": "vpc.Vpcs.0.VpcId"},
        },
    ]
    found = run_module(MODULE, {"reads": reads}, check_mode=True)
    assert not found.failed, found
    assert [s["SubnetId"] for s in found["responses"]["subnets"]["Subnets"]] == [subnet["SubnetId"]]
    # No such VPC: Vpcs is empty, the path Vpcs.0 is not there, the subnets are not read.
    reads[0]["params"]["Filters"][0]["Values"] = [tag + "-gone"]
    gone = run_module(MODULE, {"reads": reads}, check_mode=True)
    assert not gone.failed and gone["missing"] == ["subnets"], gone
    reads[1]["params_from"] = {"Filters.1.Values.0": "vpc.Vpcs.0.VpcId"}
    bad = run_module(MODULE, {"reads": reads})
    assert bad.failed and "is not a place in its params" in bad["msg"], bad


def test_an_ssm_parameter_is_read_without_decryption(run_module, aws):
    """A String parameter's value is read; a SecureString's comes back as its ciphertext, never its value."""
    ssm = aws("ssm")
    ssm.put_parameter(Name="/read-test/plain", Value='{"active": "primary"}', Type="String")
    ssm.put_parameter(Name="/read-test/secure", Value="s3cr3t-value", Type="SecureString")
    result = run_module(
        MODULE,
        {
            "reads": [
                {"id": "plain", "service": "ssm", "operation": "get_parameter", "params": {"Name": "/read-test/plain"}},
                {
                    "id": "secure",
                    "service": "ssm",
                    "operation": "get_parameter",
                    "params": {"Name": "/read-test/secure"},
                },
                {
                    "id": "gone",
                    "service": "ssm",
                    "operation": "get_parameter",
                    "params": {"Name": "/read-test/none"},
                    "missing_ok": ["ParameterNotFound"],
                },
            ]
        },
    )
    assert not result.failed, result.get("msg")
    assert result["responses"]["plain"]["Parameter"]["Value"] == '{"active": "primary"}'
    assert result["responses"]["secure"]["Parameter"]["Value"] != "s3cr3t-value"
    assert result["responses"]["gone"] is None


def test_an_app_client_s_secret_is_redacted(run_module, aws):
    """describe_user_pool_client is read for the client's settings; its secret never leaves the module (the
    answer still shows that there is one)."""
    idp = aws("cognito-idp")
    pool_id = idp.create_user_pool(PoolName=f"read-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    with_secret = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="backend", GenerateSecret=True)
    without = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")
    secret = with_secret["UserPoolClient"]["ClientSecret"]
    reads = [
        {
            "id": name,
            "service": "cognito-idp",
            "operation": "describe_user_pool_client",
            "params": {"UserPoolId": pool_id, "ClientId": created["UserPoolClient"]["ClientId"]},
        }
        for name, created in (("backend", with_secret), ("web", without))
    ]
    result = run_module(MODULE, {"reads": reads})
    idp.delete_user_pool(UserPoolId=pool_id)
    assert not result.failed, result.get("msg")
    assert secret not in json.dumps(result)
    assert result["responses"]["backend"]["UserPoolClient"]["ClientSecret"] == "REDACTED"
    assert result["responses"]["backend"]["UserPoolClient"]["ClientName"] == "backend"
    assert "ClientSecret" not in result["responses"]["web"]["UserPoolClient"]


def test_a_fallback_read_is_made_only_when_what_it_stands_in_for_is_missing(run_module, aws, moto_endpoint):
    """only_if_missing: a service's running task definition, else its family's latest revision; a list item picked by
    several conditions (name and status)."""
    tag = f"read-{uuid.uuid4().hex[:8]}"
    ecs = aws("ecs")
    ecs.create_cluster(clusterName=tag)
    container = [{"name": "app", "image": "nginx", "memory": 128}]
    first = ecs.register_task_definition(family=f"{tag}-web", containerDefinitions=container)["taskDefinition"]
    ecs.register_task_definition(family=f"{tag}-web", containerDefinitions=container)
    ecs.create_service(cluster=tag, serviceName=f"{tag}-web", taskDefinition=first["taskDefinitionArn"], desiredCount=0)
    ecs.register_task_definition(family=f"{tag}-worker", containerDefinitions=container)

    def reads(service):
        return [
            {
                "id": "services",
                "service": "ecs",
                "operation": "describe_services",
                "params": {"cluster": tag, "services": [f"{tag}-{service}"]},
            },
            {
                "id": "running",
                "service": "ecs",
                "operation": "describe_task_definition",
                "params_from": {
                    "taskDefinition": f"services.services.serviceName={tag}-{service}&status=ACTIVE.taskDefinition"
                },
            },
            {
                "id": "latest",
                "service": "ecs",
                "operation": "describe_task_definition",
                "params": {"taskDefinition": f"{tag}-{service}"},
                "only_if_missing": ["running"],
                "missing_ok": ["ClientException"],
            },
        ]

    before = api_operations(moto_endpoint)
    web = run_module(MODULE, {"reads": reads("web")}, check_mode=True)
    assert not web.failed, web
    assert web["responses"]["running"]["taskDefinition"]["revision"] == 1
    assert web["responses"]["latest"] is None and web["missing"] == []
    # The fallback was not asked: one describe_task_definition.
    assert operations_delta(before, api_operations(moto_endpoint))["ecs.DescribeTaskDefinition"] == 1
    worker = run_module(MODULE, {"reads": reads("worker")}, check_mode=True)
    assert not worker.failed, worker
    assert worker["missing"] == ["running"]
    assert worker["responses"]["latest"]["taskDefinition"]["family"] == f"{tag}-worker"
    # A fallback naming a later read is refused before any call.
    bad = reads("web")
    bad[1]["only_if_missing"] = ["latest"]
    refused = run_module(MODULE, {"reads": bad})
    assert refused.failed and "only_if_missing 'latest' must name a read listed before" in refused["msg"], refused


def test_several_roles_reads_merged_into_one_run_come_back_per_role(run_module, aws, moto_endpoint):
    """ecs_service_merge_reads / ecs_service_role_responses (ecs_service's prerequisites.yml): two roles whose reads use
    the same ids, one with a params_from chain and a fallback, read in one module run and split back by role."""
    from ansible_collections.platform_ops.aws.plugins.filter import platform as f

    alias = f"alias/merge-{uuid.uuid4().hex[:8]}"
    kms = aws("kms")
    key_id = kms.create_key(Description="merged reads")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=alias, TargetKeyId=key_id)
    secret = f"merge-{uuid.uuid4().hex[:8]}"
    secret_arn = aws("secretsmanager").create_secret(Name=secret, SecretString="x")["ARN"]
    storage = [
        {"id": "key", "service": "kms", "operation": "describe_key", "params": {"KeyId": alias}},
        {
            "id": "rotation",
            "service": "kms",
            "operation": "get_key_rotation_status",
            "params_from": {"KeyId": "key.KeyMetadata.KeyId"},
        },
    ]
    cache = [
        {
            "id": "key",
            "service": "secretsmanager",
            "operation": "describe_secret",
            "params": {"SecretId": secret},
            "missing_ok": ["ResourceNotFoundException"],
        },
        {
            "id": "fallback",
            "service": "secretsmanager",
            "operation": "describe_secret",
            "params": {"SecretId": secret + "-other"},
            "only_if_missing": ["key"],
            "missing_ok": ["ResourceNotFoundException"],
        },
    ]
    before = api_operations(moto_endpoint)
    found = run_module(MODULE, {"reads": f.merge_reads({"storage": storage, "cache": cache})}, check_mode=True)
    assert not found.failed, found
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "kms.DescribeKey": 1,
        "kms.GetKeyRotationStatus": 1,
        "secretsmanager.DescribeSecret": 1,
    }
    by_role = f.role_responses(found["responses"])
    assert set(by_role) == {"storage", "cache"}
    assert by_role["storage"]["key"]["KeyMetadata"]["KeyId"] == key_id
    assert by_role["storage"]["rotation"]["KeyRotationEnabled"] is False
    assert by_role["cache"]["key"]["ARN"] == secret_arn
    assert by_role["cache"]["fallback"] is None
    assert f.role_responses(found["responses"], "cache") == by_role["cache"]
    assert f.role_responses(found["responses"], "search") == {}
