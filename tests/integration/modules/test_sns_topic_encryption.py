"""platform_ops.aws.sns_topic_encryption against the moto server; state asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

MODULE = "sns_topic_encryption"
KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/66666666-7777-8888-9999-000000000000"


@pytest.fixture
def sns(aws):
    return aws("sns")


@pytest.fixture
def topic(sns):
    arn = sns.create_topic(Name=f"test-alarms-{uuid.uuid4().hex[:10]}")["TopicArn"]
    yield arn
    sns.delete_topic(TopicArn=arn)


def _key(sns, arn):
    return sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("KmsMasterKeyId", "")


def test_sets_the_key_then_is_idempotent(run_module, sns, topic):
    result = run_module(MODULE, {"topic_arn": topic, "kms_master_key_id": KEY})
    assert result.changed and result["kms_master_key_id"] == KEY
    assert _key(sns, topic) == KEY
    again = run_module(MODULE, {"topic_arn": topic, "kms_master_key_id": KEY})
    assert not again.changed


def test_check_mode_changes_nothing_and_diff(run_module, sns, topic):
    result = run_module(MODULE, {"topic_arn": topic, "kms_master_key_id": KEY}, check_mode=True, diff=True)
    assert result.changed
    assert result["diff"] == {"before": {"kms_master_key_id": ""}, "after": {"kms_master_key_id": KEY}}
    assert _key(sns, topic) == ""


def test_updates_in_place_and_turns_encryption_off(run_module, sns, topic):
    run_module(MODULE, {"topic_arn": topic, "kms_master_key_id": KEY})
    assert run_module(MODULE, {"topic_arn": topic, "kms_master_key_id": OTHER_KEY}).changed
    assert _key(sns, topic) == OTHER_KEY
    assert run_module(MODULE, {"topic_arn": topic, "kms_master_key_id": ""}).changed
    assert _key(sns, topic) == ""


def test_missing_topic_and_bad_arn_fail_clearly(run_module):
    missing = "arn:aws:sns:us-east-1:123456789012:does-not-exist-" + uuid.uuid4().hex[:8]
    result = run_module(MODULE, {"topic_arn": missing, "kms_master_key_id": KEY})
    assert result.failed and "does not exist" in result["msg"]
    result = run_module(MODULE, {"topic_arn": "alarms", "kms_master_key_id": KEY})
    assert result.failed and "is not an SNS topic ARN" in result["msg"]
