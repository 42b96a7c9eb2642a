"""platform_ops.aws.secretsmanager_secret_rotate against the moto server (no value ever in the result)."""

from __future__ import annotations

import json
import uuid

import pytest

MODULE = "secretsmanager_secret_rotate"


@pytest.fixture
def sm(aws):
    return aws("secretsmanager")


def _secret(sm, value="initial-value-0123456789", **extra):
    name = f"test-rotate-{uuid.uuid4().hex[:10]}/jwt"
    sm.create_secret(Name=name, SecretString=value, Tags=[{"Key": "Project", "Value": "caseapp"}], **extra)
    return name


def _value(sm, name, stage="AWSCURRENT"):
    return sm.get_secret_value(SecretId=name, VersionStage=stage)["SecretString"]


def _tags(sm, name):
    return {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=name).get("Tags", [])}


def _assert_hidden(result, *values):
    dumped = json.dumps(result)
    for value in values:
        assert value not in dumped


def test_rotates_to_a_new_value_and_tags_the_time(run_module, sm):
    name = _secret(sm)
    result = run_module(MODULE, {"name": name, "exclude_punctuation": True, "password_length": 40}, diff=True)
    assert result.changed and result["rotated"]
    new = _value(sm, name)
    assert new != "initial-value-0123456789" and len(new) == 40 and new.isalnum()
    assert _value(sm, name, "AWSPREVIOUS") == "initial-value-0123456789"
    assert result["version_id"] != result["previous_version_id"]
    assert _tags(sm, name)["PlatformRotatedAt"] == result["rotated_at"]
    assert _tags(sm, name)["Project"] == "caseapp"
    _assert_hidden(result, new, "initial-value-0123456789")


def test_previous_secret_receives_the_replaced_value(run_module, sm):
    name = _secret(sm)
    previous = name + "-previous"
    result = run_module(MODULE, {"name": name, "previous_secret": previous})
    assert result.changed
    assert _value(sm, previous) == "initial-value-0123456789"
    assert _tags(sm, previous)["Project"] == "caseapp"
    first = _value(sm, name)
    # second rotation: the previous secret now holds the first rotated value
    result = run_module(MODULE, {"name": name, "previous_secret": previous})
    assert _value(sm, previous) == first
    assert result["previous_secret_arn"].startswith("arn:")
    _assert_hidden(result, first, _value(sm, name))


def test_check_mode_writes_nothing(run_module, sm):
    name = _secret(sm)
    version = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    result = run_module(MODULE, {"name": name, "previous_secret": name + "-previous"}, check_mode=True)
    assert result.changed and result["rotated"]
    assert sm.describe_secret(SecretId=name)["VersionIdsToStages"] == version
    assert "PlatformRotatedAt" not in _tags(sm, name)
    assert sm.list_secrets(Filters=[{"Key": "name", "Values": [name + "-previous"]}])["SecretList"] == []


def test_min_age_days_skips_a_recent_rotation(run_module, sm):
    name = _secret(sm)
    assert run_module(MODULE, {"name": name}).changed
    value = _value(sm, name)
    result = run_module(MODULE, {"name": name, "min_age_days": 30})
    assert not result.changed and not result["rotated"]
    assert _value(sm, name) == value


def test_missing_secret_and_bad_input_fail_clearly(run_module, sm):
    result = run_module(MODULE, {"name": "test-rotate-nothing-here"})
    assert result.failed and "does not exist" in result["msg"]
    result = run_module(MODULE, {"name": "x", "password_length": 8})
    assert result.failed and "password_length" in result["msg"]
    result = run_module(MODULE, {"name": "x", "previous_secret": "x"})
    assert result.failed and "previous_secret" in result["msg"]


def test_pending_then_promoted(run_module, sm):
    name = _secret(sm)
    pending = run_module(MODULE, {"name": name, "state": "pending"})
    assert pending.changed and pending["pending_version_id"], pending
    assert _value(sm, name) == "initial-value-0123456789"  # AWSCURRENT untouched
    new = _value(sm, name, "AWSPENDING")
    assert new != "initial-value-0123456789"
    assert "PlatformRotatedAt" not in _tags(sm, name)
    # an interrupted run's pending value is kept: the re-run sends the same value
    again = run_module(MODULE, {"name": name, "state": "pending"})
    assert not again.changed and again["pending_version_id"] == pending["pending_version_id"]
    assert _value(sm, name, "AWSPENDING") == new

    checked = run_module(MODULE, {"name": name, "state": "promoted"}, check_mode=True)
    assert checked.changed and _value(sm, name) == "initial-value-0123456789"
    promoted = run_module(MODULE, {"name": name, "state": "promoted"})
    assert promoted.changed and promoted["version_id"] == pending["pending_version_id"], promoted
    assert _value(sm, name) == new
    assert _value(sm, name, "AWSPREVIOUS") == "initial-value-0123456789"
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert not any("AWSPENDING" in s for s in stages.values())
    assert _tags(sm, name)["PlatformRotatedAt"] == promoted["rotated_at"]
    _assert_hidden(promoted, new)
    # nothing pending any more: promoting again changes nothing
    assert not run_module(MODULE, {"name": name, "state": "promoted"}).changed
    bad = run_module(MODULE, {"name": name, "state": "pending", "previous_secret": name + "-p"})
    assert bad.failed and "state=rotated" in bad["msg"]
