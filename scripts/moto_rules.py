"""AWS rules the local emulator enforces where moto is lenient (applied by scripts/moto_launcher.py).

Each entry of ``RULES`` is a named rule: a function that patches moto so that a request real AWS
refuses is refused here too, with AWS's error code and message. The launcher applies the rules
selected with ``PLATFORM_LOCAL_RULES`` (``all``, ``none`` or a comma list of names).

Every rule is idempotent: applying it twice (or from two imports of this file) patches moto once.
Each rule's docstring names the AWS rule it enforces and where AWS documents it.
"""

from __future__ import annotations

import fnmatch
import functools
import inspect
import json
import re
from collections.abc import Callable

import moto

RULES: dict[str, Callable[[], None]] = {}

# Rules already applied in this process (kept on the moto package, so that two imports of this
# file under different module names still patch moto once).
_APPLIED: set[str] = moto.__dict__.setdefault("_platform_ops_rules_applied", set())


def rule(name: str):
    """Register ``fn`` as rule ``name``; calling it more than once patches moto once."""

    def register(fn: Callable[[], None]) -> Callable[[], None]:
        @functools.wraps(fn)
        def apply() -> None:
            if name in _APPLIED:
                return
            fn()
            _APPLIED.add(name)

        RULES[name] = apply
        return apply

    return register


def _wrap(owner, attribute: str, make: Callable[[Callable], Callable]) -> None:
    """Replace ``owner.attribute`` by ``make(original)``."""
    original = getattr(owner, attribute)
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    setattr(owner, attribute, wrapper)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _true(value) -> bool:
    return value is True or str(value).lower() == "true"


# --------------------------------------------------------------------------- ElastiCache AUTH token

# Letters, digits and the only special characters ElastiCache accepts in an AUTH token.
ELASTICACHE_AUTH_TOKEN_RE = re.compile(r"[A-Za-z0-9!&#$^<>-]{16,128}")


@rule("elasticache_auth_token")
def elasticache_auth_token() -> None:
    """CreateReplicationGroup / ModifyReplicationGroup / CreateCacheCluster ``AuthToken``.

    AWS (ElastiCache API reference, CreateReplicationGroup ``AuthToken``; user guide "Authenticating
    with the Valkey and Redis OSS AUTH command"): the token must be 16-128 printable ASCII
    characters whose only non-alphanumeric characters are ``! & # $ ^ < > -``; otherwise 400
    ``InvalidParameterValue`` "Invalid AuthToken provided.".  AUTH "can only be enabled for
    encryption in-transit enabled clusters": a token with TransitEncryptionEnabled false/absent is
    refused with 400 ``InvalidParameterValue`` "The AUTH token is only supported when
    encryption-in-transit is enabled".
    """
    from moto.elasticache.exceptions import InvalidParameterValueException  # noqa: PLC0415
    from moto.elasticache.responses import ElastiCacheResponse  # noqa: PLC0415

    def check_token(token) -> None:
        if token is not None and not ELASTICACHE_AUTH_TOKEN_RE.fullmatch(str(token)):
            raise InvalidParameterValueException("Invalid AuthToken provided.")

    def tls_required() -> InvalidParameterValueException:
        return InvalidParameterValueException("The AUTH token is only supported when encryption-in-transit is enabled")

    def creating(original):
        def create(self):
            token = self._get_param("AuthToken")
            check_token(token)
            if token is not None and not self._get_bool_param("TransitEncryptionEnabled"):
                raise tls_required()
            return original(self)

        return create

    def modify_replication_group(original):
        def modify(self):
            token = self._get_param("AuthToken")
            check_token(token)
            if token is not None:
                group = self.elasticache_backend.replication_groups.get(self._get_param("ReplicationGroupId"))
                if group is not None and not group.transit_encryption_enabled:
                    raise tls_required()
            return original(self)

        return modify

    _wrap(ElastiCacheResponse, "create_replication_group", creating)
    _wrap(ElastiCacheResponse, "create_cache_cluster", creating)
    _wrap(ElastiCacheResponse, "modify_replication_group", modify_replication_group)


# --------------------------------------------------------------------------- S3: ACLs disabled

BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
LOGGING_SERVICE = "logging.s3.amazonaws.com"


def _s3_backend(account_id: str):
    from moto.s3.models import s3_backends  # noqa: PLC0415

    return s3_backends[account_id]["global"]


def _ownership(bucket) -> str | None:
    rule_value = getattr(bucket, "ownership_rule", None)
    if isinstance(rule_value, dict):  # tolerate a parsed rule
        rule_value = rule_value.get("ObjectOwnership")
    return rule_value


def _s3_default_ownership() -> None:
    """New buckets get ObjectOwnership BucketOwnerEnforced, as on AWS since April 2023
    (S3 user guide, "Controlling ownership of objects and disabling ACLs": "By default, Object
    Ownership is set to the Bucket owner enforced setting, and all ACLs are disabled").
    moto leaves it unset (GetBucketOwnershipControls answers OwnershipControlsNotFoundError)."""
    if "_s3_default_ownership" in _APPLIED:
        return
    from moto.s3.models import S3Backend  # noqa: PLC0415

    def create_bucket(original):
        def create(self, *args, **kwargs):
            bucket = original(self, *args, **kwargs)
            if getattr(bucket, "ownership_rule", None) is None:
                bucket.ownership_rule = BUCKET_OWNER_ENFORCED
            return bucket

        return create

    _wrap(S3Backend, "create_bucket", create_bucket)
    _APPLIED.add("_s3_default_ownership")


def _grants_others(acl) -> bool:
    """True when an ACL grants anything to anyone but the bucket owner."""
    from moto.s3.models import OWNER  # noqa: PLC0415

    if acl is None:
        return False
    return any(grantee.uri or grantee.id != OWNER for grant in acl.grants for grantee in grant.grantees)


def _policy_statements(document) -> list[dict]:
    if isinstance(document, bytes):
        document = document.decode()
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return []
    return [s for s in _as_list((policy or {}).get("Statement")) if isinstance(s, dict)]


