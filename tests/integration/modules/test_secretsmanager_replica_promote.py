"""platform_ops.aws.secretsmanager_replica_promote against the moto server (StopReplicationToReplica)."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

MODULE = "secretsmanager_replica_promote"
DR = "us-west-2"


def _replicated(aws, name: str, value: str) -> str:
    return aws("secretsmanager").create_secret(Name=name, SecretString=value, AddReplicaRegions=[{"Region": DR}])["ARN"]


def test_promotes_replicas_once_check_mode_and_diff_first(run_module, aws):
    names = [f"promote-{uuid.uuid4().hex[:8]}/{n}" for n in ("DATABASE_URL", "DATABASE_MASTER")]
    arns = [_replicated(aws, n, f"value-{i}") for i, n in enumerate(names)]
    dr = aws("secretsmanager", DR)
    with pytest.raises(ClientError):  # AWS: a replica secret cannot be written
        dr.put_secret_value(SecretId=names[0], SecretString="new")

    check = run_module(MODULE, {"region": DR, "secrets": names}, check_mode=True, diff=True)
    assert not check.failed, check
    assert check.changed and check["promoted"] == names
    assert check["diff"]["before"] == {n: "us-east-1" for n in names}
    assert check["diff"]["after"] == {n: DR for n in names}
    assert dr.describe_secret(SecretId=names[0])["PrimaryRegion"] == "us-east-1"

    result = run_module(MODULE, {"region": DR, "secrets": names})
    assert result.changed and result["promoted"] == names
    assert [s["arn"] for s in result["secrets"]] == [a.replace("us-east-1", DR) for a in arns]
    described = dr.describe_secret(SecretId=names[0])
    assert described.get("PrimaryRegion", DR) == DR
    assert dr.get_secret_value(SecretId=names[0])["SecretString"] == "value-0"
    dr.put_secret_value(SecretId=names[0], SecretString="now writable")
    assert dr.get_secret_value(SecretId=names[0])["SecretString"] == "now writable"
    assert aws("secretsmanager").get_secret_value(SecretId=names[0])["SecretString"] == "value-0"
    assert not aws("secretsmanager").describe_secret(SecretId=names[0]).get("ReplicationStatus")

    again = run_module(MODULE, {"region": DR, "secrets": names})
    assert not again.changed and again["promoted"] == []


def test_a_missing_secret_fails_before_promoting_anything_unless_ignored(run_module, aws):
    name = f"promote-{uuid.uuid4().hex[:8]}/JWT_SECRET"
    _replicated(aws, name, "v")
    failed = run_module(MODULE, {"region": DR, "secrets": [name, "promote-none/X"]})
    assert failed.failed and "promote-none/X" in failed["msg"]
    assert aws("secretsmanager", DR).describe_secret(SecretId=name)["PrimaryRegion"] == "us-east-1"

    ignored = run_module(MODULE, {"region": DR, "secrets": [name, "promote-none/X"], "missing": "ignore"})
    assert ignored.changed and ignored["missing"] == ["promote-none/X"]


def test_an_empty_entry_is_refused(run_module):
    assert run_module(MODULE, {"secrets": [""]}).failed


def test_replicated_makes_promoted_copies_replicas_of_the_primary_again(run_module, aws):
    name = f"promote-{uuid.uuid4().hex[:8]}/DATABASE_URL"
    _replicated(aws, name, "primary value")
    assert run_module(MODULE, {"region": DR, "secrets": [name]}).changed
    dr = aws("secretsmanager", DR)
    dr.put_secret_value(SecretId=name, SecretString="dr value")
    args = {"region": DR, "secrets": [name], "state": "replicated", "primary_region": "us-east-1"}

    check = run_module(MODULE, args, check_mode=True, diff=True)
    assert check.changed and check["replicated"] == [name]
    assert check["diff"]["after"] == {name: "us-east-1"}
    assert dr.get_secret_value(SecretId=name)["SecretString"] == "dr value"

    result = run_module(MODULE, args)
    assert not result.failed, result
    assert result.changed and result["replicated"] == [name]
    assert dr.describe_secret(SecretId=name)["PrimaryRegion"] == "us-east-1"
    assert dr.get_secret_value(SecretId=name)["SecretString"] == "primary value"
    assert not run_module(MODULE, args).changed


def test_replicated_needs_another_primary_region(run_module):
    assert "primary_region" in run_module(MODULE, {"secrets": ["x"], "state": "replicated"})["msg"]
    same = run_module(MODULE, {"secrets": ["x"], "state": "replicated", "primary_region": "us-east-1"})
    assert same.failed and "own region" in same["msg"]
