"""plugins/filter/baseline_trail.py: the security baseline's key, trail bucket and trail plans, on the state the
role's own reads (the filters that build them) return through aws_read from the moto server."""

from __future__ import annotations

import copy
import json
import uuid

from ansible_collections.community.aws.plugins.modules import s3_lifecycle as upstream_lifecycle
from ansible_collections.platform_ops.aws.plugins.filter import baseline_trail as bt

ACCOUNT = "123456789012"
REGION = "us-east-1"
TAGS = {"Project": "caseapp", "Environment": "dev"}
LIFECYCLE = {
    "rule_id": "audit-trail-retention",
    "transitions": [{"transition_days": 90, "storage_class": "glacier"}],
    "expiration_days": 365,
    "noncurrent_version_expiration_days": 90,
    "abort_incomplete_multipart_upload_days": 7,
}


def _read(run_module, reads):
    result = run_module("aws_read", {"reads": reads})
    assert not result.failed, result
    return result["responses"]


def _suffix():
    return uuid.uuid4().hex[:8]


def _key_policy(trail_arn, extra_sid=None):
    statements = [
        {
            "Sid": "AccountAdministersTheKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudTrailEncryptsTheTrailLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"},
                "StringEquals": {"aws:SourceArn": trail_arn},
            },
        },
    ]
    if extra_sid:
        statements.append(
            {"Sid": extra_sid, "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _bucket_policy(bucket, trail_arn):
    arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": arn,
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{arn}/AWSLogs/{ACCOUNT}/*",
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}
                },
            },
        ],
    }


def _boto_tags(tags, key="Key", value="Value"):
    return [{key: k, value: v} for k, v in tags.items()]


class _LifecycleModule:
    """The parameters community.aws.s3_lifecycle gets from bucket.yml (its build_rule and compare read them)."""

    def __init__(self, lifecycle):
        self.params = {
            "rule_id": lifecycle["rule_id"],
            "status": "enabled",
            "transitions": copy.deepcopy(lifecycle["transitions"]),
            "expiration_days": lifecycle["expiration_days"],
            "noncurrent_version_expiration_days": lifecycle["noncurrent_version_expiration_days"],
            "abort_incomplete_multipart_upload_days": lifecycle["abort_incomplete_multipart_upload_days"],
            "purge_transitions": True,
        }


def _upstream_rule(lifecycle=LIFECYCLE):
    return upstream_lifecycle.build_rule(None, _LifecycleModule(lifecycle))


def _upstream_lifecycle_changes(rules, lifecycle=LIFECYCLE):
    module = _LifecycleModule(lifecycle)
    changed, _ = upstream_lifecycle.compare_and_update_configuration(
        None, module, copy.deepcopy(rules or []), upstream_lifecycle.build_rule(None, module)
    )
    return changed


# --------------------------------------------------------------------------- the reads


def test_reads_are_read_only_and_make_dependent_reads_by_key_id():
    reads = (
        bt.baseline_key_reads("alias/x-baseline")
        + bt.baseline_bucket_reads("x-trail-1")
        + bt.baseline_trail_reads(
            {
                "log_group": "/platform/x/cloudtrail",
                "role": "x-cloudtrail-logs",
                "trail_name": "x-trail",
                "trail_arn": "a",
            }
        )
    )
    ids = [r["id"] for r in reads]
    assert len(ids) == len(set(ids))
    assert all(r["operation"].startswith(("describe_", "get_", "list_")) for r in reads)
    by_id = {r["id"]: r for r in reads}
    # KMS GetKeyPolicy, GetKeyRotationStatus and ListResourceTags take the key id, not the alias.
    for rid in ("key_policy", "key_rotation", "key_tags"):
        assert by_id[rid]["params_from"] == {"KeyId": "key.KeyMetadata.KeyId"}
        assert "KeyId" not in by_id[rid]["params"]
    # every bucket read answers a missing bucket as missing
    assert all("NoSuchBucket" in r["missing_ok"] for r in reads if r["service"] == "s3")
    assert by_id["trail_role_policy"]["params"]["PolicyName"] == "deliver-trail-events"


def test_the_lifecycle_rule_is_the_one_s3_lifecycle_builds():
    assert bt._lifecycle_rule(LIFECYCLE) == _upstream_rule()
    other = dict(LIFECYCLE, expiration_days="2192", transitions=[{"transition_days": "30", "storage_class": "glacier"}])
    assert bt._lifecycle_rule(other) == _upstream_rule(dict(other, expiration_days=2192))


# --------------------------------------------------------------------------- the key


def test_key_plan_answers_each_drift(run_module, aws):
    suffix = _suffix()
    alias = f"alias/plan-{suffix}-baseline"
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/plan-{suffix}-trail"
    wanted = {
        "description": f"plan-{suffix} baseline",
        "policy": _key_policy(trail_arn),
        "tags": {**TAGS, "Name": alias},
    }
    reads = bt.baseline_key_reads(alias)

    state = _read(run_module, reads)
    assert state["key_policy"] is None and state["key_rotation"] is None  # not made: no key id
    assert bt.baseline_key_plan(state, wanted) == {"converge": ["key"], "differs": ["missing"], "key_arn": ""}

    kms = aws("kms")
    key = kms.create_key(
        Description=wanted["description"],
        Policy=json.dumps(wanted["policy"]),
        Tags=_boto_tags(wanted["tags"], "TagKey", "TagValue"),
    )["KeyMetadata"]
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    state = _read(run_module, reads)
    assert bt.baseline_key_plan(state, wanted) == {"converge": ["key"], "differs": ["rotation"], "key_arn": key["Arn"]}
    kms.enable_key_rotation(KeyId=key["KeyId"])
    state = _read(run_module, reads)
    assert bt.baseline_key_plan(state, wanted) == {"converge": [], "differs": [], "key_arn": key["Arn"]}

    # What the role asks differs: exactly that part.
    def differs(**change):
        return bt.baseline_key_plan(state, {**wanted, **change})["differs"]

    assert differs(description="other") == ["description"]
    assert differs(tags={**TAGS, "Owner": "ops"}) == ["tags"]
    assert differs(tags={"Project": "other"}) == ["tags"]
    assert differs(policy=_key_policy(trail_arn, extra_sid="Extra")) == ["policy"]
    assert differs(policy=json.dumps(wanted["policy"])) == []  # JSON text compares as the policy
    assert differs(tags={"Project": "caseapp"}) == []  # purge_tags false: other tags stay

    # What AWS holds drifts: exactly that part.
    kms.disable_key_rotation(KeyId=key["KeyId"])
    assert bt.baseline_key_plan(_read(run_module, reads), wanted)["differs"] == ["rotation"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.put_key_policy(
        KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(_key_policy(trail_arn, extra_sid="Open"))
    )
    assert bt.baseline_key_plan(_read(run_module, reads), wanted)["differs"] == ["policy"]
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(wanted["policy"]))
    kms.untag_resource(KeyId=key["KeyId"], TagKeys=["Environment"])
    assert bt.baseline_key_plan(_read(run_module, reads), wanted)["differs"] == ["tags"]
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "Environment", "TagValue": "dev"}])
    kms.update_key_description(KeyId=key["KeyId"], Description="edited")
    assert bt.baseline_key_plan(_read(run_module, reads), wanted)["differs"] == ["description"]
    kms.update_key_description(KeyId=key["KeyId"], Description=wanted["description"])
    kms.disable_key(KeyId=key["KeyId"])
    assert bt.baseline_key_plan(_read(run_module, reads), wanted)["differs"] == ["state"]
    kms.enable_key(KeyId=key["KeyId"])
    assert bt.baseline_key_plan(_read(run_module, reads), wanted)["converge"] == []
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    plan = bt.baseline_key_plan(_read(run_module, reads), wanted)
    assert plan["converge"] == ["key"] and "state" in plan["differs"] and plan["key_arn"] == key["Arn"]


def test_key_plan_converges_what_was_not_read():
    key = {"KeyMetadata": {"KeyId": "k", "Arn": "arn:k", "KeyState": "Enabled", "Description": "d"}}
    wanted = {"description": "d", "policy": {"Version": "2012-10-17", "Statement": []}, "tags": {}}
    state = {"key": key, "key_policy": None, "key_rotation": None, "key_tags": None}
    assert bt.baseline_key_plan(state, wanted)["differs"] == ["tags", "policy", "rotation"]
    assert bt.baseline_key_plan(None, wanted)["converge"] == ["key"]
    bad = {**state, "key_policy": {"Policy": "not json"}, "key_rotation": {"KeyRotationEnabled": True}}
    assert bt.baseline_key_plan(bad, wanted)["differs"] == ["tags", "policy"]


# --------------------------------------------------------------------------- the trail bucket


def _converge_bucket(s3, bucket, key_arn, policy, tags):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=bt._PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _boto_tags(tags)})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [_upstream_rule()]})


def test_bucket_plan_answers_each_drift(run_module, aws):
    suffix = _suffix()
    bucket = f"plan-{suffix}-trail-{ACCOUNT}"
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/plan-{suffix}-trail"
    key_arn = aws("kms").create_key()["KeyMetadata"]["Arn"]
    tags = {**TAGS, "Name": bucket, "Purpose": "audit-trail", "SecurityBaseline": "trail"}
    wanted = {"kms_key_arn": key_arn, "policy": _bucket_policy(bucket, trail_arn), "tags": tags, "lifecycle": LIFECYCLE}
    reads = bt.baseline_bucket_reads(bucket)
    state = _read(run_module, reads)
    assert all(value is None for value in state.values())
    assert bt.baseline_bucket_plan(state, wanted) == {"converge": ["bucket", "lifecycle"], "differs": ["missing"]}

    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    state = _read(run_module, reads)
    plan = bt.baseline_bucket_plan(state, wanted)
    assert plan["converge"] == ["bucket", "lifecycle"]
    # A new bucket: AWS (and moto) may already block public access and enforce the owner by default.
    assert {"versioning", "encryption", "bucket_key", "policy", "tags", "lifecycle"} <= set(plan["differs"])
    _converge_bucket(s3, bucket, key_arn, wanted["policy"], tags)
    state = _read(run_module, reads)
    assert bt.baseline_bucket_plan(state, wanted) == {"converge": [], "differs": []}
    assert not _upstream_lifecycle_changes(state["bucket_lifecycle"]["Rules"])

    def plan_with(**change):
        return bt.baseline_bucket_plan(state, {**wanted, **change})

    # encryption_key_id is compared as given: the alias ARN of the same key differs (s3_bucket puts it).
    assert plan_with(kms_key_arn=key_arn.replace(":key/", ":alias/x")) == {
        "converge": ["bucket"],
        "differs": ["encryption"],
    }
    assert plan_with(tags={**tags, "Owner": "ops"})["differs"] == ["tags"]
    assert plan_with(tags={"Project": "caseapp"})["differs"] == []
    other_policy = _bucket_policy(bucket, trail_arn.replace("-trail", "-other"))
    assert plan_with(policy=other_policy)["differs"] == ["policy"]
    assert plan_with(policy=json.dumps(wanted["policy"]))["differs"] == []
    longer = dict(LIFECYCLE, expiration_days=2192)
    assert plan_with(lifecycle=longer) == {"converge": ["lifecycle"], "differs": ["lifecycle"]}
    assert _upstream_lifecycle_changes(state["bucket_lifecycle"]["Rules"], longer)

    # What AWS holds drifts: exactly that part, then restored.
    def drifted():
        return bt.baseline_bucket_plan(_read(run_module, reads), wanted)

    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert drifted() == {"converge": ["bucket"], "differs": ["versioning"]}
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]
        },
    )
    assert drifted()["differs"] == ["bucket_key"]
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    assert drifted()["differs"] == ["encryption", "bucket_key"]
    s3.delete_bucket_encryption(Bucket=bucket)
    assert drifted()["differs"][:1] == ["encryption"]
    _converge_bucket(s3, bucket, key_arn, wanted["policy"], tags)
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration={**bt._PUBLIC_ACCESS_BLOCK, "RestrictPublicBuckets": False}
    )
    assert drifted()["differs"] == ["public_access"]
    s3.delete_public_access_block(Bucket=bucket)
    assert drifted()["differs"] == ["public_access"]
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=bt._PUBLIC_ACCESS_BLOCK)
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert drifted()["differs"] == ["ownership"]
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    assert drifted()["differs"] == ["ownership"]
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.delete_bucket_policy(Bucket=bucket)
    assert drifted()["differs"] == ["policy"]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(other_policy))
    assert drifted()["differs"] == ["policy"]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(wanted["policy"]))
    s3.delete_bucket_tagging(Bucket=bucket)
    assert drifted()["differs"] == ["tags"]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _boto_tags({**tags, "Owner": "ops"})})
    assert drifted() == {"converge": [], "differs": []}  # a tag of someone else's is left alone

    # The lifecycle: another rule beside ours is left alone; ours edited or gone converges, as s3_lifecycle sees it.
    other_rule = {"ID": "someone-else", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 1}}
    for rules, converges in [
        ([_upstream_rule(), other_rule], False),
        ([dict(_upstream_rule(), Status="Disabled")], True),
        ([dict(_upstream_rule(), Expiration={"Days": 30})], True),
        ([dict(_upstream_rule(), Transitions=[{"Days": 30, "StorageClass": "GLACIER"}])], True),
        ([dict(_upstream_rule(), Filter={"Prefix": "logs/"})], True),
        ([other_rule], True),
    ]:
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        state = _read(run_module, reads)
        assert ("lifecycle" in bt.baseline_bucket_plan(state, wanted)["converge"]) is converges, rules
        assert _upstream_lifecycle_changes(state["bucket_lifecycle"]["Rules"]) is converges, rules
    s3.delete_bucket_lifecycle(Bucket=bucket)
    state = _read(run_module, reads)
    assert state["bucket_lifecycle"] is None
    assert bt.baseline_bucket_plan(state, wanted) == {"converge": ["lifecycle"], "differs": ["lifecycle"]}


# --------------------------------------------------------------------------- the trail's log group, role, policy, trail


def _trust(trail_arn):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": trail_arn}},
            }
        ],
    }


def _delivery_policy(group):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DeliverTrailEventsToItsLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:*",
            }
        ],
    }


def test_trail_plan_answers_each_drift(run_module, aws):
    suffix = _suffix()
    prefix = f"plan-{suffix}"
    names = {
        "log_group": f"/platform/{prefix}/cloudtrail",
        "role": f"{prefix}-cloudtrail-logs",
        "trail_name": f"{prefix}-trail",
        "trail_arn": f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{prefix}-trail",
    }
    bucket = f"{prefix}-trail-{ACCOUNT}"
    kms, s3, logs, iam, cloudtrail = aws("kms"), aws("s3"), aws("logs"), aws("iam"), aws("cloudtrail")
    key_arn = kms.create_key(Policy=json.dumps(_key_policy(names["trail_arn"])))["KeyMetadata"]["Arn"]
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{names['log_group']}:*"
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/{names['role']}"
    description = f"CloudTrail delivery of {names['trail_name']} to {names['log_group']}"
    wanted = {
        "log_group": {"name": names["log_group"], "retention": 90, "tags": TAGS},
        "role": {"description": description, "trust": _trust(names["trail_arn"]), "tags": TAGS},
        "policy": _delivery_policy(names["log_group"]),
        "trail": {
            "name": names["trail_name"],
            "arn": names["trail_arn"],
            "enable_logging": True,
            "s3_bucket_name": bucket,
            "is_multi_region_trail": True,
            "include_global_events": True,
            "enable_log_file_validation": True,
            "kms_key_id": key_arn,
            "cloudwatch_logs_log_group_arn": group_arn,
            "cloudwatch_logs_role_arn": role_arn,
            "tags": {**TAGS, "Name": names["trail_name"]},
        },
    }
    reads = bt.baseline_trail_reads(names)
    plan = bt.baseline_trail_plan(_read(run_module, reads), wanted)
    assert plan["converge"] == ["log_group", "role", "policy", "trail"]
    assert plan["differs"]["trail"] == ["missing"] and plan["differs"]["role"] == ["missing"]

    logs.create_log_group(logGroupName=names["log_group"], tags=TAGS, kmsKeyId=key_arn)
    logs.put_retention_policy(logGroupName=names["log_group"], retentionInDays=90)
    iam.create_role(
        RoleName=names["role"],
        AssumeRolePolicyDocument=json.dumps(wanted["role"]["trust"]),
        Description=description,
        Tags=_boto_tags(TAGS),
    )
    iam.put_role_policy(
        RoleName=names["role"], PolicyName="deliver-trail-events", PolicyDocument=json.dumps(wanted["policy"])
    )
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_bucket_policy(bucket, names["trail_arn"])))
    cloudtrail.create_trail(
        Name=names["trail_name"],
        S3BucketName=bucket,
        IncludeGlobalServiceEvents=True,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_arn,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role_arn,
        TagsList=_boto_tags(wanted["trail"]["tags"]),
    )
    state = _read(run_module, reads)
    assert bt.baseline_trail_plan(state, wanted) == {"converge": ["trail"], "differs": {"trail": ["IsLogging"]}}
    cloudtrail.start_logging(Name=names["trail_name"])
    state = _read(run_module, reads)
    assert bt.baseline_trail_plan(state, wanted) == {"converge": [], "differs": {}}
    # the region's listing (the audit's call) holds other trails too: ours is picked by its ARN, and only it
    other = dict(wanted, trail=dict(wanted["trail"], arn=names["trail_arn"].replace(names["trail_name"], "other")))
    assert bt.baseline_trail_plan(state, other)["differs"]["trail"] == ["missing"]

    # What the role asks differs: exactly that part.
    def plan_with(part, **change):
        return bt.baseline_trail_plan(state, {**wanted, part: {**wanted[part], **change}})

    assert plan_with("log_group", retention=365)["differs"] == {"log_group": ["retention"]}
    assert plan_with("log_group", tags={**TAGS, "Owner": "ops"})["differs"] == {"log_group": ["tags"]}
    assert plan_with("log_group", retention=365, tags={"Owner": "ops"})["differs"] == {
        "log_group": ["retention", "tags"]
    }
    assert plan_with("role", description="other")["differs"] == {"role": ["description"]}
    assert plan_with("role", trust=_trust(names["trail_arn"] + "-x"))["differs"] == {"role": ["trust"]}
    assert plan_with("role", tags={"Owner": "ops"})["differs"] == {"role": ["tags"]}
    assert bt.baseline_trail_plan(state, {**wanted, "policy": _delivery_policy("/x")})["converge"] == ["policy"]
    for option, field, value in [
        ("s3_bucket_name", "S3BucketName", "other-bucket"),
        ("is_multi_region_trail", "IsMultiRegionTrail", False),
        ("include_global_events", "IncludeGlobalServiceEvents", False),
        ("enable_log_file_validation", "LogFileValidationEnabled", False),
        ("kms_key_id", "KmsKeyId", key_arn.replace(":key/", ":alias/")),
        ("cloudwatch_logs_log_group_arn", "CloudWatchLogsLogGroupArn", group_arn + "x"),
        ("cloudwatch_logs_role_arn", "CloudWatchLogsRoleArn", role_arn + "x"),
    ]:
        assert plan_with("trail", **{option: value})["differs"] == {"trail": [field]}, option
    assert plan_with("trail", enable_logging=False)["differs"] == {"trail": ["IsLogging"]}
    assert plan_with("trail", tags={"Owner": "ops"})["differs"] == {"trail": ["tags"]}
    assert plan_with("trail", tags={"Project": "caseapp"})["converge"] == []
    # An option not given is not compared (amazon.aws.cloudtrail compares only what it is given).
    assert plan_with("trail", kms_key_id=None)["converge"] == []
    no_key = {k: v for k, v in wanted["trail"].items() if k != "kms_key_id"}
    assert bt.baseline_trail_plan(state, {**wanted, "trail": no_key})["converge"] == []

    # What AWS holds drifts: exactly that part, then restored.
    def drifted():
        return bt.baseline_trail_plan(_read(run_module, reads), wanted)

    cloudtrail.stop_logging(Name=names["trail_name"])
    assert drifted()["differs"] == {"trail": ["IsLogging"]}
    cloudtrail.start_logging(Name=names["trail_name"])
    cloudtrail.update_trail(Name=names["trail_name"], IsMultiRegionTrail=False)
    assert drifted()["differs"]["trail"][:1] == ["IsMultiRegionTrail"]
    cloudtrail.update_trail(
        Name=names["trail_name"],
        S3BucketName=bucket,
        IncludeGlobalServiceEvents=True,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_arn,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role_arn,
    )
    assert drifted() == {"converge": [], "differs": {}}
    cloudtrail.remove_tags(ResourceId=names["trail_arn"], TagsList=[{"Key": "Environment", "Value": "dev"}])
    assert drifted()["differs"] == {"trail": ["tags"]}
    cloudtrail.add_tags(ResourceId=names["trail_arn"], TagsList=[{"Key": "Environment", "Value": "dev"}])
    logs.put_retention_policy(logGroupName=names["log_group"], retentionInDays=30)
    assert drifted()["differs"] == {"log_group": ["retention"]}
    logs.delete_retention_policy(logGroupName=names["log_group"])
    assert drifted()["differs"] == {"log_group": ["retention"]}
    logs.put_retention_policy(logGroupName=names["log_group"], retentionInDays=90)
    logs.untag_log_group(logGroupName=names["log_group"], tags=["Project"])
    assert drifted()["differs"] == {"log_group": ["tags"]}
    logs.tag_log_group(logGroupName=names["log_group"], tags={"Project": "caseapp"})
    iam.untag_role(RoleName=names["role"], TagKeys=["Project"])
    assert drifted()["differs"] == {"role": ["tags"]}
    iam.tag_role(RoleName=names["role"], Tags=[{"Key": "Project", "Value": "caseapp"}])
    iam.update_assume_role_policy(RoleName=names["role"], PolicyDocument=json.dumps(_trust(names["trail_arn"] + "-x")))
    assert drifted()["differs"] == {"role": ["trust"]}
    iam.update_assume_role_policy(RoleName=names["role"], PolicyDocument=json.dumps(wanted["role"]["trust"]))
    iam.delete_role_policy(RoleName=names["role"], PolicyName="deliver-trail-events")
    assert drifted()["differs"] == {"policy": ["policy"]}
    iam.put_role_policy(
        RoleName=names["role"], PolicyName="deliver-trail-events", PolicyDocument=json.dumps(_delivery_policy("/x"))
    )
    assert drifted()["differs"] == {"policy": ["policy"]}


def test_trail_plan_converges_what_was_not_read():
    trail = {"Name": "t", "S3BucketName": "b"}
    state = {"trail": {"trailList": [trail]}, "trail_status": None, "trail_tags": None}
    wanted = {
        "log_group": {"name": "/g", "retention": 90, "tags": {}},
        "role": {"description": "d", "trust": {}, "tags": {}},
        "policy": {"Version": "2012-10-17", "Statement": []},
        "trail": {"name": "t", "s3_bucket_name": "b", "tags": {}},
    }
    plan = bt.baseline_trail_plan(state, wanted)
    assert plan["converge"] == ["log_group", "role", "policy", "trail"]
    assert plan["differs"]["trail"] == ["IsLogging", "tags"]
    assert bt.baseline_trail_plan(None, wanted)["differs"]["trail"] == ["missing"]
