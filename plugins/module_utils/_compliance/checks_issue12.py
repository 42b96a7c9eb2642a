# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's issue 12 checks: secrets rotation, master secret exposure, WAF logging, CloudFront
grants pinned to the stack's distributions, kept snapshots' KMS keys. They fail closed (``_each_closed``).
"""

from __future__ import annotations

import datetime
import fnmatch

from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    CLOUDFRONT_PRINCIPAL,
    MASTER_READER_FAMILY_SUFFIX,
    MASTER_READER_ROLE_SUFFIX,
    ROTATED_AT_TAG,
    UTC,
    WAF_LOG_DESTINATION_PREFIX,
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    _each_closed,
    _passfail,
    result,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (
    _as_list,
    _statements,
)


# --- issue 12: rotation, master secret, WAF logging, pinned OAC, kept snapshot keys --------------
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
