# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cache role's read-once plan (issue 15): one ``aws_read`` (the cache subnet group, the AUTH token secret's
metadata, the replication group, its primary member cluster and its tags) against what the role would send, so
that community.aws's ``elasticache_subnet_group``, ``secretsmanager_generated_secret`` and
``elasticache_replication_group`` run only when they would change something. The replication group is compared by
the module's own plan (``module_utils/elasticache_plan.py``); anything the plan cannot judge (a member cluster it
could not read, a parameter problem, a warning the module would print, a group not yet available while the task
waits) counts as a difference, and the module runs."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.common import plain_data
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache import primary_cluster_id
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache_plan import (
    ARGUMENT_SPEC,
    format_group,
    param_problems,
    plan_changes,
)


def cache_state_reads(names):
    """The cache role's one read: ``names`` holds ``subnet_group``, ``secret``, ``group`` (the replication group
    id) and optionally ``url_secret`` (REDIS_URL's metadata, which url_secret.yml plans from). The replication
    groups and the cache clusters are listed as the compliance audit lists them (every one, paginated), so a run
    that changed nothing lets the audit reuse both answers; the plan picks the group by its id and the member
    cluster (the group's primary, ``NodeGroupMembers`` with ``CurrentRole`` primary) by its id. The tags are the
    group ARN's, read after the listing, only when the group exists."""
    return [
        {
            "id": "subnet_group",
            "service": "elasticache",
            "operation": "describe_cache_subnet_groups",
            "params": {"CacheSubnetGroupName": names["subnet_group"].lower()},
            "missing_ok": ["CacheSubnetGroupNotFoundFault"],
        },
        {
            "id": "secret",
            "service": "secretsmanager",
            "operation": "describe_secret",
            "params": {"SecretId": names["secret"]},
            "missing_ok": ["ResourceNotFoundException"],
        },
        {"id": "group", "service": "elasticache", "operation": "describe_replication_groups", "paginate": True},
        {"id": "cluster", "service": "elasticache", "operation": "describe_cache_clusters", "paginate": True},
        {
            "id": "tags",
            "service": "elasticache",
            "operation": "list_tags_for_resource",
            "params_from": {"ResourceName": f"group.ReplicationGroups.ReplicationGroupId={names['group'].lower()}.ARN"},
            "missing_ok": ["ReplicationGroupNotFoundFault"],
        },
    ] + (
        [
            {
                "id": "url_secret",
                "service": "secretsmanager",
                "operation": "describe_secret",
                "params": {"SecretId": names["url_secret"]},
                "missing_ok": ["ResourceNotFoundException"],
            }
        ]
        if names.get("url_secret")
        else []
    )


def cache_subnet_group_differences(responses, name, description, subnets):
    """What community.aws.elasticache_subnet_group (state present) would change: ``["missing"]``, or
    ``description`` / ``subnets`` where they differ (the module compares the subnet ids as sets); empty when
    nothing."""
    groups = ((responses or {}).get("subnet_group") or {}).get("CacheSubnetGroups") or []
    found = next((g for g in groups if g.get("CacheSubnetGroupName") == name.lower()), None)
    if found is None:
        return ["missing"]
    differs = []
    if description and found.get("CacheSubnetGroupDescription") != description:
        differs.append("description")
    current = {subnet.get("SubnetIdentifier") for subnet in found.get("Subnets") or []}
    if subnets and current != set(subnets):
        differs.append("subnets")
    return differs


class _Params:
    """What plan_changes reads of a module: its ``params``."""

    def __init__(self, params):
        self.params = params


def _no_token(_module):
    raise LookupError("a token would be sent")


def cache_replication_group_plan(responses, args):
    """What platform_ops.aws.elasticache_replication_group (state present) would change, from the read of
    ``cache_state_reads``: ``{"differences": [...], "replication_group": ...}``. ``args`` holds the module's
    options as the task passes them; ``replication_group`` is the module's own ``replication_group`` result for
    the group as read (``{}`` when missing), for the tasks that follow when the module does not run."""
    responses = responses or {}
    groups = (responses.get("group") or {}).get("ReplicationGroups") or []
    wanted = str((args or {}).get("replication_group_id") or "").lower()
    group = next((g for g in groups if str(g.get("ReplicationGroupId")).lower() == wanted), None)
    if group is None:
        return {"differences": ["missing"], "replication_group": {}}
    result = format_group(group)
    # plain_data: the validator deep-copies what it is given, and Ansible's lazy containers copy their templar too.
    validation = ArgumentSpecValidator(ARGUMENT_SPEC).validate(plain_data(args or {}))
    if validation.error_messages:
        return {"differences": ["invalid parameters"], "replication_group": result}
    params = validation.validated_parameters
    differences = [f"parameter: {problem}" for problem in param_problems(params)]
    status = group.get("Status")
    if status in ("deleting", "create-failed"):
        differences.append(f"status {status}")
    if params["wait"] and status != "available":
        differences.append(f"status {status} (the task waits)")
    cluster_id = primary_cluster_id(group)
    clusters = (responses.get("cluster") or {}).get("CacheClusters") or []
    cluster = next((c for c in clusters if c.get("CacheClusterId") == cluster_id), None)
    if cluster_id and cluster is None:
        differences.append(f"member cluster {cluster_id} not read")
    if responses.get("tags") is None:
        return {"differences": [*differences, "tags not read"], "replication_group": result}
    tags = boto3_tag_list_to_ansible_dict(responses["tags"].get("TagList") or [])
    result = format_group(group, cluster, tags)
    try:
        _view, modify, changed, errors, warnings = plan_changes(_Params(params), group, cluster, cluster_id, _no_token)
    except LookupError:
        return {"differences": [*differences, "auth token"], "replication_group": result}
    differences += changed or (["modify"] if modify else [])
    differences += [f"error: {error}" for error in errors] + [f"warning: {warning}" for warning in warnings]
    if params["tags"] is not None:
        to_add, to_remove = compare_aws_tags(tags, params["tags"], params["purge_tags"])
        if to_add or to_remove:
            differences.append("tags")
    return {"differences": differences, "replication_group": result}


class FilterModule:
    def filters(self):
        return {
            "cache_state_reads": cache_state_reads,
            "cache_subnet_group_differences": cache_subnet_group_differences,
            "cache_replication_group_plan": cache_replication_group_plan,
        }
