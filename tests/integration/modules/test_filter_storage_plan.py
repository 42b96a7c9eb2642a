"""plugins/filter/storage_plan.py: which buckets the storage role's converge tasks loop over.

The expected plans were captured from the role's former Jinja template (removed), which the filter replaces,
rendered with Ansible's templar on the same inputs (and the role's task expression gave the same).
"""

from __future__ import annotations

import copy
import json

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import storage_plan as s

ACCOUNT = "123456789012"
PURPOSES = ["documents", "media", "assets", "logs"]
REPLICATED = ["documents", "media"]
NAMES = {p: f"caseapp-dev-{p}-{ACCOUNT}" for p in PURPOSES}
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
DR_KEY_ARN = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/66666666-7777-8888-9999-000000000000"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/caseapp-dev-s3-replication"
TAGS = {"Project": "caseapp", "Environment": "dev", "ManagedBy": "ansible"}


def _policy(name, partition="aws"):
    arn = f"arn:{partition}:s3:::{name}"
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
            }
        ],
    }


ALL_NAMES = list(NAMES.values()) + [f"{NAMES[p]}-dr" for p in REPLICATED]
POLICIES = {name: _policy(name) for name in ALL_NAMES}

WANTED = {
    "buckets": PURPOSES,
    "replicated": REPLICATED,
    "names": NAMES,
    "policies": POLICIES,
    "tags": TAGS,
    "partition": "aws",
    "key_arn": KEY_ARN,
    "dr_key_arn": "",
    "role_arn": ROLE_ARN,
    "ia_days": 30,
    "glacier_days": 90,
    "noncurrent_expiry_days": "90",  # the role's defaults are templated strings
    "abort_multipart_days": 7,
    "logs_expiry_days": "90",
    "replica_storage_class": "STANDARD_IA",
    "replicate_delete_markers": False,
    "dr_region": "",
    "check_mode": False,
}
DR = {"dr_region": "us-west-2", "dr_key_arn": DR_KEY_ARN}


def wanted(**changes):
    return dict(copy.deepcopy(WANTED), **changes)


def _rule(logs=False, ia=30, glacier=90, noncurrent=90):
    """The lifecycle rule as GetBucketLifecycleConfiguration answers it after community.aws.s3_lifecycle."""
    rule = {
        "ID": "platform-lifecycle",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent},
    }
    if logs:
        rule["Expiration"] = {"Days": 90}
    else:
        rule["Transitions"] = [
            {"Days": ia, "StorageClass": "STANDARD_IA"},
            {"Days": glacier, "StorageClass": "GLACIER"},
        ]
    return rule


def _replication(name, delete_markers="Disabled", storage_class="STANDARD_IA", partition="aws"):
    return {
        "Role": ROLE_ARN,
        "Rules": [
            {
                "ID": "dr",
                "Priority": 1,
                "Filter": {"Prefix": ""},
                "Status": "Enabled",
                "DeleteMarkerReplication": {"Status": delete_markers},
                "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
                "Destination": {
                    "Bucket": f"arn:{partition}:s3:::{name}-dr",
                    "StorageClass": storage_class,
                    "EncryptionConfiguration": {"ReplicaKmsKeyID": DR_KEY_ARN},
                },
            }
        ],
    }


def bucket(purpose, *, dr=False, replication=False, **facts):
    """An amazon.aws.s3_bucket_info entry of a bucket in sync with WANTED; ``facts`` replace (None: drop) facts."""
    name = NAMES[purpose] + ("-dr" if dr else "")
    logs = purpose == "logs"
    if logs:
        sse = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
    else:
        key = DR_KEY_ARN if dr else KEY_ARN
        sse = {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
            "BucketKeyEnabled": True,
        }
    tags = dict(TAGS, Name=name, Purpose=f"{purpose}-dr" if dr else purpose)
    if purpose in REPLICATED and not dr:
        tags["PlatformBackup"] = "true"
    entry = {
        "name": name,
        "bucket_encryption": {"ServerSideEncryptionConfiguration": {"Rules": [sse]}},
        "bucket_versioning": {"Status": "Enabled"},
        "public_access_block": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            }
        },
        "bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        "bucket_policy": {"Policy": json.dumps(POLICIES[name])},
        "bucket_tagging": tags,
        "bucket_lifecycle_configuration": {"Rules": [_rule(logs)]},
        "bucket_logging": {}
        if logs or dr
        else {"LoggingEnabled": {"TargetBucket": NAMES["logs"], "TargetPrefix": f"s3/{name}/"}},
    }
    if replication:
        entry["bucket_replication"] = {"ReplicationConfiguration": _replication(name)} if purpose in REPLICATED else {}
    for key, value in facts.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return entry


