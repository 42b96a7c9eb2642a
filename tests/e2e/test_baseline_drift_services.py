"""Read once (issue 15): the security baseline's GuardDuty, Security Hub, AWS Config and AWS Backup parts.

On an emulator of its own, molecule/security_baseline/converge.yml (every switch on, DR region us-west-2, vault
lock and deny-delete on) converges; a second run changes nothing and runs none of these parts' writing modules
(one aws_read reads them all). Then one drift per kind of resource planned is made by hand with boto3:
``--check --diff`` reports each part's writing task as changed and changes nothing; a normal run reverts each
(the real state is read back with boto3); a last run changes nothing.
"""

from __future__ import annotations

import json

import boto3
import pytest

from tests.conftest import moto_server
from tests.helpers import playbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("baseline_drift_services")]

PLAYBOOK = "molecule/security_baseline/converge.yml"
REGION, DR = "us-east-1", "us-west-2"
PREFIX = "caseapp-local"  # inventories/local
VAULT, PLAN, SELECTION = f"{PREFIX}-vault", f"{PREFIX}-backup", f"{PREFIX}-tagged"

T_DETECTOR = "Ensure GuardDuty's detector is enabled and publishes finding updates every period asked"
T_RULE = "Ensure GuardDuty findings of the alarm severity reach the alarm topic"
T_RULE_CHECK = "Report that the GuardDuty findings rule would change (check mode)"
T_HUB = "Ensure Security Hub runs the standards asked and imports GuardDuty's findings"
T_CONFIG_ROLE = "Ensure the AWS Config role exists with the AWS managed policy AWS_ConfigRole"
T_CONFIG_POLICY = "Ensure the AWS Config role may deliver to the trail bucket with the baseline key"
T_RECORDER = "Ensure AWS Config records every supported resource and delivers to the trail bucket"
T_DR_KEY = "Ensure the DR region's backup key exists with rotation"
T_BACKUP_ROLE = (
    "Ensure the AWS Backup role exists (AWS Backup of this account only, AWS managed backup and restore policies)"
)
T_VAULT = "Ensure the backup vault exists, encrypted with the baseline key"
T_DR_VAULT = "Ensure the DR region's backup vault exists, encrypted with its key"
T_POLICY = "Ensure only the account root may delete recovery points (vault access policy)"
T_LOCK = "Ensure the vault lock is as configured (compliance mode is irreversible once its grace time ends)"
T_PLAN = "Ensure the daily backup plan, with a copy to the DR region when it is set"
T_SELECTION = "Ensure the backup selection covers the stack's resources tagged PlatformBackup"
T_READ = "Read the state of GuardDuty, Security Hub, AWS Config and AWS Backup"
WRITES = [
    T_DETECTOR,
    T_RULE,
    T_HUB,
    T_CONFIG_ROLE,
    T_CONFIG_POLICY,
    T_RECORDER,
    T_DR_KEY,
    T_BACKUP_ROLE,
    T_VAULT,
    T_DR_VAULT,
    T_POLICY,
    T_LOCK,
    T_PLAN,
    T_SELECTION,
]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """An emulator of its own (AWS managed policies loaded: the roles attach them)."""
    with moto_server(
        tmp_path_factory.mktemp("drift-services") / "moto.log", MOTO_IAM_LOAD_MANAGED_POLICIES="true"
    ) as url:
        yield url


def _client(endpoint, service, region=REGION):
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def _run(endpoint, *args):
    run = playbook(endpoint, PLAYBOOK, *args, timeout=900)
    assert run.returncode == 0, run.tail(120)
    return run


def _ran(run, task):
    """Whether ``task`` ran (ok or changed on at least one item) rather than being skipped."""
    current = None
    for line in run.output.splitlines():
        if line.startswith("TASK ["):
            current = line[6 : line.rfind("]")].split(" : ", 1)[-1]
        elif current == task and line.startswith(("ok:", "changed:")):
            return True
    return False


def _changed(run):
    return {name.split(" : ", 1)[-1] for name in run.changed_tasks()}


