# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's catalogue: the controls (id, title, HIPAA Security Rule reference, severity,
resource type, remediation), the severities and statuses, the audit's constants and resource types.

``CHECKS`` is the registry that ``check`` fills: each ``checks_*`` module registers its controls' checks when
it is imported, and ``engine`` (which runs them) imports every one of them.
"""

from __future__ import annotations

import datetime
import re

from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules

UTC = datetime.timezone.utc  # noqa: UP017 - datetime.UTC needs Python 3.11 on the target
SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
STATUSES = ("PASS", "FAIL", "WAIVED", "NOT_APPLICABLE")
REQUIRED_TAGS = {"ManagedBy": "ansible", "DataClassification": "phi"}
PROD_ENV = "prod"

# Ports whose exposure to the internet is a finding on any security group of the platform.
DATA_PORTS = {
    22: "SSH",
    1433: "SQL Server",
    1521: "Oracle",
    2049: "NFS",
    3306: "MySQL",
    3389: "RDP",
    5432: "PostgreSQL",
    5439: "Redshift",
    6379: "Redis",
    6380: "Redis TLS",
    9200: "OpenSearch",
    9300: "OpenSearch transport",
    11211: "Memcached",
    27017: "MongoDB",
}
SEARCH_PORTS = {443: "OpenSearch HTTPS"}
WORLD_CIDRS = ("0.0.0.0/0", "::/0")
# Environment variable names that must come from ``secrets`` (Secrets Manager), never ``environment``
# (unless they only name or point at a secret), and credentials in URLs: the deploy checks' own rule
# (module_utils/platform_rules), so a deploy never accepts what this audit then fails.
SECRET_NAME_RE = platform_rules.SECRET_LIKE_NAME_RE
SECRET_REFERENCE_SUFFIXES = platform_rules.SECRET_REFERENCE_SUFFIXES
CREDENTIALS_IN_URL_RE = platform_rules.CREDENTIALS_IN_URL_RE
ROOT_USERS = ("root", "0")
TLS12_OPENSEARCH_POLICY_PREFIX = "Policy-Min-TLS-1-2"
LEGACY_TLS = ("SSLv3", "TLSv1", "TLSv1.1")
# A CloudFront origin's DomainName that is an S3 REST endpoint: <bucket>.s3.amazonaws.com,
# <bucket>.s3.<region>.amazonaws.com, <bucket>.s3-<region>.amazonaws.com (dualstack too). Website
# endpoints (s3-website-<region>, s3-website.<region>) serve HTTP only, are custom origins and do not match.
S3_ORIGIN_DOMAIN_RE = re.compile(
    r"^[a-z0-9][a-z0-9.-]*\.s3(?:\.dualstack)?(?:[.-](?:[a-z]{2}(?:-[a-z]+)+-\d+|external-1))?\.amazonaws\.com(?:\.cn)?$",
    re.IGNORECASE,
)
UNEVALUATED = "could not be evaluated: "
UNSUPPORTED_CODES = (
    "404",
    "500",
    "501",
    "NotImplemented",
    "NotImplementedException",
    "InvalidAction",
    "UnknownOperationException",
    "UnsupportedOperation",
    "UnsupportedOperationException",
)

T_BUCKET = "AWS::S3::Bucket"
T_DB = "AWS::RDS::DBInstance"
T_CACHE = "AWS::ElastiCache::ReplicationGroup"
T_SEARCH = "AWS::OpenSearchService::Domain"
T_TOPIC = "AWS::SNS::Topic"
T_LOG_GROUP = "AWS::Logs::LogGroup"
T_SM = "AWS::SecretsManager::Secret"
T_EBS_DEFAULT = "AWS::EC2::EBSEncryptionByDefault"
T_REPO = "AWS::ECR::Repository"
T_KEY = "AWS::KMS::Key"
T_LB = "AWS::ElasticLoadBalancingV2::LoadBalancer"
T_LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
T_DISTRIBUTION = "AWS::CloudFront::Distribution"
T_VPC = "AWS::EC2::VPC"
T_TRAIL = "AWS::CloudTrail::Trail"
T_POOL = "AWS::Cognito::UserPool"
T_SG = "AWS::EC2::SecurityGroup"
T_ROLE = "AWS::IAM::Role"
T_TASK_DEF = "AWS::ECS::TaskDefinition"
T_WEB_ACL = "AWS::WAFv2::WebACL"
T_SNAPSHOT = "AWS::RDS::DBSnapshot"
T_CACHE_SNAPSHOT = "AWS::ElastiCache::Snapshot"
T_DETECTOR = "AWS::GuardDuty::Detector"
T_HUB = "AWS::SecurityHub::Hub"
T_RECORDER = "AWS::Config::ConfigurationRecorder"
T_BACKUP_PLAN = "AWS::Backup::BackupPlan"
T_ANY = "AWS::*"

# Secrets rotation (SECRETS.ROTATION): the tag playbooks/rotate_secrets.yml writes on each secret it
# rotates, and the default maximum age (the module's secret_max_age_days).
ROTATED_AT_TAG = "PlatformRotatedAt"
SECRET_MAX_AGE_DAYS = 90
# The only IAM role that may read the database master credentials (the bootstrap task's execution
# role, roles/database) and the task definition family it runs (SECRETS.MASTER_EXPOSURE).
MASTER_READER_ROLE_SUFFIX = "-db-bootstrap-execution"
MASTER_READER_FAMILY_SUFFIX = "-db-bootstrap"
# AWS WAF logs only to destinations whose name begins with this (CloudWatch Logs, S3, Firehose).
WAF_LOG_DESTINATION_PREFIX = "aws-waf-logs-"
CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com"

# Issue 13, the account's security baseline: the security_baseline role's switch of each control's service.
# The audit checks the account either way; a FAIL says when the switch is off (the organisation provides it).
BASELINE_SWITCHES = {
    "CLOUDTRAIL.LOGGING": "cloudtrail",
    "CLOUDTRAIL.VALIDATION": "cloudtrail",
    "CLOUDTRAIL.ENCRYPTED": "cloudtrail",
    "GUARDDUTY.ENABLED": "guardduty",
    "SECURITYHUB.FSBP": "securityhub",
    "CONFIG.RECORDING": "config",
    "BACKUP.PLAN_COVERAGE": "backup",
}
BASELINE_SERVICES = ("cloudtrail", "guardduty", "securityhub", "config", "backup")
# Bucket purposes holding PHI ({prefix}-{purpose}[-suffix], the storage role's replicated buckets):
# BACKUP.PLAN_COVERAGE requires each one of the audited region in a backup plan.
PHI_BUCKET_PURPOSES = ("documents", "media", "models", "backups")
# Minimum days a covering backup rule keeps its recovery points (no DeleteAfterDays: kept forever).
BACKUP_MIN_RETENTION_DAYS = {PROD_ENV: 35, "default": 7}
# AWS Foundational Security Best Practices, any version:
# arn:<partition>:securityhub:<region>::standards/aws-foundational-security-best-practices/v/1.0.0
FSBP_STANDARD_RE = re.compile(
    r"^arn:[^:]+:securityhub:[^:]*:[^:]*:standards/aws-foundational-security-best-practices/v/"
)

RESOURCE_NOUNS = {
    T_BUCKET: "S3 buckets",
    T_DB: "RDS DB instances",
    T_CACHE: "ElastiCache replication groups or clusters",
    T_SEARCH: "OpenSearch domains",
    T_TOPIC: "SNS topics",
    T_LOG_GROUP: "CloudWatch log groups",
    T_SM: "Secrets Manager secrets",
    T_REPO: "ECR repositories",
    T_KEY: "customer managed KMS keys",
    T_LB: "application load balancers",
    T_LISTENER: "load balancer listeners",
    T_DISTRIBUTION: "CloudFront distributions",
    T_VPC: "VPCs",
    T_TRAIL: "CloudTrail trails",
    T_POOL: "Cognito user pools",
    T_SG: "security groups",
    T_ROLE: "IAM roles",
    T_TASK_DEF: "ECS task definitions",
    T_WEB_ACL: "WAFv2 web ACLs",
    T_SNAPSHOT: "manual RDS snapshots",
    T_CACHE_SNAPSHOT: "manual ElastiCache snapshots",
    T_DETECTOR: "GuardDuty detectors",
    T_HUB: "Security Hub hubs",
    T_RECORDER: "AWS Config recorders",
    T_BACKUP_PLAN: "RDS DB instances or PHI buckets",
    T_ANY: "resources",
}

# id, title, HIPAA Security Rule reference, severity (a name, or {"prod": ..., "default": ...}),
# resource type, remediation.
# fmt: off
_CATALOGUE = (
    # 164.312(a)(2)(iv) - encryption and decryption (at rest)
    ("S3.ENCRYPTION", "S3 buckets encrypt by default with SSE-KMS", "164.312(a)(2)(iv)", "high", T_BUCKET,
     "Set the bucket's default encryption to aws:kms with the platform KMS key (storage role)."),
    ("RDS.ENCRYPTION", "RDS storage is encrypted", "164.312(a)(2)(iv)", "critical", T_DB,
     "Encryption cannot be enabled in place: restore an encrypted copy of a snapshot and switch to it (database role sets storage_encrypted)."),
    ("ELASTICACHE.AT_REST_ENCRYPTION", "ElastiCache encrypts data at rest", "164.312(a)(2)(iv)", "high", T_CACHE,
     "Recreate the replication group with at_rest_encryption_enabled (cache role)."),
    ("OPENSEARCH.AT_REST_ENCRYPTION", "OpenSearch encrypts data at rest", "164.312(a)(2)(iv)", "high", T_SEARCH,
     "Enable EncryptionAtRestOptions with the platform KMS key (search role)."),
    ("SNS.ENCRYPTION", "SNS topics are encrypted with KMS", "164.312(a)(2)(iv)", "medium", T_TOPIC,
     "Set the topic's KmsMasterKeyId to the platform KMS key (monitoring role)."),
    ("LOGS.ENCRYPTION", "CloudWatch log groups are encrypted with KMS", "164.312(a)(2)(iv)", "medium", T_LOG_GROUP,
     "Associate the platform KMS key with the log group (monitoring role, kms_key_id)."),
    ("SECRETSMANAGER.CMK", "Secrets use a customer managed KMS key", "164.312(a)(2)(iv)", "low", T_SM,
     "Set the secret's KmsKeyId to the platform KMS key instead of aws/secretsmanager."),
    ("EC2.EBS_DEFAULT_ENCRYPTION", "EBS encryption by default is on in the region", "164.312(a)(2)(iv)", "low", T_EBS_DEFAULT,
     "Enable EBS encryption by default for the account in this region (ec2 enable-ebs-encryption-by-default)."),
    ("ECR.ENCRYPTION", "ECR repositories are encrypted with KMS", "164.312(a)(2)(iv)", "low", T_REPO,
     "Recreate the repository with encryptionConfiguration KMS (ecs_service role)."),
    ("KMS.KEY_ROTATION", "Customer managed KMS keys rotate automatically", "164.312(a)(2)(iv)", "medium", T_KEY,
     "Enable automatic key rotation on the key (storage role, enable_key_rotation)."),
    # 164.312(e)(1) - transmission security
    ("S3.TLS_ONLY", "S3 bucket policies deny requests without TLS", "164.312(e)(1)", "high", T_BUCKET,
     "Add a Deny statement for all principals and s3:* when aws:SecureTransport is false (storage role)."),
    ("ELB.HTTPS_ONLY", "Load balancer listeners serve HTTPS; HTTP only redirects to HTTPS", "164.312(e)(1)", "high", T_LISTENER,
     "Serve traffic on an HTTPS listener; make the HTTP listener's default action a redirect to HTTPS (ecs_service role)."),
    ("ELB.TLS_POLICY", "HTTPS listeners use a TLS 1.2+ security policy", "164.312(e)(1)", "high", T_LISTENER,
     "Set the listener's SslPolicy to ELBSecurityPolicy-TLS13-1-2-2021-06 or another policy without TLS 1.0/1.1."),
    ("ELASTICACHE.TRANSIT_ENCRYPTION", "ElastiCache encrypts data in transit", "164.312(e)(1)", "high", T_CACHE,
     "Enable transit encryption (mode required) and an auth token on the replication group (cache role)."),
    ("OPENSEARCH.HTTPS_TLS12", "OpenSearch enforces HTTPS with a TLS 1.2 policy", "164.312(e)(1)", "high", T_SEARCH,
     "Set DomainEndpointOptions EnforceHTTPS=true and TLSSecurityPolicy=Policy-Min-TLS-1-2-2019-07 (search role)."),
    ("OPENSEARCH.NODE_TO_NODE_ENCRYPTION", "OpenSearch encrypts node-to-node traffic", "164.312(e)(1)", "high", T_SEARCH,
     "Enable NodeToNodeEncryptionOptions (search role)."),
    ("RDS.FORCE_SSL", "RDS requires TLS connections", "164.312(e)(1)", "high", T_DB,
     "Use a DB parameter group with rds.force_ssl=1 (PostgreSQL) or require_secure_transport=1 (MySQL) and reboot (database role)."),
    ("CLOUDFRONT.VIEWER_HTTPS", "CloudFront serves viewers over HTTPS only", "164.312(e)(1)", "high", T_DISTRIBUTION,
     "Set ViewerProtocolPolicy to redirect-to-https or https-only on every cache behaviour (ecs_service role)."),
    ("CLOUDFRONT.TLS_POLICY", "CloudFront requires TLS 1.2 or later", "164.312(e)(1)", "medium", T_DISTRIBUTION,
     "Use an ACM certificate with MinimumProtocolVersion TLSv1.2_2021 (the default *.cloudfront.net certificate allows TLS 1.0)."),
    # 164.312(b) - audit controls
    ("VPC.FLOW_LOGS", "VPC flow logs are on", "164.312(b)", "medium", T_VPC,
     "Create a flow log capturing ALL traffic for the VPC (network role)."),
    ("ELB.ACCESS_LOGS", "Load balancer access logs are on", "164.312(b)", "medium", T_LB,
     "Set access_logs.s3.enabled=true with the logs bucket (ecs_service role)."),
    ("S3.ACCESS_LOGGING", "S3 server access logging is on (except the log bucket itself)", "164.312(b)", "medium", T_BUCKET,
     "Enable server access logging into the platform's logs bucket (storage role)."),
    ("LOGS.RETENTION", "Log groups keep events for at least 90 days (365 in prod)", "164.312(b)",
     {PROD_ENV: "high", "default": "medium"}, T_LOG_GROUP,
     "Set retention_in_days to 90 or more (365 or more in prod) (monitoring role)."),
    ("CLOUDTRAIL.LOGGING", "A CloudTrail trail (multi-region or in this region) is logging the region's API activity", "164.312(b)", "high", T_TRAIL,
     "Create a multi-region trail into an encrypted bucket and start logging (security_baseline role, security_baseline_cloudtrail), or waive the control where the organisation's trail covers the account."),
    ("CLOUDTRAIL.VALIDATION", "The region's logging trail validates its log files (digest files)", "164.312(c)(1)", "high", T_TRAIL,
     "Turn on log file validation on the trail (EnableLogFileValidation; security_baseline role)."),
    ("CLOUDTRAIL.ENCRYPTED", "The region's logging trail encrypts its log files with a KMS key", "164.312(a)(2)(iv)", "high", T_TRAIL,
     "Set the trail's KmsKeyId to a customer managed key whose policy lets CloudTrail encrypt (security_baseline role)."),
    ("CONFIG.RECORDING", "AWS Config records all supported resources in the region and delivers them", "164.312(b)", "high", T_RECORDER,
     "Create a configuration recorder for all supported resources and a delivery channel, and start the recorder (security_baseline role, security_baseline_config)."),
    ("OPENSEARCH.LOG_PUBLISHING", "OpenSearch publishes audit or application logs", "164.312(b)", "medium", T_SEARCH,
     "Enable LogPublishingOptions AUDIT_LOGS and/or ES_APPLICATION_LOGS to a log group (search role)."),
    ("RDS.LOG_EXPORTS", "RDS exports its logs to CloudWatch", "164.312(b)", "medium", T_DB,
     "Enable CloudWatch log exports (postgresql, upgrade) on the instance (database role)."),
    # 164.308(a)(7) - contingency plan
    ("RDS.BACKUP_RETENTION", "RDS keeps automated backups for at least 7 days", "164.308(a)(7)(ii)(A)", "high", T_DB,
     "Set backup_retention_period to 7 or more (database role)."),
    ("RDS.MULTI_AZ", "RDS is Multi-AZ in prod", "164.308(a)(7)(ii)(B)", "high", T_DB,
     "Set multi_az=true on the prod instance (database role)."),
    ("RDS.DELETION_PROTECTION", "RDS deletion protection is on in prod", "164.308(a)(7)(ii)(A)", "medium", T_DB,
     "Set deletion_protection=true on the prod instance (database role)."),
    ("S3.VERSIONING", "S3 versioning is on", "164.308(a)(7)(ii)(A)", "high", T_BUCKET,
     "Enable versioning on the bucket (storage role)."),
    ("S3.REPLICATION", "S3 buckets replicate to the DR region when one is set", "164.308(a)(7)(ii)(B)", "medium", T_BUCKET,
     "Configure replication to a bucket in platform_dr_region (storage role)."),
    ("ELASTICACHE.SNAPSHOT_RETENTION", "ElastiCache keeps automatic snapshots", "164.308(a)(7)(ii)(A)", "medium", T_CACHE,
     "Set snapshot_retention_limit to 1 or more (cache role)."),
    ("ELASTICACHE.AUTOMATIC_FAILOVER", "ElastiCache fails over automatically in prod", "164.308(a)(7)(ii)(B)", "medium", T_CACHE,
     "Enable automatic failover (and Multi-AZ) with at least one replica (cache role)."),
    ("OPENSEARCH.ZONE_AWARENESS", "OpenSearch is zone aware in prod", "164.308(a)(7)(ii)(B)", "medium", T_SEARCH,
     "Enable zone awareness with 2 or 3 availability zones (search role)."),
    ("BACKUP.PLAN_COVERAGE", "An AWS Backup plan covers the RDS instances and PHI buckets (35+ days' retention in prod, 7+ elsewhere)", "164.308(a)(7)(ii)(A)", "high", T_BACKUP_PLAN,
     "Select the resource in an AWS Backup plan of the region (tag PlatformBackup=true with the stack's Project and Environment, or its ARN) with a rule keeping recovery points long enough (security_baseline role, security_baseline_backup)."),
    # 164.308(a)(1)(ii)(D), 164.308(a)(6), 164.308(a)(8) - activity review, incidents, evaluation
    ("GUARDDUTY.ENABLED", "A GuardDuty detector is enabled in the region", "164.308(a)(6)(ii)", "high", T_DETECTOR,
     "Create and enable the region's GuardDuty detector (security_baseline role, security_baseline_guardduty), or have the organisation's delegated administrator enable it."),
    ("SECURITYHUB.FSBP", "Security Hub is enabled with the AWS Foundational Security Best Practices standard READY", "164.308(a)(8)", "high", T_HUB,
     "Enable Security Hub and the AWS Foundational Security Best Practices standard (security_baseline role, security_baseline_securityhub)."),
    # 164.312(a)(1), 164.312(d), 164.308(a)(5) - access control, authentication
    ("COGNITO.MFA", "Cognito user pools require MFA", "164.312(d)", "high", T_POOL,
     "Set the user pool's MFA configuration to ON with software tokens (identity role)."),
    ("COGNITO.PASSWORD_POLICY", "Cognito passwords are 12+ characters with all character classes", "164.308(a)(5)(ii)(D)", "high", T_POOL,
     "Set MinimumLength >= 12 and require upper case, lower case, numbers and symbols (identity role)."),
    ("S3.PUBLIC_ACCESS_BLOCK", "S3 public access block has all four settings on", "164.312(a)(1)", "critical", T_BUCKET,
     "Turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets (storage role)."),
    ("S3.POLICY_PUBLIC", "S3 bucket policies grant nothing to Principal * without conditions", "164.312(a)(1)", "critical", T_BUCKET,
     "Remove the Allow statement for Principal \"*\" or restrict it with a condition (aws:SourceVpce, aws:PrincipalOrgID...)."),
    ("CLOUDFRONT.S3_ORIGIN_ACCESS", "CloudFront reads S3 origins through origin access control", "164.312(a)(1)", "medium", T_DISTRIBUTION,
     "Read the bucket through an origin access control (OAC) with SigV4 signing and grant cloudfront.amazonaws.com s3:GetObject for this account's distributions in the bucket policy (ecs_service and storage roles). Origin access identities (OAI) are legacy and cannot read SSE-KMS objects."),
    ("EC2.OPEN_DATA_PORTS", "Security groups do not open data or admin ports to the internet", "164.312(a)(1)", "critical", T_SG,
     "Remove 0.0.0.0/0 and ::/0 ingress on data ports; allow only the app security group (network role)."),
    ("RDS.PUBLIC_ACCESS", "RDS instances are not publicly accessible", "164.312(a)(1)", "critical", T_DB,
     "Set publicly_accessible=false (database role)."),
    ("IAM.NO_WILDCARD_ACTIONS", "Platform IAM roles grant no \"*\" actions and no service:* on \"*\"", "164.312(a)(1)", "high", T_ROLE,
     "Replace wildcard actions with the specific actions the service needs, on specific resources (identity role)."),
    ("ECR.SCAN_ON_PUSH", "ECR images are scanned on push", "164.308(a)(1)(ii)(B)", "medium", T_REPO,
     "Enable image_scanning_configuration scan_on_push (ecs_service role) or registry-level enhanced scanning."),
    ("ECR.IMMUTABLE_TAGS", "ECR image tags are immutable", "164.312(c)(1)", "medium", T_REPO,
     "Set image_tag_mutability to IMMUTABLE (ecs_service role)."),
    ("ECS.NO_PLAINTEXT_SECRETS", "ECS task definitions keep secrets out of plain environment variables", "164.312(a)(1)", "high", T_TASK_DEF,
     "Move the variable to the container's secrets (valueFrom a Secrets Manager ARN) and register a new revision."),
    ("ECS.NON_ROOT_USER", "ECS containers run as a non-root user", "164.312(a)(1)", "medium", T_TASK_DEF,
     "Set the container definition's user to a non-root UID (e.g. 1000:1000)."),
    ("WAF.ALB_ASSOCIATION", "Internet-facing load balancers have a WAF web ACL", "164.308(a)(5)(ii)(B)", "medium", T_LB,
     "Associate the platform's WAFv2 web ACL with the load balancer (ecs_service role)."),
    ("TAGS.REQUIRED", "Platform resources carry ManagedBy=ansible and DataClassification=phi", "164.308(a)(1)(ii)(A)", "low", T_ANY,
     "Apply the standard tags (platform tags filter) to the resource."),
    # issue 12 - least privilege, rotation, pinned grants, restorable snapshots
    ("SECRETS.ROTATION", "Secrets were rotated within the maximum age (90 days by default)", "164.308(a)(5)(ii)(D)", "high", T_SM,
     "Run playbooks/rotate_secrets.yml (AWX: '<name> rotate secrets'); it tags each rotated secret PlatformRotatedAt."),
    ("SECRETS.MASTER_EXPOSURE", "Only the database bootstrap task can read the database master credentials", "164.312(a)(1)", "high", T_SM,
     "Remove the master secret from the services' secrets and from every IAM policy but {prefix}-db-bootstrap-execution's; services use DATABASE_URL (the application's own role)."),
    ("WAF.LOGGING", "The web ACL logs its traffic to an aws-waf-logs-* destination", "164.312(b)", "medium", T_WEB_ACL,
     "Put a logging configuration on the web ACL to the KMS-encrypted log group aws-waf-logs-{prefix} (ecs_service role)."),
    ("CLOUDFRONT.OAC_PINNED", "Bucket and key policies let only the stack's own distributions read through CloudFront", "164.312(a)(1)", "high", T_ANY,
     "Condition every cloudfront.amazonaws.com statement of the bucket and key policies on AWS:SourceArn equal to the stack's distribution ARN, without wildcards (storage role)."),
    ("SNAPSHOT.KEY_RETAINED", "Kept DB and cache snapshots stay restorable: their KMS key is enabled", "164.308(a)(7)(ii)(A)", "high", T_SNAPSHOT,
     "Cancel the key's deletion (kms cancel-key-deletion) and enable it, or copy the snapshot with a key that is kept (destroy never schedules it)."),
)
# fmt: on


def _catalogue():
    controls = {}
    for cid, title, hipaa, severity, rtype, remediation in _CATALOGUE:
        controls[cid] = {
            "id": cid,
            "title": title,
            "hipaa": hipaa,
            "severity": severity,
            "resource_type": rtype,
            "remediation": remediation,
        }
    return controls


CONTROLS = _catalogue()
CHECKS = {}


def control_severity(control_id, platform_env):
    severity = CONTROLS[control_id]["severity"]
    if isinstance(severity, dict):
        return severity.get(platform_env, severity["default"])
    return severity


def severity_text(control_id):
    """Human text of a control's severity (for the docs table)."""
    severity = CONTROLS[control_id]["severity"]
    if isinstance(severity, dict):
        return " / ".join(f"{value} ({env})" for env, value in severity.items())
    return severity


def check(control_id):
    def register(func):
        if control_id not in CONTROLS:
            raise ValueError(f"check for unknown control {control_id}")
        CHECKS[control_id] = func
        return func

    return register
