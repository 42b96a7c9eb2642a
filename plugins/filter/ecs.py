# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the ecs_service role: input checks, names, container definitions from the service
specs, and the plans that keep a run with nothing to change cheap.

The role reads what exists once per resource type (services, target groups, the task definitions
the services run, the CloudFront distribution), compares it here with what the service specs ask
for, and calls the per-resource modules only for what differs. The upstream modules compare less
than they write (``community.aws.ecs_taskdefinition`` ignores cpu, memory and the execution role;
``community.aws.ecs_service`` ignores the deployment and network configuration;
``community.aws.cloudfront_distribution`` reports a change on every run), so the comparisons here
also decide what is converged at all.
"""

from __future__ import annotations

import hashlib
import json
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules

ELB_NAME_MAX = rules.NAME_LIMITS["elb_target_group"]
ELB_HASH_LENGTH = 6
# Secret names, secret-like environment names, reserved service names and name limits: one rule each,
# in module_utils/platform_rules (shared with the preflight and the compliance audit).
SECRET_NAME_RE = rules.SECRET_ENV_NAME_RE
SECRET_LIKE_RE = rules.SECRET_LIKE_NAME_RE
SECRET_REFERENCE_SUFFIXES = rules.SECRET_REFERENCE_SUFFIXES
WAF_MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
TLS_POLICY_RE = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]-|FS-1-2-|TLS-1-2-)")
# Well-known values of ecs_service_cloudfront_cache_policy_id: CachingOptimized.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
STANDARD_TAG_KEYS = ("Project", "Environment", "ManagedBy", "DataClassification")


# --- names ------------------------------------------------------------------------------------


def ecs_target_group_name(service, prefix):
    """Target group of a public service: ``{prefix}-{service}`` within the 32-character ELB limit.

    Longer names are cut to 25 characters (trailing hyphens dropped) and get ``-`` plus the first
    6 hex digits of the SHA-1 of the full name: deterministic, and distinct services keep distinct
    names. Identical to the monitoring role's ``target_group_name`` (its alarms find the groups).
    """
    full = f"{prefix}-{service}"
    if len(full) <= ELB_NAME_MAX:
        return full
    digest = hashlib.sha1(full.encode("utf-8")).hexdigest()[:ELB_HASH_LENGTH]  # noqa: S324 - a name, not security
    head = full[: ELB_NAME_MAX - ELB_HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def ecs_secret_arn(env_name, platform_name, platform_env, region, account, *, partition="aws"):
    """Secrets Manager partial ARN (without the random suffix) of the secret a container sees as ``env_name``.

    Only a stand-in for a secret that does not exist yet (check mode): ECS and IAM need the full ARN
    that CreateSecret/DescribeSecret return (``...:secret:<name>-AbCdEf``). Secrets Manager reads an
    ARN whose name ends in ``-`` and six characters (``.../jwt-secret``) as a full ARN and then does
    not find the secret.
    """
    from ansible_collections.platform_ops.aws.plugins.filter.platform import secret_name  # noqa: PLC0415

    return (
        f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret_name(env_name, platform_name, platform_env)}"
    )


def ecs_secret_references(services, platform_name, platform_env):
    """``{env_name: secret name}`` of every secret the services get (``DATABASE_URL`` ->
    ``{prefix}/database/url``): the ones their specs list and the platform's per ``uses``
    (DATABASE_URL with database, REDIS_URL with cache), to look the full ARNs up once."""
    from ansible_collections.platform_ops.aws.plugins.filter.platform import secret_name  # noqa: PLC0415

    names = sorted({s for svc in services or [] for s in rules.service_secret_names(svc)})
    return {env: secret_name(env, platform_name, platform_env) for env in names}


# --- IAM roles of the services -----------------------------------------------------------------

IAM_ROLE_NAME_MAX = rules.NAME_LIMITS["iam_role"]
# Infixes of the per-service role names: {prefix}-exec-{service} (task execution: image pull, logs,
# its own secrets) and {prefix}-task-{service} (what the application itself may do).
IAM_ROLE_KINDS = {"execution": "exec", "task": "task"}
# Service names that would collide with a role name of the platform (the former shared execution
# role {prefix}-task-execution, still found and removed by the identity role).
IAM_RESERVED_SERVICE_NAMES = rules.RESERVED_SERVICE_NAMES
# Secrets no service's execution role may ever read, whatever its spec lists: the database master
# credentials (env name DATABASE_MASTER, {prefix}/database/master and the generated
# {prefix}/database/master-password). Only the database bootstrap task's own role reads them.
MASTER_SECRET_ENV_NAMES = rules.MASTER_SECRET_NAMES
MASTER_SECRET_PATHS = rules.MASTER_SECRET_PATHS


def ecs_iam_role_name(service, prefix, kind="execution"):
    """IAM role name of a service: ``{prefix}-exec-{service}`` (``kind=execution``) or
    ``{prefix}-task-{service}`` (``kind=task``). Not shortened: ``ecs_iam_role_errors`` refuses a
    name over IAM's 64 characters (a stable, readable name is what the audit and the ARNs show)."""
    if kind not in IAM_ROLE_KINDS:
        raise AnsibleFilterError(f"ecs_iam_role_name: kind must be one of {sorted(IAM_ROLE_KINDS)} (got {kind!r})")
    return f"{prefix}-{IAM_ROLE_KINDS[kind]}-{service}"


def ecs_iam_role_names(services, prefix):
    """``{service: {"execution": name, "task": name}}`` for service specs (or plain names)."""
    names = [s["name"] if isinstance(s, dict) else str(s) for s in services or []]
    return {n: {kind: ecs_iam_role_name(n, prefix, kind) for kind in IAM_ROLE_KINDS} for n in names}


def ecs_iam_role_errors(services, prefix):
    """Messages (``[]`` when valid) about service names whose IAM role names break IAM's rules:
    longer than 64 characters, or a reserved name. The one implementation of the rule, for the
    identity role, the preflight checks and the audit alike."""
    errors = []
    for name, roles in ecs_iam_role_names(services, prefix).items():
        errors.extend(rules.reserved_service_name_errors(f"platform_services[{name}]", name, prefix))
        errors.extend(rules.iam_role_name_errors(f"platform_services[{name}]", name, list(roles.values())))
    return errors


def ecs_is_master_secret(env_name, platform_name, platform_env):
    """True for a secret no service may read: ``DATABASE_MASTER`` or any ``{prefix}/database/master*``."""
    from ansible_collections.platform_ops.aws.plugins.filter.platform import resource_name, secret_name  # noqa: PLC0415

    name = secret_name(env_name, platform_name, platform_env)
    path = name[len(resource_name(platform_name, platform_env)) + 1 :]
    # The shared rule (module_utils/platform_rules), and anything under {prefix}/database/master*.
    return rules.is_master_secret(env_name, path) or any(path.startswith(p) for p in MASTER_SECRET_PATHS)


def ecs_execution_role_policy(service, ctx):
    """Inline policy of the service's task execution role ``{prefix}-exec-{service}``.

    ``service``: a service spec; ``ctx``: prefix, platform_name, platform_env, region, account,
    partition, kms_key_arn. Grants: ``ecr:GetAuthorizationToken`` (Resource ``*``: the action has
    no resource type), image pull from its repository ``{prefix}/{service}`` only, log streams in
    its log group ``/platform/{prefix}/{service}`` only, ``secretsmanager:GetSecretValue`` on the
    secrets it gets (those its spec lists, DATABASE_URL when it uses database, REDIS_URL when it uses
    cache; by name: ``...:secret:<name>-??????`` matches the random suffix, so the
    policy can exist before the secret) never a master secret, and ``kms:Decrypt`` with the platform
    key through Secrets Manager only.

    With ``ctx["dr_region"]`` (and ``dr_kms_key_arn``, the DR key) the same grants extend to the DR
    region, where the pilot light's tasks run with the same (global) role: its repository there, its
    log group there, the replicas of its secrets there (same names, region swapped) and ``kms:Decrypt``
    with the DR key through that region's Secrets Manager only.
    """
    from ansible_collections.platform_ops.aws.plugins.filter.platform import secret_name  # noqa: PLC0415

    name = service["name"] if isinstance(service, dict) else str(service)
    spec = service if isinstance(service, dict) else {}
    part, region, account, prefix = ctx.get("partition", "aws"), ctx["region"], ctx["account"], ctx["prefix"]
    dr_region = ctx.get("dr_region") or ""
    regions = [region] + ([dr_region] if dr_region and dr_region != region else [])
    log_groups = [f"arn:{part}:logs:{r}:{account}:log-group:/platform/{prefix}/{name}" for r in regions]
    statements = [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": [f"arn:{part}:ecr:{r}:{account}:repository/{prefix}/{name}" for r in regions],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [arn for group in log_groups for arn in (group, f"{group}:log-stream:*")],
        },
    ]
    secrets = sorted(
        {
            secret_name(s, ctx["platform_name"], ctx["platform_env"])
            for s in rules.service_secret_names(spec)
            if not ecs_is_master_secret(s, ctx["platform_name"], ctx["platform_env"])
        }
    )
    if secrets:
        statements.append(
            {
                "Sid": "ReadItsSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [
                    f"arn:{part}:secretsmanager:{r}:{account}:secret:{s}-??????" for r in regions for s in secrets
                ],
            }
        )
        statements.append(
            {
                "Sid": "DecryptItsSecrets",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [ctx["kms_key_arn"]],
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
            }
        )
        if len(regions) > 1 and ctx.get("dr_kms_key_arn"):
            statements.append(
                {
                    "Sid": "DecryptItsSecretsInTheDrRegion",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": [ctx["dr_kms_key_arn"]],
                    "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{dr_region}.amazonaws.com"}},
                }
            )
    return {"Version": "2012-10-17", "Statement": statements}


