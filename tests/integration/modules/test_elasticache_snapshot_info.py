"""platform_ops.aws.elasticache_snapshot_info against the moto server."""

from __future__ import annotations

import uuid

MODULE = "elasticache_snapshot_info"


def _group(aws, group_id: str) -> None:
    aws("elasticache").create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="snapshot info test",
        Engine="redis",
        CacheNodeType="cache.t4g.small",
        NumCacheClusters=1,
    )


def test_lists_the_final_snapshots_of_a_group_by_prefix(run_module, aws):
    group_id = f"snapinfo-{uuid.uuid4().hex[:8]}"
    _group(aws, group_id)
    client = aws("elasticache")
    for name in (f"{group_id}-final-20261203120000", f"{group_id}-manual"):
        client.create_snapshot(SnapshotName=name, ReplicationGroupId=group_id)

    result = run_module(MODULE, {"replication_group_id": group_id, "name_prefix": f"{group_id}-final-"})
    assert not result.failed, result
    assert not result.changed
    assert [s["snapshot_name"] for s in result["snapshots"]] == [f"{group_id}-final-20261203120000"]
    assert result["snapshots"][0]["arn"].endswith(f":snapshot:{group_id}-final-20261203120000")

    both = run_module(MODULE, {"replication_group_id": group_id}, check_mode=True)
    assert [s["snapshot_name"] for s in both["snapshots"]] == sorted(
        [f"{group_id}-final-20261203120000", f"{group_id}-manual"]
    )


def test_nothing_found_is_an_empty_list(run_module):
    result = run_module(MODULE, {"replication_group_id": "snapinfo-none", "name_prefix": "snapinfo-none-final-"})
    assert not result.failed, result
    assert result["snapshots"] == []


def test_an_overlong_group_id_is_refused(run_module):
    result = run_module(MODULE, {"replication_group_id": "x" * 41})
    assert result.failed
    assert "replication_group_id" in result["msg"]
