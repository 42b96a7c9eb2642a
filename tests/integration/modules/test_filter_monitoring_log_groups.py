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
    # One DescribeLogGroups and the tags of the four service groups only (not of the three others).
    assert calls == {"logs.DescribeLogGroups": 1, "logs.ListTagsLogGroup": 4}, calls

    from_read = m.log_group_plan(services, read["responses"], prefix, **options)
    from_info = m.log_group_plan(services, info["log_groups"], prefix, **options)
    assert from_read == from_info
    assert [(g["service"], g["exists"]) for g in from_read["converge"]] == [
        ("worker", True),
        ("jobs", True),
        ("web", False),
    ]
