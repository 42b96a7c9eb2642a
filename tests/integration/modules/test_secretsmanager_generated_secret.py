"""platform_ops.aws.secretsmanager_generated_secret against the moto server.

Every test reads the real secret with boto3 and asserts that no secret value (generated, source or
composed) appears anywhere in the module's JSON result, diff and warnings included.
"""

from __future__ import annotations

import json
import string
import urllib.request
import uuid
from urllib.parse import quote

import botocore.exceptions
import pytest

MODULE = "secretsmanager_generated_secret"
DB_URL = "postgresql://{username}:{password}@{host}:{port}/{dbname}?sslmode=require"


def _name(prefix: str = "secret") -> str:
    return f"test-{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def sm(aws):
    return aws("secretsmanager")


def _value(sm, name):
    return sm.get_secret_value(SecretId=name)["SecretString"]


def _tags(sm, name):
    return {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=name).get("Tags", [])}


def _assert_hidden(result, *values):
    dumped = json.dumps(result)
    for value in values:
        assert value not in dumped
        assert json.dumps(value)[1:-1] not in dumped  # not even JSON-escaped


def _db_url_args(name, master, host="db-1.internal", **extra):
    args = {
        "name": name,
        "description": "DATABASE_URL",
        "compose": {
            "template": DB_URL,
            "values": {"username": "caseapp", "host": host, "port": 5432, "dbname": "caseapp"},
            "secrets": {"password": master},
        },
    }
    args.update(extra)
    return args


# ---------------------------------------------------------------- generated mode


def test_generated_once_and_stable_across_runs(run_module, sm):
    name = _name()
    args = {
        "name": name,
        "description": "master password",
        "password_length": 40,
        "exclude_characters": "/@\"' \\",
        "tags": {"Project": "caseapp"},
    }
    first = run_module(MODULE, args, diff=True)
    assert first.changed and first["created"] and first["value_changed"] and not first.failed, first
    value = _value(sm, name)
    assert len(value) == 40
    assert not set(value) & set("/@\"' \\")
    assert first["arn"] == sm.describe_secret(SecretId=name)["ARN"]
    assert first["version_id"]
    assert first["diff"]["after"]["value"] == "<redacted> (changed)"
    _assert_hidden(first, value)

    second = run_module(MODULE, args, diff=True)
    assert not second.changed and not second["created"] and not second["value_changed"], second
    assert second["version_id"] == first["version_id"]
    assert second["diff"]["before"]["value"] == second["diff"]["after"]["value"] == "<redacted>"
    assert _value(sm, name) == value
    _assert_hidden(second, value)

    # different generation options never regenerate an existing value
    third = run_module(MODULE, {"name": name, "password_length": 64, "exclude_punctuation": True})
    assert not third.changed
    assert _value(sm, name) == value
    assert len(sm.list_secret_version_ids(SecretId=name)["Versions"]) == 1


def test_defaults_and_exclude_punctuation(run_module, sm):
    name = _name()
    result = run_module(MODULE, {"name": name, "exclude_punctuation": True})
    assert result.changed
    value = _value(sm, name)
    assert len(value) == 32
    assert set(value) <= set(string.ascii_letters + string.digits)
    _assert_hidden(result, value)


def test_existing_secret_without_value_gets_one_once(run_module, sm):
    name = _name()
    sm.create_secret(Name=name, Description="created empty")
    result = run_module(MODULE, {"name": name})
    assert result.changed and result["value_changed"] and not result["created"], result
    value = _value(sm, name)
    _assert_hidden(result, value)
    again = run_module(MODULE, {"name": name})
    assert not again.changed
    assert _value(sm, name) == value


