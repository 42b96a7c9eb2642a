# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's ElastiCache and OpenSearch checks."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    TLS12_OPENSEARCH_POLICY_PREFIX,
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    _each,
    _passfail,
    _prod_only,
    result,
)


# --- ElastiCache --------------------------------------------------------------------------------
@check("ELASTICACHE.AT_REST_ENCRYPTION")
def _cache_at_rest(a):
    return _each(
        a.caches(),
        lambda c: _passfail(
            c, c["data"].get("AtRestEncryptionEnabled"), "encrypted at rest", "AtRestEncryptionEnabled is false"
        ),
    )


@check("ELASTICACHE.TRANSIT_ENCRYPTION")
def _cache_transit(a):
    def evaluate(cache):
        data = cache["data"]
        if not data.get("TransitEncryptionEnabled"):
            return result(cache, "FAIL", "TransitEncryptionEnabled is false")
        if data.get("TransitEncryptionMode") == "preferred":
            return result(cache, "FAIL", "TransitEncryptionMode is preferred: plaintext connections are still accepted")
        return result(cache, "PASS", "transit encryption required")

    return _each(a.caches(), evaluate)


@check("ELASTICACHE.SNAPSHOT_RETENTION")
def _cache_snapshots(a):
    def evaluate(cache):
        if cache["data"].get("Engine") == "memcached":
            return result(cache, "NOT_APPLICABLE", "memcached has no snapshots")
        days = int(cache["data"].get("SnapshotRetentionLimit") or 0)
        return _passfail(
            cache, days > 0, f"snapshots kept {days} days", "SnapshotRetentionLimit is 0 (no automatic snapshots)"
        )

    return _each(a.caches(), evaluate)


@check("ELASTICACHE.AUTOMATIC_FAILOVER")
def _cache_failover(a):
    def evaluate(cache):
        status = cache["data"].get("AutomaticFailover") or "disabled"
        if not a.is_prod:
            return _prod_only(a, cache, f"AutomaticFailover={status}")
        if cache["data"]["_kind"] != "replication group":
            return result(cache, "FAIL", "standalone cache cluster in prod cannot fail over")
        return _passfail(
            cache, status == "enabled", "automatic failover enabled", f"AutomaticFailover is {status} in prod"
        )

    return _each(a.caches(), evaluate)


# --- OpenSearch ---------------------------------------------------------------------------------
@check("OPENSEARCH.AT_REST_ENCRYPTION")
def _search_at_rest(a):
    return _each(
        a.search_domains(),
        lambda d: _passfail(
            d,
            (d["data"].get("EncryptionAtRestOptions") or {}).get("Enabled"),
            "encrypted at rest",
            "EncryptionAtRestOptions.Enabled is false",
        ),
    )


@check("OPENSEARCH.NODE_TO_NODE_ENCRYPTION")
def _search_node_to_node(a):
    return _each(
        a.search_domains(),
        lambda d: _passfail(
            d,
            (d["data"].get("NodeToNodeEncryptionOptions") or {}).get("Enabled"),
            "node-to-node encryption on",
            "NodeToNodeEncryptionOptions.Enabled is false",
        ),
    )


@check("OPENSEARCH.HTTPS_TLS12")
def _search_https(a):
    def evaluate(domain):
        options = domain["data"].get("DomainEndpointOptions") or {}
        problems = []
        if not options.get("EnforceHTTPS"):
            problems.append("EnforceHTTPS is false")
        policy = options.get("TLSSecurityPolicy") or "unset"
        if not policy.startswith(TLS12_OPENSEARCH_POLICY_PREFIX):
            problems.append(f"TLSSecurityPolicy is {policy}")
        return _passfail(domain, not problems, f"HTTPS enforced with {policy}", "; ".join(problems))

    return _each(a.search_domains(), evaluate)


@check("OPENSEARCH.LOG_PUBLISHING")
def _search_logs(a):
    def evaluate(domain):
        options = domain["data"].get("LogPublishingOptions") or {}
        enabled = sorted(kind for kind, opt in options.items() if (opt or {}).get("Enabled"))
        ok = any(kind in ("AUDIT_LOGS", "ES_APPLICATION_LOGS") for kind in enabled)
        return _passfail(
            domain,
            ok,
            f"publishing {', '.join(enabled)}",
            f"neither AUDIT_LOGS nor ES_APPLICATION_LOGS published (enabled: {enabled or 'none'})",
        )

    return _each(a.search_domains(), evaluate)


@check("OPENSEARCH.ZONE_AWARENESS")
def _search_zones(a):
    def evaluate(domain):
        aware = bool((domain["data"].get("ClusterConfig") or {}).get("ZoneAwarenessEnabled"))
        if not a.is_prod:
            return _prod_only(a, domain, f"ZoneAwarenessEnabled={aware}")
        return _passfail(domain, aware, "zone awareness on", "ZoneAwarenessEnabled is false in prod")

    return _each(a.search_domains(), evaluate)
