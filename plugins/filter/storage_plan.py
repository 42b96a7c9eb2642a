# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plan of the storage role: which buckets differ from the desired state, from one concurrent
``aws_read`` of every platform bucket (``bucket_reads``), in ``amazon.aws.s3_bucket_info``'s shape
(``found_buckets``: ``__storage_found.buckets``).

``storage_plan`` answers ``{"buckets": [purpose], "lifecycle": [purpose], "logging": [purpose],
"replicas": [purpose], "replica_lifecycle": [purpose], "replication": [purpose]}``: the items each converge
task of roles/storage loops over. A DR copy carries its source's lifecycle rule (IA, Glacier, noncurrent
expiry), so PHI copies do not accumulate forever.

A bucket is only left out when every setting the task manages already matches exactly; anything unexpected
(a missing fact, a reformatted policy) puts it back in and the module decides. In check mode a bucket that
does not exist yet is only planned for creation: the lifecycle, logging and replication modules would fail on
it (amazon.aws.s3_bucket skips check mode).
"""

from __future__ import annotations

import json

from ansible.plugins.filter.core import to_bool
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.platform_ops.aws.plugins.module_utils import s3 as s3u

LIFECYCLE_RULE_ID = "platform-lifecycle"
PLAN_KEYS = ("buckets", "lifecycle", "logging", "replicas", "replica_lifecycle", "replication")


def _int(value):
    """Jinja's ``int`` filter: "42" -> 42, "42.5" -> 42, anything else 0."""
    try:
        return int(value, 10) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return 0


