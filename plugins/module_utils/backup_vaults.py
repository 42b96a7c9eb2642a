# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup vault helpers shared by platform_ops.aws.backup_vault_lock and
platform_ops.aws.backup_vault_access_policy.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors
and report them with ``module.fail_json_aws``.
"""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# CreateBackupVault: "letters, numbers, and hyphens", 2 to 50 characters (AWS Backup API reference).
VAULT_NAME_RE = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")

# The throttling and 5xx codes of AWS Backup's REST-JSON protocol, besides AWSRetry's own.
RETRY_CODES = ["ThrottlingException", "ServiceUnavailableException", "InternalFailure"]


def vault_name_problem(name):
    """Why ``name`` is not a backup vault name, or None when it is one."""
    if VAULT_NAME_RE.match(name or ""):
        return None
    return f"backup_vault_name {name!r} must be 2 to 50 letters, digits, hyphens and underscores"


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def describe_vault(client, name):
    """DescribeBackupVault (ResourceNotFoundException when the vault does not exist)."""
    return client.describe_backup_vault(BackupVaultName=name)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def put_lock(client, name, **lock):
    return client.put_backup_vault_lock_configuration(BackupVaultName=name, **lock)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def delete_lock(client, name):
    return client.delete_backup_vault_lock_configuration(BackupVaultName=name)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def get_access_policy(client, name):
    """GetBackupVaultAccessPolicy (ResourceNotFoundException when the vault or its policy does not exist)."""
    return client.get_backup_vault_access_policy(BackupVaultName=name)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def put_access_policy(client, name, document):
    return client.put_backup_vault_access_policy(BackupVaultName=name, Policy=document)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def delete_access_policy(client, name):
    return client.delete_backup_vault_access_policy(BackupVaultName=name)