def test_check_mode_create_changes_nothing(run_module, sm):
    name = _name()
    result = run_module(MODULE, {"name": name, "tags": {"A": "b"}}, check_mode=True, diff=True)
    assert result.changed and result["created"] and not result.failed
    assert result["arn"] is None
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["tags"] == {"A": "b"}
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sm.describe_secret(SecretId=name)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_update_metadata_in_place(run_module, sm, aws):
    name = _name()
    run_module(MODULE, {"name": name, "description": "old", "tags": {"Project": "caseapp", "Old": "x"}})
    value = _value(sm, name)
    key_id = aws("kms").create_key()["KeyMetadata"]["KeyId"]
    args = {"name": name, "description": "new", "kms_key_id": key_id, "tags": {"Project": "caseapp", "Owner": "ops"}}

    checked = run_module(MODULE, args, check_mode=True, diff=True)
    assert checked.changed and not checked["value_changed"]
    assert checked["diff"]["before"]["description"] == "old"
    assert checked["diff"]["after"]["description"] == "new"
    assert checked["diff"]["after"]["kms_key_id"] == key_id
    assert checked["diff"]["after"]["tags"] == {"Project": "caseapp", "Owner": "ops"}
    assert checked["diff"]["after"]["value"] == "<redacted>"
    assert sm.describe_secret(SecretId=name)["Description"] == "old"

    result = run_module(MODULE, args)
    assert result.changed and not result["value_changed"], result
    described = sm.describe_secret(SecretId=name)
    assert described["Description"] == "new"
    assert described["KmsKeyId"] == key_id
    assert _tags(sm, name) == {"Project": "caseapp", "Owner": "ops"}
    assert result["tags"] == {"Project": "caseapp", "Owner": "ops"}
    assert _value(sm, name) == value
    _assert_hidden(result, value)

    assert not run_module(MODULE, args).changed
    # tags not set: left alone; purge_tags=false only adds
    assert not run_module(MODULE, {"name": name}).changed
    run_module(MODULE, {"name": name, "tags": {"Extra": "1"}, "purge_tags": False})
    assert _tags(sm, name) == {"Project": "caseapp", "Owner": "ops", "Extra": "1"}


# ---------------------------------------------------------------- composed mode


def test_database_url_composition_and_recomposition(run_module, sm):
    master, url = _name("master"), _name("dburl")
    run_module(MODULE, {"name": master, "password_length": 32})  # punctuation included: needs encoding
    password = _value(sm, master)

    first = run_module(MODULE, _db_url_args(url, master), diff=True)
    assert first.changed and first["created"] and not first.failed, first
    expected = f"postgresql://caseapp:{quote(password, safe='')}@db-1.internal:5432/caseapp?sslmode=require"
    assert _value(sm, url) == expected
    assert sm.describe_secret(SecretId=url)["Description"] == "DATABASE_URL"
    _assert_hidden(first, password, quote(password, safe=""), expected)

    same = run_module(MODULE, _db_url_args(url, master))
    assert not same.changed and not same["value_changed"], same
    assert same["version_id"] == first["version_id"]

    # the host changes: check mode reports it and writes nothing
    moved = _db_url_args(url, master, host="db-2.internal")
    checked = run_module(MODULE, moved, check_mode=True, diff=True)
    assert checked.changed and checked["value_changed"]
    assert checked["diff"]["before"]["value"] == "<redacted>"
    assert checked["diff"]["after"]["value"] == "<redacted> (changed)"
    assert _value(sm, url) == expected
    _assert_hidden(checked, password, expected)

    result = run_module(MODULE, moved)
    assert result.changed and result["value_changed"] and not result["created"], result
    assert result["version_id"] != first["version_id"]
    assert _value(sm, url) == expected.replace("db-1.internal", "db-2.internal")
    _assert_hidden(result, password, expected, _value(sm, url))
    assert not run_module(MODULE, moved).changed

    # the master password is rotated elsewhere: the URL follows
    sm.put_secret_value(SecretId=master, SecretString="N3w-pass:word")
    rotated = run_module(MODULE, moved)
    assert rotated.changed and rotated["value_changed"]
    assert _value(sm, url) == "postgresql://caseapp:N3w-pass%3Aword@db-2.internal:5432/caseapp?sslmode=require"
    _assert_hidden(rotated, "N3w-pass:word", "N3w-pass%3Aword")
    assert _value(sm, master) == "N3w-pass:word"  # the source is never written


