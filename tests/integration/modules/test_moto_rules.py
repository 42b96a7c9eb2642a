"""scripts/moto_rules.py: the emulator refuses what AWS refuses and accepts what AWS accepts.

Every test talks to our launcher (scripts/moto_launcher.py) on loopback with boto3, started with
``PLATFORM_LOCAL_RULES`` set; a few start one with the rules off to show that moto alone accepts
what the rule refuses.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import string
import sys
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.conftest import REGION, moto_server
from tests.helpers import self_signed_certificate

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = "123456789012"

spec = importlib.util.spec_from_file_location("moto_rules_under_test", ROOT / "scripts" / "moto_rules.py")
moto_rules = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = moto_rules
spec.loader.exec_module(moto_rules)


def _client(endpoint: str, service: str, region: str = REGION):
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """A launcher with every rule on; ``strict('s3')`` -> a boto3 client on it."""
    with moto_server(tmp_path_factory.mktemp("rules") / "moto.log", PLATFORM_LOCAL_RULES="all") as endpoint:

        def make(service: str, region: str = REGION):
            return _client(endpoint, service, region)

        make.endpoint = endpoint
        yield make


@pytest.fixture(scope="module")
def lenient(tmp_path_factory):
    """A launcher with no rule: moto's own behaviour."""
    with moto_server(tmp_path_factory.mktemp("norules") / "moto.log", PLATFORM_LOCAL_RULES="none") as endpoint:

        def make(service: str, region: str = REGION):
            return _client(endpoint, service, region)

        yield make


def _refused(call, code: str, message: str | None = None, status: int = 400) -> ClientError:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response["Error"]
    assert error["Code"] == code, info.value.response
    if message is not None:
        assert error["Message"] == message, error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    return info.value


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --------------------------------------------------------------------------- registry


def test_registry_names_every_rule():
    assert set(moto_rules.RULES) == {
        "elasticache_auth_token",
        "s3_acl_disabled",
        "cloudfront_logging_acl",
        "opensearch_log_policy",
        "rds_engine_versions",
        "secrets_partial_arn",
        "acm_certificates",
        "wafv2_logging_destination",
        "logs_retention_values",
        "cloudtrail_delivery_policies",
        "elbv2_access_logs_region",
        "route53_record_sets",
        "rds_point_in_time_restore",
        "secrets_replica_kms_key",
        "rds_replica_source_backups",
        "rds_storage_never_shrinks",
    }
    for name, fn in moto_rules.RULES.items():
        assert callable(fn), name
        assert fn.__doc__ and "AWS" in fn.__doc__, f"{name} must cite the AWS rule it enforces"


def test_rules_are_idempotent(tmp_path):
    """Applying every rule twice in one process patches moto once (a wrapped method stays the same)."""
    from moto.rds.models import RDSBackend
    from moto.secretsmanager.models import SecretsStore

    moto_rules.apply("all")
    once = (RDSBackend.create_db_instance, SecretsStore.__getitem__)
    moto_rules.apply("all")
    for fn in moto_rules.RULES.values():
        fn()
    assert (RDSBackend.create_db_instance, SecretsStore.__getitem__) == once


def test_apply_selection():
    assert moto_rules.apply("none") == []
    assert moto_rules.apply("") == []
    assert moto_rules.apply("rds_engine_versions, secrets_partial_arn") == [
        "rds_engine_versions",
        "secrets_partial_arn",
    ]
    assert moto_rules.apply("all") == list(moto_rules.RULES)
    with pytest.raises(ValueError, match="unknown rule"):
        moto_rules.apply("no_such_rule")


# --------------------------------------------------------------------------- 1. ElastiCache AUTH token


def _group_params(group: str, **extra) -> dict:
    params = {
        "ReplicationGroupId": group,
        "ReplicationGroupDescription": "auth token rule",
        "Engine": "redis",
        "CacheNodeType": "cache.t4g.micro",
        "NumCacheClusters": 1,
    }
    params.update(extra)
    return params


@pytest.mark.parametrize(
    "token",
    [
        "short-Token1",  # 12 characters
        "a" * 129,
        "Has%percent-and-more-chars",  # '%' is not allowed
        "Has@at-sign-and-more-chars",
        "With space inside the token",
        'quote"d-token-0123456789',
    ],
)
def test_auth_token_refused(strict, token):
    ec = strict("elasticache")
    _refused(
        lambda: ec.create_replication_group(
            **_group_params(_name("rg"), AuthToken=token, TransitEncryptionEnabled=True)
        ),
        "InvalidParameterValue",
        "Invalid AuthToken provided.",
    )


def test_auth_token_needs_transit_encryption(strict):
    ec = strict("elasticache")
    _refused(
        lambda: ec.create_replication_group(
            **_group_params(_name("rg"), AuthToken="Valid-Token_0123456789".replace("_", "-"))
        ),
        "InvalidParameterValue",
        "The AUTH token is only supported when encryption-in-transit is enabled",
    )


def test_auth_token_accepted_and_modified(strict):
    ec = strict("elasticache")
    group = _name("rg")
    token = "Aa0!&#$^<>-" + "x" * 117  # 128 characters, every allowed special character
    created = ec.create_replication_group(
        **_group_params(group, AuthToken=token, TransitEncryptionEnabled=True, AtRestEncryptionEnabled=True)
    )["ReplicationGroup"]
    assert created["AuthTokenEnabled"] is True
    _refused(
        lambda: ec.modify_replication_group(
            ReplicationGroupId=group,
            AuthToken="bad/token-0123456789",
            AuthTokenUpdateStrategy="ROTATE",
            ApplyImmediately=True,
        ),
        "InvalidParameterValue",
        "Invalid AuthToken provided.",
    )
    ec.modify_replication_group(
        ReplicationGroupId=group,
        AuthToken="Rotated-token-0123456789",
        AuthTokenUpdateStrategy="ROTATE",
        ApplyImmediately=True,
    )


def test_auth_token_modify_without_transit_encryption(strict):
    ec = strict("elasticache")
    group = _name("rg")
    ec.create_replication_group(**_group_params(group))
    _refused(
        lambda: ec.modify_replication_group(
            ReplicationGroupId=group,
            AuthToken="Valid-token-0123456789",
            AuthTokenUpdateStrategy="SET",
            ApplyImmediately=True,
        ),
        "InvalidParameterValue",
        "The AUTH token is only supported when encryption-in-transit is enabled",
    )


def test_moto_alone_accepts_a_bad_token(lenient):
    lenient("elasticache").create_replication_group(**_group_params(_name("rg"), AuthToken="bad%token"))


