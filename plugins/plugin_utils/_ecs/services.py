# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECS services: which exist, the task definition revisions registered for them, their ARNs, and
which to create or update with the ``community.aws.ecs_service`` arguments.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.validation import ecs_scaling

# --- services -----------------------------------------------------------------------------------


def _short_task_definition(ref):
    return str(ref or "").rsplit("/", 1)[-1]


def ecs_existing_services(described, prefix):
    """``{spec name: service}`` of the ACTIVE services in ``ecs_service_info``'s ``services``."""
    out = {}
    for svc in described or []:
        name = str(svc.get("serviceName") or "")
        if svc.get("status") == "ACTIVE" and name.startswith(f"{prefix}-"):
            out[name[len(prefix) + 1 :]] = svc
    return out


# DescribeServices takes at most 10 services per call (ECS API reference).
DESCRIBE_SERVICES_MAX = 10
# DescribeTaskDefinition's answer for a family without an ACTIVE revision (ECS: "Unable to describe task definition").
TASK_DEFINITION_MISSING = ["ClientException", "InvalidParameterException"]


def ecs_state_reads(names, prefix, cluster, cluster_exists=True):
    """The ``platform_ops.aws.aws_read`` reads of the services ``names`` and the task definition each runs,
    in one module run: DescribeServices (ten per call), then for each service the task definition its
    ACTIVE ECS service runs, else (no such service, or no cluster yet: ``cluster_exists`` false) its
    family's latest ACTIVE revision. ``ecs_state`` reads the answer."""
    reads = []
    chunks = [names[i : i + DESCRIBE_SERVICES_MAX] for i in range(0, len(names), DESCRIBE_SERVICES_MAX)]
    for index, chunk in enumerate(chunks if cluster_exists else []):
        reads.append(
            {
                "id": f"services_{index}",
                "service": "ecs",
                "operation": "describe_services",
                # with their tags: the rollout's known-good record (ecs_rollout_settled)
                "params": {
                    "cluster": cluster,
                    "services": [f"{prefix}-{name}" for name in chunk],
                    "include": ["TAGS"],
                },
                "missing_ok": ["ClusterNotFoundException"],
            }
        )
    for position, name in enumerate(names):
        family = {
            "id": f"latest_{name}",
            "service": "ecs",
            "operation": "describe_task_definition",
            "params": {"taskDefinition": f"{prefix}-{name}"},
            "missing_ok": TASK_DEFINITION_MISSING,
        }
        if cluster_exists:
            selector = f"serviceName={prefix}-{name}&status=ACTIVE"
            reads.append(
                {
                    "id": f"running_{name}",
                    "service": "ecs",
                    "operation": "describe_task_definition",
                    "params_from": {
                        "taskDefinition": f"services_{position // DESCRIBE_SERVICES_MAX}.services.{selector}.taskDefinition"
                    },
                    "missing_ok": TASK_DEFINITION_MISSING,
                }
            )
            family["only_if_missing"] = [f"running_{name}"]
        reads.append(family)
    return reads


def ecs_state(responses, names, prefix):
    """``{"existing": ecs_existing_services, "task_definitions": {service: task definition}}`` from the
    answer to ``ecs_state_reads``: the task definition to compare each service's plan with (what it runs,
    else its family's latest revision; ``{}`` when there is none)."""
    responses = responses or {}
    described = []
    for rid in sorted(key for key in responses if key.startswith("services_")):
        described.extend((responses[rid] or {}).get("services") or [])
    task_definitions = {}
    for name in names:
        found = responses.get(f"running_{name}") or responses.get(f"latest_{name}") or {}
        task_definitions[name] = found.get("taskDefinition") or {}
    return {"existing": ecs_existing_services(described, prefix), "task_definitions": task_definitions}


def ecs_registered_task_definitions(results, full=False):
    """``{service: "family:revision"}`` (``full``: the ARN) of the revisions an ``ecs_task_definition``
    loop registered or reused (not the ones check mode would register)."""
    out = {}
    for result in results or []:
        arn = (result.get("taskdefinition") or {}).get("taskDefinitionArn")
        if arn:
            out[result["item"]["service"]] = arn if full else _short_task_definition(arn)
    return out


def ecs_service_arns(existing, results=None):
    """``{service: ARN}`` from the existing services and an ``ecs_service`` loop's results."""
    out = {name: svc.get("serviceArn") for name, svc in (existing or {}).items()}
    for result in results or []:
        arn = (result.get("service") or {}).get("serviceArn")
        if arn:
            out[result["item"]["service"]] = arn
    return out


