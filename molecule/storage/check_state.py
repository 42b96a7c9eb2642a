"""boto3 checks of the storage role's real state on the emulator."""

from __future__ import annotations

import json
import os
import sys

from botocore.exceptions import ClientError
from checks import NAME, PREFIX, REGION, check, client, done, has_standard_tags

DR_REGION = os.environ.get("PLATFORM_DR_REGION", "")
PURPOSES = ["documents", "media", "models", "assets", "backups", "logs"]
REPLICATED = ["documents", "media", "models", "backups"]
ALIAS = f"alias/{PREFIX}"
ROLE = f"{PREFIX}-s3-replication"
MISSING = {
    "404",
    "NotFoundException",
    "ServerSideEncryptionConfigurationNotFoundError",
    "ReplicationConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
}

mode = sys.argv[1]
s3 = client("s3")
iam = client("iam")
# The role's default storage_bucket_suffix: "-{account_id}" (bucket names are global across accounts).
SUFFIX = "-" + client("sts").get_caller_identity()["Account"]


def call(fn, **kwargs):
    """The API's answer, or None when the configuration does not exist."""
    try:
        return fn(**kwargs)
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in MISSING or code.startswith("NoSuch"):
            return None
        raise


def key_of(region: str):
    kms = client("kms", region)
    meta = call(kms.describe_key, KeyId=ALIAS)
    return kms, (meta or {}).get("KeyMetadata")


def tags_of_bucket(name: str) -> dict:
    tagging = call(s3.get_bucket_tagging, Bucket=name) or {}
    return {t["Key"]: t["Value"] for t in tagging.get("TagSet", [])}


def statements_of(name: str) -> list:
    policy = call(s3.get_bucket_policy, Bucket=name)
    return json.loads(policy["Policy"])["Statement"] if policy else []


def denies_insecure_transport(statements: list) -> bool:
    return any(
        s.get("Effect") == "Deny"
        and s.get("Action") in ("s3:*", ["s3:*"])
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in statements
    )


if mode == "absent":
    left = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{PREFIX}-")]
    check(not left, f"no bucket named {PREFIX}-* is left ({', '.join(left) or 'none'})")
    for region in [REGION] + ([DR_REGION] if DR_REGION else []):
        _, meta = key_of(region)
        check(
            meta is None or meta["KeyState"] in ("PendingDeletion", "PendingReplicaDeletion"),
            f"the {region} key is pending deletion",
        )
        if meta:
            check(meta.get("DeletionDate") is not None, f"the {region} key has a deletion date")
    check(call(iam.get_role, RoleName=ROLE) is None, "the replication role is gone")
    done()
    sys.exit(0)

kms, key = key_of(REGION)
check(key is not None and key["KeyState"] == "Enabled", f"KMS key {ALIAS} is enabled in {REGION}")
key_arn = (key or {}).get("Arn")
if key:
    check(kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], "KMS key rotation is on")
    key_tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
    check(has_standard_tags(key_tags), "KMS key carries the standard tags")
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    sids = {s.get("Sid") for s in policy["Statement"]}
    check("AccountAdministersTheKey" in sids, "key policy lets the account administer the key")
    via = next((s for s in policy["Statement"] if s.get("Sid") == "AccountUsesTheKeyThroughS3SnsAndSecretsManager"), {})
    services = via.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", [])
    check(
        {f"s3.{REGION}.amazonaws.com", f"sns.{REGION}.amazonaws.com", f"secretsmanager.{REGION}.amazonaws.com"}
        <= set(services),
        "key policy lets S3, SNS and Secrets Manager use the key (kms:ViaService)",
    )
    check(
        any(s.get("Principal", {}).get("Service") == f"logs.{REGION}.amazonaws.com" for s in policy["Statement"]),
        "key policy lets CloudWatch Logs use the key",
    )
    cloudfront_key = [
        s for s in policy["Statement"] if s.get("Principal", {}).get("Service") == "cloudfront.amazonaws.com"
    ]
    # The scenario has no distribution: no CloudFront statement at all (never a distribution/* wildcard).
    check(not cloudfront_key, "key policy grants CloudFront nothing while the stack has no distribution")

