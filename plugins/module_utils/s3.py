# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 helpers for platform_ops.aws.s3_bucket_replication, s3_bucket_logging and s3_bucket_availability.

boto3 calls (behind AWSRetry) and the pure functions that build a bucket replication
configuration from module parameters and normalise an existing one, so that the module
can compare "what is" with "what the task wants" without being fooled by the different
ways AWS spells the same configuration (``Filter: {}`` vs ``Filter: {Prefix: ""}``, a
legacy top-level ``Prefix``, a missing ``DeleteMarkerReplication`` meaning disabled, ...).

Server access logging: the configuration is written without ``TargetGrants``. Grants are ACLs, and
a target bucket with ACLs disabled (ObjectOwnership ``BucketOwnerEnforced``, the S3 default since
April 2023) refuses them with ``AccessControlListNotSupported``; AWS wants the target bucket's
policy to let ``logging.s3.amazonaws.com`` write instead.
"""

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils import propagation

STORAGE_CLASSES = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
]

BUCKET_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BUCKET_ARN_RE = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")

# Parts of a rule this module manages; anything else an existing rule carries (ReplicationTime,
# Metrics, ExistingObjectReplication, ReplicaModifications, Account, AccessControlTranslation)
# is carried over unchanged when the rule (same ID) is written again.
_MANAGED_DESTINATION_KEYS = ("Bucket", "StorageClass", "EncryptionConfiguration")


class ReplicationError(Exception):
    """Bad input found while building the configuration (reported with fail_json)."""


# --------------------------------------------------------------------------- boto3 calls

_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=["OperationAborted"])


@_retry
def _get_bucket_replication(client, bucket):
    return client.get_bucket_replication(Bucket=bucket)


def get_bucket_replication(client, bucket):
    """The bucket's replication configuration (boto3 shape), or None when it has none."""
    try:
        return _get_bucket_replication(client, bucket).get("ReplicationConfiguration")
    except is_boto3_error_code("ReplicationConfigurationNotFoundError"):
        return None


@_retry
def _put_bucket_replication(client, bucket, configuration):
    client.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=configuration)


# PutBucketReplication's refusals while versioning, enabled a moment ago on the source or a destination
# bucket, has not propagated yet (S3 applies bucket configuration changes eventually).
VERSIONING_NOT_YET_ENABLED = (
    "Versioning must be 'Enabled' on the bucket",
    "Destination bucket must have versioning enabled",
)


def versioning_not_yet_enabled(error):
    return propagation.error_matches(error, "InvalidRequest", *VERSIONING_NOT_YET_ENABLED)


def put_bucket_replication(
    client, bucket, configuration, *, timeout=propagation.DEFAULT_TIMEOUT, sleep=None, clock=None
):
    """PutBucketReplication, sent again for up to ``timeout`` seconds while S3 still sees versioning off.

    S3 does not check at this point that it can assume the role (a role it cannot assume shows later as
    replication status FAILED on the objects), so there is no IAM propagation to wait for here.
    """
    propagation.retry_while(
        lambda: _put_bucket_replication(client, bucket, configuration),
        versioning_not_yet_enabled,
        timeout=timeout,
        sleep=sleep,
        clock=clock,
    )


@_retry
def delete_bucket_replication(client, bucket):
    client.delete_bucket_replication(Bucket=bucket)


# --------------------------------------------------------------------------- pure logic


