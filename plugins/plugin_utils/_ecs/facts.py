# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``platform_ecs``, the fact the ecs_service role publishes (and its update after a rollout), and the
ECR lifecycle policy of the services' repositories.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

# --- facts --------------------------------------------------------------------------------------


def ecs_facts(services, ctx):
    """``platform_ecs`` (keys per the role contract) from what the role found and converged.

    ``ctx``: cluster_name, cluster_arn, alb {arn, dns_name, zone_id, ip_address_type}, target_group_arns, task_definitions
    {service: "family:revision"}, service_arns {service: arn}, repositories, web_acl_arn,
    cloudfront_domain_name, cloudfront_distribution_arn, region, account, partition, prefix.
    """
    partition = ctx.get("partition", "aws")
    services_out = {}
    for svc in services:
        name = svc["name"]
        full = f"{ctx['prefix']}-{name}"
        task_def = ctx["task_definitions"].get(name, "")
        services_out[name] = {
            "name": full,
            "arn": ctx.get("service_arns", {}).get(name)
            or f"arn:{partition}:ecs:{ctx['region']}:{ctx['account']}:service/{ctx['cluster_name']}/{full}",
            "task_definition_arn": (
                f"arn:{partition}:ecs:{ctx['region']}:{ctx['account']}:task-definition/{task_def}" if task_def else ""
            ),
        }
    return {
        "cluster_name": ctx["cluster_name"],
        "cluster_arn": ctx["cluster_arn"],
        "alb_arn": (ctx.get("alb") or {}).get("arn", ""),
        "alb_dns_name": (ctx.get("alb") or {}).get("dns_name", ""),
        # The ALB's canonical hosted zone id and ipv4|dualstack: what a Route 53 alias record needs.
        "alb_zone_id": (ctx.get("alb") or {}).get("zone_id", ""),
        "alb_ip_address_type": (ctx.get("alb") or {}).get("ip_address_type", ""),
        "target_group_arns": dict(ctx.get("target_group_arns") or {}),
        "services": services_out,
        "repositories": dict(ctx.get("repositories") or {}),
        "web_acl_arn": ctx.get("web_acl_arn") or "",
        "cloudfront_domain_name": ctx.get("cloudfront_domain_name") or "",
        "cloudfront_distribution_arn": ctx.get("cloudfront_distribution_arn") or "",
    }


def ecs_facts_rolled_out(facts, rollout_services):
    """``platform_ecs`` with each service's ``task_definition_arn`` set to what ``ecs_rollout``
    reports it runs now (``rollout_services``: its ``services`` result; an entry without a
    ``task_definition``, as in check mode, changes nothing)."""
    if not facts:
        return facts
    runs = {r.get("service"): r.get("task_definition") for r in rollout_services or [] if r.get("task_definition")}
    out = dict(facts)
    out["services"] = {
        name: dict(svc, task_definition_arn=runs.get(svc.get("name")) or svc.get("task_definition_arn", ""))
        for name, svc in (facts.get("services") or {}).items()
    }
    return out


def ecs_lifecycle_policy(keep_images):
    """ECR lifecycle policy keeping the newest ``keep_images`` images (any tag status)."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Keep the last {int(keep_images)} images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": int(keep_images)},
                "action": {"type": "expire"},
            }
        ]
    }