logs_bucket = f"{PREFIX}-logs{SUFFIX}"
for purpose in PURPOSES:
    name = f"{PREFIX}-{purpose}{SUFFIX}"
    exists = call(s3.head_bucket, Bucket=name) is not None
    check(exists, f"bucket {name} exists")
    if not exists:
        continue
    check(s3.get_bucket_versioning(Bucket=name).get("Status") == "Enabled", f"{purpose}: versioning enabled")
    rules = (
        (call(s3.get_bucket_encryption, Bucket=name) or {})
        .get("ServerSideEncryptionConfiguration", {})
        .get("Rules", [{}])
    )
    sse = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    if purpose == "logs":
        check(sse.get("SSEAlgorithm") == "AES256", "logs: SSE-S3 (AES256), so S3 and ALB access logs can be delivered")
    else:
        check(
            sse.get("SSEAlgorithm") == "aws:kms" and sse.get("KMSMasterKeyID") == key_arn,
            f"{purpose}: SSE-KMS with the platform key",
        )
        check(rules[0].get("BucketKeyEnabled") is True, f"{purpose}: S3 bucket key enabled")
    pab = (call(s3.get_public_access_block, Bucket=name) or {}).get("PublicAccessBlockConfiguration", {})
    check(
        all(
            pab.get(k) is True
            for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        ),
        f"{purpose}: public access block all on",
    )
    ownership = (
        (call(s3.get_bucket_ownership_controls, Bucket=name) or {}).get("OwnershipControls", {}).get("Rules", [{}])
    )
    check(
        ownership[0].get("ObjectOwnership") == "BucketOwnerEnforced", f"{purpose}: ACLs disabled (BucketOwnerEnforced)"
    )
    statements = statements_of(name)
    check(denies_insecure_transport(statements), f"{purpose}: policy denies requests without TLS")
    cloudfront = [s for s in statements if s.get("Principal", {}).get("Service") == "cloudfront.amazonaws.com"]
    # No distribution in this scenario: not even the assets bucket grants CloudFront anything (the
    # ecs_service scenario checks the statement pinned to its distribution).
    check(not cloudfront, f"{purpose}: CloudFront is not granted anything (no distribution of the stack yet)")
    tags = tags_of_bucket(name)
    check(has_standard_tags(tags) and tags.get("Purpose") == purpose, f"{purpose}: standard tags and Purpose")
    lifecycle = (call(s3.get_bucket_lifecycle_configuration, Bucket=name) or {}).get("Rules", [])
    rule = next((r for r in lifecycle if r.get("ID") == "platform-lifecycle"), {})
    check(rule.get("Status") == "Enabled", f"{purpose}: lifecycle rule enabled")
    check(
        rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") == 7,
        f"{purpose}: incomplete uploads aborted after 7 days",
    )
    check(
        rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", 0) > 0,
        f"{purpose}: noncurrent versions expire",
    )
    if purpose == "logs":
        check(rule.get("Expiration", {}).get("Days", 0) > 0, "logs: access logs expire")
        services = {s.get("Principal", {}).get("Service"): s for s in statements if s.get("Effect") == "Allow"}
        s3_logs = [s for s in statements if s.get("Principal", {}).get("Service") == "logging.s3.amazonaws.com"]
        # Every other bucket, and the security baseline's trail bucket (security_baseline_cloudtrail defaults on).
        sources = {s.get("Condition", {}).get("ArnLike", {}).get("aws:SourceArn") for s in s3_logs}
        check(
            f"arn:aws:s3:::{PREFIX}-trail{SUFFIX}" in sources,
            "logs: the security baseline's trail bucket may deliver its access logs",
        )
        check(
            len(s3_logs) == len(PURPOSES)
            and all(
                s["Resource"].startswith(f"arn:aws:s3:::{logs_bucket}/s3/")
                and "aws:SourceAccount" in s["Condition"]["StringEquals"]
                for s in s3_logs
            ),
            "logs: S3 log delivery may write under s3/<bucket>/ only, from this account",
        )
        alb = services.get("logdelivery.elasticloadbalancing.amazonaws.com", {})
        check(
            alb.get("Resource", "").startswith(f"arn:aws:s3:::{logs_bucket}/alb/AWSLogs/"),
            "logs: ALB log delivery may write under alb/",
        )
        elb_account = [
            s
            for s in statements
            if s.get("Effect") == "Allow" and s.get("Principal", {}).get("AWS") == "arn:aws:iam::127311923021:root"
        ]
        check(
            REGION != "us-east-1"
            or (
                len(elb_account) == 1
                and elb_account[0]["Resource"] == alb.get("Resource")
                and elb_account[0]["Action"] == "s3:PutObject"
            ),
            "logs: in us-east-1 the regional ELB account 127311923021 may write the ALB logs too",
        )
    else:
        transitions = {t["StorageClass"]: t["Days"] for t in rule.get("Transitions", [])}
        check(
            transitions == {"STANDARD_IA": 30, "GLACIER": 90}, f"{purpose}: STANDARD_IA after 30 days, GLACIER after 90"
        )
        logging = (call(s3.get_bucket_logging, Bucket=name) or {}).get("LoggingEnabled", {})
        check(
            logging.get("TargetBucket") == logs_bucket and logging.get("TargetPrefix") == f"s3/{name}/",
            f"{purpose}: access logs to {logs_bucket} under s3/{name}/",
        )
        check(not logging.get("TargetGrants"), f"{purpose}: access logging without ACL grants")