def validate_rules(rules):
    """Messages for everything wrong with the ``rules`` option (empty list when valid)."""
    errors = []
    ids, priorities = set(), set()
    for position, rule in enumerate(rules):
        where = f"rules[{position}]"
        rule_id = rule.get("id")
        if not rule_id:
            errors.append(f"{where}.id must be a non-empty string")
        elif len(rule_id) > 255:
            errors.append(f"{where}.id {rule_id[:20]!r}... is longer than 255 characters")
        elif rule_id in ids:
            errors.append(f"{where}.id {rule_id!r} is used by more than one rule")
        ids.add(rule_id)
        priority = rule_priority(rules, position)
        if priority < 0:
            errors.append(f"{where}.priority must be zero or positive, got {priority}")
        elif priority in priorities:
            errors.append(f"{where}.priority {priority} is used by more than one rule (priorities must be unique)")
        priorities.add(priority)
        bucket_arn = rule.get("destination_bucket") or ""
        if not BUCKET_ARN_RE.match(bucket_arn):
            errors.append(
                f"{where}.destination_bucket {bucket_arn!r} is not an S3 bucket ARN (expected arn:aws:s3:::bucket-name)"
            )
        sse_kms = sse_kms_objects_enabled(rule)
        if sse_kms and not rule.get("replica_kms_key_id"):
            errors.append(
                f"{where}: replicating SSE-KMS encrypted objects needs replica_kms_key_id "
                "(the KMS key in the destination region that encrypts the replicas)"
            )
        if rule.get("replica_kms_key_id") and not sse_kms:
            errors.append(f"{where}: replica_kms_key_id is only valid when sse_kms_encrypted_objects is true")
    return errors


def rule_priority(rules, position):
    """The rule's priority: as set, else earlier rules rank higher (len(rules) - position)."""
    priority = rules[position].get("priority")
    return int(priority) if priority is not None else len(rules) - position


def sse_kms_objects_enabled(rule):
    """``sse_kms_encrypted_objects`` as set, else true exactly when a replica KMS key is given."""
    value = rule.get("sse_kms_encrypted_objects")
    return bool(rule.get("replica_kms_key_id")) if value is None else bool(value)


def _status(flag):
    return "Enabled" if flag else "Disabled"


def _filter_from(prefix, tags):
    prefix = prefix or ""
    tags = tags or {}
    if not tags:
        return {"Prefix": prefix}
    tag_list = [{"Key": str(k), "Value": str(v)} for k, v in sorted(tags.items())]
    if len(tag_list) == 1 and not prefix:
        return {"Tag": tag_list[0]}
    return {"And": {"Prefix": prefix, "Tags": tag_list}} if prefix else {"And": {"Tags": tag_list}}


def build_rule(rules, position, current_rule=None):
    """One boto3 replication rule from the module's ``rules[position]``.

    Settings of ``current_rule`` (the existing rule with the same ID) that this module does not
    manage are carried over, so writing the configuration never drops them.
    """
    rule = rules[position]
    current_rule = current_rule or {}
    destination = {
        k: v for k, v in (current_rule.get("Destination") or {}).items() if k not in _MANAGED_DESTINATION_KEYS
    }
    destination["Bucket"] = rule["destination_bucket"]
    if rule.get("storage_class"):
        destination["StorageClass"] = rule["storage_class"]
    if rule.get("replica_kms_key_id"):
        destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": rule["replica_kms_key_id"]}
    criteria = {
        k: v for k, v in (current_rule.get("SourceSelectionCriteria") or {}).items() if k != "SseKmsEncryptedObjects"
    }
    criteria["SseKmsEncryptedObjects"] = {"Status": _status(sse_kms_objects_enabled(rule))}
    built = {
        k: v
        for k, v in current_rule.items()
        if k
        not in (
            "ID",
            "Priority",
            "Prefix",
            "Filter",
            "Status",
            "Destination",
            "SourceSelectionCriteria",
            "DeleteMarkerReplication",
        )
    }
    built.update(
        {
            "ID": rule["id"],
            "Priority": rule_priority(rules, position),
            "Filter": _filter_from(rule.get("prefix"), rule.get("tags")),
            "Status": "Enabled" if rule.get("status", "enabled") == "enabled" else "Disabled",
            "DeleteMarkerReplication": {"Status": _status(rule.get("delete_marker_replication"))},
            "SourceSelectionCriteria": criteria,
            "Destination": destination,
        }
    )
    return built


