# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The single home of the collection's input rules, shared by the deploy checks (the filters that
``roles/platform/tasks/main.yml`` runs before the first AWS call, the roles' own checks) and the
compliance audit (``module_utils/compliance.py``), so a deploy never accepts what the audit then fails.

Every function is pure (no AWS call, no network): it takes values and returns a list of messages
(empty: valid) or a boolean. Each message names the variable, the value and the rule.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import urlsplit

# --- secret-like names and credentials in values -----------------------------------------------

# Environment variable names that must come from ``secrets`` (Secrets Manager), never plain
# ``environment``; case-insensitive (``db_password`` as much as ``DB_PASSWORD``). Words: a password
# (``PASS``, ``PWD`` as whole words), a secret, a token, a key of an API or a private/access/signing
# key, credentials, and the connection URLs of the data tier (``DATABASE_URL``, ``REDIS_URL``, ...),
# which carry a password.
SECRET_LIKE_NAME_RE = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SIGNING_?KEY"
    r"|(?:^|[-_.])(?:PASS|PWD)(?:$|[-_.])"
    r"|(?:^|[-_.])(?:DATABASE|DB|REDIS|CACHE|POSTGRES|POSTGRESQL|PG|MYSQL|MONGO|MONGODB|AMQP|RABBITMQ|BROKER)"
    r"[-_.](?:URL|URI|DSN)(?:$|[-_.])"
    r"|CONNECTION_?STRING",
    re.IGNORECASE,
)
# ...unless the name only names or points at a secret (``JWT_SECRET_ARN``, ``DB_PASSWORD_FILE``).
SECRET_REFERENCE_SUFFIXES = ("_ARN", "_NAME", "_ID", "_FILE", "_PATH", "_TTL", "_EXPIRY", "_LENGTH", "_HEADER")
# A URL with credentials in it: ``scheme://user:password@host`` (also ``redis://:token@host``).
CREDENTIALS_IN_URL_RE = re.compile(r"://[^/\s:@]*:[^/\s@]+@")
# Names of the secrets a service may list: upper-case environment variable names.
SECRET_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
# The database master credentials (the master secret ``{prefix}/database/master``, its generated
# password ``{prefix}/database/master-password``): only the database role and the bootstrap task
# read them; a service never lists them.
MASTER_SECRET_NAMES = ("DATABASE_MASTER", "DATABASE_MASTER_PASSWORD")
MASTER_SECRET_PATHS = ("database/master", "database/master-password")
MASTER_SECRET_NAME_RE = re.compile(r"^(?:DATABASE|DB|RDS|PG|POSTGRES|POSTGRESQL)_MASTER(?:$|_)")


def secret_like_name(name):
    """True when an environment variable called ``name`` would carry a secret in plain text."""
    name = str(name)
    return bool(SECRET_LIKE_NAME_RE.search(name)) and not name.upper().endswith(SECRET_REFERENCE_SUFFIXES)


def credentials_in_url(value):
    """True when ``value`` contains a URL with credentials (``scheme://user:pass@host``)."""
    return isinstance(value, str) and bool(CREDENTIALS_IN_URL_RE.search(value))


def plaintext_secret_reason(name, value):
    """Why the plain environment variable ``name=value`` exposes a secret, or "" when it does not.
    The reason never repeats the value."""
    if secret_like_name(name):
        return "its name looks like a secret"
    if credentials_in_url(value):
        return "its value is a URL with credentials in it (scheme://user:password@...)"
    return ""


def is_master_secret(env_name, path=""):
    """True when a service's secret ``env_name`` (Secrets Manager name ``{prefix}/{path}``) is one of
    the database master credentials."""
    name = str(env_name).upper()
    return name in MASTER_SECRET_NAMES or bool(MASTER_SECRET_NAME_RE.match(name)) or str(path) in MASTER_SECRET_PATHS


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


# --- the platform wiring contract ----------------------------------------------------------------

