# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters shared by every role: names, tags, subnet layout, input validation."""

from __future__ import annotations

import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules
from ansible_collections.platform_ops.aws.plugins.plugin_utils._platform.network import (  # noqa: F401 - re-exported
    MAX_AZS,
    TIERS,
    _tag_dict,
    nat_gateway_plan,
    network_facts,
    non_main_route_tables,
    pick_nat_id,
    sg_rule_from_cidr,
    subnet_layout,
    subnets_by_tier,
    subnets_to_converge,
)

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
SERVICE_NAME_RE = rules.SERVICE_NAME_RE
ENVIRONMENTS = ("local", "dev", "staging", "prod")
STANDARD_TAG_KEYS = ("Project", "Environment", "ManagedBy", "DataClassification")
# Valid Fargate cpu -> memory (MiB) combinations.
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}
SERVICE_KEYS = set(rules.SERVICE_KEYS)
SECRET_NAME_RE = rules.SECRET_ENV_NAME_RE


def resource_name(platform_name, platform_env, component=""):
    """``{platform_name}-{platform_env}-{component}`` (the cluster name when no component)."""
    if not platform_name or not platform_env:
        raise AnsibleFilterError("resource_name needs platform_name and platform_env")
    base = f"{platform_name}-{platform_env}"
    return f"{base}-{component}" if component else base


def standard_tags(platform_name, platform_env, extra=None, **more):
    """The tag set every taggable resource carries, merged with ``platform_tags`` and extras."""
    tags = {
        "Project": platform_name,
        "Environment": platform_env,
        "ManagedBy": "ansible",
        "DataClassification": "phi",
    }
    for source in (extra or {}), more:
        for key, value in source.items():
            if key in STANDARD_TAG_KEYS:
                continue  # the standard tags cannot be overridden
            tags[str(key)] = str(value)
    return tags


def tag_filters(platform_name, platform_env):
    """EC2-style ``filters`` dict selecting the platform's resources by tag."""
    return {"tag:Project": platform_name, "tag:Environment": platform_env, "tag:ManagedBy": "ansible"}


# Secrets Manager names of the platform's well-known secrets, by the environment variable a
# container sees them as. Anything else a service lists goes under {prefix}/app/.
WELL_KNOWN_SECRETS = {
    "DATABASE_URL": "database/url",
    "DATABASE_MASTER": "database/master",
    "REDIS_AUTH_TOKEN": "cache/auth-token",
    "REDIS_URL": "cache/url",
    "JWT_SECRET": "identity/jwt-secret",
    "JWT_SECRET_PREVIOUS": "identity/jwt-secret-previous",
}


def secret_name(env_name, platform_name, platform_env):
    """Secrets Manager name of a secret a container sees as ``env_name``.

    ``DATABASE_URL`` -> ``{name}-{env}/database/url``; ``STRIPE_KEY`` -> ``{name}-{env}/app/stripe-key``.
    """
    prefix = resource_name(platform_name, platform_env)
    path = WELL_KNOWN_SECRETS.get(str(env_name))
    if path is None:
        path = "app/" + str(env_name).lower().replace("_", "-")
    return f"{prefix}/{path}"


def rollback_targets(names, platform_name, platform_env, revision=""):
    """``ecs_rollout``'s ``services`` to roll back: the previous revision, or ``family:revision``."""
    targets = []
    for name in names:
        service = resource_name(platform_name, platform_env, name)
        if str(revision):
            targets.append({"service": service, "task_definition": f"{service}:{int(revision)}"})
        else:
            targets.append({"service": service, "revision": "previous"})
    return targets


def migration_service(services, preferred=""):
    """The service whose task definition the migration task copies: ``preferred`` (``migrate_service``),
    else the first service (spec order) whose ``uses`` includes ``database`` (it has DATABASE_URL)."""
    names = [svc["name"] for svc in services]
    if preferred:
        if preferred not in names:
            raise AnsibleFilterError(
                f"migrate_service {preferred!r} is not one of platform_services ({', '.join(names)})"
            )
        return preferred
    for svc in services:
        if "database" in rules.service_uses(svc):
            return svc["name"]
    raise AnsibleFilterError(
        "no service uses the database (every service's uses leaves out database), so none has DATABASE_URL "
        "to run the migration with: add database to a service's uses, or set migrate_service"
    )