if DR_REGION:
    dr_kms, dr_key = key_of(DR_REGION)
    check(dr_key is not None and dr_key["KeyState"] == "Enabled", f"KMS key {ALIAS} is enabled in {DR_REGION}")
    dr_key_arn = (dr_key or {}).get("Arn")
    if dr_key:
        check(dr_kms.get_key_rotation_status(KeyId=dr_key["KeyId"])["KeyRotationEnabled"], "DR key rotation is on")
    role = (call(iam.get_role, RoleName=ROLE) or {}).get("Role")
    check(role is not None, f"replication role {ROLE} exists")
    if role:
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        check(
            trust["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"},
            "replication role is assumed by S3 only",
        )
        condition = trust["Statement"][0].get("Condition", {})
        sources = condition.get("ArnLike", {}).get("aws:SourceArn")
        check(
            condition.get("StringEquals", {}).get("aws:SourceAccount") == SUFFIX[1:]
            and set([sources] if isinstance(sources, str) else sources or [])
            == {f"arn:aws:s3:::{PREFIX}-{p}{SUFFIX}" for p in REPLICATED},
            "replication role: only for this account's replicated source buckets (aws:SourceAccount, aws:SourceArn)",
        )
        policy = call(iam.get_role_policy, RoleName=ROLE, PolicyName="replicate-to-dr")
        check(policy is not None, "replication role has its replicate-to-dr policy")
        if policy:
            document = policy["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            resources = {
                r
                for s in document["Statement"]
                for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
            }
            expected = {f"arn:aws:s3:::{PREFIX}-{p}{SUFFIX}{tail}" for p in REPLICATED for tail in ("", "/*", "-dr/*")}
            check(
                resources == expected | {key_arn, dr_key_arn},
                "replication role reaches only the replicated buckets and the two keys",
            )
    for purpose in PURPOSES:
        source = f"{PREFIX}-{purpose}{SUFFIX}"
        replica = f"{source}-dr"
        replication = (call(s3.get_bucket_replication, Bucket=source) or {}).get("ReplicationConfiguration")
        if purpose not in REPLICATED:
            check(call(s3.head_bucket, Bucket=replica) is None, f"{purpose}: no DR copy")
            check(replication is None, f"{purpose}: not replicated")
            continue
        check(call(s3.head_bucket, Bucket=replica) is not None, f"{purpose}: DR copy {replica} exists")
        location = s3.get_bucket_location(Bucket=replica).get("LocationConstraint")
        check(location == DR_REGION, f"{purpose}: DR copy lives in {DR_REGION}")
        check(s3.get_bucket_versioning(Bucket=replica).get("Status") == "Enabled", f"{purpose}: DR copy versioned")
        rules = (
            (call(s3.get_bucket_encryption, Bucket=replica) or {})
            .get("ServerSideEncryptionConfiguration", {})
            .get("Rules", [{}])
        )
        sse = rules[0].get("ApplyServerSideEncryptionByDefault", {})
        check(
            sse.get("SSEAlgorithm") == "aws:kms" and sse.get("KMSMasterKeyID") == dr_key_arn,
            f"{purpose}: DR copy encrypted with the DR key",
        )
        pab = (call(s3.get_public_access_block, Bucket=replica) or {}).get("PublicAccessBlockConfiguration", {})
        check(all(pab.values()) and len(pab) == 4, f"{purpose}: DR copy public access block all on")
        check(denies_insecure_transport(statements_of(replica)), f"{purpose}: DR copy denies requests without TLS")
        check(has_standard_tags(tags_of_bucket(replica)), f"{purpose}: DR copy carries the standard tags")
        source_rules = (call(s3.get_bucket_lifecycle_configuration, Bucket=source) or {}).get("Rules", [])
        replica_rules = (call(s3.get_bucket_lifecycle_configuration, Bucket=replica) or {}).get("Rules", [])
        replica_rule = next((r for r in replica_rules if r.get("ID") == "platform-lifecycle"), None)
        check(
            replica_rule is not None
            and replica_rule == next((r for r in source_rules if r.get("ID") == "platform-lifecycle"), None)
            and replica_rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", 0) > 0
            and {t.get("StorageClass") for t in replica_rule.get("Transitions", [])} == {"STANDARD_IA", "GLACIER"},
            f"{purpose}: DR copy ages out like its source (IA, Glacier, noncurrent expiry)",
        )
        check(
            replication is not None and replication["Role"].endswith(f":role/{ROLE}"),
            f"{purpose}: replicated with {ROLE}",
        )
        if replication:
            rule = replication["Rules"][0]
            destination = rule["Destination"]
            check(
                rule["Status"] == "Enabled" and destination["Bucket"] == f"arn:aws:s3:::{replica}",
                f"{purpose}: replicated to {replica}",
            )
            check(
                destination.get("EncryptionConfiguration", {}).get("ReplicaKmsKeyID") == dr_key_arn,
                f"{purpose}: replicas encrypted with the DR key",
            )
            check(
                rule.get("SourceSelectionCriteria", {}).get("SseKmsEncryptedObjects", {}).get("Status") == "Enabled",
                f"{purpose}: SSE-KMS objects are replicated",
            )
            check(destination.get("StorageClass") == "STANDARD_IA", f"{purpose}: replicas stored as STANDARD_IA")
            check(
                rule.get("DeleteMarkerReplication", {}).get("Status") == "Disabled",
                f"{purpose}: delete markers are not replicated",
            )

print(f"checked the storage of {NAME}")
done()