def test_json_template_from_json_source(run_module, sm):
    source, target = _name("rds"), _name("conn")
    sm.create_secret(Name=source, SecretString=json.dumps({"username": "master", "password": "pA55/w@rd"}))
    args = {
        "name": target,
        "compose": {
            "json_template": {
                "host": "{host}",
                "port": "{port}",
                "username": "{username}",
                "password": "{password}",
                "url": "redis://{host}:{port}",
            },
            "values": {"host": "cache.internal", "port": 6379},
            "secrets": {
                "username": {"secret_id": source, "json_key": "username"},
                "password": {"secret_id": source, "json_key": "password"},
            },
        },
    }
    result = run_module(MODULE, args)
    assert result.changed and not result.failed, result
    stored = json.loads(_value(sm, target))
    assert stored == {
        "host": "cache.internal",
        "port": 6379,
        "username": "master",
        "password": "pA55/w@rd",
        "url": "redis://cache.internal:6379",
    }
    _assert_hidden(result, "pA55/w@rd")

    # same data, different formatting: not rewritten; only the fingerprint tag names the new version (once)
    sm.put_secret_value(SecretId=target, SecretString=json.dumps(stored, indent=2, sort_keys=True))
    versions = len(sm.list_secret_version_ids(SecretId=target)["Versions"])
    again = run_module(MODULE, args)
    assert not again["value_changed"], again
    assert len(sm.list_secret_version_ids(SecretId=target)["Versions"]) == versions
    assert not run_module(MODULE, args).changed


def test_compose_missing_source(run_module, sm):
    url = _name("dburl")
    missing = _name("nope")
    checked = run_module(MODULE, _db_url_args(url, missing), check_mode=True)
    assert checked.changed and not checked.failed, checked
    assert f"Source secret {missing} (password) has no value yet" in json.dumps(checked["warnings"])

    result = run_module(MODULE, _db_url_args(url, missing))
    assert result.failed
    assert f"Source secret {missing} (password) does not exist or has no value" in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(SecretId=url)


def test_compose_bad_source_key_fails_without_leaking(run_module, sm):
    source, target = _name("src"), _name("tgt")
    sm.create_secret(Name=source, SecretString=json.dumps({"password": "TopSecretValue123"}))
    result = run_module(
        MODULE,
        {
            "name": target,
            "compose": {"template": "x://{pw}", "secrets": {"pw": {"secret_id": source, "json_key": "nokey"}}},
        },
    )
    assert result.failed
    assert f"secret {source} has no JSON key 'nokey'" in result["msg"]
    _assert_hidden(result, "TopSecretValue123")

    plain = _name("plain")
    sm.create_secret(Name=plain, SecretString="NotJsonSecretValue")
    result = run_module(
        MODULE,
        {"name": target, "compose": {"template": "x://{pw}", "secrets": {"pw": {"secret_id": plain, "json_key": "k"}}}},
    )
    assert result.failed and "is not a JSON object" in result["msg"]
    _assert_hidden(result, "NotJsonSecretValue")


# ---------------------------------------------------------------- delete / restore


