# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plans (issue 15): a role reads its state with one ``aws_read`` run, a filter here compares it with
what the role wants, and the writing modules run only for what differs. Each plan compares what the writing
module itself would converge, no less: a difference the module would fix must put the item in ``converge``."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_flow_logs
from ansible_collections.platform_ops.aws.plugins.module_utils.elasticache import current_port, endpoints
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
    current_version_id,
    replica_arn,
    tags_of,
)


def _has_tags(current, wanted):
    """Every wanted tag is set with its value (purge_tags: false: other tags are left alone)."""
    current = current or {}
    return all(current.get(key) == str(value) for key, value in (wanted or {}).items())


def _tag_dict(tags):
    if isinstance(tags, dict):
        return tags
    return {t["Key"]: t["Value"] for t in tags or []}


def log_group_state(state, name):
    """The log group ``name`` as aws_read found it ({} when missing), with its tags."""
    groups = ((state or {}).get("groups") or {}).get("logGroups") or []
    found = next((g for g in groups if g.get("logGroupName") == name), None)
    if not found:
        return {}
    return dict(found, tags=((state.get("group_tags") or {}).get("tags")) or {})


def log_group_converges(found, retention, tags):
    """What amazon.aws.cloudwatchlogs_log_group would change: a missing group, the retention, missing tags
    (purge_tags false). Its KMS key is set only when it creates a group, so a key is not compared here."""
    if not found:
        return True
    if int(found.get("retentionInDays") or 0) != int(retention):
        return True
    return not _has_tags(found.get("tags"), tags)


def flow_logs_plan(state, wanted):
    """Which of the flow logs' delivery role, its policy and the flow log differ.

    ``wanted``: role_name, role_description, trust (dict), policy (dict), role_tags, flow_log (the
    ec2_vpc_flow_log params: resource_id, traffic_type, log_destination_type, log_group_name,
    deliver_logs_permission_arn) and flow_log_tags. Returns {"converge": [...], "role_arn": ...}.
    """
    state = state or {}
    converge = []
    role = (state.get("role") or {}).get("Role")
    if (
        not role
        or compare_policies(role.get("AssumeRolePolicyDocument") or {}, wanted["trust"])
        or (role.get("Description") or "") != wanted["role_description"]
        or not _has_tags(_tag_dict(role.get("Tags")), wanted.get("role_tags"))
    ):
        converge.append("role")
    policy = (state.get("policy") or {}).get("PolicyDocument")
    if not policy or compare_policies(policy, wanted["policy"]):
        converge.append("policy")
    role_arn = (role or {}).get("Arn", "")
    params = dict(
        wanted["flow_log"],
        deliver_logs_permission_arn=wanted["flow_log"].get("deliver_logs_permission_arn") or role_arn,
    )
    flow_logs = ((state.get("flow_logs") or {}).get("FlowLogs")) or []
    matching = ec2_flow_logs.find_matching(flow_logs, params)
    if (
        len(matching) != 1
        or ec2_flow_logs.setting_differences(matching[0], params)
        or not _has_tags(ec2_flow_logs.tags_of(matching[0]), wanted.get("flow_log_tags"))
    ):
        converge.append("flow_log")
    return {"converge": converge, "role_arn": role_arn}


def secret_metadata(described, region):
    """A secret's metadata from its DescribeSecret answer (aws_read), as secretsmanager_generated_secret's
    check mode reports it without a value: arn, version_id (AWSCURRENT), tags, replica_arns by region.
    A missing secret (null) gives arn and version_id None. Never a value: DescribeSecret has none."""
    if not described:
        return {"arn": None, "version_id": None, "tags": {}, "replica_arns": {}}
    arn = described.get("ARN")
    regions = sorted({r.get("Region") for r in described.get("ReplicationStatus") or [] if r.get("Region")})
    return {
        "name": described.get("Name"),
        "arn": arn,
        "version_id": current_version_id(described),
        "tags": tags_of(described),
        "replica_arns": {r: replica_arn(arn, region, r) for r in regions},
    }


def cache_group_view(described):
    """The replication group of a DescribeReplicationGroups answer (aws_read), with the keys
    elasticache_replication_group returns and roles/cache/tasks/publish.yml reads: arn, primary_endpoint and
    reader_endpoint ({address, port}), port, member_clusters, status. {} when the answer holds no group."""
    groups = (described or {}).get("ReplicationGroups") or []
    if not groups:
        return {}
    group = groups[0]
    primary, reader, configuration = endpoints(group)
    return {
        "replication_group_id": group.get("ReplicationGroupId"),
        "arn": group.get("ARN"),
        "status": group.get("Status"),
        "primary_endpoint": primary,
        "reader_endpoint": reader,
        "configuration_endpoint": configuration,
        "port": current_port(group),
        "member_clusters": list(group.get("MemberClusters") or []),
        "node_groups": group.get("NodeGroups") or [],
    }


def network_found(results):
    """What the network role's facts.yml read with aws_read, in the shape platform.network_facts takes (the
    info modules' keys it reads): vpc (id, cidr_block), subnets (id, availability_zone, tags), route_tables
    (id, tags), nat_gateways (subnet_id, nat_gateway_id), security_groups (group_name, group_id)."""
    results = results or {}
    vpcs = (results.get("vpc") or {}).get("Vpcs") or []
    vpc = vpcs[0] if vpcs else {}
    return {
        "vpcs": [
            {"id": v.get("VpcId"), "cidr_block": v.get("CidrBlock"), "tags": _tag_dict(v.get("Tags"))} for v in vpcs
        ],
        "vpc": {"id": vpc.get("VpcId"), "cidr_block": vpc.get("CidrBlock")},
        "subnets": [
            {"id": s.get("SubnetId"), "availability_zone": s.get("AvailabilityZone"), "tags": _tag_dict(s.get("Tags"))}
            for s in (results.get("subnets") or {}).get("Subnets") or []
        ],
        "route_tables": [
            {"id": t.get("RouteTableId"), "tags": _tag_dict(t.get("Tags"))}
            for t in (results.get("route_tables") or {}).get("RouteTables") or []
        ],
        "nat_gateways": [
            {"subnet_id": n.get("SubnetId"), "nat_gateway_id": n.get("NatGatewayId")}
            for n in (results.get("nat_gateways") or {}).get("NatGateways") or []
        ],
        "security_groups": [
            {"group_name": g.get("GroupName"), "group_id": g.get("GroupId")}
            for g in (results.get("security_groups") or {}).get("SecurityGroups") or []
        ],
    }


class FilterModule:
    """Read-once plans."""

    def filters(self):
        return {
            "log_group_state": log_group_state,
            "log_group_converges": log_group_converges,
            "flow_logs_plan": flow_logs_plan,
            "secret_metadata": secret_metadata,
            "cache_group_view": cache_group_view,
            "network_found": network_found,
        }
