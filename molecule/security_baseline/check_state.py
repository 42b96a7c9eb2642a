"""boto3 checks of the security_baseline role's real state on the emulator.

One section per service; each engineer of issue 13 owns a section (CloudTrail and AWS Config: S1a,
GuardDuty and Security Hub: S1b, AWS Backup: S2). ``present`` runs after converge, ``absent`` after
cleanup (security_baseline_keep_data: false, so nothing is left).
"""

from __future__ import annotations

import json
import sys

from botocore.exceptions import ClientError
from checks import PREFIX, REGION, STANDARD_TAGS, check, client, done, has_standard_tags, tags_of

mode = sys.argv[1]
ACCOUNT = client("sts").get_caller_identity()["Account"]
KMS_ALIAS = f"alias/{PREFIX}-baseline"
TRAIL = f"{PREFIX}-trail"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL}"
TRAIL_BUCKET = f"{PREFIX}-trail-{ACCOUNT}"
TRAIL_LOG_GROUP = f"/platform/{PREFIX}/cloudtrail"
TRAIL_ROLE = f"{PREFIX}-cloudtrail-logs"
CONFIG_RECORDER = PREFIX
CONFIG_ROLE = f"{PREFIX}-config"


def error_code(e: ClientError) -> str:
    return e.response["Error"]["Code"]


def baseline_key():
    try:
        return client("kms").describe_key(KeyId=KMS_ALIAS)["KeyMetadata"]
    except ClientError as e:
        if error_code(e) == "NotFoundException":
            return None
        raise


def trail():
    trails = client("cloudtrail").describe_trails(trailNameList=[TRAIL], includeShadowTrails=False)["trailList"]
    return trails[0] if trails else None


def bucket_exists() -> bool:
    try:
        client("s3").head_bucket(Bucket=TRAIL_BUCKET)
        return True
    except ClientError as e:
        if error_code(e) in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise


def log_group():
    groups = client("logs").describe_log_groups(logGroupNamePrefix=TRAIL_LOG_GROUP)["logGroups"]
    return next((g for g in groups if g["logGroupName"] == TRAIL_LOG_GROUP), None)


def role(name: str):
    try:
        return client("iam").get_role(RoleName=name)["Role"]
    except ClientError as e:
        if error_code(e) == "NoSuchEntity":
            return None
        raise


def recorders() -> list:
    return client("config").describe_configuration_recorders()["ConfigurationRecorders"]


def statements(document) -> list:
    if isinstance(document, str):
        document = json.loads(document)
    found = document.get("Statement", [])
    return found if isinstance(found, list) else [found]


def principal_services(statement) -> list:
    services = (statement.get("Principal") or {}).get("Service", [])
    return services if isinstance(services, list) else [services]


def actions(statement) -> list:
    found = statement.get("Action", [])
    return found if isinstance(found, list) else [found]


FINDINGS_RULE = f"{PREFIX}-guardduty-findings"
ALARM_TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-alarms"
FSBP = f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"


def hub():
    try:
        return client("securityhub").describe_hub()
    except ClientError as e:
        if error_code(e) == "InvalidAccessException":
            return None
        raise


# --- AWS Backup helpers (S2) ---
DR_REGION = "us-west-2"  # platform_dr_region of this scenario (converge.yml, cleanup.yml)
BACKUP_VAULT = f"{PREFIX}-vault"
BACKUP_PLAN = f"{PREFIX}-backup"
BACKUP_ROLE = f"{PREFIX}-backup"
BACKUP_DR_ALIAS = f"alias/{PREFIX}-backup"
BACKUP_REGIONS = (REGION, DR_REGION)


def backup_plans() -> list:
    return [p for p in client("backup").list_backup_plans()["BackupPlansList"] if p["BackupPlanName"] == BACKUP_PLAN]


def backup_vault(region: str):
    try:
        return client("backup", region).describe_backup_vault(BackupVaultName=BACKUP_VAULT)
    except ClientError as e:
        # AWS answers AccessDenied for a vault that does not exist.
        if error_code(e) in ("AccessDeniedException", "ResourceNotFoundException"):
            return None
        raise


def backup_dr_key():
    try:
        return client("kms", DR_REGION).describe_key(KeyId=BACKUP_DR_ALIAS)["KeyMetadata"]
    except ClientError as e:
        if error_code(e) == "NotFoundException":
            return None
        raise


