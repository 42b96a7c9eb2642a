"""The search role's policy plans (plugins/filter/search_plan.py) against moto: from the role's one read they say
"nothing to do" exactly when opensearch_log_publishing and opensearch_access_policy (run in check mode) report no
change, and name what differs when a change made by hand would make the modules write."""

from __future__ import annotations

import json
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import plans
from ansible_collections.platform_ops.aws.plugins.filter import search_plan as p

ACCOUNT = "123456789012"


def _policy(domain):
    arn = f"arn:aws:es:us-east-1:{ACCOUNT}:domain/{domain}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/platform/{domain}-task-api"]},
                "Action": ["es:ESHttpGet", "es:ESHttpPost"],
                "Resource": f"{arn}/*",
            }
        ],
    }


@pytest.fixture
def domain(run_module, aws):
    """A domain converged by both modules, as the role leaves it."""
    name = f"sp-{uuid.uuid4().hex[:10]}"
    aws("opensearch").create_domain(DomainName=name, EngineVersion="OpenSearch_2.13")
    groups = {
        "SEARCH_SLOW_LOGS": f"/platform/{name}/search/search-slow-logs",
        "ES_APPLICATION_LOGS": f"/platform/{name}/search/es-application-logs",
    }
    for group in groups.values():
        aws("logs").create_log_group(logGroupName=group)
    assert run_module(
        "opensearch_log_publishing", {"domain_name": name, "log_groups": groups, "resource_policy_name": f"{name}-logs"}
    ).changed
    assert run_module("opensearch_access_policy", {"domain_name": name, "policy": _policy(name)}).changed
    return {"name": name, "groups": groups}


def _plan(run_module, domain, access_policy=None, groups=None):
    name = domain["name"]
    reads = plans.search_state_reads(name, domain["groups"], name) + p.search_policy_reads(name)
    read = run_module("aws_read", {"reads": reads}, check_mode=True)
    assert not read.failed, read
    policy = _policy(name) if access_policy is None else access_policy
    return p.search_policies_plan(read["responses"], name, groups or domain["groups"], f"{name}-logs", policy)


def _modules_change(run_module, domain, access_policy=None, groups=None):
    name = domain["name"]
    publishing = run_module(
        "opensearch_log_publishing",
        {"domain_name": name, "log_groups": groups or domain["groups"], "resource_policy_name": f"{name}-logs"},
        check_mode=True,
    )
    access = run_module(
        "opensearch_access_policy", {"domain_name": name, "policy": access_policy or _policy(name)}, check_mode=True
    )
    assert not publishing.failed and not access.failed, (publishing, access)
    return {"log_publishing": publishing.changed, "access_policy": access.changed}


def _agree(plan, changes):
    assert {key: bool(reasons) for key, reasons in plan.items()} == changes, (plan, changes)


def test_a_converged_domain_needs_neither_module(run_module, domain):
    plan = _plan(run_module, domain)
    assert plan == {"log_publishing": [], "access_policy": []}
    _agree(plan, _modules_change(run_module, domain))


def test_the_access_policy_changed_by_hand(run_module, aws, domain):
    drifted = _policy(domain["name"])
    drifted["Statement"][0]["Action"] = ["es:*"]
    aws("opensearch").update_domain_config(DomainName=domain["name"], AccessPolicies=json.dumps(drifted))
    plan = _plan(run_module, domain)
    assert plan == {"log_publishing": [], "access_policy": ["access policy"]}
    _agree(plan, _modules_change(run_module, domain))


def test_the_resource_policy_deleted_by_hand(run_module, aws, domain):
    aws("logs").delete_resource_policy(policyName=f"{domain['name']}-logs")
    plan = _plan(run_module, domain)
    assert plan == {"log_publishing": ["resource policy"], "access_policy": []}
    _agree(plan, _modules_change(run_module, domain))


def test_a_log_type_switched_off_by_hand(run_module, aws, domain):
    options = aws("opensearch").describe_domain_config(DomainName=domain["name"])["DomainConfig"][
        "LogPublishingOptions"
    ]
    switched = {k: dict(v, Enabled=k != "SEARCH_SLOW_LOGS") for k, v in options["Options"].items()}
    aws("opensearch").update_domain_config(DomainName=domain["name"], LogPublishingOptions=switched)
    plan = _plan(run_module, domain)
    assert plan == {"log_publishing": ["log publishing options"], "access_policy": []}
    _agree(plan, _modules_change(run_module, domain))


def test_another_wanted_policy_or_log_group_is_a_difference(run_module, domain):
    other = _policy(domain["name"])
    other["Statement"][0]["Principal"]["AWS"].append(f"arn:aws:iam::{ACCOUNT}:role/platform/x-task-worker")
    more = dict(domain["groups"], INDEX_SLOW_LOGS=f"/platform/{domain['name']}/search/index-slow-logs")
    plan = _plan(run_module, domain, access_policy=other, groups=more)
    assert plan == {"log_publishing": ["log publishing options", "resource policy"], "access_policy": ["access policy"]}
    _agree(plan, _modules_change(run_module, domain, access_policy=other, groups=more))


def test_what_the_modules_would_refuse_or_cannot_find_runs_them(run_module, domain):
    name = domain["name"]
    bad = p.search_policies_plan({}, name, {"NOT_A_TYPE": "/x"}, f"{name}-logs", {"Statement": []})
    assert bad["log_publishing"][0].startswith("parameter: log_groups key 'NOT_A_TYPE'"), bad
    assert bad["access_policy"] == ["parameter: policy must have a Statement (a statement or a list of statements)"]
    missing = p.search_policies_plan({}, name, domain["groups"], f"{name}-logs", _policy(name))
    assert missing == {"log_publishing": ["domain missing"], "access_policy": ["domain missing"]}
    assert p.search_policies_plan({}, name, domain["groups"], f"{name}-logs", None)["access_policy"] == []
