# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ecs_service role's load balancer plan (issue 15): whether ``amazon.aws.elb_application_lb``, given the role's
arguments, would change the load balancer, from the role's one read (``read.yml``), compared as that module
compares: subnets and security groups as sets, the attributes it sets, the tags it adds (the role does not purge
tags) and the listeners by port through amazon.aws's own listener comparison (``module_utils.elbv2``). When nothing
differs, the plan also gives the load balancer as the module returns it (snake_case, with its attributes, tags and
each listener's rules), so the roles that follow see the same fact whether the module ran or not.

The reads are the ones the compliance audit makes (every load balancer listed, then the attributes, listeners and
tags of ours), so a run that changed nothing lets the audit reuse them."""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict, compare_aws_tags
from ansible_collections.platform_ops.aws.plugins.module_utils.common import plain_data

# The listener ports whose rules are read: the role's listeners (HTTPS 443 with a certificate, HTTP 80 always).
# A listener on another port is one the module would delete, which the plan reports without its rules.
RULE_PORTS = (80, 443)

# elb_application_lb's attribute options -> the load balancer attribute each sets, and how the module renders the
# option's value for the comparison (ApplicationLoadBalancer.compare_elb_attributes).
_ATTRIBUTES = {
    "access_logs_enabled": ("access_logs.s3.enabled", "bool"),
    "access_logs_s3_bucket": ("access_logs.s3.bucket", "str"),
    "access_logs_s3_prefix": ("access_logs.s3.prefix", "str"),
    "deletion_protection": ("deletion_protection.enabled", "bool"),
    "idle_timeout": ("idle_timeout.timeout_seconds", "int"),
    "http2": ("routing.http2.enabled", "bool"),
    "http_desync_mitigation_mode": ("routing.http.desync_mitigation_mode", "lower"),
    "http_drop_invalid_header_fields": ("routing.http.drop_invalid_header_fields.enabled", "bool"),
    "http_x_amzn_tls_version_and_cipher_suite": ("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "bool"),
    "http_xff_client_port": ("routing.http.xff_client_port.enabled", "bool"),
    "waf_fail_open": ("waf.fail_open.enabled", "bool"),
}


def _rendered(value, kind):
    if kind == "bool":
        return str(boolean(value, strict=True)).lower()
    if kind == "int":
        return str(int(value))
    if kind == "lower":
        return str(value).lower()
    return str(value)


def _lb_pick(name):
    return f"alb_list.LoadBalancers.LoadBalancerName={name}.LoadBalancerArn"


def ecs_service_alb_reads(name):
    """The reads of the load balancer ``name``: every load balancer (paginated, as the audit lists them), then, for
    ``name`` when it exists, its attributes, tags, listeners and the rules of its listeners on RULE_PORTS."""
    if "." in str(name):
        return []  # a selector value takes no dots; load balancer names have none
    arn = _lb_pick(name)
    reads = [
        {"id": "alb_list", "service": "elbv2", "operation": "describe_load_balancers", "paginate": True},
        {
            "id": "alb_attributes",
            "service": "elbv2",
            "operation": "describe_load_balancer_attributes",
            "params_from": {"LoadBalancerArn": arn},
            "missing_ok": ["LoadBalancerNotFound"],
        },
        {
            "id": "alb_tags",
            "service": "elbv2",
            "operation": "describe_tags",
            "params": {"ResourceArns": ["from the listing"]},
            "params_from": {"ResourceArns.0": arn},
            "missing_ok": ["LoadBalancerNotFound"],
        },
        {
            "id": "alb_listeners",
            "service": "elbv2",
            "operation": "describe_listeners",
            "paginate": True,
            "params_from": {"LoadBalancerArn": arn},
            "missing_ok": ["LoadBalancerNotFound"],
        },
    ]
    for port in RULE_PORTS:
        reads.append(
            {
                "id": f"alb_rules_{port}",
                "service": "elbv2",
                "operation": "describe_rules",
                "params_from": {"ListenerArn": f"alb_listeners.Listeners.Port={port}.ListenerArn"},
                "missing_ok": ["ListenerNotFound"],
            }
        )
    return reads


def _found(responses, name):
    listing = (responses.get("alb_list") or {}).get("LoadBalancers") or []
    return next((lb for lb in listing if lb.get("LoadBalancerName") == name), None)


def _listeners_differences(current, wanted, purge):
    # imported here: amazon.aws's elbv2 imports boto3 (about 0.2 s), which the task that templates the reads
    # (ecs_service_alb_reads, in the same file) need not pay
    from ansible_collections.amazon.aws.plugins.module_utils.elbv2 import (  # noqa: PLC0415
        _group_listeners,
        _prepare_listeners,
    )

    # A target group given by name (the module looks it up, with no connection here) or a listener the module
    # would refuse: not judged, the module decides.
    try:
        prepared = _prepare_listeners(None, None, wanted)
    except (AttributeError, KeyError, TypeError):
        return ["listeners not judged"]
    to_add, to_modify, to_delete = _group_listeners(current, prepared)
    out = []
    if to_add:
        out.append("listeners to add: " + ", ".join(str(listener["Port"]) for listener in to_add))
    if to_modify:
        out.append("listeners to modify: " + ", ".join(str(listener["Port"]) for listener in to_modify))
    if to_delete and purge:
        out.append("listeners to delete")
    return out


def _as_module_returns(lb, attributes, tags, listeners, responses):
    """The load balancer as amazon.aws.elb_application_lb returns it."""
    out = camel_dict_to_snake_dict(lb)
    out.update(camel_dict_to_snake_dict({k.replace(".", "_"): v for k, v in attributes.items()}))
    out["listeners"] = []
    for listener in listeners:
        rules = (responses.get(f"alb_rules_{listener['Port']}") or {}).get("Rules") or []
        out["listeners"].append(camel_dict_to_snake_dict(dict(listener, Rules=rules)))
    out["tags"] = tags
    out["ip_address_type"] = lb.get("IpAddressType")
    return out


def ecs_service_alb_plan(responses, name, args):
    """``{"changes": [...], "load_balancer": {...}}`` for the load balancer ``name`` given elb_application_lb's
    arguments ``args`` (subnets, security_groups, the attribute options, listeners, purge_listeners, tags,
    purge_tags). ``changes`` names what the module would change (empty: nothing); ``load_balancer`` is the load
    balancer as the module returns it, given only when nothing changes."""
    # plain dicts and lists: the conversions below rebuild containers by their type, which Ansible's lazy ones refuse
    responses, args = plain_data(responses or {}), plain_data(args or {})
    lb = _found(responses, name)
    if lb is None:
        return {"changes": ["load balancer missing" if "alb_list" in responses else "not read"], "load_balancer": {}}
    changes = []
    if lb.get("Type") != "application":
        changes.append("not an application load balancer")
    if args.get("subnets") is not None:
        have = {zone.get("SubnetId") for zone in lb.get("AvailabilityZones") or []}
        if have != set(args["subnets"]):
            changes.append("subnets")
    groups = args.get("security_groups")
    if groups is not None:
        if not all(str(group).startswith("sg-") for group in groups):
            changes.append("security groups given by name")
        elif set(lb.get("SecurityGroups") or []) != set(groups):
            changes.append("security groups")
    reads = {rid: responses.get(rid) for rid in ("alb_attributes", "alb_tags", "alb_listeners")}
    unread = [rid for rid, response in reads.items() if response is None]
    if unread:
        return {"changes": changes + [f"{rid} not read" for rid in unread], "load_balancer": {}}
    attributes = {a["Key"]: a.get("Value") for a in reads["alb_attributes"].get("Attributes") or []}
    for option, (key, kind) in _ATTRIBUTES.items():
        if args.get(option) is not None and _rendered(args[option], kind) != attributes.get(key):
            changes.append(f"attribute {key}")
    descriptions = reads["alb_tags"].get("TagDescriptions") or []
    tags = boto3_tag_list_to_ansible_dict(descriptions[0].get("Tags") or []) if descriptions else {}
    if args.get("tags") is not None:
        to_set, to_remove = compare_aws_tags(
            tags, {str(k): str(v) for k, v in args["tags"].items()}, boolean(args.get("purge_tags", True))
        )
        if to_set or to_remove:
            changes.append("tags")
    listeners = reads["alb_listeners"].get("Listeners") or []
    changes.extend(_listeners_differences(listeners, args.get("listeners"), boolean(args.get("purge_listeners", True))))
    if changes:
        return {"changes": changes, "load_balancer": {}}
    return {"changes": [], "load_balancer": _as_module_returns(lb, attributes, tags, listeners, responses)}


class FilterModule:
    def filters(self):
        return {"ecs_service_alb_reads": ecs_service_alb_reads, "ecs_service_alb_plan": ecs_service_alb_plan}