def test_random_password_honours_exclude_characters(strict):
    """What the cache role does: GetRandomPassword excluding everything ElastiCache refuses."""
    sm = strict("secretsmanager")
    refused = "".join(c for c in string.punctuation if c not in "!&#$^<>-") + " "
    for _ in range(20):
        password = sm.get_random_password(PasswordLength=64, ExcludeCharacters=refused)["RandomPassword"]
        assert len(password) == 64
        assert moto_rules.ELASTICACHE_AUTH_TOKEN_RE.fullmatch(password), password
    ec = strict("elasticache")
    ec.create_replication_group(**_group_params(_name("rg"), AuthToken=password, TransitEncryptionEnabled=True))


# --------------------------------------------------------------------------- 2. S3 without ACLs


def test_new_bucket_defaults_to_bucket_owner_enforced(strict, lenient):
    bucket = _name("own")
    strict("s3").create_bucket(Bucket=bucket)
    rules = strict("s3").get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    lenient("s3").create_bucket(Bucket=bucket)
    _refused(
        lambda: lenient("s3").get_bucket_ownership_controls(Bucket=bucket), "OwnershipControlsNotFoundError", status=404
    )


def test_bucket_acl_refused_when_enforced(strict):
    s3 = strict("s3")
    bucket = _name("acl")
    s3.create_bucket(Bucket=bucket)
    for acl in ("log-delivery-write", "public-read"):
        _refused(
            lambda acl=acl: s3.put_bucket_acl(Bucket=bucket, ACL=acl),
            "AccessControlListNotSupported",
            "The bucket does not allow ACLs",
        )
    _refused(
        lambda: s3.put_bucket_acl(Bucket=bucket, GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery"),
        "AccessControlListNotSupported",
    )
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    _refused(
        lambda: s3.put_bucket_acl(
            Bucket=bucket,
            AccessControlPolicy={
                "Owner": owner,
                "Grants": [
                    {
                        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                        "Permission": "READ",
                    }
                ],
            },
        ),
        "AccessControlListNotSupported",
    )
    # What AWS still accepts: the owner-only ACL, and reading the ACL.
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    s3.put_bucket_acl(
        Bucket=bucket,
        AccessControlPolicy={
            "Owner": owner,
            "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]}, "Permission": "FULL_CONTROL"}],
        },
    )
    assert s3.get_bucket_acl(Bucket=bucket)["Grants"]


def test_object_acl_refused_when_enforced(strict):
    s3 = strict("s3")
    bucket = _name("obj")
    s3.create_bucket(Bucket=bucket)
    _refused(
        lambda: s3.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="public-read"),
        "AccessControlListNotSupported",
        "The bucket does not allow ACLs",
    )
    _refused(
        lambda: s3.put_object(
            Bucket=bucket, Key="a", Body=b"x", GrantRead="uri=http://acs.amazonaws.com/groups/global/AllUsers"
        ),
        "AccessControlListNotSupported",
    )
    _refused(
        lambda: s3.create_multipart_upload(Bucket=bucket, Key="m", ACL="authenticated-read"),
        "AccessControlListNotSupported",
    )
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    s3.put_object(Bucket=bucket, Key="b", Body=b"x", ACL="bucket-owner-full-control")
    _refused(lambda: s3.put_object_acl(Bucket=bucket, Key="a", ACL="public-read"), "AccessControlListNotSupported")
    _refused(
        lambda: s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "a"}, ACL="public-read"),
        "AccessControlListNotSupported",
    )
    assert s3.get_object(Bucket=bucket, Key="b")["Body"].read() == b"x"


def test_acls_accepted_when_the_bucket_enables_them(strict):
    s3 = strict("s3")
    bucket = _name("pref")
    s3.create_bucket(Bucket=bucket, ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_acl(Bucket=bucket, ACL="log-delivery-write")
    s3.put_object(Bucket=bucket, Key="a", Body=b"x", ACL="bucket-owner-read")
    other = _name("writer")
    s3.create_bucket(Bucket=other, ObjectOwnership="ObjectWriter", ACL="public-read")


def test_create_bucket_with_acl_and_enforced_ownership(strict):
    _refused(
        lambda: strict("s3").create_bucket(Bucket=_name("cb"), ACL="public-read"),
        "InvalidBucketAclWithObjectOwnership",
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
    )
    strict("s3").create_bucket(Bucket=_name("cb"), ACL="private")


def _logging_policy(bucket: str, resource: str | list | None = None) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3ServerAccessLogsPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": resource or f"arn:aws:s3:::{bucket}/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ],
        }
    )


def test_bucket_logging_to_an_enforced_bucket(strict):
    s3 = strict("s3")
    source, target = _name("src"), _name("logs")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=target)
    grants = [
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}
    ]
    status = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"{source}/", "TargetGrants": grants}}
    _refused(lambda: s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=status), "AccessControlListNotSupported")
    # Without TargetGrants AWS wants the bucket-policy grant to the logging service.
    plain = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": f"{source}/"}}
    _refused(lambda: s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=plain), "InvalidTargetBucketForLogging")
    s3.put_bucket_policy(Bucket=target, Policy=_logging_policy(target, [f"arn:aws:s3:::{target}/{source}/*"]))
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=plain)
    assert s3.get_bucket_logging(Bucket=source)["LoggingEnabled"]["TargetBucket"] == target
    # A policy for another prefix does not cover this one.
    s3.put_bucket_policy(Bucket=target, Policy=_logging_policy(target, f"arn:aws:s3:::{target}/elsewhere/*"))
    _refused(lambda: s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=plain), "InvalidTargetBucketForLogging")


def test_bucket_logging_with_grants_to_an_acl_bucket(strict):
    s3 = strict("s3")
    source, target = _name("src"), _name("acllogs")
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=target, ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
    grants = [
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}
    ]
    s3.put_bucket_logging(
        Bucket=source,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "x/", "TargetGrants": grants}},
    )


# --------------------------------------------------------------------------- 3. CloudFront logging


def _distribution_config(origin_bucket: str, **extra) -> dict:
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "rules",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "origin",
                    "DomainName": f"{origin_bucket}.s3.us-east-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "origin",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    config.update(extra)
    return config


def _logging(bucket: str, enabled: bool = True) -> dict:
    return {"Enabled": enabled, "IncludeCookies": False, "Bucket": f"{bucket}.s3.amazonaws.com", "Prefix": "cdn/"}


