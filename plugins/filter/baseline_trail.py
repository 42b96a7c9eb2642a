# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plans (issue 15) of the security baseline's KMS key, trail bucket and CloudTrail path.

The reads (``baseline_key_reads``, ``baseline_bucket_reads``, ``baseline_trail_reads``) are lists for one
``platform_ops.aws.aws_read`` run: the role makes them together in the first part that needs them (the trail's
tasks, or the key's for AWS Config and AWS Backup when the trail is off). Each plan compares what was read with
what the role asks, the way the writing module compares it (amazon.aws.kms_key, amazon.aws.s3_bucket,
community.aws.s3_lifecycle, amazon.aws.cloudwatchlogs_log_group, amazon.aws.iam_role, amazon.aws.iam_policy,
amazon.aws.cloudtrail, amazon.aws 10 / community.aws 10), no less: a difference the module would converge puts
its part in ``converge``, and what was not read (null) converges."""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.platform_ops.aws.plugins.filter.plans import (
    _has_tags,
    _tag_dict,
    log_group_converges,
    log_group_state,
    log_group_tags_read,
)

TRAIL_POLICY_NAME = "deliver-trail-events"
_PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def _read(rid, service, operation, params=None, *, missing_ok=(), params_from=None, paginate=False):
    """One aws_read read."""
    read = {"id": rid, "service": service, "operation": operation, "params": dict(params or {})}
    if missing_ok:
        read["missing_ok"] = list(missing_ok)
    if params_from:
        read["params_from"] = dict(params_from)
    if paginate:
        read["paginate"] = True
    return read


def baseline_key_reads(alias):
    """The aws_read reads of the baseline key ``alias``: the key (DescribeKey takes the alias), then by its key id
    (GetKeyPolicy, GetKeyRotationStatus and ListResourceTags do not take an alias) its policy, rotation and tags.
    A missing key is null (NotFoundException) and its dependent reads are not made. A key pending deletion may
    refuse some reads (KMSInvalidStateException): they are null and the key converges (kms_key cancels the
    deletion)."""
    by_id = {"KeyId": "key.KeyMetadata.KeyId"}
    invalid = ["NotFoundException", "KMSInvalidStateException"]
    return [
        _read("key", "kms", "describe_key", {"KeyId": alias}, missing_ok=["NotFoundException"]),
        _read("key_policy", "kms", "get_key_policy", {"PolicyName": "default"}, missing_ok=invalid, params_from=by_id),
        _read(
            "key_rotation",
            "kms",
            "get_key_rotation_status",
            missing_ok=[*invalid, "UnsupportedOperationException"],
            params_from=by_id,
        ),
        _read("key_tags", "kms", "list_resource_tags", missing_ok=invalid, params_from=by_id, paginate=True),
    ]


def baseline_bucket_reads(bucket):
    """The aws_read reads of the trail bucket: every setting amazon.aws.s3_bucket and community.aws.s3_lifecycle
    compare for the options the role passes. A missing bucket answers NoSuchBucket (null everywhere); a missing
    setting answers its own "not found" code (null)."""
    reads = [
        ("bucket_versioning", "get_bucket_versioning", []),
        ("bucket_encryption", "get_bucket_encryption", ["ServerSideEncryptionConfigurationNotFoundError"]),
        ("bucket_public_access", "get_public_access_block", ["NoSuchPublicAccessBlockConfiguration"]),
        ("bucket_ownership", "get_bucket_ownership_controls", ["OwnershipControlsNotFoundError"]),
        ("bucket_policy", "get_bucket_policy", ["NoSuchBucketPolicy"]),
        ("bucket_tags", "get_bucket_tagging", ["NoSuchTagSet"]),
        ("bucket_lifecycle", "get_bucket_lifecycle_configuration", ["NoSuchLifecycleConfiguration"]),
    ]
    return [_read(rid, "s3", op, {"Bucket": bucket}, missing_ok=["NoSuchBucket", *codes]) for rid, op, codes in reads]


def baseline_trail_reads(names):
    """The aws_read reads of the trail's own parts. ``names``: log_group, role and trail_arn (trail_name is not
    read: the plan picks the trail by its ARN).

    The log group and its tags (as amazon.aws.cloudwatchlogs_log_group reads them), the delivery role and its
    inline policy deliver-trail-events, the region's trails (DescribeTrails with the shadow trails, as the audit
    lists them), the trail's logging status (TrailNotFoundException when missing) and its tags by ARN (ListTags
    answers ResourceNotFoundException for a trail that does not exist)."""
    group, role = names["log_group"], names["role"]
    return [
        _read("trail_groups", "logs", "describe_log_groups", {"logGroupNamePrefix": group}, paginate=True),
        log_group_tags_read("trail_group_tags", "trail_groups", group),
        _read("trail_role", "iam", "get_role", {"RoleName": role}, missing_ok=["NoSuchEntity"]),
        _read(
            "trail_role_policy",
            "iam",
            "get_role_policy",
            {"RoleName": role, "PolicyName": TRAIL_POLICY_NAME},
            missing_ok=["NoSuchEntity"],
        ),
        # Every trail of the region, as the compliance audit lists them (a run that changed nothing lets it reuse
        # the answer); the plan picks ours by its ARN.
        _read("trail", "cloudtrail", "describe_trails", {"includeShadowTrails": True}),
        # By ARN, as the compliance audit asks (AWS takes the name or the ARN).
        _read(
            "trail_status",
            "cloudtrail",
            "get_trail_status",
            {"Name": names["trail_arn"]},
            missing_ok=["TrailNotFoundException"],
        ),
        _read(
            "trail_tags",
            "cloudtrail",
            "list_tags",
            {"ResourceIdList": [names["trail_arn"]]},
            missing_ok=["ResourceNotFoundException", "TrailNotFoundException"],
        ),
    ]


def _json(text):
    """A policy document as a dict (None when it is not JSON)."""
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text or "")
    except ValueError:
        return None


def _policy_differs(current, wanted):
    """compare_policies as the modules call it; a policy that was not read (or not JSON) differs."""
    current = _json(current)
    return not current or compare_policies(current, _json(wanted))


def baseline_key_plan(state, wanted):
    """What amazon.aws.kms_key would change on the baseline key, and the key's ARN as read ('' when missing).

    ``wanted``: description, policy (dict or JSON), tags (purge_tags false). kms_key converges a missing key (it
    creates it), a key not Enabled (it cancels a pending deletion and enables it), the description, missing or
    different tags, the key policy (compare_policies) and the rotation (enable_key_rotation true). It finds the
    key by its alias, so the alias is there; grants are not asked (none purged). Returns
    {"converge": ["key"] or [], "differs": [...], "key_arn": ...}.
    """
    state = state or {}
    key = (state.get("key") or {}).get("KeyMetadata")
    if not key:
        return {"converge": ["key"], "differs": ["missing"], "key_arn": ""}
    differs = []
    if key.get("KeyState") != "Enabled":
        differs.append("state")
    if key.get("Description") != wanted.get("description"):
        differs.append("description")
    tags = {t["TagKey"]: t["TagValue"] for t in (state.get("key_tags") or {}).get("Tags") or []}
    if state.get("key_tags") is None or not _has_tags(tags, wanted.get("tags")):
        differs.append("tags")
    if _policy_differs((state.get("key_policy") or {}).get("Policy"), wanted["policy"]):
        differs.append("policy")
    if (state.get("key_rotation") or {}).get("KeyRotationEnabled") is not True:
        differs.append("rotation")
    return {"converge": ["key"] if differs else [], "differs": differs, "key_arn": key.get("Arn", "")}


def _lifecycle_rule(lifecycle):
    """The rule community.aws.s3_lifecycle builds (build_rule) from the role's options: rule_id, status enabled,
    no prefix, one transition (transition_days, storage_class), expiration_days, noncurrent_version_expiration_days,
    abort_incomplete_multipart_upload_days."""
    rule = {"Filter": {"Prefix": ""}, "Status": "Enabled", "ID": lifecycle["rule_id"]}
    if lifecycle.get("abort_incomplete_multipart_upload_days"):
        rule["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(lifecycle["abort_incomplete_multipart_upload_days"])
        }
    rule["Expiration"] = {"Days": int(lifecycle["expiration_days"])}
    if lifecycle.get("noncurrent_version_expiration_days"):
        rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(lifecycle["noncurrent_version_expiration_days"])}
    rule["Transitions"] = [
        {"Days": int(t["transition_days"]), "StorageClass": t["storage_class"].upper()}
        for t in lifecycle["transitions"]
    ]
    return rule


def _filters_equal(one, other):
    """community.aws.s3_lifecycle filters_are_equal (a missing prefix is the empty one)."""
    if one == other:
        return True
    if not one or not other:
        return False
    return (
        one.get("Prefix", "") == other.get("Prefix", "")
        and one.get("ObjectSizeGreaterThan") == other.get("ObjectSizeGreaterThan")
        and one.get("ObjectSizeLessThan") == other.get("ObjectSizeLessThan")
        and one.get("And", {}).get("Prefix", "") == other.get("And", {}).get("Prefix", "")
        and one.get("And", {}).get("ObjectSizeGreaterThan") == other.get("And", {}).get("ObjectSizeGreaterThan")
        and one.get("And", {}).get("ObjectSizeLessThan") == other.get("And", {}).get("ObjectSizeLessThan")
    )


def _lifecycle_differs(rules, wanted_rule):
    """community.aws.s3_lifecycle with purge_transitions true: the rule of that ID with an equal filter must be
    equal to the built rule, whole (status, expiration, transitions, noncurrent expiration, multipart abort)."""
    for rule in rules or []:
        if rule.get("ID") == wanted_rule["ID"] and _filters_equal(wanted_rule["Filter"], rule.get("Filter")):
            return rule != wanted_rule
    return True


def baseline_bucket_plan(state, wanted):
    """What amazon.aws.s3_bucket and community.aws.s3_lifecycle would change on the trail bucket.

    ``wanted``: kms_key_arn, policy (dict or JSON), tags (purge_tags false) and lifecycle (the s3_lifecycle
    options: rule_id, transitions, expiration_days, noncurrent_version_expiration_days,
    abort_incomplete_multipart_upload_days). For the options the role passes, s3_bucket converges a missing
    bucket, versioning not Enabled, the SSE algorithm (aws:kms) and its key (KMSMasterKeyID compared as given),
    the bucket key, the public access block (all four, compared whole), the object ownership, the policy
    (compare_policies) and missing or different tags; it compares nothing it is not given (ACL, requester pays,
    acceleration, object lock, inventory). Returns {"converge": [...of "bucket", "lifecycle"], "differs": [...]}.
    """
    state = state or {}
    if state.get("bucket_versioning") is None:
        return {"converge": ["bucket", "lifecycle"], "differs": ["missing"]}
    differs = []
    if state["bucket_versioning"].get("Status") != "Enabled":
        differs.append("versioning")
    rules = ((state.get("bucket_encryption") or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}]
    default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
    if default.get("SSEAlgorithm") != "aws:kms" or default.get("KMSMasterKeyID") != wanted["kms_key_arn"]:
        differs.append("encryption")
    if rules[0].get("BucketKeyEnabled") is not True:
        differs.append("bucket_key")
    if (state.get("bucket_public_access") or {}).get("PublicAccessBlockConfiguration") != _PUBLIC_ACCESS_BLOCK:
        differs.append("public_access")
    ownership = ((state.get("bucket_ownership") or {}).get("OwnershipControls") or {}).get("Rules") or [{}]
    if ownership[0].get("ObjectOwnership") != "BucketOwnerEnforced":
        differs.append("ownership")
    if _policy_differs((state.get("bucket_policy") or {}).get("Policy"), wanted["policy"]):
        differs.append("policy")
    if not _has_tags(_tag_dict((state.get("bucket_tags") or {}).get("TagSet")), wanted.get("tags")):
        differs.append("tags")
    converge = ["bucket"] if differs else []
    rules = (state.get("bucket_lifecycle") or {}).get("Rules")
    if _lifecycle_differs(rules, _lifecycle_rule(wanted["lifecycle"])):
        differs.append("lifecycle")
        converge.append("lifecycle")
    return {"converge": converge, "differs": differs}


# amazon.aws.cloudtrail compares each parameter it is given with the trail's field of the same name.
_TRAIL_FIELDS = {
    "s3_bucket_name": "S3BucketName",
    "is_multi_region_trail": "IsMultiRegionTrail",
    "include_global_events": "IncludeGlobalServiceEvents",
    "enable_log_file_validation": "LogFileValidationEnabled",
    "kms_key_id": "KmsKeyId",
    "cloudwatch_logs_log_group_arn": "CloudWatchLogsLogGroupArn",
    "cloudwatch_logs_role_arn": "CloudWatchLogsRoleArn",
}


def _trail_differs(state, wanted):
    """What amazon.aws.cloudtrail would change on the trail (see baseline_trail_plan)."""
    listed = (state.get("trail") or {}).get("trailList") or []
    # by its ARN when known (a multi-region trail of the same name homed in another region is listed too)
    if wanted.get("arn"):
        trails = [t for t in listed if t.get("TrailARN") == wanted["arn"]]
    else:
        trails = [t for t in listed if t.get("Name") == wanted["name"]]
    if not trails:
        return ["missing"]
    trail, differs = trails[0], []
    if trail.get("Name") != wanted["name"]:
        differs.append("name")
    for option, field in _TRAIL_FIELDS.items():
        value = wanted.get(option)
        # cloudtrail passes an option set to None (a log group or role ARN also when empty) as not given.
        if value is None or (option.startswith("cloudwatch_logs_") and not value):
            continue
        if trail.get(field) != (None if value == "" else value):
            differs.append(field)
    status = state.get("trail_status")
    if status is None or status.get("IsLogging") != bool(wanted.get("enable_logging", True)):
        differs.append("IsLogging")
    tag_lists = (state.get("trail_tags") or {}).get("ResourceTagList") or [{}]
    if state.get("trail_tags") is None or not _has_tags(_tag_dict(tag_lists[0].get("TagsList")), wanted.get("tags")):
        differs.append("tags")
    return differs


def baseline_trail_plan(state, wanted):
    """Which of the trail's log group, delivery role, its policy and the trail differ from what was read.

    ``wanted``: log_group (name, retention, tags), role (description, trust, tags), policy, and trail (name,
    arn (picks it from the region's listing; without it, the name does), enable_logging, tags and the
    amazon.aws.cloudtrail options the role passes: s3_bucket_name,
    is_multi_region_trail, include_global_events, enable_log_file_validation, kms_key_id,
    cloudwatch_logs_log_group_arn, cloudwatch_logs_role_arn). The log group as cloudwatchlogs_log_group compares
    it (existence, retention, tags; its key is set only at creation; differs names "retention" and "tags" apart,
    for the module puts a retention even in check mode); the role as iam_role (trust with
    compare_policies, description, tags: no managed policies, path, duration or boundary are given); the policy as
    iam_policy (compare_policies); the trail as cloudtrail (each option given against the trail's field, the key
    ARN as given, logging per get_trail_status, tags with purge_tags false; an S3 key prefix or SNS topic is not
    given, so not compared). Returns {"converge": [...], "differs": {part: [...]}}.
    """
    state = state or {}
    differs = {}
    log_group = wanted["log_group"]
    found = log_group_state(
        {"groups": state.get("trail_groups"), "group_tags": state.get("trail_group_tags")}, log_group["name"]
    )
    if not found:
        differs["log_group"] = ["missing"]
    elif log_group_converges(found, log_group["retention"], log_group.get("tags")):
        # which of the two: cloudwatchlogs_log_group puts a retention even in check mode (the role reports it instead)
        group_differs = []
        if log_group_converges(found, log_group["retention"], {}):
            group_differs.append("retention")
        if log_group_converges(found, found.get("retentionInDays") or 0, log_group.get("tags")):
            group_differs.append("tags")
        differs["log_group"] = group_differs
    role = (state.get("trail_role") or {}).get("Role")
    if not role:
        differs["role"] = ["missing"]
    else:
        role_differs = []
        if compare_policies(role.get("AssumeRolePolicyDocument") or {}, _json(wanted["role"]["trust"])):
            role_differs.append("trust")
        if role.get("Description") != wanted["role"]["description"]:
            role_differs.append("description")
        if not _has_tags(_tag_dict(role.get("Tags")), wanted["role"].get("tags")):
            role_differs.append("tags")
        if role_differs:
            differs["role"] = role_differs
    if _policy_differs((state.get("trail_role_policy") or {}).get("PolicyDocument"), wanted["policy"]):
        differs["policy"] = ["policy"]
    trail_differs = _trail_differs(state, wanted["trail"])
    if trail_differs:
        differs["trail"] = trail_differs
    converge = [part for part in ("log_group", "role", "policy", "trail") if part in differs]
    return {"converge": converge, "differs": differs}


class FilterModule:
    """Read-once plans of the security baseline's key, trail bucket and trail."""

    def filters(self):
        return {
            "security_baseline_key_reads": baseline_key_reads,
            "security_baseline_bucket_reads": baseline_bucket_reads,
            "security_baseline_trail_reads": baseline_trail_reads,
            "security_baseline_key_plan": baseline_key_plan,
            "security_baseline_bucket_plan": baseline_bucket_plan,
            "security_baseline_trail_plan": baseline_trail_plan,
        }
