# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disaster recovery filters (issue 14): the DR region's pilot light is run by a second, in-memory host
``<primary>-dr`` (playbooks/include/dr_host.yml) with the primary's variables and the region switched.

- ``dr_vpc_cidr``: the DR VPC's default CIDR, derived so the two networks never overlap;
- ``dr_host_vars``: the DR host's variables from the primary's hostvars, with the contract's overrides;
- ``ecs_desired_count_override``: the service specs at 0 tasks for the pilot light (unchanged while
  the DR region is active).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules

# Variables the DR host takes from the primary: the public ones and every role's.
DR_COPIED_PREFIXES = (
    "platform_",
    "network_",
    "storage_",
    "identity_",
    "database_",
    "cache_",
    "search_",
    "ecs_service_",
    "monitoring_",
    "security_baseline_",
    "rollout_",
    "migrate_",
    "healthcheck_",
    "compliance_",
)
DR_COPIED_KEYS = ("ansible_connection", "ansible_python_interpreter")
# Facts of the primary's run that describe the primary region, never the DR host's: the roles' published
# facts (the DR host derives its own, playbooks/include/dr_facts.yml), the run's lock bookkeeping, the
# primary's own DR bookkeeping.
DR_NOT_COPIED = (
    "platform_network",
    "platform_storage",
    "platform_identity",
    "platform_database",
    "platform_cache",
    "platform_search",
    "platform_ecs",
    "platform_monitoring",
    "platform_security_baseline",
    "platform_lock_owner",
    "platform_lock_holder",
    "platform_dr_host",
)


def dr_vpc_cidr(primary_cidr, dr_cidr=""):
    """``dr_cidr`` when set, else the block of ``primary_cidr``'s size right after it
    (10.20.0.0/16 -> 10.21.0.0/16); a clear error when that is not a private range."""
    if dr_cidr:
        return str(dr_cidr)
    try:
        return rules.dr_vpc_cidr(primary_cidr)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def dr_host_vars(primary_vars, primary_host, dr_region, dr_cidr, *, dr_certificate_arn="", primary_region=""):
    """The variables of the DR host ``<primary>-dr``: the primary's public and role variables
    (``primary_vars``: ``hostvars[primary]``), then the contract's overrides (region, CIDR, certificate,
    ``platform_dr_region: ''`` and the ``platform_dr_*`` back references)."""
    if not dr_region:
        raise AnsibleFilterError("dr_host_vars: the DR region is empty")
    primary_region = primary_region or primary_vars.get("platform_region", "")
    if dr_region == primary_region:
        raise AnsibleFilterError(f"dr_host_vars: the DR region {dr_region} is the primary region")
    result = {}
    for name in list(primary_vars.keys()):
        key = str(name)
        if key in DR_NOT_COPIED or not (key.startswith(DR_COPIED_PREFIXES) or key in DR_COPIED_KEYS):
            continue
        try:
            result[key] = primary_vars[key]
        except Exception as exc:  # noqa: BLE001 - a variable that cannot be templated on the primary
            raise AnsibleFilterError(f"dr_host_vars: {key} of {primary_host} cannot be evaluated: {exc}") from exc
    result.update(
        {
            "platform_region": dr_region,
            "platform_dr_region": "",
            "platform_vpc_cidr": str(dr_cidr),
            "platform_certificate_arn": dr_certificate_arn or "",
            "platform_dr_primary_host": primary_host,
            "platform_dr_primary_region": primary_region,
            "platform_dr_side": "secondary",
        }
    )
    return result


def dr_secret_arn(arn, primary_region, dr_region):
    """The ARN of a secret's replica in ``dr_region``: the same name and suffix, the region swapped
    (Secrets Manager replica regions). Empty stays empty."""
    arn = str(arn or "")
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "secretsmanager":
        return arn
    if parts[3] == primary_region:
        parts[3] = dr_region
    return ":".join(parts)


DR_SECRET_KEYS = {
    "platform_identity": ("jwt_secret_arn",),
    "platform_database": ("url_secret_arn", "master_secret_arn", "app_secret_arn"),
    "platform_cache": ("url_secret_arn", "auth_token_secret_arn"),
}


def dr_role_facts(primary, primary_region, dr_region, replicated_buckets=None):
    """The DR host's ``platform_storage``, ``platform_identity``, ``platform_database``, ``platform_cache``
    and ``platform_search`` from the primary's (``primary``: its hostvars or a dict of those facts).

    Storage: the DR key as ``kms_key_arn``, the ``{bucket}-dr`` replicas of ``replicated_buckets`` (default
    the storage role's ``storage_replicated_buckets``), the DR logs bucket ``{logs}-dr``. Secrets: their
    replica ARNs. IAM roles, Cognito ids, endpoints: the primary's (IAM is global; no Cognito, search or
    cache in the pilot light)."""
    storage = dict(primary.get("platform_storage") or {})
    if not storage.get("dr_kms_key_arn"):
        raise AnsibleFilterError(
            "dr_role_facts: platform_storage.dr_kms_key_arn is empty: run the storage role with platform_dr_region "
            f"{dr_region} first (it creates the DR region's key)"
        )
    if replicated_buckets is None:
        from ansible_collections.platform_ops.aws.plugins.filter.platform import _storage_default  # noqa: PLC0415

        replicated_buckets = _storage_default("storage_replicated_buckets") or []
    buckets = {}
    for purpose, bucket in (storage.get("buckets") or {}).items():
        replicated = purpose in replicated_buckets
        buckets[purpose] = {"name": f"{bucket['name']}-dr", "arn": f"{bucket['arn']}-dr"} if replicated else bucket
    key = storage["dr_kms_key_arn"]
    storage.update(
        {
            "kms_key_arn": key,
            "kms_key_id": key.rsplit("/", 1)[-1],
            "dr_kms_key_arn": "",
            "buckets": buckets,
            "logs_bucket": f"{storage['logs_bucket']}-dr" if storage.get("logs_bucket") else "",
        }
    )
    result = {"platform_storage": storage, "platform_search": dict(primary.get("platform_search") or {})}
    for fact, keys in DR_SECRET_KEYS.items():
        value = dict(primary.get(fact) or {})
        for secret in keys:
            if value.get(secret):
                value[secret] = dr_secret_arn(value[secret], primary_region, dr_region)
        result[fact] = value
    return result


def ecs_desired_count_override(services, active="primary"):
    """The service specs for the DR region: every count 0 (desired, min and max, so autoscaling never
    scales the pilot light up), unchanged while the DR region is the active one (``active == 'secondary'``)."""
    if not isinstance(services, list):
        raise AnsibleFilterError("ecs_desired_count_override: platform_services must be a list")
    if active == "secondary":
        return list(services)
    return [dict(svc, desired_count=0, min_count=0, max_count=0) for svc in services]


class FilterModule:
    """platform_ops.aws DR filters."""

    def filters(self):
        return {
            "platform_dr_vpc_cidr": dr_vpc_cidr,
            "platform_dr_host_vars": dr_host_vars,
            "platform_dr_role_facts": dr_role_facts,
            "platform_ecs_desired_count_override": ecs_desired_count_override,
        }