def build_configuration(role, rules, current=None):
    """The full replication configuration the task asks for (boto3 shape)."""
    current_rules = {r.get("ID"): r for r in (current or {}).get("Rules") or []}
    return {
        "Role": role,
        "Rules": [build_rule(rules, position, current_rules.get(rule["id"])) for position, rule in enumerate(rules)],
    }


def _normalise_filter(rule):
    """(prefix, ((tag key, value), ...)) whichever way the rule spells its filter."""
    if "Filter" not in rule:
        return rule.get("Prefix") or "", ()
    rule_filter = rule.get("Filter") or {}
    if "And" in rule_filter:
        conj = rule_filter["And"] or {}
        tags = tuple(sorted((t["Key"], t["Value"]) for t in conj.get("Tags") or []))
        return conj.get("Prefix") or "", tags
    if "Tag" in rule_filter:
        tag = rule_filter["Tag"]
        return "", ((tag["Key"], tag["Value"]),)
    return rule_filter.get("Prefix") or "", ()


def _status_of(container, key):
    return ((container or {}).get(key) or {}).get("Status") or "Disabled"


def normalise_rule(rule):
    """A rule in one canonical form for comparison (defaults filled in, filter spelled one way)."""
    prefix, tags = _normalise_filter(rule)
    destination = dict(rule.get("Destination") or {})
    normalised = {
        "ID": rule.get("ID"),
        "Priority": int(rule.get("Priority") or 0),
        "Status": rule.get("Status"),
        "Prefix": prefix,
        "Tags": [{"Key": k, "Value": v} for k, v in tags],
        "DeleteMarkerReplication": _status_of(rule, "DeleteMarkerReplication"),
        "SseKmsEncryptedObjects": _status_of(rule.get("SourceSelectionCriteria"), "SseKmsEncryptedObjects"),
        "DestinationBucket": destination.pop("Bucket", None),
        "StorageClass": destination.pop("StorageClass", None),
        "ReplicaKmsKeyID": (destination.pop("EncryptionConfiguration", None) or {}).get("ReplicaKmsKeyID"),
    }
    return normalised


def normalise_configuration(configuration):
    """A whole configuration in canonical form (rules sorted by ID), or None for none."""
    if not configuration:
        return None
    return {
        "Role": configuration.get("Role"),
        "Rules": sorted((normalise_rule(r) for r in configuration.get("Rules") or []), key=lambda r: r["ID"] or ""),
    }


def differences(current, desired):
    """Human-readable list of what differs between two configurations (boto3 shape)."""
    before, after = normalise_configuration(current), normalise_configuration(desired)
    if before == after:
        return []
    if before is None:
        return ["the bucket has no replication configuration"]
    if after is None:
        return ["the replication configuration would be removed"]
    found = []
    if before["Role"] != after["Role"]:
        found.append("role")
    before_rules = {r["ID"]: r for r in before["Rules"]}
    after_rules = {r["ID"]: r for r in after["Rules"]}
    for rule_id in sorted(set(before_rules) - set(after_rules)):
        found.append(f"rule {rule_id} removed")
    for rule_id in sorted(set(after_rules) - set(before_rules)):
        found.append(f"rule {rule_id} added")
    for rule_id in sorted(set(before_rules) & set(after_rules)):
        changed = sorted(k for k in after_rules[rule_id] if before_rules[rule_id].get(k) != after_rules[rule_id][k])
        if changed:
            found.append(f"rule {rule_id}: {', '.join(changed)}")
    return found


def to_ansible(configuration):
    """boto3 configuration -> snake_case dict (empty when there is none)."""
    if not configuration:
        return {}
    return camel_dict_to_snake_dict(configuration)


# --------------------------------------------------------------------------- server access logging

_logging_retry = AWSRetry.jittered_backoff(catch_extra_error_codes=["OperationAborted"])


@_logging_retry
def get_bucket_logging(client, bucket):
    """The bucket's ``LoggingEnabled`` (boto3 shape), or None when logging is off."""
    return client.get_bucket_logging(Bucket=bucket).get("LoggingEnabled") or None


