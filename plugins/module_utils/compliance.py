# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HIPAA compliance audit of one platform: the controls catalogue, resource discovery and checks.

Used by the ``platform_ops.aws.compliance_audit`` module. Everything here is read-only.

Scope: a resource belongs to the audited platform when its tags carry
``Project={platform_name}`` and ``Environment={platform_env}``. Where an API lists names and the
naming contract fixes them (S3 buckets, IAM roles, log groups, ECS task definition families, SNS
topics), candidates are first narrowed by name and then confirmed by their tags. A resource lacking
those tags, or carrying another platform's, is never evaluated.

Every check returns findings with a status among PASS, FAIL, WAIVED (set later by a waiver) and
NOT_APPLICABLE (no resource of that type, a control that only applies to prod). An API the endpoint
does not implement gives "could not be evaluated: <API> unsupported": a FAIL (the audit fails closed),
NOT_APPLICABLE only when the caller allows unsupported APIs (an emulator's inventory).
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import re
from urllib.parse import unquote

try:
    import boto3
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules
from ansible_collections.platform_ops.aws.plugins.module_utils.waivers import waiver_terms

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


class Unsupported(Exception):
    """The endpoint does not implement an API (e.g. an emulator gap)."""

    def __init__(self, api):
        super().__init__(f"{api} unsupported")
        self.api = api


class AuditError(Exception):
    """An AWS error other than "unsupported": the audit cannot honestly continue."""

    def __init__(self, api, exception):
        super().__init__(f"{api} failed: {exception}")
        self.api = api
        self.exception = exception
        self.control = None


def client_factory(module):
    """``factory(service)`` -> a client, all from ONE boto3 session with the module's connection settings.

    ``module.client()`` opens a new session per client, which reloads botocore's models each time
    (about 0.15 s per service); the audit reads some 17 services, so it shares one session.
    """
    region, endpoint_url, params = get_aws_connection_info(module)
    params = dict(params)
    profile = params.pop("profile_name", None)
    config = botocore.config.Config(user_agent_extra="platform_ops.aws/compliance_audit")
    for key in ("config", "aws_config"):
        extra = params.pop(key, None)
        if extra:
            config = config.merge(
                extra if isinstance(extra, botocore.config.Config) else botocore.config.Config(**extra)
            )
    try:
        session = boto3.session.Session(profile_name=profile)
    except botocore.exceptions.BotoCoreError as e:
        module.fail_json_aws(e, msg="Could not open an AWS session")

    def make(service):
        try:
            return session.client(service, region_name=region, endpoint_url=endpoint_url, config=config, **params)
        except (botocore.exceptions.BotoCoreError, ValueError) as e:
            module.fail_json_aws(e, msg=f"Could not create the {service} client")

    return make


@AWSRetry.jittered_backoff()
def _call(client, operation, **kwargs):
    return getattr(client, operation)(**kwargs)


@AWSRetry.jittered_backoff()
def _paginate(client, operation, **kwargs):
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()


def _is_unsupported(error):
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in UNSUPPORTED_CODES


def tag_dict(tags):
    """[{'Key': k, 'Value': v}] in any of AWS's spellings (or a dict) -> {k: v}."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return dict(tags)
    out = {}
    for tag in tags:
        key = tag.get("Key", tag.get("key", tag.get("TagKey")))
        value = tag.get("Value", tag.get("value", tag.get("TagValue", "")))
        if key is not None:
            out[key] = value
    return out


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _policy_document(document):
    """IAM/S3 policy as a dict (boto3 gives IAM documents as dicts, S3 as a JSON string)."""
    if isinstance(document, dict):
        return document
    if not document:
        return {}
    text = document
    if text.lstrip().startswith("%7B"):
        text = unquote(text)
    return json.loads(text)


def _statements(document):
    return [st for st in _as_list(document.get("Statement")) if isinstance(st, dict)]


def _principal_is_everyone(principal):
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _partition(region):
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class Resource(dict):
    """A discovered resource: id (ARN or id), name, type, tags, data (the raw description)."""

    def __init__(self, rid, name, rtype, tags, data):
        super().__init__(id=rid, name=name, type=rtype, tags=tags, data=data)


class Auditor:
    """Discovers the platform's resources (lazily, once) and evaluates controls against them."""

    def __init__(
        self,
        client_factory,
        platform_name,
        platform_env,
        region,
        dr_region=None,
        *,
        now=None,
        secret_max_age_days=SECRET_MAX_AGE_DAYS,
        baseline=None,
        phi_buckets=PHI_BUCKET_PURPOSES,
    ):
        self._client_factory = client_factory
        # security_baseline_<service> switches (all true unless told): only the wording of a FAIL depends on them.
        self.baseline = {service: True for service in BASELINE_SERVICES}
        self.baseline.update({k: bool(v) for k, v in (baseline or {}).items() if v is not None})
        self.phi_buckets = tuple(phi_buckets)
        self.now = now or datetime.datetime.now(UTC)
        self.secret_max_age_days = secret_max_age_days
        self.platform_name = platform_name
        self.platform_env = platform_env
        self.region = region
        self.dr_region = dr_region
        self.prefix = f"{platform_name}-{platform_env}"
        self.partition = _partition(region)
        self._clients = {}
        self._memo = {}

    # --- plumbing -----------------------------------------------------------------------------
    @property
    def is_prod(self):
        return self.platform_env == PROD_ENV

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    def _api_name(self, service, operation):
        client = self.client(service)
        try:
            name = client.meta.method_to_api_mapping[operation]
        except (AttributeError, KeyError):
            name = operation
        return f"{service}:{name}"

    def call(self, service, operation, ignore=(), **kwargs):
        """One API call behind AWSRetry; ``None`` when the error code is in ``ignore``."""
        return self._request(_call, service, operation, ignore, kwargs)

    def paginate(self, service, operation, ignore=(), **kwargs):
        """A paginated API call, the full result; ``None`` when the error code is in ``ignore``."""
        return self._request(_paginate, service, operation, ignore, kwargs)

    def _request(self, func, service, operation, ignore, kwargs):
        client = self.client(service)
        try:
            return func(client, operation, **kwargs)
        except botocore.exceptions.ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ignore:
                return None
            if _is_unsupported(e):
                raise Unsupported(self._api_name(service, operation)) from e
            raise AuditError(self._api_name(service, operation), e) from e
        except botocore.exceptions.BotoCoreError as e:
            raise AuditError(self._api_name(service, operation), e) from e

    def memo(self, key, loader):
        """``loader()`` once per audit; an unsupported API is remembered too (not asked again per control)."""
        if key not in self._memo:
            try:
                self._memo[key] = loader()
            except Unsupported as e:
                self._memo[key] = e
        value = self._memo[key]
        if isinstance(value, Unsupported):
            raise value
        return value

    def in_scope(self, tags):
        return tags.get("Project") == self.platform_name and tags.get("Environment") == self.platform_env

    # --- discovery ----------------------------------------------------------------------------
    def buckets(self):
        def load():
            prefix = f"{self.prefix}-"
            listing = self.paginate("s3", "list_buckets", Prefix=prefix)
            found = []
            for bucket in listing.get("Buckets", []):
                name = bucket["Name"]
                if not name.startswith(prefix):
                    continue
                tagging = self.call("s3", "get_bucket_tagging", ignore=("NoSuchTagSet", "NoSuchBucket"), Bucket=name)
                tags = tag_dict((tagging or {}).get("TagSet"))
                if self.in_scope(tags):
                    found.append(Resource(f"arn:{self.partition}:s3:::{name}", name, T_BUCKET, tags, bucket))
            return found

        return self.memo("s3.buckets", load)

    def bucket_region(self, name):
        def load():
            resp = self.call("s3", "get_bucket_location", Bucket=name)
            location = resp.get("LocationConstraint")
            if not location:
                return "us-east-1"
            return "eu-west-1" if location == "EU" else location

        return self.memo(f"s3.region.{name}", load)

    def bucket_policy(self, name):
        def load():
            resp = self.call("s3", "get_bucket_policy", ignore=("NoSuchBucketPolicy",), Bucket=name)
            return _policy_document(resp["Policy"]) if resp else None

        return self.memo(f"s3.policy.{name}", load)

    def bucket_logging(self, name):
        def load():
            resp = self.call("s3", "get_bucket_logging", Bucket=name)
            return resp.get("LoggingEnabled")

        return self.memo(f"s3.logging.{name}", load)

    def log_buckets(self):
        """Names of the platform's access-log destination buckets (exempt from S3.ACCESS_LOGGING)."""

        def load():
            names = {b["name"] for b in self.buckets()}
            targets = set()
            for bucket in self.buckets():
                if bucket["name"] == f"{self.prefix}-logs" or bucket["name"].startswith(f"{self.prefix}-logs-"):
                    targets.add(bucket["name"])
                logging = self.bucket_logging(bucket["name"])
                if logging and logging.get("TargetBucket") in names and logging.get("TargetBucket") != bucket["name"]:
                    targets.add(logging["TargetBucket"])
            return targets

        return self.memo("s3.log_buckets", load)

    def db_instances(self):
        def load():
            listing = self.paginate("rds", "describe_db_instances")
            found = []
            for db in listing.get("DBInstances", []):
                tags = tag_dict(db.get("TagList"))
                if self.in_scope(tags):
                    found.append(Resource(db["DBInstanceArn"], db["DBInstanceIdentifier"], T_DB, tags, db))
            return found

        return self.memo("rds.instances", load)

    def db_parameters(self, group_name):
        """{name: value} of a DB parameter group, or None when the group cannot be described."""

        def load():
            resp = self.paginate(
                "rds", "describe_db_parameters", ignore=("DBParameterGroupNotFound",), DBParameterGroupName=group_name
            )
            if resp is None:
                return None
            return {
                p["ParameterName"]: p.get("ParameterValue") for p in resp.get("Parameters", []) if "ParameterName" in p
            }

        return self.memo(f"rds.params.{group_name}", load)

    def caches(self):
        """Replication groups, plus standalone cache clusters (not members of a replication group)."""

        def load():
            found = []
            groups = self.paginate("elasticache", "describe_replication_groups").get("ReplicationGroups", [])
            for group in groups:
                arn = group.get("ARN")
                tags = self._cache_tags(arn)
                if self.in_scope(tags):
                    found.append(
                        Resource(
                            arn, group["ReplicationGroupId"], T_CACHE, tags, dict(group, _kind="replication group")
                        )
                    )
            clusters = self.paginate("elasticache", "describe_cache_clusters").get("CacheClusters", [])
            for cluster in clusters:
                if cluster.get("ReplicationGroupId"):
                    continue
                arn = cluster.get("ARN")
                tags = self._cache_tags(arn)
                if self.in_scope(tags):
                    found.append(
                        Resource(
                            arn,
                            cluster["CacheClusterId"],
                            "AWS::ElastiCache::CacheCluster",
                            tags,
                            dict(cluster, _kind="cache cluster"),
                        )
                    )
            return found

        return self.memo("elasticache.all", load)

    def _cache_tags(self, arn):
        if not arn:
            return {}
        resp = self.call(
            "elasticache",
            "list_tags_for_resource",
            ignore=("ReplicationGroupNotFoundFault", "CacheClusterNotFound"),
            ResourceName=arn,
        )
        return tag_dict((resp or {}).get("TagList"))

    def search_domains(self):
        def load():
            names = [d["DomainName"] for d in self.call("opensearch", "list_domain_names").get("DomainNames", [])]
            found = []
            for start in range(0, len(names), 5):
                resp = self.call("opensearch", "describe_domains", DomainNames=names[start : start + 5])
                for domain in resp.get("DomainStatusList", []):
                    if domain.get("Deleted"):
                        continue
                    tags_resp = self.call(
                        "opensearch", "list_tags", ignore=("ResourceNotFoundException",), ARN=domain["ARN"]
                    )
                    tags = tag_dict((tags_resp or {}).get("TagList"))
                    if self.in_scope(tags):
                        found.append(Resource(domain["ARN"], domain["DomainName"], T_SEARCH, tags, domain))
            return found

        return self.memo("opensearch.domains", load)

    def topics(self):
        def load():
            found = []
            for topic in self.paginate("sns", "list_topics").get("Topics", []):
                arn = topic["TopicArn"]
                name = arn.rsplit(":", 1)[-1]
                if not name.startswith(f"{self.prefix}-"):
                    continue
                tags_resp = self.call(
                    "sns", "list_tags_for_resource", ignore=("NotFound", "ResourceNotFound"), ResourceArn=arn
                )
                tags = tag_dict((tags_resp or {}).get("Tags"))
                if self.in_scope(tags):
                    attrs = self.call("sns", "get_topic_attributes", TopicArn=arn).get("Attributes", {})
                    found.append(Resource(arn, name, T_TOPIC, tags, attrs))
            return found

        return self.memo("sns.topics", load)

    def log_groups(self):
        def load():
            pattern = self.prefix
            listing = self.paginate("logs", "describe_log_groups", logGroupNamePattern=pattern)
            found = []
            for group in listing.get("logGroups", []):
                name = group["logGroupName"]
                # the API matches case-insensitively; an endpoint ignoring the pattern returns all
                if pattern.lower() not in name.lower():
                    continue
                arn = group.get("logGroupArn") or re.sub(r":\*$", "", group["arn"])
                tags_resp = self.call(
                    "logs", "list_tags_for_resource", ignore=("ResourceNotFoundException",), resourceArn=arn
                )
                tags = tag_dict((tags_resp or {}).get("tags"))
                if self.in_scope(tags):
                    found.append(Resource(arn, name, T_LOG_GROUP, tags, group))
            return found

        return self.memo("logs.groups", load)

    def secrets(self):
        def load():
            found = []
            for secret in self.paginate("secretsmanager", "list_secrets").get("SecretList", []):
                tags = tag_dict(secret.get("Tags"))
                if self.in_scope(tags):
                    found.append(Resource(secret["ARN"], secret["Name"], T_SM, tags, secret))
            return found

        return self.memo("secretsmanager.secrets", load)

    def repositories(self):
        def load():
            found = []
            for repo in self.paginate("ecr", "describe_repositories").get("repositories", []):
                tags_resp = self.call(
                    "ecr",
                    "list_tags_for_resource",
                    ignore=("RepositoryNotFoundException",),
                    resourceArn=repo["repositoryArn"],
                )
                tags = tag_dict((tags_resp or {}).get("tags"))
                if self.in_scope(tags):
                    found.append(Resource(repo["repositoryArn"], repo["repositoryName"], T_REPO, tags, repo))
            return found

        return self.memo("ecr.repositories", load)

    def registry_scanning(self):
        def load():
            resp = self.call("ecr", "get_registry_scanning_configuration")
            return resp.get("scanningConfiguration") or {}

        return self.memo("ecr.registry_scanning", load)

    def kms_keys(self):
        def load():
            found = []
            for key in self.paginate("kms", "list_keys").get("Keys", []):
                key_id = key["KeyId"]
                tags_resp = self.paginate(
                    "kms", "list_resource_tags", ignore=("NotFoundException", "AccessDeniedException"), KeyId=key_id
                )
                tags = tag_dict((tags_resp or {}).get("Tags"))
                if not self.in_scope(tags):
                    continue
                meta = self.call("kms", "describe_key", KeyId=key_id)["KeyMetadata"]
                if meta.get("KeyManager") != "CUSTOMER" or meta.get("KeyState") in (
                    "PendingDeletion",
                    "PendingReplicaDeletion",
                ):
                    continue
                found.append(Resource(meta["Arn"], key_id, T_KEY, tags, meta))
            return found

        return self.memo("kms.keys", load)

    def load_balancers(self):
        def load():
            lbs = [
                lb
                for lb in self.paginate("elbv2", "describe_load_balancers").get("LoadBalancers", [])
                if lb.get("Type", "application") == "application"
            ]
            tags_by_arn = {}
            arns = [lb["LoadBalancerArn"] for lb in lbs]
            for start in range(0, len(arns), 20):
                resp = self.call("elbv2", "describe_tags", ResourceArns=arns[start : start + 20])
                for desc in resp.get("TagDescriptions", []):
                    tags_by_arn[desc["ResourceArn"]] = tag_dict(desc.get("Tags"))
            found = []
            for lb in lbs:
                tags = tags_by_arn.get(lb["LoadBalancerArn"], {})
                if self.in_scope(tags):
                    found.append(Resource(lb["LoadBalancerArn"], lb["LoadBalancerName"], T_LB, tags, lb))
            return found

        return self.memo("elbv2.lbs", load)

    def listeners(self, lb_arn):
        return self.memo(
            f"elbv2.listeners.{lb_arn}",
            lambda: self.paginate("elbv2", "describe_listeners", LoadBalancerArn=lb_arn).get("Listeners", []),
        )

    def ssl_policy_protocols(self, names):
        """{policy name: [protocols]} for the named ELB security policies (unknown names are absent)."""
        known = self.memo("elbv2.ssl_policies", dict)
        missing = sorted({n for n in names if n and n not in known})
        for name in missing:
            resp = self.call("elbv2", "describe_ssl_policies", ignore=("SSLPolicyNotFound",), Names=[name])
            for policy in (resp or {}).get("SslPolicies", []):
                known[policy["Name"]] = list(policy.get("SslProtocols", []))
        return known

    def distributions(self):
        def load():
            listing = self.paginate("cloudfront", "list_distributions")
            found = []
            for dist in (listing.get("DistributionList") or {}).get("Items", []):
                tags_resp = self.call(
                    "cloudfront", "list_tags_for_resource", ignore=("NoSuchResource",), Resource=dist["ARN"]
                )
                tags = tag_dict(((tags_resp or {}).get("Tags") or {}).get("Items"))
                if self.in_scope(tags):
                    found.append(Resource(dist["ARN"], dist["Id"], T_DISTRIBUTION, tags, dist))
            return found

        return self.memo("cloudfront.distributions", load)

    def _ec2_tag_filters(self):
        return [
            {"Name": "tag:Project", "Values": [self.platform_name]},
            {"Name": "tag:Environment", "Values": [self.platform_env]},
        ]

    def vpcs(self):
        def load():
            listing = self.paginate("ec2", "describe_vpcs", Filters=self._ec2_tag_filters())
            return [
                Resource(
                    vpc["VpcId"],
                    tag_dict(vpc.get("Tags")).get("Name", vpc["VpcId"]),
                    T_VPC,
                    tag_dict(vpc.get("Tags")),
                    vpc,
                )
                for vpc in listing.get("Vpcs", [])
                if self.in_scope(tag_dict(vpc.get("Tags")))
            ]

        return self.memo("ec2.vpcs", load)

    def security_groups(self):
        def load():
            listing = self.paginate("ec2", "describe_security_groups", Filters=self._ec2_tag_filters())
            return [
                Resource(sg["GroupId"], sg.get("GroupName", sg["GroupId"]), T_SG, tag_dict(sg.get("Tags")), sg)
                for sg in listing.get("SecurityGroups", [])
                if self.in_scope(tag_dict(sg.get("Tags")))
            ]

        return self.memo("ec2.security_groups", load)

    def user_pools(self):
        def load():
            found = []
            for pool in self.paginate("cognito-idp", "list_user_pools", MaxResults=60).get("UserPools", []):
                desc = self.call(
                    "cognito-idp", "describe_user_pool", ignore=("ResourceNotFoundException",), UserPoolId=pool["Id"]
                )
                if not desc:
                    continue
                detail = desc["UserPool"]
                tags = tag_dict(detail.get("UserPoolTags"))
                if self.in_scope(tags):
                    found.append(
                        Resource(
                            detail.get("Arn") or detail["Id"], detail.get("Name", detail["Id"]), T_POOL, tags, detail
                        )
                    )
            return found

        return self.memo("cognito.pools", load)

    def roles(self):
        def load():
            found = []
            for role in self.paginate("iam", "list_roles").get("Roles", []):
                name = role["RoleName"]
                if not name.startswith(f"{self.prefix}-"):
                    continue
                tags_resp = self.paginate("iam", "list_role_tags", ignore=("NoSuchEntity",), RoleName=name)
                tags = tag_dict((tags_resp or {}).get("Tags"))
                if self.in_scope(tags):
                    found.append(Resource(role["Arn"], name, T_ROLE, tags, role))
            return found

        return self.memo("iam.roles", load)

    def role_policies(self, role_name):
        """[(label, document)] of a role's inline and attached managed policies."""

        def load():
            policies = []
            inline = self.paginate("iam", "list_role_policies", RoleName=role_name).get("PolicyNames", [])
            for policy_name in inline:
                resp = self.call("iam", "get_role_policy", RoleName=role_name, PolicyName=policy_name)
                policies.append((f"inline policy {policy_name}", _policy_document(resp["PolicyDocument"])))
            attached = self.paginate("iam", "list_attached_role_policies", RoleName=role_name).get(
                "AttachedPolicies", []
            )
            for policy in attached:
                document = self.managed_policy(policy["PolicyArn"])
                label = f"managed policy {policy['PolicyArn']}"
                policies.append((label, document))
            return policies

        return self.memo(f"iam.role_policies.{role_name}", load)

    def managed_policy(self, arn):
        def load():
            policy = self.call("iam", "get_policy", ignore=("NoSuchEntity",), PolicyArn=arn)
            if not policy:
                return None
            version = self.call(
                "iam", "get_policy_version", PolicyArn=arn, VersionId=policy["Policy"]["DefaultVersionId"]
            )
            return _policy_document(version["PolicyVersion"]["Document"])

        return self.memo(f"iam.policy.{arn}", load)

    def task_definitions(self):
        """The latest ACTIVE revision of each ``{name}-{env}*`` family plus those the cluster's services run."""

        def load():
            arns = []
            families = self.paginate(
                "ecs", "list_task_definition_families", familyPrefix=self.prefix, status="ACTIVE"
            ).get("families", [])
            arns.extend(f for f in families if f == self.prefix or f.startswith(f"{self.prefix}-"))
            services = self.paginate("ecs", "list_services", ignore=("ClusterNotFoundException",), cluster=self.prefix)
            service_arns = (services or {}).get("serviceArns", [])
            for start in range(0, len(service_arns), 10):
                resp = self.call(
                    "ecs", "describe_services", cluster=self.prefix, services=service_arns[start : start + 10]
                )
                arns.extend(s["taskDefinition"] for s in resp.get("services", []) if s.get("taskDefinition"))
            found = {}
            for ref in arns:
                resp = self.call(
                    "ecs", "describe_task_definition", ignore=("ClientException",), taskDefinition=ref, include=["TAGS"]
                )
                if not resp:
                    continue
                task_def = resp["taskDefinition"]
                tags = tag_dict(resp.get("tags"))
                if self.in_scope(tags) and task_def["taskDefinitionArn"] not in found:
                    name = f"{task_def['family']}:{task_def['revision']}"
                    found[task_def["taskDefinitionArn"]] = Resource(
                        task_def["taskDefinitionArn"], name, T_TASK_DEF, tags, task_def
                    )
            return list(found.values())

        return self.memo("ecs.task_definitions", load)

    def trails(self):
        """Trails covering the region that are account-level (no Project tag) or this platform's."""

        def load():
            found = []
            for trail in self.call("cloudtrail", "describe_trails", includeShadowTrails=True).get("trailList", []):
                if not (trail.get("IsMultiRegionTrail") or trail.get("HomeRegion") == self.region):
                    continue
                tags = {}
                if trail.get("HomeRegion") == self.region:
                    resp = self.call(
                        "cloudtrail",
                        "list_tags",
                        ignore=("CloudTrailARNInvalidException",),
                        ResourceIdList=[trail["TrailARN"]],
                    )
                    for entry in (resp or {}).get("ResourceTagList", []):
                        tags.update(tag_dict(entry.get("TagsList")))
                if "Project" in tags and not self.in_scope(tags):
                    continue  # another platform's trail
                found.append(Resource(trail["TrailARN"], trail["Name"], T_TRAIL, tags, trail))
            return found

        return self.memo("cloudtrail.trails", load)

    def all_resources(self):
        """Every discovered resource, for TAGS.REQUIRED: [(type noun, loader)]."""
        return (
            (T_BUCKET, self.buckets),
            (T_DB, self.db_instances),
            (T_CACHE, self.caches),
            (T_SEARCH, self.search_domains),
            (T_TOPIC, self.topics),
            (T_LOG_GROUP, self.log_groups),
            (T_SM, self.secrets),
            (T_REPO, self.repositories),
            (T_KEY, self.kms_keys),
            (T_LB, self.load_balancers),
            (T_DISTRIBUTION, self.distributions),
            (T_VPC, self.vpcs),
            (T_SG, self.security_groups),
            (T_POOL, self.user_pools),
            (T_ROLE, self.roles),
            (T_TASK_DEF, self.task_definitions),
        )

    def web_acls(self):
        """The stack's regional WAFv2 web ACLs (named ``{prefix}-*``, confirmed by their tags)."""

        def load():
            found = []
            marker = None
            while True:
                kwargs = {"Scope": "REGIONAL", "Limit": 100}
                if marker:
                    kwargs["NextMarker"] = marker
                resp = self.call("wafv2", "list_web_acls", **kwargs)
                for acl in resp.get("WebACLs", []):
                    if not acl["Name"].startswith(f"{self.prefix}-"):
                        continue
                    tags_resp = self.call(
                        "wafv2",
                        "list_tags_for_resource",
                        ignore=("WAFNonexistentItemException",),
                        ResourceARN=acl["ARN"],
                    )
                    tags = tag_dict(((tags_resp or {}).get("TagInfoForResource") or {}).get("TagList"))
                    if self.in_scope(tags):
                        found.append(Resource(acl["ARN"], acl["Name"], T_WEB_ACL, tags, acl))
                marker = resp.get("NextMarker")
                if not marker or not resp.get("WebACLs"):
                    return found

        return self.memo("wafv2.web_acls", load)

    def key_policy(self, key_id):
        def load():
            resp = self.call("kms", "get_key_policy", KeyId=key_id, PolicyName="default")
            return _policy_document(resp.get("Policy"))

        return self.memo(f"kms.policy.{key_id}", load)

    def key_state(self, key_id):
        """KeyState of a KMS key (``"NotFound"`` when it no longer exists)."""

        def load():
            resp = self.call("kms", "describe_key", ignore=("NotFoundException",), KeyId=key_id)
            return (resp or {}).get("KeyMetadata", {}).get("KeyState") or "NotFound"

        return self.memo(f"kms.state.{key_id}", load)

    def db_snapshots(self):
        """Manual DB snapshots (final snapshots included) tagged for the stack."""

        def load():
            listing = self.paginate("rds", "describe_db_snapshots", SnapshotType="manual")
            found = []
            for snap in listing.get("DBSnapshots", []):
                tags = tag_dict(snap.get("TagList"))
                if self.in_scope(tags):
                    found.append(Resource(snap["DBSnapshotArn"], snap["DBSnapshotIdentifier"], T_SNAPSHOT, tags, snap))
            return found

        return self.memo("rds.snapshots", load)

    def cache_snapshots(self):
        """Manual ElastiCache snapshots (final snapshots included) tagged for the stack."""

        def load():
            listing = self.paginate("elasticache", "describe_snapshots", SnapshotSource="manual")
            found = []
            for snap in listing.get("Snapshots", []):
                arn = snap.get("ARN")
                tags = {}
                if arn:
                    resp = self.call(
                        "elasticache", "list_tags_for_resource", ignore=("SnapshotNotFoundFault",), ResourceName=arn
                    )
                    tags = tag_dict((resp or {}).get("TagList"))
                if self.in_scope(tags):
                    found.append(Resource(arn, snap["SnapshotName"], T_CACHE_SNAPSHOT, tags, snap))
            return found

        return self.memo("elasticache.snapshots", load)


def result(resource, status, detail, severity=None, rtype=None):
    """A check's verdict on one resource (the runner adds the control's metadata)."""
    if isinstance(resource, Resource):
        rid, rtype = resource["id"], rtype or resource["type"]
    else:
        rid = resource
    return {"resource": rid, "resource_type": rtype, "status": status, "detail": detail, "severity": severity}


def _each(resources, evaluate):
    """Evaluate each resource; an unsupported per-resource API makes only that resource NOT_APPLICABLE."""
    out = []
    for resource in resources:
        try:
            verdict = evaluate(resource)
        except Unsupported as e:
            verdict = result(resource, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported")
        if verdict is None:
            continue
        out.extend(verdict if isinstance(verdict, list) else [verdict])
    return out


def _passfail(resource, ok, pass_detail, fail_detail):
    return result(resource, "PASS" if ok else "FAIL", pass_detail if ok else fail_detail)


def _prod_only(a, resource, what):
    return result(resource, "NOT_APPLICABLE", f"required in prod only ({what}; environment {a.platform_env})")


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


# --- RDS ----------------------------------------------------------------------------------------
@check("RDS.ENCRYPTION")
def _rds_encryption(a):
    return _each(
        a.db_instances(),
        lambda db: _passfail(
            db,
            db["data"].get("StorageEncrypted"),
            f"storage encrypted with {db['data'].get('KmsKeyId', 'KMS')}",
            "StorageEncrypted is false",
        ),
    )


def _ssl_parameter(engine, version):
    """(parameter name, engine default) of the "require TLS" setting, or None when not governed by one."""
    major = 0
    match = re.match(r"(\d+)", version or "")
    if match:
        major = int(match.group(1))
    if engine in ("postgres", "aurora-postgresql"):
        return "rds.force_ssl", "1" if major >= 15 else "0"
    if engine in ("mysql", "mariadb", "aurora-mysql", "aurora"):
        return "require_secure_transport", "0"
    if engine.startswith("sqlserver"):
        return "rds.force_ssl", "0"
    return None


@check("RDS.FORCE_SSL")
def _rds_force_ssl(a):
    def evaluate(db):
        data = db["data"]
        engine = data.get("Engine", "")
        setting = _ssl_parameter(engine, data.get("EngineVersion"))
        if setting is None:
            return result(db, "NOT_APPLICABLE", f"engine {engine} is not governed by a force-SSL parameter")
        parameter, default = setting
        groups = data.get("DBParameterGroups", [])
        if not groups:
            return result(db, "FAIL", "no DB parameter group reported")
        group = groups[0]["DBParameterGroupName"]
        values = a.db_parameters(group)
        value = (values or {}).get(parameter)
        source = f"parameter group {group}"
        if value is None:
            value = default
            source = f"engine default for {engine} {data.get('EngineVersion', '')} ({group} does not set it)"
        pending = groups[0].get("ParameterApplyStatus") == "pending-reboot"
        ok = str(value).lower() in ("1", "on", "true")
        detail = f"{parameter}={value} from {source}" + ("; pending reboot" if pending else "")
        return result(db, "PASS" if ok else "FAIL", detail)

    return _each(a.db_instances(), evaluate)


@check("RDS.LOG_EXPORTS")
def _rds_log_exports(a):
    def evaluate(db):
        exports = db["data"].get("EnabledCloudwatchLogsExports") or []
        engine = db["data"].get("Engine", "")
        if engine in ("postgres", "aurora-postgresql"):
            ok = "postgresql" in exports
            want = "postgresql"
        else:
            ok = bool(exports)
            want = "any log type"
        return _passfail(
            db, ok, f"exports {', '.join(exports)}", f"CloudWatch log exports {exports or 'none'}; expected {want}"
        )

    return _each(a.db_instances(), evaluate)


@check("RDS.BACKUP_RETENTION")
def _rds_backup_retention(a):
    def evaluate(db):
        data = db["data"]
        if data.get("ReadReplicaSourceDBInstanceIdentifier"):
            return result(
                db,
                "NOT_APPLICABLE",
                f"read replica of {data['ReadReplicaSourceDBInstanceIdentifier']}; backups are taken on the source",
            )
        days = int(data.get("BackupRetentionPeriod") or 0)
        return _passfail(db, days >= 7, f"backup retention {days} days", f"backup retention {days} days (< 7)")

    return _each(a.db_instances(), evaluate)


@check("RDS.MULTI_AZ")
def _rds_multi_az(a):
    def evaluate(db):
        multi = bool(db["data"].get("MultiAZ"))
        if not a.is_prod:
            return _prod_only(a, db, f"MultiAZ={multi}")
        if db["data"].get("ReadReplicaSourceDBInstanceIdentifier"):
            return result(db, "NOT_APPLICABLE", "read replica")
        return _passfail(db, multi, "Multi-AZ", "MultiAZ is false in prod")

    return _each(a.db_instances(), evaluate)


@check("RDS.DELETION_PROTECTION")
def _rds_deletion_protection(a):
    def evaluate(db):
        protected = bool(db["data"].get("DeletionProtection"))
        if not a.is_prod:
            return _prod_only(a, db, f"DeletionProtection={protected}")
        return _passfail(db, protected, "deletion protection on", "DeletionProtection is false in prod")

    return _each(a.db_instances(), evaluate)


@check("RDS.PUBLIC_ACCESS")
def _rds_public_access(a):
    return _each(
        a.db_instances(),
        lambda db: _passfail(
            db, not db["data"].get("PubliclyAccessible"), "not publicly accessible", "PubliclyAccessible is true"
        ),
    )


# --- ElastiCache --------------------------------------------------------------------------------
@check("ELASTICACHE.AT_REST_ENCRYPTION")
def _cache_at_rest(a):
    return _each(
        a.caches(),
        lambda c: _passfail(
            c, c["data"].get("AtRestEncryptionEnabled"), "encrypted at rest", "AtRestEncryptionEnabled is false"
        ),
    )


@check("ELASTICACHE.TRANSIT_ENCRYPTION")
def _cache_transit(a):
    def evaluate(cache):
        data = cache["data"]
        if not data.get("TransitEncryptionEnabled"):
            return result(cache, "FAIL", "TransitEncryptionEnabled is false")
        if data.get("TransitEncryptionMode") == "preferred":
            return result(cache, "FAIL", "TransitEncryptionMode is preferred: plaintext connections are still accepted")
        return result(cache, "PASS", "transit encryption required")

    return _each(a.caches(), evaluate)


@check("ELASTICACHE.SNAPSHOT_RETENTION")
def _cache_snapshots(a):
    def evaluate(cache):
        if cache["data"].get("Engine") == "memcached":
            return result(cache, "NOT_APPLICABLE", "memcached has no snapshots")
        days = int(cache["data"].get("SnapshotRetentionLimit") or 0)
        return _passfail(
            cache, days > 0, f"snapshots kept {days} days", "SnapshotRetentionLimit is 0 (no automatic snapshots)"
        )

    return _each(a.caches(), evaluate)


@check("ELASTICACHE.AUTOMATIC_FAILOVER")
def _cache_failover(a):
    def evaluate(cache):
        status = cache["data"].get("AutomaticFailover") or "disabled"
        if not a.is_prod:
            return _prod_only(a, cache, f"AutomaticFailover={status}")
        if cache["data"]["_kind"] != "replication group":
            return result(cache, "FAIL", "standalone cache cluster in prod cannot fail over")
        return _passfail(
            cache, status == "enabled", "automatic failover enabled", f"AutomaticFailover is {status} in prod"
        )

    return _each(a.caches(), evaluate)


# --- OpenSearch ---------------------------------------------------------------------------------
@check("OPENSEARCH.AT_REST_ENCRYPTION")
def _search_at_rest(a):
    return _each(
        a.search_domains(),
        lambda d: _passfail(
            d,
            (d["data"].get("EncryptionAtRestOptions") or {}).get("Enabled"),
            "encrypted at rest",
            "EncryptionAtRestOptions.Enabled is false",
        ),
    )


@check("OPENSEARCH.NODE_TO_NODE_ENCRYPTION")
def _search_node_to_node(a):
    return _each(
        a.search_domains(),
        lambda d: _passfail(
            d,
            (d["data"].get("NodeToNodeEncryptionOptions") or {}).get("Enabled"),
            "node-to-node encryption on",
            "NodeToNodeEncryptionOptions.Enabled is false",
        ),
    )


@check("OPENSEARCH.HTTPS_TLS12")
def _search_https(a):
    def evaluate(domain):
        options = domain["data"].get("DomainEndpointOptions") or {}
        problems = []
        if not options.get("EnforceHTTPS"):
            problems.append("EnforceHTTPS is false")
        policy = options.get("TLSSecurityPolicy") or "unset"
        if not policy.startswith(TLS12_OPENSEARCH_POLICY_PREFIX):
            problems.append(f"TLSSecurityPolicy is {policy}")
        return _passfail(domain, not problems, f"HTTPS enforced with {policy}", "; ".join(problems))

    return _each(a.search_domains(), evaluate)


@check("OPENSEARCH.LOG_PUBLISHING")
def _search_logs(a):
    def evaluate(domain):
        options = domain["data"].get("LogPublishingOptions") or {}
        enabled = sorted(kind for kind, opt in options.items() if (opt or {}).get("Enabled"))
        ok = any(kind in ("AUDIT_LOGS", "ES_APPLICATION_LOGS") for kind in enabled)
        return _passfail(
            domain,
            ok,
            f"publishing {', '.join(enabled)}",
            f"neither AUDIT_LOGS nor ES_APPLICATION_LOGS published (enabled: {enabled or 'none'})",
        )

    return _each(a.search_domains(), evaluate)


@check("OPENSEARCH.ZONE_AWARENESS")
def _search_zones(a):
    def evaluate(domain):
        aware = bool((domain["data"].get("ClusterConfig") or {}).get("ZoneAwarenessEnabled"))
        if not a.is_prod:
            return _prod_only(a, domain, f"ZoneAwarenessEnabled={aware}")
        return _passfail(domain, aware, "zone awareness on", "ZoneAwarenessEnabled is false in prod")

    return _each(a.search_domains(), evaluate)


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


# --- load balancers, WAF, CloudFront ------------------------------------------------------------
def _listener_results(a, evaluate):
    out = []
    for lb in a.load_balancers():
        try:
            listeners = a.listeners(lb["id"])
        except Unsupported as e:
            out.append(result(lb, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported"))
            continue
        if not listeners:
            out.append(result(lb, "NOT_APPLICABLE", "load balancer has no listeners"))
            continue
        out.extend(
            _each(
                [Resource(ls["ListenerArn"], ls["ListenerArn"], T_LISTENER, lb["tags"], ls) for ls in listeners],
                evaluate,
            )
        )
    return out


def _redirects_to_https(listener):
    for action in listener.get("DefaultActions", []):
        if action.get("Type") == "redirect" and (action.get("RedirectConfig") or {}).get("Protocol") == "HTTPS":
            return True
    return False


@check("ELB.HTTPS_ONLY")
def _elb_https_only(a):
    def evaluate(listener):
        data = listener["data"]
        protocol = data.get("Protocol")
        port = data.get("Port")
        if protocol == "HTTPS":
            return result(listener, "PASS", f"HTTPS on port {port}")
        if protocol == "HTTP" and _redirects_to_https(data):
            return result(listener, "PASS", f"HTTP on port {port} only redirects to HTTPS")
        kinds = ", ".join(act.get("Type", "?") for act in data.get("DefaultActions", []))
        return result(
            listener,
            "FAIL",
            f"{protocol} listener on port {port} serves traffic (default action: {kinds}) instead of redirecting to HTTPS",
        )

    return _listener_results(a, evaluate)


@check("ELB.TLS_POLICY")
def _elb_tls_policy(a):
    def evaluate(listener):
        data = listener["data"]
        if data.get("Protocol") != "HTTPS":
            return None
        policy = data.get("SslPolicy") or "unset"
        protocols = a.ssl_policy_protocols([policy]).get(policy)
        if protocols is None:
            return result(
                listener, "FAIL", f"security policy {policy} is unknown to the endpoint; cannot confirm TLS 1.2+"
            )
        legacy = [p for p in protocols if p in LEGACY_TLS]
        return _passfail(
            listener, not legacy, f"{policy}: {', '.join(protocols)}", f"{policy} allows {', '.join(legacy)}"
        )

    return _listener_results(a, evaluate)


@check("ELB.ACCESS_LOGS")
def _elb_access_logs(a):
    def evaluate(lb):
        attrs = a.call("elbv2", "describe_load_balancer_attributes", LoadBalancerArn=lb["id"]).get("Attributes", [])
        values = {attr["Key"]: attr.get("Value") for attr in attrs}
        on = values.get("access_logs.s3.enabled") == "true"
        return _passfail(
            lb, on, f"access logs to s3://{values.get('access_logs.s3.bucket')}", "access_logs.s3.enabled is not true"
        )

    return _each(a.load_balancers(), evaluate)


@check("WAF.ALB_ASSOCIATION")
def _waf_alb(a):
    def evaluate(lb):
        if lb["data"].get("Scheme") == "internal":
            return result(lb, "NOT_APPLICABLE", "internal load balancer")
        resp = a.call(
            "wafv2", "get_web_acl_for_resource", ignore=("WAFNonexistentItemException",), ResourceArn=lb["id"]
        )
        acl = (resp or {}).get("WebACL")
        return _passfail(lb, acl, f"web ACL {(acl or {}).get('Name')}", "no WAFv2 web ACL associated")

    return _each(a.load_balancers(), evaluate)


def _cache_behaviours(dist):
    behaviours = [("default", dist.get("DefaultCacheBehavior") or {})]
    for item in (dist.get("CacheBehaviors") or {}).get("Items", []) or []:
        behaviours.append((item.get("PathPattern", "?"), item))
    return behaviours


@check("CLOUDFRONT.VIEWER_HTTPS")
def _cloudfront_https(a):
    def evaluate(dist):
        plain = [
            f"{path}: {behaviour.get('ViewerProtocolPolicy', 'allow-all')}"
            for path, behaviour in _cache_behaviours(dist["data"])
            if behaviour.get("ViewerProtocolPolicy", "allow-all") not in ("redirect-to-https", "https-only")
        ]
        return _passfail(dist, not plain, "every cache behaviour requires HTTPS", f"HTTP allowed on {'; '.join(plain)}")

    return _each(a.distributions(), evaluate)


@check("CLOUDFRONT.TLS_POLICY")
def _cloudfront_tls(a):
    def evaluate(dist):
        cert = dist["data"].get("ViewerCertificate") or {}
        custom = cert.get("ACMCertificateArn") or cert.get("IAMCertificateId")
        if not custom:
            return result(dist, "FAIL", "default *.cloudfront.net certificate: viewers may negotiate TLS 1.0")
        version = cert.get("MinimumProtocolVersion") or "unset"
        return _passfail(
            dist, version.startswith("TLSv1.2"), f"minimum protocol {version}", f"MinimumProtocolVersion is {version}"
        )

    return _each(a.distributions(), evaluate)


def _s3_origins(dist):
    """The distribution's origins that read an S3 bucket's REST endpoint."""
    return [
        origin
        for origin in (dist.get("Origins") or {}).get("Items", []) or []
        if "S3OriginConfig" in origin or S3_ORIGIN_DOMAIN_RE.match(origin.get("DomainName") or "")
    ]


@check("CLOUDFRONT.S3_ORIGIN_ACCESS")
def _cloudfront_s3_origin_access(a):
    def signing_behavior(control_id):
        """The OAC's SigningBehavior (read once per audit), None when it does not exist."""

        def load():
            resp = a.call(
                "cloudfront", "get_origin_access_control", ignore=("NoSuchOriginAccessControl",), Id=control_id
            )
            if resp is None:
                return None
            config = (resp.get("OriginAccessControl") or {}).get("OriginAccessControlConfig") or {}
            return config.get("SigningBehavior") or ""

        return a.memo(f"cloudfront.oac.{control_id}", load)

    def evaluate(dist):
        origins = _s3_origins(dist["data"])
        if not origins:
            return result(dist, "NOT_APPLICABLE", "no S3 origin")
        problems, controls, unsupported = [], [], None
        for origin in origins:
            oid = origin.get("Id", "?")
            control_id = origin.get("OriginAccessControlId") or ""
            if not control_id:
                if (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity"):
                    problems.append(f"{oid}: uses a legacy origin access identity, not an origin access control")
                else:
                    problems.append(
                        f"{oid}: no origin access control or identity (the bucket must be public or CloudFront gets 403)"
                    )
                continue
            try:
                behavior = signing_behavior(control_id)
            except Unsupported as e:
                unsupported = e.api
                behavior = "unknown"
            if behavior is None:
                problems.append(f"{oid}: origin access control {control_id} does not exist")
            elif behavior == "never":
                problems.append(
                    f"{oid}: origin access control {control_id} has SigningBehavior never (requests are not signed)"
                )
            else:
                controls.append(f"{oid}: {control_id}")
        if problems:
            return result(dist, "FAIL", "; ".join(problems))
        if unsupported:
            return result(dist, "NOT_APPLICABLE", f"{UNEVALUATED}{unsupported} unsupported")
        return result(dist, "PASS", f"S3 origins read through origin access control ({', '.join(controls)})")

    return _each(a.distributions(), evaluate)


# --- network, audit trail -----------------------------------------------------------------------
@check("VPC.FLOW_LOGS")
def _vpc_flow_logs(a):
    def evaluate(vpc):
        resp = a.paginate("ec2", "describe_flow_logs", Filters=[{"Name": "resource-id", "Values": [vpc["id"]]}])
        logs = [f for f in resp.get("FlowLogs", []) if f.get("ResourceId") == vpc["id"]]
        active = [f for f in logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
        if not active:
            return result(vpc, "FAIL", "no active flow log")
        kinds = sorted({f.get("TrafficType", "?") for f in active})
        if "ALL" not in kinds:
            return result(vpc, "FAIL", f"flow logs capture only {', '.join(kinds)} traffic (ALL required)")
        return result(vpc, "PASS", f"flow log {active[0].get('FlowLogId')} captures ALL traffic")

    return _each(a.vpcs(), evaluate)


def _search_security_groups(a):
    ids = set()
    try:
        for domain in a.search_domains():
            ids.update((domain["data"].get("VPCOptions") or {}).get("SecurityGroupIds", []))
    except Unsupported:
        pass
    return ids


def _open_ranges(permission):
    """The world CIDRs of an ingress permission."""
    cidrs = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
    cidrs += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
    return [c for c in cidrs if c in WORLD_CIDRS]


@check("EC2.OPEN_DATA_PORTS")
def _open_data_ports(a):
    search_groups = None

    def evaluate(sg):
        nonlocal search_groups
        if search_groups is None:
            search_groups = _search_security_groups(a)
        data = sg["data"]
        label = f"{data.get('GroupName', '')} {tag_dict(data.get('Tags')).get('Name', '')}".lower()
        ports = dict(DATA_PORTS)
        if sg["id"] in search_groups or "search" in label:
            ports.update(SEARCH_PORTS)
        problems = []
        for permission in data.get("IpPermissions", []):
            world = _open_ranges(permission)
            if not world:
                continue
            if permission.get("IpProtocol") in ("-1", -1):
                problems.append(f"all traffic from {', '.join(world)}")
                continue
            if permission.get("IpProtocol") not in ("tcp", "6", "udp", "17"):
                continue
            low, high = permission.get("FromPort", 0), permission.get("ToPort", 65535)
            for port in sorted(ports):
                if low <= port <= high:
                    problems.append(f"{port}/{ports[port]} from {', '.join(world)}")
        return _passfail(sg, not problems, "no data or admin port open to the internet", "open: " + "; ".join(problems))

    return _each(a.security_groups(), evaluate)


# --- identity -----------------------------------------------------------------------------------
@check("COGNITO.MFA")
def _cognito_mfa(a):
    return _each(
        a.user_pools(),
        lambda pool: _passfail(
            pool,
            pool["data"].get("MfaConfiguration") == "ON",
            "MFA required",
            f"MfaConfiguration is {pool['data'].get('MfaConfiguration', 'OFF')}",
        ),
    )


@check("COGNITO.PASSWORD_POLICY")
def _cognito_password(a):
    def evaluate(pool):
        policy = ((pool["data"].get("Policies") or {}).get("PasswordPolicy")) or {}
        problems = []
        length = int(policy.get("MinimumLength") or 0)
        if length < 12:
            problems.append(f"MinimumLength {length} (< 12)")
        for key in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"):
            if not policy.get(key):
                problems.append(f"{key} is false")
        return _passfail(pool, not problems, f"minimum length {length}, all character classes", "; ".join(problems))

    return _each(a.user_pools(), evaluate)


def wildcard_grants(document):
    """Problems of an IAM policy document: Allow of "*" / "*:*", of service:* on "*", or with NotAction."""
    problems = []
    for index, statement in enumerate(_statements(document or {})):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid") or f"statement {index}"
        if "NotAction" in statement:
            problems.append(f"{sid}: Allow with NotAction")
            continue
        resources = _as_list(statement.get("Resource"))
        if "NotResource" in statement:
            resources = ["*"]
        for action in _as_list(statement.get("Action")):
            if action in ("*", "*:*"):
                problems.append(f'{sid}: Action "{action}"')
            elif isinstance(action, str) and action.endswith(":*") and "*" in resources:
                problems.append(f'{sid}: "{action}" on Resource "*"')
    return problems


@check("IAM.NO_WILDCARD_ACTIONS")
def _iam_wildcards(a):
    def evaluate(role):
        problems = []
        for label, document in a.role_policies(role["name"]):
            if document is None:
                problems.append(f"{label}: could not be read")
                continue
            problems.extend(f"{label}: {p}" for p in wildcard_grants(document))
        return _passfail(role, not problems, "no wildcard grants in inline or attached policies", "; ".join(problems))

    return _each(a.roles(), evaluate)


# --- ECS ----------------------------------------------------------------------------------------
def plaintext_secret_names(container):
    """Names (never values) of a container's environment variables that look like secrets."""
    names = []
    for env in container.get("environment", []) or []:
        name = env.get("name", "")
        value = env.get("value", "") or ""
        looks_secret = SECRET_NAME_RE.search(name) and not name.upper().endswith(SECRET_REFERENCE_SUFFIXES)
        if looks_secret or CREDENTIALS_IN_URL_RE.search(value):
            names.append(name)
    return names


@check("ECS.NO_PLAINTEXT_SECRETS")
def _ecs_secrets(a):
    def evaluate(task_def):
        problems = []
        for container in task_def["data"].get("containerDefinitions", []):
            names = plaintext_secret_names(container)
            if names:
                problems.append(f"container {container.get('name')}: {', '.join(names)}")
        return _passfail(
            task_def,
            not problems,
            "no secret-like names or credentials in plain environment",
            "secrets in plain environment: " + "; ".join(problems),
        )

    return _each(a.task_definitions(), evaluate)


@check("ECS.NON_ROOT_USER")
def _ecs_user(a):
    def evaluate(task_def):
        problems = []
        for container in task_def["data"].get("containerDefinitions", []):
            user = str(container.get("user") or "")
            if not user:
                problems.append(f"container {container.get('name')}: user not set (image default, often root)")
            elif user.split(":", maxsplit=1)[0] in ROOT_USERS:
                problems.append(f"container {container.get('name')}: user {user}")
        return _passfail(task_def, not problems, "every container runs as a non-root user", "; ".join(problems))

    return _each(a.task_definitions(), evaluate)


# --- tags ---------------------------------------------------------------------------------------
@check("TAGS.REQUIRED")
def _tags_required(a):
    out = []
    for rtype, loader in a.all_resources():
        try:
            resources = loader()
        except Unsupported as e:
            out.append(result(a.prefix, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported", rtype=rtype))
            continue
        for resource in resources:
            wrong = [
                f"{k}={resource['tags'].get(k, '(missing)')}"
                for k, v in REQUIRED_TAGS.items()
                if resource["tags"].get(k) != v
            ]
            out.append(
                _passfail(
                    resource,
                    not wrong,
                    "standard tags present",
                    f"expected ManagedBy=ansible, DataClassification=phi; found {', '.join(wrong)}",
                )
            )
    return out


# --- issue 12: rotation, master secret, WAF logging, pinned OAC, kept snapshot keys --------------
def _fail_closed(resource, evaluate):
    """New controls fail closed: an API the endpoint does not answer (404/500/501) is a FAIL, never
    NOT_APPLICABLE - real AWS answering that way must not pass the audit silently."""
    try:
        return evaluate(resource)
    except Unsupported as e:
        return result(resource, "FAIL", f"{e.api} did not answer (the control fails closed)")


def _each_closed(resources, evaluate):
    return [v for r in resources for v in _as_list(_fail_closed(r, evaluate)) if v is not None]


def _as_datetime(value):
    """A datetime (UTC) from a boto3 datetime or an ISO 8601 string; None when it is neither."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def secret_last_rotation(secret):
    """``(datetime, source)`` of a secret's last rotation: the PlatformRotatedAt tag (playbooks/rotate_secrets.yml)
    or Secrets Manager's LastRotatedDate, whichever is later; else LastChangedDate, else CreatedDate
    (a secret never rotated is as old as its last change). ``(None, None)`` when none is known."""
    data, tags = secret["data"], secret["tags"]
    rotated = [
        (when, source)
        for when, source in (
            (_as_datetime(tags.get(ROTATED_AT_TAG)), f"tag {ROTATED_AT_TAG}"),
            (_as_datetime(data.get("LastRotatedDate")), "LastRotatedDate"),
        )
        if when
    ]
    if rotated:
        return max(rotated, key=lambda item: item[0])
    for field in ("LastChangedDate", "CreatedDate"):
        when = _as_datetime(data.get(field))
        if when:
            return when, field
    return None, None


@check("SECRETS.ROTATION")
def _secrets_rotation(a):
    max_age = datetime.timedelta(days=a.secret_max_age_days)

    def evaluate(secret):
        when, source = secret_last_rotation(secret)
        if when is None:
            return result(secret, "FAIL", "no rotation or change date known")
        # Dates only (never an age in days): the report stays the same from one day to the next.
        day = when.strftime("%Y-%m-%d")
        due = (when + max_age).strftime("%Y-%m-%d")
        if a.now - when > max_age:
            return result(
                secret,
                "FAIL",
                f"last rotated {day} ({source}), more than {a.secret_max_age_days} days ago (was due {due})",
            )
        return result(secret, "PASS", f"last rotated {day} ({source}); due {due}")

    return _each_closed(a.secrets(), evaluate)


def master_secrets(a):
    """The stack's database master credential secrets ({prefix}/database/master, .../master-password)."""
    names = {f"{a.prefix}/{path}" for path in platform_rules.MASTER_SECRET_PATHS}
    return [s for s in a.secrets() if s["name"] in names]


def _references_secret(reference, secret):
    """Whether a valueFrom / policy Resource names ``secret`` (full ARN, ARN with JSON key, or name)."""
    reference = str(reference or "")
    if reference == secret["name"] or reference.startswith(secret["id"]):
        return True
    marker = f":secret:{secret['name']}"
    if marker in reference:
        rest = reference.split(marker, 1)[1]
        return rest == "" or rest[0] in "-:?*"
    return False


def _grants_secret_read(statement, secret):
    """Whether an Allow statement lets its holder GetSecretValue ``secret`` (wildcards included)."""
    if statement.get("Effect") != "Allow":
        return False
    if "NotAction" in statement:
        return True  # Allow everything but some actions: assume it reaches the secret
    actions = [str(x).lower() for x in _as_list(statement.get("Action"))]
    if not any(fnmatch.fnmatchcase("secretsmanager:getsecretvalue", action) for action in actions):
        return False
    if "NotResource" in statement:
        return True
    for resource in map(str, _as_list(statement.get("Resource"))):
        if resource == "*" or fnmatch.fnmatchcase(secret["id"], resource) or _references_secret(resource, secret):
            return True
    return False


@check("SECRETS.MASTER_EXPOSURE")
def _master_exposure(a):
    reader_role = f"{a.prefix}{MASTER_READER_ROLE_SUFFIX}"
    reader_family = f"{a.prefix}{MASTER_READER_FAMILY_SUFFIX}"

    def evaluate(secret):
        problems = []
        for task_def in a.task_definitions():
            if task_def["data"].get("family") == reader_family:
                continue
            for container in task_def["data"].get("containerDefinitions", []):
                names = [
                    item.get("name", "?")
                    for item in container.get("secrets", []) or []
                    if _references_secret(item.get("valueFrom"), secret)
                ]
                if names:
                    problems.append(
                        f"task definition {task_def['name']} container {container.get('name')} reads it as {', '.join(names)}"
                    )
        for role in a.roles():
            if role["name"] == reader_role:
                continue
            for label, document in a.role_policies(role["name"]):
                if any(_grants_secret_read(st, secret) for st in _statements(document or {})):
                    problems.append(f"role {role['name']} ({label}) can read it")
        return _passfail(
            secret,
            not problems,
            f"read by no service task definition and no IAM role of the stack but {reader_role}",
            "; ".join(problems),
        )

    return _each_closed(master_secrets(a), evaluate)


def _destination_name(arn):
    """The resource name of a WAF log destination ARN (log group, bucket or delivery stream)."""
    tail = str(arn).split(":", 5)[-1]
    if tail.startswith("log-group:"):
        return tail[len("log-group:") :].split(":", 1)[0]
    if tail.startswith("deliverystream/"):
        return tail[len("deliverystream/") :]
    return tail.split("/", 1)[0]


@check("WAF.LOGGING")
def _waf_logging(a):
    def evaluate(acl):
        resp = a.call(
            "wafv2", "get_logging_configuration", ignore=("WAFNonexistentItemException",), ResourceArn=acl["id"]
        )
        config = (resp or {}).get("LoggingConfiguration")
        if not config:
            return result(acl, "FAIL", "no logging configuration")
        destinations = _as_list(config.get("LogDestinationConfigs"))
        good = [d for d in destinations if _destination_name(d).startswith(WAF_LOG_DESTINATION_PREFIX)]
        return _passfail(
            acl,
            bool(good) and len(good) == len(destinations),
            f"logs to {', '.join(good)}",
            f"log destinations {', '.join(destinations) or '(none)'} are not named {WAF_LOG_DESTINATION_PREFIX}*",
        )

    return _each_closed(a.web_acls(), evaluate)


def _condition_values(statement, key):
    """Every value of condition ``key`` (case-insensitive) in a statement, with its operator."""
    found = []
    for operator, block in (statement.get("Condition") or {}).items():
        for name, values in (block or {}).items():
            if name.lower() == key.lower():
                found.extend((operator, str(v)) for v in _as_list(values))
    return found


def _is_cloudfront_statement(statement):
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
    return CLOUDFRONT_PRINCIPAL in services


def unpinned_cloudfront_grants(document, distribution_arns):
    """Problems of a policy's cloudfront.amazonaws.com statements: no AWS:SourceArn, a wildcard in it, or an
    ARN that is not one of ``distribution_arns``. ``None`` when the policy has no such statement."""
    statements = [st for st in _statements(document or {}) if _is_cloudfront_statement(st)]
    if not statements:
        return None
    problems = []
    for index, statement in enumerate(statements):
        sid = statement.get("Sid") or f"cloudfront statement {index}"
        values = _condition_values(statement, "AWS:SourceArn")
        if not values:
            problems.append(f"{sid}: no AWS:SourceArn condition (any distribution of any account)")
            continue
        for operator, value in values:
            if "*" in value or "?" in value:
                problems.append(f"{sid}: {operator} AWS:SourceArn {value} has a wildcard")
            elif value not in distribution_arns:
                problems.append(f"{sid}: AWS:SourceArn {value} is not a distribution of the stack")
    return problems


@check("CLOUDFRONT.OAC_PINNED")
def _cloudfront_oac_pinned(a):
    distribution_arns = {d["id"] for d in a.distributions()}

    def evaluate_bucket(bucket):
        problems = unpinned_cloudfront_grants(a.bucket_policy(bucket["name"]), distribution_arns)
        if problems is None:
            return None
        return _passfail(bucket, not problems, "CloudFront reads only as the stack's distribution", "; ".join(problems))

    def evaluate_key(key):
        problems = unpinned_cloudfront_grants(a.key_policy(key["data"]["KeyId"]), distribution_arns)
        if problems is None:
            return None
        return _passfail(key, not problems, "CloudFront decrypts only as the stack's distribution", "; ".join(problems))

    return _each_closed(a.buckets(), evaluate_bucket) + _each_closed(a.kms_keys(), evaluate_key)


@check("SNAPSHOT.KEY_RETAINED")
def _snapshot_key_retained(a):
    def evaluate(snapshot):
        key = snapshot["data"].get("KmsKeyId")
        if not key:
            return result(snapshot, "PASS", "not encrypted with a KMS key (no key to lose)")
        state = a.key_state(key)
        return _passfail(
            snapshot,
            state == "Enabled",
            f"KMS key {key} is Enabled",
            f"KMS key {key} is {state}: the snapshot {'can no longer' if state == 'NotFound' else 'may soon not'} be restored",
        )

    return _each_closed(a.db_snapshots(), evaluate) + _each_closed(a.cache_snapshots(), evaluate)


# --- issue 13: the account's security baseline --------------------------------------------------
# These controls fail closed: an API the endpoint does not answer is a FAIL (never NOT_APPLICABLE),
# and any other error (AccessDenied...) aborts the audit like every control's. A missing service is a
# FAIL on "<service>:<region>" (the account's service in the audited region: one stable id to waive).
def _baseline_note(a, control_id):
    switch = BASELINE_SWITCHES[control_id]
    if a.baseline.get(switch, True):
        return ""
    return (
        f"; security_baseline_{switch} is false: the organisation must provide it,"
        f" or waive {control_id} in compliance_waivers"
    )


def _baseline_check(control_id, rtype):
    """Register a baseline check; its FAILs name the switch, an unanswered API fails closed."""

    def register(func):
        def run(a):
            try:
                verdicts = func(a)
            except Unsupported as e:
                verdicts = [
                    result(
                        f"{BASELINE_SWITCHES[control_id]}:{a.region}",
                        "FAIL",
                        f"{e.api} did not answer (the control fails closed)",
                        rtype=rtype,
                    )
                ]
            note = _baseline_note(a, control_id)
            for verdict in verdicts:
                if verdict["status"] == "FAIL" and note:
                    verdict["detail"] += note
            return verdicts

        return check(control_id)(run)

    return register


def _service_resource(a, service):
    return f"{service}:{a.region}"


def _trail_statuses(a):
    """[(trail, status)] of the trails covering the region (GetTrailStatus by ARN: shadow trails too)."""

    def load():
        return [(t, a.call("cloudtrail", "get_trail_status", Name=t["id"])) for t in a.trails()]

    return a.memo("cloudtrail.statuses", load)


def _logging_trails(a):
    return [t for t, status in _trail_statuses(a) if status.get("IsLogging")]


def _no_trail(a):
    return result(
        _service_resource(a, "cloudtrail"),
        "FAIL",
        "no CloudTrail trail covers this region; only the 90-day event history records API calls",
        rtype=T_TRAIL,
    )


def _trail_is_baseline(trail):
    return bool(trail["data"].get("LogFileValidationEnabled")) and bool(trail["data"].get("KmsKeyId"))


@_baseline_check("CLOUDTRAIL.LOGGING", T_TRAIL)
def _cloudtrail(a):
    statuses = _trail_statuses(a)
    if not statuses:
        return [_no_trail(a)]
    logging = [t for t, status in statuses if status.get("IsLogging")]
    if logging:
        return [
            result(t, "PASS", "trail is logging" + (" (multi-region)" if t["data"].get("IsMultiRegionTrail") else ""))
            for t in logging
        ]
    return [result(t, "FAIL", "trail exists but is not logging") for t, _status in statuses]


def _logging_trail_property(a, ok, pass_detail, fail_detail):
    """A property every logging trail should have; the region passes when one logging trail has it
    together with the other baseline property (validation and KMS: one trail must be the whole record)."""
    trails = _logging_trails(a)
    if not trails:
        detail = "no trail logs this region" if _trail_statuses(a) else "no CloudTrail trail covers this region"
        return [result(_service_resource(a, "cloudtrail"), "FAIL", detail, rtype=T_TRAIL)]
    complete = [t for t in trails if _trail_is_baseline(t)]
    if complete:
        return [result(t, "PASS", pass_detail(t)) for t in complete]
    return [_passfail(t, ok(t), pass_detail(t), fail_detail(t)) for t in trails]


@_baseline_check("CLOUDTRAIL.VALIDATION", T_TRAIL)
def _cloudtrail_validation(a):
    return _logging_trail_property(
        a,
        lambda t: bool(t["data"].get("LogFileValidationEnabled")),
        lambda t: (
            "log file validation is on"
            + ("" if t["data"].get("KmsKeyId") else " (but the trail is not KMS-encrypted: CLOUDTRAIL.ENCRYPTED)")
        ),
        lambda t: "log file validation is off: tampering with delivered log files cannot be detected",
    )


@_baseline_check("CLOUDTRAIL.ENCRYPTED", T_TRAIL)
def _cloudtrail_encrypted(a):
    return _logging_trail_property(
        a,
        lambda t: bool(t["data"].get("KmsKeyId")),
        lambda t: (
            f"log files encrypted with {t['data'].get('KmsKeyId')}"
            + ("" if t["data"].get("LogFileValidationEnabled") else " (but validation is off: CLOUDTRAIL.VALIDATION)")
        ),
        lambda t: "log files are encrypted with SSE-S3 only (no KmsKeyId)",
    )


@_baseline_check("GUARDDUTY.ENABLED", T_DETECTOR)
def _guardduty(a):
    resource = _service_resource(a, "guardduty")
    ids = a.paginate("guardduty", "list_detectors").get("DetectorIds", [])
    if not ids:
        return [result(resource, "FAIL", "no GuardDuty detector in this region", rtype=T_DETECTOR)]
    statuses = {}
    for detector_id in ids:
        detector = a.call("guardduty", "get_detector", DetectorId=detector_id)
        statuses[detector_id] = detector.get("Status", "(unknown)")
    enabled = [d for d, status in statuses.items() if status == "ENABLED"]
    if enabled:
        return [result(resource, "PASS", f"detector {', '.join(enabled)} is ENABLED", rtype=T_DETECTOR)]
    found = ", ".join(f"{d} is {status}" for d, status in statuses.items())
    return [result(resource, "FAIL", f"detector {found}: no findings are generated", rtype=T_DETECTOR)]


@_baseline_check("SECURITYHUB.FSBP", T_HUB)
def _securityhub(a):
    resource = _service_resource(a, "securityhub")
    # DescribeHub: InvalidAccessException "Account is not subscribed to AWS Security Hub" when it is off.
    hub = a.call("securityhub", "describe_hub", ignore=("InvalidAccessException",))
    if not hub:
        return [result(resource, "FAIL", "Security Hub is not enabled in this region", rtype=T_HUB)]
    subscriptions = a.paginate("securityhub", "get_enabled_standards").get("StandardsSubscriptions", [])
    fsbp = [s for s in subscriptions if FSBP_STANDARD_RE.match(s.get("StandardsArn", ""))]
    ready = [s for s in fsbp if s.get("StandardsStatus") == "READY"]
    if ready:
        return [result(resource, "PASS", f"hub {hub.get('HubArn')}: {ready[0]['StandardsArn']} is READY", rtype=T_HUB)]
    if fsbp:
        states = ", ".join(sorted({s.get("StandardsStatus", "(unknown)") for s in fsbp}))
        detail = f"the AWS Foundational Security Best Practices standard is {states}, not READY"
        if "PENDING" in states:
            detail += " (enabling takes a few minutes: audit again)"
        return [result(resource, "FAIL", detail, rtype=T_HUB)]
    return [
        result(
            resource,
            "FAIL",
            "Security Hub is enabled without the AWS Foundational Security Best Practices standard",
            rtype=T_HUB,
        )
    ]


def _records_all_supported(recorder):
    group = recorder.get("recordingGroup") or {}
    strategy = (group.get("recordingStrategy") or {}).get("useOnly")
    return bool(group.get("allSupported")) and strategy in (None, "ALL_SUPPORTED_RESOURCE_TYPES")


@_baseline_check("CONFIG.RECORDING", T_RECORDER)
def _config_recording(a):
    resource = _service_resource(a, "config")
    recorders = a.call("config", "describe_configuration_recorders").get("ConfigurationRecorders", [])
    if not recorders:
        return [result(resource, "FAIL", "no AWS Config configuration recorder in this region", rtype=T_RECORDER)]
    statuses = {
        s.get("name"): s
        for s in a.call("config", "describe_configuration_recorder_status").get("ConfigurationRecordersStatus", [])
    }
    channels = a.call("config", "describe_delivery_channels").get("DeliveryChannels", [])
    problems = []
    for recorder in recorders:
        name = recorder.get("name")
        wrong = []
        if not _records_all_supported(recorder):
            wrong.append("does not record all supported resource types")
        if not statuses.get(name, {}).get("recording"):
            wrong.append("is not recording (start it)")
        if not wrong and channels:
            return [
                result(
                    resource,
                    "PASS",
                    f"recorder {name} records all supported resources, delivery channel {channels[0].get('name')}",
                    rtype=T_RECORDER,
                )
            ]
        problems.append(f"recorder {name} {' and '.join(wrong)}" if wrong else f"recorder {name} is fine")
    if not channels:
        problems.append("no delivery channel")
    return [result(resource, "FAIL", "; ".join(problems), rtype=T_RECORDER)]


def _backup_plans(a):
    """[(plan summary, rules, [selection])] of the region's backup plans."""

    def load():
        plans = []
        for summary in a.paginate("backup", "list_backup_plans").get("BackupPlansList", []):
            plan_id = summary["BackupPlanId"]
            plan = a.call("backup", "get_backup_plan", BackupPlanId=plan_id).get("BackupPlan", {})
            selections = []
            listing = a.paginate("backup", "list_backup_selections", BackupPlanId=plan_id)
            for item in listing.get("BackupSelectionsList", []):
                resp = a.call("backup", "get_backup_selection", BackupPlanId=plan_id, SelectionId=item["SelectionId"])
                selections.append(resp.get("BackupSelection", {}))
            plans.append((summary, plan.get("Rules", []), selections))
        return plans

    return a.memo("backup.plans", load)


def _wildcard_match(pattern, value):
    """AWS's string wildcard: * any run of characters, ? one character (case sensitive)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


_TAG_KEY_PREFIX = "aws:ResourceTag/"


def _tag_condition(tags, condition, operator):
    key = condition.get("ConditionKey", "")
    value = condition.get("ConditionValue", "")
    if not key.startswith(_TAG_KEY_PREFIX):
        return False  # a condition key the audit cannot evaluate never counts as covering
    actual = tags.get(key[len(_TAG_KEY_PREFIX) :])
    if operator == "StringEquals":
        return actual == value
    if operator == "StringNotEquals":
        return actual != value
    if operator == "StringLike":
        return actual is not None and _wildcard_match(value, actual)
    if operator == "StringNotLike":
        return actual is None or not _wildcard_match(value, actual)
    return False


def selection_covers(selection, arn, tags):
    """Whether an AWS Backup selection assigns the resource (``arn`` with ``tags``) to its plan.

    AWS Backup: (Resources OR ListOfTags) AND every Conditions entry, minus NotResources; neither
    Resources nor ListOfTags means every supported resource. ListOfTags is StringEquals on a tag key
    (any of them matches); Conditions take ``aws:ResourceTag/<key>`` with StringEquals, StringNotEquals,
    StringLike and StringNotLike (all must match).
    """
    if any(_wildcard_match(p, arn) for p in selection.get("NotResources") or []):
        return False
    resources = selection.get("Resources") or []
    list_of_tags = selection.get("ListOfTags") or []
    included = not resources and not list_of_tags
    included = included or any(_wildcard_match(p, arn) for p in resources)
    for entry in list_of_tags:
        if str(entry.get("ConditionType", "STRINGEQUALS")).upper() != "STRINGEQUALS":
            continue
        key = entry.get("ConditionKey", "")
        key = key[len(_TAG_KEY_PREFIX) :] if key.startswith(_TAG_KEY_PREFIX) else key
        if tags.get(key) == entry.get("ConditionValue"):
            included = True
    if not included:
        return False
    conditions = selection.get("Conditions") or {}
    for operator in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike"):
        for condition in conditions.get(operator) or []:
            if not _tag_condition(tags, condition, operator):
                return False
    return True


def _rule_retention(rule):
    """Days a rule keeps its recovery points (None: forever)."""
    return (rule.get("Lifecycle") or {}).get("DeleteAfterDays")


def _phi_buckets(a):
    out = []
    for bucket in a.buckets():
        name = bucket["name"]
        if not any(name == f"{a.prefix}-{p}" or name.startswith(f"{a.prefix}-{p}-") for p in a.phi_buckets):
            continue
        if name.endswith("-dr") or a.bucket_region(name) != a.region:
            continue  # a DR copy: backed up (if at all) by a plan of its own region
        out.append(bucket)
    return out


@_baseline_check("BACKUP.PLAN_COVERAGE", T_BACKUP_PLAN)
def _backup_coverage(a):
    plans = _backup_plans(a)
    if not plans:
        return [
            result(_service_resource(a, "backup"), "FAIL", "no AWS Backup plan in this region", rtype=T_BACKUP_PLAN)
        ]
    minimum = BACKUP_MIN_RETENTION_DAYS.get(a.platform_env, BACKUP_MIN_RETENTION_DAYS["default"])
    resources = [db for db in a.db_instances() if not db["data"].get("ReadReplicaSourceDBInstanceIdentifier")]
    resources += _phi_buckets(a)

    def evaluate(resource):
        covering = []
        for summary, rules, selections in plans:
            if any(selection_covers(sel, resource["id"], resource["tags"]) for sel in selections):
                days = [_rule_retention(rule) for rule in rules]
                longest = None if not days or None in days else max(days)
                covering.append((summary.get("BackupPlanName", summary["BackupPlanId"]), rules, longest))
        if not covering:
            return result(
                resource,
                "FAIL",
                "no backup plan of the region selects it (tag it PlatformBackup=true for the stack's selection)",
            )
        kept = [(name, days) for name, rules, days in covering if rules and (days is None or days >= minimum)]
        if kept:
            name, days = kept[0]
            return result(
                resource, "PASS", f"plan {name} keeps it {'indefinitely' if days is None else f'{days} days'}"
            )
        found = ", ".join(f"{name}: {'no rule' if not rules else f'{days} days'}" for name, rules, days in covering)
        return result(resource, "FAIL", f"covered, but no rule keeps recovery points {minimum} days or more ({found})")

    verdicts = _each_closed(resources, evaluate)
    if not verdicts:
        return [
            result(
                a.prefix,
                "NOT_APPLICABLE",
                f"no RDS DB instances or PHI buckets of {a.prefix} found in {a.region}",
                rtype=T_BACKUP_PLAN,
            )
        ]
    return verdicts


# --- the audit ----------------------------------------------------------------------------------
def select_controls(patterns):
    """Control ids matching ``patterns`` (exact ids or shell patterns such as ``S3.*``); all when empty."""
    if not patterns:
        return list(CONTROLS), []
    selected, unknown = [], []
    for pattern in patterns:
        matches = [cid for cid in CONTROLS if fnmatch.fnmatchcase(cid, pattern.upper())]
        if not matches:
            unknown.append(pattern)
        selected.extend(m for m in matches if m not in selected)
    return [cid for cid in CONTROLS if cid in selected], unknown


def validate_waivers(waivers, today):
    """(valid waivers with a parsed date, error messages)."""
    errors, parsed = [], []
    for index, waiver in enumerate(waivers or []):
        where = f"waivers[{index}]"
        control = (waiver.get("control") or "").strip().upper()
        if control not in CONTROLS:
            errors.append(f"{where}: unknown control {waiver.get('control')!r}")
        if not (waiver.get("resource") or "").strip():
            errors.append(f'{where}: resource is required (an exact resource id/ARN or "*")')
        reason, expiry = waiver_terms(waiver, where, errors)
        if expiry is None:
            continue
        parsed.append(
            {
                "control": control,
                "resource": waiver["resource"].strip(),
                "reason": reason,
                "expires": expiry.isoformat(),
                "expired": expiry < today,
            }
        )
    return parsed, errors


def _apply_waivers(findings, waivers):
    """Turn FAIL into WAIVED where a current waiver matches; returns the indices of matching waivers."""
    used = set()
    for finding in findings:
        if finding["status"] != "FAIL":
            continue
        for index, waiver in enumerate(waivers):
            if waiver["control"] != finding["control"] or waiver["resource"] not in ("*", finding["resource"]):
                continue
            used.add(index)
            if waiver["expired"]:
                finding["detail"] += f" (waiver expired {waiver['expires']}: {waiver['reason']})"
                continue
            finding["status"] = "WAIVED"
            finding["waiver"] = {
                "reason": waiver["reason"],
                "expires": waiver["expires"],
                "resource": waiver["resource"],
            }
            finding["detail"] += f" (waived until {waiver['expires']}: {waiver['reason']})"
            break
    return used


def run_audit(auditor, control_ids, waivers, severity_threshold, now, *, allow_unsupported=False):
    """Evaluate the controls; returns the report (a JSON-able dict). Raises AuditError on AWS errors.

    A control whose API the endpoint does not answer fails closed (FAIL, its detail still "could not be
    evaluated: ..."); ``allow_unsupported`` (an emulator lacking APIs) keeps it NOT_APPLICABLE."""
    findings = []
    for cid in control_ids:
        control = CONTROLS[cid]
        try:
            verdicts = CHECKS[cid](auditor)
        except Unsupported as e:
            verdicts = [result(auditor.prefix, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported")]
        except AuditError as e:
            e.control = cid
            raise
        if not verdicts:
            noun = RESOURCE_NOUNS.get(control["resource_type"], "resources")
            verdicts = [result(auditor.prefix, "NOT_APPLICABLE", f"no {noun} of {auditor.prefix} found")]
        default_severity = control_severity(cid, auditor.platform_env)
        for verdict in verdicts:
            findings.append(
                {
                    "control": cid,
                    "title": control["title"],
                    "hipaa": control["hipaa"],
                    "resource": verdict["resource"],
                    "resource_type": verdict["resource_type"] or control["resource_type"],
                    "status": verdict["status"],
                    "severity": verdict["severity"] or default_severity,
                    "remediation": control["remediation"],
                    "detail": verdict["detail"],
                }
            )
    if not allow_unsupported:
        for finding in findings:
            if finding["status"] == "NOT_APPLICABLE" and finding["detail"].startswith(UNEVALUATED):
                finding["status"] = "FAIL"
                finding["detail"] += " (fails closed: only an emulator's inventory allows unsupported APIs)"
    used = _apply_waivers(findings, waivers)
    threshold = SEVERITY_RANK[severity_threshold]
    failed = [f for f in findings if f["status"] == "FAIL"]
    blocking = [f for f in failed if SEVERITY_RANK[f["severity"]] >= threshold]
    summary = {
        "total": len(findings),
        "pass": sum(f["status"] == "PASS" for f in findings),
        "fail": len(failed),
        "waived": sum(f["status"] == "WAIVED" for f in findings),
        "not_applicable": sum(f["status"] == "NOT_APPLICABLE" for f in findings),
        "could_not_evaluate": sum(f["detail"].startswith(UNEVALUATED) for f in findings),
        "fail_by_severity": {s: sum(f["severity"] == s for f in failed) for s in reversed(SEVERITIES)},
        "fail_at_or_above_threshold": len(blocking),
        "controls_evaluated": len(control_ids),
    }
    return {
        "platform": auditor.platform_name,
        "environment": auditor.platform_env,
        "region": auditor.region,
        "dr_region": auditor.dr_region,
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "severity_threshold": severity_threshold,
        "compliant": not blocking,
        "controls": control_ids,
        "summary": summary,
        "findings": findings,
        "failed": failed,
        "blocking": blocking,
        "waivers": {
            "applied": [w for i, w in enumerate(waivers) if i in used and not w["expired"]],
            "expired": [w for w in waivers if w["expired"]],
            "unused": [w for i, w in enumerate(waivers) if i not in used and not w["expired"]],
        },
    }


_STATUS_ORDER = {"FAIL": 0, "WAIVED": 1, "PASS": 2, "NOT_APPLICABLE": 3}


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report):
    summary = report["summary"]
    lines = [
        f"# HIPAA compliance audit: {report['platform']}-{report['environment']}",
        "",
        f"- Region: {report['region']}" + (f" (DR region {report['dr_region']})" if report.get("dr_region") else ""),
        f"- Generated: {report['timestamp']}",
        f"- Result: {'COMPLIANT' if report['compliant'] else 'NOT COMPLIANT'} at threshold **{report['severity_threshold']}**"
        f" ({summary['fail_at_or_above_threshold']} blocking finding(s))",
        f"- Findings: {summary['total']} - {summary['pass']} pass, {summary['fail']} fail, {summary['waived']} waived,"
        f" {summary['not_applicable']} not applicable; {summary['controls_evaluated']} controls",
    ]
    if summary["could_not_evaluate"]:
        lines.append(
            f"- Could not be evaluated (API unsupported by the endpoint): {summary['could_not_evaluate']} finding(s)"
        )
    failing = ", ".join(f"{count} {sev}" for sev, count in summary["fail_by_severity"].items() if count)
    if failing:
        lines.append(f"- Failures by severity: {failing}")
    if report["waivers"]["expired"]:
        expired = ", ".join(f"{w['control']} on {w['resource']} ({w['expires']})" for w in report["waivers"]["expired"])
        lines.append(f"- Expired waivers (not applied): {expired}")
    lines += [
        "",
        "| Status | Severity | Control | HIPAA | Resource | Detail |",
        "|---|---|---|---|---|---|",
    ]
    ordered = sorted(
        report["findings"],
        key=lambda f: (_STATUS_ORDER[f["status"]], -SEVERITY_RANK[f["severity"]], f["control"], f["resource"]),
    )
    for f in ordered:
        lines.append(
            f"| {f['status']} | {f['severity']} | {_cell(f['control'])} | {_cell(f['hipaa'])} | {_cell(f['resource'])} | {_cell(f['detail'])} |"
        )
    if report["failed"]:
        lines += ["", "## Remediation", ""]
        seen = set()
        for f in ordered:
            if f["status"] == "FAIL" and f["control"] not in seen:
                seen.add(f["control"])
                lines.append(f"- **{f['control']}** ({f['title']}): {f['remediation']}")
    return "\n".join(lines) + "\n"
