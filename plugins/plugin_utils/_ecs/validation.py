# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the ecs_service role's input before any AWS call, the certificate and health check URL
preflight (roles/platform/tasks/main.yml), and the task counts of a service spec.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

import re

from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.naming import (
    ELB_NAME_MAX,
    _public,
    ecs_target_group_name,
)

TLS_POLICY_RE = re.compile(r"^ELBSecurityPolicy-(TLS13-1-[23]-|FS-1-2-|TLS-1-2-)")


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