# What a service may use of the platform (spec key ``uses``, default all of them). A component it
# does not use gives it none of its variables, secrets or permissions.
COMPONENTS = ("database", "cache", "storage", "search", "identity")
# The ECS secrets each component gives a service (Secrets Manager names: platform.WELL_KNOWN_SECRETS).
COMPONENT_SECRETS = {"database": ("DATABASE_URL",), "cache": ("REDIS_URL",)}
# The plain environment the platform gives every container (AWS_REGION, PLATFORM_ENV) or a service
# using a component (S3_BUCKET_<NAME> per bucket: storage; OPENSEARCH_ENDPOINT: search; COGNITO_*:
# identity). A spec's own ``environment`` may not use these names (the platform's values win).
INJECTED_ENVIRONMENT = (
    "AWS_REGION",
    "PLATFORM_ENV",
    "OPENSEARCH_ENDPOINT",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
)
INJECTED_ENVIRONMENT_PREFIXES = ("S3_BUCKET_", "COGNITO_")


def service_uses(spec):
    """The components a service spec uses, in ``COMPONENTS`` order: its ``uses``, all of them when
    unset (``None``); an empty list uses none. Unknown names are left out (``uses_errors`` names them)."""
    uses = spec.get("uses") if isinstance(spec, dict) else None
    if uses is None:
        return list(COMPONENTS)
    if not isinstance(uses, (list, tuple)):
        return []
    return [c for c in COMPONENTS if c in uses]


def service_secret_names(spec):
    """Every ECS secret of a service: the platform's (``DATABASE_URL`` with ``database``, ``REDIS_URL``
    with ``cache``) and the ones its spec lists, sorted, each once."""
    names = set(spec.get("secrets") or []) if isinstance(spec, dict) else set()
    for component in service_uses(spec):
        names.update(COMPONENT_SECRETS.get(component, ()))
    return sorted(names, key=str)


def bucket_env_name(purpose):
    """``S3_BUCKET_<NAME>`` of a bucket purpose (``documents`` -> ``S3_BUCKET_DOCUMENTS``, hyphens -> ``_``)."""
    return "S3_BUCKET_" + str(purpose).upper().replace("-", "_")


def injected_environment_name(name):
    """True when ``name`` is (or is shaped like) a variable the platform injects."""
    name = str(name).upper()
    return name in INJECTED_ENVIRONMENT or name.startswith(INJECTED_ENVIRONMENT_PREFIXES)


def https_endpoint(endpoint):
    """``https://<endpoint>`` of a bare host name (an OpenSearch domain endpoint); "" when empty."""
    endpoint = str(endpoint or "").strip()
    if not endpoint:
        return ""
    return endpoint if endpoint.startswith(("https://", "http://")) else f"https://{endpoint}"


def service_environment(spec, wiring):
    """The plain environment the platform gives a service, ``{name: value}``.

    ``wiring``: ``region``, ``platform_env``, ``buckets`` ({purpose: bucket name}, or the storage role's
    ``platform_storage.buckets``: {purpose: {name, arn}}), ``search_endpoint``
    (the domain endpoint), ``user_pool_id``, ``user_pool_client_id``. Values not known (empty: a check
    run before the component exists) are left out; a bucket purpose missing from ``buckets`` too.
    """
    uses = service_uses(spec)
    env = {"AWS_REGION": wiring.get("region") or "", "PLATFORM_ENV": wiring.get("platform_env") or ""}
    if "storage" in uses:
        names = wiring.get("buckets") or {}
        for purpose in spec.get("buckets") or []:
            bucket = names.get(purpose) or ""
            env[bucket_env_name(purpose)] = bucket.get("name") or "" if isinstance(bucket, dict) else bucket
    if "search" in uses:
        env["OPENSEARCH_ENDPOINT"] = https_endpoint(wiring.get("search_endpoint"))
    if "identity" in uses:
        env["COGNITO_USER_POOL_ID"] = wiring.get("user_pool_id") or ""
        env["COGNITO_CLIENT_ID"] = wiring.get("user_pool_client_id") or ""
    return {name: str(value) for name, value in env.items() if value}


WIRING_LABEL = "platform-ops.wiring"


