"""The search role's one read (search_state_reads, search_state in plugins/filter/plans.py) against moto: it finds
the log groups and the domain as amazon.aws.cloudwatchlogs_log_group_info and community.aws.opensearch_info found
them, in one module run."""

from __future__ import annotations

import uuid

from ansible_collections.platform_ops.aws.plugins.filter import plans as p

from tests.conftest import api_operations, operations_delta


def _log_groups(prefix):
    return {
        "SEARCH_SLOW_LOGS": f"/platform/{prefix}/search/search-slow-logs",
        "ES_APPLICATION_LOGS": f"/platform/{prefix}/search/es-application-logs",
    }


def test_the_read_finds_what_the_info_modules_find(run_module, amazon, community, aws, moto_endpoint):
    prefix = f"se-{uuid.uuid4().hex[:6]}"
    domain = f"{prefix}-search"
    groups = _log_groups(prefix)
    logs = aws("logs")
    # one group converged, one with another retention; the domain's other log group is missing
    logs.create_log_group(logGroupName=groups["SEARCH_SLOW_LOGS"], tags={"Project": prefix, "Environment": "dev"})
    logs.put_retention_policy(logGroupName=groups["SEARCH_SLOW_LOGS"], retentionInDays=30)
    logs.create_log_group(logGroupName=f"/platform/{prefix}/search/other", tags={"Project": prefix})
    reads = p.search_state_reads(domain, groups, prefix)

    # no domain yet: opensearch_info finds none, and neither does the read
    before = api_operations(moto_endpoint)
    read = run_module("aws_read", {"reads": reads}, check_mode=True)
    assert not read.failed, read
    calls = operations_delta(before, api_operations(moto_endpoint))
    # the missing group is not read (its tags read takes its ARN from the listing)
    assert calls == {"logs.DescribeLogGroups": 1, "logs.ListTagsForResource": 1, "es.DescribeDomain": 1}, calls
    state = p.search_state(read["responses"], groups)
    assert state["domains"] == community("opensearch_info", {"domain_name": domain})["domains"] == []

    info = amazon("cloudwatchlogs_log_group_info", {"log_group_name": f"/platform/{prefix}/search/"})
    ours = {g["log_group_name"]: g for g in state["log_groups"]}
    theirs = {g["log_group_name"]: g for g in info["log_groups"]}
    assert set(ours) == set(theirs)
    for name in groups.values():
        if name in theirs:
            for key in ("retention_in_days", "kms_key_id", "tags"):
                assert ours[name].get(key) == theirs[name].get(key), (name, key)

    aws("opensearch").create_domain(DomainName=domain, EngineVersion="OpenSearch_2.13")
    read = run_module("aws_read", {"reads": reads}, check_mode=True)
    state = p.search_state(read["responses"], groups)
    found = community("opensearch_info", {"domain_name": domain})["domains"]
    assert len(state["domains"]) == len(found) == 1
    assert state["domains"][0]["domain_status"]["arn"] == found[0]["domain_status"]["arn"]
    assert state["domains"][0]["domain_status"]["domain_name"] == domain
