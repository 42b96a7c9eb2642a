"""platform_ops.aws.s3_bucket_replication against the moto server, plus its pure normalisation logic."""

from __future__ import annotations

import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import s3 as s3u
from botocore.exceptions import ClientError

MODULE = "s3_bucket_replication"
ROLE = "arn:aws:iam::123456789012:role/test-s3-replication"
DR_KEY = "arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"
MOTO_GAP = (
    "moto 5.2.5's GetBucketReplication answers a fixed Filter (Prefix '') and DeleteMarkerReplication "
    "(Disabled) and drops SourceSelectionCriteria (moto/s3/responses.py S3Response.get_bucket_replication), "
    "so these settings cannot be read back from this emulator"
)


def _versioned_bucket(s3, name, region="us-east-1"):
    params = {"Bucket": name}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**params)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


@pytest.fixture
def buckets(aws):
    """A fresh versioned source bucket and two destinations in us-west-2: (source, dest1, dest2)."""
    suffix = uuid.uuid4().hex[:10]
    source, dest1, dest2 = f"rep-src-{suffix}", f"rep-dst1-{suffix}", f"rep-dst2-{suffix}"
    _versioned_bucket(aws("s3"), source)
    for name in (dest1, dest2):
        _versioned_bucket(aws("s3", "us-west-2"), name, "us-west-2")
    return source, dest1, dest2


@pytest.fixture
def emulator_round_trips(aws, buckets):
    """Whether the emulator answers GetBucketReplication with what PutBucketReplication stored."""
    s3 = aws("s3")
    probe = f"rep-probe-{uuid.uuid4().hex[:10]}"
    _versioned_bucket(s3, probe)
    s3.put_bucket_replication(
        Bucket=probe,
        ReplicationConfiguration={
            "Role": ROLE,
            "Rules": [
                {
                    "ID": "probe",
                    "Priority": 1,
                    "Filter": {"Prefix": "p/"},
                    "Status": "Enabled",
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                    "Destination": {
                        "Bucket": f"arn:aws:s3:::{buckets[1]}",
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": DR_KEY},
                    },
                }
            ],
        },
    )
    rule = s3.get_bucket_replication(Bucket=probe)["ReplicationConfiguration"]["Rules"][0]
    s3.delete_bucket_replication(Bucket=probe)
    s3.delete_bucket(Bucket=probe)
    return (
        rule.get("SourceSelectionCriteria", {}).get("SseKmsEncryptedObjects", {}).get("Status") == "Enabled"
        and rule.get("Filter") == {"Prefix": "p/"}
        and rule.get("DeleteMarkerReplication") == {"Status": "Enabled"}
    )


def _args(source, dest, **rule):
    base = {"id": "dr", "destination_bucket": f"arn:aws:s3:::{dest}", "storage_class": "STANDARD_IA"}
    base.update(rule)
    return {"bucket": source, "role": ROLE, "rules": [base]}


def _current(aws, bucket):
    try:
        return aws("s3").get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ReplicationConfigurationNotFoundError"
        return None


# --------------------------------------------------------------------------- against moto


def test_create_then_idempotent(run_module, aws, buckets):
    source, dest, _ = buckets
    args = _args(source, dest)

    result = run_module(MODULE, args)
    assert result.changed, result
    current = _current(aws, source)
    assert current["Role"] == ROLE
    [rule] = current["Rules"]
    assert rule["ID"] == "dr" and rule["Status"] == "Enabled" and rule["Priority"] == 1
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{dest}"
    assert rule["Destination"]["StorageClass"] == "STANDARD_IA"
    assert result["replication_configuration"]["rules"][0]["destination"]["storage_class"] == "STANDARD_IA"

    again = run_module(MODULE, args)
    assert not again.changed, again
    assert again["changes"] == []