def service_wiring_label(spec, wiring):
    """The Docker label that puts the secret-borne endpoints into a service's task definition.

    ``DATABASE_URL`` and ``REDIS_URL`` are ECS secrets: the task definition holds their ARNs, which
    stay the same when the database or the cache behind them is replaced. The label is a digest of the
    endpoints they point at (``wiring``'s ``database_endpoint`` and ``cache_endpoint``, ``host:port``, of
    the components the service uses), so a changed endpoint makes a new revision that the rollout stage
    deploys, waits for and rolls back. Never a token or password. ``{}`` when no endpoint is known.
    """
    uses = service_uses(spec)
    parts = [
        f"{component}={wiring.get(component + '_endpoint')}"
        for component in ("database", "cache")
        if component in uses and wiring.get(component + "_endpoint")
    ]
    if not parts:
        return {}
    return {WIRING_LABEL: hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]}


def uses_errors(where, spec):
    """The ``uses`` rule of a service spec: a list of known components; ``buckets`` only with ``storage``;
    ``DATABASE_URL`` / ``REDIS_URL`` listed in ``secrets`` only with ``database`` / ``cache``; no
    ``environment`` name the platform injects (AWS_REGION, PLATFORM_ENV, S3_BUCKET_*, OPENSEARCH_ENDPOINT,
    COGNITO_*): the platform's values win, so the spec may not set them."""
    errors = []
    uses = spec.get("uses")
    allowed = ", ".join(COMPONENTS)
    if uses is not None:
        if not isinstance(uses, list) or not all(isinstance(c, str) for c in uses):
            return [f"{where}.uses {uses!r} must be a list of components among {allowed}"]
        for component in uses:
            if component not in COMPONENTS:
                errors.append(f"{where}.uses lists {component!r}, which is not a component: use any of {allowed}")
    used = service_uses(spec)
    if spec.get("buckets") and "storage" not in used:
        errors.append(f"{where}.buckets is set but uses does not include storage: add storage to uses or drop buckets")
    secrets = spec.get("secrets") or []
    if isinstance(secrets, list):
        for component, names in COMPONENT_SECRETS.items():
            for name in names:
                if name in secrets and component not in used:
                    errors.append(
                        f"{where}.secrets lists {name} but uses does not include {component}: add {component} to "
                        f"uses (which gives {name} anyway) or drop it from secrets"
                    )
    environment = spec.get("environment") or {}
    if isinstance(environment, dict):
        for name in sorted(environment, key=str):
            if injected_environment_name(name):
                errors.append(
                    f"{where}.environment.{name} is refused: the platform sets AWS_REGION, PLATFORM_ENV, S3_BUCKET_*, "
                    "OPENSEARCH_ENDPOINT and COGNITO_* itself (choose what a service gets with uses and buckets)"
                )
    return errors


def grace_period_errors(where, value):
    """``health_check_grace_period``: whole seconds, 0 to ECS's maximum."""
    if value is None:
        return []
    ok = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, str) and value.strip().isdigit():
        ok, value = True, int(value)
    if not ok or not 0 <= value <= ECS_MAX_GRACE_PERIOD:
        return [
            f"{where}.health_check_grace_period {value!r} must be a whole number of seconds from 0 to "
            f"{ECS_MAX_GRACE_PERIOD}"
        ]
    return []


ECR_IMAGE_RE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@sha256:[0-9a-f]{64})$"
)


def image_errors(where, image, prefix, service, region, *, account=""):
    """A service's ``image`` must be in the stack's own ECR: the service's repository ``{prefix}/{service}``
    in ``platform_region`` (and the certificate's account, when known): images are scanned and gated there."""
    if image is None:
        return []
    want = f"<account>.dkr.ecr.{region}.amazonaws.com/{prefix}/{service}:<tag>"
    match = ECR_IMAGE_RE.match(image) if isinstance(image, str) else None
    if (
        not match
        or match.group("region") != region
        or match.group("repository") != f"{prefix}/{service}"
        or (account and match.group("account") != account)
    ):
        return [
            f"{where}.image {image!r} is outside the stack's ECR: a service runs only images of its own repository "
            f"({want}{', account ' + account if account else ''}), where they are scanned and gated; "
            "leave image unset to run platform_image_tag (or image_tag)"
        ]
    return []


# --- regions and endpoints ---------------------------------------------------------------------

# AWS region names (partitions aws, aws-cn, aws-us-gov, aws-eusc); botocore's offline partition
# data is added at run time so a newer botocore knows newer regions.
AWS_REGIONS = {
    "aws": (
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
        "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
        "us-west-1", "us-west-2",
    ),
    "aws-cn": ("cn-north-1", "cn-northwest-1"),
    "aws-us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "aws-eusc": ("eusc-de-east-1",),
}  # fmt: skip


