"""The ecs_service role's load balancer plan (``ecs_service_alb_plan``, plugins/filter/ecs_alb_plan.py) against moto:
from the role's read (``ecs_service_alb_reads``) it says "nothing to do" exactly when amazon.aws.elb_application_lb,
given the role's arguments and run in check mode, reports no change; it names what a change made by hand altered;
and when nothing differs it gives the load balancer as the module itself returns it."""

from __future__ import annotations

import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import ecs as ecs_filters
from ansible_collections.platform_ops.aws.plugins.filter import ecs_alb_plan as p


@pytest.fixture
def network(aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("abc")
    ]
    groups = [
        ec2.create_security_group(GroupName=f"alb-{uuid.uuid4().hex[:8]}", Description="alb", VpcId=vpc)["GroupId"]
        for _ in range(2)
    ]
    elbv2 = aws("elbv2")
    target_groups = {
        service: elbv2.create_target_group(
            Name=f"tg-{uuid.uuid4().hex[:10]}", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        for service in ("web", "api")
    }
    bucket = f"alb-logs-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    return {"subnets": subnets, "groups": groups, "target_groups": target_groups, "bucket": bucket}


SERVICES = [
    {"name": "web", "public": True, "port": 8000},
    {"name": "api", "public": True, "port": 8000},
]


def _args(network, **changes):
    """elb_application_lb's arguments as roles/ecs_service/tasks/load_balancer.yml passes them."""
    args = {
        "subnets": network["subnets"][:2],
        "security_groups": [network["groups"][0]],
        "access_logs_enabled": True,
        "access_logs_s3_bucket": network["bucket"],
        "access_logs_s3_prefix": "alb",
        "deletion_protection": False,
        "http_drop_invalid_header_fields": True,
        "idle_timeout": 60,
        "listeners": ecs_filters.ecs_listeners(SERVICES, network["target_groups"], with_rules=False),
        "purge_listeners": True,
        "tags": {"Project": "alb", "Environment": "test"},
        "purge_tags": False,
    }
    args.update(changes)
    return args


def _module(amazon, name, args, check_mode):
    result = amazon(
        "elb_application_lb",
        dict(args, name=name, state="present", scheme="internet-facing", wait=False),
        check_mode=check_mode,
    )
    assert not result.get("failed"), result
    return result


@pytest.fixture
def alb(amazon, network):
    name = f"alb-{uuid.uuid4().hex[:10]}"
    created = _module(amazon, name, _args(network), check_mode=False)
    assert created["changed"]
    # the role's second call: the path rules of the further public services
    listeners = ecs_filters.ecs_listeners(SERVICES, network["target_groups"])
    assert ecs_filters.ecs_listener_rules_plan(created["listeners"], listeners) == listeners
    ruled = _module(amazon, name, dict(_args(network), listeners=listeners, purge_rules=True), check_mode=False)
    return {"name": name, "arn": created["load_balancer_arn"], "module": ruled}


def _plan(run_module, name, args):
    read = run_module("aws_read", {"reads": p.ecs_service_alb_reads(name)}, check_mode=True)
    assert not read.failed, read
    return p.ecs_service_alb_plan(read["responses"], name, args)


def test_a_converged_load_balancer_needs_no_module_run_and_is_given_as_the_module_returns_it(
    run_module, amazon, network, alb
):
    args = _args(network)
    plan = _plan(run_module, alb["name"], args)
    assert plan["changes"] == []
    assert _module(amazon, alb["name"], args, check_mode=True)["changed"] is False
    returned = _module(amazon, alb["name"], args, check_mode=False)
    assert returned["changed"] is False
    mine = plan["load_balancer"]
    for key in (
        "load_balancer_arn",
        "dns_name",
        "canonical_hosted_zone_id",
        "ip_address_type",
        "tags",
        "security_groups",
        "access_logs_s3_bucket",
        "idle_timeout_timeout_seconds",
    ):
        assert mine[key] == returned[key], key
    # the state as read: a new load balancer turns from provisioning to active between the two reads (the emulator
    # keeps it provisioning for a while, as AWS does), so only its shape is compared
    assert mine["state"]["code"] in ("provisioning", "active") and returned["state"]["code"] in (
        "provisioning",
        "active",
    )
    assert sorted(listener["port"] for listener in mine["listeners"]) == [80]
    # the rules the role's second call compares are there: that call is not made either
    wanted = ecs_filters.ecs_listeners(SERVICES, network["target_groups"])
    assert ecs_filters.ecs_listener_rules_plan(mine["listeners"], wanted) == []
    assert ecs_filters.ecs_listener_rules_plan(returned["listeners"], wanted) == []


@pytest.mark.parametrize(
    "case",
    [
        ({"idle_timeout": 120}, "attribute idle_timeout.timeout_seconds"),
        ({"deletion_protection": True}, "attribute deletion_protection.enabled"),
        ({"access_logs_s3_prefix": "other"}, "attribute access_logs.s3.prefix"),
        ({"tags": {"Project": "alb", "Environment": "prod"}}, "tags"),
        ("third subnet", "subnets"),
        ("other group", "security groups"),
        ("https", "listeners to add: 443"),
    ],
)
def test_a_wanted_change_is_a_difference(run_module, amazon, network, alb, case):
    change, reason = case
    if change == "third subnet":
        change = {"subnets": network["subnets"]}
    elif change == "other group":
        change = {"security_groups": [network["groups"][1]]}
    elif change == "https":
        listeners = ecs_filters.ecs_listeners(SERVICES, network["target_groups"], with_rules=False)
        change = {"listeners": listeners + [dict(listeners[0], Port=8443)]}
        reason = "listeners to add: 8443"
    args = _args(network, **change)
    assert reason in _plan(run_module, alb["name"], args)["changes"]
    assert _module(amazon, alb["name"], args, check_mode=True)["changed"] is True


def test_changes_made_by_hand_are_differences(run_module, amazon, aws, network, alb):
    elbv2 = aws("elbv2")
    args = _args(network)
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=alb["arn"],
        Attributes=[{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"}],
    )
    elbv2.remove_tags(ResourceArns=[alb["arn"]], TagKeys=["Environment"])
    listener = elbv2.describe_listeners(LoadBalancerArn=alb["arn"])["Listeners"][0]
    elbv2.modify_listener(
        ListenerArn=listener["ListenerArn"],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": network["target_groups"]["api"]}],
    )
    elbv2.create_listener(
        LoadBalancerArn=alb["arn"],
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": network["target_groups"]["web"]}],
    )
    changes = _plan(run_module, alb["name"], args)["changes"]
    assert {
        "attribute routing.http.drop_invalid_header_fields.enabled",
        "tags",
        "listeners to modify: 80",
        "listeners to delete",
    } <= set(changes)
    assert _module(amazon, alb["name"], args, check_mode=True)["changed"] is True
    _module(amazon, alb["name"], args, check_mode=False)
    assert _plan(run_module, alb["name"], args)["changes"] == []


def test_a_missing_load_balancer_is_created(run_module, network):
    plan = _plan(run_module, f"alb-{uuid.uuid4().hex[:10]}", _args(network))
    assert plan == {"changes": ["load balancer missing"], "load_balancer": {}}


def test_an_unread_load_balancer_is_converged_by_the_module(network):
    assert p.ecs_service_alb_plan({}, "alb-x", _args(network))["changes"] == ["not read"]
    assert p.ecs_service_alb_reads("a.b") == []
    # a target group given by name is looked up by the module: the plan does not judge those listeners
    by_name = [{"Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupName": "tg"}]}]
    assert p._listeners_differences([], by_name, True) == ["listeners not judged"]
