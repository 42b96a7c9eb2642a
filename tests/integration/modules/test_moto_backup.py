"""The emulator's AWS Backup (scripts/moto_backup.py): what moto lacks, answered as AWS does."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}],
    }
)
ROLE = "arn:aws:iam::123456789012:role/t-backup"


def _code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def backup(aws, moto_reset):
    return aws("backup")


def _plan(backup, name="t-plan"):
    rule = {"RuleName": "daily", "TargetBackupVaultName": "t-vault", "Lifecycle": {"DeleteAfterDays": 7}}
    return backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [rule]})["BackupPlanId"]


def test_selections_round_trip_and_block_plan_deletion(backup):
    plan_id = _plan(backup)
    selection = {
        "SelectionName": "t-tagged",
        "IamRoleArn": ROLE,
        "Resources": ["arn:aws:s3:::t-*"],
        "Conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/PlatformBackup", "ConditionValue": "true"}]},
    }
    selection_id = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=selection)["SelectionId"]
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert [(s["SelectionId"], s["SelectionName"]) for s in listed] == [(selection_id, "t-tagged")]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)["BackupSelection"]
    assert got["Conditions"]["StringEquals"] == selection["Conditions"]["StringEquals"]
    assert got["Conditions"]["StringLike"] == [] and got["ListOfTags"] == [] and got["NotResources"] == []
    with pytest.raises(ClientError) as excinfo:
        backup.delete_backup_plan(BackupPlanId=plan_id)
    assert _code(excinfo) == "InvalidRequestException"
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    backup.delete_backup_plan(BackupPlanId=plan_id)
    # A deleted plan's name may be used again.
    assert _plan(backup) != plan_id


def test_selection_refuses_bad_input(backup):
    plan_id = _plan(backup)
    with pytest.raises(ClientError) as excinfo:
        backup.create_backup_selection(
            BackupPlanId=plan_id, BackupSelection={"SelectionName": "bad name!", "IamRoleArn": ROLE}
        )
    assert _code(excinfo) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as excinfo:
        backup.list_backup_selections(BackupPlanId="missing")
    assert _code(excinfo) == "ResourceNotFoundException"


def test_update_backup_plan_replaces_the_rules(backup):
    plan_id = _plan(backup)
    before = backup.get_backup_plan(BackupPlanId=plan_id)
    rule = {"RuleName": "daily", "TargetBackupVaultName": "t-vault", "Lifecycle": {"DeleteAfterDays": 35}}
    backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan={"BackupPlanName": "t-plan", "Rules": [rule]})
    after = backup.get_backup_plan(BackupPlanId=plan_id)
    assert after["VersionId"] != before["VersionId"]
    assert after["BackupPlan"]["Rules"][0]["Lifecycle"] == {"DeleteAfterDays": 35}


def test_vault_access_policy_and_deletion(backup):
    backup.create_backup_vault(BackupVaultName="t-vault")
    with pytest.raises(ClientError) as excinfo:
        backup.get_backup_vault_access_policy(BackupVaultName="t-vault")
    assert _code(excinfo) == "ResourceNotFoundException"
    backup.put_backup_vault_access_policy(BackupVaultName="t-vault", Policy=POLICY)
    assert json.loads(backup.get_backup_vault_access_policy(BackupVaultName="t-vault")["Policy"]) == json.loads(POLICY)
    backup.delete_backup_vault_access_policy(BackupVaultName="t-vault")
    assert backup.list_recovery_points_by_backup_vault(BackupVaultName="t-vault")["RecoveryPoints"] == []
    described = backup.describe_backup_vault(BackupVaultName="t-vault")
    assert described["NumberOfRecoveryPoints"] == 0 and described["Locked"] is False
    backup.delete_backup_vault(BackupVaultName="t-vault")


def test_a_missing_vault_is_access_denied_as_on_aws(backup):
    for call, kwargs in (
        (backup.describe_backup_vault, {}),
        (backup.delete_backup_vault, {}),
        (backup.get_backup_vault_access_policy, {}),
        (backup.list_recovery_points_by_backup_vault, {}),
        (backup.put_backup_vault_lock_configuration, {"MinRetentionDays": 7}),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(BackupVaultName="t-missing", **kwargs)
        assert _code(excinfo) == "AccessDeniedException", call
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