def region_partitions():
    """``{region: partition}`` of every known AWS region (the list above and botocore's data, offline)."""
    regions = {region: partition for partition, names in AWS_REGIONS.items() for region in names}
    try:
        import botocore.session  # noqa: PLC0415 - optional, offline partition data

        session = botocore.session.Session()
        for partition in session.get_available_partitions():
            for region in session.get_available_regions("ec2", partition_name=partition):
                regions.setdefault(region, partition)
    except Exception:  # noqa: BLE001, S110 - the static list stands alone
        pass
    return regions


def region_errors(region, dr_region=""):
    """``platform_region`` and ``platform_dr_region``: real AWS region names, the DR region another
    region of the same partition."""
    known = region_partitions()
    errors = []
    if not isinstance(region, str) or region not in known:
        errors.append(f"platform_region {region!r} is not an AWS region name (e.g. us-east-1)")
    dr = dr_region or ""
    if dr:
        if not isinstance(dr, str) or dr not in known:
            errors.append(f"platform_dr_region {dr!r} is not an AWS region name (e.g. us-west-2), or leave it empty")
        elif dr == region:
            errors.append(
                f"platform_dr_region {dr!r} equals platform_region: the DR copies must live in another region "
                "(or leave platform_dr_region empty)"
            )
        elif region in known and known[dr] != known[region]:
            errors.append(
                f"platform_dr_region {dr!r} is in partition {known[dr]}, platform_region {region!r} in "
                f"{known[region]}: replication works within one partition only"
            )
    return errors


