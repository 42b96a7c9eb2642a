# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ecs_service role's web ACL plans (issue 15): whether ``community.aws.wafv2_web_acl`` would change the web
ACL, whether ``community.aws.wafv2_resources`` would associate it with the load balancer, and whether
``platform_ops.aws.wafv2_logging_configuration`` would write its logging configuration, from the role's one read
(``read.yml``), as those modules compare. The read names the ACL by the ARN ListWebACLs gives for its name; an ACL
(or load balancer) this run replaced has another ARN than the read's, which counts as a difference: the module
runs. So does anything the plan cannot judge."""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict, snake_dict_to_camel_dict
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.community.aws.plugins.module_utils.wafv2 import (
    compare_priority_rules,
    wafv2_snake_dict_to_camel_dict,
)
from ansible_collections.platform_ops.aws.plugins.module_utils import wafv2
from ansible_collections.platform_ops.aws.plugins.module_utils.common import plain_data

_ACL_ARN = "waf_acls.WebACLs.Name={name}.ARN"


def ecs_service_waf_reads(name, logging, alb_name=""):
    """The reads of the web ACL ``name`` (REGIONAL): ListWebACLs (its first 100, where the ACL's ARN is found),
    the ACL itself and its tags (what community.aws.wafv2_web_acl compares), the web ACL of the load balancer
    ``alb_name`` (found in ``ecs_service_alb_reads``' listing ``alb_list``; the compliance audit's call) and, when
    ``logging``, the ACL's logging configuration."""
    reads = [
        {
            "id": "waf_acls",
            "service": "wafv2",
            "operation": "list_web_acls",
            "params": {"Scope": "REGIONAL", "Limit": 100},
        },
        {
            "id": "waf_acl",
            "service": "wafv2",
            "operation": "get_web_acl",
            "params": {"Name": name, "Scope": "REGIONAL"},
            "params_from": {"Id": f"waf_acls.WebACLs.Name={name}.Id"},
            "missing_ok": ["WAFNonexistentItemException"],
        },
        {
            "id": "waf_acl_tags",
            "service": "wafv2",
            "operation": "list_tags_for_resource",
            "params_from": {"ResourceARN": _ACL_ARN.format(name=name)},
            "missing_ok": ["WAFNonexistentItemException"],
        },
    ]
    if alb_name and "." not in alb_name:
        reads.append(
            {
                "id": "waf_lb_acl",
                "service": "wafv2",
                "operation": "get_web_acl_for_resource",
                "params_from": {"ResourceArn": f"alb_list.LoadBalancers.LoadBalancerName={alb_name}.LoadBalancerArn"},
                "missing_ok": ["WAFNonexistentItemException"],
            }
        )
    if logging:
        reads.append(
            {
                "id": "waf_logging",
                "service": "wafv2",
                "operation": "get_logging_configuration",
                "params_from": {"ResourceArn": _ACL_ARN.format(name=name)},
                "missing_ok": ["WAFNonexistentItemException"],
            }
        )
    return reads


def _read_acl_arn(responses, name):
    acls = ((responses or {}).get("waf_acls") or {}).get("WebACLs") or []
    return next((acl.get("ARN") for acl in acls if acl.get("Name") == name), None)


def ecs_service_waf_acl_plan(responses, name, args):
    """``{"changes": [...], "web_acl": {...}}`` for the web ACL ``name`` given community.aws.wafv2_web_acl's
    arguments ``args`` (description, default_action, rules, purge_rules, tags, purge_tags), compared as that module
    compares (its rules through its own ``compare_priority_rules``; like the module, not the visibility
    configuration). ``changes`` names what the module would change (empty: nothing); ``web_acl`` is the ACL as the
    module returns it (snake_case, with ``arn``), given only when nothing changes."""
    # plain dicts and lists: the conversions below rebuild containers by their type, which Ansible's lazy ones refuse
    responses, args = plain_data(responses or {}), plain_data(args or {})
    acl = ((responses.get("waf_acl") or {}).get("WebACL")) or None
    if acl is None or _read_acl_arn(responses, name) != acl.get("ARN"):
        return {"changes": ["web ACL missing" if "waf_acls" in responses else "not read"], "web_acl": {}}
    changes = []
    try:
        wanted_rules = [
            wafv2_snake_dict_to_camel_dict(snake_dict_to_camel_dict(rule, capitalize_first=True))
            for rule in args.get("rules") or []
        ]
        if compare_priority_rules(
            acl.get("Rules") or [], wanted_rules, boolean(args.get("purge_rules", True)), "present"
        )[0]:
            changes.append("rules")
    except (AttributeError, KeyError, TypeError):  # a rule the module compares otherwise (byte strings): not judged
        changes.append("rules not judged")
    if args.get("description") and acl.get("Description") != args["description"]:
        changes.append("description")
    default_action = args.get("default_action")
    if default_action and acl.get("DefaultAction") != {default_action: {}}:
        changes.append("default action")
    tags_read = responses.get("waf_acl_tags")
    tags = boto3_tag_list_to_ansible_dict(((tags_read or {}).get("TagInfoForResource") or {}).get("TagList") or [])
    if args.get("tags") is not None:
        if tags_read is None:
            changes.append("tags not read")
        elif any(compare_aws_tags(tags, args["tags"], boolean(args.get("purge_tags", True)))):
            changes.append("tags")
    if changes:
        return {"changes": changes, "web_acl": {}}
    web_acl = camel_dict_to_snake_dict(acl)
    web_acl["tags"] = tags
    return {"changes": [], "web_acl": web_acl}


def ecs_service_waf_plan(responses, name, acl_arn, lb_arn, logging=None):
    """``{"association": [...], "logging": [...]}``: what each module would change (short reasons; empty when
    nothing) for the web ACL ``name`` whose ARN this run has as ``acl_arn``, the load balancer ``lb_arn`` and the
    logging options ``logging`` (wafv2_logging_configuration's options; None: that module does not run)."""
    responses = responses or {}
    read_arn = _read_acl_arn(responses, name)
    if not acl_arn or read_arn != acl_arn:
        unread = ["web ACL not read as this run has it"]
        return {"association": unread, "logging": [] if logging is None else unread}
    listed = ((responses.get("alb_list") or {}).get("LoadBalancers")) or []
    if "waf_lb_acl" not in responses or lb_arn not in {lb.get("LoadBalancerArn") for lb in listed}:
        association = ["load balancer not read as this run has it"]
    else:
        protected_by = (((responses.get("waf_lb_acl") or {}).get("WebACL")) or {}).get("ARN")
        association = [] if protected_by == acl_arn else ["not associated"]
    plan = {"association": association, "logging": []}
    if logging is not None:
        params = {"state": "present", "redacted_fields": {}, "logging_filter": None, **logging, "web_acl_arn": acl_arn}
        problems = wafv2.validate(params)
        if problems:
            plan["logging"] = [f"parameter: {problem}" for problem in problems]
        elif "waf_logging" not in responses:
            plan["logging"] = ["not read"]
        else:
            current = (responses.get("waf_logging") or {}).get("LoggingConfiguration")
            if wafv2.canonical(current) != wafv2.canonical(wafv2.desired_configuration(params)):
                plan["logging"] = ["logging configuration"]
    return plan


class FilterModule:
    def filters(self):
        return {
            "ecs_service_waf_reads": ecs_service_waf_reads,
            "ecs_service_waf_acl_plan": ecs_service_waf_acl_plan,
            "ecs_service_waf_plan": ecs_service_waf_plan,
        }
