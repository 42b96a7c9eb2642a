"""platform_ops.aws.guardduty_detector against the moto server; state asserted with boto3."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "guardduty_detector"
REGION = "eu-west-3"  # a region of its own: one detector per account and region


@pytest.fixture
def gd(aws):
    """A GuardDuty client on the test region, with no detector before and after the test."""
    client = aws("guardduty", REGION)

    def clean():
        for detector_id in client.list_detectors()["DetectorIds"]:
            client.delete_detector(DetectorId=detector_id)

    clean()
    yield client
    clean()


@pytest.fixture
def run(run_module):
    def _run(args, **kwargs):
        return run_module(MODULE, {"region": REGION, **args}, **kwargs)

    return _run


def _only(gd):
    ids = gd.list_detectors()["DetectorIds"]
    assert len(ids) == 1, ids
    return ids[0], gd.get_detector(DetectorId=ids[0])


def test_emulator_refuses_a_second_detector_as_aws_does(gd):
    gd.create_detector(Enable=True)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        gd.create_detector(Enable=True)
    assert err.value.response["Error"]["Code"] == "BadRequestException"
    assert "already exists" in err.value.response["Error"]["Message"]


def test_creates_then_is_idempotent(run, gd, moto_endpoint):
    args = {"tags": {"Project": "caseapp", "Environment": "local"}}
    first = run(args)
    assert not first.failed, first
    assert first.changed
    detector_id, detector = _only(gd)
    assert detector["Status"] == "ENABLED"
    assert detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"
    assert detector["Tags"] == {"Project": "caseapp", "Environment": "local"}
    assert first["detector_id"] == detector_id
    assert first["status"] == "ENABLED"
    assert first["finding_publishing_frequency"] == "FIFTEEN_MINUTES"
    assert first["detector_arn"] == f"arn:aws:guardduty:{REGION}:123456789012:detector/{detector_id}"
    assert first["tags"] == args["tags"]

    before = api_operations(moto_endpoint)
    again = run(args, diff=True)
    assert not again.failed and not again.changed, again
    assert again["diff"]["before"] == again["diff"]["after"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "guardduty.ListDetectors": 1,
        "guardduty.GetDetector": 1,
    }


def test_check_mode_creates_nothing(run, gd):
    result = run({"finding_publishing_frequency": "ONE_HOUR"}, check_mode=True, diff=True)
    assert not result.failed and result.changed, result
    assert result["detector_id"] == ""
    assert result["diff"] == {
        "before": {},
        "after": {"status": "ENABLED", "finding_publishing_frequency": "ONE_HOUR", "tags": {}},
    }
    assert gd.list_detectors()["DetectorIds"] == []


def test_adopts_a_suspended_detector_and_updates_only_what_differs(run, gd, moto_endpoint):
    detector_id = gd.create_detector(Enable=False, FindingPublishingFrequency="SIX_HOURS", Tags={"Owner": "sec"})[
        "DetectorId"
    ]
    checked = run({"tags": {"Project": "caseapp"}, "purge_tags": False}, check_mode=True, diff=True)
    assert checked.changed and not checked.failed, checked
    assert checked["diff"]["before"] == {
        "status": "DISABLED",
        "finding_publishing_frequency": "SIX_HOURS",
        "tags": {"Owner": "sec"},
    }
    assert checked["diff"]["after"]["tags"] == {"Owner": "sec", "Project": "caseapp"}
    assert gd.get_detector(DetectorId=detector_id)["Status"] == "DISABLED"

    before = api_operations(moto_endpoint)
    result = run({"tags": {"Project": "caseapp"}, "purge_tags": False})
    assert result.changed and not result.failed, result
    delta = operations_delta(before, api_operations(moto_endpoint))
    # The launcher labels /tags/{arn} requests by method only (the decoded ARN holds a '/'): one POST, no DELETE.
    assert delta["guardduty.UpdateDetector"] == 1
    assert "guardduty.CreateDetector" not in delta
    assert sum(n for op, n in delta.items() if op.startswith("guardduty.POST")) == 1
    assert not any(op.startswith("guardduty.DELETE") for op in delta)
    found_id, detector = _only(gd)
    assert found_id == detector_id
    assert detector["Status"] == "ENABLED"
    assert detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"
    assert detector["Tags"] == {"Owner": "sec", "Project": "caseapp"}
    assert result["detector_id"] == detector_id


def test_purge_tags_removes_the_others(run, gd):
    gd.create_detector(Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES", Tags={"Owner": "sec", "A": "1"})
    result = run({"tags": {"A": "2"}})
    assert result.changed and not result.failed, result
    arn = result["detector_arn"]
    assert gd.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"A": "2"}


def test_suspends_when_enable_is_false(run, gd):
    run({})
    result = run({"enable": False})
    assert result.changed and not result.failed, result
    assert _only(gd)[1]["Status"] == "DISABLED"
    assert not run({"enable": False}).changed


def test_absent_deletes_then_is_a_no_op(run, gd):
    run({})
    checked = run({"state": "absent"}, check_mode=True)
    assert checked.changed and not checked.failed, checked
    assert len(gd.list_detectors()["DetectorIds"]) == 1
    gone = run({"state": "absent"}, diff=True)
    assert gone.changed and not gone.failed, gone
    assert gone["detector_id"] == ""
    assert gone["diff"]["after"] == {}
    assert gd.list_detectors()["DetectorIds"] == []
    again = run({"state": "absent"})
    assert not again.changed and not again.failed, again


def test_bad_frequency_is_refused_before_any_call(run, gd):
    result = run({"finding_publishing_frequency": "HOURLY"})
    assert result.failed
    assert "finding_publishing_frequency" in result["msg"]