def ecs_role_arns(results, prefix, services):
    """``{execution_role_arns: {service: arn}, task_role_arns: {service: arn}}`` from
    ``amazon.aws.iam_role_info`` results looked up by name (``{prefix}-exec-{service}``,
    ``{prefix}-task-{service}``); "" for a role that was not found."""
    arns = {}
    for result in results or []:
        for role in result.get("iam_roles") or []:
            arns[role.get("role_name")] = role.get("arn")
    return {
        "execution_role_arns": {name: arns.get(ecs_iam_role_name(name, prefix)) or "" for name in services},
        "task_role_arns": {name: arns.get(ecs_iam_role_name(name, prefix, "task")) or "" for name in services},
    }


def _public(services):
    return [svc for svc in services if svc.get("public")]


# --- input checks -----------------------------------------------------------------------------


def _int(value):
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return int(value)


def ecs_service_errors(config):
    """Checks of the role's input before any AWS call; returns messages (empty: valid).

    ``config``: platform_env, certificate_arn, services, prefix, keep_images, cpu_target,
    memory_target, waf_rate_limit, health_check_grace_period, stop_timeout, container_user,
    cloudfront_enabled, cloudfront_aliases, cloudfront_certificate_arn, ssl_policy.
    """
    errors = []
    env = config.get("platform_env")
    cert = config.get("certificate_arn") or ""
    if not cert and env in ("staging", "prod"):
        errors.append(
            f"platform_certificate_arn is empty: the ALB serves plain HTTP only without a certificate, which is "
            f"allowed on the local stack and dev, never in {env}"
        )
    if cert and not re.match(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$", str(cert)):
        errors.append(f"platform_certificate_arn {cert!r} is not an ACM certificate ARN")
    policy = config.get("ssl_policy") or ""
    if not TLS_POLICY_RE.match(str(policy)):
        errors.append(f"ecs_service_alb_ssl_policy {policy!r} is not a TLS 1.2+ ELB security policy")
    prefix = str(config.get("prefix") or "")
    if len(f"{prefix}-alb") > ELB_NAME_MAX:
        errors.append(f"the load balancer name {prefix}-alb is longer than {ELB_NAME_MAX} characters")
    services = config.get("services") or []
    if not isinstance(services, list) or not services:
        errors.append("platform_services must list at least one service")
        services = []
    names = []
    for pos, svc in enumerate(services):
        if not isinstance(svc, dict) or not isinstance(svc.get("name"), str):
            errors.append(f"platform_services[{pos}] must be a mapping with a name")
            continue
        name = svc["name"]
        names.append(name)
        where = f"platform_services[{name}]"
        errors.extend(rules.service_name_errors(where, name, prefix))
        errors.extend(rules.environment_errors(where, svc.get("environment") or {}))
        secrets = svc.get("secrets") or []
        secret_errors = rules.secrets_errors(where, secrets)
        errors.extend(secret_errors)
        errors.extend(rules.uses_errors(where, svc))
        if not secret_errors and set(secrets) & set(svc.get("environment") or {}):
            errors.append(
                f"{where}: {', '.join(sorted(set(secrets) & set(svc['environment'])))} is both a secret and plain environment"
            )
        ro = svc.get("read_only_root_filesystem", True)
        if not isinstance(ro, bool):
            errors.append(f"{where}.read_only_root_filesystem must be true or false")
        errors.extend(rules.grace_period_errors(where, svc.get("health_check_grace_period")))
        counts = [svc.get(k) for k in ("desired_count", "min_count", "max_count")]
        if any(c is not None and (not isinstance(c, int) or isinstance(c, bool) or c < 0) for c in counts):
            errors.append(f"{where}: desired_count, min_count and max_count must be non-negative integers")
        else:
            low, desired, high = _counts(svc)
            if not low <= desired <= high:
                errors.append(
                    f"{where}: need min_count <= desired_count <= max_count, got {low} <= {desired} <= {high}"
                )
    if len(set(names)) != len(names):
        errors.append("platform_services has duplicate service names")
    public = [s["name"] for s in services if isinstance(s, dict) and isinstance(s.get("name"), str) and s.get("public")]
    tg_names = [ecs_target_group_name(n, prefix) for n in public]
    if len(set(tg_names)) != len(tg_names):
        errors.append("two public services map to the same target group name; rename one of them")
    if len(public) > 99:
        errors.append("at most 99 public services fit the listener's path rules")
    checks = (
        ("keep_images", "ecs_service_ecr_keep_images", 1, 10000),
        ("cpu_target", "ecs_service_cpu_target", 1, 100),
        ("memory_target", "ecs_service_memory_target", 1, 100),
        ("waf_rate_limit", "ecs_service_waf_rate_limit", 10, 2000000000),
        ("health_check_grace_period", "ecs_service_health_check_grace_period", 0, 2147483647),
        ("stop_timeout", "ecs_service_stop_timeout", 2, 120),
        ("idle_timeout", "ecs_service_alb_idle_timeout", 1, 4000),
        ("deregistration_delay", "ecs_service_deregistration_delay", 0, 3600),
    )
    for key, label, low, high in checks:
        if key not in config:
            continue
        value = config[key]
        try:
            if not low <= _int(value) <= high:
                raise ValueError
        except (TypeError, ValueError):
            errors.append(f"{label} {value!r} must be an integer between {low} and {high}")
    user = str(config.get("container_user", "10001"))
    if user.split(":", maxsplit=1)[0] in ("0", "root", ""):
        errors.append(f"ecs_service_container_user {user!r} must be a non-root user")
    if config.get("cloudfront_enabled"):
        aliases = config.get("cloudfront_aliases") or []
        cf_cert = config.get("cloudfront_certificate_arn") or ""
        if aliases and not cf_cert:
            errors.append(
                "ecs_service_cloudfront_aliases need ecs_service_cloudfront_certificate_arn (an ACM certificate in us-east-1)"
            )
        if cf_cert and ":us-east-1:" not in cf_cert:
            errors.append(f"ecs_service_cloudfront_certificate_arn {cf_cert!r} must be an ACM certificate in us-east-1")
    return errors


# --- preflight (roles/platform/tasks/main.yml) -------------------------------------------------

CERTIFICATE_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):acm:(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d):(?P<account>\d{12}):"
    r"certificate/(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
# CloudFront takes viewer certificates from ACM in us-east-1 only.
CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"


def _url_host(url):
    match = re.match(r"^https?://([^/:?#]+)", str(url or ""))
    return match.group(1).lower() if match else ""