def test_cloudfront_logging_into_an_enforced_bucket(strict):
    s3, cf = strict("s3"), strict("cloudfront")
    origin, logs = _name("origin"), _name("cflogs")
    s3.create_bucket(Bucket=origin)
    s3.create_bucket(Bucket=logs)
    _refused(
        lambda: cf.create_distribution(DistributionConfig=_distribution_config(origin, Logging=_logging(logs))),
        "InvalidArgument",
        f"The S3 bucket that you specified for CloudFront logs does not enable ACL access: {logs}.s3.amazonaws.com",
    )
    _refused(
        lambda: cf.create_distribution(
            DistributionConfig=_distribution_config(origin, Logging=_logging(_name("missing")))
        ),
        "InvalidArgument",
        "The parameter Logging Bucket does not refer to a valid S3 bucket.",
    )
    # Logging off is fine; turning it on later is refused the same way.
    created = cf.create_distribution(
        DistributionConfig=_distribution_config(origin, Logging=_logging(logs, enabled=False))
    )
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    config["Logging"] = _logging(logs)
    _refused(lambda: cf.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=config), "InvalidArgument")


def test_cloudfront_logging_into_a_bucket_with_acls(strict):
    s3, cf = strict("s3"), strict("cloudfront")
    origin, logs = _name("origin"), _name("cflogs")
    s3.create_bucket(Bucket=origin)
    s3.create_bucket(Bucket=logs, ObjectOwnership="BucketOwnerPreferred")
    cf.create_distribution(DistributionConfig=_distribution_config(origin, Logging=_logging(logs)))


# --------------------------------------------------------------------------- 4. OpenSearch log publishing


def _log_policy(group_arn, principal: str = "es.amazonaws.com", actions=None) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": principal},
                    "Action": actions or ["logs:PutLogEvents", "logs:CreateLogStream"],
                    "Resource": group_arn,
                }
            ],
        }
    )


def _log_group(strict, region: str = REGION) -> tuple[str, str]:
    name = f"/aws/opensearch/domains/{_name('d')}/search-logs"
    strict("logs", region).create_log_group(logGroupName=name)
    return name, f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{name}"


def _publishing(arn: str) -> dict:
    return {"SEARCH_SLOW_LOGS": {"CloudWatchLogsLogGroupArn": arn, "Enabled": True}}


def _log_message(name: str) -> str:
    return (
        f"The Resource Access Policy specified for the CloudWatch Logs log group {name} does not grant sufficient"
        " permissions for Amazon OpenSearch Service to create a log stream. Please check the Resource Access Policy."
    )


def test_opensearch_log_publishing_without_policy(strict):
    name, arn = _log_group(strict)
    _refused(
        lambda: strict("opensearch").create_domain(DomainName=_name("os")[:28], LogPublishingOptions=_publishing(arn)),
        "ValidationException",
        _log_message(name),
    )
    _refused(
        lambda: strict("es").create_elasticsearch_domain(
            DomainName=_name("es")[:28], LogPublishingOptions=_publishing(arn + ":*")
        ),
        "ValidationException",
        _log_message(name),
    )


@pytest.mark.parametrize(
    ("resource", "principal", "actions", "accepted"),
    [
        ("{arn}:*", "es.amazonaws.com", None, True),
        (["arn:aws:logs:us-east-1:123456789012:log-group:/other:*", "{arn}:*"], "es.amazonaws.com", None, True),
        ("{root}/*", "es.amazonaws.com", None, True),
        ("{arn}:*", "es.amazonaws.com", ["logs:*"], True),
        ("{arn}", "es.amazonaws.com", None, False),  # the group itself, not its streams
        ("{arn}:*", "opensearchservice.amazonaws.com", None, False),
        ("{arn}:*", "es.amazonaws.com", ["logs:PutLogEvents"], False),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/other:*", "es.amazonaws.com", None, False),
    ],
)
def test_opensearch_log_resource_policy(strict, resource, principal, actions, accepted):
    _name_, arn = _log_group(strict)
    root = arn.rsplit("/", 1)[0]  # the log group's own "directory": no other test's group is under it
    resource = [r.format(arn=arn, root=root) for r in _as_list(resource)]
    strict("logs").put_resource_policy(
        policyName=_name("pol"), policyDocument=_log_policy(resource, principal, actions)
    )
    domain = _name("os")[:28]
    call = lambda: strict("opensearch").create_domain(DomainName=domain, LogPublishingOptions=_publishing(arn + ":*"))  # noqa: E731
    if accepted:
        assert call()["DomainStatus"]["LogPublishingOptions"]["SEARCH_SLOW_LOGS"]["Enabled"] is True
    else:
        _refused(call, "ValidationException", _log_message(_name_))


def test_opensearch_update_and_policy_region(strict):
    os_client = strict("opensearch")
    domain = _name("os")[:28]
    os_client.create_domain(DomainName=domain)
    name, arn = _log_group(strict)
    # A policy in another region does not count.
    strict("logs", "us-west-2").put_resource_policy(policyName=_name("pol"), policyDocument=_log_policy(f"{arn}:*"))
    _refused(
        lambda: os_client.update_domain_config(DomainName=domain, LogPublishingOptions=_publishing(arn)),
        "ValidationException",
        _log_message(name),
    )
    strict("logs").put_resource_policy(policyName=_name("pol"), policyDocument=_log_policy(f"{arn}:*"))
    os_client.update_domain_config(DomainName=domain, LogPublishingOptions=_publishing(arn))
    # Disabled publishing needs no policy.
    other = {"INDEX_SLOW_LOGS": {"CloudWatchLogsLogGroupArn": arn + "-nope", "Enabled": False}}
    os_client.update_domain_config(DomainName=domain, LogPublishingOptions=other)


# --------------------------------------------------------------------------- 5. RDS engine versions


def _db(rds, identifier: str, version: str | None, **extra):
    params = {
        "DBInstanceIdentifier": identifier,
        "DBInstanceClass": "db.t4g.micro",
        "Engine": "postgres",
        "MasterUsername": "app",
        "MasterUserPassword": "Secret-password-1",
        "AllocatedStorage": 20,
    }
    if version is not None:
        params["EngineVersion"] = version
    params.update(extra)
    return rds.create_db_instance(**params)["DBInstance"]


@pytest.mark.parametrize("version", ["16.4", "16.1", "15.5", "9.6", "16.99", "18"])
def test_rds_version_not_creatable(strict, version):
    _refused(
        lambda: _db(strict("rds"), _name("db"), version),
        "InvalidParameterCombination",
        f"Cannot find version {version} for postgres",
    )


@pytest.mark.parametrize(
    ("version", "reported"), [("16", "16.6"), ("16.8", "16.8"), ("17.4", "17.4"), ("15", "15.12"), (None, "17.4")]
)
def test_rds_version_creatable(strict, version, reported):
    rds = strict("rds")
    identifier = _name("db")
    _db(rds, identifier, version)
    assert rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["EngineVersion"] == reported