def is_loopback_host(host):
    """True for ``localhost``, 127.0.0.0/8 and ::1: traffic that never leaves the control node."""
    host = str(host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_url_errors(url, env, allow_insecure=False):
    """``platform_aws_endpoint_url``: empty (AWS), an https:// URL, or http:// to a loopback host only
    (the local emulator). In prod, even loopback http:// needs ``platform_allow_insecure_endpoint: true``
    (a prod-shaped inventory pointed at the emulator); never a URL with credentials in it."""
    if not url:
        return []
    url = str(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        return [f"platform_aws_endpoint_url {url!r} must be an http(s) URL or empty"]
    if parts.username or parts.password:
        return ["platform_aws_endpoint_url must not carry credentials (user:password@)"]
    if parts.scheme == "https":
        return []
    if not is_loopback_host(host):
        return [
            f"platform_aws_endpoint_url {url!r} is plain http:// to {host}: AWS API calls (and the secrets they "
            "return) would cross the network unencrypted; use https://, or http:// only to a loopback host "
            "(127.0.0.1, localhost, ::1)"
        ]
    if env == "prod" and not allow_insecure:
        return [
            f"platform_aws_endpoint_url {url!r} is plain http:// in prod: prod talks to AWS over https:// "
            "(leave it empty); for a prod-shaped inventory on the local emulator set "
            "platform_allow_insecure_endpoint: true"
        ]
    return []


# --- disaster recovery (issue 14): the DR network, certificate and DNS names ----------------------

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
DNS_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def private_network(cidr, low=16, high=24):
    """``cidr`` as an ``IPv4Network`` when it is a /low-/high range inside the private ranges (RFC 1918),
    else a ``ValueError`` saying why."""
    net = ipaddress.ip_network(str(cidr), strict=True)
    if net.version != 4 or not low <= net.prefixlen <= high:
        raise ValueError(f"not a /{low} to /{high} IPv4 range")
    if not any(net.subnet_of(ipaddress.ip_network(p)) for p in PRIVATE_RANGES):
        raise ValueError("not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
    return net


def dr_vpc_cidr(primary_cidr):
    """The DR VPC's default CIDR: the block of the same size right after ``primary_cidr`` (for a /16 the
    second octet + 1: 10.20.0.0/16 -> 10.21.0.0/16), so the two never overlap and can be peered.
    Raises ``ValueError`` naming ``platform_dr_vpc_cidr`` when that block leaves the private range."""
    net = ipaddress.ip_network(str(primary_cidr), strict=True)
    following = int(net.broadcast_address) + 1
    try:
        candidate = ipaddress.ip_network(f"{ipaddress.ip_address(following)}/{net.prefixlen}")
        return str(private_network(candidate, 16, 24))
    except ValueError as exc:
        raise ValueError(
            f"platform_dr_vpc_cidr cannot be derived from platform_vpc_cidr {primary_cidr!s}: the next "
            f"/{net.prefixlen} block is not a private range ({exc}); set platform_dr_vpc_cidr to a /16 to /24 "
            "private range that does not overlap platform_vpc_cidr"
        ) from exc


def is_fqdn(name):
    """A lowercase DNS name of at least two labels (no trailing dot)."""
    name = str(name or "").lower().rstrip(".")
    labels = name.split(".")
    return len(name) <= 253 and len(labels) >= 2 and all(DNS_LABEL_RE.match(label) for label in labels)


def dr_errors(config):
    """The DR and DNS variables (issue 14); ``config`` holds the public variables. Messages, empty when valid.

    - ``platform_dr_vpc_cidr``: a /16 to /24 private range that does not overlap ``platform_vpc_cidr``
      (default: derived by ``dr_vpc_cidr``, which must then be possible);
    - the pilot light (``platform_dr_pilot_light``, default on with a DR region) needs a DR region, and in
      staging and prod ``platform_dr_certificate_arn`` (its region is checked by the certificate checks);
    - ``platform_dns_zone`` and ``platform_dns_name`` go together, the name inside the zone.
    """
    errors = []
    dr_region = str(config.get("platform_dr_region") or "")
    pilot = config.get("platform_dr_pilot_light")
    pilot = bool(dr_region) if pilot is None or pilot == "" else _truthy(pilot)
    if pilot and not dr_region:
        errors.append("platform_dr_pilot_light is true but platform_dr_region is empty: set the DR region")
    primary = config.get("platform_vpc_cidr")
    dr_cidr = str(config.get("platform_dr_vpc_cidr") or "")
    if dr_cidr:
        try:
            net = private_network(dr_cidr, 16, 24)
        except ValueError as exc:
            errors.append(f"platform_dr_vpc_cidr {dr_cidr!r} must be a /16 to /24 private IPv4 range: {exc}")
        else:
            try:
                if net.overlaps(ipaddress.ip_network(str(primary), strict=True)):
                    errors.append(
                        f"platform_dr_vpc_cidr {dr_cidr} overlaps platform_vpc_cidr {primary}: the two networks must "
                        "not overlap (peering, and a restore across regions)"
                    )
            except ValueError:
                pass  # platform_vpc_cidr's own rule names it
    elif dr_region and pilot:
        try:
            dr_vpc_cidr(ipaddress.ip_network(str(primary), strict=True))
        except ValueError as exc:
            if "platform_dr_vpc_cidr" in str(exc):
                errors.append(str(exc))
    env = config.get("platform_env")
    dr_cert = str(config.get("platform_dr_certificate_arn") or "")
    if pilot and dr_region and env in ("staging", "prod") and not dr_cert:
        errors.append(
            f"platform_dr_certificate_arn is empty: the DR pilot light's load balancer in {dr_region} must serve "
            f"HTTPS in {env}; set it to an ISSUED ACM certificate in {dr_region} (or platform_dr_pilot_light: false)"
        )
    zone = str(config.get("platform_dns_zone") or "").lower().rstrip(".")
    name = str(config.get("platform_dns_name") or "").lower().rstrip(".")
    if bool(zone) != bool(name):
        errors.append(
            "platform_dns_zone and platform_dns_name go together: set both (the existing Route 53 hosted zone and "
            "the application's name in it) or neither"
        )
    if zone and not is_fqdn(zone):
        errors.append(f"platform_dns_zone {zone!r} is not a DNS zone name (e.g. example.org)")
    if name and not is_fqdn(name):
        errors.append(f"platform_dns_name {name!r} is not a DNS name (e.g. app.example.org)")
    elif zone and name and not name.endswith("." + zone):
        errors.append(f"platform_dns_name {name!r} is not inside platform_dns_zone {zone!r} (e.g. app.{zone})")
    return errors


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)