# ---------------------------------------------------------------- absent (after cleanup)
if mode == "absent":
    # --- CloudTrail (S1a) ---
    check(trail() is None, f"trail {TRAIL} is gone")
    check(not bucket_exists(), f"trail bucket {TRAIL_BUCKET} is gone (keep_data false)")
    check(log_group() is None, f"log group {TRAIL_LOG_GROUP} is gone (keep_data false)")
    check(role(TRAIL_ROLE) is None, f"role {TRAIL_ROLE} is gone")
    key = baseline_key()
    check(key is None or key["KeyState"] == "PendingDeletion", f"key {KMS_ALIAS} is gone or scheduled for deletion")
    # --- AWS Config (S1a) ---
    check(not [r for r in recorders() if r["name"] == CONFIG_RECORDER], f"config recorder {CONFIG_RECORDER} is gone")
    channels = client("config").describe_delivery_channels()["DeliveryChannels"]
    check(not [c for c in channels if c["name"] == CONFIG_RECORDER], f"delivery channel {CONFIG_RECORDER} is gone")
    check(role(CONFIG_ROLE) is None, f"role {CONFIG_ROLE} is gone")
    # --- GuardDuty (S1b, absent) ---
    check(client("guardduty").list_detectors()["DetectorIds"] == [], "the GuardDuty detector is gone (keep_data false)")
    check(
        not [r for r in client("events").list_rules(NamePrefix=FINDINGS_RULE)["Rules"] if r["Name"] == FINDINGS_RULE],
        f"EventBridge rule {FINDINGS_RULE} is gone",
    )
    # --- Security Hub (S1b, absent) ---
    check(hub() is None, "Security Hub is off (keep_data false)")
    # --- AWS Backup (S2, absent) ---
    check(not backup_plans(), f"backup plan {BACKUP_PLAN} is gone")
    for region in BACKUP_REGIONS:
        check(backup_vault(region) is None, f"backup vault {BACKUP_VAULT} in {region} is gone (keep_data false)")
    check(role(BACKUP_ROLE) is None, f"role {BACKUP_ROLE} is gone")
    dr_key = backup_dr_key()
    check(
        dr_key is None or dr_key["KeyState"] == "PendingDeletion",
        f"DR key {BACKUP_DR_ALIAS} in {DR_REGION} is gone or scheduled for deletion",
    )
    done()
    sys.exit(0)