def test_rds_modify_version(strict):
    rds = strict("rds")
    identifier = _name("db")
    _db(rds, identifier, "16.8")
    _refused(
        lambda: rds.modify_db_instance(DBInstanceIdentifier=identifier, EngineVersion="16.4", ApplyImmediately=True),
        "InvalidParameterCombination",
        "Cannot find version 16.4 for postgres",
    )
    _refused(
        lambda: rds.modify_db_instance(DBInstanceIdentifier=identifier, EngineVersion="16.6", ApplyImmediately=True),
        "InvalidParameterCombination",
        "Cannot upgrade postgres from 16.8 to 16.6",
    )
    rds.modify_db_instance(DBInstanceIdentifier=identifier, EngineVersion="16", ApplyImmediately=True)
    assert rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["EngineVersion"] == "16.8"
    rds.modify_db_instance(
        DBInstanceIdentifier=identifier, EngineVersion="17.5", AllowMajorVersionUpgrade=True, ApplyImmediately=True
    )
    assert rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["EngineVersion"] == "17.5"


def test_rds_storage_never_shrinks(strict):
    """What storage autoscaling grew, a deploy must not send back (amazon.aws.rds_instance sends any other size)."""
    rds = strict("rds")
    identifier = _name("db")
    _db(rds, identifier, "16", StorageType="gp3", MaxAllocatedStorage=100)
    rds.modify_db_instance(DBInstanceIdentifier=identifier, AllocatedStorage=30, ApplyImmediately=True)
    _refused(
        lambda: rds.modify_db_instance(DBInstanceIdentifier=identifier, AllocatedStorage=20, ApplyImmediately=True),
        "InvalidParameterCombination",
        "Invalid storage size for engine name postgres and storage type gp3: 20",
    )
    # the size it has, and other changes without a size, pass
    rds.modify_db_instance(DBInstanceIdentifier=identifier, AllocatedStorage=30, ApplyImmediately=True)
    rds.modify_db_instance(DBInstanceIdentifier=identifier, BackupRetentionPeriod=7, ApplyImmediately=True)
    assert rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["AllocatedStorage"] == 30


def test_rds_read_replica_keeps_the_source_version(strict):
    rds = strict("rds")
    source = _name("db")
    _db(rds, source, "16")
    replica = rds.create_db_instance_read_replica(
        DBInstanceIdentifier=_name("replica"), SourceDBInstanceIdentifier=source
    )
    assert replica["DBInstance"]["EngineVersion"] == "16.6"


def test_rds_replica_needs_a_source_with_backups(strict):
    rds = strict("rds")
    source = _name("db")
    rds.create_db_instance(
        DBInstanceIdentifier=source,
        Engine="postgres",
        EngineVersion="16",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="dbadmin",
        MasterUserPassword="x" * 16,
        BackupRetentionPeriod=0,
    )
    with pytest.raises(ClientError) as err:
        rds.create_db_instance_read_replica(DBInstanceIdentifier=_name("replica"), SourceDBInstanceIdentifier=source)
    assert err.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    assert "Automated backups are not enabled" in err.value.response["Error"]["Message"]
    rds.modify_db_instance(DBInstanceIdentifier=source, BackupRetentionPeriod=1, ApplyImmediately=True)
    rds.create_db_instance_read_replica(DBInstanceIdentifier=_name("replica"), SourceDBInstanceIdentifier=source)


def test_moto_alone_creates_any_version(lenient):
    assert _db(lenient("rds"), _name("db"), "16.4")["EngineVersion"] == "16.4"


def test_rds_point_in_time_restore_needs_backups_and_a_time_in_the_window(strict):
    rds = strict("rds")
    source, without_backups = _name("db"), _name("db")
    _db(rds, source, "16", BackupRetentionPeriod=7)
    _db(rds, without_backups, "16", BackupRetentionPeriod=0)
    created = rds.describe_db_instances(DBInstanceIdentifier=source)["DBInstances"][0]["InstanceCreateTime"]
    _refused(
        lambda: rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=without_backups,
            TargetDBInstanceIdentifier=_name("r"),
            UseLatestRestorableTime=True,
        ),
        "PointInTimeRestoreNotEnabled",
        "SourceDBInstanceIdentifier refers to a DB instance with BackupRetentionPeriod equal to 0.",
    )
    outside = _refused(
        lambda: rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=source,
            TargetDBInstanceIdentifier=_name("r"),
            RestoreTime=created - datetime.timedelta(hours=1),
        ),
        "InvalidRestoreFault",
    )
    assert f"is not within the restorable window of {source}" in outside.response["Error"]["Message"]
    _refused(
        lambda: rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier=source,
            TargetDBInstanceIdentifier=_name("r"),
            RestoreTime=created,
            UseLatestRestorableTime=True,
        ),
        "InvalidParameterCombination",
        "Cannot specify both RestoreTime and UseLatestRestorableTime",
    )
    target = _name("r")
    restored = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=source, TargetDBInstanceIdentifier=target, RestoreTime=created
    )["DBInstance"]
    assert restored["DBInstanceIdentifier"] == target
    # a standalone instance (scripts/moto_fixes.py): no replica source, and the source lists no replica
    assert "ReadReplicaSourceDBInstanceIdentifier" not in restored
    assert not rds.describe_db_instances(DBInstanceIdentifier=source)["DBInstances"][0].get(
        "ReadReplicaDBInstanceIdentifiers"
    )


def test_moto_alone_restores_without_backups(lenient):
    rds = lenient("rds")
    source = _name("db")
    _db(rds, source, "16", BackupRetentionPeriod=0)
    rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier=source, TargetDBInstanceIdentifier=_name("r"), UseLatestRestorableTime=True
    )


def test_describe_db_engine_versions(strict):
    rds = strict("rds")
    default = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16", DefaultOnly=True)[
        "DBEngineVersions"
    ]
    assert [v["EngineVersion"] for v in default] == ["16.6"]
    assert default[0]["DBParameterGroupFamily"] == "postgres16"
    versions = {
        v["EngineVersion"]
        for page in rds.get_paginator("describe_db_engine_versions").paginate(Engine="postgres")
        for v in page["DBEngineVersions"]
    }
    assert {"16.6", "16.8", "17.4", "13.20"} <= versions
    assert "16.4" not in versions
    for version in versions:
        assert moto_rules.resolve_postgres_version(version) == version
    assert rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16.4")["DBEngineVersions"] == []
    exact = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16.8")["DBEngineVersions"]
    targets = {t["EngineVersion"]: t["IsMajorVersionUpgrade"] for t in exact[0]["ValidUpgradeTarget"]}
    assert targets["16.9"] is False and targets["17.4"] is True and "16.6" not in targets


# --------------------------------------------------------------------------- 6. Secrets Manager ARNs


