"""Policy lint: least-privilege rules every rendered policy of the stack must pass.

``lint(document, kind, allow=())`` returns a list of problems (``[]`` when the policy passes):

- no ``*`` action and no ``service:*`` action in an Allow statement (narrow wildcards such as
  ``kms:GenerateDataKey*`` pass). One documented exception: the account root's ``kms:*`` in a KMS
  key policy (AWS's default key policy statement that hands the key to the account's IAM policies;
  without it the key becomes unmanageable).
- no ``Resource: "*"`` in an Allow statement unless every action is on the allow-list below or
  the ``*`` means the resource itself (a KMS key policy's and a secret resource policy's
  ``Resource: "*"`` is "this key" / "this secret", by AWS's definition).
- no ``NotAction`` / ``NotResource`` / ``NotPrincipal`` with Allow.
- an Allow to ``Principal: "*"`` (or ``{"AWS": "*"}``) carries a condition that pins the caller
  (aws:SourceAccount / aws:SourceArn / aws:PrincipalAccount / aws:PrincipalOrgID / kms:CallerAccount).
- every Allow to a ``Principal: {"Service": ...}`` carries ``aws:SourceAccount`` AND
  ``aws:SourceArn`` (confused deputy prevention), except the documented services of
  ``SERVICE_PINS`` whose own documentation prescribes another pin.

``kind``: ``identity`` (IAM inline or managed policy), ``trust`` (role trust policy), ``bucket``,
``key``, ``secret``, ``topic``, ``logs`` (CloudWatch Logs resource policy), ``domain``
(OpenSearch access policy).

``collect(endpoint_url, region, name, env)`` reads every policy of the stack ``{name}-{env}``
(IAM roles' trust, inline and attached policies; bucket policies, the DR copies included; KMS key
policies; secret resource policies; SNS topic policies; OpenSearch access policies; CloudWatch Logs
resource policies) and
returns ``[{"source", "kind", "document"}]``. ``lint_stack(...)`` does both and returns
``{source: [problems]}`` of the failing ones only. The integration test after a deploy::

    assert lint_stack(endpoint, REGION, "caseapp", "local") == {}
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

# Actions that may be granted on Resource "*", each with the reason AWS gives.
WILDCARD_RESOURCE_ACTIONS = {
    # ECR's service authorization reference lists no resource type for GetAuthorizationToken: the
    # registry token is account-wide, "Resource": "*" is the only valid form (AWS's own
    # AmazonECSTaskExecutionRolePolicy does the same).
    "ecr:GetAuthorizationToken": "no resource type (ECR service authorization reference)",
    # CloudWatch's PutMetricData has no resource type (scope it with cloudwatch:namespace).
    "cloudwatch:PutMetricData": "no resource type (CloudWatch service authorization reference)",
    # STS's GetCallerIdentity needs no permission and has no resource type.
    "sts:GetCallerIdentity": "no resource type (STS service authorization reference)",
}
# Kinds of resource policy where Resource "*" names the resource the policy is attached to.
SELF_RESOURCE_KINDS = {
    "key": "a KMS key policy's Resource '*' means this key (KMS developer guide, key policies)",
    "secret": "a secret's resource policy Resource '*' means this secret (Secrets Manager user guide)",
}
# Condition keys that pin the calling account / resource of a service principal.
SOURCE_ACCOUNT = "aws:sourceaccount"
SOURCE_ARN = "aws:sourcearn"
# Services whose documentation prescribes a different pin than aws:SourceAccount + aws:SourceArn:
# {service (regex): (accepted condition keys (any one suffices), reason)}.
SERVICE_PINS = {
    # CloudWatch Logs encrypting log groups with a customer key: the CloudWatch Logs user guide's key
    # policy pins the log group ARN with the encryption context (the service calls KMS with it).
    r"^logs\.[a-z0-9-]+\.amazonaws\.com$": (
        {"kms:encryptioncontext:aws:logs:arn"},
        "CloudWatch Logs user guide: kms:EncryptionContext:aws:logs:arn pins the log group",
    ),
    # EventBridge publishing to a KMS-encrypted SNS topic (the GuardDuty findings rule to the alarm topic): the
    # SNS developer guide's key policy statement for AWS event sources carries no aws:SourceArn/SourceAccount
    # (EventBridge does not pass them to KMS); SNS encrypts with the encryption context aws:sns:topicArn, which
    # pins the topic. In a topic policy the statement pins aws:SourceArn/SourceAccount (the rule) as usual.
    r"^events\.amazonaws\.com$": (
        {"kms:encryptioncontext:aws:sns:topicarn"},
        "SNS developer guide: kms:EncryptionContext:aws:sns:topicArn pins the encrypted topic",
    ),
    # ALB access logs in regions opened after August 2022: the ELB user guide's bucket policy has no
    # condition; the resource path .../AWSLogs/<account>/ pins the source account.
    r"^logdelivery\.elasticloadbalancing\.amazonaws\.com$": (
        set(),
        "ELB user guide: the object path AWSLogs/<account-id>/ pins the source account",
    ),
    # CloudTrail (security_baseline's trail bucket and key policies): the CloudTrail user guide's bucket and
    # key policies pin aws:SourceArn, the trail's ARN, which names the account and region as well.
    r"^cloudtrail\.amazonaws\.com$": (
        {SOURCE_ARN},
        "CloudTrail user guide: aws:SourceArn (the trail's ARN, account and region included) pins the trail",
    ),
    # AWS Config (security_baseline's delivery bucket and key policies, its role's trust): the AWS Config
    # developer guide pins aws:SourceAccount; Config delivers for the account's recorder, not for one ARN.
    r"^config\.amazonaws\.com$": (
        {SOURCE_ACCOUNT},
        "AWS Config developer guide: aws:SourceAccount pins the account whose recorder delivers",
    ),
    # The AWS Backup role's trust (security_baseline): AWS Backup assumes one role for every plan, job and
    # restore of the account, so no single aws:SourceArn names them; aws:SourceAccount pins the account
    # (the AWS Backup developer guide's service role trust has no condition at all).
    r"^backup\.amazonaws\.com$": (
        {SOURCE_ACCOUNT},
        "AWS Backup assumes its role for every plan and job of the account: aws:SourceAccount pins it",
    ),
}
# AWS managed policies attached to the stack's roles: their documents are AWS's (broad by design, kept
# current by AWS), not ours, so collect() leaves them out. {policy ARN suffix: why the role needs it}.
AWS_MANAGED_POLICIES = {
    "policy/service-role/AWS_ConfigRole": "AWS Config's recorder describes every supported resource type with it",
    "policy/service-role/AWSBackupServiceRolePolicyForBackup": "AWS Backup backs up RDS (and other types) with it",
    "policy/service-role/AWSBackupServiceRolePolicyForRestores": "AWS Backup restores RDS (and other types) with it",
    "policy/AWSBackupServiceRolePolicyForS3Backup": "AWS Backup for S3 needs it to back up the PHI buckets",
    "policy/AWSBackupServiceRolePolicyForS3Restore": "AWS Backup for S3 needs it to restore the PHI buckets",
}
# aws:SourceOwner: SNS's default topic policy pins the publishing account with it.
CALLER_PINS = {
    SOURCE_ACCOUNT,
    SOURCE_ARN,
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalorgid",
    "kms:calleraccount",
}
ROOT_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:root$")


def _list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _condition_keys(statement):
    return {key.lower() for operator in (statement.get("Condition") or {}).values() for key in (operator or {})}


def _principals(statement):
    principal = statement.get("Principal")
    if principal == "*":
        return {"*": ["*"]}
    return {k: _list(v) for k, v in (principal or {}).items()}


def _label(statement, index):
    return statement.get("Sid") or f"statement {index}"


def lint(document, kind, allow=()):
    """Problems of one policy document (a dict or its JSON); ``allow``: more actions that may use Resource "*"."""
    if isinstance(document, str):
        document = json.loads(unquote(document) if document.startswith("%7B") else document)
    problems = []
    allowed_actions = set(WILDCARD_RESOURCE_ACTIONS) | set(allow or ())
    for index, statement in enumerate(_list(document.get("Statement"))):
        if statement.get("Effect") != "Allow":
            continue  # a Deny may be as broad as it likes
        label = _label(statement, index)
        for key in ("NotAction", "NotResource", "NotPrincipal"):
            if key in statement:
                problems.append(f"{label}: {key} with Allow grants everything not listed")
        principals = _principals(statement)
        actions = [str(a) for a in _list(statement.get("Action"))]
        root_admin = (
            kind == "key"
            and all(ROOT_RE.match(p) for p in principals.get("AWS", ["-"]))
            and not (set(principals) - {"AWS"})
        )
        for action in actions:
            if action == "*" or action.endswith(":*"):
                if root_admin and action == "kms:*":
                    continue  # AWS's default key policy statement (documented exception)
                problems.append(f"{label}: wildcard action {action}")
        resources = [str(r) for r in _list(statement.get("Resource"))]
        if "*" in resources and kind not in SELF_RESOURCE_KINDS:
            broad = sorted(a for a in actions if a not in allowed_actions)
            if broad:
                problems.append(f"{label}: Resource '*' for {', '.join(broad)} (not on the documented allow-list)")
        keys = _condition_keys(statement)
        if "*" in principals.get("AWS", []) or "*" in principals.get("*", []):
            if not keys & CALLER_PINS:
                problems.append(f"{label}: Allow to any principal without a condition pinning the caller")
        for service in principals.get("Service", []):
            problems.extend(_service_problems(label, str(service), keys, resources))
    return problems


def _service_problems(label, service, keys, resources):
    for pattern, (accepted, _reason) in SERVICE_PINS.items():
        if re.match(pattern, service):
            if accepted and not keys & accepted and not {SOURCE_ACCOUNT, SOURCE_ARN} <= keys:
                return [f"{label}: service principal {service} without {' or '.join(sorted(accepted))}"]
            if not accepted and not any(re.search(r"/AWSLogs/\d{12}/", r) for r in resources) and not keys:
                return [f"{label}: service principal {service} neither conditioned nor limited to AWSLogs/<account>/"]
            return []
    missing = [
        name for name, key in (("aws:SourceAccount", SOURCE_ACCOUNT), ("aws:SourceArn", SOURCE_ARN)) if key not in keys
    ]
    if missing:
        return [f"{label}: service principal {service} without {' and '.join(missing)} (confused deputy)"]
    return []


# --- collecting the stack's policies from the emulator (or an account) ---------------------------


def _client(service, endpoint_url, region):
    import boto3  # noqa: PLC0415

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the emulator's fixed key
    )


def _doc(value):
    if isinstance(value, dict):
        return value
    return json.loads(unquote(value) if str(value).startswith("%7B") else value)


def _tagged(tags, name, env):
    tags = {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags or []}
    return tags.get("Project") == name and tags.get("Environment") == env


def collect(endpoint_url, region, name, env, *, dr_region=None):
    """Every policy of the stack ``{name}-{env}``: ``[{"source", "kind", "document"}]``."""
    prefix = f"{name}-{env}"
    found = []
    regions = [region] + ([dr_region] if dr_region and dr_region != region else [])

    iam = _client("iam", endpoint_url, region)
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            role_name = role["RoleName"]
            if not role_name.startswith(prefix + "-"):
                continue
            found.append(
                {
                    "source": f"iam role {role_name} (trust)",
                    "kind": "trust",
                    "document": _doc(role["AssumeRolePolicyDocument"]),
                }
            )
            for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
                doc = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
                found.append(
                    {"source": f"iam role {role_name} inline {policy_name}", "kind": "identity", "document": _doc(doc)}
                )
            for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
                if re.match(r"^arn:aws[a-z-]*:iam::aws:", attached["PolicyArn"]) and any(
                    attached["PolicyArn"].endswith(":" + suffix) for suffix in AWS_MANAGED_POLICIES
                ):
                    continue  # AWS's own document, on the documented list
                policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
                version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
                found.append(
                    {
                        "source": f"iam role {role_name} attached {attached['PolicyArn']}",
                        "kind": "identity",
                        "document": _doc(version["PolicyVersion"]["Document"]),
                    }
                )

    s3 = _client("s3", endpoint_url, region)
    for bucket in s3.list_buckets().get("Buckets", []):
        if not bucket["Name"].startswith(prefix + "-"):
            continue
        try:
            policy = s3.get_bucket_policy(Bucket=bucket["Name"])["Policy"]
        except s3.exceptions.ClientError as err:
            if err.response["Error"]["Code"] in ("NoSuchBucketPolicy", "NoSuchBucket"):
                continue
            raise
        found.append({"source": f"bucket {bucket['Name']}", "kind": "bucket", "document": _doc(policy)})

    for reg in regions:
        kms = _client("kms", endpoint_url, reg)
        for page in kms.get_paginator("list_keys").paginate():
            for key in page["Keys"]:
                meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
                if meta.get("KeyManager") != "CUSTOMER":
                    continue
                tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
                tags = [{"Key": t["TagKey"], "Value": t["TagValue"]} for t in tags]
                if not _tagged(tags, name, env):
                    continue
                policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
                found.append({"source": f"kms key {meta['Arn']}", "kind": "key", "document": _doc(policy)})

        secrets = _client("secretsmanager", endpoint_url, reg)
        for page in secrets.get_paginator("list_secrets").paginate():
            for secret in page["SecretList"]:
                if not secret["Name"].startswith(prefix + "/"):
                    continue
                policy = secrets.get_resource_policy(SecretId=secret["ARN"]).get("ResourcePolicy")
                if policy:
                    found.append({"source": f"secret {secret['Name']}", "kind": "secret", "document": _doc(policy)})

        sns = _client("sns", endpoint_url, reg)
        for page in sns.get_paginator("list_topics").paginate():
            for topic in page["Topics"]:
                arn = topic["TopicArn"]
                if not arn.split(":")[-1].startswith(prefix):
                    continue
                policy = sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("Policy")
                if policy:
                    found.append({"source": f"sns topic {arn}", "kind": "topic", "document": _doc(policy)})

        search = _client("opensearch", endpoint_url, reg)
        for domain in search.list_domain_names().get("DomainNames", []):
            if not domain["DomainName"].startswith(prefix + "-"):
                continue
            status = search.describe_domain(DomainName=domain["DomainName"])["DomainStatus"]
            if status.get("AccessPolicies"):
                found.append(
                    {
                        "source": f"opensearch domain {domain['DomainName']}",
                        "kind": "domain",
                        "document": _doc(status["AccessPolicies"]),
                    }
                )

        logs = _client("logs", endpoint_url, reg)
        for policy in logs.describe_resource_policies().get("resourcePolicies", []):
            document = _doc(policy["policyDocument"])
            if prefix in json.dumps(document):
                found.append(
                    {"source": f"logs resource policy {policy['policyName']}", "kind": "logs", "document": document}
                )
    return found


def lint_stack(endpoint_url, region, name, env, *, dr_region=None, allow=()):
    """``{source: [problems]}`` of the stack's policies that fail the lint (``{}``: all pass)."""
    failing = {}
    for item in collect(endpoint_url, region, name, env, dr_region=dr_region):
        problems = lint(item["document"], item["kind"], allow=allow)
        if problems:
            failing[item["source"]] = problems
    return failing
