# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules on names: AWS's length limits of the names the collection derives, the storage
buckets' names, and the service names (DNS-safe, not reserved, their derived names within the limits)."""

from __future__ import annotations

import hashlib
import re

# --- naming limits -----------------------------------------------------------------------------

# AWS's length limits of the names the collection derives (documented per service).
NAME_LIMITS = {
    "elb_target_group": 32,  # ELBv2 CreateTargetGroup / CreateLoadBalancer Name
    "elb_load_balancer": 32,
    "iam_role": 64,  # IAM CreateRole RoleName
    "s3_bucket": 63,  # S3 bucket naming rules
    "ecs_name": 255,  # ECS cluster, service and task definition family names
    "ecr_repository": 256,  # ECR repositoryName
    "log_group": 512,  # CloudWatch Logs logGroupName
    "secret": 512,  # Secrets Manager Name
}
# IAM's path syntax (IAM API reference, CreateRole Path): "/" or "/a/b/". The identity role's
# identity_role_path and the search role's search_client_role_path follow it.
IAM_PATH_RE = re.compile(r"^/([A-Za-z0-9+=,.@_-]+/)*$")


def is_iam_path(path):
    """Whether ``path`` is an IAM path ("/" or "/a/b/", at most 512 characters)."""
    return isinstance(path, str) and len(path) <= 512 and bool(IAM_PATH_RE.match(path))


# Services are named {prefix}-{service}; their roles {prefix}-exec-{service} (execution) and
# {prefix}-task-{service} (task).
SERVICE_ROLE_PATTERNS = ("{prefix}-exec-{service}", "{prefix}-task-{service}")
SERVICE_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
# Names a service may not take: it would be named like one of the stack's own components
# ({prefix}-<component>: the load balancer, the data tier, the one-off tasks, the roles...).
RESERVED_SERVICE_NAMES = (
    "alarms",
    "alb",
    "app",
    "bootstrap",
    "cache",
    "cloudfront-logs",
    "dashboard",
    "database",
    "db",
    "db-bootstrap",
    "db-dr",
    "dr",
    "exec",
    "execution",
    "flow-logs",
    "igw",
    "kms",
    "lock",
    "logs",
    "migrate",
    "migration",
    "nat",
    "private",
    "public",
    "rate-limit",
    "s3",
    "search",
    "task",
    "task-execution",
    "users",
    "vpc",
    "waf",
)
# Prefixes of derived names a service name may not start with ({prefix}-task-<x>, {prefix}-exec-<x>,
# {prefix}-db-<x>, {prefix}-nat-<x>, ...).
RESERVED_SERVICE_PREFIXES = ("exec-", "task-", "db-", "cache-", "nat-", "private-", "public-", "migrate-")


def name_length_errors(variable, value, kind):
    """A message when ``value`` (the name of a resource of ``kind``, see NAME_LIMITS) is too long."""
    limit = NAME_LIMITS[kind]
    if len(str(value)) > limit:
        return [
            f"{variable}: the {kind.replace('_', ' ')} name {value} is {len(str(value))} characters, AWS allows {limit}"
        ]
    return []


BUCKET_PURPOSE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
BUCKET_SUFFIX_RE = re.compile(r"^([a-z0-9-]*[a-z0-9])?$")
DR_BUCKET_SUFFIX = "-dr"


def bucket_name_errors(prefix, purposes, suffix):
    """The storage buckets ``{prefix}-{purpose}{suffix}`` and their DR copies (``-dr``) within S3's
    63 characters; ``suffix`` may hold ``{account_id}`` (12 digits)."""
    errors = []
    probe = str(suffix or "").replace("{account_id}", "123456789012")
    if not BUCKET_SUFFIX_RE.match(probe):
        errors.append(
            f"storage_bucket_suffix {suffix!r} must be empty or lowercase letters, digits and hyphens ending with a "
            "letter or digit ('{account_id}' stands for the account ID)"
        )
    for purpose in purposes or []:
        if not isinstance(purpose, str) or not BUCKET_PURPOSE_RE.match(purpose):
            errors.append(f"storage_buckets: {purpose!r} must be lowercase letters, digits and hyphens")
            continue
        name = f"{prefix}-{purpose}{probe}{DR_BUCKET_SUFFIX}"
        if len(name) > NAME_LIMITS["s3_bucket"]:
            errors.append(
                f"storage_buckets: the bucket name of {purpose!r} ({prefix}-{purpose}{suffix}{DR_BUCKET_SUFFIX}, "
                f"{len(name)} characters with the account ID) is longer than S3's {NAME_LIMITS['s3_bucket']}: "
                "shorten the purpose, platform_name or storage_bucket_suffix"
            )
    return errors


def service_role_names(prefix, service):
    """The IAM role names of a service: ``[{prefix}-exec-{service}, {prefix}-task-{service}]``."""
    return [pattern.format(prefix=prefix, service=service) for pattern in SERVICE_ROLE_PATTERNS]


def reserved_service_name_errors(where, name, prefix=""):
    """A message when a service name is one of the stack's own components (or starts like one)."""
    if name in RESERVED_SERVICE_NAMES or str(name).startswith(RESERVED_SERVICE_PREFIXES):
        shown = prefix or "{prefix}"
        return [
            f"{where}.name {name!r} is reserved: the stack's own resources are named {shown}-<component> and "
            f"{shown}-<kind>-<service> (reserved names: {', '.join(RESERVED_SERVICE_NAMES)}; reserved prefixes: "
            f"{', '.join(RESERVED_SERVICE_PREFIXES)})"
        ]
    return []


def iam_role_name_errors(where, name, roles):
    """Messages for the IAM role names (``roles``) of service ``name`` longer than IAM's 64 characters."""
    limit = NAME_LIMITS["iam_role"]
    return [
        f"{where}.name {name!r}: the IAM role name {role} ({len(role)} characters) is longer than IAM's {limit}: "
        f"shorten the service name to at most {limit - len(role) + len(name)} characters"
        for role in roles
        if len(role) > limit
    ]


def service_name_errors(where, name, prefix):
    """Rules of a service name: DNS-safe, not reserved, every name derived from it within AWS's limits."""
    if not isinstance(name, str) or not SERVICE_NAME_RE.match(name) or "--" in name:
        return [
            f"{where}.name {name!r} must be a DNS-safe lowercase name of 2-32 characters "
            "(letters, digits, single hyphens; starts with a letter)"
        ]
    errors = reserved_service_name_errors(where, name, prefix)
    if prefix:
        errors.extend(iam_role_name_errors(where, name, service_role_names(prefix, name)))
        errors.extend(name_length_errors(f"{where}.name", f"{prefix}-{name}", "ecs_name"))
        errors.extend(name_length_errors(f"{where}.name", f"{prefix}/{name}", "ecr_repository"))
    return errors


TARGET_GROUP_HASH_LENGTH = 6


def target_group_name(service, prefix):
    """Name of a public service's target group: ``{prefix}-{service}`` within the 32-character ELB limit.

    Longer names are cut to 25 characters (trailing hyphens dropped) and get ``-`` plus the first 6 hex
    digits of the SHA-1 of the full name: deterministic, and distinct services keep distinct names. The
    ecs_service role names its target groups with it, and the monitoring role's alarms find them by it."""
    full = f"{prefix}-{service}"
    limit = NAME_LIMITS["elb_target_group"]
    if len(full) <= limit:
        return full
    digest = hashlib.sha1(full.encode("utf-8")).hexdigest()[:TARGET_GROUP_HASH_LENGTH]  # noqa: S324 - a name, not security
    head = full[: limit - TARGET_GROUP_HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"
