# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What platform_ops.aws.elasticache_replication_group would change, and the shape of its requests and result.

No AWS call here: the option tables, the view of an existing group (DescribeReplicationGroups answer plus
one member cache cluster) that the module compares with the task, ``plan_changes`` (the
ModifyReplicationGroup request, the immutable conflicts and the warnings), the CreateReplicationGroup
request, and ``format_group`` / ``desired_view`` (the module's ``replication_group`` result and diff).
The boto3 calls and the waiter are in ``module_utils.elasticache``.
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache import (
    MAINTENANCE_WINDOW_RE,
    SNAPSHOT_WINDOW_RE,
    auth_token_problem,
    current_port,
    endpoints,
    kms_key_matches,
    topology,
    version_matches,
)

# Option -> ModifyReplicationGroup parameter.
MODIFIABLE = {
    "description": "ReplicationGroupDescription",
    "engine_version": "EngineVersion",
    "cache_node_type": "CacheNodeType",
    "automatic_failover_enabled": "AutomaticFailoverEnabled",
    "multi_az_enabled": "MultiAZEnabled",
    "snapshot_retention_limit": "SnapshotRetentionLimit",
    "snapshot_window": "SnapshotWindow",
    "preferred_maintenance_window": "PreferredMaintenanceWindow",
    "security_group_ids": "SecurityGroupIds",
    "cache_parameter_group_name": "CacheParameterGroupName",
}
IMMUTABLE = {
    "at_rest_encryption_enabled": "create a new group (for example from a snapshot) to change encryption at rest",
    "kms_key_id": "the KMS key of encryption at rest is fixed at creation",
    "transit_encryption_enabled": "changing it in place needs the TransitEncryptionMode migration, which this module does not perform",
    "cache_subnet_group_name": "the subnet group is fixed at creation",
    "port": "the port is fixed at creation",
}
# Read from a member cache cluster, not from DescribeReplicationGroups.
CLUSTER_LEVEL = (
    "engine_version",
    "security_group_ids",
    "cache_parameter_group_name",
    "cache_subnet_group_name",
    "preferred_maintenance_window",
)
VIEW_KEYS = (
    "description",
    "engine",
    "engine_version",
    "cache_node_type",
    "num_node_groups",
    "replicas_per_node_group",
    "num_cache_clusters",
    "cache_subnet_group_name",
    "security_group_ids",
    "cache_parameter_group_name",
    "at_rest_encryption_enabled",
    "kms_key_id",
    "transit_encryption_enabled",
    "auth_token_enabled",
    "automatic_failover_enabled",
    "multi_az_enabled",
    "snapshot_retention_limit",
    "snapshot_window",
    "preferred_maintenance_window",
    "port",
)


# ---------------------------------------------------------------- parameters

CURRENT_STAGE = "AWSCURRENT"  # noqa: S105 - a version stage label, not a password

# The module's argument spec (the module and the role's plan normalise the same options the same way).
ARGUMENT_SPEC = dict(
    replication_group_id=dict(type="str", required=True),
    description=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    engine=dict(type="str", choices=["redis", "valkey"]),
    engine_version=dict(type="str"),
    cache_node_type=dict(type="str"),
    num_cache_clusters=dict(type="int"),
    num_node_groups=dict(type="int"),
    replicas_per_node_group=dict(type="int"),
    cache_subnet_group_name=dict(type="str"),
    security_group_ids=dict(type="list", elements="str"),
    cache_parameter_group_name=dict(type="str"),
    at_rest_encryption_enabled=dict(type="bool"),
    kms_key_id=dict(type="str"),
    transit_encryption_enabled=dict(type="bool"),
    auth_token=dict(type="str", no_log=True),
    auth_token_secret_id=dict(type="str", no_log=False),
    auth_token_secret_key=dict(type="str", no_log=False),
    auth_token_secret_version_stage=dict(type="str", default="AWSCURRENT", no_log=False),
    auth_token_secret_replace_invalid=dict(type="bool", default=False),
    auth_token_update_strategy=dict(type="str", choices=["SET", "ROTATE", "DELETE"]),
    automatic_failover_enabled=dict(type="bool"),
    multi_az_enabled=dict(type="bool"),
    snapshot_retention_limit=dict(type="int"),
    snapshot_window=dict(type="str"),
    preferred_maintenance_window=dict(type="str"),
    port=dict(type="int"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
    apply_immediately=dict(type="bool", default=False),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
    final_snapshot_identifier=dict(type="str"),
)


def param_problems(p):
    """The problems of the module's parameters ``p`` that need no AWS call to find (empty: none). The module
    fails with them before any call; the role's plan (filter ``cache_replication_group_plan``) runs the module
    when there is one, so that it fails as it would."""
    problems = []
    if p["auth_token"] is not None:
        problem = auth_token_problem(p["auth_token"])
        if problem:
            problems.append(problem)
    if p["kms_key_id"] and p["at_rest_encryption_enabled"] is not True:
        problems.append("kms_key_id requires at_rest_encryption_enabled=true")
    if p["multi_az_enabled"] and p["automatic_failover_enabled"] is not True:
        problems.append("multi_az_enabled=true requires automatic_failover_enabled=true")
    if p["snapshot_window"] is not None and not SNAPSHOT_WINDOW_RE.match(p["snapshot_window"]):
        problems.append(f"snapshot_window must look like hh24:mi-hh24:mi (got {p['snapshot_window']!r})")
    if p["preferred_maintenance_window"] is not None and not MAINTENANCE_WINDOW_RE.match(
        p["preferred_maintenance_window"]
    ):
        problems.append(
            "preferred_maintenance_window must look like ddd:hh24:mi-ddd:hh24:mi"
            f" (got {p['preferred_maintenance_window']!r})"
        )
    ranges = {
        "num_cache_clusters": (1, 6),
        "num_node_groups": (1, 500),
        "replicas_per_node_group": (0, 5),
        "snapshot_retention_limit": (0, 35),
        "port": (1, 65535),
        "wait_timeout": (1, 86400),
    }
    for name, (low, high) in ranges.items():
        if p[name] is not None and not low <= p[name] <= high:
            problems.append(f"{name} must be between {low} and {high} (got {p[name]})")
    if p["auth_token_secret_id"] is not None and not p["auth_token_secret_id"].strip():
        problems.append("auth_token_secret_id must not be empty")
    if p["auth_token_secret_replace_invalid"] and p["auth_token_secret_version_stage"] != CURRENT_STAGE:
        problems.append("auth_token_secret_replace_invalid cannot be used with auth_token_secret_version_stage")
    if not p["auth_token_secret_version_stage"].strip():
        problems.append("auth_token_secret_version_stage must not be empty")
    if p["auth_token_secret_replace_invalid"] and p["auth_token_secret_key"] is not None:
        problems.append("auth_token_secret_replace_invalid cannot be used with auth_token_secret_key")
    if p["security_group_ids"] is not None and not all(p["security_group_ids"]):
        problems.append("security_group_ids must not contain empty strings")
    return problems


# ---------------------------------------------------------------- current state


def current_view(group, cluster):
    """The compared attributes of the existing group (None where they cannot be read)."""
    cluster = cluster or {}
    rg_pending = group.get("PendingModifiedValues") or {}
    cluster_pending = cluster.get("PendingModifiedValues") or {}
    num_node_groups, replicas, num_cache_clusters = topology(group)
    failover = rg_pending.get("AutomaticFailoverStatus") or group.get("AutomaticFailover")
    view = {
        "description": group.get("Description"),
        "engine": group.get("Engine") or cluster.get("Engine"),
        "engine_version": cluster_pending.get("EngineVersion") or cluster.get("EngineVersion"),
        "cache_node_type": cluster_pending.get("CacheNodeType") or group.get("CacheNodeType"),
        "num_node_groups": num_node_groups,
        "replicas_per_node_group": replicas,
        "num_cache_clusters": num_cache_clusters,
        "cache_subnet_group_name": cluster.get("CacheSubnetGroupName"),
        "security_group_ids": None,
        "cache_parameter_group_name": (cluster.get("CacheParameterGroup") or {}).get("CacheParameterGroupName"),
        "at_rest_encryption_enabled": bool(group.get("AtRestEncryptionEnabled")),
        "kms_key_id": group.get("KmsKeyId"),
        "transit_encryption_enabled": bool(group.get("TransitEncryptionEnabled")),
        "auth_token_enabled": bool(group.get("AuthTokenEnabled")),
        "automatic_failover_enabled": failover in ("enabled", "enabling") if failover else None,
        "multi_az_enabled": group.get("MultiAZ") == "enabled" if group.get("MultiAZ") else None,
        "snapshot_retention_limit": group.get("SnapshotRetentionLimit"),
        "snapshot_window": group.get("SnapshotWindow"),
        "preferred_maintenance_window": cluster.get("PreferredMaintenanceWindow"),
        "port": current_port(group),
    }
    if cluster:
        view["security_group_ids"] = sorted(sg["SecurityGroupId"] for sg in cluster.get("SecurityGroups") or [])
    return view


def same(name, wanted, current):
    if name == "engine_version":
        return version_matches(wanted, current)
    if name == "security_group_ids":
        return sorted(set(wanted)) == sorted(set(current or []))
    if name in ("snapshot_window", "preferred_maintenance_window"):
        return str(wanted).lower() == str(current or "").lower()
    if name == "kms_key_id":
        return kms_key_matches(wanted, current)
    return wanted == current


def plan_changes(module, group, cluster, cluster_id, auth_token_to_send):
    """Work out the ModifyReplicationGroup request, immutable conflicts and warnings.

    ``auth_token_to_send(module)`` returns the token to send (the module's O(auth_token) or the one read from
    O(auth_token_secret_id)); it is called only when a SET or ROTATE sends a token.
    """
    p = module.params
    view = current_view(group, cluster)
    modify = {}
    changed_attrs = []
    errors = []
    warnings = []

    unreadable = [name for name in CLUSTER_LEVEL if p[name] is not None and cluster is None]
    if unreadable:
        where = f"member cluster {cluster_id}" if cluster_id else "a member cluster"
        warnings.append(
            f"Could not read {where} of replication group {p['replication_group_id']};"
            f" {', '.join(unreadable)} were not compared and were left unchanged"
        )

    wanted_engine = p["engine"]
    if wanted_engine and view["engine"] and wanted_engine != view["engine"]:
        if view["engine"] == "redis" and wanted_engine == "valkey":
            if not p["engine_version"]:
                errors.append("changing the engine from redis to valkey needs engine_version")
            else:
                modify["Engine"] = "valkey"
                modify["EngineVersion"] = p["engine_version"]
                changed_attrs.extend(["engine", "engine_version"])
        else:
            errors.append(f"engine cannot be changed from {view['engine']} to {wanted_engine}")

    for name, reason in IMMUTABLE.items():
        wanted = p[name]
        if wanted is None or (name in CLUSTER_LEVEL and cluster is None):
            continue
        if name == "kms_key_id" and not view["at_rest_encryption_enabled"]:
            continue  # reported through at_rest_encryption_enabled
        if name == "port" and view["port"] is None:
            continue  # no endpoint yet (still creating)
        if not same(name, wanted, view[name]):
            errors.append(f"{name} is {view[name]!r}, not {wanted!r}: {reason}")

    for name, api_name in MODIFIABLE.items():
        wanted = p[name]
        if wanted is None or api_name in modify:
            continue
        if name in CLUSTER_LEVEL and cluster is None:
            continue
        if not same(name, wanted, view[name]):
            modify[api_name] = wanted
            changed_attrs.append(name)

    strategy = p["auth_token_update_strategy"]
    if strategy and not (strategy == "DELETE" and not view["auth_token_enabled"]):
        modify["AuthTokenUpdateStrategy"] = strategy
        # The secret is read only when a token is actually sent (SET / ROTATE).
        token = auth_token_to_send(module) if strategy in ("SET", "ROTATE") else p["auth_token"]
        if token is not None:
            modify["AuthToken"] = token
        changed_attrs.append("auth_token")

    for name in ("num_node_groups", "replicas_per_node_group", "num_cache_clusters"):
        current = view[name]
        if p[name] is not None and current is not None and p[name] != current:
            warnings.append(
                f"{name} of replication group {p['replication_group_id']} is {current}, not {p[name]};"
                " this module does not add or remove nodes or shards"
            )

    if modify:
        modify["ReplicationGroupId"] = p["replication_group_id"]
        modify["ApplyImmediately"] = p["apply_immediately"]
    return view, modify, changed_attrs, errors, warnings


# ---------------------------------------------------------------- requests and output


def build_create_params(p, auth_token=None):
    params = {
        "ReplicationGroupId": p["replication_group_id"],
        "ReplicationGroupDescription": p["description"],
        "Engine": p["engine"] or "redis",
        "CacheNodeType": p["cache_node_type"],
    }
    optional = {
        "engine_version": "EngineVersion",
        "num_cache_clusters": "NumCacheClusters",
        "num_node_groups": "NumNodeGroups",
        "replicas_per_node_group": "ReplicasPerNodeGroup",
        "cache_subnet_group_name": "CacheSubnetGroupName",
        "security_group_ids": "SecurityGroupIds",
        "cache_parameter_group_name": "CacheParameterGroupName",
        "at_rest_encryption_enabled": "AtRestEncryptionEnabled",
        "kms_key_id": "KmsKeyId",
        "transit_encryption_enabled": "TransitEncryptionEnabled",
        "automatic_failover_enabled": "AutomaticFailoverEnabled",
        "multi_az_enabled": "MultiAZEnabled",
        "snapshot_retention_limit": "SnapshotRetentionLimit",
        "snapshot_window": "SnapshotWindow",
        "preferred_maintenance_window": "PreferredMaintenanceWindow",
        "port": "Port",
    }
    for name, api_name in optional.items():
        if p[name] is not None:
            params[api_name] = p[name]
    if auth_token is not None:
        params["AuthToken"] = auth_token
    if p["tags"]:
        params["Tags"] = [{"Key": k, "Value": str(v)} for k, v in p["tags"].items()]
    return params


def format_group(group, cluster=None, tags=None):
    if not group:
        return {}
    out = camel_dict_to_snake_dict(normalize_boto3_result(group))
    primary, reader, configuration = endpoints(group)
    out["primary_endpoint"] = primary
    out["reader_endpoint"] = reader
    out["configuration_endpoint"] = configuration
    out["endpoint"] = configuration or primary
    out["port"] = current_port(group)
    out["arn"] = group.get("ARN")
    if cluster:
        view = current_view(group, cluster)
        for name in CLUSTER_LEVEL:
            out[name] = view[name]
    if tags is not None:
        out["tags"] = tags
    return out


def desired_view(module):
    """What a new group would look like (diff 'after' of a creation)."""
    p = module.params
    view = {name: p.get(name) for name in VIEW_KEYS if name in p}
    view["engine"] = p["engine"] or "redis"
    view["auth_token_enabled"] = p["auth_token"] is not None or p["auth_token_secret_id"] is not None
    if p["security_group_ids"] is not None:
        view["security_group_ids"] = sorted(p["security_group_ids"])
    view["tags"] = p["tags"] or {}
    return {k: v for k, v in view.items() if v is not None}
