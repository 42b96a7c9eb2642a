#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_vault_lock
version_added: 0.1.0
short_description: Manage the AWS Backup Vault Lock of an existing backup vault
description:
  - Ensures an existing AWS Backup vault has the given Vault Lock configuration (minimum and maximum
    retention of its recovery points), or none. C(amazon.aws.backup_vault) creates the vault but cannot lock it.
  - Without O(changeable_for_days) the lock is in B(governance mode) - users with the IAM permission can
    still change or remove it.
  - With O(changeable_for_days) the lock is in B(compliance mode) - after that many days (the grace time,
    at least 3) the lock becomes B(immutable). From its lock date on, nobody (not the account root, not AWS)
    can change or remove the lock, shorten a recovery point's retention or delete the vault before every
    recovery point expired. This cannot be undone; the module refuses to change or remove such a lock and says so.
  - The vault is read with one DescribeBackupVault request; PutBackupVaultLockConfiguration or
    DeleteBackupVaultLockConfiguration is called only when the lock differs. AWS does not report the
    grace time of a compliance-mode lock, only its lock date, so a lock that already is in compliance mode
    with the given retention is left alone (putting it again would move the lock date).
author: Platform Ops Maintainers (@platform-ops)
options:
  backup_vault_name:
    description:
      - Name of the backup vault. It must exist.
    type: str
    required: true
  min_retention_days:
    description:
      - The shortest retention, in days, of a recovery point in the vault (1 to 36500). Backup and copy jobs
        whose lifecycle keeps a recovery point for less fail.
      - Omitted, the lock enforces no minimum.
    type: int
  max_retention_days:
    description:
      - The longest retention, in days, of a recovery point in the vault (1 to 36500, at least O(min_retention_days)).
      - Omitted, the lock enforces no maximum.
    type: int
  changeable_for_days:
    description:
      - Compliance mode - the number of days (3 to 36500) before the lock becomes immutable.
      - Omitted, the lock is in governance mode.
    type: int
  state:
    description:
      - V(present) puts the lock configuration; V(absent) removes the lock (refused once a compliance-mode lock is immutable).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports C(check_mode) and C(diff) (the lock before and after).
  - A run that changes nothing makes exactly one request (DescribeBackupVault).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the backup vault keeps recovery points 35 days to 10 years (governance mode)
  platform_ops.aws.backup_vault_lock:
    backup_vault_name: caseapp-prod-vault
    min_retention_days: 35
    max_retention_days: 3650

- name: Ensure the backup vault lock turns immutable after a 7-day grace time (compliance mode, irreversible)
  platform_ops.aws.backup_vault_lock:
    backup_vault_name: caseapp-prod-vault
    min_retention_days: 35
    max_retention_days: 3650
    changeable_for_days: 7

- name: Ensure the backup vault has no lock
  platform_ops.aws.backup_vault_lock:
    backup_vault_name: caseapp-dev-vault
    state: absent
"""

RETURN = r"""
lock:
  description: The vault's lock after the task (as predicted in check mode).
  returned: always
  type: dict
  contains:
    locked:
      description: Whether the vault has a lock.
      type: bool
      sample: true
    min_retention_days:
      description: Minimum retention enforced, in days; null for none.
      type: int
      sample: 35
    max_retention_days:
      description: Maximum retention enforced, in days; null for none.
      type: int
      sample: 3650
    mode:
      description: V(none), V(governance), V(compliance) (lock date still ahead) or V(immutable) (lock date passed).
      type: str
      sample: governance
    lock_date:
      description: When a compliance-mode lock becomes immutable (ISO 8601); null in governance mode.
      type: str
      sample: "2026-12-11T08:00:00+00:00"
backup_vault_arn:
  description: ARN of the vault.
  returned: always
  type: str
  sample: arn:aws:backup:us-east-1:123456789012:backup-vault:caseapp-prod-vault
diff:
  description: The lock before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

import datetime

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.backup_vaults import (
    delete_lock,
    describe_vault,
    put_lock,
    vault_name_problem,
)

MAX_DAYS = 36500
UTC = datetime.timezone.utc  # noqa: UP017 - datetime.UTC needs Python 3.11 on the target


