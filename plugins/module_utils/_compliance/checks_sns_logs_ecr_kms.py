# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's checks of SNS topics, CloudWatch log groups, Secrets Manager secrets, EBS default
encryption, ECR repositories and KMS keys.
"""

from __future__ import annotations

import fnmatch

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    _each,
    _passfail,
    result,
)


# --- SNS, logs, secrets, ECR, KMS, EBS ----------------------------------------------------------
@check("SNS.ENCRYPTION")
def _sns_encryption(a):
    return _each(
        a.topics(),
        lambda t: _passfail(
            t, t["data"].get("KmsMasterKeyId"), f"encrypted with {t['data'].get('KmsMasterKeyId')}", "no KmsMasterKeyId"
        ),
    )


@check("LOGS.ENCRYPTION")
def _logs_encryption(a):
    return _each(
        a.log_groups(),
        lambda g: _passfail(
            g, g["data"].get("kmsKeyId"), f"encrypted with {g['data'].get('kmsKeyId')}", "no KMS key associated"
        ),
    )


@check("LOGS.RETENTION")
def _logs_retention(a):
    minimum = 365 if a.is_prod else 90

    def evaluate(group):
        days = group["data"].get("retentionInDays")
        if days is None:
            return result(
                group,
                "FAIL",
                f"no retention set (events never expire; required: a retention of at least {minimum} days)",
            )
        return _passfail(
            group,
            int(days) >= minimum,
            f"retention {days} days",
            f"retention {days} days (< {minimum} in {a.platform_env})",
        )

    return _each(a.log_groups(), evaluate)


@check("SECRETSMANAGER.CMK")
def _secrets_cmk(a):
    def evaluate(secret):
        key = secret["data"].get("KmsKeyId")
        ok = bool(key) and key != "alias/aws/secretsmanager"
        return _passfail(secret, ok, f"encrypted with {key}", "encrypted with the AWS managed key aws/secretsmanager")

    return _each(a.secrets(), evaluate)


@check("EC2.EBS_DEFAULT_ENCRYPTION")
def _ebs_default(a):
    resp = a.call("ec2", "get_ebs_encryption_by_default")
    on = bool(resp.get("EbsEncryptionByDefault"))
    resource = f"ebs-encryption-by-default:{a.region}"
    return [_passfail(resource, on, "on for the account in this region", "off for the account in this region")]


@check("ECR.ENCRYPTION")
def _ecr_encryption(a):
    def evaluate(repo):
        kind = (repo["data"].get("encryptionConfiguration") or {}).get("encryptionType", "AES256")
        return _passfail(
            repo, kind in ("KMS", "KMS_DSSE"), f"encryption {kind}", f"encryption {kind} (AWS owned key), not KMS"
        )

    return _each(a.repositories(), evaluate)


def _registry_scans(a, repo_name):
    config = a.registry_scanning()
    if config.get("scanType") != "ENHANCED":
        return None
    for rule in config.get("rules", []):
        if rule.get("scanFrequency") not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
            continue
        for flt in rule.get("repositoryFilters", []):
            if fnmatch.fnmatchcase(repo_name, flt.get("filter", "")):
                return rule["scanFrequency"]
    return None


@check("ECR.SCAN_ON_PUSH")
def _ecr_scan(a):
    def evaluate(repo):
        if (repo["data"].get("imageScanningConfiguration") or {}).get("scanOnPush"):
            return result(repo, "PASS", "scan on push")
        registry = _registry_scans(a, repo["name"])
        if registry:
            return result(repo, "PASS", f"registry-level enhanced scanning ({registry})")
        return result(repo, "FAIL", "scanOnPush is false and no registry scanning rule covers the repository")

    return _each(a.repositories(), evaluate)


@check("ECR.IMMUTABLE_TAGS")
def _ecr_immutable(a):
    def evaluate(repo):
        mutability = repo["data"].get("imageTagMutability", "MUTABLE")
        return _passfail(
            repo, mutability.startswith("IMMUTABLE"), f"tags {mutability}", f"imageTagMutability is {mutability}"
        )

    return _each(a.repositories(), evaluate)


@check("KMS.KEY_ROTATION")
def _kms_rotation(a):
    def evaluate(key):
        meta = key["data"]
        if (
            meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT"
            or meta.get("Origin", "AWS_KMS") != "AWS_KMS"
        ):
            return result(
                key,
                "NOT_APPLICABLE",
                f"automatic rotation not supported for {meta.get('KeySpec')} / {meta.get('Origin')} keys",
            )
        enabled = a.call("kms", "get_key_rotation_status", KeyId=key["name"]).get("KeyRotationEnabled")
        return _passfail(key, enabled, "automatic rotation on", "automatic key rotation is off")

    return _each(a.kms_keys(), evaluate)