@_logging_retry
def put_bucket_logging(client, bucket, logging_enabled):
    """Set (``logging_enabled`` a dict) or switch off (None) the bucket's server access logging."""
    status = {"LoggingEnabled": logging_enabled} if logging_enabled else {}
    client.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)


def validate_logging_items(items, default_target):
    """Messages for everything wrong with the ``buckets`` option of s3_bucket_logging."""
    errors = []
    seen = set()
    for position, item in enumerate(items):
        where = f"buckets[{position}]"
        name = item.get("name") or ""
        if not BUCKET_NAME_RE.match(name):
            errors.append(f"{where}.name {name!r} is not a valid S3 bucket name")
        elif name in seen:
            errors.append(f"{where}.name {name!r} is listed more than once")
        seen.add(name)
        if item.get("state", "present") != "present":
            continue
        target = item.get("target_bucket") or default_target
        if not target:
            errors.append(f"{where} ({name}): target_bucket is required (on the item or for the whole task)")
        elif not BUCKET_NAME_RE.match(target):
            errors.append(f"{where} ({name}): target_bucket {target!r} is not a valid S3 bucket name")
        prefix = item.get("target_prefix") or ""
        if len(prefix) > 1024:
            errors.append(f"{where} ({name}): target_prefix is longer than 1024 characters")
    return errors


def desired_logging(item, default_target, current):
    """``LoggingEnabled`` the task wants for one bucket (None: logging off).

    Never carries ``TargetGrants``; keeps an existing ``TargetObjectKeyFormat`` (not managed here).
    """
    if item.get("state", "present") != "present":
        return None
    wanted = {
        "TargetBucket": item.get("target_bucket") or default_target,
        "TargetPrefix": item.get("target_prefix") or "",
    }
    if current and current.get("TargetObjectKeyFormat"):
        wanted["TargetObjectKeyFormat"] = current["TargetObjectKeyFormat"]
    return wanted


def logging_differences(current, desired):
    """What differs between two ``LoggingEnabled`` values (only target bucket and prefix are managed)."""
    if not current and not desired:
        return []
    if not current:
        return ["logging is off"]
    if not desired:
        return ["logging would be switched off"]
    found = []
    if current.get("TargetBucket") != desired.get("TargetBucket"):
        found.append(f"target bucket {current.get('TargetBucket')} -> {desired.get('TargetBucket')}")
    if (current.get("TargetPrefix") or "") != (desired.get("TargetPrefix") or ""):
        found.append(f"target prefix {current.get('TargetPrefix') or ''!r} -> {desired.get('TargetPrefix') or ''!r}")
    return found


def logging_to_ansible(logging_enabled):
    """``LoggingEnabled`` -> {target_bucket, target_prefix} (empty when logging is off)."""
    if not logging_enabled:
        return {}
    return {
        "target_bucket": logging_enabled.get("TargetBucket"),
        "target_prefix": logging_enabled.get("TargetPrefix") or "",
    }


# --------------------------------------------------------------------------- bucket name availability


@AWSRetry.jittered_backoff()
def _head_bucket(client, bucket):
    return client.head_bucket(Bucket=bucket)


def bucket_availability(client, bucket):
    """``ours`` (HeadBucket 200: exists and this account may use it), ``taken`` (403: it exists and
    belongs to another account) or ``free`` (404: nobody has it). Bucket names are global across
    all AWS accounts.

    A bucket in another region of this account answers with a redirect that botocore follows, so it
    is also ``ours``. Other errors are raised.
    """
    try:
        _head_bucket(client, bucket)
        return "ours"
    except is_boto3_error_code(["404", "NoSuchBucket", "NotFound"]):
        return "free"
    except is_boto3_error_code(["403", "AccessDenied", "Forbidden"]):  # pylint: disable=duplicate-except
        return "taken"