def converged(dr=False):
    found = [bucket(p, replication=dr) for p in PURPOSES]
    if dr:
        found += [bucket(p, dr=True) for p in REPLICATED]
    return found


def _drift(found, purpose, dr=False, **facts):
    """``found`` with the entry of ``purpose`` (its DR copy with ``dr``) changed."""
    name = NAMES[purpose] + ("-dr" if dr else "")
    return [dict(b, **facts) if b["name"] == name else b for b in found]


def _kms(key, bucket_key=True):
    return {
        "ServerSideEncryptionConfiguration": {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                    "BucketKeyEnabled": bucket_key,
                }
            ]
        }
    }


def _tags(purpose, **changes):
    tags = dict(TAGS, Name=NAMES[purpose], Purpose=purpose, **changes)
    if purpose in REPLICATED:
        tags.setdefault("PlatformBackup", "true")
    return {k: v for k, v in tags.items() if v is not None}


NONE = {"buckets": [], "lifecycle": [], "logging": [], "replicas": [], "replica_lifecycle": [], "replication": []}


def _plan(**lists):
    return dict(NONE, **lists)


def _cases():
    conv = converged()
    conv_dr = converged(dr=True)
    two_sse = _kms(KEY_ARN)
    two_sse["ServerSideEncryptionConfiguration"]["Rules"].append(
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    )
    open_pab = bucket("media")["public_access_block"]
    open_pab = {
        "PublicAccessBlockConfiguration": dict(open_pab["PublicAccessBlockConfiguration"], BlockPublicPolicy=False)
    }
    media_policy = _policy(NAMES["media"])
    media_policy["Statement"][0]["Sid"] = "Other"
    reordered = dict(reversed(list(_policy(NAMES["logs"]).items())))
    gov_names = {p: f"caseapp-dev-{p}" for p in PURPOSES}
    gov_found = [
        dict(
            bucket(p, replication=True),
            name=gov_names[p],
            bucket_tagging=dict(bucket(p)["bucket_tagging"], Name=gov_names[p]),
            bucket_policy={"Policy": json.dumps(_policy(gov_names[p], "aws-us-gov"))},
            bucket_logging={}
            if p == "logs"
            else {"LoggingEnabled": {"TargetBucket": gov_names["logs"], "TargetPrefix": f"s3/{gov_names[p]}/"}},
        )
        for p in PURPOSES
    ]
    for entry in gov_found:
        if entry["bucket_replication"]:
            entry["bucket_replication"] = {
                "ReplicationConfiguration": _replication(entry["name"], partition="aws-us-gov")
            }
    gov_policies = {n: _policy(n, "aws-us-gov") for n in gov_names.values()}
    gov_policies.update({f"{gov_names[p]}-dr": _policy(f"{gov_names[p]}-dr", "aws-us-gov") for p in REPLICATED})
    gov_found += [
        dict(
            bucket(p, dr=True),
            name=f"{gov_names[p]}-dr",
            bucket_tagging=dict(bucket(p, dr=True)["bucket_tagging"], Name=f"{gov_names[p]}-dr"),
            bucket_policy={"Policy": json.dumps(gov_policies[f"{gov_names[p]}-dr"])},
        )
        for p in REPLICATED
    ]
    return [
        (
            "new stack",
            [],
            wanted(),
            _plan(
                buckets=["documents", "media", "assets", "logs"],
                lifecycle=["documents", "media", "assets", "logs"],
                logging=["documents", "media", "assets"],
            ),
        ),
        ("new stack, check mode", [], wanted(check_mode=True), _plan(buckets=["documents", "media", "assets", "logs"])),
        (
            "new stack with DR",
            [],
            wanted(**DR),
            _plan(
                buckets=["documents", "media", "assets", "logs"],
                lifecycle=["documents", "media", "assets", "logs"],
                logging=["documents", "media", "assets"],
                replicas=["documents", "media"],
                replica_lifecycle=["documents", "media"],
                replication=["documents", "media"],
            ),
        ),
        (
            "new stack with DR, check mode",
            [],
            wanted(check_mode=True, **DR),
            _plan(buckets=["documents", "media", "assets", "logs"], replicas=["documents", "media"]),
        ),
        ("converged", conv, wanted(), NONE),
        ("converged, dr_region none", conv, wanted(dr_region=None), NONE),
        ("converged with DR", conv_dr, wanted(**DR), NONE),
        ("converged with DR, check mode", conv_dr, wanted(check_mode=True, **DR), NONE),
        ("converged, DR copies left after DR was switched off", conv_dr, wanted(), NONE),
        (
            "DR switched on",
            converged(),
            wanted(**DR),
            _plan(
                replicas=["documents", "media"],
                replica_lifecycle=["documents", "media"],
                replication=["documents", "media"],
            ),
        ),
        (
            "DR switched on, check mode",
            converged(),
            wanted(check_mode=True, **DR),
            _plan(replicas=["documents", "media"], replication=["documents", "media"]),
        ),
        (
            "encryption drift",
            _drift(
                _drift(
                    _drift(
                        _drift(conv, "documents", bucket_encryption=_kms(DR_KEY_ARN)),
                        "media",
                        bucket_encryption=_kms(KEY_ARN, False),
                    ),
                    "logs",
                    bucket_encryption=_kms(KEY_ARN),
                ),
                "assets",
                bucket_encryption=two_sse,
            ),
            wanted(),
            _plan(buckets=["documents", "media", "assets", "logs"]),
        ),
        (
            "encryption facts missing or bucket key as 1",
            _drift(
                _drift(conv, "documents", bucket_encryption=None),
                "media",
                bucket_encryption=_kms(KEY_ARN, 1),
            ),
            wanted(),
            _plan(buckets=["documents"]),
        ),
        (
            "versioning, public access block and ownership drift",
            _drift(
                _drift(
                    _drift(
                        _drift(conv, "documents", bucket_versioning={"Status": "Suspended"}),
                        "media",
                        public_access_block=open_pab,
                    ),
                    "assets",
                    bucket_ownership_controls={
                        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
                    },
                ),
                "logs",
                public_access_block=None,
            ),
            wanted(),
            _plan(buckets=["documents", "media", "assets", "logs"]),
        ),
        (
            "policy reformatted, changed, missing, reordered",
            _drift(
                _drift(
                    _drift(
                        _drift(
                            conv,
                            "documents",
                            bucket_policy={"Policy": json.dumps(POLICIES[NAMES["documents"]], indent=2)},
                        ),
                        "media",
                        bucket_policy={"Policy": json.dumps(media_policy)},
                    ),
                    "assets",
                    bucket_policy=None,
                ),
                "logs",
                bucket_policy={"Policy": json.dumps(reordered)},
            ),
            wanted(),
            _plan(buckets=["media", "assets"]),
        ),
        (
            "tags: extra kept, value changed, one missing, none",
            _drift(
                _drift(
                    _drift(
                        _drift(conv, "documents", bucket_tagging=_tags("documents", Owner="team")),
                        "media",
                        bucket_tagging=_tags("media", Environment="prod"),
                    ),
                    "assets",
                    bucket_tagging=_tags("assets", ManagedBy=None),
                ),
                "logs",
                bucket_tagging=None,
            ),
            wanted(),
            _plan(buckets=["media", "assets", "logs"]),
        ),
        (
            "missing PlatformBackup tag",
            _drift(conv, "documents", bucket_tagging=_tags("documents", PlatformBackup=None)),
            wanted(),
            _plan(buckets=["documents"]),
        ),
        (
            "lifecycle: other periods, extra rule kept, none, logs rule on a data bucket",
            _drift(
                _drift(
                    _drift(
                        _drift(
                            conv,
                            "documents",
                            bucket_lifecycle_configuration={"Rules": [_rule(ia=60, glacier=120)]},
                        ),
                        "media",
                        bucket_lifecycle_configuration={"Rules": [{"ID": "other", "Status": "Enabled"}, _rule()]},
                    ),
                    "assets",
                    bucket_lifecycle_configuration=None,
                ),
                "logs",
                bucket_lifecycle_configuration={"Rules": [_rule()]},
            ),
            wanted(),
            _plan(lifecycle=["documents", "assets", "logs"]),
        ),
        (
            "lifecycle periods given as strings",
            _drift(
                conv, "documents", bucket_lifecycle_configuration={"Rules": [_rule(ia=60, glacier=150, noncurrent=365)]}
            ),
            wanted(
                ia_days="60",
                glacier_days="150.0",
                noncurrent_expiry_days="365",
                logs_expiry_days=90,
                abort_multipart_days="7",
            ),
            _plan(lifecycle=["media", "assets", "logs"]),
        ),
        (
            "logging: other prefix, none, other target",
            _drift(
                _drift(
                    _drift(
                        conv,
                        "documents",
                        bucket_logging={"LoggingEnabled": {"TargetBucket": NAMES["logs"], "TargetPrefix": "s3/"}},
                    ),
                    "media",
                    bucket_logging=None,
                ),
                "assets",
                bucket_logging={
                    "LoggingEnabled": {"TargetBucket": "elsewhere", "TargetPrefix": f"s3/{NAMES['assets']}/"}
                },
            ),
            wanted(),
            _plan(logging=["documents", "media", "assets"]),
        ),
        (
            "check mode with drift on existing buckets",
            _drift(
                _drift(conv, "documents", bucket_lifecycle_configuration=None),
                "media",
                bucket_logging=None,
            ),
            wanted(check_mode=True),
            _plan(lifecycle=["documents"], logging=["media"]),
        ),
        (
            "replication and DR copies drift",
            _drift(
                _drift(
                    _drift(
                        _drift(
                            conv_dr,
                            "documents",
                            bucket_replication={
                                "ReplicationConfiguration": _replication(NAMES["documents"], "Enabled")
                            },
                        ),
                        "media",
                        bucket_replication={
                            "ReplicationConfiguration": _replication(NAMES["media"], storage_class="GLACIER")
                        },
                    ),
                    "documents",
                    dr=True,
                    bucket_lifecycle_configuration=None,
                ),
                "media",
                dr=True,
                bucket_encryption=_kms(KEY_ARN),
            ),
            wanted(**DR),
            _plan(replicas=["media"], replica_lifecycle=["documents"], replication=["documents", "media"]),
        ),
        (
            "delete markers replicated (yes)",
            _drift(
                conv_dr,
                "documents",
                bucket_replication={"ReplicationConfiguration": _replication(NAMES["documents"], "Enabled")},
            ),
            wanted(replicate_delete_markers="yes", **DR),
            _plan(replication=["media"]),
        ),
        (
            "delete markers replicated (true), other storage class",
            conv_dr,
            wanted(replicate_delete_markers=True, replica_storage_class="GLACIER", **DR),
            _plan(replication=["documents", "media"]),
        ),
        (
            "check mode, DR on: some sources and copies missing",
            [bucket("documents", replication=False), bucket("logs")],
            wanted(check_mode=True, **DR),
            _plan(buckets=["media", "assets"], replicas=["documents", "media"], replication=["documents"]),
        ),
        (
            "a bucket listed twice: the last entry counts",
            [bucket("media", bucket_versioning={}), *conv, bucket("documents", bucket_versioning={})],
            wanted(),
            _plan(buckets=["documents"]),
        ),
        (
            "another partition",
            gov_found,
            wanted(names=gov_names, policies=gov_policies, partition="aws-us-gov", **DR),
            NONE,
        ),
        (
            "other purposes, nothing replicated",
            [bucket("logs")],
            wanted(buckets=["logs", "media"], replicated=[], **DR),
            _plan(buckets=["media"], lifecycle=["media"], logging=["media"]),
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize(("found", "inputs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_storage_plan(found, inputs, expected):
    before = copy.deepcopy((found, inputs))
    assert s.storage_plan(found, inputs) == expected
    assert (found, inputs) == before  # the inputs are left as they were


def test_filter_module_exports():
    assert s.FilterModule().filters() == {
        "storage_plan": s.storage_plan,
        "storage_bucket_reads": s.bucket_reads,
        "storage_found_buckets": s.found_buckets,
        "storage_trail_logging_differences": s.trail_logging_differences,
        "storage_kms_key_reads": s.kms_key_reads,
        "storage_kms_key_differences": s.kms_key_differences,
    }


def test_trail_logging_plan_agrees_with_s3_bucket_logging(run_module, amazon, aws):
    import uuid  # noqa: PLC0415 - only this test needs it

    from tests.integration.modules.test_s3_bucket_logging import _logs_bucket  # noqa: PLC0415 - a target bucket as AWS wants it

    prefix = f"trail{uuid.uuid4().hex[:8]}"
    trail, logs = f"{prefix}-trail", f"{prefix}-logs"
    aws("s3").create_bucket(Bucket=trail)
    _logs_bucket(aws("s3"), logs, [trail, trail], [f"s3/{trail}/", "elsewhere/"])
    args = {"target_bucket": logs, "buckets": [{"name": trail, "target_prefix": f"s3/{trail}/"}]}

    def plan():
        found = amazon("s3_bucket_info", {"name_filter": f"{prefix}-", "bucket_facts": {"bucket_logging": True}})
        return s.trail_logging_differences(found["buckets"], trail, logs)

    assert plan() == ["logging is off"]
    assert run_module("s3_bucket_logging", args).changed
    assert plan() == []
    assert not run_module("s3_bucket_logging", args, check_mode=True).changed
    aws("s3").put_bucket_logging(
        Bucket=trail, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "elsewhere/"}}
    )
    assert plan() == [f"target prefix 'elsewhere/' -> 's3/{trail}/'"]
    assert run_module("s3_bucket_logging", args, check_mode=True).changed
    assert s.trail_logging_differences([], trail, logs) == ["not read"]  # not listed: the module judges


def test_the_bucket_read_finds_what_s3_bucket_info_finds(run_module, amazon, aws):
    """The role's concurrent read (storage_bucket_reads, one aws_read) converted by storage_found_buckets gives the
    plan the same buckets and settings as amazon.aws.s3_bucket_info with the role's bucket facts, for a bucket with
    every setting, one with none, a replicated one and a name that does not exist."""
    import uuid  # noqa: PLC0415 - only this test needs it

    prefix = f"rd{uuid.uuid4().hex[:8]}"
    full, bare, gone, dotted = f"{prefix}-full", f"{prefix}-bare", f"{prefix}-gone", f"{prefix}-x.y"
    s3 = aws("s3")
    for name in (full, bare, dotted):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=full, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=full,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=full,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_ownership_controls(
        Bucket=full, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{full}", f"arn:aws:s3:::{full}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=full, Policy=json.dumps(policy))
    s3.put_bucket_tagging(Bucket=full, Tagging={"TagSet": [{"Key": "Project", "Value": prefix}]})
    s3.put_bucket_lifecycle_configuration(
        Bucket=full,
        LifecycleConfiguration={"Rules": [{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 30}}]},
    )
    names = [full, bare, gone, dotted, f"{prefix}-gone.too"]
    read = run_module("aws_read", {"reads": s.bucket_reads(prefix, names, [full])}, check_mode=True)
    assert not read.failed, read
    found = s.found_buckets(read["responses"], names)
    facts = {fact: True for fact, _operation, _absent in s.BUCKET_FACTS}
    info = amazon("s3_bucket_info", {"name_filter": f"{prefix}-", "bucket_facts": facts})
    expected = {b["name"]: {k: v for k, v in b.items() if k != "creation_date"} for b in info["buckets"]}
    ours = {b["name"]: {k: v for k, v in b.items() if k != "bucket_replication"} for b in found}
    assert ours == expected
    assert [b["name"] for b in found] == [full, bare, dotted]  # the missing names are not found
    assert f"bucket_policy:{gone}" in read["missing"]  # an unlisted name is not read at all
    assert found[0]["bucket_replication"] == {}  # read for a replicated bucket: none configured
