"""The cache role's read-once plan (plugins/filter/cache_plan.py) against moto: one aws_read, then the plans say
"nothing to do" exactly when the modules themselves (run in check mode) report no change, and name what differs
when they would change it: the replication group (the module's own plan_changes, its tags), the subnet group
(community.aws.elasticache_subnet_group's comparison)."""

from __future__ import annotations

import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import cache_plan as p

from tests.conftest import api_operations, operations_delta

MODULE = "elasticache_replication_group"
TOKEN = "Sup3rSecretAuthToken-" + uuid.uuid4().hex


def _group_args(rg_id, **extra):
    """The options as the cache role passes them (roles/cache/vars/main.yml __cache_group_args)."""
    args = {
        "replication_group_id": rg_id,
        "description": f"{rg_id} cache",
        "engine": "redis",
        "engine_version": "7.1",
        "cache_node_type": "cache.t4g.small",
        "replicas_per_node_group": 1,
        "at_rest_encryption_enabled": True,
        "transit_encryption_enabled": True,
        "automatic_failover_enabled": True,
        "multi_az_enabled": True,
        "snapshot_retention_limit": 7,
        "snapshot_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "port": 6379,
        "apply_immediately": False,
        "tags": {"Project": "caseapp", "Environment": "test", "Name": rg_id},
        "purge_tags": False,
        "wait": False,
        "wait_timeout": 60,
    }
    args.update(extra)
    return args


