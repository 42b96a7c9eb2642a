"""The ecs_service role's web ACL plans (plugins/filter/ecs_waf_plan.py) against moto: from the role's read they
say "nothing to do" exactly when community.aws.wafv2_web_acl, wafv2_resources and wafv2_logging_configuration (run
in check mode) report no change, and name the difference when a change made by hand would make them write."""

from __future__ import annotations

import time
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import ecs_alb_plan
from ansible_collections.platform_ops.aws.plugins.filter import ecs_waf_plan as p
from ansible_collections.platform_ops.aws.plugins.filter.ecs import ecs_waf_rules

ACCOUNT = "123456789012"


@pytest.fixture
def acl(run_module, aws):
    """A web ACL associated with a load balancer, logging to a log group, as the role leaves them."""
    name = f"wp-{uuid.uuid4().hex[:8]}-waf"
    ec2, elb, waf, logs = aws("ec2"), aws("elbv2"), aws("wafv2"), aws("logs")
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"][
            "SubnetId"
        ]
        for i, z in ((1, "a"), (2, "b"))
    ]
    lb = elb.create_load_balancer(Name=name[:32], Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    created = waf.create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name},
    )["Summary"]
    # AWS WAF answers WAFUnavailableEntityException for a web ACL seconds old or a load balancer still
    # provisioning (the launcher's waf_alb_active rule): retried, as a real deploy does.
    deadline = time.monotonic() + 60
    while True:
        try:
            waf.associate_web_acl(WebACLArn=created["ARN"], ResourceArn=lb)
            break
        except waf.exceptions.WAFUnavailableEntityException:
            assert time.monotonic() < deadline, "AWS WAF kept the web ACL or the load balancer unavailable"
            time.sleep(0.5)
    group = f"aws-waf-logs-{name}"
    logs.create_log_group(logGroupName=group)
    logging = {
        "log_destination_configs": [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{group}"],
        "redacted_fields": {"headers": ["authorization", "cookie"]},
    }
    assert run_module("wafv2_logging_configuration", {"web_acl_arn": created["ARN"], **logging}).changed
    return {"name": name, "arn": created["ARN"], "lb": lb, "lb_name": name[:32], "logging": logging}


def _reads(acl, logging=True):
    """The role's reads of the load balancer listing and the web ACL (roles/ecs_service/tasks/read.yml)."""
    return ecs_alb_plan.ecs_service_alb_reads(acl["lb_name"])[:1] + p.ecs_service_waf_reads(
        acl["name"], logging, acl["lb_name"]
    )


def _plan(run_module, acl, logging=None, lb=None, arn=None):
    read = run_module("aws_read", {"reads": _reads(acl)}, check_mode=True)
    assert not read.failed, read
    return p.ecs_service_waf_plan(
        read["responses"],
        acl["name"],
        arn or acl["arn"],
        lb or acl["lb"],
        acl["logging"] if logging is None else logging,
    )


def _modules_change(run_module, community, acl, logging=None, lb=None):
    association = community(
        "wafv2_resources",
        {"name": acl["name"], "scope": "REGIONAL", "arn": lb or acl["lb"], "state": "present"},
        check_mode=True,
    )
    logged = run_module(
        "wafv2_logging_configuration", {"web_acl_arn": acl["arn"], **(logging or acl["logging"])}, check_mode=True
    )
    assert not association.get("failed") and not logged.failed, (association, logged)
    return {"association": association["changed"], "logging": logged.changed}


def _agree(plan, changes):
    assert {key: bool(reasons) for key, reasons in plan.items()} == changes, (plan, changes)


def test_a_converged_acl_needs_neither_module(run_module, community, acl):
    plan = _plan(run_module, acl)
    assert plan == {"association": [], "logging": []}
    _agree(plan, _modules_change(run_module, community, acl))


def test_disassociated_and_logging_deleted_by_hand(run_module, community, aws, acl):
    aws("wafv2").disassociate_web_acl(ResourceArn=acl["lb"])
    aws("wafv2").delete_logging_configuration(ResourceArn=acl["arn"])
    plan = _plan(run_module, acl)
    assert plan == {"association": ["not associated"], "logging": ["logging configuration"]}
    _agree(plan, _modules_change(run_module, community, acl))


def test_other_redacted_headers_or_destination_are_a_difference(run_module, community, acl):
    for logging in (
        dict(acl["logging"], redacted_fields={"headers": ["authorization"]}),
        dict(
            acl["logging"], log_destination_configs=[f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:aws-waf-logs-other"]
        ),
    ):
        plan = _plan(run_module, acl, logging=logging)
        assert plan == {"association": [], "logging": ["logging configuration"]}, plan
        _agree(plan, _modules_change(run_module, community, acl, logging=logging))
    # header names are compared as AWS stores them (lower case), as the module does
    same = dict(acl["logging"], redacted_fields={"headers": ["Authorization", "Cookie"]})
    assert _plan(run_module, acl, logging=same)["logging"] == []


def test_what_the_plan_cannot_judge_runs_the_modules(run_module, acl):
    # an ACL this run replaced (another ARN than the read's), or none known
    for arn in (acl["arn"].replace(acl["arn"][-6:], "000000"), ""):
        replaced = p.ecs_service_waf_plan({}, acl["name"], arn, acl["lb"], acl["logging"])
        assert replaced["association"] and replaced["logging"], replaced
    # another load balancer than the one read (one this run replaced)
    assert _plan(run_module, acl, lb=acl["lb"] + "x")["association"] == ["load balancer not read as this run has it"]
    # an option the module refuses
    bad = _plan(
        run_module,
        acl,
        logging=dict(acl["logging"], log_destination_configs=["arn:aws:logs:us-east-1:1:log-group:x:*"]),
    )
    assert bad["logging"][0].startswith("parameter: log_destination_configs"), bad
    # logging not managed: only the association is planned
    read = run_module("aws_read", {"reads": _reads(acl, logging=False)}, check_mode=True)
    assert p.ecs_service_waf_plan(read["responses"], acl["name"], acl["arn"], acl["lb"], None) == {
        "association": [],
        "logging": [],
    }


def _acl_args(prefix, **changes):
    """community.aws.wafv2_web_acl's arguments as roles/ecs_service/tasks/waf_acl.yml passes them."""
    args = {
        "description": f"{prefix} load balancer protection",
        "default_action": "Allow",
        "rules": ecs_waf_rules(prefix, 2000),
        "purge_rules": True,
        "tags": {"Project": "wp", "Environment": "test", "Name": f"{prefix}-waf"},
        "purge_tags": False,
    }
    args.update(changes)
    return args


def _acl_module(community, name, args, check_mode):
    result = community(
        "wafv2_web_acl",
        dict(args, name=name, state="present", scope="REGIONAL", sampled_requests=True, cloudwatch_metrics=True),
        check_mode=check_mode,
    )
    assert not result.get("failed"), result
    return result


def _acl_plan(run_module, name, args):
    read = run_module("aws_read", {"reads": p.ecs_service_waf_reads(name, False)}, check_mode=True)
    assert not read.failed, read
    return p.ecs_service_waf_acl_plan(read["responses"], name, args)


@pytest.fixture
def managed_acl(community):
    prefix = f"wa-{uuid.uuid4().hex[:8]}"
    name = f"{prefix}-waf"
    assert _acl_module(community, name, _acl_args(prefix), check_mode=False)["changed"]
    return {"prefix": prefix, "name": name}


def test_a_converged_acl_needs_no_module_run_and_is_given_as_the_module_returns_it(run_module, community, managed_acl):
    args = _acl_args(managed_acl["prefix"])
    plan = _acl_plan(run_module, managed_acl["name"], args)
    assert plan["changes"] == [], plan
    assert _acl_module(community, managed_acl["name"], args, check_mode=True)["changed"] is False
    returned = _acl_module(community, managed_acl["name"], args, check_mode=False)
    assert returned["changed"] is False
    for key in ("arn", "name", "id", "description", "default_action", "tags"):
        assert plan["web_acl"][key] == returned[key], key


@pytest.mark.parametrize(
    "case",
    [
        ({"description": "other"}, "description"),
        ({"default_action": "Block"}, "default action"),
        ({"tags": {"Project": "wp", "Environment": "prod"}}, "tags"),
        ("rate", "rules"),
    ],
)
def test_a_wanted_acl_change_is_a_difference(run_module, community, managed_acl, case):
    change, reason = case
    if change == "rate":
        change = {"rules": ecs_waf_rules(managed_acl["prefix"], 500)}
    args = _acl_args(managed_acl["prefix"], **change)
    assert reason in _acl_plan(run_module, managed_acl["name"], args)["changes"]
    assert _acl_module(community, managed_acl["name"], args, check_mode=True)["changed"] is True


def test_acl_changes_made_by_hand_are_differences(run_module, community, aws, managed_acl):
    waf = aws("wafv2")
    (summary,) = [a for a in waf.list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"] == managed_acl["name"]]
    acl = waf.get_web_acl(Name=managed_acl["name"], Scope="REGIONAL", Id=summary["Id"])
    waf.update_web_acl(
        Name=managed_acl["name"],
        Scope="REGIONAL",
        Id=summary["Id"],
        DefaultAction=acl["WebACL"]["DefaultAction"],
        Rules=acl["WebACL"]["Rules"][1:],
        VisibilityConfig=acl["WebACL"]["VisibilityConfig"],
        Description=acl["WebACL"]["Description"],
        LockToken=acl["LockToken"],
    )
    waf.untag_resource(ResourceARN=summary["ARN"], TagKeys=["Environment"])
    args = _acl_args(managed_acl["prefix"])
    assert {"rules", "tags"} <= set(_acl_plan(run_module, managed_acl["name"], args)["changes"])
    assert _acl_module(community, managed_acl["name"], args, check_mode=True)["changed"] is True
    _acl_module(community, managed_acl["name"], args, check_mode=False)
    assert _acl_plan(run_module, managed_acl["name"], args)["changes"] == []


def test_a_missing_or_unread_acl_is_converged_by_the_module(run_module):
    name = f"wa-{uuid.uuid4().hex[:8]}-waf"
    assert _acl_plan(run_module, name, _acl_args("x"))["changes"] == ["web ACL missing"]
    assert p.ecs_service_waf_acl_plan({}, name, _acl_args("x"))["changes"] == ["not read"]