# ---------------------------------------------------------------- present (after converge)
# --- CloudTrail (S1a) ---
key = baseline_key()
check(key is not None and key["KeyState"] == "Enabled", f"key {KMS_ALIAS} exists and is enabled")
KEY_ARN = key["Arn"] if key else ""
if key:
    kms = client("kms")
    check(kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], "the baseline key rotates")
    key_policy = statements(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    cloudtrail_grant = [
        s
        for s in key_policy
        if "cloudtrail.amazonaws.com" in principal_services(s) and "kms:GenerateDataKey*" in actions(s)
    ]
    check(
        any(
            s.get("Condition", {}).get("StringLike", {}).get("kms:EncryptionContext:aws:cloudtrail:arn")
            == f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"
            and s.get("Condition", {}).get("StringEquals", {}).get("aws:SourceArn") == TRAIL_ARN
            for s in cloudtrail_grant
        ),
        "the key policy lets CloudTrail GenerateDataKey* for this account's trails, from the trail only",
    )
    check(
        any(f"logs.{REGION}.amazonaws.com" in principal_services(s) for s in key_policy),
        "the key policy lets CloudWatch Logs use the key for the trail's log group",
    )

described = trail()
check(described is not None, f"trail {TRAIL} exists")
if described:
    check(described.get("TrailARN") == TRAIL_ARN, "the trail's ARN")
    check(described.get("IsMultiRegionTrail") is True, "the trail is multi-region")
    check(described.get("IncludeGlobalServiceEvents") is True, "the trail includes global service events")
    check(described.get("LogFileValidationEnabled") is True, "log file validation is on")
    check(described.get("KmsKeyId") == KEY_ARN, "the trail is encrypted with the baseline key")
    check(described.get("S3BucketName") == TRAIL_BUCKET, "the trail delivers to its own bucket")
    check(
        described.get("CloudWatchLogsLogGroupArn", "").startswith(
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{TRAIL_LOG_GROUP}"
        ),
        "the trail delivers to its log group",
    )
    check(described.get("CloudWatchLogsRoleArn", "").endswith(f":role/{TRAIL_ROLE}"), "through its role")
    check(client("cloudtrail").get_trail_status(Name=TRAIL_ARN)["IsLogging"] is True, "the trail is logging")
    trail_tags = tags_of(
        {"Tags": client("cloudtrail").list_tags(ResourceIdList=[TRAIL_ARN])["ResourceTagList"][0]["TagsList"]}
    )
    check(has_standard_tags(trail_tags), "the trail carries the standard tags")

check(bucket_exists(), f"trail bucket {TRAIL_BUCKET} exists")
if bucket_exists():
    s3 = client("s3")
    check(s3.get_bucket_versioning(Bucket=TRAIL_BUCKET).get("Status") == "Enabled", "the trail bucket is versioned")
    block = s3.get_public_access_block(Bucket=TRAIL_BUCKET)["PublicAccessBlockConfiguration"]
    check(all(block.values()) and len(block) == 4, "the trail bucket blocks every kind of public access")
    ownership = s3.get_bucket_ownership_controls(Bucket=TRAIL_BUCKET)["OwnershipControls"]["Rules"]
    check(ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}], "the trail bucket has ACLs disabled")
    rule = s3.get_bucket_encryption(Bucket=TRAIL_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    check(
        default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID") == KEY_ARN,
        "the trail bucket encrypts with the baseline key",
    )
    bucket_policy = statements(s3.get_bucket_policy(Bucket=TRAIL_BUCKET)["Policy"])
    check(
        any(
            s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in bucket_policy
        ),
        "the trail bucket is TLS-only",
    )
    write = [
        s for s in bucket_policy if "cloudtrail.amazonaws.com" in principal_services(s) and "s3:PutObject" in actions(s)
    ]
    check(
        any(
            s["Condition"].get("StringEquals", {}).get("s3:x-amz-acl") == "bucket-owner-full-control"
            and s["Condition"].get("StringEquals", {}).get("aws:SourceArn") == TRAIL_ARN
            and s["Resource"] == f"arn:aws:s3:::{TRAIL_BUCKET}/AWSLogs/{ACCOUNT}/*"
            for s in write
        ),
        "CloudTrail may write under AWSLogs/<account>/ from this trail only",
    )
    check(
        any(
            "cloudtrail.amazonaws.com" in principal_services(s)
            and "s3:GetBucketAcl" in actions(s)
            and s.get("Condition", {}).get("StringEquals", {}).get("aws:SourceArn") == TRAIL_ARN
            for s in bucket_policy
        ),
        "CloudTrail may check the bucket ACL, from this trail only",
    )
    config_write = [
        s for s in bucket_policy if "config.amazonaws.com" in principal_services(s) and "s3:PutObject" in actions(s)
    ]
    check(
        any(
            s["Condition"].get("StringEquals", {}).get("aws:SourceAccount") == ACCOUNT
            and s["Condition"].get("StringEquals", {}).get("s3:x-amz-acl") == "bucket-owner-full-control"
            for s in config_write
        ),
        "AWS Config may write its snapshots, from this account only",
    )
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=TRAIL_BUCKET)["Rules"]
    check(
        any(r["Status"] == "Enabled" and r.get("Expiration", {}).get("Days") for r in lifecycle),
        "the trail bucket ages its logs out (lifecycle per environment)",
    )
    bucket_tags = tags_of({"Tags": s3.get_bucket_tagging(Bucket=TRAIL_BUCKET)["TagSet"]})
    check(has_standard_tags(bucket_tags), "the trail bucket carries the standard tags")

group = log_group()
check(group is not None, f"log group {TRAIL_LOG_GROUP} exists")
if group:
    check(group.get("kmsKeyId") == KEY_ARN, "the log group is encrypted with the baseline key")
    check(group.get("retentionInDays") == 90, "the log group keeps 90 days (dev)")

trail_role = role(TRAIL_ROLE)
check(trail_role is not None, f"role {TRAIL_ROLE} exists")
if trail_role:
    trust = statements(trail_role["AssumeRolePolicyDocument"])
    check(
        any(
            "cloudtrail.amazonaws.com" in principal_services(s)
            and s.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount") == ACCOUNT
            for s in trust
        ),
        "only CloudTrail of this account may assume the log role",
    )