def ecs_service_plan(services, task_definitions, existing, ctx):
    """Which ECS services to create or update, with the ``community.aws.ecs_service`` arguments.

    ``services``: the service specs; ``task_definitions``: ``{service: "family:revision"}`` to run
    (a service missing there runs its family's latest revision); ``existing``:
    ``ecs_existing_services``; ``ctx``: prefix, cluster, subnets, security_groups,
    target_group_arns {service: arn}, grace_period, tags, capacity_provider_strategy (list, empty:
    launch type FARGATE).

    An existing service keeps its desired count (autoscaling owns it) unless it lies outside
    min..max. Fields AWS always returns but the emulator may leave out (``deploymentConfiguration``
    and ``capacityProviderStrategy`` of a service it created) are compared only when present.
    Drift only in fields ``community.aws.ecs_service`` does not compare itself (deployment and
    network configuration) sets ``force_new_deployment`` so that the module updates the service.
    """
    strategy = ctx.get("capacity_provider_strategy") or []
    plan = []
    for spec in services:
        name = f"{ctx['prefix']}-{spec['name']}"
        task_definition = task_definitions.get(spec["name"]) or name
        scaling = ecs_scaling(spec)
        public = bool(spec.get("public"))
        load_balancers = (
            [
                {
                    "targetGroupArn": ctx["target_group_arns"].get(spec["name"], ""),
                    "containerName": spec["name"],
                    "containerPort": int(spec["port"]),
                }
            ]
            if public
            else []
        )
        grace = int(spec.get("health_check_grace_period") or ctx.get("grace_period", 60)) if public else None
        have = existing.get(spec["name"])
        reasons = []
        if have is None:
            desired_count = scaling["desired"]
            reasons.append("missing")
        else:
            current = int(have.get("desiredCount", 0))
            desired_count = min(max(current, scaling["min"]), scaling["max"])
            if desired_count != current:
                reasons.append("desiredCount")
            if _short_task_definition(have.get("taskDefinition")) != task_definition:
                reasons.append("taskDefinition")
            if sorted(
                (lb.get("targetGroupArn"), lb.get("containerName"), int(lb.get("containerPort", 0)))
                for lb in have.get("loadBalancers") or []
            ) != sorted((lb["targetGroupArn"], lb["containerName"], lb["containerPort"]) for lb in load_balancers):
                reasons.append("loadBalancers")
            if (
                grace is not None
                and "healthCheckGracePeriodSeconds" in have
                and int(have["healthCheckGracePeriodSeconds"]) != grace
            ):
                reasons.append("healthCheckGracePeriodSeconds")
            if (have.get("propagateTags") or "NONE") != "SERVICE":
                reasons.append("propagateTags")
            if bool(have.get("enableExecuteCommand", False)):
                reasons.append("enableExecuteCommand")
            drift = []
            vpc = (have.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
            if (
                set(vpc.get("subnets") or []) != set(ctx["subnets"])
                or set(vpc.get("securityGroups") or []) != set(ctx["security_groups"])
                or vpc.get("assignPublicIp", "DISABLED") != "DISABLED"
            ):
                drift.append("networkConfiguration")
            conf = have.get("deploymentConfiguration")
            if conf is not None:
                breaker = conf.get("deploymentCircuitBreaker") or {}
                if (
                    conf.get("minimumHealthyPercent") != 100
                    or conf.get("maximumPercent") != 200
                    or not breaker.get("enable")
                    or not breaker.get("rollback")
                ):
                    drift.append("deploymentConfiguration")
            if strategy and "capacityProviderStrategy" in have:
                have_cps = sorted(
                    (c.get("capacityProvider"), int(c.get("weight", 0)), int(c.get("base", 0)))
                    for c in have["capacityProviderStrategy"]
                )
                want_cps = sorted(
                    (c["capacity_provider"], int(c.get("weight", 0)), int(c.get("base", 0))) for c in strategy
                )
                if have_cps != want_cps:
                    drift.append("capacityProviderStrategy")
            reasons.extend(drift)
            reasons.extend(["forceNewDeployment"] if drift and len(drift) == len(reasons) else [])
        if not reasons:
            continue
        params = {
            "name": name,
            "cluster": ctx["cluster"],
            "task_definition": task_definition,
            "desired_count": desired_count,
            "network_configuration": {
                "subnets": list(ctx["subnets"]),
                "security_groups": list(ctx["security_groups"]),
                "assign_public_ip": False,
            },
            "deployment_configuration": {
                "minimum_healthy_percent": 100,
                "maximum_percent": 200,
                "deployment_circuit_breaker": {"enable": True, "rollback": True},
            },
            "load_balancers": load_balancers,
            "propagate_tags": "SERVICE",
            "enable_execute_command": False,
            "force_new_deployment": "forceNewDeployment" in reasons,
        }
        if grace is not None:
            params["health_check_grace_period_seconds"] = grace
        if strategy:
            params["capacity_provider_strategy"] = [{k: v for k, v in c.items() if v is not None} for c in strategy]
        else:
            params["launch_type"] = "FARGATE"
        if have is None:
            # community.aws.ecs_service sets tags on creation only (it refuses to change them later)
            params["tags"] = dict(ctx["tags"])
        plan.append(
            {"service": spec["name"], "reasons": [r for r in reasons if r != "forceNewDeployment"], "params": params}
        )
    return plan
