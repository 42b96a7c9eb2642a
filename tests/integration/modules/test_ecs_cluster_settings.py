"""platform_ops.aws.ecs_cluster_settings against the moto server; state asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "ecs_cluster_settings"


@pytest.fixture
def cluster(aws):
    name = f"insights-{uuid.uuid4().hex[:10]}"
    aws("ecs").create_cluster(clusterName=name)
    return name


def _insights(aws, name: str) -> str:
    found = aws("ecs").describe_clusters(clusters=[name], include=["SETTINGS"])["clusters"][0]
    return {s["name"]: s["value"] for s in found.get("settings", [])}.get("containerInsights", "disabled")


def test_enables_container_insights_then_is_idempotent(run_module, aws, cluster, moto_endpoint):
    first = run_module(MODULE, {"cluster": cluster, "container_insights": "enabled"})
    assert not first.failed, first
    assert first.changed
    assert _insights(aws, cluster) == "enabled"
    assert first["cluster_arn"].endswith(f":cluster/{cluster}")

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"cluster": first["cluster_arn"], "container_insights": "enabled"})
    assert not again.failed, again
    assert not again.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {"ecs.DescribeClusters": 1}


def test_check_mode_with_diff_changes_nothing(run_module, aws, cluster):
    result = run_module(MODULE, {"cluster": cluster, "container_insights": "enhanced"}, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["diff"] == {"before": {"container_insights": "disabled"}, "after": {"container_insights": "enhanced"}}
    assert _insights(aws, cluster) == "disabled"


def test_turns_it_off_again(run_module, aws, cluster):
    run_module(MODULE, {"cluster": cluster, "container_insights": "enabled"})
    result = run_module(MODULE, {"cluster": cluster, "container_insights": "disabled"})
    assert result.changed and not result.failed, result
    assert _insights(aws, cluster) == "disabled"


def test_a_missing_cluster_fails_with_a_clear_message(run_module):
    result = run_module(MODULE, {"cluster": "no-such-cluster", "container_insights": "enabled"})
    assert result.failed
    assert "no-such-cluster does not exist or is not active" in result["msg"]


def test_bad_cluster_name_fails_before_any_aws_call(run_module, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"cluster": "bad name!", "container_insights": "enabled"})
    assert result.failed
    assert "must be a cluster name" in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