def test_delete_restore_and_force_delete(run_module, sm):
    name = _name()
    run_module(MODULE, {"name": name})
    value = _value(sm, name)

    checked = run_module(MODULE, {"name": name, "state": "absent"}, check_mode=True, diff=True)
    assert checked.changed and checked["diff"]["after"] == {}
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)

    deleted = run_module(MODULE, {"name": name, "state": "absent", "recovery_window_in_days": 7})
    assert deleted.changed and deleted["deletion_date"], deleted
    assert "DeletedDate" in sm.describe_secret(SecretId=name)
    again = run_module(MODULE, {"name": name, "state": "absent"})
    assert not again.changed

    # present again: restored, never regenerated
    restored = run_module(MODULE, {"name": name})
    assert restored.changed and not restored["value_changed"] and not restored["created"], restored
    assert "DeletedDate" not in sm.describe_secret(SecretId=name)
    assert _value(sm, name) == value
    _assert_hidden(restored, value)

    forced = run_module(MODULE, {"name": name, "state": "absent", "recovery_window_in_days": 0})
    assert forced.changed
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(SecretId=name)
    assert not run_module(MODULE, {"name": name, "state": "absent", "recovery_window_in_days": 0}).changed


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"password_length": 4}, "password_length must be between 12 and 4096 (got 4)"),
        ({"password_length": 5000}, "password_length must be between 12 and 4096 (got 5000)"),
        (
            {"password_length": 32, "compose": {"template": "{a}", "values": {"a": 1}}},
            "parameters are mutually exclusive: compose|password_length",
        ),
        (
            {"exclude_punctuation": True, "compose": {"template": "{a}", "values": {"a": 1}}},
            "parameters are mutually exclusive: compose|exclude_punctuation",
        ),
        ({"compose": {"template": "x://{a}@{b}", "values": {"a": 1}}}, "placeholders without a value: b"),
        ({"compose": {"template": "x://{a", "values": {"a": 1}}}, "Invalid compose template: unmatched '{'"),
        ({"compose": {"template": "constant"}}, "has no placeholder"),
        (
            {"compose": {"template": "{a}", "values": {"a": 1}, "secrets": {"a": "other"}}},
            "defined in both values and secrets: a",
        ),
        ({"compose": {"template": "{a}", "secrets": {"a": {"json_key": "k"}}}}, "compose.secrets.a must be"),
        (
            {"compose": {"template": "{a}", "json_template": {"k": "{a}"}, "values": {"a": 1}}},
            "mutually exclusive: template|json_template",
        ),
        ({"state": "absent", "recovery_window_in_days": 3}, "recovery_window_in_days must be 0 (no recovery) or 7"),
    ],
)
def test_bad_input(run_module, sm, args, message):
    name = _name("bad")
    result = run_module(MODULE, dict(args, name=name))
    assert result.failed, result
    assert message in result["msg"]
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(SecretId=name)


def test_compose_cannot_read_itself(run_module):
    name = _name("self")
    result = run_module(MODULE, {"name": name, "compose": {"template": "{a}", "secrets": {"a": name}}})
    assert result.failed and "reads the secret being written" in result["msg"]


def test_kms_alias_is_resolved_before_comparing(run_module, sm, aws):
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]
    alias = f"alias/{_name('key')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    name = _name()
    sm.create_secret(Name=name, SecretString="Existing-Value-123456", KmsKeyId=key["Arn"])

    same = run_module(MODULE, {"name": name, "kms_key_id": alias})
    assert not same.changed and not same.failed, same
    assert run_module(MODULE, {"name": name, "kms_key_id": key["KeyId"]}).changed is False

    other = kms.create_key()["KeyMetadata"]
    other_alias = f"alias/{_name('key')}"
    kms.create_alias(AliasName=other_alias, TargetKeyId=other["KeyId"])
    moved = run_module(MODULE, {"name": name, "kms_key_id": other_alias})
    assert moved.changed and not moved["value_changed"]
    assert sm.describe_secret(SecretId=name)["KmsKeyId"] == other_alias
    assert _value(sm, name) == "Existing-Value-123456"
    _assert_hidden(moved, "Existing-Value-123456")


def _requests(endpoint: str) -> dict:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310
        return json.load(resp)["by_operation"]


