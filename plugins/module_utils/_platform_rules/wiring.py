# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform wiring contract: what a service uses of the platform (``uses``), the ECS secrets and the
plain environment the platform gives it, the label that tracks its secret-borne endpoints, and the rules
of a spec that go with them (``uses``, ``health_check_grace_period``, ``image``)."""

from __future__ import annotations

import hashlib
import re

from ansible_collections.platform_ops.aws.plugins.module_utils._platform_rules.service_specs import (
    ECS_MAX_GRACE_PERIOD,
)

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