def test_secret_arns_resolve_like_aws(strict):
    sm = strict("secretsmanager")
    plain = sm.create_secret(Name=f"caseapp-{uuid.uuid4().hex[:6]}/database", SecretString="db")
    hyphen_name = f"caseapp-{uuid.uuid4().hex[:6]}/jwt-secret"
    tricky = sm.create_secret(Name=hyphen_name, SecretString="jwt")
    partial = plain["ARN"].rsplit("-", 1)[0]
    assert sm.get_secret_value(SecretId=plain["ARN"])["SecretString"] == "db"  # complete ARN
    assert sm.get_secret_value(SecretId=partial)["SecretString"] == "db"  # partial ARN, resolved by name
    assert sm.get_secret_value(SecretId=plain["Name"])["SecretString"] == "db"
    assert sm.get_secret_value(SecretId=tricky["ARN"])["SecretString"] == "jwt"
    assert sm.get_secret_value(SecretId=hyphen_name)["SecretString"] == "jwt"
    tricky_partial = tricky["ARN"].rsplit("-", 1)[0]
    assert tricky_partial.endswith("/jwt-secret")
    message = "Secrets Manager can't find the specified secret."
    for call in (
        lambda: sm.get_secret_value(SecretId=tricky_partial),
        lambda: sm.describe_secret(SecretId=tricky_partial),
        lambda: sm.put_secret_value(SecretId=tricky_partial, SecretString="new"),
        lambda: sm.update_secret(SecretId=tricky_partial, Description="x"),
        lambda: sm.tag_resource(SecretId=tricky_partial, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: sm.get_resource_policy(SecretId=tricky_partial),
        lambda: sm.put_resource_policy(
            SecretId=tricky_partial, ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": []})
        ),
        lambda: sm.delete_secret(SecretId=tricky_partial, RecoveryWindowInDays=7),
        # A complete ARN whose random suffix is wrong.
        lambda: sm.get_secret_value(SecretId=plain["ARN"][:-6] + "ZZZZZZ"),
    ):
        _refused(call, "ResourceNotFoundException", message)
    assert sm.get_secret_value(SecretId=tricky["ARN"])["SecretString"] == "jwt"  # nothing was changed or deleted


def test_moto_alone_resolves_the_tricky_partial_arn(lenient):
    sm = lenient("secretsmanager")
    tricky = sm.create_secret(Name=f"caseapp-{uuid.uuid4().hex[:6]}/jwt-secret", SecretString="jwt")
    assert sm.get_secret_value(SecretId=tricky["ARN"].rsplit("-", 1)[0])["SecretString"] == "jwt"


# --------------------------------------------------------------------------- 7. ACM certificates


def _imported(strict, region: str = REGION) -> str:
    cert, key = self_signed_certificate("app.example.org")
    return strict("acm", region).import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]


def _requested(strict, region: str = REGION) -> str:
    return strict("acm", region).request_certificate(DomainName="app.example.org", ValidationMethod="DNS")[
        "CertificateArn"
    ]