def test_noop_runs_make_few_calls(run_module, sm, moto_endpoint):
    master, url = _name("master"), _name("dburl")
    run_module(MODULE, {"name": master})
    run_module(MODULE, _db_url_args(url, master))

    def calls(args):
        before = _requests(moto_endpoint)
        assert not run_module(MODULE, args).changed
        after = _requests(moto_endpoint)
        return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}

    assert calls({"name": master}) == {"secretsmanager.DescribeSecret": 1}
    # describe the target, read the source and the current value; nothing written
    assert calls(_db_url_args(url, master)) == {"secretsmanager.DescribeSecret": 1, "secretsmanager.GetSecretValue": 2}


# ---------------------------------------------------------------- replica regions

DR = "us-west-2"


@pytest.fixture
def dr_key(aws):
    return aws("kms", DR).create_key(Description="dr key")["KeyMetadata"]["Arn"]


def test_replica_added_noop_check_and_value_propagates(run_module, sm, aws, dr_key, moto_endpoint):
    master, url = _name("master"), _name("dburl")
    replicas = [{"region": DR, "kms_key_id": dr_key}]
    first = run_module(MODULE, {"name": master, "replica_regions": replicas}, diff=True)
    assert first.changed and not first.failed, first
    dr_arn = first["replica_arns"][DR]
    assert dr_arn == first["arn"].replace(":us-east-1:", f":{DR}:")
    assert first["replication_status"] == [
        {"region": DR, "kms_key_id": dr_key, "status": "InSync", "status_message": "Replication succeeded"}
    ]
    assert first["diff"]["after"]["replica_regions"] == [{"region": DR, "kms_key_id": dr_key}]
    dr = aws("secretsmanager", DR)
    assert dr.describe_secret(SecretId=dr_arn)["PrimaryRegion"] == "us-east-1"
    assert dr.get_secret_value(SecretId=dr_arn)["SecretString"] == _value(sm, master)

    before = _requests(moto_endpoint)
    again = run_module(MODULE, {"name": master, "replica_regions": replicas})
    after = _requests(moto_endpoint)
    assert not again.changed and again["replica_arns"] == {DR: dr_arn}, again
    delta = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
    assert delta == {"secretsmanager.DescribeSecret": 1}

    # a composed secret is replicated as well; a new value written to the primary reaches the replica
    run_module(MODULE, _db_url_args(url, master, replica_regions=[DR]))
    url_arn = sm.describe_secret(SecretId=url)["ARN"].replace(":us-east-1:", f":{DR}:")
    moved = run_module(MODULE, _db_url_args(url, master, host="db-2.internal", replica_regions=[DR]))
    assert moved.changed and moved["value_changed"], moved
    assert "db-2.internal" in dr.get_secret_value(SecretId=url_arn)["SecretString"]
    assert sm.describe_secret(SecretId=url)["ReplicationStatus"][0]["Status"] == "InSync"


def test_replica_check_mode_changes_nothing(run_module, sm, dr_key):
    name = _name()
    run_module(MODULE, {"name": name})
    planned = run_module(MODULE, {"name": name, "replica_regions": [{"region": DR, "kms_key_id": dr_key}]}, True, True)
    assert planned.changed and not planned.failed, planned
    assert planned["replica_arns"][DR].startswith(f"arn:aws:secretsmanager:{DR}:")
    assert planned["diff"]["before"]["replica_regions"] == []
    assert "ReplicationStatus" not in sm.describe_secret(SecretId=name)
    created = run_module(MODULE, {"name": _name(), "replica_regions": [DR]}, check_mode=True)
    assert created.changed and created["replica_arns"] == {DR: None}, created