def validate(module):
    params = module.params
    problems = []
    name_problem = vault_name_problem(params["backup_vault_name"])
    if name_problem:
        problems.append(name_problem)
    low, high, grace = params["min_retention_days"], params["max_retention_days"], params["changeable_for_days"]
    for key, value, floor in (
        ("min_retention_days", low, 1),
        ("max_retention_days", high, 1),
        ("changeable_for_days", grace, 3),
    ):
        if value is not None and not floor <= value <= MAX_DAYS:
            problems.append(f"{key} must be {floor} to {MAX_DAYS}, got {value}")
    if low is not None and high is not None and low > high:
        problems.append(f"min_retention_days ({low}) may not exceed max_retention_days ({high})")
    if problems:
        module.fail_json(msg="; ".join(problems))


def _iso(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        value = datetime.datetime.fromtimestamp(value, tz=UTC)
    return value.isoformat()


def current_lock(vault, now):
    """The vault's lock as this module reports it."""
    lock_date = vault.get("LockDate")
    if not vault.get("Locked"):
        mode = "none"
    elif lock_date is None:
        mode = "governance"
    else:
        if isinstance(lock_date, (int, float)):
            lock_date = datetime.datetime.fromtimestamp(lock_date, tz=UTC)
        mode = "immutable" if lock_date <= now else "compliance"
    return {
        "locked": bool(vault.get("Locked")),
        "min_retention_days": vault.get("MinRetentionDays") if vault.get("Locked") else None,
        "max_retention_days": vault.get("MaxRetentionDays") if vault.get("Locked") else None,
        "mode": mode,
        "lock_date": _iso(lock_date) if vault.get("Locked") else None,
    }


def main():
    argument_spec = dict(
        backup_vault_name=dict(type="str", required=True),
        min_retention_days=dict(type="int"),
        max_retention_days=dict(type="int"),
        changeable_for_days=dict(type="int"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    params = module.params
    name = params["backup_vault_name"]
    present = params["state"] == "present"
    client = module.client("backup")

    try:
        vault = describe_vault(client, name)
    except is_boto3_error_code(["AccessDeniedException", "ResourceNotFoundException"]):
        # AWS answers AccessDenied for a vault that does not exist, even to a caller with every permission.
        module.fail_json(
            msg=f"Backup vault {name} does not exist (or the caller may not backup:DescribeBackupVault): "
            "create it (amazon.aws.backup_vault) before locking it"
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe backup vault {name}")

    before = current_lock(vault, datetime.datetime.now(UTC))
    after = before
    changed = False
    if present:
        wanted_mode = "compliance" if params["changeable_for_days"] is not None else "governance"
        same_retention = [before["min_retention_days"], before["max_retention_days"]] == [
            params["min_retention_days"],
            params["max_retention_days"],
        ]
        in_sync = same_retention and (
            before["mode"] == wanted_mode or (wanted_mode == "compliance" and before["mode"] == "immutable")
        )
        if not in_sync:
            if before["mode"] == "immutable":
                module.fail_json(
                    msg=f"Backup vault {name} has an immutable compliance-mode lock since {before['lock_date']} "
                    f"(min {before['min_retention_days']}, max {before['max_retention_days']} days): AWS lets nobody "
                    "change or remove it. Set the role's lock variables to these values.",
                    lock=before,
                )
            changed = True
            after = {
                "locked": True,
                "min_retention_days": params["min_retention_days"],
                "max_retention_days": params["max_retention_days"],
                "mode": wanted_mode,
                "lock_date": None,
            }
            if not module.check_mode:
                api_lock = {
                    "MinRetentionDays": params["min_retention_days"],
                    "MaxRetentionDays": params["max_retention_days"],
                    "ChangeableForDays": params["changeable_for_days"],
                }
                try:
                    if before["mode"] == "compliance" and wanted_mode == "governance":
                        # A pending compliance lock keeps its lock date across a put: remove it first.
                        delete_lock(client, name)
                    put_lock(client, name, **{k: v for k, v in api_lock.items() if v is not None})
                    vault = describe_vault(client, name)
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    module.fail_json_aws(e, msg=f"Failed to put the vault lock configuration of backup vault {name}")
                after = current_lock(vault, datetime.datetime.now(UTC))
    elif before["locked"]:
        if before["mode"] == "immutable":
            module.fail_json(
                msg=f"Backup vault {name} has an immutable compliance-mode lock since {before['lock_date']}: "
                "AWS lets nobody remove it.",
                lock=before,
            )
        changed = True
        after = {
            "locked": False,
            "min_retention_days": None,
            "max_retention_days": None,
            "mode": "none",
            "lock_date": None,
        }
        if not module.check_mode:
            try:
                delete_lock(client, name)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Failed to delete the vault lock configuration of backup vault {name}")

    result = {"lock": after, "backup_vault_arn": vault.get("BackupVaultArn", "")}
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
