# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The public services' target groups, the load balancer's listeners and path rules, the autoscaling
policies and the WAF rules.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

import hashlib
import json

from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.naming import _public, ecs_target_group_name
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.validation import ecs_scaling

WAF_MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)


# --- load balancing -----------------------------------------------------------------------------


def ecs_target_groups(services, ctx):
    """``community.aws.elb_target_group`` arguments of every public service.

    ``ctx``: prefix, vpc_id, tags, interval, timeout, healthy_threshold, unhealthy_threshold,
    deregistration_delay.
    """
    groups = []
    for svc in _public(services):
        name = ecs_target_group_name(svc["name"], ctx["prefix"])
        groups.append(
            {
                "service": svc["name"],
                "name": name,
                "protocol": "HTTP",
                "port": int(svc["port"]),
                "vpc_id": ctx["vpc_id"],
                "target_type": "ip",
                "health_check_protocol": "HTTP",
                "health_check_port": "traffic-port",
                "health_check_path": svc.get("health_path", "/health"),
                "health_check_interval": int(ctx.get("interval", 15)),
                "health_check_timeout": int(ctx.get("timeout", 5)),
                "healthy_threshold_count": int(ctx.get("healthy_threshold", 2)),
                "unhealthy_threshold_count": int(ctx.get("unhealthy_threshold", 3)),
                "successful_response_codes": "200",
                "deregistration_delay_timeout": int(ctx.get("deregistration_delay", 30)),
                "tags": dict(ctx["tags"], Name=name, Service=svc["name"]),
            }
        )
    return groups


def ecs_target_group_plan(groups, found):
    """The target groups (``ecs_target_groups`` entries) that are missing or differ from ``found``
    (``elb_target_group_info``'s ``target_groups``)."""
    by_name = {g.get("target_group_name"): g for g in found or []}
    todo = []
    for want in groups:
        have = by_name.get(want["name"])
        if (
            have is None
            or have.get("port") != want["port"]
            or have.get("protocol") != want["protocol"]
            or have.get("vpc_id") != want["vpc_id"]
            or have.get("target_type") != want["target_type"]
            or have.get("health_check_protocol") != want["health_check_protocol"]
            or str(have.get("health_check_port")) != want["health_check_port"]
            or have.get("health_check_path") != want["health_check_path"]
            or have.get("health_check_interval_seconds") != want["health_check_interval"]
            or have.get("health_check_timeout_seconds") != want["health_check_timeout"]
            or have.get("healthy_threshold_count") != want["healthy_threshold_count"]
            or have.get("unhealthy_threshold_count") != want["unhealthy_threshold_count"]
            or (have.get("matcher") or {}).get("http_code") != want["successful_response_codes"]
            or str(have.get("deregistration_delay_timeout_seconds")) != str(want["deregistration_delay_timeout"])
            or any((have.get("tags") or {}).get(k) != v for k, v in want["tags"].items())
        ):
            todo.append(want)
    return todo


def ecs_target_group_arns(groups, found, converged=None):
    """``{service: target group ARN}`` from what was found and what the converge loop returned."""
    arns = {g.get("target_group_name"): g.get("target_group_arn") for g in found or []}
    for result in converged or []:
        if result.get("target_group_arn"):
            arns[result.get("target_group_name") or result["item"]["name"]] = result["target_group_arn"]
    out = {}
    for group in groups:
        arn = arns.get(group["name"])
        if arn:
            out[group["service"]] = arn
    return out


def ecs_listeners(
    services, target_group_arns, certificate_arn="", ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", with_rules=True
):
    """``amazon.aws.elb_application_lb`` listeners: with a certificate, HTTPS 443 (TLS 1.2+ policy)
    forwarding and HTTP 80 redirecting to it with a 301; without one (local stack only), HTTP 80
    forwarding. The first public service is the default action; every other public service gets a
    path rule ``/{service}/*`` (priorities 10, 20, ... in service order).

    ``with_rules=false`` leaves the ``Rules`` key out: amazon.aws 10.1's elb_application_lb fails
    (DescribeRules without a listener ARN) when a listener it has just added has ``Rules``, so the
    role adds the listeners first and the rules in a second call, only when they differ
    (``ecs_listener_rules_plan``)."""
    public = _public(services)
    if not public:
        return []
    missing = [s["name"] for s in public if s["name"] not in target_group_arns]
    if missing:
        raise AnsibleFilterError(f"no target group ARN for the public services {', '.join(missing)}")
    default = [{"Type": "forward", "TargetGroupArn": target_group_arns[public[0]["name"]]}]
    rules = [
        {
            "Priority": 10 * (index + 1),
            "Conditions": [{"Field": "path-pattern", "Values": [f"/{svc['name']}/*"]}],
            "Actions": [{"Type": "forward", "TargetGroupArn": target_group_arns[svc["name"]]}],
        }
        for index, svc in enumerate(public[1:])
    ]
    if not certificate_arn:
        listeners = [{"Protocol": "HTTP", "Port": 80, "DefaultActions": default, "Rules": rules}]
    else:
        listeners = [
            {
                "Protocol": "HTTPS",
                "Port": 443,
                "SslPolicy": ssl_policy,
                "Certificates": [{"CertificateArn": certificate_arn}],
                "DefaultActions": default,
                "Rules": rules,
            },
            {
                "Protocol": "HTTP",
                "Port": 80,
                "DefaultActions": [
                    {
                        "Type": "redirect",
                        "RedirectConfig": {
                            "Protocol": "HTTPS",
                            "Port": "443",
                            "Host": "#{host}",
                            "Path": "/#{path}",
                            "Query": "#{query}",
                            "StatusCode": "HTTP_301",
                        },
                    }
                ],
                "Rules": [],
            },
        ]
    if not with_rules:
        for listener in listeners:
            listener.pop("Rules")
    return listeners