def service_uses(spec):
    """The components a service spec uses (``uses``; default all: database, cache, storage, search, identity)."""
    return rules.service_uses(spec)


def services_using(services, component):
    """Names of the services (spec order) whose ``uses`` includes ``component``."""
    if component not in rules.COMPONENTS:
        raise AnsibleFilterError(f"services_using: {component!r} is not one of {', '.join(rules.COMPONENTS)}")
    return [svc["name"] for svc in services or [] if component in rules.service_uses(svc)]


def service_secrets(spec):
    """Every ECS secret a service gets: DATABASE_URL (uses database), REDIS_URL (uses cache) and its ``secrets``."""
    return rules.service_secret_names(spec)


def health_check_targets(services, base_url, overrides=None):
    """``[{service, url}]`` for every public service: ``overrides[name]`` or base URL + health path.

    The first public service is the ALB's default; the others are routed by path prefix
    ``/{name}`` (the ecs_service role's listener rules).
    """
    overrides = overrides or {}
    public = [svc for svc in services if svc.get("public")]
    targets = []
    for position, svc in enumerate(public):
        if svc["name"] in overrides:
            url = overrides[svc["name"]]
        else:
            prefix = "" if position == 0 else f"/{svc['name']}"
            url = str(base_url).rstrip("/") + prefix + svc.get("health_path", "/health")
        targets.append({"service": svc["name"], "url": url})
    return targets


# One aws_read for several roles' facts (issue 15): the rollout needs the storage, identity, search, database and
# cache facts; each role says what it reads (its tasks/facts_reads.yml), and one module run reads them all.
_READ_SEPARATOR = "__"


def merge_reads(reads_by_role):
    """The reads of several roles as one aws_read list: each id (and every id a read names in params_from or
    only_if_missing) becomes ``<role>__<id>``, so ids may repeat across roles. ``role_responses`` takes a role's
    responses back under its own ids."""
    merged = []
    for role, reads in (reads_by_role or {}).items():
        if _READ_SEPARATOR in role:
            raise AnsibleFilterError(f"ecs_service_merge_reads: role name {role!r} must not hold {_READ_SEPARATOR!r}")
        prefix = role + _READ_SEPARATOR
        for original in reads or []:
            read = dict(original, id=prefix + original["id"])
            if read.get("params_from"):
                read["params_from"] = {param: prefix + source for param, source in read["params_from"].items()}
            if read.get("only_if_missing"):
                read["only_if_missing"] = [prefix + rid for rid in read["only_if_missing"]]
            merged.append(read)
    return merged


def role_responses(responses, role=None):
    """One role's responses from a ``merge_reads`` read, under the ids the role gave them; without ``role``, every
    role's, as ``{role: {id: response}}``."""
    by_role = {}
    for rid, value in (responses or {}).items():
        owner, sep, own_id = rid.partition(_READ_SEPARATOR)
        if sep:
            by_role.setdefault(owner, {})[own_id] = value
    return by_role if role is None else by_role.get(role, {})


