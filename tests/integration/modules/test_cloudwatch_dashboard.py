"""platform_ops.aws.cloudwatch_dashboard against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import cloudwatch as cw
from botocore.exceptions import ClientError

from tests.conftest import api_operations, operations_delta

MODULE = "cloudwatch_dashboard"


def _name() -> str:
    return f"test-dashboard-{uuid.uuid4().hex[:10]}"


def _body(title="ECS CPU", cluster="caseapp-test"):
    return {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": "us-east-1",
                    "stat": "Average",
                    "period": 300,
                    "metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", cluster]],
                },
            },
            {
                "type": "text",
                "x": 12,
                "y": 0,
                "width": 6,
                "height": 2,
                "properties": {"markdown": "Managed by Ansible"},
            },
        ]
    }


@pytest.fixture
def cloudwatch(aws):
    return aws("cloudwatch")


def _real_body(cloudwatch, name):
    return json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])


def _exists(cloudwatch, name):
    try:
        cloudwatch.get_dashboard(DashboardName=name)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFound"
        return False
    return True


def test_create_then_idempotent_regardless_of_key_order(run_module, cloudwatch, moto_endpoint):
    name = _name()
    body = _body()
    created = run_module(MODULE, {"name": name, "body": body})
    assert not created.failed, created
    assert created.changed
    assert created["dashboard_name"] == name
    assert _real_body(cloudwatch, name) == body
    real = cloudwatch.get_dashboard(DashboardName=name)
    assert created["dashboard_arn"] == real["DashboardArn"]
    assert created["body"] == body
    assert created["validation_messages"] == []

    # Same body as JSON text, keys in another order, other whitespace: not a change, no PutDashboard.
    reordered = json.dumps(
        {"widgets": [dict(reversed(list(w.items()))) for w in body["widgets"]]}, indent=4, sort_keys=True
    )
    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"dashboard_name": name, "body": reordered})
    after = api_operations(moto_endpoint)
    assert not again.failed, again
    assert not again.changed
    assert again["dashboard_arn"] == real["DashboardArn"]
    assert again["body"] == body
    assert operations_delta(before, after) == {"monitoring.GetDashboard": 1}


def test_check_mode_create_changes_nothing(run_module, cloudwatch):
    name = _name()
    result = run_module(MODULE, {"name": name, "body": _body()}, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["diff"] == {"before": {}, "after": _body()}
    assert not _exists(cloudwatch, name)


def test_update_with_diff_and_check_mode(run_module, cloudwatch):
    name = _name()
    run_module(MODULE, {"name": name, "body": _body()})
    new_body = _body(title="ECS CPU (avg)", cluster="caseapp-other")

    checked = run_module(MODULE, {"name": name, "body": new_body}, check_mode=True, diff=True)
    assert checked.changed
    assert checked["diff"] == {"before": _body(), "after": new_body}
    assert _real_body(cloudwatch, name) == _body()

    updated = run_module(MODULE, {"name": name, "body": json.dumps(new_body)}, diff=True)
    assert not updated.failed, updated
    assert updated.changed
    assert updated["diff"] == {"before": _body(), "after": new_body}
    assert updated["body"] == new_body
    assert _real_body(cloudwatch, name) == new_body

    assert not run_module(MODULE, {"name": name, "body": new_body}).changed


def test_out_of_band_edit_is_reverted(run_module, cloudwatch):
    name = _name()
    run_module(MODULE, {"name": name, "body": _body()})
    cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps({"widgets": []}))
    result = run_module(MODULE, {"name": name, "body": _body()}, diff=True)
    assert result.changed
    assert result["diff"]["before"] == {"widgets": []}
    assert _real_body(cloudwatch, name) == _body()


def test_absent_check_mode_delete_and_again(run_module, cloudwatch):
    name = _name()
    created = run_module(MODULE, {"name": name, "body": _body()})

    checked = run_module(MODULE, {"name": name, "state": "absent"}, check_mode=True, diff=True)
    assert checked.changed
    assert checked["diff"] == {"before": _body(), "after": {}}
    assert _exists(cloudwatch, name)

    deleted = run_module(MODULE, {"name": name, "state": "absent"})
    assert not deleted.failed, deleted
    assert deleted.changed
    assert deleted["dashboard_arn"] == created["dashboard_arn"]
    assert deleted["body"] == {}
    assert not _exists(cloudwatch, name)

    again = run_module(MODULE, {"name": name, "state": "absent"})
    assert not again.failed, again
    assert not again.changed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"body": "{not json"}, "body is not valid JSON"),
        ({"body": "[1, 2]"}, "body must be a JSON object"),
        ({"body": ["widgets"]}, "body must be a JSON object"),
        ({"body": {"widgets": {"type": "text"}}}, 'body must have a "widgets" list'),
        ({"body": "{}"}, 'body must have a "widgets" list'),
        ({"body": {"widgets": ["text"]}}, "body.widgets[0] must be an object"),
        ({"body": None}, "state is present but all of the following are missing: body"),
        ({"body": {"widgets": []}, "name": "bad name!"}, "is invalid"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, args, message):
    full = {"name": _name()}
    full.update(args)
    if full["body"] is None:
        del full["body"]
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, full)
    assert result.failed
    assert message in result["msg"]
    assert api_operations(moto_endpoint) == before


def test_aws_rejection_carries_validation_messages(cloudwatch):
    """The error path of PutDashboard: AWS answers InvalidParameterInput.

    moto only rejects bodies that are not JSON (and sends no validation messages), so the module
    never reaches AWS with such a body; this checks the helper the module uses on that error.
    """
    with pytest.raises(ClientError) as caught:
        cw.put_dashboard(cloudwatch, _name(), "{not json")
    assert caught.value.response["Error"]["Code"] == "InvalidParameterInput"
    assert cw.validation_messages_from_error(caught.value) == []

    # The shape real AWS sends (modeled error field of DashboardInvalidInputError).
    error = ClientError(
        {
            "Error": {
                "Code": "InvalidParameterInput",
                "Message": "The dashboard body is invalid, there are 1 validation errors",
            },
            "dashboardValidationMessages": [{"DataPath": "/widgets/0/width", "Message": "Should be integer"}],
        },
        "PutDashboard",
    )
    messages = cw.validation_messages_from_error(error)
    assert messages == [{"data_path": "/widgets/0/width", "message": "Should be integer"}]
    assert cw.format_validation_messages(messages) == "/widgets/0/width: Should be integer"


def test_body_comparison_is_semantic():
    desired = cw.parse_body('{"widgets": [{"type": "text", "properties": {"markdown": "a"}}]}')
    assert cw.bodies_equal(
        cw.parse_current_body('{"widgets":[{"properties":{"markdown":"a"},"type":"text"}]}'), desired
    )
    assert not cw.bodies_equal(
        cw.parse_current_body('{"widgets":[{"properties":{"markdown":"b"},"type":"text"}]}'), desired
    )
    assert not cw.bodies_equal(cw.parse_current_body("not json"), desired)
