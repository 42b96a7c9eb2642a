"""The storage role's key plan (storage_kms_key_reads / storage_kms_key_differences in plugins/filter/storage_plan.py)
against moto: from one read it says "nothing to do" exactly when amazon.aws.kms_key (run in check mode with the
role's options) reports no change, and names the difference when a change made by hand would make it write."""

from __future__ import annotations

import json
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import storage_plan as p

ACCOUNT = "123456789012"


def _policy(extra_sid=None):
    statements = [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*"],
            "Resource": "*",
        },
    ]
    if extra_sid:
        statements.append(dict(statements[1], Sid=extra_sid))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture
def key(amazon, aws):
    alias = f"alias/kp-{uuid.uuid4().hex[:8]}"
    wanted = {
        "description": f"{alias} data at rest",
        "policy": _policy(),
        "tags": {"Project": "kp", "Environment": "test"},
    }
    created = amazon("kms_key", _args(alias, wanted))
    assert created["changed"], created
    return {"alias": alias, "wanted": wanted, "id": created["key_id"], "kms": aws("kms")}


def _args(alias, wanted):
    return {"alias": alias, "enabled": True, "enable_key_rotation": True, "purge_tags": False, **wanted}


def _plan(run_module, key, wanted=None):
    read = run_module("aws_read", {"reads": p.kms_key_reads(key["alias"])}, check_mode=True)
    assert not read.failed, read
    return p.kms_key_differences(read["responses"], wanted or key["wanted"])


def _module_changes(amazon, key, wanted=None):
    result = amazon("kms_key", _args(key["alias"], wanted or key["wanted"]), check_mode=True)
    assert not result.get("failed"), result
    return result["changed"]


def test_a_converged_key_needs_no_module_run(run_module, amazon, key):
    assert _plan(run_module, key) == []
    assert not _module_changes(amazon, key)


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        (lambda kms, key_id: kms.disable_key_rotation(KeyId=key_id), ["rotation"]),
        (lambda kms, key_id: kms.disable_key(KeyId=key_id), ["state"]),
        (lambda kms, key_id: kms.update_key_description(KeyId=key_id, Description="by hand"), ["description"]),
        (lambda kms, key_id: kms.untag_resource(KeyId=key_id, TagKeys=["Project"]), ["tags"]),
        (
            lambda kms, key_id: kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_policy("Extra")),
            ["policy"],
        ),
    ],
)
def test_each_drift_kms_key_would_revert(run_module, amazon, key, drift, expected):
    drift(key["kms"], key["id"])
    assert _plan(run_module, key) == expected
    assert _module_changes(amazon, key)


def test_an_extra_tag_is_left_alone_as_purge_tags_false_leaves_it(run_module, amazon, key):
    key["kms"].tag_resource(KeyId=key["id"], Tags=[{"TagKey": "Owner", "TagValue": "someone"}])
    assert _plan(run_module, key) == []
    assert not _module_changes(amazon, key)


def test_another_wanted_policy_description_or_tag(run_module, amazon, key):
    for wanted, expected in (
        (dict(key["wanted"], policy=_policy("Extra")), ["policy"]),
        (dict(key["wanted"], description="another"), ["description"]),
        (dict(key["wanted"], tags={"Project": "other"}), ["tags"]),
    ):
        assert _plan(run_module, key, wanted) == expected
        assert _module_changes(amazon, key, wanted)


def test_a_missing_key(run_module):
    read = run_module(
        "aws_read", {"reads": p.kms_key_reads("alias/kp-missing-" + uuid.uuid4().hex[:6])}, check_mode=True
    )
    assert not read.failed, read
    assert read["responses"]["key_policy"] is None and read["responses"]["key_tags"] is None
    assert p.kms_key_differences(read["responses"], {"policy": "{}"}) == ["missing"]
