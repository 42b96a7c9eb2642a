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
    return result["responses"]


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


def test_secret_metadata_is_what_the_generated_secret_module_reports_in_check_mode(run_module, aws):
    name = f"plans/{uuid.uuid4().hex[:8]}/DATABASE_URL"
    aws("secretsmanager").create_secret(
        Name=name, SecretString="postgresql://never-shown", Tags=[{"Key": "Project", "Value": "caseapp"}]
    )
    module = run_module("secretsmanager_generated_secret", {"name": name}, check_mode=True)
    assert not module.failed, module
    read = run_module(
        "aws_read",
        {
            "reads": [
                {"id": "s", "service": "secretsmanager", "operation": "describe_secret", "params": {"SecretId": name}},
                {
                    "id": "gone",
                    "service": "secretsmanager",
                    "operation": "describe_secret",
                    "params": {"SecretId": name + "-gone"},
                    "missing_ok": ["ResourceNotFoundException"],
                },
            ]
        },
    )
    meta = plans.secret_metadata(read["responses"]["s"], "us-east-1")
    assert meta["arn"] == module["arn"] and meta["version_id"] == module["version_id"] and meta["version_id"]
    assert meta["tags"] == module["tags"] == {"Project": "caseapp"}
    assert meta["replica_arns"] == (module.get("replica_arns") or {})
    assert "never-shown" not in json.dumps(read["responses"])
    assert plans.secret_metadata(read["responses"]["gone"], "us-east-1") == {
        "arn": None,
        "version_id": None,
        "tags": {},
        "replica_arns": {},
    }
    replicated = dict(
        read["responses"]["s"], ReplicationStatus=[{"Region": "us-west-2", "Status": "InSync", "KmsKeyId": "k"}]
    )
    assert plans.secret_metadata(replicated, "us-east-1")["replica_arns"] == {
        "us-west-2": meta["arn"].replace(":us-east-1:", ":us-west-2:")
    }


def test_secret_arns_are_the_full_arns_of_live_secrets_only(run_module, aws):
    """ecs_service finds the full ARN of each secret a task definition names: missing and scheduled for
    deletion secrets are left out (the role then fails with their names)."""
    base = f"plans/{uuid.uuid4().hex[:8]}"
    sm = aws("secretsmanager")
    live = sm.create_secret(Name=f"{base}/API_KEY", SecretString="never-shown")["ARN"]
    sm.create_secret(Name=f"{base}/OLD_KEY", SecretString="never-shown-either")
    sm.delete_secret(SecretId=f"{base}/OLD_KEY", RecoveryWindowInDays=7)
    names = {"API_KEY": f"{base}/API_KEY", "OLD_KEY": f"{base}/OLD_KEY", "GONE": f"{base}/GONE"}
    reads = plans.secret_reads(names)
    assert [r["id"] for r in reads] == ["API_KEY", "GONE", "OLD_KEY"]
    read = run_module("aws_read", {"reads": reads})
    assert not read.failed, read
    assert plans.secret_arns(read["responses"]) == {"API_KEY": live}
    assert "never-shown" not in json.dumps(read["responses"])
    assert plans.secret_reads({}) == [] and plans.secret_arns(None) == {}


def test_cache_group_view_has_the_keys_the_cache_role_publishes(run_module, aws):
    group_id = f"plans-{uuid.uuid4().hex[:8]}"
    aws("elasticache").create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="plans test",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        NumCacheClusters=2,
    )
    read = run_module(
        "aws_read",
        {
            "reads": [
                {
                    "id": "g",
                    "service": "elasticache",
                    "operation": "describe_replication_groups",
                    "params": {"ReplicationGroupId": group_id},
                },
                {
                    "id": "gone",
                    "service": "elasticache",
                    "operation": "describe_replication_groups",
                    "params": {"ReplicationGroupId": group_id + "-gone"},
                    "missing_ok": ["ReplicationGroupNotFoundFault"],
                },
            ]
        },
    )
    assert not read.failed and read["missing"] == ["gone"], read
    view = plans.cache_group_view(read["responses"]["g"])
    described = read["responses"]["g"]["ReplicationGroups"][0]
    assert view["arn"] == described["ARN"] and view["replication_group_id"] == group_id
    assert view["member_clusters"] == described["MemberClusters"]
    if described.get("NodeGroups") and described["NodeGroups"][0].get("PrimaryEndpoint"):
        assert view["primary_endpoint"]["address"] == described["NodeGroups"][0]["PrimaryEndpoint"]["Address"]
        assert view["port"] == described["NodeGroups"][0]["PrimaryEndpoint"]["Port"]
    assert plans.cache_group_view(read["responses"]["gone"]) == {}
    assert plans.cache_group_view({"ReplicationGroups": []}) == {}