@pytest.fixture(scope="module")
def alb(strict):
    ec2, elb = strict("ec2"), strict("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    lb = elb.create_load_balancer(Name=_name("alb")[:30], Subnets=subnets, Type="application")["LoadBalancers"][0]
    group = elb.create_target_group(Name=_name("tg")[:30], Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
    return lb["LoadBalancerArn"], group["TargetGroups"][0]["TargetGroupArn"]


def _listener(elb, alb, port: int, certificate: str):
    lb_arn, group_arn = alb
    return elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTPS",
        Port=port,
        Certificates=[{"CertificateArn": certificate}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
    )


def test_listener_certificate_must_be_issued_in_region(strict, alb):
    elb = strict("elbv2")
    unknown = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/{uuid.uuid4()}"
    pending = _requested(strict)
    assert strict("acm").describe_certificate(CertificateArn=pending)["Certificate"]["Status"] == "PENDING_VALIDATION"
    elsewhere = _imported(strict, "us-west-2")
    for port, arn in ((8441, unknown), (8442, pending), (8443, elsewhere)):
        _refused(
            lambda port=port, arn=arn: _listener(elb, alb, port, arn),
            "CertificateNotFound",
            f"Certificate '{arn}' not found",
        )
    issued = _imported(strict)
    assert strict("acm").describe_certificate(CertificateArn=issued)["Certificate"]["Status"] == "ISSUED"
    listener = _listener(elb, alb, 8444, issued)["Listeners"][0]["ListenerArn"]
    _refused(
        lambda: elb.modify_listener(ListenerArn=listener, Certificates=[{"CertificateArn": pending}]),
        "CertificateNotFound",
        f"Certificate '{pending}' not found",
    )
    _refused(
        lambda: elb.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": unknown}]),
        "CertificateNotFound",
    )
    second = _imported(strict)
    elb.modify_listener(ListenerArn=listener, Certificates=[{"CertificateArn": second}])
    elb.add_listener_certificates(ListenerArn=listener, Certificates=[{"CertificateArn": issued}])


def test_cloudfront_viewer_certificate(strict):
    s3, cf = strict("s3"), strict("cloudfront")
    origin = _name("origin")
    s3.create_bucket(Bucket=origin)

    def viewer(arn):
        return {"ACMCertificateArn": arn, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}

    message = (
        "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a"
        " valid certificate chain."
    )
    for arn in (
        _imported(strict, "eu-west-1"),
        _requested(strict, "us-east-1"),
        f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{uuid.uuid4()}",
    ):
        _refused(
            lambda arn=arn: cf.create_distribution(
                DistributionConfig=_distribution_config(origin, ViewerCertificate=viewer(arn))
            ),
            "InvalidViewerCertificate",
            message,
        )
    good = _imported(strict, "us-east-1")
    cf.create_distribution(DistributionConfig=_distribution_config(origin, ViewerCertificate=viewer(good)))


def test_moto_alone_accepts_a_pending_listener_certificate(lenient):
    """moto checks that the certificate exists, not that it is issued."""
    ec2, elb = lenient("ec2"), lenient("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    lb = elb.create_load_balancer(Name=_name("alb")[:30], Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    group = elb.create_target_group(Name=_name("tg")[:30], Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    _listener(elb, (lb, group["TargetGroupArn"]), 443, _requested(lenient))


# --------------------------------------------------------------------------- 8. fix: member cache clusters


def _cache_network(client, cidr: str) -> tuple[str, list[str], list[str]]:
    """A VPC with one subnet per AZ (a, b, c), a cache subnet group over them, and a security group."""
    ec2, ec = client("ec2"), client("elasticache")
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    zones = [f"{REGION}{suffix}" for suffix in "abc"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    name = _name("cache-subnets")
    ec.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription="x", SubnetIds=subnets)
    sg = ec2.create_security_group(GroupName=_name("cache"), Description="cache", VpcId=vpc)["GroupId"]
    return name, [sg], zones


def test_replication_group_members_are_cache_clusters(lenient):
    """A 3-AZ group: DescribeCacheClusters lists its three members, as AWS does (moto alone lists none)."""
    ec = lenient("elasticache")
    subnet_group, security_groups, zones = _cache_network(lenient, "10.7")
    group = _name("rg")
    ec.create_replication_group(
        **_group_params(
            group,
            NumCacheClusters=3,
            EngineVersion="7.1",
            CacheSubnetGroupName=subnet_group,
            SecurityGroupIds=security_groups,
            AutomaticFailoverEnabled=True,
            MultiAZEnabled=True,
            TransitEncryptionEnabled=True,
            AtRestEncryptionEnabled=True,
            PreferredMaintenanceWindow="sun:03:00-sun:04:00",
            Tags=[{"Key": "Project", "Value": "caseapp"}],
        )
    )
    members = ec.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"][0]["MemberClusters"]
    assert members == [f"{group}-001", f"{group}-002", f"{group}-003"]
    listed = [
        c
        for page in ec.get_paginator("describe_cache_clusters").paginate(ShowCacheNodeInfo=True)
        for c in page["CacheClusters"]
        if c.get("ReplicationGroupId") == group
    ]
    assert sorted(c["CacheClusterId"] for c in listed) == members
    assert sorted(c["PreferredAvailabilityZone"] for c in listed) == zones
    for cluster in listed:
        assert cluster["CacheClusterStatus"] == "available"
        assert cluster["CacheNodeType"] == "cache.t4g.micro"
        assert cluster["Engine"] == "redis"
        assert cluster["EngineVersion"] == "7.1.0"
        assert cluster["NumCacheNodes"] == 1
        assert cluster["CacheSubnetGroupName"] == subnet_group
        assert [g["SecurityGroupId"] for g in cluster["SecurityGroups"]] == security_groups
        assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7"
        assert cluster["PreferredMaintenanceWindow"] == "sun:03:00-sun:04:00"
        assert cluster["TransitEncryptionEnabled"] is True and cluster["AtRestEncryptionEnabled"] is True
        assert cluster["CacheNodes"][0]["CustomerAvailabilityZone"] == cluster["PreferredAvailabilityZone"]
        tags = ec.list_tags_for_resource(ResourceName=cluster["ARN"])["TagList"]
        assert {"Key": "Project", "Value": "caseapp"} in tags
    one = ec.describe_cache_clusters(CacheClusterId=f"{group}-002")["CacheClusters"]
    assert [c["CacheClusterId"] for c in one] == [f"{group}-002"] and "CacheNodes" not in one[0]
    _refused(lambda: ec.describe_cache_clusters(CacheClusterId=f"{group}-009"), "CacheClusterNotFound", status=404)


def test_modify_replication_group_reaches_the_members(lenient):
    ec = lenient("elasticache")
    subnet_group, security_groups, _zones = _cache_network(lenient, "10.6")
    other_sg = lenient("ec2").create_security_group(GroupName=_name("sg"), Description="x")["GroupId"]
    group = _name("rg")
    ec.create_replication_group(**_group_params(group, NumCacheClusters=2, CacheSubnetGroupName=subnet_group))
    ec.modify_replication_group(
        ReplicationGroupId=group,
        CacheNodeType="cache.r7g.large",
        EngineVersion="7.1",
        SecurityGroupIds=[other_sg],
        PreferredMaintenanceWindow="Mon:01:00-Mon:02:00",
        SnapshotWindow="02:00-03:00",
        ApplyImmediately=True,
    )
    described = ec.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"][0]
    assert described["SnapshotWindow"] == "02:00-03:00"
    for cluster_id in described["MemberClusters"]:
        cluster = ec.describe_cache_clusters(CacheClusterId=cluster_id)["CacheClusters"][0]
        assert cluster["CacheNodeType"] == "cache.r7g.large"
        assert cluster["EngineVersion"] == "7.1.0"
        assert [g["SecurityGroupId"] for g in cluster["SecurityGroups"]] == [other_sg]
        assert cluster["PreferredMaintenanceWindow"] == "mon:01:00-mon:02:00"
    ec.delete_replication_group(ReplicationGroupId=group)
    statuses = {
        c["CacheClusterStatus"]
        for c in ec.describe_cache_clusters()["CacheClusters"]
        if c.get("ReplicationGroupId") == group
    }
    assert statuses <= {"deleting"}


def test_recreated_group_gets_fresh_members(lenient):
    """Once a deletion has finished, a group of the same name gets members of its own again."""
    ec = lenient("elasticache")
    group = _name("rg")
    ec.create_replication_group(**_group_params(group, NumCacheClusters=2, CacheNodeType="cache.t4g.small"))
    ec.delete_replication_group(ReplicationGroupId=group)
    try:
        ec.describe_replication_groups(ReplicationGroupId=group)
        pytest.skip("the emulator has not finished the deletion")
    except ClientError:
        pass
    assert not [c for c in ec.describe_cache_clusters()["CacheClusters"] if c.get("ReplicationGroupId") == group]
    ec.create_replication_group(**_group_params(group, NumCacheClusters=2, CacheNodeType="cache.m7g.large"))
    listed = [c for c in ec.describe_cache_clusters()["CacheClusters"] if c.get("ReplicationGroupId") == group]
    assert [(c["CacheNodeType"], c["CacheClusterStatus"]) for c in listed] == [("cache.m7g.large", "available")] * 2


# --------------------------------------------------------------------------- WAFv2 logging destinations


def _web_acl(client) -> str:
    name = _name("acl")
    return client.create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": name},
    )["Summary"]["ARN"]


@pytest.mark.parametrize(
    "destination",
    [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-waf-logs-app:*",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/platform/app/waf",
        "arn:aws:s3:::my-bucket",
    ],
)
def test_waf_logging_destination_must_be_an_aws_waf_logs_arn(strict, lenient, destination):
    config = {"LogDestinationConfigs": [destination]}
    waf = strict("wafv2")
    error = _refused(
        lambda: waf.put_logging_configuration(LoggingConfiguration={"ResourceArn": _web_acl(waf), **config}),
        "WAFInvalidParameterException",
    )
    assert "field: LOG_DESTINATION" in str(error)
    loose = lenient("wafv2")
    loose.put_logging_configuration(LoggingConfiguration={"ResourceArn": _web_acl(loose), **config})


def test_waf_logging_needs_an_existing_web_acl_and_one_destination(strict):
    waf = strict("wafv2")
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-waf-logs-{uuid.uuid4().hex[:8]}"
    missing = f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/missing/{uuid.uuid4()}"
    _refused(
        lambda: waf.put_logging_configuration(
            LoggingConfiguration={"ResourceArn": missing, "LogDestinationConfigs": [group]}
        ),
        "WAFNonexistentItemException",
    )
    arn = _web_acl(waf)
    _refused(
        lambda: waf.put_logging_configuration(
            LoggingConfiguration={"ResourceArn": arn, "LogDestinationConfigs": [group, group + "-2"]}
        ),
        "WAFInvalidParameterException",
    )
    _refused(
        lambda: waf.put_logging_configuration(
            LoggingConfiguration={
                "ResourceArn": arn,
                "LogDestinationConfigs": [group],
                "RedactedFields": [{"Body": {}}],
            }
        ),
        "WAFInvalidParameterException",
    )
    put = waf.put_logging_configuration(
        LoggingConfiguration={
            "ResourceArn": arn,
            "LogDestinationConfigs": [group],
            "RedactedFields": [{"SingleHeader": {"Name": "authorization"}}],
        }
    )
    assert put["LoggingConfiguration"]["LogDestinationConfigs"] == [group]


# --------------------------------------------------------------------------- the launcher's switch


def test_launcher_reports_the_rules(strict):
    with urllib.request.urlopen(f"{strict.endpoint}/_platform_ops/rules", timeout=5) as resp:  # noqa: S310
        reported = json.load(resp)
    assert set(moto_rules.RULES) <= set(reported["enabled"])
    assert set(moto_rules.RULES) <= set(reported["available"])


def test_one_rule_alone(tmp_path):
    """PLATFORM_LOCAL_RULES=rds_engine_versions enforces that rule and no other."""
    with moto_server(tmp_path / "moto.log", PLATFORM_LOCAL_RULES="rds_engine_versions") as endpoint:
        _refused(lambda: _db(_client(endpoint, "rds"), _name("db"), "16.4"), "InvalidParameterCombination")
        s3 = _client(endpoint, "s3")
        bucket = _name("free")
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_acl(Bucket=bucket, ACL="public-read")  # s3_acl_disabled is off


# --------------------------------------------------------------------------- logs_retention_values


def test_log_retention_only_the_values_aws_lists(strict, lenient):
    logs = strict("logs")
    name = f"/it/retention-{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=name)
    for days in (1096, 2192, 3653):
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["retentionInDays"] == days
    error = _refused(
        lambda: logs.put_retention_policy(logGroupName=name, retentionInDays=2000), "InvalidParameterException"
    )
    assert "Value '2000' at 'retentionInDays' failed to satisfy constraint" in str(error)
    loose = lenient("logs")
    loose.create_log_group(logGroupName=name)
    loose.put_retention_policy(logGroupName=name, retentionInDays=2000)


# --------------------------------------------------------------------------- CloudTrail delivery policies


def _trail_bucket_policy(bucket: str, trail_arn: str, source_arn: str | None = None) -> str:
    condition = {"StringEquals": {"aws:SourceArn": source_arn or trail_arn}}
    write_condition = {
        "StringEquals": {"aws:SourceArn": source_arn or trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}
    }
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": f"arn:aws:s3:::{bucket}",
                    "Condition": condition,
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/123456789012/*",
                    "Condition": write_condition,
                },
            ],
        }
    )


def _trail_key_policy(trail_arn: str, source_arn: str | None = None) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "kms:GenerateDataKey*",
                    "Resource": "*",
                    "Condition": {
                        "StringLike": {
                            "kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:123456789012:trail/*"
                        },
                        "StringEquals": {"aws:SourceArn": source_arn or trail_arn},
                    },
                },
            ],
        }
    )


def _trail_setup(strict):
    name = _name("trail")
    bucket = _name("trail-bucket")
    trail_arn = f"arn:aws:cloudtrail:{REGION}:123456789012:trail/{name}"
    strict("s3").create_bucket(Bucket=bucket)
    return name, bucket, trail_arn


def test_cloudtrail_refuses_a_bucket_without_its_policy(strict, lenient):
    name, bucket, trail_arn = _trail_setup(strict)
    message = f"Incorrect S3 bucket policy is detected for bucket: {bucket}"
    create = strict("cloudtrail").create_trail
    _refused(lambda: create(Name=name, S3BucketName=bucket), "InsufficientS3BucketPolicyException", message)
    other_trail = trail_arn.replace(name, "someone-else")
    strict("s3").put_bucket_policy(Bucket=bucket, Policy=_trail_bucket_policy(bucket, trail_arn, other_trail))
    _refused(lambda: create(Name=name, S3BucketName=bucket), "InsufficientS3BucketPolicyException", message)
    strict("s3").put_bucket_policy(Bucket=bucket, Policy=_trail_bucket_policy(bucket, trail_arn))
    assert create(Name=name, S3BucketName=bucket)["TrailARN"] == trail_arn
    lenient("s3").create_bucket(Bucket=bucket)
    assert lenient("cloudtrail").create_trail(Name=name, S3BucketName=bucket)["TrailARN"] == trail_arn


def test_cloudtrail_refuses_a_key_without_its_policy(strict):
    name, bucket, trail_arn = _trail_setup(strict)
    strict("s3").put_bucket_policy(Bucket=bucket, Policy=_trail_bucket_policy(bucket, trail_arn))
    kms = strict("kms")
    plain = kms.create_key()["KeyMetadata"]["Arn"]
    create = strict("cloudtrail").create_trail
    _refused(
        lambda: create(Name=name, S3BucketName=bucket, KmsKeyId=plain),
        "InsufficientEncryptionPolicyException",
        f"Insufficient permissions to access S3 bucket {bucket} or KMS key {plain}.",
    )
    other = kms.create_key(Policy=_trail_key_policy(trail_arn, trail_arn.replace(name, "other")))["KeyMetadata"]["Arn"]
    _refused(lambda: create(Name=name, S3BucketName=bucket, KmsKeyId=other), "InsufficientEncryptionPolicyException")
    good = kms.create_key(Policy=_trail_key_policy(trail_arn))["KeyMetadata"]["Arn"]
    assert create(Name=name, S3BucketName=bucket, KmsKeyId=good)["KmsKeyId"] == good
    # UpdateTrail checks the same, against the trail's bucket when the request names none.
    update = strict("cloudtrail").update_trail
    _refused(lambda: update(Name=name, KmsKeyId=plain), "InsufficientEncryptionPolicyException")
    strict("s3").delete_bucket_policy(Bucket=bucket)
    _refused(lambda: update(Name=name, EnableLogFileValidation=True), "InsufficientS3BucketPolicyException")


def _alb_in(factory, region: str) -> str:
    ec2, elb = factory("ec2", region), factory("elbv2", region)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    return elb.create_load_balancer(Name=_name("logs")[:30], Subnets=subnets, Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"
    ]


def _access_logs(bucket: str) -> list[dict]:
    return [{"Key": "access_logs.s3.enabled", "Value": "true"}, {"Key": "access_logs.s3.bucket", "Value": bucket}]


def test_alb_access_logs_go_to_a_bucket_in_its_own_region(strict, lenient):
    here, there = _name("logs-here")[:40], _name("logs-there")[:40]
    strict("s3").create_bucket(Bucket=here, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    strict("s3").create_bucket(Bucket=there, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    elb = strict("elbv2", "eu-central-1")
    arn = _alb_in(strict, "eu-central-1")
    for bucket in (there, "no-such-bucket-" + uuid.uuid4().hex[:8]):
        _refused(
            lambda bucket=bucket: elb.modify_load_balancer_attributes(
                LoadBalancerArn=arn, Attributes=_access_logs(bucket)
            ),
            "InvalidConfigurationRequest",
        )
    elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=_access_logs(here))
    loose = lenient("elbv2", "eu-central-1")
    loose.modify_load_balancer_attributes(
        LoadBalancerArn=_alb_in(lenient, "eu-central-1"), Attributes=_access_logs("anywhere")
    )


def _zone_and_alias(make):
    zone = f"rules-{uuid.uuid4().hex[:8]}.example.org"
    zone_id = make("route53").create_hosted_zone(Name=zone, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    alias = {
        "HostedZoneId": "Z35SXDOTRQ7X7K",
        "DNSName": "alb-1.us-east-1.elb.amazonaws.com",
        "EvaluateTargetHealth": True,
    }
    return zone_id, f"app.{zone}.", alias


def _rrset(name, alias, identifier=None, failover=None):
    record = {"Name": name, "Type": "A", "AliasTarget": alias}
    if identifier:
        record.update(SetIdentifier=identifier, Failover=failover)
    return record


def _batch(zone_id, *changes):
    return {
        "HostedZoneId": zone_id,
        "ChangeBatch": {"Changes": [{"Action": a, "ResourceRecordSet": r} for a, r in changes]},
    }


def test_route53_refuses_a_simple_record_beside_failover_ones(strict, lenient):
    zone_id, name, alias = _zone_and_alias(strict)
    change = strict("route53").change_resource_record_sets
    primary = _rrset(name, alias, "primary", "PRIMARY")
    change(**_batch(zone_id, ("UPSERT", primary)))
    _refused(
        lambda: change(**_batch(zone_id, ("UPSERT", _rrset(name, alias)))),
        "InvalidChangeBatch",
        f"RRSet with DNS name {name}, type A cannot be created as other RRSets exist with the same name and type.",
    )
    # One transaction: DELETE the failover record and CREATE the simple one.
    change(**_batch(zone_id, ("DELETE", primary), ("CREATE", _rrset(name, alias))))
    _refused(
        lambda: change(**_batch(zone_id, ("UPSERT", primary))),
        "InvalidChangeBatch",
        f"RRSet with DNS name {name}, type A, SetIdentifier primary cannot be created as a non-failover set "
        "exists with the same name and type.",
    )
    _refused(
        lambda: change(**_batch(zone_id, ("DELETE", primary))),
        "InvalidChangeBatch",
        f"Tried to delete resource record set [name='{name}', type='A', set-identifier='primary'] but it was not found",
    )
    _refused(
        lambda: change(**_batch(zone_id, ("CREATE", _rrset(name, alias)))),
        "InvalidChangeBatch",
        f"Tried to create resource record set [name='{name}', type='A'] but it already exists",
    )
    records = strict("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert [r.get("SetIdentifier") for r in records if r["Type"] == "A"] == [None]
    # moto alone keeps both shapes.
    zone_id, name, alias = _zone_and_alias(lenient)
    lenient_change = lenient("route53").change_resource_record_sets
    lenient_change(**_batch(zone_id, ("UPSERT", _rrset(name, alias, "primary", "PRIMARY"))))
    lenient_change(**_batch(zone_id, ("UPSERT", _rrset(name, alias))))
    records = lenient("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert sorted(str(r.get("SetIdentifier")) for r in records if r["Type"] == "A") == ["None", "primary"]


# --------------------------------------------------------------------------- Secrets Manager replica keys


def _replica_status(sm, name):
    return sm.describe_secret(SecretId=name)["ReplicationStatus"][0]


def test_secret_replica_key_of_its_region(strict):
    sm, dr = strict("secretsmanager"), strict("secretsmanager", "us-west-2")
    dr_key = strict("kms", "us-west-2").create_key()["KeyMetadata"]["Arn"]
    name = f"replica-{uuid.uuid4().hex[:8]}"
    arn = sm.create_secret(
        Name=name, SecretString="v", AddReplicaRegions=[{"Region": "us-west-2", "KmsKeyId": dr_key}]
    )["ARN"]
    status = _replica_status(sm, name)
    assert (status["Status"], status["KmsKeyId"]) == ("InSync", dr_key)
    assert dr.get_secret_value(SecretId=arn.replace("us-east-1", "us-west-2"))["SecretString"] == "v"


@pytest.mark.parametrize("key", ["primary-region-arn", "alias/missing-in-dr"])
def test_secret_replica_with_a_key_its_region_lacks_fails(strict, lenient, key):
    if key == "primary-region-arn":
        key = strict("kms").create_key()["KeyMetadata"]["Arn"]
    sm, dr = strict("secretsmanager"), strict("secretsmanager", "us-west-2")
    name = f"replica-{uuid.uuid4().hex[:8]}"
    arn = sm.create_secret(Name=name, SecretString="v")["ARN"]
    # the request succeeds, the replication fails (as on AWS)
    sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": "us-west-2", "KmsKeyId": key}])
    status = _replica_status(sm, name)
    assert status["Status"] == "Failed" and key in status["StatusMessage"]
    with pytest.raises(ClientError):
        dr.describe_secret(SecretId=arn.replace("us-east-1", "us-west-2"))
    # moto alone replicates with any key and reports the default one
    loose = lenient("secretsmanager")
    loose.create_secret(Name=name, SecretString="v")
    loose.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": "us-west-2", "KmsKeyId": key}])
    assert _replica_status(loose, name)["Status"] == "InSync"


def test_secret_with_replicas_cannot_be_deleted(strict):
    sm = strict("secretsmanager")
    name = f"replica-{uuid.uuid4().hex[:8]}"
    sm.create_secret(Name=name, SecretString="v", AddReplicaRegions=[{"Region": "us-west-2"}])
    with pytest.raises(ClientError, match="replica regions"):
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    sm.remove_regions_from_replication(SecretId=name, RemoveReplicaRegions=["us-west-2"])
    assert sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)["DeletionDate"]