# --- AWS Config (S1a) ---
found = [r for r in recorders() if r["name"] == CONFIG_RECORDER]
check(len(found) == 1, f"config recorder {CONFIG_RECORDER} exists")
if found:
    group_ = found[0]["recordingGroup"]
    check(group_.get("allSupported") is True, "the recorder records every supported resource type")
    check(group_.get("includeGlobalResourceTypes") is True, "global resources recorded (the primary region)")
    check(found[0]["roleARN"].endswith(f":role/{CONFIG_ROLE}"), "the recorder uses its role")
    status = client("config").describe_configuration_recorder_status(ConfigurationRecorderNames=[CONFIG_RECORDER])
    check(status["ConfigurationRecordersStatus"][0]["recording"] is True, "the recorder is recording")
channels = [
    c for c in client("config").describe_delivery_channels()["DeliveryChannels"] if c["name"] == CONFIG_RECORDER
]
check(len(channels) == 1, f"delivery channel {CONFIG_RECORDER} exists")
if channels:
    check(channels[0].get("s3BucketName") == TRAIL_BUCKET, "the channel delivers to the trail bucket")
    check(channels[0].get("s3KeyPrefix") == "config", "under the config prefix")
    check(channels[0].get("s3KmsKeyArn") == KEY_ARN, "encrypted with the baseline key")