def test_network_found_gives_network_facts_what_the_info_modules_gave(run_module, amazon, aws):
    """platform_network from one aws_read equals platform_network from the five info modules it replaced."""
    from ansible_collections.platform_ops.aws.plugins.filter.platform import network_facts, tag_filters

    name, env = f"net{uuid.uuid4().hex[:6]}", "dev"
    prefix = f"{name}-{env}"
    ec2 = aws("ec2")

    def tags(kind, extra):
        base = {"Project": name, "Environment": env, "ManagedBy": "ansible", **extra}
        return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in base.items()]}]

    vpc = ec2.create_vpc(CidrBlock="10.91.0.0/16", TagSpecifications=tags("vpc", {"Name": f"{prefix}-vpc"}))["Vpc"]
    subnets = {}
    for index, (tier, az) in enumerate(
        [("public", "us-east-1a"), ("public", "us-east-1b"), ("private", "us-east-1a"), ("database", "us-east-1b")]
    ):
        subnets[(tier, az)] = ec2.create_subnet(
            VpcId=vpc["VpcId"],
            CidrBlock=f"10.91.{index}.0/24",
            AvailabilityZone=az,
            TagSpecifications=tags("subnet", {"Name": f"{prefix}-{tier}-{az}", "Tier": tier}),
        )["Subnet"]["SubnetId"]
    for table in (f"{prefix}-private-us-east-1a", f"{prefix}-database"):
        ec2.create_route_table(VpcId=vpc["VpcId"], TagSpecifications=tags("route-table", {"Name": table}))
    for tier in ("alb", "app", "database"):
        ec2.create_security_group(VpcId=vpc["VpcId"], GroupName=f"{prefix}-{tier}", Description=tier)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(SubnetId=subnets[("public", "us-east-1a")], AllocationId=allocation)

    filters = dict(tag_filters(name, env), **{"tag:Name": f"{prefix}-vpc"})
    vpc_info = amazon("ec2_vpc_net_info", {"filters": filters})
    by_vpc = {"vpc-id": vpc["VpcId"]}
    upstream = network_facts(
        {
            "vpc": vpc_info["vpcs"][0],
            "subnets": amazon("ec2_vpc_subnet_info", {"filters": by_vpc})["subnets"],
            "nat_gateways": amazon("ec2_vpc_nat_gateway_info", {"filters": {**by_vpc, "state": ["available"]}})[
                "result"
            ],
            "route_tables": amazon("ec2_vpc_route_table_info", {"filters": by_vpc})["route_tables"],
            "security_groups": amazon("ec2_security_group_info", {"filters": by_vpc})["security_groups"],
        },
        prefix,
    )

    def by_vpc_id(rid, operation, key="Filters", extra=()):
        return {
            "id": rid,
            "service": "ec2",
            "operation": operation,
            "paginate": True,
            "params": {key: [{"Name": "vpc-id", "Values": [""]}, *extra]},
            "params_from": {f"{key}.0.Values.0": "vpc.Vpcs.0.VpcId"},
        }

    reads = [
        {
            "id": "vpc",
            "service": "ec2",
            "operation": "describe_vpcs",
            "params": {"Filters": [{"Name": k, "Values": [v]} for k, v in filters.items()]},
        },
        by_vpc_id("subnets", "describe_subnets"),
        by_vpc_id("nat_gateways", "describe_nat_gateways", "Filter", [{"Name": "state", "Values": ["available"]}]),
        by_vpc_id("route_tables", "describe_route_tables"),
        by_vpc_id("security_groups", "describe_security_groups"),
    ]
    read = run_module("aws_read", {"reads": reads}, check_mode=True)
    assert not read.failed, read
    found = plans.network_found(read["responses"])
    assert len(found["vpcs"]) == 1
    assert network_facts(found, prefix) == upstream
    assert upstream["public_subnet_ids"] == [subnets[("public", "us-east-1a")], subnets[("public", "us-east-1b")]]
    assert set(upstream["security_groups"]) == {"alb", "app", "database"}
    assert plans.network_found({})["vpcs"] == []


