"""The generated_secret_differences plan (module_utils/secretsmanager.py, filter in plans.py) against the moto
server: for every kind of drift, the plan on DescribeSecret's answer and secretsmanager_generated_secret's own
check mode must agree on whether the module would change the secret."""

from __future__ import annotations

import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter.plans import FilterModule
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import generated_secret_differences

MODULE = "secretsmanager_generated_secret"
DR = "us-west-2"
TAGS = {"Project": "caseapp", "Environment": "it"}


def _name() -> str:
    return f"test-plan-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def sm(aws):
    return aws("secretsmanager")


@pytest.fixture
def key(aws):
    return aws("kms").create_key(Description="platform key")["KeyMetadata"]["Arn"]


def _agree(run_module, sm, args):
    """The plan's differences, after checking that they agree with the module's check mode."""
    try:
        described = sm.describe_secret(SecretId=args["name"])
    except sm.exceptions.ResourceNotFoundException:
        described = None
    plan = generated_secret_differences(described, args, "us-east-1")
    checked = run_module(MODULE, args, check_mode=True)
    assert not checked.failed, checked
    assert bool(plan) == checked.changed, (plan, checked)
    return plan


def _args(name, key, **extra):
    return dict({"name": name, "description": "JWT", "kms_key_id": key, "tags": TAGS, "purge_tags": False}, **extra)


def test_a_converged_secret_has_no_difference_and_a_missing_one_is_missing(run_module, sm, key):
    name = _name()
    assert _agree(run_module, sm, _args(name, key)) == ["missing"]
    run_module(MODULE, _args(name, key, password_length=32, exclude_punctuation=True))
    assert _agree(run_module, sm, _args(name, key)) == []
    # the length and characters are only used when generating: a converged secret does not compare them
    assert _agree(run_module, sm, _args(name, key, password_length=64)) == []


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        (lambda sm, name, key: sm.update_secret(SecretId=name, Description="changed"), ["description"]),
        (lambda sm, name, key: sm.tag_resource(SecretId=name, Tags=[{"Key": "Project", "Value": "x"}]), ["tags"]),
        (lambda sm, name, key: sm.untag_resource(SecretId=name, TagKeys=["Environment"]), ["tags"]),
        (lambda sm, name, key: sm.update_secret(SecretId=name, KmsKeyId="alias/aws/secretsmanager"), ["kms key"]),
        (lambda sm, name, key: sm.delete_secret(SecretId=name, RecoveryWindowInDays=7), ["scheduled for deletion"]),
    ],
    ids=["description", "tag value", "tag removed", "kms key", "scheduled for deletion"],
)
def test_each_kind_of_drift_is_a_difference(run_module, sm, key, drift, expected):
    name = _name()
    run_module(MODULE, _args(name, key))
    drift(sm, name, key)
    assert _agree(run_module, sm, _args(name, key)) == expected


def test_other_tags_count_only_when_purged(run_module, sm, key):
    name = _name()
    run_module(MODULE, _args(name, key))
    sm.tag_resource(SecretId=name, Tags=[{"Key": "Owner", "Value": "someone"}])
    assert _agree(run_module, sm, _args(name, key)) == []
    assert _agree(run_module, sm, _args(name, key, purge_tags=True)) == ["tags"]
    # purge_tags defaults to true, as in the module
    args = _args(name, key)
    del args["purge_tags"]
    assert _agree(run_module, sm, args) == ["tags"]


def test_a_secret_without_a_value_gets_one(run_module, sm, key):
    name = _name()
    sm.create_secret(Name=name, Description="JWT", KmsKeyId=key, Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()])
    assert _agree(run_module, sm, _args(name, key)) == ["no value"]


def test_an_alias_against_a_key_arn_is_left_to_the_module(run_module, sm, key, aws):
    name = _name()
    aws("kms").create_alias(AliasName=f"alias/{name}", TargetKeyId=key)
    run_module(MODULE, _args(name, key))
    described = sm.describe_secret(SecretId=name)
    # the module resolves the alias (no change); the plan cannot, so it sends the secret to the module
    assert generated_secret_differences(described, _args(name, f"alias/{name}"), "us-east-1") == ["kms key"]
    assert not run_module(MODULE, _args(name, f"alias/{name}"), check_mode=True).changed


def test_replicas_missing_kept_purged_and_on_another_key(run_module, sm, key, aws):
    dr_key = aws("kms", DR).create_key(Description="dr key")["KeyMetadata"]["Arn"]
    name = _name()
    run_module(MODULE, _args(name, key))
    assert _agree(run_module, sm, _args(name, key, replica_regions=[DR])) == [f"replica {DR} missing"]
    run_module(MODULE, _args(name, key, replica_regions=[DR, "eu-west-1"]))
    assert _agree(run_module, sm, _args(name, key, replica_regions=[DR, "eu-west-1"])) == []
    # a replica not listed is kept unless purged; replication not managed at all compares nothing
    assert _agree(run_module, sm, _args(name, key, replica_regions=[DR])) == []
    assert _agree(run_module, sm, _args(name, key)) == []
    purged = _agree(run_module, sm, _args(name, key, replica_regions=[DR], purge_replica_regions=True))
    assert purged == ["replica eu-west-1 not wanted"]
    moved = _agree(run_module, sm, _args(name, key, replica_regions=[{"region": DR, "kms_key_id": dr_key}]))
    assert moved == [f"replica {DR} kms key"]


def test_the_filter_is_exported():
    assert FilterModule().filters()["platform_generated_secret_differences"] is generated_secret_differences
