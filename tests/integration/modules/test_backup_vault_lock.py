"""platform_ops.aws.backup_vault_lock and backup_vault_access_policy against the moto server."""

from __future__ import annotations

import json
import uuid

import pytest

LOCK = "backup_vault_lock"
POLICY = "backup_vault_access_policy"


@pytest.fixture
def vault(aws):
    name = f"v-{uuid.uuid4().hex[:10]}"
    aws("backup").create_backup_vault(BackupVaultName=name)
    return name


def _deny(account="123456789012"):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyDeletingRecoveryPointsButRoot",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                "Resource": "*",
                "Condition": {"StringNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:root"}},
            }
        ],
    }


def test_governance_lock_converges_and_is_idempotent(run_module, aws, vault):
    args = {"backup_vault_name": vault, "min_retention_days": 7, "max_retention_days": 365}
    checked = run_module(LOCK, args, check_mode=True, diff=True)
    assert checked.changed and checked["diff"]["before"]["mode"] == "none"
    assert aws("backup").describe_backup_vault(BackupVaultName=vault)["Locked"] is False
    first = run_module(LOCK, args)
    assert first.changed and first["lock"]["mode"] == "governance"
    real = aws("backup").describe_backup_vault(BackupVaultName=vault)
    assert (real["Locked"], real["MinRetentionDays"], real["MaxRetentionDays"]) == (True, 7, 365)
    assert not run_module(LOCK, args).changed
    assert run_module(LOCK, dict(args, min_retention_days=14)).changed
    assert aws("backup").describe_backup_vault(BackupVaultName=vault)["MinRetentionDays"] == 14


def test_compliance_lock_reports_its_date_and_is_not_put_again(run_module, aws, vault):
    args = {"backup_vault_name": vault, "min_retention_days": 35, "changeable_for_days": 3}
    first = run_module(LOCK, args)
    assert first.changed and first["lock"]["mode"] == "compliance" and first["lock"]["lock_date"]
    again = run_module(LOCK, args)
    assert not again.changed and again["lock"]["lock_date"] == first["lock"]["lock_date"]
    # Back to governance inside the grace time: the lock date goes.
    governance = run_module(LOCK, {"backup_vault_name": vault, "min_retention_days": 35})
    assert governance.changed and governance["lock"]["mode"] == "governance"
    assert "LockDate" not in aws("backup").describe_backup_vault(BackupVaultName=vault)


def test_lock_absent_and_bad_input(run_module, aws, vault):
    run_module(LOCK, {"backup_vault_name": vault, "min_retention_days": 7})
    gone = run_module(LOCK, {"backup_vault_name": vault, "state": "absent"})
    assert gone.changed and aws("backup").describe_backup_vault(BackupVaultName=vault)["Locked"] is False
    assert not run_module(LOCK, {"backup_vault_name": vault, "state": "absent"}).changed
    bad = run_module(
        LOCK, {"backup_vault_name": vault, "min_retention_days": 30, "max_retention_days": 7, "changeable_for_days": 1}
    )
    assert bad.failed and "may not exceed" in bad["msg"] and "changeable_for_days must be 3" in bad["msg"]
    missing = run_module(LOCK, {"backup_vault_name": "no-such-vault", "min_retention_days": 7})
    assert missing.failed and "does not exist" in missing["msg"]


def test_access_policy_converges(run_module, aws, vault):
    args = {"backup_vault_name": vault, "policy": _deny()}
    assert run_module(POLICY, args, check_mode=True).changed
    first = run_module(POLICY, args, diff=True)
    assert first.changed and first["diff"]["before"] == {}
    real = json.loads(aws("backup").get_backup_vault_access_policy(BackupVaultName=vault)["Policy"])
    assert real == _deny()
    assert not run_module(POLICY, args).changed
    # A single-element list and its string are the same policy.
    same = _deny()
    same["Statement"][0]["Action"] = ["backup:UpdateRecoveryPointLifecycle", "backup:DeleteRecoveryPoint"]
    assert not run_module(POLICY, {"backup_vault_name": vault, "policy": json.dumps(same)}).changed
    assert run_module(POLICY, {"backup_vault_name": vault, "state": "absent"}).changed
    assert not run_module(POLICY, {"backup_vault_name": vault, "state": "absent"}).changed


def test_access_policy_refuses_bad_input(run_module):
    missing = run_module(POLICY, {"backup_vault_name": "no-such-vault", "policy": _deny()})
    assert missing.failed and "does not exist" in missing["msg"]
    assert not run_module(POLICY, {"backup_vault_name": "no-such-vault", "state": "absent"}).changed
    bad = run_module(POLICY, {"backup_vault_name": "bad name", "policy": {"Version": "2012-10-17"}})
    assert bad.failed and "Statement" in bad["msg"] and "backup_vault_name" in bad["msg"]