def _read_cluster(run_module, name):
    read = run_module(
        "aws_read",
        {
            "reads": [
                {
                    "id": "cluster",
                    "service": "ecs",
                    "operation": "describe_clusters",
                    "params": {"clusters": [name], "include": ["SETTINGS", "TAGS"]},
                }
            ]
        },
    )
    assert not read.failed, read
    return read["responses"]["cluster"]


def test_ecs_cluster_plan_finds_each_kind_of_drift(run_module, aws):
    name = f"plans-{uuid.uuid4().hex[:8]}"
    wanted = {
        "name": name,
        "capacity_providers": ["FARGATE", "FARGATE_SPOT"],
        "strategy": [{"capacity_provider": "FARGATE", "base": "1", "weight": 1}],
        "container_insights": "enabled",
        "tags": {"Project": "caseapp", "Name": name},
    }
    assert plans.ecs_cluster_plan(_read_cluster(run_module, name), wanted) == {
        "exists": False,
        "cluster": True,
        "insights": True,
        "tags": True,
        "current_tags": {},
    }
    try:  # ECS needs its service-linked role (the emulator enforces it, as AWS does)
        aws("iam").create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidInput", e
    ecs = aws("ecs")
    arn = ecs.create_cluster(
        clusterName=name,
        settings=[{"name": "containerInsights", "value": "enabled"}],
        tags=[{"key": "Project", "value": "caseapp"}, {"key": "Name", "value": name}, {"key": "Other", "value": "x"}],
    )["cluster"]["clusterArn"]
    for _attempt in range(30):  # a new service-linked role is usable after IAM propagated it (emulated too)
        try:
            ecs.put_cluster_capacity_providers(
                cluster=name,
                capacityProviders=["FARGATE", "FARGATE_SPOT"],
                defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1, "weight": 1}],
            )
            break
        except ClientError as e:
            assert "service linked role" in str(e), e
            time.sleep(1)
    same = plans.ecs_cluster_plan(_read_cluster(run_module, name), wanted)
    assert same["exists"] and not (same["cluster"] or same["insights"] or same["tags"]), same
    assert same["current_tags"]["Other"] == "x"  # purge_tags false: others are kept, not a difference

    ecs.put_cluster_capacity_providers(
        cluster=name,
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}],
    )
    ecs.update_cluster(cluster=name, settings=[{"name": "containerInsights", "value": "disabled"}])
    ecs.untag_resource(resourceArn=arn, tagKeys=["Project"])
    drifted = plans.ecs_cluster_plan(_read_cluster(run_module, name), wanted)
    assert drifted["cluster"] and drifted["insights"] and drifted["tags"], drifted
    assert (
        plans.ecs_cluster_plan(_read_cluster(run_module, name), dict(wanted, container_insights="disabled"))["insights"]
        is False
    )


def _read_repositories(run_module, prefix, services):
    reads = plans.ecr_repositories_reads(services, {"prefix": prefix, "region": "us-east-1"})
    read = run_module("aws_read", {"reads": reads})
    assert not read.failed, read
    return read["responses"]