def _principal_services(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        if principal.get("AWS") == "*":
            return ["*"]
        return [str(s) for s in _as_list(principal.get("Service"))]
    return []


def _action_allowed(statement: dict, action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in _as_list(statement.get("Action")))


def _resource_matches(statement: dict, resource: str) -> bool:
    return any(fnmatch.fnmatchcase(resource, str(r)) for r in _as_list(statement.get("Resource")))


def _policy_allows(statements, service: str, actions, resource: str) -> bool:
    """True when Allow statements for principal ``service`` cover every action on ``resource``."""
    covered = set()
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        services = _principal_services(statement)
        if service not in services and "*" not in services:
            continue
        if not _resource_matches(statement, resource):
            continue
        covered.update(a for a in actions if _action_allowed(statement, a))
    return covered == set(actions)


def _s3_error(code: str, message: str, **extra):
    from moto.s3.exceptions import S3ClientError  # noqa: PLC0415

    error = S3ClientError(code, message)
    for key, value in extra.items():
        setattr(error, key, value)
    return error


def _acl_not_supported():
    return _s3_error("AccessControlListNotSupported", "The bucket does not allow ACLs")


@rule("s3_acl_disabled")
def s3_acl_disabled() -> None:
    """Buckets with ObjectOwnership ``BucketOwnerEnforced`` (AWS's default for new buckets) refuse ACLs.

    AWS (S3 user guide, "Troubleshooting" of Object Ownership; PutBucketLogging API reference):
    with ACLs disabled, requests that set an ACL granting anyone but the bucket owner fail with 400
    ``AccessControlListNotSupported`` "The bucket does not allow ACLs" (PutBucketAcl, PutObjectAcl,
    PutObject / CopyObject / CreateMultipartUpload with a canned ACL or ``x-amz-grant-*`` headers);
    only the bucket-owner-full-control ACL (or none) is accepted. CreateBucket with such an ACL and
    BucketOwnerEnforced fails with 400 ``InvalidBucketAclWithObjectOwnership``. PutBucketLogging:
    "If the target bucket for log delivery uses the bucket owner enforced setting ... you can't use
    the Grantee request element" (TargetGrants -> ``AccessControlListNotSupported``), and the
    log-delivery group's ACL cannot grant delivery: the target bucket policy must allow principal
    ``logging.s3.amazonaws.com`` ``s3:PutObject`` on it, else 400 ``InvalidTargetBucketForLogging``.
    Also makes BucketOwnerEnforced the default ownership of new buckets.
    """
    from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging  # noqa: PLC0415
    from moto.s3.models import FakeBucket  # noqa: PLC0415
    from moto.s3.responses import S3Response  # noqa: PLC0415

    _s3_default_ownership()

    def bucket_of(response, name):
        return _s3_backend(response.current_account).buckets.get(name)

    def bucket_put(original):
        def put(self, request, bucket_name, querystring, *args, **kwargs):
            creating = not {k for k in (querystring or {}) if k != "x-id"}
            if creating or "acl" in querystring:
                acl = self._acl_from_headers(request.headers)
                if acl is None and "acl" in querystring and self.body:
                    acl = self._acl_from_body()
                if _grants_others(acl):
                    if creating:
                        ownership = request.headers.get("x-amz-object-ownership") or BUCKET_OWNER_ENFORCED
                        existing = bucket_of(self, bucket_name)
                        if existing is None and ownership == BUCKET_OWNER_ENFORCED:
                            raise _s3_error(
                                "InvalidBucketAclWithObjectOwnership",
                                "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
                            )
                    else:
                        bucket = bucket_of(self, bucket_name)
                        if bucket is not None and _ownership(bucket) == BUCKET_OWNER_ENFORCED:
                            raise _acl_not_supported()
            return original(self, request, bucket_name, querystring, *args, **kwargs)

        return put

    def key_put(original):
        def put(self, query, key_name, *args, **kwargs):
            if not (query.get("uploadId") and query.get("partNumber")):
                bucket = bucket_of(self, self.bucket_name)
                if bucket is not None and _ownership(bucket) == BUCKET_OWNER_ENFORCED:
                    acl = self._acl_from_headers(self.headers)
                    if acl is None and "acl" in query and self.body:
                        acl = self._acl_from_body()
                    if _grants_others(acl):
                        raise _acl_not_supported()
            return original(self, query, key_name, *args, **kwargs)

        return put

    def key_post(original):
        def post(self, request, body, bucket_name, query, key_name, *args, **kwargs):  # noqa: PLR0917 - moto signature
            if "uploads" in query:
                bucket = bucket_of(self, bucket_name)
                if bucket is not None and _ownership(bucket) == BUCKET_OWNER_ENFORCED:
                    if _grants_others(self._acl_from_headers(request.headers)):
                        raise _acl_not_supported()
            return original(self, request, body, bucket_name, query, key_name, *args, **kwargs)

        return post

    def set_logging(original):
        def set_it(self, logging_config, bucket_backend):
            if logging_config:
                target = bucket_backend.buckets.get(logging_config.get("TargetBucket"))
                if target is not None and _ownership(target) == BUCKET_OWNER_ENFORCED:
                    if _as_list(logging_config.get("TargetGrants")):
                        raise _acl_not_supported()
                    prefix = logging_config.get("TargetPrefix") or ""
                    resource = f"arn:{target.partition}:s3:::{target.name}/{prefix}log-object"
                    statements = _policy_statements(target.policy) if target.policy else []
                    if not _policy_allows(statements, LOGGING_SERVICE, ["s3:PutObject"], resource):
                        raise InvalidTargetBucketForLogging(
                            "You must either provide the necessary permissions to the logging service using a "
                            "bucket policy or give the log-delivery group WRITE and READ_ACP permissions to the "
                            "target bucket"
                        )
                    if target.region_name != self.region_name:
                        raise CrossLocationLoggingProhibited()
                    self.logging = logging_config
                    return None
            return original(self, logging_config, bucket_backend)

        return set_it

    _wrap(S3Response, "_bucket_response_put", bucket_put)
    _wrap(S3Response, "_key_response_put", key_put)
    _wrap(S3Response, "_key_response_post", key_post)
    _wrap(FakeBucket, "set_logging", set_logging)


# --------------------------------------------------------------------------- CloudFront logging


def _logging_bucket_name(domain: str) -> str:
    """``logs.s3.amazonaws.com`` / ``logs.s3.us-east-1.amazonaws.com`` -> ``logs``."""
    return domain.split(".s3.", 1)[0] if ".s3." in domain else domain.split(".s3-", 1)[0]


def _config_of(distribution_config):
    """The distribution config as a dict (moto hands its parsed request dict to the backend)."""
    return distribution_config if isinstance(distribution_config, dict) else {}


@rule("cloudfront_logging_acl")
def cloudfront_logging_acl() -> None:
    """CreateDistribution / UpdateDistribution with standard logging into a bucket without ACLs.

    AWS (CloudFront developer guide, "Standard logging (legacy)": "the S3 bucket for your log files
    must have ACL access enabled ... buckets created since April 2023 have ACLs disabled"):
    ``Logging.Enabled`` true into a bucket whose ObjectOwnership is BucketOwnerEnforced fails with
    400 ``InvalidArgument`` "The S3 bucket that you specified for CloudFront logs does not enable
    ACL access: <bucket>.s3.amazonaws.com"; a bucket that does not exist fails with
    ``InvalidArgument`` "The parameter Logging Bucket does not refer to a valid S3 bucket.".
    """
    from moto.cloudfront.exceptions import CloudFrontException  # noqa: PLC0415
    from moto.cloudfront.models import CloudFrontBackend  # noqa: PLC0415

    _s3_default_ownership()

    def check(backend, distribution_config) -> None:
        logging = _config_of(distribution_config).get("Logging") or {}
        if not _true(logging.get("Enabled")):
            return
        domain = str(logging.get("Bucket") or "")
        bucket = _s3_backend(backend.account_id).buckets.get(_logging_bucket_name(domain))
        if bucket is None:
            raise CloudFrontException(
                "InvalidArgument", "The parameter Logging Bucket does not refer to a valid S3 bucket."
            )
        if _ownership(bucket) == BUCKET_OWNER_ENFORCED:
            raise CloudFrontException(
                "InvalidArgument",
                f"The S3 bucket that you specified for CloudFront logs does not enable ACL access: {domain}",
            )

    def create(original):
        def create_distribution_with_tags(self, distribution_config, tags, *args, **kwargs):
            check(self, distribution_config)
            return original(self, distribution_config, tags, *args, **kwargs)

        return create_distribution_with_tags

    def update(original):
        def update_distribution(self, dist_config, _id, if_match, *args, **kwargs):
            check(self, dist_config)
            return original(self, dist_config, _id, if_match, *args, **kwargs)

        return update_distribution

    _wrap(CloudFrontBackend, "create_distribution_with_tags", create)
    _wrap(CloudFrontBackend, "update_distribution", update)


# --------------------------------------------------------------------------- OpenSearch log publishing

ES_SERVICE = "es.amazonaws.com"


@rule("opensearch_log_policy")
def opensearch_log_policy() -> None:
    """CreateDomain / UpdateDomainConfig (and the Elasticsearch-named operations) with log publishing.

    AWS (OpenSearch Service developer guide, "Monitoring OpenSearch logs with Amazon CloudWatch
    Logs"): publishing needs a CloudWatch Logs resource policy (in the domain's region) that lets
    principal ``es.amazonaws.com`` ``logs:PutLogEvents`` and ``logs:CreateLogStream`` on the log
    group (``arn:...:log-group:<name>:*``); otherwise 400 ``ValidationException`` "The Resource
    Access Policy specified for the CloudWatch Logs log group <name> does not grant sufficient
    permissions for Amazon OpenSearch Service to create a log stream. Please check the Resource
    Access Policy."
    """
    from moto.core.exceptions import JsonRESTError  # noqa: PLC0415
    from moto.logs.models import logs_backends  # noqa: PLC0415
    from moto.opensearch.models import OpenSearchServiceBackend  # noqa: PLC0415

    def check(backend, options) -> None:
        if not isinstance(options, dict):
            return
        statements = None
        for option in options.values():
            if not isinstance(option, dict) or not _true(option.get("Enabled")):
                continue
            group_arn = str(option.get("CloudWatchLogsLogGroupArn") or "")
            if group_arn.endswith(":*"):
                group_arn = group_arn[:-2]
            name = group_arn.split(":log-group:", 1)[-1]
            if statements is None:
                policies = logs_backends[backend.account_id][backend.region_name].resource_policies.values()
                statements = [s for p in policies for s in _policy_statements(p.policy_document)]
            stream = f"{group_arn}:log-stream:{backend.region_name}-domain-log-stream"
            if not _policy_allows(statements, ES_SERVICE, ["logs:PutLogEvents", "logs:CreateLogStream"], stream):
                raise JsonRESTError(
                    "ValidationException",
                    f"The Resource Access Policy specified for the CloudWatch Logs log group {name} does not"
                    " grant sufficient permissions for Amazon OpenSearch Service to create a log stream."
                    " Please check the Resource Access Policy.",
                )

    def create(original):
        def create_domain(self, *args, **kwargs):
            check(self, kwargs.get("log_publishing_options"))
            return original(self, *args, **kwargs)

        return create_domain

    def update(original):
        def update_domain_config(self, *args, **kwargs):
            check(self, kwargs.get("log_publishing_options"))
            return original(self, *args, **kwargs)

        return update_domain_config

    _wrap(OpenSearchServiceBackend, "create_domain", create)
    _wrap(OpenSearchServiceBackend, "update_domain_config", update)


# --------------------------------------------------------------------------- RDS engine versions

# PostgreSQL versions RDS lets you create (as of late 2026): major -> creatable minors, oldest first.
# Minors that RDS deprecated (e.g. 16.4 and older) are not creatable any more.
POSTGRES_VERSIONS: dict[str, list[str]] = {
    "13": ["13.20", "13.21", "13.22"],
    "14": ["14.17", "14.18", "14.19"],
    "15": ["15.12", "15.13", "15.14"],
    "16": ["16.6", "16.8", "16.9", "16.10"],
    "17": ["17.4", "17.5", "17.6"],
}
# The minor RDS picks when CreateDBInstance names only a major (EngineVersion "16").
POSTGRES_DEFAULTS: dict[str, str] = {"13": "13.20", "14": "14.17", "15": "15.12", "16": "16.6", "17": "17.4"}
POSTGRES_DEFAULT_MAJOR = "17"


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def resolve_postgres_version(version: str | None) -> str | None:
    """The full version RDS creates for ``version``; None when RDS cannot find it."""
    if version is None or version == "":
        return POSTGRES_DEFAULTS[POSTGRES_DEFAULT_MAJOR]
    version = str(version)
    if version in POSTGRES_DEFAULTS:
        return POSTGRES_DEFAULTS[version]
    major = version.split(".")[0]
    return version if version in POSTGRES_VERSIONS.get(major, []) else None


def _engine_version_entries(engine_version: str | None, default_only: bool, family: str | None) -> list[dict]:
    entries = []
    for major, versions in POSTGRES_VERSIONS.items():
        for version in versions:
            if engine_version and engine_version not in (version, major):
                continue
            if default_only and version != POSTGRES_DEFAULTS[major]:
                continue
            if family and family != f"postgres{major}":
                continue
            targets = [
                {"Engine": "postgres", "EngineVersion": v, "IsMajorVersionUpgrade": False, "AutoUpgrade": False}
                for v in versions
                if _version_key(v) > _version_key(version)
            ] + [
                {
                    "Engine": "postgres",
                    "EngineVersion": POSTGRES_DEFAULTS[m],
                    "IsMajorVersionUpgrade": True,
                    "AutoUpgrade": False,
                }
                for m in POSTGRES_VERSIONS
                if int(m) > int(major)
            ]
            entries.append(
                {
                    "Engine": "postgres",
                    "EngineVersion": version,
                    "MajorEngineVersion": major,
                    "DBParameterGroupFamily": f"postgres{major}",
                    "DBEngineDescription": "PostgreSQL",
                    "DBEngineVersionDescription": f"PostgreSQL {version}-R1",
                    "Status": "available",
                    "ValidUpgradeTarget": targets,
                    "SupportsReadReplica": True,
                    "SupportsLogExportsToCloudwatchLogs": True,
                    "ExportableLogTypes": ["postgresql", "upgrade"],
                    "SupportsParallelQuery": False,
                    "SupportsGlobalDatabases": False,
                }
            )
    return entries


@rule("rds_engine_versions")
def rds_engine_versions() -> None:
    """CreateDBInstance / CreateDBInstanceReadReplica / ModifyDBInstance ``EngineVersion`` for postgres.

    AWS (RDS user guide, "Supported PostgreSQL versions" and the release calendar): only current
    minors can be created; a major alone (``"16"``) makes RDS pick the default minor, which
    DescribeDBInstances then reports (``16.6``). Any other version fails with 400
    ``InvalidParameterCombination`` "Cannot find version 16.4 for postgres"; ModifyDBInstance to an
    older version fails with "Cannot upgrade postgres from 16.8 to 16.6". DescribeDBEngineVersions
    (moto does not implement it) answers from the same table: ``EngineVersion`` may be a full
    version or a major, ``DefaultOnly`` gives the default minor, unknown versions give an empty list.
    """
    from moto.rds.exceptions import InvalidParameterCombination  # noqa: PLC0415
    from moto.rds.models import RDSBackend  # noqa: PLC0415
    from moto.rds.responses import RDSResponse  # noqa: PLC0415

    def resolved(version) -> str:
        full = resolve_postgres_version(version)
        if full is None:
            raise InvalidParameterCombination(f"Cannot find version {version} for postgres")
        return full

    def create(original):
        def create_db_instance(self, db_kwargs, *args, **kwargs):
            if str(db_kwargs.get("engine") or "").lower() == "postgres" and not db_kwargs.get("db_cluster_identifier"):
                db_kwargs["engine_version"] = resolved(db_kwargs.get("engine_version"))
            return original(self, db_kwargs, *args, **kwargs)

        return create_db_instance

    def replica(original):
        def create_db_instance_read_replica(self, db_kwargs, *args, **kwargs):
            if db_kwargs.get("engine_version"):
                source = self.find_db_from_id(db_kwargs["source_db_instance_identifier"])
                if str(getattr(source, "engine", "")).lower() == "postgres":
                    db_kwargs["engine_version"] = resolved(db_kwargs["engine_version"])
            return original(self, db_kwargs, *args, **kwargs)

        return create_db_instance_read_replica

    def modify(original):
        def modify_db_instance(self, db_instance_identifier, db_kwargs, *args, **kwargs):
            wanted = db_kwargs.get("engine_version")
            if wanted:
                database = self.describe_db_instances(db_instance_identifier)[0]
                if str(database.engine).lower() == "postgres":
                    current = str(database.engine_version)
                    if str(wanted) == current.split(".", maxsplit=1)[0]:
                        full = current  # the major it already runs: nothing to change
                    else:
                        full = resolved(wanted)
                    if _version_key(full) < _version_key(current):
                        raise InvalidParameterCombination(f"Cannot upgrade postgres from {current} to {full}")
                    db_kwargs["engine_version"] = full
            return original(self, db_instance_identifier, db_kwargs, *args, **kwargs)

        return modify_db_instance

    def describe_db_engine_versions(self):
        from moto.core.responses import ActionResult  # noqa: PLC0415

        engine = self._get_param("Engine")
        entries = []
        if engine in (None, "", "postgres"):
            entries = _engine_version_entries(
                self._get_param("EngineVersion"),
                _true(self._get_param("DefaultOnly")),
                self._get_param("DBParameterGroupFamily"),
            )
        return ActionResult({"DBEngineVersions": entries})

    _wrap(RDSBackend, "create_db_instance", create)
    _wrap(RDSBackend, "create_db_instance_read_replica", replica)
    _wrap(RDSBackend, "modify_db_instance", modify)
    RDSResponse.describe_db_engine_versions = describe_db_engine_versions


@rule("rds_storage_never_shrinks")
def rds_storage_never_shrinks() -> None:
    """ModifyDBInstance ``AllocatedStorage`` below what the instance has.

    AWS (RDS user guide, "Increasing DB instance storage capacity" and "Managing capacity automatically
    with Amazon RDS storage autoscaling"): storage can only grow, and storage autoscaling grows
    ``AllocatedStorage`` on its own up to ``MaxAllocatedStorage``. A smaller size is refused with 400
    ``InvalidParameterCombination`` "Invalid storage size for engine name postgres and storage type gp3: 20"
    (the size asked for; cloudformation-coverage-roadmap#430, aws-cloudformation-resource-providers-rds#598).
    moto applies any size.
    """
    from moto.rds.exceptions import InvalidParameterCombination  # noqa: PLC0415
    from moto.rds.models import RDSBackend  # noqa: PLC0415

    def modify(original):
        def modify_db_instance(self, db_instance_identifier, db_kwargs, *args, **kwargs):
            wanted = db_kwargs.get("allocated_storage")
            if wanted not in (None, ""):
                database = self.describe_db_instances(db_instance_identifier)[0]
                current = int(getattr(database, "allocated_storage", 0) or 0)
                if int(wanted) < current:
                    raise InvalidParameterCombination(
                        f"Invalid storage size for engine name {database.engine} and storage type "
                        f"{getattr(database, 'storage_type', None) or 'gp2'}: {int(wanted)}"
                    )
            return original(self, db_instance_identifier, db_kwargs, *args, **kwargs)

        return modify_db_instance

    _wrap(RDSBackend, "modify_db_instance", modify)


# --------------------------------------------------------------------------- RDS point-in-time restore


def _utc(value):
    """A datetime (naive = UTC) or an ISO 8601 string -> an aware UTC datetime; None stays None."""
    import datetime  # noqa: PLC0415

    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


@rule("rds_point_in_time_restore")
def rds_point_in_time_restore() -> None:
    """RestoreDBInstanceToPointInTime within the source's restorable window only.

    AWS (RDS API reference, RestoreDBInstanceToPointInTime; user guide "Restoring a DB instance to a
    specified time"): the source needs automated backups - a BackupRetentionPeriod of 0 fails with
    400 ``PointInTimeRestoreNotEnabled`` "SourceDBInstanceIdentifier refers to a DB instance with
    BackupRetentionPeriod equal to 0."; ``RestoreTime`` must lie within the restore window of the
    instance's automated backups (DescribeDBInstanceAutomatedBackups ``RestoreWindow``: at most the
    retention period back from ``LatestRestorableTime``, never before the instance was created), else
    400 ``InvalidRestoreFault`` (AWS does not document the text; this one names the window); it cannot
    be combined with ``UseLatestRestorableTime`` (400 ``InvalidParameterCombination``), and one of the
    two is required. moto accepts any time, without backups too.
    """
    from moto.rds.exceptions import InvalidParameterCombination, RDSClientError  # noqa: PLC0415
    from moto.rds.models import RDSBackend  # noqa: PLC0415

    def window_start(source):
        """The start of the restore window: the retention period back from the latest time, not before creation."""
        import datetime  # noqa: PLC0415

        newest = _utc(source.latest_restorable_time)
        return max(_utc(source.created), newest - datetime.timedelta(days=int(source.backup_retention_period)))

    def restore(original):
        def restore_db_instance_to_point_in_time(self, source_db_identifier, target_db_identifier, overrides, *a, **kw):
            source = self.describe_db_instances(db_instance_identifier=source_db_identifier)[0]
            restore_time = _utc(overrides.get("restore_time"))
            latest = _true(overrides.get("use_latest_restorable_time"))
            if restore_time is not None and latest:
                raise InvalidParameterCombination("Cannot specify both RestoreTime and UseLatestRestorableTime")
            if restore_time is None and not latest:
                raise InvalidParameterCombination("Either RestoreTime or UseLatestRestorableTime must be specified")
            if not int(source.backup_retention_period or 0):
                raise RDSClientError(
                    "PointInTimeRestoreNotEnabled",
                    "SourceDBInstanceIdentifier refers to a DB instance with BackupRetentionPeriod equal to 0.",
                )
            if restore_time is not None:
                earliest, newest = window_start(source), _utc(source.latest_restorable_time)
                if restore_time < earliest or restore_time > newest:
                    raise RDSClientError(
                        "InvalidRestoreFault",
                        f"Restore time {restore_time.isoformat()} is not within the restorable window of "
                        f"{source_db_identifier}: {earliest.isoformat()} to {newest.isoformat()}.",
                    )
            return original(self, source_db_identifier, target_db_identifier, overrides, *a, **kw)

        return restore_db_instance_to_point_in_time

    _wrap(RDSBackend, "restore_db_instance_to_point_in_time", restore)


# --------------------------------------------------------------------------- Secrets Manager ARNs

_SECRET_ARN_RE = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[^:]*:[^:]*:secret:(?P<name>.+)$")
_RANDOM_SUFFIX_RE = re.compile(r"-[A-Za-z0-9]{6}$")


@rule("secrets_partial_arn")
def secrets_partial_arn() -> None:
    """Secrets Manager resolves a ``SecretId`` given as an ARN like AWS.

    AWS (Secrets Manager API reference, ``SecretId``: "For an ARN, we recommend that you specify a
    complete ARN rather than a partial ARN"; user guide "Troubleshooting": a partial ARN whose name
    ends with a hyphen and six characters is taken for a complete ARN): a complete ARN (name, ``-``
    and six random characters) must match a secret's ARN exactly; a partial ARN (no suffix) is
    resolved by name, except when the name itself ends in ``-`` plus six characters (for example
    ``.../caseapp-prod/jwt-secret``): AWS then reads it as a complete ARN and answers 400
    ``ResourceNotFoundException`` "Secrets Manager can't find the specified secret.". moto resolves
    any ARN by its last component. Applies to every operation that looks a secret up by SecretId
    (GetSecretValue, DescribeSecret, PutSecretValue, UpdateSecret, TagResource, DeleteSecret,
    Get/PutResourcePolicy, ...), since they all go through the one store.
    """
    from moto.secretsmanager.models import SecretsStore  # noqa: PLC0415

    def find(store, key):
        """(found, secret) for an ARN key; None when the key is not an ARN (moto's own lookup)."""
        match = _SECRET_ARN_RE.match(str(key))
        if not match:
            return None
        for secret in dict.values(store):
            if secret.arn == key:
                return True, secret
        name = match.group("name")
        if _RANDOM_SUFFIX_RE.search(name):
            return False, None  # a complete ARN that matches no secret
        secret = dict.get(store, name)
        return (secret is not None), secret

    def getitem(original):
        def __getitem__(self, key):
            found = find(self, key)
            if found is None:
                return original(self, key)
            if not found[0]:
                raise KeyError(key)
            return found[1]

        return __getitem__

    def contains(original):
        def __contains__(self, key):
            found = find(self, key)
            return original(self, key) if found is None else found[0]

        return __contains__

    def get(original):
        def get_secret(self, key, *args):
            found = find(self, key)
            if found is None:
                return original(self, key, *args)
            return found[1] if found[0] else (args[0] if args else None)

        return get_secret

    def pop(original):
        def pop_secret(self, key, *args):
            found = find(self, key)
            if found is None:
                return original(self, key, *args)
            if not found[0]:
                return None
            return original(self, found[1].name)

        return pop_secret

    _wrap(SecretsStore, "__getitem__", getitem)
    _wrap(SecretsStore, "__contains__", contains)
    _wrap(SecretsStore, "get", get)
    _wrap(SecretsStore, "pop", pop)


# --------------------------------------------------------------------------- ACM certificates in use

_VIEWER_CERTIFICATE_MESSAGE = (
    "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't"
    " include a valid certificate chain."
)


def _acm_status(account_id: str, region: str, arn: str) -> str | None:
    """Status of an ACM certificate (None when that region's ACM does not have it)."""
    from moto.acm.models import CertificateNotFound, acm_backends  # noqa: PLC0415

    try:
        return acm_backends[account_id][region].get_certificate(arn).status
    except (CertificateNotFound, KeyError):
        return None


@rule("acm_certificates")
def acm_certificates() -> None:
    """Certificates used by load balancer listeners and CloudFront must exist in ACM and be issued.

    AWS (ELBv2 API reference, CreateListener / ModifyListener / AddListenerCertificates errors;
    ACM user guide, "Services integrated with ACM": a certificate must be ``ISSUED`` and in the
    load balancer's region): an ACM ARN that is not in that region's ACM or not ISSUED (e.g. still
    PENDING_VALIDATION) fails with 400 ``CertificateNotFound`` "Certificate '<arn>' not found".
    CloudFront (developer guide, "Requirements for using SSL/TLS certificates with CloudFront": the
    certificate must be requested or imported in US East (N. Virginia)): a ViewerCertificate
    ``ACMCertificateArn`` outside us-east-1, unknown or not ISSUED fails with 400
    ``InvalidViewerCertificate`` "The specified SSL certificate doesn't exist, isn't in us-east-1
    region, isn't valid, or doesn't include a valid certificate chain."
    """
    from moto.cloudfront.exceptions import CloudFrontException  # noqa: PLC0415
    from moto.cloudfront.models import CloudFrontBackend  # noqa: PLC0415
    from moto.elbv2.exceptions import ELBClientError  # noqa: PLC0415
    from moto.elbv2.models import ELBv2Backend  # noqa: PLC0415

    def check_listener_certificate(backend, arn) -> None:
        if not arn or ":acm:" not in str(arn):
            return  # IAM server certificates: moto's own check
        region = str(arn).split(":")[3]
        status = _acm_status(backend.account_id, backend.region_name, arn) if region == backend.region_name else None
        if status != "ISSUED":
            raise ELBClientError("CertificateNotFound", f"Certificate '{arn}' not found")

    def create_listener(original):
        def create(self, *args, **kwargs):
            check_listener_certificate(self, kwargs.get("certificate"))
            return original(self, *args, **kwargs)

        return create

    def modify_listener(original):
        def modify(self, arn, port=None, protocol=None, ssl_policy=None, certificates=None, actions=None):  # noqa: PLR0917
            for certificate in certificates or []:
                check_listener_certificate(self, certificate.get("CertificateArn"))
            return original(self, arn, port, protocol, ssl_policy, certificates, actions)

        return modify

    def add_listener_certificates(original):
        def add(self, arn, certificates, *args, **kwargs):
            for certificate in certificates or []:
                check_listener_certificate(self, certificate.get("CertificateArn"))
            return original(self, arn, certificates, *args, **kwargs)

        return add

    def check_viewer_certificate(backend, distribution_config) -> None:
        viewer = _config_of(distribution_config).get("ViewerCertificate") or {}
        if not isinstance(viewer, dict):
            return
        arn = viewer.get("ACMCertificateArn")
        if not arn:
            return
        parts = str(arn).split(":")
        region = parts[3] if len(parts) > 3 else ""
        if region != "us-east-1" or _acm_status(backend.account_id, "us-east-1", arn) != "ISSUED":
            raise CloudFrontException("InvalidViewerCertificate", _VIEWER_CERTIFICATE_MESSAGE)

    def create_distribution(original):
        def create(self, distribution_config, tags, *args, **kwargs):
            check_viewer_certificate(self, distribution_config)
            return original(self, distribution_config, tags, *args, **kwargs)

        return create

    def update_distribution(original):
        def update(self, dist_config, _id, if_match, *args, **kwargs):
            check_viewer_certificate(self, dist_config)
            return original(self, dist_config, _id, if_match, *args, **kwargs)

        return update

    _wrap(ELBv2Backend, "create_listener", create_listener)
    _wrap(ELBv2Backend, "modify_listener", modify_listener)
    _wrap(ELBv2Backend, "add_listener_certificates", add_listener_certificates)
    _wrap(CloudFrontBackend, "create_distribution_with_tags", create_distribution)
    _wrap(CloudFrontBackend, "update_distribution", update_distribution)


# --------------------------------------------------------------------------- WAFv2 logging destinations

WAF_LOG_DESTINATION_PREFIX = "aws-waf-logs-"
WAF_INVALID_ARN = (
    "Error reason: The ARN isn't valid. A valid ARN begins with arn: and includes other information separated by"
    " colons or slashes., field: LOG_DESTINATION, parameter: {arn}"
)
WAF_DESTINATION_RE = re.compile(
    r"^arn:aws[a-z-]*:(?:logs:[a-z0-9-]+:\d{12}:log-group:(?P<group>[^:*]+)"
    r"|s3:::(?P<bucket>[a-z0-9.-]+)(?:/.*)?"
    r"|firehose:[a-z0-9-]+:\d{12}:deliverystream/(?P<stream>[\w.-]+))$"
)
WAF_REDACTABLE = {"SingleHeader", "UriPath", "QueryString", "Method"}


@rule("wafv2_logging_destination")
def wafv2_logging_destination() -> None:
    """PutLoggingConfiguration: the web ACL must exist and the one destination must be an ``aws-waf-logs-*`` ARN.

    AWS (WAF developer guide "Logging web ACL traffic": destinations are a CloudWatch Logs log group, an
    S3 bucket or a Firehose stream whose name starts with ``aws-waf-logs-``; PutLoggingConfiguration API
    reference: ``LogDestinationConfigs`` holds exactly 1 item, ``RedactedFields`` only SingleHeader, UriPath,
    QueryString and Method): a log group ARN with the trailing ``:*`` (as DescribeLogGroups and
    CloudFormation give it) or a name without the prefix is refused with 400 ``WAFInvalidParameterException``
    "The ARN isn't valid ..., field: LOG_DESTINATION" (terraform-provider-aws #32262 and the threads it cites);
    a web ACL that does not exist with ``WAFNonexistentItemException``. moto 5.2 stores anything.
    """
    from moto.core.exceptions import JsonRESTError  # noqa: PLC0415
    from moto.wafv2.exceptions import WAFNonexistentItemException  # noqa: PLC0415
    from moto.wafv2.responses import WAFV2Response  # noqa: PLC0415

    def invalid(message: str) -> JsonRESTError:
        error = JsonRESTError("WAFInvalidParameterException", message)
        error.code = 400
        return error

    def put_logging_configuration(original):
        def put(self):
            config = json.loads(self.body or "{}").get("LoggingConfiguration") or {}
            destinations = config.get("LogDestinationConfigs") or []
            if len(destinations) != 1:
                raise invalid(
                    "Error reason: You have exceeded the maximum number of items allowed, "
                    "field: LOG_DESTINATION, parameter: " + json.dumps(destinations)
                )
            found = WAF_DESTINATION_RE.match(destinations[0])
            name = found and (found["group"] or found["bucket"] or found["stream"])
            if not name or not name.startswith(WAF_LOG_DESTINATION_PREFIX):
                raise invalid(WAF_INVALID_ARN.format(arn=destinations[0]))
            for field in config.get("RedactedFields") or []:
                if not set(field) <= WAF_REDACTABLE:
                    raise invalid(
                        "Error reason: The parameter contains formatting that isn't valid., "
                        f"field: REDACTED_FIELD, parameter: {json.dumps(field)}"
                    )
            if config.get("ResourceArn") not in self.wafv2_backend.wacls:
                raise WAFNonexistentItemException()
            return original(self)

        return put

    _wrap(WAFV2Response, "put_logging_configuration", put_logging_configuration)


# CloudWatch Logs API reference, PutRetentionPolicy ``retentionInDays``: "Possible values are".
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@rule("logs_retention_values")
def logs_retention_values() -> None:
    """PutRetentionPolicy accepts only the retention periods AWS lists.

    AWS (CloudWatch Logs API reference, PutRetentionPolicy: "Possible values are: 1, 3, 5, 7, 14, 30, 60,
    90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653"): any other
    value fails with 400 ``InvalidParameterException`` "1 validation error detected: Value 'N' at
    'retentionInDays' failed to satisfy constraint". moto 5.2 stores any number.
    """
    from moto.logs.exceptions import InvalidParameterException  # noqa: PLC0415
    from moto.logs.models import LogsBackend  # noqa: PLC0415

    def put_retention_policy(original):
        def put(self, log_group_name, retention_in_days, *args, **kwargs):
            if retention_in_days is not None and int(retention_in_days) not in LOG_RETENTION_DAYS:
                raise InvalidParameterException(
                    f"1 validation error detected: Value '{retention_in_days}' at 'retentionInDays' failed to "
                    f"satisfy constraint: Member must satisfy enum value set: {list(LOG_RETENTION_DAYS)}"
                )
            return original(self, log_group_name, retention_in_days, *args, **kwargs)

        return put

    _wrap(LogsBackend, "put_retention_policy", put_retention_policy)


# --------------------------------------------------------------------------- CloudTrail delivery policies

CLOUDTRAIL_SERVICE = "cloudtrail.amazonaws.com"
_CONDITION_MATCH = {
    "StringEquals": lambda value, pattern: value == pattern,
    "ArnEquals": lambda value, pattern: value == pattern,
    "StringLike": fnmatch.fnmatchcase,
    "ArnLike": fnmatch.fnmatchcase,
}


def _conditions_hold(statement: dict, context: dict) -> bool:
    """True when every condition of ``statement`` on a key of ``context`` matches it (other keys are ignored)."""
    for operator, tests in (statement.get("Condition") or {}).items():
        match = _CONDITION_MATCH.get(operator)
        if match is None or not isinstance(tests, dict):
            continue
        for key, patterns in tests.items():
            known = {k.lower(): v for k, v in context.items()}
            if key.lower() not in known:
                continue
            if not any(match(known[key.lower()], str(p)) for p in _as_list(patterns)):
                return False
    return True


def _granted(statements, action: str, resource: str, context: dict) -> bool:
    """True when an Allow statement for CloudTrail grants ``action`` on ``resource`` in ``context``."""
    return any(
        statement.get("Effect") == "Allow"
        and (CLOUDTRAIL_SERVICE in _principal_services(statement) or "*" in _principal_services(statement))
        and _action_allowed(statement, action)
        and _resource_matches(statement, resource)
        and _conditions_hold(statement, context)
        for statement in statements
    )


@rule("cloudtrail_delivery_policies")
def cloudtrail_delivery_policies() -> None:
    """CreateTrail / UpdateTrail check that CloudTrail can deliver before they accept the trail.

    AWS (CloudTrail user guide, "Amazon S3 bucket policy for CloudTrail" and "Configure AWS KMS key
    policies for CloudTrail"; CreateTrail API reference): the bucket policy must let
    ``cloudtrail.amazonaws.com`` ``s3:GetBucketAcl`` on the bucket and ``s3:PutObject`` under
    ``[prefix/]AWSLogs/<account>/`` (with ``s3:x-amz-acl`` bucket-owner-full-control; an
    ``aws:SourceArn`` condition must name the trail), otherwise 400 ``InsufficientS3BucketPolicyException``
    "Incorrect S3 bucket policy is detected for bucket: <bucket>"; with ``KmsKeyId`` the key policy must
    let CloudTrail ``kms:GenerateDataKey*`` (its ``aws:SourceArn`` and
    ``kms:EncryptionContext:aws:cloudtrail:arn`` conditions matching the trail), otherwise 400
    ``InsufficientEncryptionPolicyException`` "Insufficient permissions to access S3 bucket <bucket> or
    KMS key <key ARN>." (the message terraform and CDK users quote, e.g. aws/aws-cdk#23391).
    """
    from moto.cloudtrail.models import CloudTrailBackend  # noqa: PLC0415
    from moto.core.exceptions import JsonRESTError  # noqa: PLC0415
    from moto.kms.models import kms_backends  # noqa: PLC0415

    def check(backend, name: str, bucket_name: str | None, prefix: str | None, kms_key_id: str | None) -> None:
        account, region = backend.account_id, backend.region_name
        trail_arn = f"arn:aws:cloudtrail:{region}:{account}:trail/{name}"
        context = {"aws:SourceArn": trail_arn, "aws:SourceAccount": account}
        bucket = _s3_backend(account).buckets.get(bucket_name or "")
        if bucket is not None:
            statements = _policy_statements(bucket.policy) if bucket.policy else []
            objects = f"arn:aws:s3:::{bucket_name}/{(prefix + '/') if prefix else ''}AWSLogs/{account}/"
            put_context = dict(context, **{"s3:x-amz-acl": "bucket-owner-full-control"})
            if not (
                _granted(statements, "s3:GetBucketAcl", f"arn:aws:s3:::{bucket_name}", context)
                and _granted(statements, "s3:PutObject", objects + "CloudTrail/x.json.gz", put_context)
            ):
                raise JsonRESTError(
                    "InsufficientS3BucketPolicyException",
                    f"Incorrect S3 bucket policy is detected for bucket: {bucket_name}",
                )
        if kms_key_id:
            kms = kms_backends[account][region]
            try:
                key = kms.describe_key(kms_key_id)
            except Exception:  # noqa: BLE001 - an unknown key is moto's own answer, not this rule's
                return
            kms_context = dict(context, **{"kms:EncryptionContext:aws:cloudtrail:arn": trail_arn})
            if not _granted(_policy_statements(key.policy), "kms:GenerateDataKey", key.arn, kms_context) and not (
                _granted(_policy_statements(key.policy), "kms:GenerateDataKey", "*", kms_context)
            ):
                raise JsonRESTError(
                    "InsufficientEncryptionPolicyException",
                    f"Insufficient permissions to access S3 bucket {bucket_name} or KMS key {key.arn}.",
                )

    def create(original):
        signature = inspect.signature(original)

        def create_trail(self, *args, **kwargs):
            call = signature.bind(self, *args, **kwargs).arguments
            check(self, call["name"], call["bucket_name"], call["s3_key_prefix"], call.get("kms_key_id"))
            return original(self, *args, **kwargs)

        return create_trail

    def update(original):
        signature = inspect.signature(original)

        def update_trail(self, *args, **kwargs):
            call = signature.bind(self, *args, **kwargs).arguments
            trail = self.get_trail(name_or_arn=call["name"])
            check(
                self,
                trail.trail_name,
                call.get("s3_bucket_name") or trail.bucket_name,
                call.get("s3_key_prefix") if call.get("s3_bucket_name") else trail.s3_key_prefix,
                call.get("kms_key_id") or trail.kms_key_id,
            )
            return original(self, *args, **kwargs)

        return update_trail

    _wrap(CloudTrailBackend, "create_trail", create)
    _wrap(CloudTrailBackend, "update_trail", update)


@rule("elbv2_access_logs_region")
def elbv2_access_logs_region() -> None:
    """ModifyLoadBalancerAttributes: an ALB delivers its access logs to an existing bucket in its own region only.

    AWS (ELB user guide "Access logs for your Application Load Balancer", bucket requirements: "The bucket
    must be located in the same Region as the load balancer"): enabling ``access_logs.s3`` with a bucket
    in another region (or none) is refused with 400 ``InvalidConfigurationRequest`` (hashicorp/terraform
    #12010: "S3Bucket: <bucket> is not located in the same region with ELB"). moto 5.2 stores any name.
    """
    from moto.elbv2.exceptions import ELBClientError  # noqa: PLC0415
    from moto.elbv2.models import ELBv2Backend  # noqa: PLC0415

    def modify(original):
        def modify_load_balancer_attributes(self, arn, attrs):
            enabled = _true(attrs.get("access_logs.s3.enabled", ""))
            name = attrs.get("access_logs.s3.bucket") or ""
            if enabled and arn in self.load_balancers:
                bucket = _s3_backend(self.account_id).buckets.get(name)
                if bucket is None or (bucket.region_name or "us-east-1") != self.region_name:
                    raise ELBClientError(
                        "InvalidConfigurationRequest",
                        f"S3Bucket: {name} is not located in the same region with the load balancer "
                        f"({self.region_name})"
                        if bucket is not None
                        else f"The bucket {name!r} does not exist",
                    )
            return original(self, arn, attrs)

        return modify_load_balancer_attributes

    _wrap(ELBv2Backend, "modify_load_balancer_attributes", modify)


# --------------------------------------------------------------------------- Route 53 record sets


def _rrset_key(record_set: dict) -> tuple[str, str, str]:
    name = str(record_set.get("Name", "")).lower().rstrip(".") + "."
    return name, str(record_set.get("Type")), str(record_set.get("SetIdentifier") or "")


def _rrset_label(key: tuple[str, str, str]) -> str:
    name, record_type, identifier = key
    label = f"[name='{name}', type='{record_type}'"
    return label + (f", set-identifier='{identifier}']" if identifier else "]")


@rule("route53_record_sets")
def route53_record_sets() -> None:
    """ChangeResourceRecordSets: routing-policy record sets never share a name and type with a simple one;
    DELETE names an existing record set, CREATE a missing one.

    AWS (Route 53 developer guide, "Choosing a routing policy" / "Values specific for failover
    records": records with a routing policy and a simple record cannot have the same name and type;
    ChangeResourceRecordSets API reference): the whole batch is one transaction validated on its result
    (a simple record can be replaced by failover records by DELETE + CREATE in one batch); otherwise
    400 ``InvalidChangeBatch`` "RRSet with DNS name app.example.org., type A cannot be created as other
    RRSets exist with the same name and type." (a simple record added beside routing-policy ones) or
    "RRSet with DNS name app.example.org., type A, SetIdentifier primary cannot be created as a
    non-failover set exists with the same name and type." (the reverse); a DELETE of a missing set:
    "Tried to delete resource record set [name='app.example.org.', type='A'] but it was not found";
    a CREATE of an existing one: "Tried to create resource record set [name='app.example.org.',
    type='A'] but it already exists". moto accepts all four (and its DELETE without a set identifier
    removes every record set of that name and type).
    """
    from moto.route53.exceptions import Route53ClientError  # noqa: PLC0415
    from moto.route53.models import Route53Backend  # noqa: PLC0415

    def refused(message: str) -> Route53ClientError:
        return Route53ClientError("InvalidChangeBatch", message)

    def policy_of(record_set: dict) -> str:
        for field, policy in (("Failover", "failover"), ("Weight", "weighted"), ("Region", "latency")):
            if record_set.get(field) is not None:
                return policy
        return "geolocation" if record_set.get("GeoLocation") else "multivalue"

    def change_resource_record_sets(original):
        def change(self, zoneid, change_list):
            zone = self.get_hosted_zone(zoneid)
            state = {}
            for existing in zone.rrsets:
                key = _rrset_key(
                    {"Name": existing.name, "Type": existing.type, "SetIdentifier": existing.set_identifier}
                )
                state[key] = {"Failover": existing.failover, "Weight": existing.weight, "Region": existing.region}
            last_write = {}
            for item in change_list:
                record_set = item.get("ResourceRecordSet") or {}
                key = _rrset_key(record_set)
                if item.get("Action") == "DELETE":
                    if key not in state:
                        raise refused(f"Tried to delete resource record set {_rrset_label(key)} but it was not found")
                    del state[key]
                elif item.get("Action") in ("CREATE", "UPSERT"):
                    if item["Action"] == "CREATE" and key in state:
                        raise refused(f"Tried to create resource record set {_rrset_label(key)} but it already exists")
                    state[key] = record_set
                    last_write[key[:2]] = (key, record_set)
            for (name, record_type), (key, record_set) in last_write.items():
                keys = [k for k in state if k[:2] == (name, record_type)]
                simple = [k for k in keys if not k[2]]
                if simple and len(keys) > 1:
                    if not key[2]:
                        raise refused(
                            f"RRSet with DNS name {name}, type {record_type} cannot be created as other RRSets "
                            "exist with the same name and type."
                        )
                    raise refused(
                        f"RRSet with DNS name {name}, type {record_type}, SetIdentifier {key[2]} cannot be created "
                        f"as a non-{policy_of(record_set)} set exists with the same name and type."
                    )
            return original(self, zoneid, change_list)

        return change

    _wrap(Route53Backend, "change_resource_record_sets", change_resource_record_sets)


# --------------------------------------------------------------------------- Secrets Manager replica keys


def _kms_key_in_region(account_id: str, region: str, key: str) -> bool:
    """Whether ``key`` (id, ARN, alias or alias ARN) names an enabled key of ``region``'s KMS."""
    from moto.kms.models import kms_backends  # noqa: PLC0415

    if key in ("alias/aws/secretsmanager", f"arn:aws:kms:{region}:{account_id}:alias/aws/secretsmanager"):
        return True
    if key.startswith("arn:") and key.split(":")[3:5] != [region, account_id]:
        return False
    backend = kms_backends[account_id][region]
    try:
        found = backend.keys.get(backend.any_id_to_key_id(key))
    except Exception:  # noqa: BLE001 - an unknown alias raises inside moto
        return False
    return found is not None and found.enabled and found.key_state == "Enabled"


@rule("secrets_replica_kms_key")
def secrets_replica_kms_key() -> None:
    """CreateSecret / ReplicateSecretToRegions ``AddReplicaRegions[].KmsKeyId``.

    AWS (Secrets Manager API reference, ``ReplicaRegionType``; user guide "Troubleshoot Secrets Manager
    replication"): a replica is encrypted with a KMS key of ITS region (a key id, ARN or alias that exists
    there; unset = that region's ``aws/secretsmanager``). The request itself succeeds either way; with a key
    that the replica region cannot use (a key of another region, an unknown or disabled key) the replication
    fails: DescribeSecret's ``ReplicationStatus`` shows the region with ``Status: Failed`` and a
    ``StatusMessage``, and with no usable version the secret is removed from the replica region (also
    reported by aws-cloudformation/cloudformation-coverage-roadmap#1459: "silently fails Replica Secret when
    invalid KMS Key specified"). moto ignores the key: it reports ``alias/aws/secretsmanager`` and InSync for
    every replica. Here the replica reports the key it was given, and fails as above on a key its region
    does not have.
    """
    from moto.secretsmanager.models import FakeSecret, secretsmanager_backends  # noqa: PLC0415

    def create_replicas(original):
        def create(self, replica_regions, force_overwrite):
            replicas = original(self, replica_regions, force_overwrite)
            for config, replica in zip(replica_regions or [], replicas, strict=True):
                key = config.get("KmsKeyId")
                if key:
                    replica.config["KmsKeyId"] = key
                if not replica.has_replica or not key or _kms_key_in_region(self.account_id, replica.region, key):
                    continue
                backend = secretsmanager_backends[self.account_id][replica.region]
                dict.pop(backend.secrets, replica.arn, None)
                replica.has_replica = False
                replica.status = "Failed"
                replica.message = (
                    f"Replication failed: The KMS key {key} is not accessible or doesn't exist in {replica.region}."
                )
                replica.config.update(Status=replica.status, StatusMessage=replica.message)
            return replicas

        return create

    _wrap(FakeSecret, "create_replicas", create_replicas)


# --------------------------------------------------------------------------- RDS replica sources


@rule("rds_replica_source_backups")
def rds_replica_source_backups() -> None:
    """CreateDBInstanceReadReplica needs a source with automated backups.

    AWS (RDS user guide, "Working with DB instance read replicas": "automatic backups must be enabled
    on the source DB instance by setting the backup retention period to a value other than 0"): a
    source with ``BackupRetentionPeriod`` 0 - a replica that was just created, or an instance promoted
    with backups off - fails with 400 ``InvalidDBInstanceState`` "Automated backups are not enabled for
    this database instance. To enable automated backups, use ModifyDBInstance to set the backup retention
    period to a non-zero value." The DR failover promotes the DR replica (backups on) before the failback
    replicates from it. moto creates the replica from any source.
    """
    from moto.rds.exceptions import RDSClientError  # noqa: PLC0415
    from moto.rds.models import RDSBackend  # noqa: PLC0415

    def replica(original):
        def create_db_instance_read_replica(self, db_kwargs, *args, **kwargs):
            source = self.find_db_from_id(db_kwargs["source_db_instance_identifier"])
            if not int(getattr(source, "backup_retention_period", 0) or 0):
                raise RDSClientError(
                    "InvalidDBInstanceState",
                    "Automated backups are not enabled for this database instance. To enable automated backups, "
                    "use ModifyDBInstance to set the backup retention period to a non-zero value.",
                )
            return original(self, db_kwargs, *args, **kwargs)

        return create_db_instance_read_replica

    _wrap(RDSBackend, "create_db_instance_read_replica", replica)


def apply(selection: str | None) -> list[str]:
    """Apply the rules named by a ``PLATFORM_LOCAL_RULES`` value; returns their names.

    ``all`` (or ``*``) applies every rule, ``none`` or an empty value none, otherwise a comma list;
    an unknown name raises ValueError.
    """
    text = (selection or "").strip()
    if text.lower() in ("", "none"):
        return []
    names = list(RULES) if text.lower() in ("all", "*") else [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise ValueError(f"unknown rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
    for name in names:
        RULES[name]()
    return names
