# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules on a service spec: its keys, its plain ``environment`` (no secret in it), its ``secrets``
(never the database master credentials) and its ``buckets``; the log retentions the collection accepts."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.secret_names import (
    SECRET_ENV_NAME_RE,
    is_master_secret,
    plaintext_secret_reason,
)

# --- service specs -----------------------------------------------------------------------------

# The keys a service spec may have (typo protection: anything else is refused).
SERVICE_KEYS = (
    "name",
    "port",
    "cpu",
    "memory",
    "desired_count",
    "min_count",
    "max_count",
    "health_path",
    "public",
    "command",
    "environment",
    "secrets",
    "image_tag",
    "image",
    "buckets",
    "bucket_access",
    "read_only_root_filesystem",
    "health_check_grace_period",
    "uses",
)
BUCKET_ACCESS = ("read", "read_write")
ECS_MAX_GRACE_PERIOD = 2147483647
# Log group retention (days) the collection accepts: the values amazon.aws.cloudwatchlogs_log_group
# accepts, which is AWS's PutRetentionPolicy list without 1096, 2192, 2557, 2922 and 3288 (the module
# refuses those before calling AWS; scripts/moto_rules.py enforces AWS's own list).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)


def unknown_key_errors(where, spec, known=SERVICE_KEYS):
    """A message naming the keys of ``spec`` that are not in ``known`` (with the closest known key)."""
    import difflib  # noqa: PLC0415 - only for the message

    errors = []
    for key in sorted(set(spec) - set(known), key=str):
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        errors.append(f"{where}: unknown key {key!r}{hint}; a service spec takes {', '.join(known)}")
    return errors


def environment_errors(where, environment):
    """Plain environment variables that would expose a secret; never repeats a value."""
    if not isinstance(environment, dict):
        return [f"{where}.environment must be a mapping of names to plain values"]
    errors = []
    for key, value in environment.items():
        reason = plaintext_secret_reason(key, value)
        if reason:
            errors.append(
                f"{where}.environment.{key} is refused: {reason}; secrets come from Secrets Manager: "
                "list the name under secrets instead"
            )
        if isinstance(value, (dict, list)):
            errors.append(f"{where}.environment.{key} must be a scalar")
    return errors


def secrets_errors(where, secrets, paths=None):
    """The service's ``secrets``: upper-case names, never the database master credentials.
    ``paths``: ``{env_name: Secrets Manager path below the prefix}`` of the well-known secrets."""
    if not isinstance(secrets, list) or not all(isinstance(s, str) and SECRET_ENV_NAME_RE.match(s) for s in secrets):
        return [f"{where}.secrets {secrets!r} must be a list of UPPER_CASE secret names"]
    errors = []
    for name in secrets:
        if is_master_secret(name, (paths or {}).get(name, "")):
            errors.append(
                f"{where}.secrets lists {name}: the database master credentials are never given to a service "
                "(least privilege: services connect with DATABASE_URL, the application's own database role)"
            )
    return errors


def buckets_errors(where, buckets, known):
    """The service's ``buckets`` are purposes of the storage role's buckets (``storage_buckets``)."""
    if not isinstance(buckets, list) or not all(isinstance(b, str) for b in buckets):
        return [f"{where}.buckets {buckets!r} must be a list of bucket purposes ({', '.join(known or [])})"]
    if known is None:
        return []
    return [
        f"{where}.buckets lists {bucket!r}, which is not one of the storage buckets (storage_buckets: "
        f"{', '.join(known)})"
        for bucket in buckets
        if bucket not in known
    ]
