# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plans (issue 15): a role reads its state with one ``aws_read`` run, a filter here compares it with
what the role wants, and the writing modules run only for what differs. Each plan compares what the writing
module itself would converge, no less: a difference the module would fix must put the item in ``converge``."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_flow_logs


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


class FilterModule:
    """Read-once plans."""

    def filters(self):
        return {
            "log_group_state": log_group_state,
            "log_group_converges": log_group_converges,
            "flow_logs_plan": flow_logs_plan,
        }