config_role = role(CONFIG_ROLE)
check(config_role is not None, f"role {CONFIG_ROLE} exists")
if config_role:
    attached = client("iam").list_attached_role_policies(RoleName=CONFIG_ROLE)["AttachedPolicies"]
    check(
        [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"],
        "the config role has the AWS managed policy service-role/AWS_ConfigRole",
    )
    check(has_standard_tags(tags_of(config_role)), "the config role carries the standard tags")

# --- GuardDuty (S1b) ---
guardduty = client("guardduty")
detector_ids = guardduty.list_detectors()["DetectorIds"]
check(len(detector_ids) == 1, "one GuardDuty detector in the region")
if detector_ids:
    detector = guardduty.get_detector(DetectorId=detector_ids[0])
    check(detector["Status"] == "ENABLED", "the GuardDuty detector is enabled")
    check(detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES", "it publishes finding updates every 15 minutes")
    check(has_standard_tags(detector.get("Tags") or {}), "the detector carries the standard tags")
rules = [r for r in client("events").list_rules(NamePrefix=FINDINGS_RULE)["Rules"] if r["Name"] == FINDINGS_RULE]
check(len(rules) == 1 and rules[0]["State"] == "ENABLED", f"EventBridge rule {FINDINGS_RULE} is enabled")
if rules:
    pattern = json.loads(rules[0]["EventPattern"])
    check(
        pattern.get("source") == ["aws.guardduty"] and pattern.get("detail-type") == ["GuardDuty Finding"],
        "the rule matches GuardDuty findings",
    )
    check(
        pattern.get("detail", {}).get("severity") == [{"numeric": [">=", 4]}],
        "the rule matches findings of severity 4 (medium) or more",
    )
    targets = client("events").list_targets_by_rule(Rule=FINDINGS_RULE)["Targets"]
    check(
        [t["Arn"] for t in targets] == [ALARM_TOPIC_ARN] and not any(t.get("RoleArn") for t in targets),
        "the findings go to the alarm topic (no role: the topic's policy lets the rule publish)",
    )

# --- Security Hub (S1b) ---
described_hub = hub()
check(described_hub is not None, "Security Hub is enabled")
if described_hub:
    securityhub = client("securityhub")
    enabled = [
        s["StandardsArn"]
        for s in securityhub.get_enabled_standards()["StandardsSubscriptions"]
        if s["StandardsStatus"] in ("PENDING", "READY", "INCOMPLETE")
    ]
    check(enabled == [FSBP], "Security Hub runs AWS Foundational Security Best Practices only (no default standards)")
    products = securityhub.list_enabled_products_for_import()["ProductSubscriptions"]
    check(
        f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product-subscription/aws/guardduty" in products,
        "Security Hub imports GuardDuty's findings",
    )
    hub_tags = securityhub.list_tags_for_resource(ResourceArn=described_hub["HubArn"])["Tags"]
    check(has_standard_tags(hub_tags), "the hub carries the standard tags")

# --- AWS Backup (S2) ---
plans = backup_plans()
check(len(plans) == 1, f"backup plan {BACKUP_PLAN} exists")
backup = client("backup")
if plans:
    plan = backup.get_backup_plan(BackupPlanId=plans[0]["BackupPlanId"])["BackupPlan"]
    rules = plan["Rules"]
    check([r["RuleName"] for r in rules] == ["daily"], "the plan has one daily rule")
    rule = rules[0]
    check(rule["TargetBackupVaultName"] == BACKUP_VAULT, "into the stack's vault")
    check(rule["ScheduleExpression"] == "cron(0 5 ? * * *)", "every day at 05:00 UTC")
    check(rule["Lifecycle"] == {"DeleteAfterDays": 7}, "recovery points kept 7 days (dev)")
    check(
        rule.get("CopyActions")
        == [
            {
                "DestinationBackupVaultArn": f"arn:aws:backup:{DR_REGION}:{ACCOUNT}:backup-vault:{BACKUP_VAULT}",
                "Lifecycle": {"DeleteAfterDays": 7},
            }
        ],
        f"each recovery point is copied to the vault in {DR_REGION}, kept 7 days",
    )
    plan_tags = backup.list_tags(ResourceArn=plans[0]["BackupPlanArn"])["Tags"]
    check(has_standard_tags(plan_tags), "the plan carries the standard tags")
    selections = backup.list_backup_selections(BackupPlanId=plans[0]["BackupPlanId"])["BackupSelectionsList"]
    check([s["SelectionName"] for s in selections] == [f"{PREFIX}-tagged"], "the plan has the tag selection")
    if selections:
        selection = backup.get_backup_selection(
            BackupPlanId=plans[0]["BackupPlanId"], SelectionId=selections[0]["SelectionId"]
        )["BackupSelection"]
        check(selection["IamRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{BACKUP_ROLE}", "selection uses the backup role")
        check(
            sorted(selection["Resources"])
            == sorted([f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{PREFIX}-*", f"arn:aws:s3:::{PREFIX}-*"]),
            "the selection covers the stack's RDS instances and buckets",
        )
        wanted = {
            "PlatformBackup": "true",
            "Project": STANDARD_TAGS["Project"],
            "Environment": STANDARD_TAGS["Environment"],
        }
        got = {
            c["ConditionKey"].removeprefix("aws:ResourceTag/"): c["ConditionValue"]
            for c in selection["Conditions"]["StringEquals"]
        }
        check(got == wanted, "only resources tagged PlatformBackup=true of this Project and Environment")
dr_key = backup_dr_key()
check(dr_key is not None and dr_key["KeyState"] == "Enabled", f"DR key {BACKUP_DR_ALIAS} exists in {DR_REGION}")
for region, key_arn in ((REGION, KEY_ARN), (DR_REGION, dr_key["Arn"] if dr_key else "?")):
    vault = backup_vault(region)
    check(vault is not None, f"backup vault {BACKUP_VAULT} exists in {region}")
    if not vault:
        continue
    check(vault["EncryptionKeyArn"] == key_arn, f"the vault in {region} is encrypted with its key")
    check(
        has_standard_tags(client("backup", region).list_tags(ResourceArn=vault["BackupVaultArn"])["Tags"]),
        f"the vault in {region} carries the standard tags",
    )
    check(
        (vault.get("Locked"), vault.get("MinRetentionDays"), vault.get("MaxRetentionDays")) == (True, 7, 3650)
        and "LockDate" not in vault,
        f"the vault in {region} is locked in governance mode, 7 to 3650 days",
    )
    vault_policy = statements(
        client("backup", region).get_backup_vault_access_policy(BackupVaultName=BACKUP_VAULT)["Policy"]
    )
    check(
        any(
            s["Effect"] == "Deny"
            and "backup:DeleteRecoveryPoint" in actions(s)
            and s.get("Condition", {}).get("StringNotEquals", {}).get("aws:PrincipalArn")
            == f"arn:aws:iam::{ACCOUNT}:root"
            for s in vault_policy
        ),
        f"only the account root may delete recovery points of the vault in {region}",
    )
backup_role = role(BACKUP_ROLE)
check(backup_role is not None, f"role {BACKUP_ROLE} exists")
if backup_role:
    trust = statements(backup_role["AssumeRolePolicyDocument"])
    check(
        any(
            "backup.amazonaws.com" in principal_services(s)
            and s.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount") == ACCOUNT
            for s in trust
        ),
        "only AWS Backup of this account may assume the backup role",
    )
    attached = client("iam").list_attached_role_policies(RoleName=BACKUP_ROLE)["AttachedPolicies"]
    check(
        sorted(p["PolicyArn"] for p in attached)
        == [
            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        ],
        "the backup role has the AWS managed backup and restore policies (S3 included)",
    )

done()
