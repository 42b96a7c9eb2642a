"""platform_ops.aws.cloudwatch_log_delivery against the moto server; state asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "cloudwatch_log_delivery"
ACCOUNT = "123456789012"


@pytest.fixture
def names(aws):
    """A delivery name, a distribution ARN and an existing log group's ARN (as DescribeLogGroups gives it)."""
    suffix = uuid.uuid4().hex[:10]
    group = f"/platform/t-{suffix}/cloudfront-access"
    logs = aws("logs")
    logs.create_log_group(logGroupName=group)
    (found,) = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    return {
        "name": f"assets-{suffix}",
        "resource_arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E{suffix.upper()}",
        "destination_resource_arn": found["arn"],  # ends in :*
        "group": group,
    }


def _args(names, **extra):
    args = {k: names[k] for k in ("name", "resource_arn", "destination_resource_arn")}
    args.update(extra)
    return args


def _state(aws, name):
    logs = aws("logs")
    sources = [s for s in logs.describe_delivery_sources()["deliverySources"] if s["name"] == name]
    destinations = [d for d in logs.describe_delivery_destinations()["deliveryDestinations"] if d["name"] == name]
    deliveries = [d for d in logs.describe_deliveries()["deliveries"] if d["deliverySourceName"] == name]
    return sources, destinations, deliveries


def test_creates_source_destination_and_delivery_then_changes_nothing(run_module, aws, names, moto_endpoint):
    tags = {"Project": "caseapp", "Environment": "test"}
    planned = run_module(MODULE, _args(names, tags=tags), check_mode=True, diff=True)
    assert planned.changed and not planned.failed, planned
    assert planned["actions"] == [
        f"create delivery source {names['name']}",
        f"create delivery destination {names['name']} to {names['destination_resource_arn'][:-2]}",
        "create delivery",
    ]
    assert _state(aws, names["name"]) == ([], [], [])

    created = run_module(MODULE, _args(names, tags=tags, output_format="json"), diff=True)
    assert created.changed and not created.failed, created
    sources, destinations, deliveries = _state(aws, names["name"])
    assert [s["resourceArns"] for s in sources] == [[names["resource_arn"]]] and sources[0]["logType"] == "ACCESS_LOGS"
    (destination,) = destinations
    assert (
        destination["deliveryDestinationConfiguration"]["destinationResourceArn"]
        == names["destination_resource_arn"][:-2]
    )
    assert destination["deliveryDestinationType"] == "CWL" and destination["outputFormat"] == "json"
    assert [d["deliveryDestinationArn"] for d in deliveries] == [destination["arn"]]
    assert created["delivery"]["delivery_destination_arn"] == destination["arn"]
    assert created["diff"]["before"]["delivery_source"] == {} and created["diff"]["after"]["delivery"]
    assert aws("logs").list_tags_for_resource(resourceArn=sources[0]["arn"])["tags"] == tags

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, _args(names, tags=tags, output_format="json", purge_tags=False), check_mode=True)
    assert not again.changed and again["actions"] == [], again
    again = run_module(MODULE, _args(names, tags=tags, output_format="json"))
    assert not again.changed and again["actions"] == [], again
    ops = operations_delta(before, api_operations(moto_endpoint))
    assert not [op for op in ops if op.split(".")[1].startswith(("Put", "Create", "Delete", "Tag", "Untag"))], ops
    assert _state(aws, names["name"])[2] == deliveries


def test_another_resource_replaces_the_source_and_its_delivery(run_module, aws, names):
    assert run_module(MODULE, _args(names)).changed
    other = names["resource_arn"] + "X"
    moved = run_module(MODULE, _args(names, resource_arn=other))
    assert moved.changed and not moved.failed, moved
    assert moved["actions"][-2:] == [f"create delivery source {names['name']}", "create delivery"]
    sources, _, deliveries = _state(aws, names["name"])
    assert [s["resourceArns"] for s in sources] == [[other]] and len(deliveries) == 1


def test_tags_converge_on_existing_parts(run_module, aws, names):
    assert run_module(MODULE, _args(names, tags={"A": "1"})).changed
    retagged = run_module(MODULE, _args(names, tags={"A": "2"}, purge_tags=False))
    assert retagged.changed and retagged["actions"] == [
        "tag delivery source A",
        "tag delivery destination A",
        "tag delivery A",
    ], retagged
    (source,), _, _ = _state(aws, names["name"])
    assert aws("logs").list_tags_for_resource(resourceArn=source["arn"])["tags"] == {"A": "2"}


def test_absent_removes_everything_and_is_idempotent(run_module, aws, names):
    assert run_module(MODULE, _args(names)).changed
    planned = run_module(MODULE, {"name": names["name"], "state": "absent"}, check_mode=True)
    assert planned.changed and len(planned["actions"]) == 3 and _state(aws, names["name"])[0]
    removed = run_module(MODULE, {"name": names["name"], "state": "absent"}, diff=True)
    assert removed.changed and removed["diff"]["after"]["delivery_source"] == {}, removed
    assert _state(aws, names["name"]) == ([], [], [])
    again = run_module(MODULE, {"name": names["name"], "state": "absent"})
    assert not again.changed and not again.failed


def test_bad_input_fails_clearly(run_module, names):
    missing = run_module(MODULE, {"name": names["name"], "resource_arn": names["resource_arn"]})
    assert missing.failed and "destination_resource_arn" in missing["msg"]
    long_name = run_module(MODULE, _args(names, name="x" * 61))
    assert long_name.failed and "1 to 60 characters" in long_name["msg"]
    wrong_type = run_module(MODULE, _args(names, log_type="NOT_A_TYPE"))
    assert wrong_type.failed and "create delivery source" in wrong_type["msg"]