def _rule_key(rule):
    paths = []
    for condition in rule.get("conditions", rule.get("Conditions")) or []:
        config = condition.get("path_pattern_config", condition.get("PathPatternConfig")) or {}
        paths.extend(
            config.get("values", config.get("Values")) or condition.get("values", condition.get("Values")) or []
        )
    targets = []
    for action in rule.get("actions", rule.get("Actions")) or []:
        targets.append(
            (action.get("type", action.get("Type")), action.get("target_group_arn", action.get("TargetGroupArn")))
        )
    return (str(rule.get("priority", rule.get("Priority"))), tuple(sorted(set(paths))), tuple(sorted(targets)))


def ecs_listener_rules_plan(current_listeners, listeners):
    """The listeners (with ``Rules``) to pass to a second ``elb_application_lb`` call when the
    non-default rules of ``current_listeners`` (its snake_cased ``listeners`` output) differ from
    the wanted ones; ``[]`` when they match."""
    have = {}
    for listener in current_listeners or []:
        rules = [
            r for r in listener.get("rules") or [] if not r.get("is_default") and str(r.get("priority")) != "default"
        ]
        have[int(listener.get("port"))] = sorted(_rule_key(r) for r in rules)
    for listener in listeners:
        want = sorted(_rule_key(r) for r in listener.get("Rules") or [])
        if have.get(int(listener["Port"]), []) != want:
            return listeners
    return []


# --- autoscaling, WAF ---------------------------------------------------------------------------


def ecs_scaling_policies(services, ctx):
    """``community.aws.application_autoscaling_policy`` arguments: a CPU and a memory target-tracking
    policy per service over its min..max. ``ctx``: cluster, prefix, cpu_target, memory_target,
    scale_in_cooldown, scale_out_cooldown."""
    policies = []
    for svc in services:
        scaling = ecs_scaling(svc)
        service_name = f"{ctx['prefix']}-{svc['name']}"
        for metric, target in (
            ("cpu", ("ECSServiceAverageCPUUtilization", ctx["cpu_target"])),
            ("memory", ("ECSServiceAverageMemoryUtilization", ctx["memory_target"])),
        ):
            policies.append(
                {
                    "service": svc["name"],
                    "policy_name": f"{service_name}-{metric}",
                    "resource_id": f"service/{ctx['cluster']}/{service_name}",
                    "minimum_tasks": scaling["min"],
                    "maximum_tasks": scaling["max"],
                    "configuration": {
                        "PredefinedMetricSpecification": {"PredefinedMetricType": target[0]},
                        "TargetValue": float(target[1]),
                        "ScaleInCooldown": int(ctx.get("scale_in_cooldown", 300)),
                        "ScaleOutCooldown": int(ctx.get("scale_out_cooldown", 60)),
                    },
                }
            )
    return policies


def ecs_fingerprint(value, length=16):
    """Short, stable SHA-256 digest of a JSON-serializable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[: int(length)]


def _visibility(metric):
    return {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True, "metric_name": metric}


def ecs_waf_rules(prefix, rate_limit, rule_action_overrides=None):
    """``community.aws.wafv2_web_acl`` rules: a per-IP rate limit (requests per 5 minutes), then the
    AWS managed rule groups (IP reputation, common, known bad inputs, SQL injection).
    ``rule_action_overrides`` maps a managed group name to rule names switched to count only
    (e.g. ``{AWSManagedRulesCommonRuleSet: [SizeRestrictions_BODY]}`` for large uploads)."""
    overrides = rule_action_overrides or {}
    unknown = sorted(set(overrides) - set(WAF_MANAGED_RULE_GROUPS))
    if unknown:
        raise AnsibleFilterError(
            f"ecs_service_waf_rule_action_overrides names unknown rule groups {', '.join(unknown)} "
            f"(known: {', '.join(WAF_MANAGED_RULE_GROUPS)})"
        )
    rules = [
        {
            "name": "rate-limit-per-ip",
            "priority": 0,
            "action": {"block": {}},
            "statement": {"rate_based_statement": {"limit": int(rate_limit), "aggregate_key_type": "IP"}},
            "visibility_config": _visibility(f"{prefix}-rate-limit"),
        }
    ]
    for index, group in enumerate(WAF_MANAGED_RULE_GROUPS, start=1):
        statement = {"vendor_name": "AWS", "name": group}
        if overrides.get(group):
            statement["rule_action_overrides"] = [
                {"name": str(rule), "action_to_use": {"count": {}}} for rule in overrides[group]
            ]
        rules.append(
            {
                "name": group,
                "priority": index,
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": statement},
                "visibility_config": _visibility(f"{prefix}-{group}"),
            }
        )
    return rules
