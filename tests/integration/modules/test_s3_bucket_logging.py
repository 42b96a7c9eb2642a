"""platform_ops.aws.s3_bucket_logging and s3_bucket_availability against the moto server."""

from __future__ import annotations

import json
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import s3 as s3u
from botocore.exceptions import ClientError

from tests.conftest import api_operations, operations_delta

MODULE = "s3_bucket_logging"
ACCOUNT = "123456789012"


def _logs_bucket(s3, name, sources, prefixes=None):
    """A target bucket as AWS wants it: ACLs disabled, SSE-S3, logging.s3 granted by policy per source."""
    prefixes = prefixes or [f"s3/{source}/" for source in sources]
    s3.create_bucket(Bucket=name)
    s3.put_bucket_ownership_controls(
        Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    statements = [
        {
            "Sid": f"S3ServerAccessLogs{i}",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{name}/{prefix}*",
            "Condition": {
                "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        }
        for i, (source, prefix) in enumerate(zip(sources, prefixes, strict=True))
    ]
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))


@pytest.fixture
def names(aws):
    suffix = uuid.uuid4().hex[:10]
    logs, docs, media = f"lg-logs-{suffix}", f"lg-docs-{suffix}", f"lg-media-{suffix}"
    s3 = aws("s3")
    for name in (docs, media):
        s3.create_bucket(Bucket=name)
    _logs_bucket(s3, logs, [docs, media])
    return logs, docs, media


def _args(logs, *sources):
    return {"target_bucket": logs, "buckets": [{"name": s, "target_prefix": f"s3/{s}/"} for s in sources]}


def test_sets_logging_of_a_set_in_one_call_without_grants_then_is_idempotent(run_module, aws, names, moto_endpoint):
    logs, docs, media = names
    args = _args(logs, docs, media)

    check = run_module(MODULE, args, check_mode=True, diff=True)
    assert not check.failed, check
    assert check.changed
    assert check["diff"]["before"] == {docs: {}, media: {}}
    assert check["diff"]["after"][docs] == {"target_bucket": logs, "target_prefix": f"s3/{docs}/"}
    assert "LoggingEnabled" not in aws("s3").get_bucket_logging(Bucket=docs)

    before = api_operations(moto_endpoint)
    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "s3.GetBucketLogging": 2,
        "s3.PutBucketLogging": 2,
    }
    for source in (docs, media):
        enabled = aws("s3").get_bucket_logging(Bucket=source)["LoggingEnabled"]
        assert enabled["TargetBucket"] == logs
        assert enabled["TargetPrefix"] == f"s3/{source}/"
        assert not enabled.get("TargetGrants")
    assert first["buckets"][docs] == {
        "logging": {"target_bucket": logs, "target_prefix": f"s3/{docs}/"},
        "changed": True,
        "changes": ["logging is off"],
    }

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args, diff=True)
    assert not again.failed, again
    assert not again.changed
    assert again["changes"] == []
    assert operations_delta(before, api_operations(moto_endpoint)) == {"s3.GetBucketLogging": 2}


def test_changes_only_the_bucket_whose_prefix_differs(run_module, aws, names):
    logs, docs, media = names
    assert not run_module(MODULE, _args(logs, docs, media)).failed
    args = _args(logs, docs, media)
    args["buckets"][1]["target_prefix"] = f"s3/{media}/x/"
    _logs_bucket(aws("s3"), logs, [docs, media, media], [f"s3/{docs}/", f"s3/{media}/", f"s3/{media}/x/"])
    result = run_module(MODULE, args)
    assert not result.failed, result
    assert result["changes"] == [f"{media}: target prefix 's3/{media}/' -> 's3/{media}/x/'"]
    assert not result["buckets"][docs]["changed"]
    assert aws("s3").get_bucket_logging(Bucket=media)["LoggingEnabled"]["TargetPrefix"] == f"s3/{media}/x/"