def ecs_certificate_checks(config):
    """The certificates the run needs, for ``platform_ops.aws.acm_certificate_check``:
    ``[{variable, arn, region, domains}]`` (``domains``: host names the certificate must cover).

    ``config``: the keys of ``ecs_preflight_errors``. Only certificates whose ARN is well formed are
    listed (the syntax checks name the others before any AWS call).
    """
    checks = []
    cert = str(config.get("certificate_arn") or "")
    match = CERTIFICATE_ARN_RE.match(cert)
    if match:
        # names reached over TLS: the health check host when it is https://, and platform_dns_name
        base = str(config.get("healthcheck_base_url") or "")
        hosts = [
            h for h in (_url_host(base) if base.startswith("https://") else "", str(config.get("dns_name") or "")) if h
        ]
        checks.append(
            {
                "variable": "platform_certificate_arn",
                "arn": cert,
                "region": match.group("region"),
                "domains": sorted(set(hosts)),
            }
        )
    dr_cert = str(config.get("dr_certificate_arn") or "")
    match = CERTIFICATE_ARN_RE.match(dr_cert)
    if match and config.get("platform_dr_region"):
        checks.append(
            {"variable": "platform_dr_certificate_arn", "arn": dr_cert, "region": match.group("region"), "domains": []}
        )
    cf_cert = str(config.get("cloudfront_certificate_arn") or "")
    match = CERTIFICATE_ARN_RE.match(cf_cert)
    if match and _flag(config.get("cloudfront_enabled")):
        checks.append(
            {
                "variable": "ecs_service_cloudfront_certificate_arn",
                "arn": cf_cert,
                "region": match.group("region"),
                "domains": sorted({str(a).lower() for a in config.get("cloudfront_aliases") or []}),
            }
        )
    return checks


