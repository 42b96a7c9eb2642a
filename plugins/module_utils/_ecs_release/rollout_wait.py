# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ecs_rollout: waiting for the services' deployments and explaining a failed one.

``wait_for_deployments`` polls every pending service in one loop (DescribeServices, 10 services per
call); ``failure_details`` names the deployment state, failed tasks, recent events and the stop reasons
of the service's stopped tasks. Callers catch botocore errors.
"""

from __future__ import annotations

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    describe_services,
    describe_tasks,
    list_stopped_service_tasks,
    poll_delays,
    short_task_definition,
    sleep_until_next_poll,
)

MAX_EVENTS = 5
MAX_STOPPED_TASKS = 5


def _primary_deployment(service):
    for deployment in service.get("deployments") or []:
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def deployment_status(service, deployment_id, task_definition_arn):
    """``(state, deployment)`` of the deployment started for ``task_definition_arn``.

    The deployment is found by the id UpdateService returned. When ECS no longer lists it (a newer
    deployment replaced it, e.g. the circuit breaker rolled back) the service's current task
    definition tells whether our revision is still the one deployed.
    """
    deployments = service.get("deployments") or []
    for deployment in deployments:
        if deployment.get("id") == deployment_id:
            return deployment.get("rolloutState") or "IN_PROGRESS", deployment
    primary = _primary_deployment(service)
    if service.get("taskDefinition") == task_definition_arn and primary is not None:
        return primary.get("rolloutState") or "IN_PROGRESS", primary
    return "FAILED", {
        "rolloutStateReason": f"deployment replaced; the service now runs {short_task_definition(service.get('taskDefinition'))}"
    }


def wait_for_deployments(module, client, cluster, pending, timeout):
    """Poll all ``pending`` ({name: {deployment_id, task_definition}}) in one loop.

    Returns ``{name: (state, deployment, service)}`` where state is COMPLETED, FAILED or TIMEOUT.
    """
    outcome = {}
    last_seen = {}
    deadline = time.monotonic() + timeout
    delays = poll_delays(module.params["poll_interval"])
    while pending:
        try:
            services, missing = describe_services(client, cluster, list(pending))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to describe services of cluster {cluster}")
        for name in missing:
            outcome[name] = ("FAILED", {"rolloutStateReason": "the service no longer exists"}, {})
            pending.pop(name)
        for name, service in services.items():
            state, deployment = deployment_status(
                service, pending[name]["deployment_id"], pending[name]["task_definition"]
            )
            last_seen[name] = (state, deployment, service)
            if state in ("COMPLETED", "FAILED"):
                outcome[name] = (state, deployment, service)
                pending.pop(name)
        if pending and not sleep_until_next_poll(delays, deadline):
            break
    for name in pending:
        state, deployment, service = last_seen.get(name, ("IN_PROGRESS", {}, {}))
        outcome[name] = ("TIMEOUT", dict(deployment or {}, lastState=state), service)
    return outcome


def failure_details(module, client, cluster, name, *, state, deployment, service, timeout):
    """A readable reason: deployment state, failed tasks, recent events and stopped task reasons."""
    if state == "TIMEOUT":
        parts = [
            f"deployment did not complete within {timeout}s (rolloutState {deployment.get('lastState', 'IN_PROGRESS')}"
            + (f": {deployment['rolloutStateReason']}" if deployment.get("rolloutStateReason") else "")
            + ")"
        ]
    else:
        parts = [f"deployment FAILED: {deployment.get('rolloutStateReason') or 'no reason given'}"]
    if deployment.get("failedTasks"):
        parts.append(f"{deployment['failedTasks']} failed tasks")
    events = [event.get("message") for event in (service.get("events") or [])[:MAX_EVENTS] if event.get("message")]
    if events:
        parts.append("recent events: " + " | ".join(events))
    try:
        arns = list_stopped_service_tasks(client, cluster, name)
        tasks = describe_tasks(client, cluster, arns[: MAX_STOPPED_TASKS * 4]) if arns else []
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.warn(f"Could not read the stopped tasks of service {name}: {e}")
        tasks = []
    reasons = []
    for task in tasks:
        # Tasks the service scheduler started carry group "service:<name>".
        if task.get("group") != f"service:{name}":
            continue
        text = task.get("stoppedReason") or "no stop reason"
        exits = [
            f"{c.get('name')} exit {c['exitCode']}"
            if c.get("exitCode") is not None
            else f"{c.get('name')}: {c.get('reason')}"
            for c in task.get("containers") or []
            if c.get("exitCode") not in (None, 0) or c.get("reason")
        ]
        if exits:
            text += " (" + ", ".join(exits) + ")"
        reasons.append(
            f"task {task.get('taskArn', '').rsplit('/', 1)[-1]} ({short_task_definition(task.get('taskDefinitionArn'))}): {text}"
        )
    if reasons:
        parts.append("stopped tasks: " + " | ".join(reasons[:MAX_STOPPED_TASKS]))
    return "; ".join(parts)