def test_ecr_repositories_plan_finds_each_kind_of_drift(run_module, aws):
    from ansible_collections.platform_ops.aws.plugins.filter.ecs import ecs_lifecycle_policy

    prefix = f"plans-{uuid.uuid4().hex[:8]}"
    key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    lifecycle = ecs_lifecycle_policy(30)
    wanted = {
        "services": ["api", "worker"],
        "repository_prefix": prefix,
        "kms_key": key,
        "lifecycle": lifecycle,
        "tags": TAGS,
        "check_mode": False,
    }
    assert plans.ecr_repositories_plan(_read_repositories(run_module, prefix, ["api", "worker"]), wanted) == {
        "converge": ["api", "worker"],
        "tags": True,
        "reasons": {"api": ["missing"], "worker": ["missing"]},
    }
    ecr = aws("ecr")
    for service in ("api", "worker"):
        ecr.create_repository(
            repositoryName=f"{prefix}/{service}",
            imageTagMutability="IMMUTABLE",
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key},
            tags=[{"Key": k, "Value": v} for k, v in TAGS.items()],
        )
        ecr.put_lifecycle_policy(repositoryName=f"{prefix}/{service}", lifecyclePolicyText=json.dumps(lifecycle))
    assert plans.ecr_repositories_plan(_read_repositories(run_module, prefix, ["api", "worker"]), wanted) == {
        "converge": [],
        "tags": False,
        "reasons": {},
    }
    # One drift per kind, each on its own repository state.
    ecr.put_image_tag_mutability(repositoryName=f"{prefix}/api", imageTagMutability="MUTABLE")
    ecr.put_lifecycle_policy(repositoryName=f"{prefix}/worker", lifecyclePolicyText=json.dumps(ecs_lifecycle_policy(5)))
    plan = plans.ecr_repositories_plan(_read_repositories(run_module, prefix, ["api", "worker"]), wanted)
    assert plan == {
        "converge": ["api", "worker"],
        "tags": False,
        "reasons": {"api": ["image tag mutability"], "worker": ["lifecycle policy"]},
    }, plan
    # The task leaves the lifecycle policy out in check mode; so does the plan.
    assert plans.ecr_repositories_plan(
        _read_repositories(run_module, prefix, ["worker"]), dict(wanted, services=["worker"], check_mode=True)
    ) == {"converge": [], "tags": False, "reasons": {}}
    ecr.put_image_scanning_configuration(
        repositoryName=f"{prefix}/worker", imageScanningConfiguration={"scanOnPush": False}
    )
    arn = ecr.describe_repositories(repositoryNames=[f"{prefix}/worker"])["repositories"][0]["repositoryArn"]
    ecr.untag_resource(resourceArn=arn, tagKeys=["Environment"])
    plan = plans.ecr_repositories_plan(
        _read_repositories(run_module, prefix, ["worker"]), dict(wanted, services=["worker"], check_mode=True)
    )
    assert plan == {"converge": ["worker"], "tags": True, "reasons": {"worker": ["scan on push"]}}, plan
    other_key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    assert plans.ecr_repositories_plan(
        _read_repositories(run_module, prefix, ["api"]), dict(wanted, services=["api"], kms_key=other_key)
    )["converge"] == ["api"]


def _distribution(arn, comment, bucket, region="eu-west-1"):
    return {
        "ARN": arn,
        "Comment": comment,
        "Origins": {"Items": [{"DomainName": f"{bucket}.s3.{region}.amazonaws.com"}]},
    }


def test_storage_cloudfront_source_pins_the_stacks_own_distribution():
    """The converging path (cloudfront_source.yml) and the facts path (facts.yml) pin with this filter: the
    explicit ARN wins; else the first distribution, in the order of the buckets, whose origin is the bucket and
    whose comment begins with the stack's prefix; '' when none is (a first deploy)."""
    wanted = {
        "explicit": "",
        "prefix": "app-prod",
        "region": "eu-west-1",
        "buckets": ["app-prod-assets-1", "app-prod-media-1"],
    }
    listed = {
        "distributions": {
            "DistributionList": {
                "Items": [
                    _distribution(
                        "arn:other", "app-prod-other static assets", "app-prod-assets-1"
                    ),  # not the prefix and a space
                    _distribution("arn:foreign", "someone else's", "app-prod-assets-1"),
                    _distribution("arn:media", "app-prod media", "app-prod-media-1"),
                    _distribution("arn:assets", "app-prod static assets", "app-prod-assets-1"),
                    _distribution("arn:region", "app-prod elsewhere", "app-prod-assets-1", region="us-east-1"),
                ]
            }
        }
    }
    assert plans.storage_cloudfront_source(listed, wanted) == "arn:assets"
    assert plans.storage_cloudfront_source(listed, {**wanted, "buckets": ["app-prod-media-1"]}) == "arn:media"
    assert plans.storage_cloudfront_source(listed, {**wanted, "explicit": "arn:pinned"}) == "arn:pinned"
    assert plans.storage_cloudfront_source({}, wanted) == ""
    assert plans.storage_cloudfront_source({"distributions": {"DistributionList": {"Quantity": 0}}}, wanted) == ""