def test_replica_kept_unless_purged(run_module, sm, aws):
    name = _name()
    run_module(MODULE, {"name": name, "replica_regions": [DR, "eu-west-1"]})
    kept = run_module(MODULE, {"name": name, "replica_regions": [DR]})
    assert not kept.changed and set(kept["replica_arns"]) == {DR, "eu-west-1"}, kept
    purged = run_module(MODULE, {"name": name, "replica_regions": [DR], "purge_replica_regions": True})
    assert purged.changed and list(purged["replica_arns"]) == [DR], purged
    assert [s["Region"] for s in sm.describe_secret(SecretId=name)["ReplicationStatus"]] == [DR]
    eu_arn = kept["replica_arns"]["eu-west-1"]
    with pytest.raises(botocore.exceptions.ClientError):
        aws("secretsmanager", "eu-west-1").describe_secret(SecretId=eu_arn)


def test_replica_key_changed_is_recreated(run_module, sm, dr_key):
    name = _name()
    run_module(MODULE, {"name": name, "replica_regions": [DR]})
    moved = run_module(MODULE, {"name": name, "replica_regions": [{"region": DR, "kms_key_id": dr_key}]})
    assert moved.changed and moved["replication_status"][0]["kms_key_id"] == dr_key, moved
    assert sm.describe_secret(SecretId=name)["ReplicationStatus"][0]["KmsKeyId"] == dr_key


def test_replica_with_a_key_of_another_region(run_module, sm, aws):
    primary_key = aws("kms").create_key()["KeyMetadata"]["Arn"]
    refused = run_module(MODULE, {"name": _name(), "replica_regions": [{"region": DR, "kms_key_id": primary_key}]})
    assert refused.failed and f"is not in {DR}" in refused["msg"], refused
    # an alias that the DR region does not have: AWS accepts the request and fails the replica
    name = _name()
    failed = run_module(MODULE, {"name": name, "replica_regions": [{"region": DR, "kms_key_id": "alias/nowhere"}]})
    assert failed.failed and "Replication of secret" in failed["msg"] and "alias/nowhere" in failed["msg"], failed
    assert sm.describe_secret(SecretId=name)["ReplicationStatus"][0]["Status"] == "Failed"
    # fixing the key retries the replication
    fixed = run_module(MODULE, {"name": name, "replica_regions": [DR]})
    assert fixed.changed and fixed["replication_status"][0]["status"] == "InSync", fixed


def test_absent_removes_replicas_first_and_keeps_the_window(run_module, sm, aws):
    name = _name()
    created = run_module(MODULE, {"name": name, "replica_regions": [DR]})
    with pytest.raises(botocore.exceptions.ClientError, match="replica"):
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)  # what AWS answers without removing them
    check = run_module(MODULE, {"name": name, "state": "absent"}, check_mode=True)
    assert check.changed and check["replicas_removed"] == [DR]
    assert sm.describe_secret(SecretId=name)["ReplicationStatus"]
    gone = run_module(MODULE, {"name": name, "state": "absent", "recovery_window_in_days": 7})
    assert gone.changed and gone["replicas_removed"] == [DR] and gone["deletion_date"], gone
    assert sm.describe_secret(SecretId=name)["DeletedDate"]  # still restorable in the primary region
    with pytest.raises(botocore.exceptions.ClientError):
        aws("secretsmanager", DR).describe_secret(SecretId=created["replica_arns"][DR])


@pytest.mark.parametrize(
    ("replicas", "message"),
    [
        (["us-east-1"], "the secret's own region"),
        ([DR, DR], "twice"),
        ([{"kms_key_id": "x"}], "must be a region name"),
        ([{"region": DR, "key": "x"}], "unknown keys"),
    ],
)
def test_replica_bad_input(run_module, replicas, message):
    result = run_module(MODULE, {"name": _name(), "replica_regions": replicas})
    assert result.failed and message in result["msg"], result