def bucket_in_sync(have, name, *, algorithm, key_arn, tags, policies):
    """Whether amazon.aws.s3_bucket would change nothing on the bucket ``have`` (an s3_bucket_info entry, {}
    when missing): default encryption, versioning, public access block, ownership, policy, tags (purge_tags
    false: other tags are left alone)."""
    sse = ((have.get("bucket_encryption") or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or [{}]
    sse_default = sse[0].get("ApplyServerSideEncryptionByDefault") or {}
    pab = (have.get("public_access_block") or {}).get("PublicAccessBlockConfiguration") or {}
    ownership = ((have.get("bucket_ownership_controls") or {}).get("OwnershipControls") or {}).get("Rules") or [{}]
    policy = (have.get("bucket_policy") or {}).get("Policy") or "{}"
    have_tags = have.get("bucket_tagging") or {}
    return bool(
        have
        and len(sse) == 1
        and sse_default.get("SSEAlgorithm") == algorithm
        and (
            algorithm == "AES256"
            or (sse_default.get("KMSMasterKeyID") == key_arn and sse[0].get("BucketKeyEnabled") == True)  # noqa: E712 - as Jinja's == true
        )
        and (have.get("bucket_versioning") or {}).get("Status") == "Enabled"
        and [
            pab.get("BlockPublicAcls"),
            pab.get("IgnorePublicAcls"),
            pab.get("BlockPublicPolicy"),
            pab.get("RestrictPublicBuckets"),
        ]
        == [True, True, True, True]
        and ownership[0].get("ObjectOwnership") == "BucketOwnerEnforced"
        and json.loads(policy) == policies[name]
        and {**have_tags, **tags} == have_tags
    )


def lifecycle_rule(wanted, logs=False):
    """The rule exactly as community.aws.s3_lifecycle builds it from the role's options: logs expire, the
    other buckets (and the DR copies) move to STANDARD_IA then GLACIER."""
    rule = {
        "ID": LIFECYCLE_RULE_ID,
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": _int(wanted["abort_multipart_days"])},
        "NoncurrentVersionExpiration": {"NoncurrentDays": _int(wanted["noncurrent_expiry_days"])},
    }
    if logs:
        rule["Expiration"] = {"Days": _int(wanted["logs_expiry_days"])}
    else:
        rule["Transitions"] = [
            {"Days": _int(wanted["ia_days"]), "StorageClass": "STANDARD_IA"},
            {"Days": _int(wanted["glacier_days"]), "StorageClass": "GLACIER"},
        ]
    return rule


def _lifecycle_differs(have, rule):
    rules = (have.get("bucket_lifecycle_configuration") or {}).get("Rules") or []
    return [r for r in rules if r.get("ID") == LIFECYCLE_RULE_ID] != [rule]


def replication_configuration(wanted, replica):
    """The configuration exactly as platform_ops.aws.s3_bucket_replication builds it from the role's options."""
    return {
        "Role": wanted["role_arn"],
        "Rules": [
            {
                "ID": "dr",
                "Priority": 1,
                "Filter": {"Prefix": ""},
                "Status": "Enabled",
                "DeleteMarkerReplication": {
                    "Status": "Enabled" if to_bool(wanted["replicate_delete_markers"]) else "Disabled"
                },
                "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                "Destination": {
                    "Bucket": f"arn:{wanted['partition']}:s3:::{replica}",
                    "StorageClass": wanted["replica_storage_class"],
                    "EncryptionConfiguration": {"ReplicaKmsKeyID": wanted["dr_key_arn"]},
                },
            }
        ],
    }


def storage_plan(found, wanted):
    """Which buckets each converge task of the storage role loops over.

    ``found``: ``found_buckets``' answer (the ``buckets`` of ``amazon.aws.s3_bucket_info`` with the bucket facts
    the role compares). ``wanted``: the role's inputs, a dict with

    - ``buckets`` (storage_buckets), ``replicated`` (storage_replicated_buckets): purposes;
    - ``names``: {purpose: bucket name}; ``policies``: {bucket name: policy document}, the DR copies included;
    - ``tags``: the platform's standard tags; ``partition``: the ARN partition;
    - ``key_arn``, ``dr_key_arn``: the KMS keys of the primary and the DR region; ``role_arn``: the replication role;
    - ``ia_days``, ``glacier_days``, ``noncurrent_expiry_days``, ``abort_multipart_days``, ``logs_expiry_days``,
      ``replica_storage_class``, ``replicate_delete_markers``: the storage_* options of the same names;
    - ``dr_region``: platform_dr_region ('' or none: no DR copies); ``check_mode``: ansible_check_mode.
    """
    current = {}
    for bucket in found or []:
        current[bucket["name"]] = bucket
    names = wanted["names"]
    replicated = wanted["replicated"]
    check_mode = wanted["check_mode"]
    plan = {key: [] for key in PLAN_KEYS}

    for purpose in wanted["buckets"]:
        name = names[purpose]
        have = current.get(name) or {}
        logs = purpose == "logs"
        tags = {**wanted["tags"], "Name": name, "Purpose": purpose}
        if purpose in replicated:
            tags["PlatformBackup"] = "true"
        algorithm = "AES256" if logs else "aws:kms"
        if not bucket_in_sync(
            have, name, algorithm=algorithm, key_arn=wanted["key_arn"], tags=tags, policies=wanted["policies"]
        ):
            plan["buckets"].append(purpose)
        settle = have or not check_mode
        if settle and _lifecycle_differs(have, lifecycle_rule(wanted, logs)):
            plan["lifecycle"].append(purpose)
        logging = (have.get("bucket_logging") or {}).get("LoggingEnabled") or {}
        if (
            settle
            and not logs
            and [logging.get("TargetBucket"), logging.get("TargetPrefix")] != [names["logs"], f"s3/{name}/"]
        ):
            plan["logging"].append(purpose)

    if wanted.get("dr_region"):
        for purpose in replicated:
            name = names[purpose]
            replica = f"{name}-dr"
            have = current.get(replica) or {}
            tags = {**wanted["tags"], "Name": replica, "Purpose": f"{purpose}-dr"}
            if not bucket_in_sync(
                have, replica, algorithm="aws:kms", key_arn=wanted["dr_key_arn"], tags=tags, policies=wanted["policies"]
            ):
                plan["replicas"].append(purpose)
            # The source's rule (replicated buckets are never the logs bucket).
            if (have or not check_mode) and _lifecycle_differs(have, lifecycle_rule(wanted)):
                plan["replica_lifecycle"].append(purpose)
            source = current.get(name) or {}
            configuration = (source.get("bucket_replication") or {}).get("ReplicationConfiguration")
            if (source or not check_mode) and configuration != replication_configuration(wanted, replica):
                plan["replication"].append(purpose)
    return plan


def trail_logging_differences(found, trail_bucket, logs_bucket):
    """What platform_ops.aws.s3_bucket_logging would change on the security baseline's trail bucket (its access
    logs to ``logs_bucket`` under ``s3/<trail bucket>/``), from the same read as storage_plan
    (the trail bucket is one of the ``{prefix}-`` buckets). Compared with the module's own rule
    (module_utils/s3.py desired_logging and logging_differences); a bucket the read did not list counts as
    different (the module then judges it)."""
    have = next((bucket for bucket in found or [] if bucket.get("name") == trail_bucket), None)
    if have is None:
        return ["not read"]
    current = (have.get("bucket_logging") or {}).get("LoggingEnabled") or None
    item = {"name": trail_bucket, "target_prefix": f"s3/{trail_bucket}/"}
    return s3u.logging_differences(current, s3u.desired_logging(item, logs_bucket, current))


def kms_key_reads(alias, id_prefix="", region=None):
    """The reads of the platform key ``alias`` (``alias/...``) as amazon.aws.kms_key compares it: DescribeKey,
    its default key policy, its rotation status and its tags (the last three after the key, only when it exists),
    ids prefixed with ``id_prefix``, in ``region`` (None: the module's). A policy or rotation status the caller may
    not read answers null, which the plan counts as a difference: kms_key then decides, as it does."""
    where = {"region": region} if region else {}
    key_id = {"KeyId": f"{id_prefix}key.KeyMetadata.KeyId"}
    return [
        {
            "id": f"{id_prefix}key",
            "service": "kms",
            "operation": "describe_key",
            "params": {"KeyId": alias},
            "missing_ok": ["NotFoundException"],
            **where,
        },
        {
            "id": f"{id_prefix}key_policy",
            "service": "kms",
            "operation": "get_key_policy",
            "params": {"PolicyName": "default"},
            "params_from": key_id,
            "missing_ok": ["NotFoundException"],
            **where,
        },
        {
            "id": f"{id_prefix}key_rotation",
            "service": "kms",
            "operation": "get_key_rotation_status",
            "params_from": key_id,
            "missing_ok": ["NotFoundException"],
            **where,
        },
        {
            "id": f"{id_prefix}key_tags",
            "service": "kms",
            "operation": "list_resource_tags",
            "paginate": True,
            "params_from": key_id,
            "missing_ok": ["NotFoundException"],
            **where,
        },
    ]


def kms_key_differences(responses, wanted, id_prefix=""):
    """What amazon.aws.kms_key (state present; ``wanted``: description, policy as a JSON string, tags, purge_tags
    false, enabled and enable_key_rotation true, no grants) would change on the key ``kms_key_reads`` read, as short
    reasons (its update_key: deletion pending, state, description, tags, policy as compare_policies compares it,
    rotation); ``["missing"]`` when there is no key. The key was found by its alias, which kms_key's alias check
    also finds."""
    responses = responses or {}
    meta = (responses.get(f"{id_prefix}key") or {}).get("KeyMetadata")
    if not meta:
        return ["missing"]
    differs = []
    if meta.get("KeyState") == "PendingDeletion":
        differs.append("deletion pending")
    if meta.get("KeyState") != "Enabled":
        differs.append("state")
    if wanted.get("description") is not None and meta.get("Description") != wanted["description"]:
        differs.append("description")
    tags = responses.get(f"{id_prefix}key_tags")
    if tags is None or tags.get("Truncated"):
        differs.append("tags not read")
    else:
        current = {tag["TagKey"]: tag["TagValue"] for tag in tags.get("Tags") or []}
        to_add, to_remove = compare_aws_tags(current, wanted.get("tags") or {}, False)
        if to_add or to_remove:
            differs.append("tags")
    policy = (responses.get(f"{id_prefix}key_policy") or {}).get("Policy")
    try:
        if compare_policies(json.loads(policy) if policy else {}, json.loads(wanted["policy"])):
            differs.append("policy")
    except ValueError:
        differs.append("policy not JSON")
    if not (responses.get(f"{id_prefix}key_rotation") or {}).get("KeyRotationEnabled"):
        differs.append("rotation")
    return differs


# (s3_bucket_info fact, boto3 operation, the error code that means "this bucket has none").
BUCKET_FACTS = (
    ("bucket_encryption", "get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError"),
    ("bucket_versioning", "get_bucket_versioning", None),
    ("public_access_block", "get_public_access_block", "NoSuchPublicAccessBlockConfiguration"),
    ("bucket_ownership_controls", "get_bucket_ownership_controls", "OwnershipControlsNotFoundError"),
    ("bucket_policy", "get_bucket_policy", "NoSuchBucketPolicy"),
    ("bucket_tagging", "get_bucket_tagging", "NoSuchTagSet"),
    ("bucket_lifecycle_configuration", "get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
    ("bucket_logging", "get_bucket_logging", None),
)
REPLICATION_FACT = ("bucket_replication", "get_bucket_replication", "ReplicationConfigurationNotFoundError")


def bucket_reads(prefix, names, replicated=()):
    """The storage role's read of its buckets as ``aws_read`` calls, made concurrently (issue 15): the account's
    buckets named ``{prefix}-*`` (ListBuckets with a Prefix), then for each bucket of ``names`` the settings the
    plan compares (those ``amazon.aws.s3_bucket_info`` reads with the role's ``bucket_facts``), and the
    replication configuration of each bucket of ``replicated``, each only when the listing has the bucket. A
    setting the bucket does not have answers null (``missing_ok``); any other error (AccessDenied on a bucket of
    ours) fails the read instead of passing for "none"."""
    reads = [
        {
            "id": "buckets",
            "service": "s3",
            "operation": "list_buckets",
            "paginate": True,
            "params": {"Prefix": f"{prefix}-"},
        }
    ]
    for name in dict.fromkeys(names or []):
        facts = BUCKET_FACTS + ((REPLICATION_FACT,) if name in (replicated or ()) else ())
        for fact, operation, absent in facts:
            read = {
                "id": f"{fact}:{name}",
                "service": "s3",
                "operation": operation,
                "missing_ok": ["NoSuchBucket"] + ([absent] if absent else []),
            }
            if "." in name:
                # A name aws_read's params_from path cannot hold: read it directly. Unlisted (another account's,
                # or not created yet), it answers AccessDenied or NoSuchBucket, and found_buckets drops it.
                read.update(params={"Bucket": name}, missing_ok=read["missing_ok"] + ["AccessDenied"])
            else:
                # Only a bucket the account lists is read (never another account's: AccessDenied).
                read.update(params={}, params_from={"Bucket": f"buckets.Buckets.Name={name}.Name"})
            reads.append(read)
    return reads


def found_buckets(responses, names):
    """``bucket_reads``' answer in the shape of ``amazon.aws.s3_bucket_info``'s ``buckets`` (what ``storage_plan``
    and ``storage_trail_logging_differences`` take): each bucket of ``names`` that the account lists, with
    ``name`` and each setting read (a setting it does not have: ``{}``; the tags as a dict)."""
    responses = responses or {}
    listed = {bucket["Name"] for bucket in (responses.get("buckets") or {}).get("Buckets") or []}
    found = []
    for name in dict.fromkeys(names or []):
        if name not in listed:
            continue
        bucket = {"name": name}
        for fact, _operation, _absent in BUCKET_FACTS + (REPLICATION_FACT,):
            key = f"{fact}:{name}"
            if key not in responses:
                continue
            value = responses[key] or {}
            if fact == "bucket_tagging":
                value = {tag["Key"]: tag["Value"] for tag in value.get("TagSet") or []}
            bucket[fact] = value
        found.append(bucket)
    return found


class FilterModule:
    """Read-once plan of the storage role."""

    def filters(self):
        return {
            "storage_plan": storage_plan,
            "storage_bucket_reads": bucket_reads,
            "storage_found_buckets": found_buckets,
            "storage_trail_logging_differences": trail_logging_differences,
            "storage_kms_key_reads": kms_key_reads,
            "storage_kms_key_differences": kms_key_differences,
        }