def _flatten(value, path=""):
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _flatten(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        yield path, ", ".join(str(v) for v in value) if value else "-"
    else:
        yield path, "-" if value in (None, "") else str(value)


def outputs_table(outputs, platform_name, platform_env, region):
    """Lines of a readable two-column table of the roles' facts (for ``debug``)."""
    rows = [(f"{role}.{key}", value) for role, facts in outputs.items() for key, value in _flatten(facts or {})]
    width = max((len(key) for key, _ in rows), default=10)
    lines = [f"{resource_name(platform_name, platform_env)} in {region}", "-" * (width + 40)]
    lines += [f"{key.ljust(width)}  {value}" for key, value in rows]
    return lines


def _is_private(net):
    private = [ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
    return any(net.subnet_of(p) for p in private)


def _storage_default(key):
    """A default of the storage role (``storage_buckets``, ``storage_bucket_suffix``), read from its
    defaults file: the one definition, never copied. ``None`` when it cannot be read."""
    import os  # noqa: PLC0415

    import yaml  # noqa: PLC0415

    path = os.path.join(os.path.dirname(__file__), "..", "..", "roles", "storage", "defaults", "main.yml")
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.safe_load(handle).get(key)
    except (OSError, AttributeError, yaml.YAMLError):
        return None


def _default_storage_buckets():
    """``storage_buckets``' default (the storage role's)."""
    buckets = _storage_default("storage_buckets")
    return list(buckets) if isinstance(buckets, list) else None


def _service_errors(services, prefix="", region="", account="", known_buckets=None):
    errors = []
    if not isinstance(services, list):
        return ["platform_services must be a list of service specs"]
    seen = set()
    for pos, svc in enumerate(services):
        where = f"platform_services[{pos}]"
        if not isinstance(svc, dict):
            errors.append(f"{where} must be a mapping")
            continue
        name = svc.get("name")
        if isinstance(name, str) and SERVICE_NAME_RE.match(name):
            where = f"platform_services[{name}]"
            if name in seen:
                errors.append(f"{where}: duplicate service name")
            seen.add(name)
        errors.extend(rules.service_name_errors(where, name, prefix))
        errors.extend(rules.unknown_key_errors(where, svc))
        port = svc.get("port")
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            errors.append(f"{where}.port {port!r} must be an integer between 1 and 65535")
        cpu, memory = svc.get("cpu", 256), svc.get("memory", 512)
        if cpu not in FARGATE_SIZES:
            errors.append(f"{where}.cpu {cpu!r} must be one of {sorted(FARGATE_SIZES)}")
        elif memory not in FARGATE_SIZES[cpu]:
            errors.append(f"{where}.memory {memory!r} is not a valid Fargate size for cpu {cpu}")
        counts = {k: svc.get(k) for k in ("desired_count", "min_count", "max_count")}
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in counts.values() if v is not None):
            errors.append(f"{where}: desired_count, min_count and max_count must be non-negative integers")
        else:
            desired = counts["desired_count"] if counts["desired_count"] is not None else 1
            low = counts["min_count"] if counts["min_count"] is not None else desired
            high = counts["max_count"] if counts["max_count"] is not None else max(desired, low)
            if not low <= desired <= high:
                errors.append(
                    f"{where}: need min_count <= desired_count <= max_count, got {low} <= {desired} <= {high}"
                )
        path = svc.get("health_path", "/health")
        if not isinstance(path, str) or not path.startswith("/"):
            errors.append(f"{where}.health_path {path!r} must start with '/'")
        if not isinstance(svc.get("public", False), bool):
            errors.append(f"{where}.public must be true or false")
        if not isinstance(svc.get("read_only_root_filesystem", True), bool):
            errors.append(f"{where}.read_only_root_filesystem must be true or false")
        command = svc.get("command")
        if command is not None and (not isinstance(command, list) or not all(isinstance(c, str) for c in command)):
            errors.append(f"{where}.command must be a list of strings")
        env = svc.get("environment", {})
        errors.extend(rules.environment_errors(where, {} if env is None else env))
        secrets = svc.get("secrets", [])
        errors.extend(rules.secrets_errors(where, [] if secrets is None else secrets, WELL_KNOWN_SECRETS))
        if isinstance(env, dict) and isinstance(secrets, list):
            both = sorted(set(secrets) & set(env), key=str)
            if both:
                errors.append(f"{where}: {', '.join(map(str, both))} is both a secret and plain environment")
        buckets = svc.get("buckets", [])
        errors.extend(rules.buckets_errors(where, [] if buckets is None else buckets, known_buckets))
        errors.extend(rules.uses_errors(where, svc))
        access = svc.get("bucket_access")
        if access not in (None, "", *rules.BUCKET_ACCESS):
            errors.append(f"{where}.bucket_access {access!r} must be one of {', '.join(rules.BUCKET_ACCESS)}")
        errors.extend(rules.grace_period_errors(where, svc.get("health_check_grace_period")))
        if isinstance(name, str) and svc.get("image") is not None:
            errors.extend(rules.image_errors(where, svc.get("image"), prefix, name, region, account=account))
            if svc.get("image_tag"):
                errors.append(f"{where}: image and image_tag are exclusive (image already names its tag)")
    return errors


def platform_config_errors(config, known_buckets=None, bucket_suffix=None):
    """Semantic checks of the public variables; returns a list of messages (empty when valid).

    The rules live in ``module_utils/platform_rules`` (shared with the roles and the compliance audit).
    ``known_buckets``: the storage bucket purposes a service may list (``storage_buckets``); default
    the storage role's default list. ``bucket_suffix``: ``storage_bucket_suffix`` (default the storage
    role's); with them the bucket names are checked against S3's 63 characters.
    """
    errors = []
    name = config.get("platform_name")
    if not isinstance(name, str) or not NAME_RE.match(name) or "--" in name:
        errors.append(
            f"platform_name {name!r} must be a DNS-safe lowercase name of 3-20 characters "
            "(letters, digits, single hyphens; starts with a letter)"
        )
    env = config.get("platform_env")
    if env not in ENVIRONMENTS:
        errors.append(f"platform_env {env!r} must be one of {', '.join(ENVIRONMENTS)}")
    region = config.get("platform_region")
    errors.extend(rules.region_errors(region, config.get("platform_dr_region") or ""))
    errors.extend(rules.dr_errors(config))
    az_count = config.get("platform_az_count")
    if az_count not in (2, 3) or isinstance(az_count, bool):
        errors.append(f"platform_az_count {az_count!r} must be 2 or 3")
    cidr = config.get("platform_vpc_cidr")
    try:
        net = ipaddress.ip_network(str(cidr), strict=True)
        if net.version != 4 or not 16 <= net.prefixlen <= 20 or not _is_private(net):
            raise ValueError("not a /16 to /20 range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
    except ValueError as exc:
        errors.append(f"platform_vpc_cidr {cidr!r} must be a /16 to /20 private IPv4 range: {exc}")
    tags = config.get("platform_tags") or {}
    if not isinstance(tags, dict):
        errors.append("platform_tags must be a mapping")
    else:
        clash = sorted(set(tags) & set(STANDARD_TAG_KEYS))
        if clash:
            errors.append(f"platform_tags may not override the standard tags: {', '.join(clash)}")
        if any(str(k).lower().startswith("aws:") for k in tags):
            errors.append("platform_tags keys may not start with 'aws:'")
    emails = config.get("platform_alarm_emails") or []
    if not isinstance(emails, list) or not all(
        isinstance(e, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", e) for e in emails
    ):
        errors.append("platform_alarm_emails must be a list of email addresses")
    errors.extend(
        rules.endpoint_url_errors(
            config.get("platform_aws_endpoint_url") or "",
            env,
            _flag(config.get("platform_allow_insecure_endpoint", False)),
        )
    )
    cert = config.get("platform_certificate_arn") or ""
    if cert and not re.match(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/.+$", str(cert)):
        errors.append(f"platform_certificate_arn {cert!r} is not an ACM certificate ARN")
    tag = config.get("platform_image_tag")
    # No default: its absence is refused only by the runs that create or roll out services (roles/platform).
    if tag is not None and (not isinstance(tag, str) or not re.match(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", tag)):
        errors.append(f"platform_image_tag {tag!r} is not a valid image tag")
    migration = config.get("platform_migration_command")
    if not isinstance(migration, list) or not migration or not all(isinstance(c, str) for c in migration):
        errors.append("platform_migration_command must be a non-empty list of strings")
    prefix = f"{name}-{env}" if isinstance(name, str) and NAME_RE.match(name) and env in ENVIRONMENTS else ""
    account = re.match(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:(\d{12}):", str(cert))
    if known_buckets is None:
        known_buckets = _default_storage_buckets()
    if bucket_suffix is None:
        bucket_suffix = _storage_default("storage_bucket_suffix")
    if prefix and isinstance(known_buckets, list) and isinstance(bucket_suffix, str):
        errors.extend(rules.bucket_name_errors(prefix, known_buckets, bucket_suffix))
    errors.extend(
        _service_errors(
            config.get("platform_services", []),
            prefix=prefix,
            region=region if isinstance(region, str) else "",
            account=account.group(1) if account else "",
            known_buckets=known_buckets,
        )
    )
    return errors


def _flag(value):
    """A boolean given as a bool or as the string a template rendered."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def service_spec_errors(services, prefix):
    """The service rules a role can check on its own (roles/identity): names (DNS-safe, unique, not
    reserved, IAM role names within 64 characters), ``bucket_access`` and ``uses``; messages, empty when valid."""
    errors = []
    names = []
    for pos, svc in enumerate(services or []):
        if not isinstance(svc, dict):
            errors.append(f"platform_services[{pos}] must be a mapping")
            continue
        name = svc.get("name")
        where = f"platform_services[{name if isinstance(name, str) else pos}]"
        errors.extend(rules.service_name_errors(where, name, prefix))
        names.append(name)
        access = svc.get("bucket_access")
        if access not in (None, "", *rules.BUCKET_ACCESS):
            errors.append(f"{where}.bucket_access {access!r} must be one of {', '.join(rules.BUCKET_ACCESS)}")
        errors.extend(rules.uses_errors(where, svc))
    if len(set(map(str, names))) != len(names):
        errors.append("platform_services has duplicate service names")
    return errors


# amazon.aws 10.1's backup_plan fills these rule options with defaults before comparing.
_BACKUP_RULE_DEFAULTS = {
    "schedule_expression": "cron(0 5 ? * * *)",
    "start_window_minutes": 480,
    "completion_window_minutes": 10080,
    "schedule_expression_timezone": "Etc/UTC",
    "enable_continuous_backup": False,
}


def _scrub_none(value):
    if isinstance(value, dict):
        return {k: _scrub_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_scrub_none(v) for v in value]
    return value


def backup_plan_differs(found, rules, tags=None, purge_tags=True):
    """Whether amazon.aws.backup_plan would change the existing plan ``found`` (an item of backup_plan_info's
    ``backup_plans``) given ``rules`` and ``tags``: the module's own comparison (the rules, rule_id left out,
    after its defaults; the advanced settings; the tags), for check mode, where the module reports every plan
    with tags as changed."""
    import json  # noqa: PLC0415

    if not found:
        return True
    plan = found.get("backup_plan") or {}
    existing = [{k: v for k, v in rule.items() if k != "rule_id"} for rule in plan.get("rules") or []]
    wanted = []
    for rule in rules or []:
        merged = dict(_BACKUP_RULE_DEFAULTS)
        merged.update({k: v for k, v in rule.items() if v is not None})
        for key in ("start_window_minutes", "completion_window_minutes"):
            merged[key] = int(merged[key])
        lifecycles = [merged] + [c for c in merged.get("copy_actions") or [] if isinstance(c, dict)]
        for holder in lifecycles:
            if isinstance(holder.get("lifecycle"), dict):
                holder["lifecycle"] = {k: int(v) for k, v in holder["lifecycle"].items() if v is not None}
        wanted.append(_scrub_none(merged))
    if json.dumps(existing, sort_keys=True) != json.dumps(wanted, sort_keys=True):
        return True
    if plan.get("advanced_backup_settings"):
        return True
    current, desired = dict(found.get("tags") or {}), dict(tags or {})
    if any(current.get(k) != str(v) for k, v in desired.items()):
        return True
    return bool(purge_tags) and bool(set(current) - set(desired))


def is_iam_path(path):
    """Whether ``path`` is an IAM path (``/`` or ``/a/b/``): the rule of module_utils/platform_rules that the
    identity role's ``identity_role_path`` and the search role's ``search_client_role_path`` follow."""
    return rules.is_iam_path(path)


class FilterModule:
    """platform_ops.aws filters."""

    def filters(self):
        return {
            "search_is_iam_path": is_iam_path,
            "platform_resource_name": resource_name,
            "security_baseline_backup_plan_differs": backup_plan_differs,
            "platform_standard_tags": standard_tags,
            "network_tag_filters": tag_filters,
            "network_subnet_layout": subnet_layout,
            "platform_config_errors": platform_config_errors,
            "platform_secret_name": secret_name,
            "platform_migration_service": migration_service,
            "platform_service_uses": service_uses,
            "platform_services_using": services_using,
            "platform_rollback_targets": rollback_targets,
            "platform_health_check_targets": health_check_targets,
            "platform_outputs_table": outputs_table,
            "ecs_service_merge_reads": merge_reads,
            "ecs_service_role_responses": role_responses,
            "network_subnets_to_converge": subnets_to_converge,
            "network_subnets_by_tier": subnets_by_tier,
            "network_sg_rule_from_cidr": sg_rule_from_cidr,
            "network_facts": network_facts,
            "network_nat_gateway_plan": nat_gateway_plan,
            "network_pick_nat_id": pick_nat_id,
            "network_non_main_route_tables": non_main_route_tables,
        }
