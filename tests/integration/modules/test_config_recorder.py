"""platform_ops.aws.config_recorder against the moto server; state asserted with boto3.

AWS Config allows one recorder per region and account: every test works in its own region and
removes what it made.
"""

from __future__ import annotations

import boto3
import pytest

MODULE = "config_recorder"
ROLE = "arn:aws:iam::123456789012:role/test-config"
KEY = "arn:aws:kms:eu-west-3:123456789012:key/11111111-2222-3333-4444-555555555555"
REGION = "eu-west-3"


@pytest.fixture
def config(moto_endpoint):
    client = boto3.client(
        "config",
        region_name=REGION,
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield client
    for status in client.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]:
        if status.get("recording"):
            client.stop_configuration_recorder(ConfigurationRecorderName=status["name"])
    for channel in client.describe_delivery_channels()["DeliveryChannels"]:
        client.delete_delivery_channel(DeliveryChannelName=channel["name"])
    for recorder in client.describe_configuration_recorders()["ConfigurationRecorders"]:
        client.delete_configuration_recorder(ConfigurationRecorderName=recorder["name"])


def _args(**extra):
    args = {
        "region": REGION,
        "name": "test-stack",
        "role_arn": ROLE,
        "include_global_types": True,
        "delivery_channel": {"s3_bucket": "test-trail-bucket", "s3_prefix": "config", "kms_key_arn": KEY},
    }
    args.update(extra)
    return args


def test_creates_records_then_is_idempotent(run_module, config):
    result = run_module(MODULE, _args())
    assert result.changed and result["recording"] is True
    recorder = config.describe_configuration_recorders()["ConfigurationRecorders"][0]
    assert recorder["name"] == "test-stack" and recorder["roleARN"] == ROLE
    assert recorder["recordingGroup"]["allSupported"] is True
    assert recorder["recordingGroup"]["includeGlobalResourceTypes"] is True
    channel = config.describe_delivery_channels()["DeliveryChannels"][0]
    assert channel["s3BucketName"] == "test-trail-bucket" and channel["s3KeyPrefix"] == "config"
    assert channel["s3KmsKeyArn"] == KEY
    status = config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert status["recording"] is True
    again = run_module(MODULE, _args())
    assert not again.changed, again


def test_check_mode_changes_nothing_and_diff(run_module, config):
    result = run_module(MODULE, _args(), check_mode=True, diff=True)
    assert result.changed
    assert result["diff"]["before"] == {"recorder": {}, "delivery_channel": {}, "recording": False}
    assert result["diff"]["after"]["recording"] is True
    assert result["diff"]["after"]["delivery_channel"]["s3_bucket_name"] == "test-trail-bucket"
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []


def test_updates_only_what_differs_and_stops(run_module, config):
    run_module(MODULE, _args())
    changed = run_module(MODULE, _args(include_global_types=False), diff=True)
    assert changed.changed
    assert changed["diff"]["before"]["recorder"]["recording_group"]["include_global_resource_types"] is True
    recorder = config.describe_configuration_recorders()["ConfigurationRecorders"][0]
    assert recorder["recordingGroup"]["includeGlobalResourceTypes"] is False
    stopped = run_module(MODULE, _args(include_global_types=False, recording=False))
    assert stopped.changed and stopped["recording"] is False
    assert config.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"] is False


def test_absent_stops_and_deletes_then_is_idempotent(run_module, config):
    run_module(MODULE, _args())
    assert run_module(MODULE, {"region": REGION, "name": "test-stack", "state": "absent"}, check_mode=True).changed
    assert config.describe_configuration_recorders()["ConfigurationRecorders"]
    result = run_module(MODULE, {"region": REGION, "name": "test-stack", "state": "absent"})
    assert result.changed and result["recorder"] == {}
    assert config.describe_configuration_recorders()["ConfigurationRecorders"] == []
    assert config.describe_delivery_channels()["DeliveryChannels"] == []
    assert not run_module(MODULE, {"region": REGION, "name": "test-stack", "state": "absent"}).changed


def test_another_recorder_fails_naming_it(run_module, config):
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": ROLE, "recordingGroup": {"allSupported": True}}
    )
    result = run_module(MODULE, _args())
    assert result.failed and "'default'" in result["msg"] and "security_baseline_config: false" in result["msg"]


def test_bad_input_fails_clearly(run_module, config):
    result = run_module(MODULE, _args(all_supported=False))
    assert result.failed and "include_global_types needs all_supported" in result["msg"]
    result = run_module(MODULE, _args(include_global_types=False, all_supported=False))
    assert result.failed and "needs resource_types" in result["msg"]
    bad_prefix = _args(delivery_channel={"s3_bucket": "b", "s3_prefix": "config/"})
    result = run_module(MODULE, bad_prefix)
    assert result.failed and "slash" in result["msg"]
    result = run_module(MODULE, {"region": REGION, "name": "x"})
    assert result.failed and "role_arn" in result["msg"]