@pytest.fixture
def stack(run_module, aws):
    """A subnet group over two subnets and a group created by the module, as the role creates them."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in ((1, "a"), (2, "b"))
    ]
    rg_id = f"cp-{uuid.uuid4().hex[:10]}"
    subnet_group = f"{rg_id}-subnets"
    aws("elasticache").create_cache_subnet_group(
        CacheSubnetGroupName=subnet_group, CacheSubnetGroupDescription="cache subnets", SubnetIds=subnets
    )
    args = _group_args(rg_id, cache_subnet_group_name=subnet_group)
    created = run_module(MODULE, dict(args, auth_token=TOKEN))
    assert created.changed, created
    names = {"subnet_group": subnet_group, "secret": f"{rg_id}/auth-token", "group": rg_id}
    return {"args": args, "names": names, "subnets": subnets, "rg_id": rg_id}


def _plan(run_module, stack, **extra):
    read = run_module("aws_read", {"reads": p.cache_state_reads(stack["names"])}, check_mode=True)
    assert not read.failed, read
    return read["responses"], p.cache_replication_group_plan(read["responses"], dict(stack["args"], **extra))


def _module_check(run_module, stack, **extra):
    result = run_module(MODULE, dict(stack["args"], **extra), check_mode=True)
    assert not result.failed, result
    return result


def test_a_converged_group_needs_no_module_run_in_one_read(run_module, stack, moto_endpoint):
    before = api_operations(moto_endpoint)
    responses, plan = _plan(run_module, stack)
    calls = operations_delta(before, api_operations(moto_endpoint))
    assert calls == {
        "elasticache.DescribeCacheSubnetGroups": 1,
        "secretsmanager.DescribeSecret": 1,
        "elasticache.DescribeReplicationGroups": 1,
        "elasticache.DescribeCacheClusters": 1,
        "elasticache.ListTagsForResource": 1,
    }, calls
    module = _module_check(run_module, stack)
    assert plan["differences"] == [] and not module.changed, (plan, module)
    # the result the tasks that follow use is the module's own
    assert plan["replication_group"] == module["replication_group"]
    assert (
        p.cache_subnet_group_differences(responses, stack["names"]["subnet_group"], "cache subnets", stack["subnets"])
        == []
    )


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        ({"snapshot_retention_limit": 1}, "snapshot_retention_limit"),
        ({"description": "changed by hand"}, "description"),
        ({"cache_node_type": "cache.t4g.medium"}, "cache_node_type"),
        ({"engine_version": "7.0"}, "engine_version"),
        ({"preferred_maintenance_window": "mon:01:00-mon:02:00"}, "preferred_maintenance_window"),
    ],
)
def test_each_drift_the_module_would_revert_is_a_difference(run_module, aws, stack, drift, expected):
    """A change made by hand (here: the task wanting something else, which is the same comparison)."""
    _, plan = _plan(run_module, stack, **drift)
    module = _module_check(run_module, stack, **drift)
    assert module.changed and expected in plan["differences"], (plan, module)


def test_a_tag_removed_by_hand_is_a_difference(run_module, aws, stack):
    ec = aws("elasticache")
    arn = ec.describe_replication_groups(ReplicationGroupId=stack["rg_id"])["ReplicationGroups"][0]["ARN"]
    ec.remove_tags_from_resource(ResourceName=arn, TagKeys=["Environment"])
    _, plan = _plan(run_module, stack)
    assert _module_check(run_module, stack).changed
    assert plan["differences"] == ["tags"], plan


def test_what_the_plan_cannot_judge_runs_the_module(run_module, stack):
    responses, plan = _plan(run_module, stack)
    # no member cluster read: the module would warn that it could not compare the cluster-level options
    unread = dict(responses, cluster=None)
    assert "member cluster" in " ".join(p.cache_replication_group_plan(unread, stack["args"])["differences"])
    # the tags not read
    assert p.cache_replication_group_plan(dict(responses, tags=None), stack["args"])["differences"] == ["tags not read"]
    # a parameter the module refuses
    bad = p.cache_replication_group_plan(responses, dict(stack["args"], snapshot_window="3am"))
    assert any(d.startswith("parameter: snapshot_window") for d in bad["differences"]), bad
    # an update strategy sends a token
    token = p.cache_replication_group_plan(
        responses, dict(stack["args"], auth_token_secret_id="x", auth_token_update_strategy="SET")
    )
    assert "auth token" in token["differences"], token
    # a wait on a group that is not available
    (group,) = [g for g in responses["group"]["ReplicationGroups"] if g["ReplicationGroupId"] == stack["rg_id"]]
    modifying = {"group": {"ReplicationGroups": [dict(group, Status="modifying")]}}
    waiting = p.cache_replication_group_plan(dict(responses, **modifying), dict(stack["args"], wait=True))
    assert "status modifying (the task waits)" in waiting["differences"], waiting


def test_a_missing_group_and_subnet_group(run_module, stack):
    names = dict(stack["names"], group=f"cp-missing-{uuid.uuid4().hex[:6]}", subnet_group="cp-missing-subnets")
    read = run_module("aws_read", {"reads": p.cache_state_reads(names)}, check_mode=True)
    assert not read.failed, read
    # the listings are the account's (the audit's calls); nothing in them is the missing group's
    assert read["responses"]["tags"] is None and "tags" in read["missing"]
    assert names["group"] not in {g["ReplicationGroupId"] for g in read["responses"]["group"]["ReplicationGroups"]}
    missing = dict(stack["args"], replication_group_id=names["group"])
    assert p.cache_replication_group_plan(read["responses"], missing) == {
        "differences": ["missing"],
        "replication_group": {},
    }
    assert p.cache_subnet_group_differences(read["responses"], names["subnet_group"], "x", stack["subnets"]) == [
        "missing"
    ]


def test_the_subnet_group_plan_agrees_with_the_module(run_module, community, stack):
    responses, _ = _plan(run_module, stack)
    name = stack["names"]["subnet_group"]
    cases = [
        ("cache subnets", stack["subnets"], []),
        ("cache subnets", list(reversed(stack["subnets"])), []),
        ("other description", stack["subnets"], ["description"]),
        ("cache subnets", stack["subnets"][:1], ["subnets"]),
    ]
    for description, subnets, expected in cases:
        module = community(
            "elasticache_subnet_group", {"name": name, "description": description, "subnets": subnets}, check_mode=True
        )
        assert not module.get("failed"), module
        assert p.cache_subnet_group_differences(responses, name, description, subnets) == expected
        assert module["changed"] == bool(expected), (description, subnets, module)