def test_check_mode_changes_nothing(run_module, aws, buckets):
    source, dest, _ = buckets
    result = run_module(MODULE, _args(source, dest), check_mode=True, diff=True)
    assert result.changed
    assert result["changes"] == ["the bucket has no replication configuration"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["rules"][0]["destination_bucket"] == f"arn:aws:s3:::{dest}"
    assert _current(aws, source) is None

    run_module(MODULE, _args(source, dest))
    result = run_module(MODULE, _args(source, dest, storage_class="GLACIER"), check_mode=True)
    assert result.changed
    assert _current(aws, source)["Rules"][0]["Destination"]["StorageClass"] == "STANDARD_IA"


def test_update_in_place_with_diff(run_module, aws, buckets):
    source, dest, other = buckets
    run_module(MODULE, _args(source, dest))

    result = run_module(MODULE, _args(source, other, storage_class="GLACIER"), diff=True)
    assert result.changed
    assert result["changes"] == ["rule dr: DestinationBucket, StorageClass"]
    assert result["diff"]["before"]["rules"][0]["storage_class"] == "STANDARD_IA"
    assert result["diff"]["after"]["rules"][0]["storage_class"] == "GLACIER"
    destination = _current(aws, source)["Rules"][0]["Destination"]
    assert destination == {"Bucket": f"arn:aws:s3:::{other}", "StorageClass": "GLACIER"}

    # The role changes too, and a rule is added: the rules list is authoritative.
    args = {
        "bucket": source,
        "role": ROLE + "-2",
        "rules": [
            {"id": "dr", "destination_bucket": f"arn:aws:s3:::{other}", "storage_class": "GLACIER"},
            {"id": "second", "destination_bucket": f"arn:aws:s3:::{dest}"},
        ],
    }
    result = run_module(MODULE, args)
    assert result.changed
    assert result["changes"] == ["role", "rule second added", "rule dr: Priority"]
    current = _current(aws, source)
    assert current["Role"] == ROLE + "-2"
    assert {r["ID"]: r["Priority"] for r in current["Rules"]} == {"dr": 2, "second": 1}

    result = run_module(MODULE, _args(source, other, storage_class="GLACIER"))
    assert result.changed and "rule second removed" in result["changes"]
    assert [r["ID"] for r in _current(aws, source)["Rules"]] == ["dr"]


def test_sse_kms_rule_is_sent(run_module, aws, buckets, emulator_round_trips):
    source, dest, _ = buckets
    args = _args(source, dest, replica_kms_key_id=DR_KEY)
    result = run_module(MODULE, args)
    assert result.changed
    rule = result["replication_configuration"]["rules"][0]
    assert rule["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
    destination = _current(aws, source)["Rules"][0]["Destination"]
    assert destination["EncryptionConfiguration"] == {"ReplicaKmsKeyID": DR_KEY}
    if not emulator_round_trips:
        pytest.skip(MOTO_GAP)
    stored = _current(aws, source)["Rules"][0]
    assert stored["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    assert not run_module(MODULE, args).changed


def test_filters_and_delete_markers_are_idempotent(run_module, aws, buckets, emulator_round_trips):
    if not emulator_round_trips:
        pytest.skip(MOTO_GAP)
    source, dest, other = buckets
    args = {
        "bucket": source,
        "role": ROLE,
        "rules": [
            {
                "id": "reports",
                "prefix": "reports/",
                "tags": {"b": "2", "a": "1"},
                "destination_bucket": f"arn:aws:s3:::{dest}",
            },
            {
                "id": "all",
                "destination_bucket": f"arn:aws:s3:::{other}",
                "delete_marker_replication": True,
                "priority": 0,
            },
        ],
    }
    assert run_module(MODULE, args).changed
    rules = {r["ID"]: r for r in _current(aws, source)["Rules"]}
    assert rules["reports"]["Filter"] == {
        "And": {"Prefix": "reports/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    }
    assert rules["all"]["DeleteMarkerReplication"] == {"Status": "Enabled"}
    assert not run_module(MODULE, args).changed


def test_absent(run_module, aws, buckets):
    source, dest, _ = buckets
    run_module(MODULE, _args(source, dest))

    result = run_module(MODULE, {"bucket": source, "state": "absent"}, check_mode=True)
    assert result.changed
    assert _current(aws, source) is not None

    result = run_module(MODULE, {"bucket": source, "state": "absent"}, diff=True)
    assert result.changed
    assert result["diff"]["after"] == {} and result["diff"]["before"]["role"] == ROLE
    assert _current(aws, source) is None

    again = run_module(MODULE, {"bucket": source, "state": "absent"})
    assert not again.changed
    assert not run_module(MODULE, {"bucket": f"rep-missing-{uuid.uuid4().hex[:10]}", "state": "absent"}).changed


def test_missing_bucket_fails_clearly(run_module):
    name = f"rep-missing-{uuid.uuid4().hex[:10]}"
    result = run_module(MODULE, _args(name, "rep-anything"))
    assert result.failed
    assert f"Bucket {name} does not exist" in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"bucket": "b", "rules": [{"id": "r", "destination_bucket": "arn:aws:s3:::d"}]},
            "state is present but all of the following are missing: role",
        ),
        (
            {"bucket": "b", "role": "my-role", "rules": [{"id": "r", "destination_bucket": "arn:aws:s3:::dst"}]},
            "is not an IAM role ARN",
        ),
        ({"bucket": "b", "role": ROLE, "rules": []}, "rules must list at least one replication rule"),
        (
            {"bucket": "b", "role": ROLE, "rules": [{"id": "r", "destination_bucket": "dst-bucket"}]},
            "is not an S3 bucket ARN",
        ),
        (
            {
                "bucket": "b",
                "role": ROLE,
                "rules": [{"id": "r", "destination_bucket": "arn:aws:s3:::dst", "sse_kms_encrypted_objects": True}],
            },
            "needs replica_kms_key_id",
        ),
        (
            {
                "bucket": "b",
                "role": ROLE,
                "rules": [
                    {"id": "r", "destination_bucket": "arn:aws:s3:::dst", "priority": 1},
                    {"id": "r", "destination_bucket": "arn:aws:s3:::dst", "priority": 1},
                ],
            },
            "rules[1].id 'r' is used by more than one rule; rules[1].priority 1 is used by more than one rule",
        ),
        (
            {
                "bucket": "b",
                "role": ROLE,
                "rules": [
                    {
                        "id": "r",
                        "destination_bucket": "arn:aws:s3:::dst",
                        "replica_kms_key_id": DR_KEY,
                        "sse_kms_encrypted_objects": False,
                    }
                ],
            },
            "replica_kms_key_id is only valid when sse_kms_encrypted_objects is true",
        ),
    ],
)
def test_bad_input_fails_before_any_call(run_module, args, message):
    # The bucket "b" does not exist: a failure naming the input proves validation ran first.
    result = run_module(MODULE, args)
    assert result.failed
    assert message in result["msg"]


# --------------------------------------------------------------------------- pure logic


def test_equivalent_spellings_normalise_the_same():
    base = {"ID": "r", "Priority": 1, "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::d"}}
    spellings = [
        dict(base, Filter={"Prefix": ""}),
        dict(base, Filter={}),
        dict(base, Prefix=""),
        dict(base, Filter={"Prefix": ""}, DeleteMarkerReplication={"Status": "Disabled"}),
        dict(base, Filter={"Prefix": ""}, SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Disabled"}}),
    ]
    normalised = [s3u.normalise_rule(s) for s in spellings]
    assert all(n == normalised[0] for n in normalised)
    tags_a = dict(
        base, Filter={"And": {"Prefix": "x/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}}
    )
    tags_b = dict(
        base, Filter={"And": {"Prefix": "x/", "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}}
    )
    assert s3u.normalise_rule(tags_a) == s3u.normalise_rule(tags_b)
    single = dict(base, Filter={"Tag": {"Key": "a", "Value": "1"}})
    assert s3u.normalise_rule(single)["Tags"] == [{"Key": "a", "Value": "1"}]


def test_unmanaged_settings_are_carried_over():
    current = {
        "Role": ROLE,
        "Rules": [
            {
                "ID": "dr",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "ExistingObjectReplication": {"Status": "Enabled"},
                "SourceSelectionCriteria": {"ReplicaModifications": {"Status": "Enabled"}},
                "Destination": {
                    "Bucket": "arn:aws:s3:::old",
                    "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                    "Metrics": {"Status": "Enabled"},
                },
            }
        ],
    }
    rules = [{"id": "dr", "destination_bucket": "arn:aws:s3:::new", "replica_kms_key_id": DR_KEY}]
    built = s3u.build_configuration(ROLE, rules, current)["Rules"][0]
    assert built["ExistingObjectReplication"] == {"Status": "Enabled"}
    assert built["SourceSelectionCriteria"] == {
        "ReplicaModifications": {"Status": "Enabled"},
        "SseKmsEncryptedObjects": {"Status": "Enabled"},
    }
    assert built["Destination"]["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
    assert built["Destination"]["Bucket"] == "arn:aws:s3:::new"
    assert built["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": DR_KEY}
    assert s3u.differences(current, s3u.build_configuration(ROLE, rules, current)) == [
        "rule dr: DestinationBucket, ReplicaKmsKeyID, SseKmsEncryptedObjects"
    ]


def test_default_priorities_rank_earlier_rules_higher():
    rules = [{"id": "a"}, {"id": "b"}, {"id": "c", "priority": 7}]
    assert [s3u.rule_priority(rules, i) for i in range(3)] == [3, 2, 7]


def test_versioning_not_yet_visible_is_waited_for(run_module, aws, buckets, monkeypatch):
    """S3 may refuse replication right after versioning was enabled (eventual consistency): retried."""
    from ansible_collections.platform_ops.aws.plugins.module_utils import propagation

    source, dest, _ = buckets
    sleeps = []
    monkeypatch.setattr(propagation, "_sleep", sleeps.append)
    real = s3u._put_bucket_replication
    calls = []

    def put(client, bucket, configuration):
        calls.append(bucket)
        if len(calls) <= 2:
            message = "Destination bucket must have versioning enabled."
            raise ClientError({"Error": {"Code": "InvalidRequest", "Message": message}}, "PutBucketReplication")
        return real(client, bucket, configuration)

    monkeypatch.setattr(s3u, "_put_bucket_replication", put)
    result = run_module(MODULE, _args(source, dest))
    assert not result.failed, result
    assert len(calls) == 3
    assert len(sleeps) == 2
    assert aws("s3").get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"][0]["ID"] == "dr"


def test_versioning_really_off_fails_after_the_wait(run_module, aws, buckets, monkeypatch):
    """Only the versioning message is retried; the real refusal still surfaces (here after the timeout)."""
    from ansible_collections.platform_ops.aws.plugins.module_utils import propagation

    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    monkeypatch.setattr(propagation, "_sleep", sleep)
    monkeypatch.setattr(propagation, "_clock", lambda: now[0])
    source, dest, _ = buckets
    unversioned = f"rep-unv-{uuid.uuid4().hex[:10]}"
    aws("s3").create_bucket(Bucket=unversioned)
    result = run_module(MODULE, _args(unversioned, dest))
    assert result.failed
    assert "versioning" in result["msg"].lower()
    assert now[0] == pytest.approx(60.0)