def _flag(value):
    """A boolean given as a bool or as the string a template rendered."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def ecs_preflight_errors(config):
    """Checks of the certificates and the health check URL that need no AWS call; returns messages.

    ``config``: platform_env, platform_region, platform_dr_region, certificate_arn,
    dr_certificate_arn, cloudfront_enabled, cloudfront_certificate_arn, cloudfront_aliases,
    healthcheck_base_url, healthcheck_urls, dns_name, services, healthcheck (bool: the run may
    include the health check stage).
    """
    errors = []
    env = config.get("platform_env")
    region = str(config.get("platform_region") or "")
    cert = str(config.get("certificate_arn") or "")
    if not cert and env in ("staging", "prod"):
        errors.append(
            f"platform_certificate_arn is empty: {env} must serve HTTPS (HIPAA: encryption in transit); set it to an "
            f"ISSUED ACM certificate in {region or 'platform_region'} (only local and dev may serve plain HTTP)"
        )
    match = CERTIFICATE_ARN_RE.match(cert)
    if cert and not match:
        errors.append(
            f"platform_certificate_arn {cert!r} is not an ACM certificate ARN "
            "(arn:aws:acm:<region>:<account>:certificate/<uuid>)"
        )
    elif match and match.group("region") != region:
        errors.append(
            f"platform_certificate_arn is in {match.group('region')}, but the load balancer is in platform_region "
            f"{region}: an ALB takes certificates from ACM in its own region only"
        )
    dr_region = str(config.get("platform_dr_region") or "")
    dr_cert = str(config.get("dr_certificate_arn") or "")
    match = CERTIFICATE_ARN_RE.match(dr_cert)
    if dr_cert and not match:
        errors.append(f"platform_dr_certificate_arn {dr_cert!r} is not an ACM certificate ARN")
    elif match and dr_region and match.group("region") != dr_region:
        errors.append(
            f"platform_dr_certificate_arn is in {match.group('region')}, but the DR load balancer is in "
            f"platform_dr_region {dr_region}"
        )
    if _flag(config.get("cloudfront_enabled")):
        aliases = config.get("cloudfront_aliases") or []
        cf_cert = str(config.get("cloudfront_certificate_arn") or "")
        match = CERTIFICATE_ARN_RE.match(cf_cert)
        if aliases and not cf_cert:
            errors.append(
                "ecs_service_cloudfront_aliases need ecs_service_cloudfront_certificate_arn "
                f"(an ISSUED ACM certificate in {CLOUDFRONT_CERTIFICATE_REGION})"
            )
        if cf_cert and not match:
            errors.append(f"ecs_service_cloudfront_certificate_arn {cf_cert!r} is not an ACM certificate ARN")
        elif match and match.group("region") != CLOUDFRONT_CERTIFICATE_REGION:
            errors.append(
                f"ecs_service_cloudfront_certificate_arn is in {match.group('region')}: CloudFront takes "
                f"certificates from ACM in {CLOUDFRONT_CERTIFICATE_REGION} only"
            )
    base = str(config.get("healthcheck_base_url") or "")
    if base and not re.match(r"^https?://[^/\s]+", base):
        errors.append(f"healthcheck_base_url {base!r} must be an http(s) URL")
    if cert and _flag(config.get("healthcheck")) and not base and not config.get("dns_name"):
        overrides = config.get("healthcheck_urls") or {}
        public = [s.get("name") for s in _public(config.get("services") or []) if isinstance(s, dict)]
        if any(name not in overrides for name in public):
            errors.append(
                "healthcheck_base_url is empty: with platform_certificate_arn set the load balancer's own DNS name "
                "can never match the certificate; set healthcheck_base_url to https://<a name the certificate covers, "
                "pointing at the load balancer> (or platform_dns_name)"
            )
    return errors


def _counts(svc):
    desired = svc.get("desired_count")
    desired = 1 if desired is None else desired
    low = svc.get("min_count")
    low = desired if low is None else low
    high = svc.get("max_count")
    high = max(desired, low) if high is None else high
    return low, desired, high


def ecs_scaling(svc):
    """``{min, desired, max}`` of a service spec (defaults: desired 1, min desired, max max(desired, min))."""
    low, desired, high = _counts(svc)
    return {"min": low, "desired": desired, "max": high}


# --- task definitions ---------------------------------------------------------------------------


def ecs_task_definitions(services, ctx):
    """The task definition each service spec asks for, as ``community.aws.ecs_taskdefinition`` arguments.

    ``ctx``: prefix, platform_name, platform_env, region, account, partition, repositories
    {service: uri}, image_tag, execution_role_arns {service: arn} (``execution_role_arn``: one for
    all, the former shared role), task_role_arns {service: arn}, secret_arns
    {env_name: full Secrets Manager ARN} (a secret missing there gets its partial ARN), user,
    stop_timeout, log_stream_prefix, container_health_check (bool), cpu_architecture, wiring (what
    the platform gives each container, see ``platform_rules.service_environment``: buckets
    {purpose: name}, search_endpoint, user_pool_id, user_pool_client_id, and database_endpoint /
    cache_endpoint (``host:port``, digested into the ``platform-ops.wiring`` Docker label); region and
    platform_env default to ctx's).
    The container gets its spec's environment plus the platform's (AWS_REGION, PLATFORM_ENV and, per
    ``uses``, S3_BUCKET_<NAME>, OPENSEARCH_ENDPOINT, COGNITO_*), and as secrets the ones its spec
    lists plus DATABASE_URL (uses database) and REDIS_URL (uses cache).
    Returns ``[{service, family, params}]``; ``params`` hold camelCase container definitions.
    """
    wiring = dict(ctx.get("wiring") or {})
    wiring.setdefault("region", ctx["region"])
    wiring.setdefault("platform_env", ctx["platform_env"])
    result = []
    for svc in services:
        name = svc["name"]
        family = f"{ctx['prefix']}-{name}"
        read_only = svc.get("read_only_root_filesystem", True)
        tag = svc.get("image_tag") or ctx.get("image_tag")
        if not svc.get("image") and not tag:
            raise AnsibleFilterError(
                f"service {name}: no image tag (set platform_image_tag, or image_tag or image on the service)"
            )
        image = svc.get("image") or f"{ctx['repositories'][name]}:{tag}"
        container = {
            "name": name,
            "image": image,
            "essential": True,
            "memoryReservation": int(svc.get("memory", 512)),
            "portMappings": [{"containerPort": int(svc["port"]), "hostPort": int(svc["port"]), "protocol": "tcp"}],
            "environment": [
                {"name": str(k), "value": _env_value(v)}
                for k, v in sorted(
                    {
                        **{str(k): v for k, v in (svc.get("environment") or {}).items()},
                        **rules.service_environment(svc, wiring),
                    }.items()
                )
            ],
            "secrets": [
                {
                    "name": s,
                    "valueFrom": (ctx.get("secret_arns") or {}).get(s)
                    or ecs_secret_arn(
                        s,
                        ctx["platform_name"],
                        ctx["platform_env"],
                        ctx["region"],
                        ctx["account"],
                        partition=ctx.get("partition", "aws"),
                    ),
                }
                for s in rules.service_secret_names(svc)
            ],
            "user": str(ctx.get("user", "10001")),
            "readonlyRootFilesystem": bool(read_only),
            "stopTimeout": int(ctx.get("stop_timeout", 30)),
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": f"/platform/{ctx['prefix']}/{name}",
                    "awslogs-region": ctx["region"],
                    "awslogs-stream-prefix": ctx.get("log_stream_prefix", "ecs"),
                },
            },
        }
        if svc.get("command"):
            container["command"] = [str(c) for c in svc["command"]]
        labels = rules.service_wiring_label(svc, wiring)
        if labels:
            container["dockerLabels"] = labels
        if read_only:
            # the container's own scratch space on a task volume, not the control node's /tmp
            container["mountPoints"] = [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]  # noqa: S108
        if ctx.get("container_health_check"):
            path = svc.get("health_path", "/health")
            container["healthCheck"] = {
                "command": ["CMD-SHELL", f"curl -fsS http://127.0.0.1:{int(svc['port'])}{path} || exit 1"],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": int(svc.get("health_check_grace_period") or ctx.get("health_check_grace_period", 60)),
            }
        params = {
            "family": family,
            "network_mode": "awsvpc",
            "launch_type": "FARGATE",
            "cpu": str(int(svc.get("cpu", 256))),
            "memory": str(int(svc.get("memory", 512))),
            "execution_role_arn": (ctx.get("execution_role_arns") or {}).get(name) or ctx.get("execution_role_arn", ""),
            "task_role_arn": ctx["task_role_arns"].get(name, ""),
            "containers": [container],
            "volumes": [{"name": "tmp"}] if read_only else [],
            "runtime_platform": {
                "operatingSystemFamily": "LINUX",
                "cpuArchitecture": ctx.get("cpu_architecture", "X86_64"),
            },
        }
        result.append({"service": name, "family": family, "params": params})
    return result


def _env_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _get(current, camel):
    """A field of a task definition given either camelCase (boto3) or snake_case (``*_info`` modules)."""
    if camel in current:
        return current[camel]
    return current.get(_snake(camel))


def _pairs(items, value_key):
    return {str(i.get("name")): str(i.get(value_key, i.get(_snake(value_key), ""))) for i in items or []}


def _norm_ports(ports):
    out = set()
    for port in ports or []:
        container = int(port.get("containerPort", port.get("container_port", 0)))
        host = port.get("hostPort", port.get("host_port")) or container
        out.add((container, int(host), str(port.get("protocol") or "tcp")))
    return out


def _norm_mounts(mounts):
    return {
        (
            m.get("sourceVolume", m.get("source_volume")),
            m.get("containerPath", m.get("container_path")),
            bool(m.get("readOnly", m.get("read_only", False))),
        )
        for m in mounts or []
    }


def _norm_log(conf):
    conf = conf or {}
    return (conf.get("logDriver", conf.get("log_driver")), dict(conf.get("options") or {}))


def _norm_health(check):
    if not check:
        return None
    return (
        tuple(check.get("command") or []),
        int(check.get("interval", 30)),
        int(check.get("timeout", 5)),
        int(check.get("retries", 3)),
        int(check.get("startPeriod", check.get("start_period", 0)) or 0),
    )


def _container_differences(want, have):
    """Names of the managed container fields whose value differs (``have`` camel- or snake-cased)."""
    diffs = []
    simple = ("image", "user", "memoryReservation", "stopTimeout")
    for key in simple:
        if _get(have, key) != want.get(key):
            diffs.append(key)
    if bool(_get(have, "essential") if _get(have, "essential") is not None else True) is not True:
        diffs.append("essential")
    if bool(_get(have, "readonlyRootFilesystem")) != bool(want.get("readonlyRootFilesystem")):
        diffs.append("readonlyRootFilesystem")
    if list(_get(have, "command") or []) != list(want.get("command") or []):
        diffs.append("command")
    if _pairs(_get(have, "environment"), "value") != _pairs(want.get("environment"), "value"):
        diffs.append("environment")
    if _pairs(_get(have, "secrets"), "valueFrom") != _pairs(want.get("secrets"), "valueFrom"):
        diffs.append("secrets")
    if dict(_get(have, "dockerLabels") or {}) != dict(want.get("dockerLabels") or {}):
        diffs.append("dockerLabels")
    if _norm_ports(_get(have, "portMappings")) != _norm_ports(want.get("portMappings")):
        diffs.append("portMappings")
    if _norm_mounts(_get(have, "mountPoints")) != _norm_mounts(want.get("mountPoints")):
        diffs.append("mountPoints")
    if _norm_log(_get(have, "logConfiguration")) != _norm_log(want.get("logConfiguration")):
        diffs.append("logConfiguration")
    if _norm_health(_get(have, "healthCheck")) != _norm_health(want.get("healthCheck")):
        diffs.append("healthCheck")
    return diffs


def ecs_task_definition_differences(want, have):
    """Why ``have`` (a described task definition, camel- or snake-cased; ``{}`` when there is none)
    is not the task definition ``want`` (an entry of ``ecs_task_definitions``) asks for; empty when
    it is. Only what the role sets is compared; AWS-filled defaults (``cpu: 0`` of a container,
    ``hostPort`` = ``containerPort`` in awsvpc, the ``tcp`` protocol, health check defaults) count
    as equal."""
    if not have or not _get(have, "family"):
        return ["missing"]
    params = want["params"]
    diffs = []
    if _get(have, "status") not in (None, "ACTIVE"):
        diffs.append("status")
    if _get(have, "family") != params["family"]:
        diffs.append("family")
    for key, camel in (
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("network_mode", "networkMode"),
        ("execution_role_arn", "executionRoleArn"),
        ("task_role_arn", "taskRoleArn"),
    ):
        if str(_get(have, camel) or "") != str(params[key] or ""):
            diffs.append(camel)
    if params["launch_type"] not in (_get(have, "requiresCompatibilities") or []):
        diffs.append("requiresCompatibilities")
    platform = _get(have, "runtimePlatform")
    if platform:
        arch = platform.get("cpuArchitecture", platform.get("cpu_architecture"))
        if arch and arch != params["runtime_platform"]["cpuArchitecture"]:
            diffs.append("runtimePlatform")
    have_volumes = {
        (v.get("name"), bool(v.get("host") or v.get("efsVolumeConfiguration") or v.get("efs_volume_configuration")))
        for v in _get(have, "volumes") or []
    }
    if have_volumes != {(v["name"], False) for v in params["volumes"]}:
        diffs.append("volumes")
    containers = _get(have, "containerDefinitions") or []
    want_container = params["containers"][0]
    if len(containers) != 1 or containers[0].get("name") != want_container["name"]:
        diffs.append("containerDefinitions")
    else:
        diffs.extend(f"container.{d}" for d in _container_differences(want_container, containers[0]))
    return diffs


def _image_of(definition):
    """Image of the first container of a task definition (desired params or described, any case)."""
    containers = (
        definition.get("containers") if "containers" in definition else _get(definition, "containerDefinitions")
    )
    return str((containers or [{}])[0].get("image") or "")


def _change_details(want, have, reasons):
    """Readable ``field: before -> after`` lines for the differences ``reasons`` names (environment
    variables and secrets by name only: their values never show)."""
    params = want["params"]
    if reasons == ["missing"]:
        return [f"new task definition family {params['family']}"]
    have_container = (_get(have, "containerDefinitions") or [{}])[0]
    want_container = params["containers"][0]
    top = {
        "cpu": "cpu",
        "memory": "memory",
        "executionRoleArn": "execution_role_arn",
        "taskRoleArn": "task_role_arn",
        "networkMode": "network_mode",
    }
    lines = []
    for reason in reasons:
        field = reason.split(".", 1)[-1]
        if reason in top:
            lines.append(f"{reason}: {_get(have, reason) or '-'} -> {params[top[reason]] or '-'}")
        elif reason.startswith("container.") and field in ("environment", "secrets"):
            key = "value" if field == "environment" else "valueFrom"
            before, after = _pairs(_get(have_container, field), key), _pairs(want_container.get(field), key)
            names = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
            lines.append(f"{field}: {', '.join(names)}")
        elif reason.startswith("container.") and field in ("image", "user", "memoryReservation", "stopTimeout"):
            lines.append(f"{field}: {_get(have_container, field)} -> {want_container.get(field)}")
        elif reason == "container.dockerLabels":
            lines.append("dockerLabels: the database or cache endpoint behind DATABASE_URL/REDIS_URL changed")
        elif reason == "container.command":
            before = " ".join(_get(have_container, "command") or []) or "-"
            lines.append(f"command: {before} -> {' '.join(want_container.get('command') or []) or '-'}")
        else:
            lines.append(field)
    return lines


def ecs_task_definition_plan(desired, current):
    """Which task definitions to register.

    ``desired`` is ``ecs_task_definitions``'s list; ``current`` maps each service to the task
    definition to compare with (what its ECS service runs, else the family's latest ACTIVE
    revision; ``{}`` when there is none), e.g. the ``ecs_taskdefinition_info`` results.
    Returns ``{"register": [entries], "keep": {service: "family:revision"}, "arns": {service: ARN}}``:
    ``register`` entries add ``reasons`` (the differing fields), ``changes`` (readable
    ``field: before -> after`` lines), ``current`` (``family:revision`` compared with, ``""``),
    ``image_before`` and ``image_after``; ``keep`` and ``arns`` name the matching revisions.
    """
    plan = {"register": [], "keep": {}, "arns": {}}
    for entry in desired:
        have = current.get(entry["service"]) or {}
        reasons = ecs_task_definition_differences(entry, have)
        if reasons:
            plan["register"].append(
                dict(
                    entry,
                    reasons=reasons,
                    changes=_change_details(entry, have, reasons),
                    current=f"{_get(have, 'family')}:{_get(have, 'revision')}" if _get(have, "family") else "",
                    image_before=_image_of(have) if have else "",
                    image_after=_image_of(entry["params"]),
                )
            )
        else:
            plan["keep"][entry["service"]] = f"{_get(have, 'family')}:{_get(have, 'revision')}"
            plan["arns"][entry["service"]] = str(_get(have, "taskDefinitionArn") or "")
    return plan


def ecs_provision_plan(plan, existing):
    """What provisioning does with ``ecs_task_definition_plan``'s ``plan``: provisioning never changes
    what a running service runs, the rollout stage does.

    ``existing``: ``ecs_existing_services``. Returns ``{"register": [entries of services without an
    ECS service, registered now], "pending": [entries of existing services whose task definition
    differs, left to the rollout stage], "keep": {service: "family:revision" it runs or, new,
    matches}, "arns": {service: task definition ARN}}``.
    """
    existing = existing or {}
    out = {"register": [], "pending": [], "keep": dict(plan.get("keep") or {}), "arns": dict(plan.get("arns") or {})}
    for entry in plan.get("register") or []:
        (out["pending"] if entry["service"] in existing else out["register"]).append(entry)
    for name, svc in existing.items():
        running = str(svc.get("taskDefinition") or "")
        if running:
            out["keep"][name] = _short_task_definition(running)
            out["arns"][name] = running
    return out


def ecs_release_plan(plan, services):
    """The rollout stage's plan: ``{"register": [entries], "arns": {service: ARN to run},
    "services": [spec names of the existing ECS services]}`` from ``ecs_task_definition_plan`` or
    ``ecs_provision_plan`` (its ``pending`` entries are the ones to register) and the names of the
    services that exist."""
    register = plan["pending"] if "pending" in plan else plan.get("register") or []
    return {"register": list(register), "arns": dict(plan.get("arns") or {}), "services": list(services or [])}


def ecs_rollout_targets(release, registered, prefix):
    """``ecs_rollout``'s ``services`` (switch mode): every existing service with the task definition
    ARN it must run, the one it runs or the revision registered for it (``registered``: an
    ``ecs_task_definition`` loop's results). A service whose revision was not registered (check
    mode) is left out."""
    arns = dict(release.get("arns") or {})
    arns.update(ecs_registered_task_definitions(registered, full=True))
    for entry in release.get("register") or []:
        if entry["service"] not in ecs_registered_task_definitions(registered):
            arns.pop(entry["service"], None)
    return [
        {"service": f"{prefix}-{name}", "task_definition": arns[name]} for name in release["services"] if arns.get(name)
    ]


def ecs_release_changes(entries, prefix):
    """One line per service with a pending task definition change: ``service: change; change``."""
    return [f"{prefix}-{entry['service']}: {'; '.join(entry.get('changes') or entry['reasons'])}" for entry in entries]


def ecs_task_definition_revisions(results):
    """``[[family, revision], ...]`` for revisions 1..latest of each family, from
    ``ecs_taskdefinition_info`` results of the families' latest ACTIVE revisions."""
    pairs = []
    for result in results or []:
        family, latest = result.get("family"), result.get("revision")
        if family and latest:
            pairs.extend([family, revision] for revision in range(1, int(latest) + 1))
    return pairs


