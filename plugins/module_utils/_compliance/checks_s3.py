# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's S3 checks."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    AuditError,
    _each,
    _passfail,
    result,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (
    _as_list,
    _principal_is_everyone,
    _statements,
)


# --- S3 -----------------------------------------------------------------------------------------
@check("S3.ENCRYPTION")
def _s3_encryption(a):
    def evaluate(bucket):
        resp = a.call(
            "s3",
            "get_bucket_encryption",
            ignore=("ServerSideEncryptionConfigurationNotFoundError",),
            Bucket=bucket["name"],
        )
        rules = ((resp or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules", [])
        algorithms = [(r.get("ApplyServerSideEncryptionByDefault") or {}) for r in rules]
        for default in algorithms:
            if default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
                key = default.get("KMSMasterKeyID") or "the AWS managed aws/s3 key"
                return result(bucket, "PASS", f"default encryption {default['SSEAlgorithm']} with {key}")
        if bucket["name"] in a.log_buckets() and any(d.get("SSEAlgorithm") == "AES256" for d in algorithms):
            return result(
                bucket,
                "PASS",
                "SSE-S3 on the access-log destination bucket (S3 server access log delivery does not support SSE-KMS)",
            )
        if algorithms:
            used = ", ".join(sorted({d.get("SSEAlgorithm", "?") for d in algorithms}))
            return result(bucket, "FAIL", f"default encryption is {used} (SSE-S3), not SSE-KMS")
        return result(bucket, "FAIL", "no default encryption configuration")

    return _each(a.buckets(), evaluate)


def _tls_only_statement(statement):
    if statement.get("Effect") != "Deny" or not _principal_is_everyone(statement.get("Principal")):
        return False
    actions = _as_list(statement.get("Action"))
    if not any(action in ("*", "s3:*") for action in actions):
        return False
    for operator, conditions in (statement.get("Condition") or {}).items():
        if not operator.startswith("Bool"):
            continue
        for key, value in conditions.items():
            if key.lower() == "aws:securetransport" and [str(v).lower() for v in _as_list(value)] == ["false"]:
                return True
    return False


@check("S3.TLS_ONLY")
def _s3_tls_only(a):
    def evaluate(bucket):
        policy = a.bucket_policy(bucket["name"])
        if policy is None:
            return result(bucket, "FAIL", "no bucket policy, so plain HTTP requests are not denied")
        ok = any(_tls_only_statement(st) for st in _statements(policy))
        return _passfail(
            bucket,
            ok,
            "policy denies s3:* when aws:SecureTransport is false",
            "no Deny statement for aws:SecureTransport=false covering s3:*",
        )

    return _each(a.buckets(), evaluate)


@check("S3.POLICY_PUBLIC")
def _s3_policy_public(a):
    def evaluate(bucket):
        policy = a.bucket_policy(bucket["name"])
        if policy is None:
            return result(bucket, "PASS", "no bucket policy")
        public = [
            st.get("Sid") or f"statement {index}"
            for index, st in enumerate(_statements(policy))
            if st.get("Effect") == "Allow" and _principal_is_everyone(st.get("Principal")) and not st.get("Condition")
        ]
        return _passfail(
            bucket,
            not public,
            "no unconditional Allow for Principal *",
            f"Allow for Principal * without conditions: {', '.join(public)}",
        )

    return _each(a.buckets(), evaluate)


@check("S3.PUBLIC_ACCESS_BLOCK")
def _s3_public_access_block(a):
    settings = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")

    def evaluate(bucket):
        resp = a.call(
            "s3", "get_public_access_block", ignore=("NoSuchPublicAccessBlockConfiguration",), Bucket=bucket["name"]
        )
        if resp is None:
            return result(bucket, "FAIL", "no bucket public access block configuration")
        config = resp.get("PublicAccessBlockConfiguration", {})
        off = [name for name in settings if not config.get(name)]
        return _passfail(bucket, not off, "all four public access block settings are on", f"off: {', '.join(off)}")

    return _each(a.buckets(), evaluate)


@check("S3.VERSIONING")
def _s3_versioning(a):
    def evaluate(bucket):
        status = a.call("s3", "get_bucket_versioning", Bucket=bucket["name"]).get("Status") or "never enabled"
        return _passfail(bucket, status == "Enabled", "versioning Enabled", f"versioning is {status}")

    return _each(a.buckets(), evaluate)


@check("S3.ACCESS_LOGGING")
def _s3_access_logging(a):
    def evaluate(bucket):
        if bucket["name"] in a.log_buckets():
            return result(bucket, "NOT_APPLICABLE", "this is the platform's access-log destination bucket")
        logging = a.bucket_logging(bucket["name"])
        if logging:
            return result(
                bucket, "PASS", f"access logs to s3://{logging.get('TargetBucket')}/{logging.get('TargetPrefix', '')}"
            )
        return result(bucket, "FAIL", "server access logging is off")

    return _each(a.buckets(), evaluate)


@check("S3.REPLICATION")
def _s3_replication(a):
    def evaluate(bucket):
        if not a.dr_region:
            return result(bucket, "NOT_APPLICABLE", "no dr_region set")
        if bucket["name"] in a.log_buckets():
            return result(bucket, "NOT_APPLICABLE", "access-log destination bucket; replication not required")
        if a.bucket_region(bucket["name"]) == a.dr_region:
            return result(bucket, "NOT_APPLICABLE", f"bucket is in the DR region {a.dr_region}")
        resp = a.call(
            "s3", "get_bucket_replication", ignore=("ReplicationConfigurationNotFoundError",), Bucket=bucket["name"]
        )
        rules = [
            r
            for r in ((resp or {}).get("ReplicationConfiguration") or {}).get("Rules", [])
            if r.get("Status") == "Enabled"
        ]
        if not rules:
            return result(bucket, "FAIL", f"no enabled replication rule (DR region {a.dr_region})")
        destinations = sorted({(r.get("Destination") or {}).get("Bucket", "?") for r in rules})
        for destination in destinations:
            dest_name = destination.split(":::")[-1]
            try:
                dest_region = a.bucket_region(dest_name)
            except AuditError:
                continue  # the destination may belong to another account
            if dest_region == a.dr_region:
                return result(bucket, "PASS", f"replicates to {destination} in {a.dr_region}")
        return result(
            bucket, "FAIL", f"replicates to {', '.join(destinations)}, none confirmed in DR region {a.dr_region}"
        )

    return _each(a.buckets(), evaluate)
