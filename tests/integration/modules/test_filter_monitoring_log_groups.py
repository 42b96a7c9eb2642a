"""The monitoring role's one read of its service log groups (monitoring_log_group_reads) against moto: the plan
made from it is the plan made from amazon.aws.cloudwatchlogs_log_group_info's answer, with fewer requests."""

from __future__ import annotations

import uuid

from ansible_collections.platform_ops.aws.plugins.filter import monitoring as m

from tests.conftest import api_operations, operations_delta

KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def test_the_read_plans_like_the_info_module(run_module, amazon, aws, moto_endpoint):
    prefix = f"lg-{uuid.uuid4().hex[:6]}"
    tags = {"Project": prefix, "Environment": "prod"}
    logs = aws("logs")
    # api: converged; worker: retention differs; jobs: a tag is missing; web: missing; others: not a service's.
    for service, retention, group_tags in (
        ("api", 30, dict(tags, Service="api")),
        ("worker", 7, dict(tags, Service="worker")),
        ("jobs", 30, {"Project": prefix}),
    ):
        name = f"/platform/{prefix}/{service}"
        logs.create_log_group(logGroupName=name, tags=group_tags)
        logs.put_retention_policy(logGroupName=name, retentionInDays=retention)
    for other in ("vpc-flow-logs", "search/slow", "cloudtrail"):
        logs.create_log_group(logGroupName=f"/platform/{prefix}/{other}", tags={"Project": prefix})
    services = ["api", "worker", "jobs", "web"]
    options = {"retention_days": 30, "kms_key_arn": KEY, "tags": tags}

    info = amazon("cloudwatchlogs_log_group_info", {"log_group_name": f"/platform/{prefix}/"})
    assert not info.get("failed"), info
    before = api_operations(moto_endpoint)
    read = run_module("aws_read", {"reads": m.log_group_reads(services, prefix)}, check_mode=True)
    assert not read.failed, read
    calls = operations_delta(before, api_operations(moto_endpoint))
    # One DescribeLogGroups and the tags of the three service groups that exist (not of the missing web group, nor
    # of the three others), by the ARNs the listing answered (ListTagsForResource, the call the audit makes too).
    assert calls == {"logs.DescribeLogGroups": 1, "logs.ListTagsForResource": 3}, calls

    from_read = m.log_group_plan(services, read["responses"], prefix, **options)
    from_info = m.log_group_plan(services, info["log_groups"], prefix, **options)
    assert from_read == from_info
    assert [(g["service"], g["exists"]) for g in from_read["converge"]] == [
        ("worker", True),
        ("jobs", True),
        ("web", False),
    ]


def test_a_log_group_name_with_a_dot_has_its_tags_read_by_name(run_module, aws):
    """params_from's ``Key=value`` takes no dot: such a name is read with ListTagsLogGroup, by name."""
    from ansible_collections.platform_ops.aws.plugins.filter.plans import log_group_tags_read

    name = f"/custom/flow.logs-{uuid.uuid4().hex[:6]}"
    aws("logs").create_log_group(logGroupName=name, tags={"Project": "dotted"})
    groups = {
        "id": "groups",
        "service": "logs",
        "operation": "describe_log_groups",
        "paginate": True,
        "params": {"logGroupNamePrefix": name},
    }
    read = run_module("aws_read", {"reads": [groups, log_group_tags_read("tags", "groups", name)]})
    assert not read.failed, read
    assert read["calls"][1]["operation"] == "list_tags_log_group"
    assert read["responses"]["tags"] == {"tags": {"Project": "dotted"}}
    plain = log_group_tags_read("tags", "groups", "/platform/x-prod/web")
    assert plain["operation"] == "list_tags_for_resource"
    assert plain["params_from"] == {"resourceArn": "groups.logGroups.logGroupName=/platform/x-prod/web.logGroupArn"}