def ecs_by_service(results, key="item"):
    """``{service: result}`` from a looped task's ``results`` whose items have a ``service`` (or are names)."""
    out = {}
    for result in results or []:
        item = result.get(key)
        name = item.get("service") if isinstance(item, dict) else item
        out[str(name)] = result
    return out


# --- services -----------------------------------------------------------------------------------


def _short_task_definition(ref):
    return str(ref or "").rsplit("/", 1)[-1]


def ecs_existing_services(described, prefix):
    """``{spec name: service}`` of the ACTIVE services in ``ecs_service_info``'s ``services``."""
    out = {}
    for svc in described or []:
        name = str(svc.get("serviceName") or "")
        if svc.get("status") == "ACTIVE" and name.startswith(f"{prefix}-"):
            out[name[len(prefix) + 1 :]] = svc
    return out


def ecs_registered_task_definitions(results, full=False):
    """``{service: "family:revision"}`` (``full``: the ARN) of the revisions an ``ecs_task_definition``
    loop registered or reused (not the ones check mode would register)."""
    out = {}
    for result in results or []:
        arn = (result.get("taskdefinition") or {}).get("taskDefinitionArn")
        if arn:
            out[result["item"]["service"]] = arn if full else _short_task_definition(arn)
    return out


def ecs_service_arns(existing, results=None):
    """``{service: ARN}`` from the existing services and an ``ecs_service`` loop's results."""
    out = {name: svc.get("serviceArn") for name, svc in (existing or {}).items()}
    for result in results or []:
        arn = (result.get("service") or {}).get("serviceArn")
        if arn:
            out[result["item"]["service"]] = arn
    return out