def test_absent_switches_logging_off(run_module, aws, names):
    logs, docs, _ = names
    assert not run_module(MODULE, _args(logs, docs)).failed
    result = run_module(MODULE, {"buckets": [{"name": docs, "state": "absent"}]}, diff=True)
    assert result.changed, result
    assert result["diff"]["after"] == {docs: {}}
    assert "LoggingEnabled" not in aws("s3").get_bucket_logging(Bucket=docs)
    assert not run_module(MODULE, {"buckets": [{"name": docs, "state": "absent"}]}).changed


def test_refusal_names_the_missing_bucket_policy_grant(run_module, aws, names):
    _, docs, _ = names
    bare = f"lg-bare-{uuid.uuid4().hex[:10]}"
    aws("s3").create_bucket(Bucket=bare)
    result = run_module(MODULE, _args(bare, docs))
    assert result.failed
    assert "logging.s3.amazonaws.com" in result["msg"]
    assert docs in result["msg"]


def test_missing_source_bucket_fails_but_check_mode_predicts(run_module, names):
    logs = names[0]
    missing = f"lg-missing-{uuid.uuid4().hex[:10]}"
    result = run_module(MODULE, _args(logs, missing))
    assert result.failed
    assert f"Bucket {missing} does not exist" in result["msg"]
    check = run_module(MODULE, _args(logs, missing), check_mode=True)
    assert not check.failed, check
    assert check.changed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"buckets": []}, "at least one source bucket"),
        ({"buckets": [{"name": "UPPER"}], "target_bucket": "logs-bucket"}, "'UPPER' is not a valid S3 bucket name"),
        ({"buckets": [{"name": "abc"}]}, "target_bucket is required"),
        ({"buckets": [{"name": "abc"}, {"name": "abc"}], "target_bucket": "logs-bucket"}, "listed more than once"),
    ],
)
def test_bad_input_fails_before_any_request(run_module, moto_endpoint, args, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, args)
    assert result.failed
    assert message in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_keeps_an_existing_key_format_and_never_sends_grants():
    current = {
        "TargetBucket": "old",
        "TargetPrefix": "p/",
        "TargetGrants": [{"Grantee": {"Type": "Group"}, "Permission": "WRITE"}],
        "TargetObjectKeyFormat": {"SimplePrefix": {}},
    }
    wanted = s3u.desired_logging({"name": "b", "target_prefix": "q/"}, "logs", current)
    assert wanted == {"TargetBucket": "logs", "TargetPrefix": "q/", "TargetObjectKeyFormat": {"SimplePrefix": {}}}


# --------------------------------------------------------------------------- s3_bucket_availability


def test_availability_reports_ours_and_free(run_module, aws, names, moto_endpoint):
    logs = names[0]
    free = f"lg-free-{uuid.uuid4().hex[:10]}"
    before = api_operations(moto_endpoint)
    result = run_module("s3_bucket_availability", {"names": [logs, free]})
    assert not result.failed, result
    assert not result.changed
    assert result["buckets"] == {logs: "ours", free: "free"}
    assert result["taken"] == []
    assert operations_delta(before, api_operations(moto_endpoint)) == {"s3.HeadBucket": 2}


def test_availability_fails_naming_a_bucket_of_another_account(run_module, monkeypatch):
    """moto keeps every bucket in one account, so HeadBucket's 403 is simulated."""

    def head(client, bucket):
        if bucket == "someone-elses":
            raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadBucket")
        raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadBucket")

    monkeypatch.setattr(s3u, "_head_bucket", head)
    hint = 'Set storage_bucket_suffix (e.g. "-a1b2").'
    result = run_module("s3_bucket_availability", {"names": ["someone-elses", "still-free"], "hint": hint})
    assert result.failed
    assert (
        result["msg"]
        == f"S3 bucket name someone-elses belongs to another AWS account (bucket names are global). {hint}"
    )
    assert result["buckets"] == {"someone-elses": "taken", "still-free": "free"}
    relaxed = run_module("s3_bucket_availability", {"names": ["someone-elses"], "fail_on_taken": False})
    assert not relaxed.failed
    assert relaxed["taken"] == ["someone-elses"]


def test_availability_refuses_invalid_names(run_module):
    result = run_module("s3_bucket_availability", {"names": ["Bad_Name"]})
    assert result.failed
    assert "'Bad_Name'" in result["msg"]
