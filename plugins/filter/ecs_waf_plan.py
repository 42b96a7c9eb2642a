# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ecs_service role's web ACL plans (issue 15): whether ``community.aws.wafv2_resources`` would associate the
web ACL with the load balancer, and whether ``platform_ops.aws.wafv2_logging_configuration`` would write the
ACL's logging configuration, from the role's one read (``read.yml``), as those modules compare. The read names the
ACL by the ARN ListWebACLs gives for its name; an ACL (or load balancer) this run replaced has another ARN than the
read's, which counts as a difference: the module runs. So does anything the plan cannot judge."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils import wafv2

_ACL_ARN = "waf_acls.WebACLs.Name={name}.ARN"


def ecs_service_waf_reads(name, logging):
    """The reads of the web ACL ``name`` (REGIONAL): ListWebACLs (its first 100, where the ACL's ARN is found),
    the resources associated with it and, when ``logging``, its logging configuration."""
    reads = [
        {
            "id": "waf_acls",
            "service": "wafv2",
            "operation": "list_web_acls",
            "params": {"Scope": "REGIONAL", "Limit": 100},
        },
        {
            "id": "waf_resources",
            "service": "wafv2",
            "operation": "list_resources_for_web_acl",
            "params_from": {"WebACLArn": _ACL_ARN.format(name=name)},
            "missing_ok": ["WAFNonexistentItemException"],
        },
    ]
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


def ecs_service_waf_plan(responses, name, acl_arn, lb_arn, logging=None):
    """``{"association": [...], "logging": [...]}``: what each module would change (short reasons; empty when
    nothing) for the web ACL ``name`` whose ARN this run has as ``acl_arn``, the load balancer ``lb_arn`` and the
    logging options ``logging`` (wafv2_logging_configuration's options; None: that module does not run)."""
    responses = responses or {}
    read_arn = _read_acl_arn(responses, name)
    if not acl_arn or read_arn != acl_arn:
        unread = ["web ACL not read as this run has it"]
        return {"association": unread, "logging": [] if logging is None else unread}
    associated = ((responses.get("waf_resources") or {}).get("ResourceArns")) or []
    plan = {"association": [] if lb_arn in associated else ["not associated"], "logging": []}
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
        return {"ecs_service_waf_reads": ecs_service_waf_reads, "ecs_service_waf_plan": ecs_service_waf_plan}