def ecs_service_plan(services, task_definitions, existing, ctx):
    """Which ECS services to create or update, with the ``community.aws.ecs_service`` arguments.

    ``services``: the service specs; ``task_definitions``: ``{service: "family:revision"}`` to run
    (a service missing there runs its family's latest revision); ``existing``:
    ``ecs_existing_services``; ``ctx``: prefix, cluster, subnets, security_groups,
    target_group_arns {service: arn}, grace_period, tags, capacity_provider_strategy (list, empty:
    launch type FARGATE).

    An existing service keeps its desired count (autoscaling owns it) unless it lies outside
    min..max. Fields AWS always returns but the emulator may leave out (``deploymentConfiguration``
    and ``capacityProviderStrategy`` of a service it created) are compared only when present.
    Drift only in fields ``community.aws.ecs_service`` does not compare itself (deployment and
    network configuration) sets ``force_new_deployment`` so that the module updates the service.
    """
    strategy = ctx.get("capacity_provider_strategy") or []
    plan = []
    for spec in services:
        name = f"{ctx['prefix']}-{spec['name']}"
        task_definition = task_definitions.get(spec["name"]) or name
        scaling = ecs_scaling(spec)
        public = bool(spec.get("public"))
        load_balancers = (
            [
                {
                    "targetGroupArn": ctx["target_group_arns"].get(spec["name"], ""),
                    "containerName": spec["name"],
                    "containerPort": int(spec["port"]),
                }
            ]
            if public
            else []
        )
        grace = int(spec.get("health_check_grace_period") or ctx.get("grace_period", 60)) if public else None
        have = existing.get(spec["name"])
        reasons = []
        if have is None:
            desired_count = scaling["desired"]
            reasons.append("missing")
        else:
            current = int(have.get("desiredCount", 0))
            desired_count = min(max(current, scaling["min"]), scaling["max"])
            if desired_count != current:
                reasons.append("desiredCount")
            if _short_task_definition(have.get("taskDefinition")) != task_definition:
                reasons.append("taskDefinition")
            if sorted(
                (lb.get("targetGroupArn"), lb.get("containerName"), int(lb.get("containerPort", 0)))
                for lb in have.get("loadBalancers") or []
            ) != sorted((lb["targetGroupArn"], lb["containerName"], lb["containerPort"]) for lb in load_balancers):
                reasons.append("loadBalancers")
            if (
                grace is not None
                and "healthCheckGracePeriodSeconds" in have
                and int(have["healthCheckGracePeriodSeconds"]) != grace
            ):
                reasons.append("healthCheckGracePeriodSeconds")
            if (have.get("propagateTags") or "NONE") != "SERVICE":
                reasons.append("propagateTags")
            if bool(have.get("enableExecuteCommand", False)):
                reasons.append("enableExecuteCommand")
            drift = []
            vpc = (have.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
            if (
                set(vpc.get("subnets") or []) != set(ctx["subnets"])
                or set(vpc.get("securityGroups") or []) != set(ctx["security_groups"])
                or vpc.get("assignPublicIp", "DISABLED") != "DISABLED"
            ):
                drift.append("networkConfiguration")
            conf = have.get("deploymentConfiguration")
            if conf is not None:
                breaker = conf.get("deploymentCircuitBreaker") or {}
                if (
                    conf.get("minimumHealthyPercent") != 100
                    or conf.get("maximumPercent") != 200
                    or not breaker.get("enable")
                    or not breaker.get("rollback")
                ):
                    drift.append("deploymentConfiguration")
            if strategy and "capacityProviderStrategy" in have:
                have_cps = sorted(
                    (c.get("capacityProvider"), int(c.get("weight", 0)), int(c.get("base", 0)))
                    for c in have["capacityProviderStrategy"]
                )
                want_cps = sorted(
                    (c["capacity_provider"], int(c.get("weight", 0)), int(c.get("base", 0))) for c in strategy
                )
                if have_cps != want_cps:
                    drift.append("capacityProviderStrategy")
            reasons.extend(drift)
            reasons.extend(["forceNewDeployment"] if drift and len(drift) == len(reasons) else [])
        if not reasons:
            continue
        params = {
            "name": name,
            "cluster": ctx["cluster"],
            "task_definition": task_definition,
            "desired_count": desired_count,
            "network_configuration": {
                "subnets": list(ctx["subnets"]),
                "security_groups": list(ctx["security_groups"]),
                "assign_public_ip": False,
            },
            "deployment_configuration": {
                "minimum_healthy_percent": 100,
                "maximum_percent": 200,
                "deployment_circuit_breaker": {"enable": True, "rollback": True},
            },
            "load_balancers": load_balancers,
            "propagate_tags": "SERVICE",
            "enable_execute_command": False,
            "force_new_deployment": "forceNewDeployment" in reasons,
        }
        if grace is not None:
            params["health_check_grace_period_seconds"] = grace
        if strategy:
            params["capacity_provider_strategy"] = [{k: v for k, v in c.items() if v is not None} for c in strategy]
        else:
            params["launch_type"] = "FARGATE"
        if have is None:
            # community.aws.ecs_service sets tags on creation only (it refuses to change them later)
            params["tags"] = dict(ctx["tags"])
        plan.append(
            {"service": spec["name"], "reasons": [r for r in reasons if r != "forceNewDeployment"], "params": params}
        )
    return plan


# --- load balancing -----------------------------------------------------------------------------


def ecs_target_groups(services, ctx):
    """``community.aws.elb_target_group`` arguments of every public service.

    ``ctx``: prefix, vpc_id, tags, interval, timeout, healthy_threshold, unhealthy_threshold,
    deregistration_delay.
    """
    groups = []
    for svc in _public(services):
        name = ecs_target_group_name(svc["name"], ctx["prefix"])
        groups.append(
            {
                "service": svc["name"],
                "name": name,
                "protocol": "HTTP",
                "port": int(svc["port"]),
                "vpc_id": ctx["vpc_id"],
                "target_type": "ip",
                "health_check_protocol": "HTTP",
                "health_check_port": "traffic-port",
                "health_check_path": svc.get("health_path", "/health"),
                "health_check_interval": int(ctx.get("interval", 15)),
                "health_check_timeout": int(ctx.get("timeout", 5)),
                "healthy_threshold_count": int(ctx.get("healthy_threshold", 2)),
                "unhealthy_threshold_count": int(ctx.get("unhealthy_threshold", 3)),
                "successful_response_codes": "200",
                "deregistration_delay_timeout": int(ctx.get("deregistration_delay", 30)),
                "tags": dict(ctx["tags"], Name=name, Service=svc["name"]),
            }
        )
    return groups


def ecs_target_group_plan(groups, found):
    """The target groups (``ecs_target_groups`` entries) that are missing or differ from ``found``
    (``elb_target_group_info``'s ``target_groups``)."""
    by_name = {g.get("target_group_name"): g for g in found or []}
    todo = []
    for want in groups:
        have = by_name.get(want["name"])
        if (
            have is None
            or have.get("port") != want["port"]
            or have.get("protocol") != want["protocol"]
            or have.get("vpc_id") != want["vpc_id"]
            or have.get("target_type") != want["target_type"]
            or have.get("health_check_protocol") != want["health_check_protocol"]
            or str(have.get("health_check_port")) != want["health_check_port"]
            or have.get("health_check_path") != want["health_check_path"]
            or have.get("health_check_interval_seconds") != want["health_check_interval"]
            or have.get("health_check_timeout_seconds") != want["health_check_timeout"]
            or have.get("healthy_threshold_count") != want["healthy_threshold_count"]
            or have.get("unhealthy_threshold_count") != want["unhealthy_threshold_count"]
            or (have.get("matcher") or {}).get("http_code") != want["successful_response_codes"]
            or str(have.get("deregistration_delay_timeout_seconds")) != str(want["deregistration_delay_timeout"])
            or any((have.get("tags") or {}).get(k) != v for k, v in want["tags"].items())
        ):
            todo.append(want)
    return todo


def ecs_target_group_arns(groups, found, converged=None):
    """``{service: target group ARN}`` from what was found and what the converge loop returned."""
    arns = {g.get("target_group_name"): g.get("target_group_arn") for g in found or []}
    for result in converged or []:
        if result.get("target_group_arn"):
            arns[result.get("target_group_name") or result["item"]["name"]] = result["target_group_arn"]
    out = {}
    for group in groups:
        arn = arns.get(group["name"])
        if arn:
            out[group["service"]] = arn
    return out


def ecs_listeners(
    services, target_group_arns, certificate_arn="", ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", with_rules=True
):
    """``amazon.aws.elb_application_lb`` listeners: with a certificate, HTTPS 443 (TLS 1.2+ policy)
    forwarding and HTTP 80 redirecting to it with a 301; without one (local stack only), HTTP 80
    forwarding. The first public service is the default action; every other public service gets a
    path rule ``/{service}/*`` (priorities 10, 20, ... in service order).

    ``with_rules=false`` leaves the ``Rules`` key out: amazon.aws 10.1's elb_application_lb fails
    (DescribeRules without a listener ARN) when a listener it has just added has ``Rules``, so the
    role adds the listeners first and the rules in a second call, only when they differ
    (``ecs_listener_rules_plan``)."""
    public = _public(services)
    if not public:
        return []
    missing = [s["name"] for s in public if s["name"] not in target_group_arns]
    if missing:
        raise AnsibleFilterError(f"no target group ARN for the public services {', '.join(missing)}")
    default = [{"Type": "forward", "TargetGroupArn": target_group_arns[public[0]["name"]]}]
    rules = [
        {
            "Priority": 10 * (index + 1),
            "Conditions": [{"Field": "path-pattern", "Values": [f"/{svc['name']}/*"]}],
            "Actions": [{"Type": "forward", "TargetGroupArn": target_group_arns[svc["name"]]}],
        }
        for index, svc in enumerate(public[1:])
    ]
    if not certificate_arn:
        listeners = [{"Protocol": "HTTP", "Port": 80, "DefaultActions": default, "Rules": rules}]
    else:
        listeners = [
            {
                "Protocol": "HTTPS",
                "Port": 443,
                "SslPolicy": ssl_policy,
                "Certificates": [{"CertificateArn": certificate_arn}],
                "DefaultActions": default,
                "Rules": rules,
            },
            {
                "Protocol": "HTTP",
                "Port": 80,
                "DefaultActions": [
                    {
                        "Type": "redirect",
                        "RedirectConfig": {
                            "Protocol": "HTTPS",
                            "Port": "443",
                            "Host": "#{host}",
                            "Path": "/#{path}",
                            "Query": "#{query}",
                            "StatusCode": "HTTP_301",
                        },
                    }
                ],
                "Rules": [],
            },
        ]
    if not with_rules:
        for listener in listeners:
            listener.pop("Rules")
    return listeners


def _rule_key(rule):
    paths = []
    for condition in rule.get("conditions", rule.get("Conditions")) or []:
        config = condition.get("path_pattern_config", condition.get("PathPatternConfig")) or {}
        paths.extend(
            config.get("values", config.get("Values")) or condition.get("values", condition.get("Values")) or []
        )
    targets = []
    for action in rule.get("actions", rule.get("Actions")) or []:
        targets.append(
            (action.get("type", action.get("Type")), action.get("target_group_arn", action.get("TargetGroupArn")))
        )
    return (str(rule.get("priority", rule.get("Priority"))), tuple(sorted(set(paths))), tuple(sorted(targets)))


def ecs_listener_rules_plan(current_listeners, listeners):
    """The listeners (with ``Rules``) to pass to a second ``elb_application_lb`` call when the
    non-default rules of ``current_listeners`` (its snake_cased ``listeners`` output) differ from
    the wanted ones; ``[]`` when they match."""
    have = {}
    for listener in current_listeners or []:
        rules = [
            r for r in listener.get("rules") or [] if not r.get("is_default") and str(r.get("priority")) != "default"
        ]
        have[int(listener.get("port"))] = sorted(_rule_key(r) for r in rules)
    for listener in listeners:
        want = sorted(_rule_key(r) for r in listener.get("Rules") or [])
        if have.get(int(listener["Port"]), []) != want:
            return listeners
    return []


# --- autoscaling, WAF ---------------------------------------------------------------------------


def ecs_scaling_policies(services, ctx):
    """``community.aws.application_autoscaling_policy`` arguments: a CPU and a memory target-tracking
    policy per service over its min..max. ``ctx``: cluster, prefix, cpu_target, memory_target,
    scale_in_cooldown, scale_out_cooldown."""
    policies = []
    for svc in services:
        scaling = ecs_scaling(svc)
        service_name = f"{ctx['prefix']}-{svc['name']}"
        for metric, target in (
            ("cpu", ("ECSServiceAverageCPUUtilization", ctx["cpu_target"])),
            ("memory", ("ECSServiceAverageMemoryUtilization", ctx["memory_target"])),
        ):
            policies.append(
                {
                    "service": svc["name"],
                    "policy_name": f"{service_name}-{metric}",
                    "resource_id": f"service/{ctx['cluster']}/{service_name}",
                    "minimum_tasks": scaling["min"],
                    "maximum_tasks": scaling["max"],
                    "configuration": {
                        "PredefinedMetricSpecification": {"PredefinedMetricType": target[0]},
                        "TargetValue": float(target[1]),
                        "ScaleInCooldown": int(ctx.get("scale_in_cooldown", 300)),
                        "ScaleOutCooldown": int(ctx.get("scale_out_cooldown", 60)),
                    },
                }
            )
    return policies


def ecs_fingerprint(value, length=16):
    """Short, stable SHA-256 digest of a JSON-serializable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[: int(length)]


def _visibility(metric):
    return {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True, "metric_name": metric}


def ecs_waf_rules(prefix, rate_limit, rule_action_overrides=None):
    """``community.aws.wafv2_web_acl`` rules: a per-IP rate limit (requests per 5 minutes), then the
    AWS managed rule groups (IP reputation, common, known bad inputs, SQL injection).
    ``rule_action_overrides`` maps a managed group name to rule names switched to count only
    (e.g. ``{AWSManagedRulesCommonRuleSet: [SizeRestrictions_BODY]}`` for large uploads)."""
    overrides = rule_action_overrides or {}
    unknown = sorted(set(overrides) - set(WAF_MANAGED_RULE_GROUPS))
    if unknown:
        raise AnsibleFilterError(
            f"ecs_service_waf_rule_action_overrides names unknown rule groups {', '.join(unknown)} "
            f"(known: {', '.join(WAF_MANAGED_RULE_GROUPS)})"
        )
    rules = [
        {
            "name": "rate-limit-per-ip",
            "priority": 0,
            "action": {"block": {}},
            "statement": {"rate_based_statement": {"limit": int(rate_limit), "aggregate_key_type": "IP"}},
            "visibility_config": _visibility(f"{prefix}-rate-limit"),
        }
    ]
    for index, group in enumerate(WAF_MANAGED_RULE_GROUPS, start=1):
        statement = {"vendor_name": "AWS", "name": group}
        if overrides.get(group):
            statement["rule_action_overrides"] = [
                {"name": str(rule), "action_to_use": {"count": {}}} for rule in overrides[group]
            ]
        rules.append(
            {
                "name": group,
                "priority": index,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": statement},
                "visibility_config": _visibility(f"{prefix}-{group}"),
            }
        )
    return rules


# --- CloudFront ---------------------------------------------------------------------------------


def ecs_cloudfront_distribution(ctx):
    """``community.aws.cloudfront_distribution`` arguments for the assets bucket.

    ``ctx``: prefix, bucket, region, origin_access_control_id (the id of the origin
    access control CloudFront signs its requests to the private bucket with; "" only in check mode
    before it exists), aliases, certificate_arn, price_class, default_root_object, cache_policy_id,
    tags. The origin has no origin access identity (OAI, the legacy way, which cannot read SSE-KMS
    objects).
    With a certificate (custom aliases) the viewer minimum is TLSv1.2_2021; with the default
    ``*.cloudfront.net`` certificate CloudFront fixes the minimum itself (TLSv1).
    """
    origin_id = f"{ctx['prefix']}-assets"
    if ctx.get("certificate_arn"):
        certificate = {
            "acm_certificate_arn": ctx["certificate_arn"],
            "ssl_support_method": "sni-only",
            "minimum_protocol_version": "TLSv1.2_2021",
        }
    else:
        certificate = {"cloudfront_default_certificate": True, "minimum_protocol_version": "TLSv1"}
    return {
        "caller_reference": f"{ctx['prefix']}-assets",
        "comment": f"{ctx['prefix']} static assets",
        "origins": [
            {
                "id": origin_id,
                "domain_name": f"{ctx['bucket']}.s3.{ctx['region']}.amazonaws.com",
                "origin_path": "",
                "s3_origin_config": {"origin_access_identity": ""},
                "origin_access_control_id": ctx.get("origin_access_control_id") or "",
            }
        ],
        "default_cache_behavior": {
            "target_origin_id": origin_id,
            "viewer_protocol_policy": "redirect-to-https",
            "allowed_methods": {"items": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]},
            "cache_policy_id": ctx.get("cache_policy_id") or CACHING_OPTIMIZED,
            "compress": True,
        },
        "default_root_object": ctx.get("default_root_object", "index.html"),
        "price_class": ctx.get("price_class", "PriceClass_100"),
        "http_version": "http2",
        "ipv6_enabled": True,
        "aliases": list(ctx.get("aliases") or []),
        # Legacy (S3) standard logging stays off: it writes through bucket ACLs, which the logs bucket
        # disables (BucketOwnerEnforced), so AWS refuses it. The access logs go through CloudWatch Logs
        # vended-log delivery instead (platform_ops.aws.cloudwatch_log_delivery, logging v2).
        "logging": {"enabled": False, "include_cookies": False, "bucket": "", "prefix": ""},
        "viewer_certificate": certificate,
        "enabled": True,
        "tags": dict(ctx["tags"]),
    }


def ecs_cloudfront_find(distributions, bucket, region):
    """The summary (``cloudfront_distribution_info`` ``list_distributions``) of the distribution
    whose origin is the assets bucket, or ``{}``. Bucket names are global, so the origin identifies
    the platform's distribution."""
    domain = f"{bucket}.s3.{region}.amazonaws.com"
    if isinstance(distributions, dict):  # keyed by id and alias
        distributions = list(distributions.values())
    for dist in distributions or []:
        origins = ((dist.get("Origins") or dist.get("origins") or {}).get("Items")) or []
        if any(o.get("DomainName") == domain for o in origins):
            return dist
    return {}


def ecs_cloudfront_differences(want, have):
    """Why the distribution config ``have`` (``DistributionConfig`` of ``get_distribution``) is not
    ``want`` (``ecs_cloudfront_distribution``); empty when it is. An origin's ``S3OriginConfig``
    or ``OriginAccessControlId`` that the endpoint does not return counts as none."""
    if not have:
        return ["missing"]
    diffs = []
    if have.get("Comment") != want["comment"]:
        diffs.append("Comment")
    if bool(have.get("Enabled")) != want["enabled"]:
        diffs.append("Enabled")
    if (have.get("DefaultRootObject") or "") != want["default_root_object"]:
        diffs.append("DefaultRootObject")
    if have.get("PriceClass") != want["price_class"]:
        diffs.append("PriceClass")
    if (have.get("HttpVersion") or "").lower() != want["http_version"]:
        diffs.append("HttpVersion")
    if bool(have.get("IsIPV6Enabled")) != want["ipv6_enabled"]:
        diffs.append("IsIPV6Enabled")
    if sorted((have.get("Aliases") or {}).get("Items") or []) != sorted(want["aliases"]):
        diffs.append("Aliases")
    origins = (have.get("Origins") or {}).get("Items") or []
    wo = want["origins"][0]
    if len(origins) != 1 or origins[0].get("Id") != wo["id"] or origins[0].get("DomainName") != wo["domain_name"]:
        diffs.append("Origins")
    else:
        if ((origins[0].get("S3OriginConfig") or {}).get("OriginAccessIdentity") or "") != wo["s3_origin_config"][
            "origin_access_identity"
        ]:
            diffs.append("Origins.S3OriginConfig")
        if (origins[0].get("OriginAccessControlId") or "") != wo["origin_access_control_id"]:
            diffs.append("Origins.OriginAccessControlId")
    behavior = have.get("DefaultCacheBehavior") or {}
    wb = want["default_cache_behavior"]
    if (
        behavior.get("TargetOriginId") != wb["target_origin_id"]
        or behavior.get("ViewerProtocolPolicy") != wb["viewer_protocol_policy"]
        or behavior.get("CachePolicyId") != wb["cache_policy_id"]
        or bool(behavior.get("Compress")) != wb["compress"]
        or sorted((behavior.get("AllowedMethods") or {}).get("Items") or []) != sorted(wb["allowed_methods"]["items"])
    ):
        diffs.append("DefaultCacheBehavior")
    logging = have.get("Logging") or {}
    wl = want["logging"]
    if bool(logging.get("Enabled")) != wl["enabled"] or (
        wl["enabled"]
        and (
            logging.get("Bucket") != wl["bucket"]
            or logging.get("Prefix") != wl["prefix"]
            or bool(logging.get("IncludeCookies")) != wl["include_cookies"]
        )
    ):
        diffs.append("Logging")
    cert = have.get("ViewerCertificate") or {}
    wc = want["viewer_certificate"]
    if wc.get("acm_certificate_arn"):
        if (
            cert.get("ACMCertificateArn") != wc["acm_certificate_arn"]
            or cert.get("MinimumProtocolVersion") != wc["minimum_protocol_version"]
        ):
            diffs.append("ViewerCertificate")
    elif not cert.get("CloudFrontDefaultCertificate"):
        diffs.append("ViewerCertificate")
    return diffs


# --- facts --------------------------------------------------------------------------------------


def ecs_facts(services, ctx):
    """``platform_ecs`` (keys per the role contract) from what the role found and converged.

    ``ctx``: cluster_name, cluster_arn, alb {arn, dns_name, zone_id, ip_address_type}, target_group_arns, task_definitions
    {service: "family:revision"}, service_arns {service: arn}, repositories, web_acl_arn,
    cloudfront_domain_name, cloudfront_distribution_arn, region, account, partition, prefix.
    """
    partition = ctx.get("partition", "aws")
    services_out = {}
    for svc in services:
        name = svc["name"]
        full = f"{ctx['prefix']}-{name}"
        task_def = ctx["task_definitions"].get(name, "")
        services_out[name] = {
            "name": full,
            "arn": ctx.get("service_arns", {}).get(name)
            or f"arn:{partition}:ecs:{ctx['region']}:{ctx['account']}:service/{ctx['cluster_name']}/{full}",
            "task_definition_arn": (
                f"arn:{partition}:ecs:{ctx['region']}:{ctx['account']}:task-definition/{task_def}" if task_def else ""
            ),
        }
    return {
        "cluster_name": ctx["cluster_name"],
        "cluster_arn": ctx["cluster_arn"],
        "alb_arn": (ctx.get("alb") or {}).get("arn", ""),
        "alb_dns_name": (ctx.get("alb") or {}).get("dns_name", ""),
        # The ALB's canonical hosted zone id and ipv4|dualstack: what a Route 53 alias record needs.
        "alb_zone_id": (ctx.get("alb") or {}).get("zone_id", ""),
        "alb_ip_address_type": (ctx.get("alb") or {}).get("ip_address_type", ""),
        "target_group_arns": dict(ctx.get("target_group_arns") or {}),
        "services": services_out,
        "repositories": dict(ctx.get("repositories") or {}),
        "web_acl_arn": ctx.get("web_acl_arn") or "",
        "cloudfront_domain_name": ctx.get("cloudfront_domain_name") or "",
        "cloudfront_distribution_arn": ctx.get("cloudfront_distribution_arn") or "",
    }


def ecs_facts_rolled_out(facts, rollout_services):
    """``platform_ecs`` with each service's ``task_definition_arn`` set to what ``ecs_rollout``
    reports it runs now (``rollout_services``: its ``services`` result; an entry without a
    ``task_definition``, as in check mode, changes nothing)."""
    if not facts:
        return facts
    runs = {r.get("service"): r.get("task_definition") for r in rollout_services or [] if r.get("task_definition")}
    out = dict(facts)
    out["services"] = {
        name: dict(svc, task_definition_arn=runs.get(svc.get("name")) or svc.get("task_definition_arn", ""))
        for name, svc in (facts.get("services") or {}).items()
    }
    return out


def ecs_lifecycle_policy(keep_images):
    """ECR lifecycle policy keeping the newest ``keep_images`` images (any tag status)."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Keep the last {int(keep_images)} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": int(keep_images)},
                "action": {"type": "expire"},
            }
        ]
    }


class FilterModule:
    """platform_ops.aws ecs_service filters."""

    def filters(self):
        return {
            "ecs_target_group_name": ecs_target_group_name,
            "ecs_secret_arn": ecs_secret_arn,
            "ecs_secret_references": ecs_secret_references,
            "ecs_role_arns": ecs_role_arns,
            "ecs_iam_role_name": ecs_iam_role_name,
            "ecs_iam_role_names": ecs_iam_role_names,
            "ecs_iam_role_errors": ecs_iam_role_errors,
            "ecs_is_master_secret": ecs_is_master_secret,
            "ecs_execution_role_policy": ecs_execution_role_policy,
            "ecs_service_errors": ecs_service_errors,
            "ecs_preflight_errors": ecs_preflight_errors,
            "ecs_certificate_checks": ecs_certificate_checks,
            "ecs_scaling": ecs_scaling,
            "ecs_task_definitions": ecs_task_definitions,
            "ecs_task_definition_differences": ecs_task_definition_differences,
            "ecs_task_definition_plan": ecs_task_definition_plan,
            "ecs_provision_plan": ecs_provision_plan,
            "ecs_release_plan": ecs_release_plan,
            "ecs_rollout_targets": ecs_rollout_targets,
            "ecs_release_changes": ecs_release_changes,
            "ecs_by_service": ecs_by_service,
            "ecs_task_definition_revisions": ecs_task_definition_revisions,
            "ecs_service_plan": ecs_service_plan,
            "ecs_existing_services": ecs_existing_services,
            "ecs_registered_task_definitions": ecs_registered_task_definitions,
            "ecs_service_arns": ecs_service_arns,
            "ecs_target_groups": ecs_target_groups,
            "ecs_target_group_plan": ecs_target_group_plan,
            "ecs_target_group_arns": ecs_target_group_arns,
            "ecs_listeners": ecs_listeners,
            "ecs_listener_rules_plan": ecs_listener_rules_plan,
            "ecs_scaling_policies": ecs_scaling_policies,
            "ecs_fingerprint": ecs_fingerprint,
            "ecs_waf_rules": ecs_waf_rules,
            "ecs_cloudfront_distribution": ecs_cloudfront_distribution,
            "ecs_cloudfront_find": ecs_cloudfront_find,
            "ecs_cloudfront_differences": ecs_cloudfront_differences,
            "ecs_facts": ecs_facts,
            "ecs_facts_rolled_out": ecs_facts_rolled_out,
            "ecs_lifecycle_policy": ecs_lifecycle_policy,
        }