def _state(endpoint):
    """What the drifts change, read back with boto3."""
    gd = _client(endpoint, "guardduty")
    detector_id = gd.list_detectors()["DetectorIds"][0]
    events = _client(endpoint, "events")
    hub = _client(endpoint, "securityhub")
    iam = _client(endpoint, "iam")
    config = _client(endpoint, "config")
    kms_dr = _client(endpoint, "kms", DR)
    backup, backup_dr = _client(endpoint, "backup"), _client(endpoint, "backup", DR)
    vault = backup.describe_backup_vault(BackupVaultName=VAULT)
    dr_vault = backup_dr.describe_backup_vault(BackupVaultName=VAULT)
    plan_id = next(
        p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == PLAN
    )
    try:
        dr_policy = json.loads(backup_dr.get_backup_vault_access_policy(BackupVaultName=VAULT)["Policy"])
    except backup_dr.exceptions.ResourceNotFoundException:
        dr_policy = None
    return {
        "frequency": gd.get_detector(DetectorId=detector_id)["FindingPublishingFrequency"],
        "targets": [t["Id"] for t in events.list_targets_by_rule(Rule=f"{PREFIX}-guardduty-findings")["Targets"]],
        "standards": [s["StandardsArn"] for s in hub.get_enabled_standards()["StandardsSubscriptions"]],
        "config_policies": [
            p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=f"{PREFIX}-config")["AttachedPolicies"]
        ],
        "config_inline": iam.get_role_policy(RoleName=f"{PREFIX}-config", PolicyName="deliver-configuration")[
            "PolicyDocument"
        ],
        "recording": config.describe_configuration_recorder_status(ConfigurationRecorderNames=[PREFIX])[
            "ConfigurationRecordersStatus"
        ][0]["recording"],
        # GetKeyRotationStatus takes the key id, not the alias.
        "dr_key_rotation": kms_dr.get_key_rotation_status(
            KeyId=kms_dr.describe_key(KeyId=f"alias/{PREFIX}-backup")["KeyMetadata"]["KeyId"]
        )["KeyRotationEnabled"],
        "backup_role_tags": {t["Key"]: t["Value"] for t in iam.get_role(RoleName=f"{PREFIX}-backup")["Role"]["Tags"]},
        "vault_tags": backup.list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"],
        "dr_vault_tags": backup_dr.list_tags(ResourceArn=dr_vault["BackupVaultArn"])["Tags"],
        "dr_policy": dr_policy,
        "locked": vault.get("Locked", False),
        "retention": backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]["Lifecycle"][
            "DeleteAfterDays"
        ],
        "selections": [
            s["SelectionName"] for s in backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
        ],
    }


def _drift(endpoint):
    """One drift per kind of resource the read-once plans compare."""
    gd = _client(endpoint, "guardduty")
    gd.update_detector(DetectorId=gd.list_detectors()["DetectorIds"][0], FindingPublishingFrequency="SIX_HOURS")
    _client(endpoint, "events").remove_targets(Rule=f"{PREFIX}-guardduty-findings", Ids=["alarm-topic"])
    hub = _client(endpoint, "securityhub")
    hub.batch_disable_standards(
        StandardsSubscriptionArns=[
            s["StandardsSubscriptionArn"] for s in hub.get_enabled_standards()["StandardsSubscriptions"]
        ]
    )
    iam = _client(endpoint, "iam")
    iam.detach_role_policy(RoleName=f"{PREFIX}-config", PolicyArn="arn:aws:iam::aws:policy/service-role/AWS_ConfigRole")
    iam.put_role_policy(
        RoleName=f"{PREFIX}-config",
        PolicyName="deliver-configuration",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    _client(endpoint, "config").stop_configuration_recorder(ConfigurationRecorderName=PREFIX)
    _client(endpoint, "kms", DR).disable_key_rotation(
        KeyId=_client(endpoint, "kms", DR).describe_key(KeyId=f"alias/{PREFIX}-backup")["KeyMetadata"]["KeyId"]
    )
    iam.untag_role(RoleName=f"{PREFIX}-backup", TagKeys=["Name"])
    backup, backup_dr = _client(endpoint, "backup"), _client(endpoint, "backup", DR)
    vault_arn = backup.describe_backup_vault(BackupVaultName=VAULT)["BackupVaultArn"]
    backup.untag_resource(ResourceArn=vault_arn, TagKeyList=["Name"])
    dr_vault_arn = backup_dr.describe_backup_vault(BackupVaultName=VAULT)["BackupVaultArn"]
    backup_dr.untag_resource(ResourceArn=dr_vault_arn, TagKeyList=["CostCenter"])
    backup_dr.delete_backup_vault_access_policy(BackupVaultName=VAULT)
    backup.delete_backup_vault_lock_configuration(BackupVaultName=VAULT)
    plan_id = next(
        p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == PLAN
    )
    plan = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
    rules = [{k: v for k, v in rule.items() if k != "RuleId"} for rule in plan["Rules"]]
    rules[0]["Lifecycle"] = {"DeleteAfterDays": 30}
    backup.update_backup_plan(BackupPlanId=plan_id, BackupPlan={"BackupPlanName": PLAN, "Rules": rules})
    selection_id = next(
        s["SelectionId"]
        for s in backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
        if s["SelectionName"] == SELECTION
    )
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)


def test_services_read_once_converge_and_revert_each_drift(endpoint):
    _run(endpoint)

    noop = _run(endpoint)
    assert noop.recap["changed"] == 0, _changed(noop)
    assert _ran(noop, T_READ)
    assert [task for task in WRITES if _ran(noop, task)] == [], "a no-op run starts only the aws_read module"

    converged = _state(endpoint)
    _drift(endpoint)
    drifted = _state(endpoint)

    check = _run(endpoint, "--check", "--diff")
    changed = _changed(check)
    # cloudwatchevent_rule has no check mode: the task after it reports the rule's drift instead.
    expected = set(WRITES) - {T_RULE} | {T_RULE_CHECK}
    assert expected - changed == set(), check.tail(200)
    assert _state(endpoint) == drifted, "--check changed nothing"

    fix = _run(endpoint)
    assert set(WRITES) - _changed(fix) == set(), fix.tail(200)
    assert _state(endpoint) == converged

    final = _run(endpoint)
    assert final.recap["changed"] == 0, _changed(final)
    assert [task for task in WRITES if _ran(final, task)] == []