def test_replica_waiter_is_bounded(monkeypatch):
    from ansible_collections.platform_ops.aws.plugins.module_utils import secretsmanager as util

    now = [0.0]
    monkeypatch.setattr(util, "CLOCK", lambda: now[0])
    monkeypatch.setattr(util, "SLEEP", lambda s: now.__setitem__(0, now[0] + s))

    class Client:
        calls = 0

        def describe_secret(self, SecretId):  # noqa: N803 - boto3's name
            Client.calls += 1
            status = "InSync" if Client.calls >= 3 else "InProgress"
            return {"ReplicationStatus": [{"Region": DR, "Status": status}]}

    described, problem = util.wait_for_replicas(Client(), "s", [DR], timeout=60)
    assert problem is None and Client.calls == 3
    Client.calls = -100
    described, problem = util.wait_for_replicas(Client(), "s", [DR], timeout=12, delay=5)
    assert "not InSync after 12 s" in problem and now[0] >= 12


def test_a_replica_is_not_changed_directly(run_module, aws):
    name = _name()
    created = run_module(MODULE, {"name": name, "description": "primary", "replica_regions": [DR]})
    dr_args = {"name": name, "region": DR}
    assert not run_module(MODULE, dict(dr_args, description="primary")).changed  # reading a replica is fine
    refused = run_module(MODULE, dict(dr_args, description="changed in DR"))
    assert refused.failed and "is a replica of the secret in us-east-1" in refused["msg"], refused
    assert aws("secretsmanager", DR).describe_secret(SecretId=created["replica_arns"][DR])["Description"] == "primary"


def test_the_fingerprint_tag_lets_a_plan_tell_an_unchanged_composed_value_from_metadata(run_module, sm):
    """composed_secret_differences, from DescribeSecret answers only, says "nothing to do" exactly when the
    module, comparing the values, reports no change: not after a source's new version, a hand-written value, other
    plain values, nor for a secret composed before the tag existed."""
    from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
        FINGERPRINT_TAG,
        composed_secret_differences,
    )

    source, url = _name("pw"), _name("dburl")
    sm.create_secret(Name=source, SecretString="first-password")
    args = _db_url_args(url, source)

    def plan(wanted=None):
        wanted = wanted or args
        return composed_secret_differences(
            sm.describe_secret(SecretId=url), wanted, {source: sm.describe_secret(SecretId=source)}, "us-east-1"
        )

    assert run_module(MODULE, args).changed
    assert FINGERPRINT_TAG in {t["Key"] for t in sm.describe_secret(SecretId=url)["Tags"]}
    assert plan() == [] and not run_module(MODULE, args).changed

    sm.put_secret_value(SecretId=source, SecretString="second-password")  # a source's new version
    assert plan() == ["value"]
    assert run_module(MODULE, args)["value_changed"]
    assert plan() == [] and not run_module(MODULE, args).changed

    sm.put_secret_value(SecretId=url, SecretString="postgresql://edited")  # written by hand
    assert plan() == ["value"]
    assert run_module(MODULE, args)["value_changed"]
    assert plan() == []

    other = dict(args, compose=dict(args["compose"], values=dict(args["compose"]["values"], port=5433)))
    assert plan(other) == ["value"]
    assert run_module(MODULE, other)["value_changed"] and plan(other) == []

    sm.untag_resource(SecretId=url, TagKeys=[FINGERPRINT_TAG])  # composed before the tag existed
    assert plan(other) == ["value"]
    again = run_module(MODULE, other)
    assert again.changed and not again["value_changed"] and plan(other) == []
    assert plan(dict(other, description="another")) == ["description"]


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ({"password": {"json_key": "password"}}, "compose.secrets.password must be a secret name/ARN"),
        ({"password": ""}, "compose.secrets.password must be a secret name/ARN"),
        ({"password": {"secret_id": "x", "stage": "AWSCURRENT"}}, "compose.secrets.password has unknown keys: stage"),
    ],
)
def test_bad_compose_sources_fail_before_any_call(run_module, secrets, message):
    args = _db_url_args(_name("dburl"), "unused")
    args["compose"]["secrets"] = secrets
    result = run_module(MODULE, args)
    assert result.failed and message in result["msg"], result
