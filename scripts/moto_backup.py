"""AWS Backup as AWS answers it, where moto 5.2.5 does not (applied by moto_fixes._patch_backup).

moto implements vaults, plans and vault lock, but not: UpdateBackupPlan, the backup selections
(Create/Get/List/DeleteBackupSelection), the vault access policy (Put/Get/DeleteBackupVaultAccessPolicy),
ListRecoveryPointsByBackupVault and DeleteRecoveryPoint (a 500 or a 404 for each). And where it does
answer it diverges from AWS (AWS Backup API reference, each operation's Errors):

- DeleteBackupPlan of a plan that still has selections: AWS refuses (InvalidRequestException,
  "Related backup plan selections must be deleted prior to backup plan deletion"); moto deletes it.
- CreateBackupPlan after the plan of that name was deleted: AWS creates it; moto answers
  AlreadyExistsException (it keeps deleted plans and compares their names).
- DeleteBackupVault of a missing vault: AccessDeniedException (moto: 200); of a vault that still
  holds recovery points: InvalidRequestException (moto deletes it).
- A vault that does not exist: AWS answers AccessDeniedException (403, "Insufficient privileges to
  perform this action.") to DescribeBackupVault, ListRecoveryPointsByBackupVault and the other calls on
  one vault, even to a caller with every permission (aws/aws-sdk-js#2625, amazon.aws#1436 whose
  backup_vault module relies on it); moto answers ResourceNotFoundException.
- DescribeBackupVault omits NumberOfRecoveryPoints, EncryptionKeyArn, Locked... when moto serialises the
  model object; answer every field AWS returns.

moto runs no backup job, so a vault's recovery points are only those a test puts there through
``add_recovery_point`` (tests/integration/modules/test_moto_backup.py).
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from moto.backup import urls as backup_urls
from moto.backup.exceptions import (
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend, Plan, Vault
from moto.backup.responses import BackupResponse
from moto.core.exceptions import JsonRESTError
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random

SELECTION_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
CONDITION_KEYS = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")


def _selections(backend: BackupBackend) -> dict:
    if not hasattr(backend, "selections"):
        backend.selections = {}
    return backend.selections


def _live_plan(backend: BackupBackend, plan_id: str) -> Plan:
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise ResourceNotFoundException(msg=f"Failed reading Backup plan with provided version: {plan_id}")
    return plan


class AccessDeniedException(JsonRESTError):
    code = 403

    def __init__(self) -> None:
        super().__init__("AccessDeniedException", "Insufficient privileges to perform this action.")


# moto finds an error's service model by the exception's module (moto.<service>.…).
AccessDeniedException.__module__ = "moto.backup.exceptions"


def _vault(backend: BackupBackend, name: str) -> Vault:
    """The vault; AccessDeniedException when it does not exist, as AWS answers."""
    vault = backend.vaults.get(name)
    if vault is None:
        raise AccessDeniedException()
    return vault


def _points(vault: Vault) -> dict:
    if not hasattr(vault, "recovery_points"):
        vault.recovery_points = {}
    return vault.recovery_points


def add_recovery_point(backend: BackupBackend, vault_name: str, resource_arn: str, resource_type: str) -> str:
    """A completed recovery point of ``resource_arn`` in the vault (moto runs no backup job)."""
    vault = _vault(backend, vault_name)
    point_id = str(mock_random.uuid4())
    arn = f"arn:aws:backup:{backend.region_name}:{backend.account_id}:recovery-point:{point_id}"
    _points(vault)[arn] = {
        "RecoveryPointArn": arn,
        "BackupVaultName": vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": resource_arn,
        "ResourceType": resource_type,
        "Status": "COMPLETED",
        "CreationDate": unix_time(),
        "EncryptionKeyArn": vault.encryption_key_arn,
        "IsEncrypted": True,
    }
    vault.num_of_recovery_points = len(_points(vault))
    return arn


def _normalized_selection(selection: dict) -> dict:
    """The selection as GetBackupSelection answers it: every list present, every condition operator listed."""
    out = dict(selection)
    for key in ("Resources", "NotResources", "ListOfTags"):
        out[key] = list(out.get(key) or [])
    conditions = out.get("Conditions") or {}
    out["Conditions"] = {key: list(conditions.get(key) or []) for key in CONDITION_KEYS}
    return out


def create_backup_selection(self):
    backend = self.backup_backend
    plan_id = unquote(self.path.split("/plans/")[-1].split("/")[0])
    params = json.loads(self.body or "{}")
    selection = params.get("BackupSelection") or {}
    name = selection.get("SelectionName") or ""
    if not SELECTION_NAME.match(name):
        raise InvalidParameterValueException(
            msg=f"Invalid selection name {name!r}: 1 to 50 letters, digits, hyphens, underscores or periods"
        )
    role = selection.get("IamRoleArn") or ""
    if not role.startswith("arn:") or ":role/" not in role:
        raise InvalidParameterValueException(msg=f"IamRoleArn must be the ARN of an IAM role, got {role!r}")
    _live_plan(backend, plan_id)
    selection_id = str(mock_random.uuid4())
    created = unix_time()
    _selections(backend)[selection_id] = {
        "SelectionId": selection_id,
        "BackupPlanId": plan_id,
        "CreationDate": created,
        "CreatorRequestId": params.get("CreatorRequestId"),
        "BackupSelection": _normalized_selection(selection),
    }
    return json.dumps({"SelectionId": selection_id, "BackupPlanId": plan_id, "CreationDate": created})


def _selection_from_path(self) -> tuple[str, str]:
    rest = self.path.split("/plans/")[-1].rstrip("/").split("/")
    return unquote(rest[0]), unquote(rest[-1])


def get_backup_selection(self):
    backend = self.backup_backend
    plan_id, selection_id = _selection_from_path(self)
    _live_plan(backend, plan_id)
    found = _selections(backend).get(selection_id)
    if found is None or found["BackupPlanId"] != plan_id:
        raise ResourceNotFoundException(msg=f"Failed reading Backup selection {selection_id} of plan {plan_id}")
    return json.dumps({k: v for k, v in found.items() if v is not None})


def list_backup_selections(self):
    backend = self.backup_backend
    plan_id = unquote(self.path.split("/plans/")[-1].split("/")[0])
    _live_plan(backend, plan_id)
    listed = [
        {
            "SelectionId": s["SelectionId"],
            "SelectionName": s["BackupSelection"]["SelectionName"],
            "BackupPlanId": plan_id,
            "CreationDate": s["CreationDate"],
            "IamRoleArn": s["BackupSelection"]["IamRoleArn"],
        }
        for s in _selections(backend).values()
        if s["BackupPlanId"] == plan_id
    ]
    return json.dumps({"BackupSelectionsList": listed})


def delete_backup_selection(self):
    backend = self.backup_backend
    plan_id, selection_id = _selection_from_path(self)
    found = _selections(backend).get(selection_id)
    if found is None or found["BackupPlanId"] != plan_id:
        raise ResourceNotFoundException(msg=f"Failed reading Backup selection {selection_id} of plan {plan_id}")
    del _selections(backend)[selection_id]
    return "{}"


def update_backup_plan(self):
    backend = self.backup_backend
    plan_id = unquote(self.path.split("/plans/")[-1].strip("/"))
    plan = _live_plan(backend, plan_id)
    document = (json.loads(self.body or "{}")).get("BackupPlan") or {}
    if document.get("BackupPlanName") != plan.backup_plan["BackupPlanName"]:
        # AWS keeps the name: UpdateBackupPlan cannot rename a plan.
        raise InvalidParameterValueException(msg="BackupPlanName cannot be changed by UpdateBackupPlan")
    fresh = Plan(backup_plan=document, creator_request_id=plan.creator_request_id, backend=backend)
    plan.backup_plan = fresh.backup_plan
    plan.advanced_backup_settings = fresh.advanced_backup_settings
    plan.version_id = fresh.version_id
    return json.dumps(plan.to_dict())


def _vault_name(self) -> str:
    return unquote(self.path.split("/backup-vaults/")[-1].split("/")[0])


def put_backup_vault_access_policy(self):
    vault = _vault(self.backup_backend, _vault_name(self))
    policy = (json.loads(self.body or "{}")).get("Policy")
    try:
        document = json.loads(policy) if policy else None
    except ValueError:
        document = None
    if not isinstance(document, dict) or not document.get("Statement"):
        raise InvalidParameterValueException(msg="Policy must be a JSON policy document with a Statement")
    vault.access_policy = policy
    return "{}"


def get_backup_vault_access_policy(self):
    vault = _vault(self.backup_backend, _vault_name(self))
    policy = getattr(vault, "access_policy", None)
    if not policy:
        raise ResourceNotFoundException(msg=f"Backup vault {vault.backup_vault_name} has no access policy")
    return json.dumps(
        {"BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn, "Policy": policy}
    )


def delete_backup_vault_access_policy(self):
    vault = _vault(self.backup_backend, _vault_name(self))
    vault.access_policy = None
    return "{}"


def list_recovery_points_by_backup_vault(self):
    vault = _vault(self.backup_backend, _vault_name(self))
    return json.dumps({"RecoveryPoints": list(_points(vault).values())})


def delete_recovery_point(self):
    vault = _vault(self.backup_backend, _vault_name(self))
    arn = unquote(self.path.split("/recovery-points/")[-1].rstrip("/"))
    if arn not in _points(vault):
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found")
    if vault.locked and vault.min_retention_days:
        created = _points(vault)[arn]["CreationDate"]
        if unix_time() - created < vault.min_retention_days * 86400:
            raise InvalidRequestException(
                msg=f"Recovery point {arn} cannot be deleted before the vault lock's minimum retention "
                f"({vault.min_retention_days} days)"
            )
    del _points(vault)[arn]
    vault.num_of_recovery_points = len(_points(vault))
    return "{}"


def describe_backup_vault(self):
    vault = _vault(self.backup_backend, _vault_name(self))
    answer = vault.to_list_dict()
    answer.update(
        {"VaultType": "BACKUP_VAULT", "VaultState": "AVAILABLE", "NumberOfRecoveryPoints": len(_points(vault))}
    )
    return json.dumps(answer)


def patch() -> None:
    original_delete_plan = BackupBackend.delete_backup_plan
    original_create_plan = BackupBackend.create_backup_plan

    def delete_backup_plan(self, backup_plan_id):
        if any(s["BackupPlanId"] == backup_plan_id for s in _selections(self).values()):
            raise InvalidRequestException(
                msg="Related backup plan selections must be deleted prior to backup plan deletion"
            )
        return original_delete_plan(self, backup_plan_id)

    def create_backup_plan(self, backup_plan, backup_plan_tags, creator_request_id):
        # Deleted plans do not hold their name.
        deleted = {k: p for k, p in self.plans.items() if p.deletion_date is not None}
        for key in deleted:
            del self.plans[key]
        try:
            return original_create_plan(self, backup_plan, backup_plan_tags, creator_request_id)
        finally:
            self.plans.update(deleted)

    def delete_backup_vault(self, backup_vault_name):
        vault = _vault(self, backup_vault_name)
        if _points(vault):
            raise InvalidRequestException(
                msg=f"Backup vault {backup_vault_name} cannot be deleted because it contains recovery points"
            )
        del self.vaults[backup_vault_name]

    for name in ("put_backup_vault_lock_configuration", "delete_backup_vault_lock_configuration"):
        original = getattr(BackupBackend, name)

        def vault_first(self, backup_vault_name, *args, _original=original, **kwargs):
            _vault(self, backup_vault_name)
            return _original(self, backup_vault_name, *args, **kwargs)

        setattr(BackupBackend, name, vault_first)
    BackupBackend.delete_backup_plan = delete_backup_plan
    BackupBackend.create_backup_plan = create_backup_plan
    BackupBackend.delete_backup_vault = delete_backup_vault
    for handler in (
        create_backup_selection,
        get_backup_selection,
        list_backup_selections,
        delete_backup_selection,
        update_backup_plan,
        put_backup_vault_access_policy,
        get_backup_vault_access_policy,
        delete_backup_vault_access_policy,
        list_recovery_points_by_backup_vault,
        delete_recovery_point,
        describe_backup_vault,
    ):
        setattr(BackupResponse, handler.__name__, handler)
    dispatch = backup_urls.response.dispatch
    backup_urls.url_paths.update(
        {
            "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$": dispatch,
            "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$": dispatch,
            "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$": dispatch,
        }
    )