def test_origin_access_control_plan_agrees_with_the_module(run_module, aws):
    name = f"oac-{uuid.uuid4().hex[:8]}"
    args = {
        "name": name,
        "description": "assets",
        "origin_type": "s3",
        "signing_behavior": "always",
        "signing_protocol": "sigv4",
    }

    def plan(wanted=None):
        read = run_module(
            "aws_read",
            {
                "reads": [
                    {
                        "id": "oacs",
                        "service": "cloudfront",
                        "operation": "list_origin_access_controls",
                        "paginate": True,
                    }
                ]
            },
        )
        assert not read.failed, read
        return plans.origin_access_control_plan(read["responses"]["oacs"], wanted or args)

    assert plan() == {"converge": True, "id": ""}
    created = run_module("cloudfront_origin_access_control", dict(args, state="present"))
    assert created.changed, created
    same = plan()
    assert same == {"converge": False, "id": created["origin_access_control"]["id"]}, same
    assert not run_module("cloudfront_origin_access_control", dict(args, state="present"), check_mode=True).changed
    other = dict(args, signing_behavior="no-override")
    assert plan(other)["converge"]
    assert run_module("cloudfront_origin_access_control", dict(other, state="present"), check_mode=True).changed
    aws("cloudfront").create_origin_access_control(
        OriginAccessControlConfig={
            "Name": name,
            "Description": "a second one",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )
    assert plan() == {"converge": True, "id": ""}  # two of that name: the module runs and names them
    assert run_module("cloudfront_origin_access_control", dict(args, state="present")).failed


def test_distribution_summaries_are_the_listed_items():
    assert plans.distribution_summaries(None) == []
    assert plans.distribution_summaries({"DistributionList": {"Quantity": 0}}) == []
    item = {"Id": "E1", "ARN": "arn:aws:cloudfront::123456789012:distribution/E1", "DomainName": "d1.cloudfront.net"}
    assert plans.distribution_summaries({"DistributionList": {"Items": [item]}}) == [item]


def _read_identity_roles(run_module, path):
    reads = [
        {"id": "roles", "service": "iam", "operation": "list_roles", "params": {"PathPrefix": path}, "paginate": True},
        {
            "id": "details",
            "service": "iam",
            "operation": "get_account_authorization_details",
            "params": {"Filter": ["Role"]},
            "paginate": True,
        },
    ]
    read = run_module("aws_read", {"reads": reads})
    assert not read.failed, read
    return plans.identity_found_roles(read["responses"]["roles"], read["responses"]["details"])


def test_identity_found_roles_give_what_iam_role_info_gave_and_the_inline_documents(run_module, amazon, aws):
    path = f"/plans-{uuid.uuid4().hex[:8]}/"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    iam = aws("iam")
    name = f"plans-{uuid.uuid4().hex[:8]}-task-api"
    iam.create_role(
        RoleName=name,
        Path=path,
        Description="the api's task role",
        AssumeRolePolicyDocument=json.dumps(trust),
        Tags=[{"Key": "Project", "Value": "caseapp"}],
    )
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    iam.put_role_policy(RoleName=name, PolicyName="service-access", PolicyDocument=json.dumps(document))
    (found,) = _read_identity_roles(run_module, path)
    (info,) = amazon("iam_role_info", {"path_prefix": path})["iam_roles"]
    for key in ("role_name", "path", "description", "assume_role_policy_document", "inline_policies"):
        assert found[key] == info[key], key
    # ListRoles carries no tags (iam_role_info with a path gave none): the authorization details do.
    assert found["tags"] == {"Project": "caseapp"}
    assert found["managed_policies"] == info["managed_policies"] == []
    assert found["inline_policy_documents"] == {"service-access": document}

    wanted = [{"role": name, "name": "service-access", "document": document, "state": "present"}]
    assert plans.identity_inline_policy_changes(wanted, [found]) == []
    assert not run_module("iam_inline_policies", {"policies": wanted}, check_mode=True).changed
    other = dict(document, Statement=[dict(document["Statement"][0], Action="s3:PutObject")])
    changed = [dict(wanted[0], document=other), {"role": name, "name": "extra", "state": "absent"}]
    assert plans.identity_inline_policy_changes(changed, [found]) == changed[:1]
    assert run_module("iam_inline_policies", {"policies": changed}, check_mode=True).changed
    unread = [{"role": "not-read", "name": "x", "document": document, "state": "present"}]
    assert plans.identity_inline_policy_changes(unread, [found]) == unread  # the module judges a role not read
