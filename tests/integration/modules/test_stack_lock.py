"""platform_ops.aws.stack_lock against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "stack_lock"


@pytest.fixture
def table():
    return f"locks-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def name():
    return f"app{uuid.uuid4().hex[:6]}-prod"


def _item(aws, table, name):
    return aws("dynamodb").get_item(TableName=table, Key={"lock_id": {"S": name}}, ConsistentRead=True).get("Item")


def _acquire(run_module, table, name, owner, **extra):
    args = {"name": name, "owner": owner, "table": table, "holder": {"user": owner, "pid": 42, "playbook": "x.yml"}}
    args.update(extra)
    return run_module(MODULE, args, check_mode=extra.pop("_check", False))


def test_acquire_creates_the_table_then_renews_for_the_same_owner(run_module, aws, table, name):
    first = _acquire(run_module, table, name, "run-a")
    assert not first.failed, first
    assert first.changed and first["held"] and first["table_created"] and not first["renewed"]
    description = aws("dynamodb").describe_table(TableName=table)["Table"]
    assert description["TableStatus"] == "ACTIVE"
    assert description["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert description["DeletionProtectionEnabled"] is True
    tags = aws("dynamodb").list_tags_of_resource(ResourceArn=description["TableArn"])["Tags"]
    assert tags == [{"Key": "ManagedBy", "Value": "ansible"}]
    # the table's ARN names the account the run deploys to (the plays take it from here, not from STS)
    assert first["table_arn"] == description["TableArn"]
    item = _item(aws, table, name)
    assert item["owner"] == {"S": "run-a"}
    assert item["holder"]["M"]["pid"] == {"N": "42"}
    assert "host" in item["holder"]["M"]
    assert int(item["expires_at"]["N"]) - int(item["acquired_at"]["N"]) == 14400

    acquired_at = first["lock"]["acquired_at"]
    second = _acquire(run_module, table, name, "run-a", lease_seconds=600)
    assert not second.failed, second
    assert not second.changed and second["renewed"] and not second["table_created"]
    assert second["table_arn"] == description["TableArn"]
    assert second["lock"]["acquired_at"] == acquired_at
    assert int(_item(aws, table, name)["lease_seconds"]["N"]) == 600


def test_second_owner_is_refused_in_one_request_naming_the_holder(run_module, aws, moto_endpoint, table, name):
    assert not _acquire(
        run_module, table, name, "run-a", holder={"user": "alice", "pid": 4242, "awx_job_id": 17}
    ).failed
    before = api_operations(moto_endpoint)
    refused = _acquire(run_module, table, name, "run-b")
    delta = operations_delta(before, api_operations(moto_endpoint))
    assert refused.failed
    assert "alice@" in refused["msg"] and "pid 4242" in refused["msg"] and "AWX job 17" in refused["msg"]
    assert "since 20" in refused["msg"] and "-e platform_lock_break=true" in refused["msg"]
    assert "stale" not in refused["msg"]
    assert refused["held_by"]["owner"] == "run-a"
    # DescribeTable + one conditional UpdateItem: the holder comes back with the failure (no GetItem).
    assert delta == {"dynamodb.DescribeTable": 1, "dynamodb.UpdateItem": 1}, delta
    assert _item(aws, table, name)["owner"] == {"S": "run-a"}


def test_stale_lock_still_refuses_until_broken(run_module, aws, table, name):
    assert not _acquire(run_module, table, name, "run-a", holder={"user": "alice", "pid": 4242}).failed
    aws("dynamodb").update_item(
        TableName=table,
        Key={"lock_id": {"S": name}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}},
    )
    refused = _acquire(run_module, table, name, "run-b")
    assert refused.failed
    assert "stale since" in refused["msg"] and "-e platform_lock_break=true" in refused["msg"]
    assert _item(aws, table, name)["owner"] == {"S": "run-a"}

    broke = _acquire(run_module, table, name, "run-b", break_lock=True)
    assert not broke.failed, broke
    assert broke.changed and broke["held"]
    assert broke["broken"]["owner"] == "run-a" and broke["broken"]["stale"] is True
    warnings = json.dumps(broke.get("warnings", []))
    assert "Broke the deploy lock" in warnings and "alice@" in warnings, broke
    item = _item(aws, table, name)
    assert item["owner"] == {"S": "run-b"}
    assert int(item["expires_at"]["N"]) > time.time()


def test_break_switch_on_a_free_lock_just_takes_it(run_module, table, name):
    result = _acquire(run_module, table, name, "run-a", break_lock=True)
    assert not result.failed and result.changed and "broken" not in result


def test_release_by_owner_and_by_non_owner(run_module, aws, table, name):
    assert not _acquire(run_module, table, name, "run-a").failed
    other = run_module(MODULE, {"name": name, "owner": "run-b", "table": table, "state": "released"})
    assert not other.failed and not other.changed
    assert other["held_by"]["owner"] == "run-a"
    assert "does not hold it" in json.dumps(other.get("warnings", []))
    assert _item(aws, table, name) is not None

    mine = run_module(MODULE, {"name": name, "owner": "run-a", "table": table, "state": "released"})
    assert not mine.failed and mine.changed and not mine["held"]
    assert _item(aws, table, name) is None

    again = run_module(MODULE, {"name": name, "owner": "run-a", "table": table, "state": "released"})
    assert not again.failed and not again.changed and "held_by" not in again
    assert "not held" in again["msg"]
    # Then another owner takes it at once.
    assert not _acquire(run_module, table, name, "run-b").failed


def test_release_without_a_table_is_a_no_op(run_module, aws, table, name):
    result = run_module(MODULE, {"name": name, "owner": "run-a", "table": table, "state": "released"})
    assert not result.failed and not result.changed, result
    assert table not in aws("dynamodb").list_tables()["TableNames"]


def test_check_mode_reads_and_warns_without_writing(run_module, aws, table, name):
    planned = run_module(MODULE, {"name": name, "owner": "run-a", "table": table}, check_mode=True)
    assert not planned.failed and planned.changed and planned["table_created"], planned
    assert planned["table_arn"] == ""
    assert table not in aws("dynamodb").list_tables()["TableNames"]

    assert not _acquire(run_module, table, name, "run-a", holder={"user": "alice"}).failed
    before = _item(aws, table, name)
    seen = run_module(MODULE, {"name": name, "owner": "run-b", "table": table}, check_mode=True)
    assert not seen.failed and not seen.changed and not seen["held"], seen
    assert seen["table_arn"] == aws("dynamodb").describe_table(TableName=table)["Table"]["TableArn"]
    assert seen["held_by"]["owner"] == "run-a"
    assert "alice@" in json.dumps(seen["warnings"]) and "check mode" in json.dumps(seen["warnings"])
    released = run_module(
        MODULE, {"name": name, "owner": "run-a", "table": table, "state": "released"}, check_mode=True
    )
    assert released.changed
    assert _item(aws, table, name) == before


def test_bad_input_fails_clearly(run_module, table, name):
    result = run_module(MODULE, {"name": name, "owner": "run-a", "table": table, "lease_seconds": 5})
    assert result.failed and "lease_seconds" in result["msg"]
    result = run_module(MODULE, {"name": name, "owner": "run-a", "table": "a b"})
    assert result.failed and "table" in result["msg"]
