# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS service health for platform_ops.aws.ecs_service_health.

A service is healthy when

* it exists and is ACTIVE, and its PRIMARY deployment has not FAILED;
* its running count reaches its desired count, for the service and for the PRIMARY deployment
  (the tasks of the revision it should run; during a rolling update the old revision's tasks
  count towards the service but not towards the PRIMARY deployment);
* none of its RUNNING tasks reports ``healthStatus`` UNHEALTHY, and the running tasks of its
  current revision report HEALTHY when that revision defines a container health check (UNKNOWN
  is what ECS reports while the check is evaluated, and always when there is none);
* no task of its current revision stopped recently because it failed: stop code
  ``TaskFailedToStart`` or ``EssentialContainerExited``, or a container's non-zero exit code when
  nobody else (a user, the service scheduler, a Spot interruption) stopped it. Tasks the scheduler
  replaced after a failed ELB or container health check are not counted: a flaky start during a
  deployment would otherwise fail the check for an hour; a task that stays unhealthy is seen while it runs. "Recently" is since the PRIMARY deployment
  was created and within ``stopped_task_window`` seconds (ECS lists stopped tasks for about an hour).

Reads per poll: DescribeServices (10 services per call), ListTasks of the cluster twice (RUNNING
and STOPPED, paginated, 100 per page) and DescribeTasks (100 per call) for running tasks and for
stopped tasks not seen in an earlier poll; DescribeTaskDefinition once per revision, only when one of
its tasks reports UNKNOWN. Service tasks are matched by their ``group`` (``service:<name>``).

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors and
report them with ``module.fail_json_aws``. The judging helpers are pure functions.
"""

from __future__ import annotations

import datetime
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import describe_tasks, poll_delays

UTC = datetime.timezone.utc  # noqa: UP017 - datetime.UTC needs Python 3.11 on the target

DESCRIBE_SERVICES_BATCH = 10
MAX_EVENTS = 3
MAX_TASKS_NAMED = 5
# Stop codes of a task that failed on its own (ECS developer guide, "Stopped task error codes").
FAILED_STOP_CODES = ("TaskFailedToStart", "EssentialContainerExited")
# Stop codes of tasks that something else stopped: their containers' exit codes (SIGTERM) say nothing.
EXTERNAL_STOP_CODES = ("UserInitiated", "ServiceSchedulerInitiated", "SpotInterruption", "TerminationNotice")


# ---------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def _describe_services(client, cluster, names):
    return client.describe_services(cluster=cluster, services=names)


def describe_services(client, cluster, names):
    """``({name: service}, {name: reason})``: the ACTIVE services and why the others are missing."""
    found, missing = {}, {}
    names = list(names)
    for start in range(0, len(names), DESCRIBE_SERVICES_BATCH):
        response = _describe_services(client, cluster, names[start : start + DESCRIBE_SERVICES_BATCH])
        for service in response.get("services", []):
            if service.get("status") == "ACTIVE":
                found[service["serviceName"]] = service
            else:
                missing[service["serviceName"]] = f"service is {service.get('status', 'not ACTIVE')}"
        for failure in response.get("failures", []):
            name = (failure.get("arn") or "").rsplit("/", 1)[-1]
            missing.setdefault(name, f"service not found ({failure.get('reason', 'MISSING')})")
    for name in names:
        if name not in found:
            missing.setdefault(name, "service not found")
    return found, missing


@AWSRetry.jittered_backoff()
def list_tasks(client, cluster, desired_status):
    paginator = client.get_paginator("list_tasks")
    result = paginator.paginate(cluster=cluster, desiredStatus=desired_status).build_full_result()
    return result.get("taskArns", [])


@AWSRetry.jittered_backoff()
def describe_task_definition(client, arn):
    return client.describe_task_definition(taskDefinition=arn)["taskDefinition"]


# ---------------------------------------------------------------- pure helpers


def short_id(arn):
    """``arn:aws:ecs:…:task/cluster/abc`` -> ``abc``; ``…:task-definition/app:3`` -> ``app:3``."""
    return (arn or "").rsplit("/", 1)[-1]


def primary_deployment(service):
    for deployment in service.get("deployments") or []:
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def has_health_check(task_definition):
    """Whether ECS evaluates a container health check for tasks of this definition.

    Non-essential containers' checks count only when no essential container has one; either way a
    definition with any health check gets HEALTHY tasks once the checks pass.
    """
    return any(container.get("healthCheck") for container in task_definition.get("containerDefinitions") or [])


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=UTC)
    return None


def stopped_at(task):
    """When the task stopped (or began to): ``stoppedAt``, ``stoppingAt``, ``executionStoppedAt``, ``createdAt``."""
    for key in ("stoppedAt", "stoppingAt", "executionStoppedAt", "createdAt"):
        moment = _as_datetime(task.get(key))
        if moment is not None:
            return moment
    return None


def failed_exit_codes(task):
    """``["app exit 1"]`` for the task's containers that exited with a non-zero code."""
    return [
        f"{container.get('name')} exit {container['exitCode']}"
        for container in task.get("containers") or []
        if container.get("exitCode") not in (None, 0)
    ]


def stop_failure(task):
    """Why a stopped task counts as a failure, or ``None`` when it was stopped for another reason."""
    code = task.get("stopCode") or ""
    reason = task.get("stoppedReason") or ""
    exits = failed_exit_codes(task)
    failed = code in FAILED_STOP_CODES or (bool(exits) and code not in EXTERNAL_STOP_CODES)
    if not failed:
        return None
    text = f"{code}: {reason}" if code and reason else (code or reason or "stopped")
    container_reasons = [
        f"{c.get('name')}: {c['reason']}"
        for c in task.get("containers") or []
        if c.get("reason") and c["reason"] != reason
    ]
    details = exits + container_reasons
    if details:
        text += " (" + ", ".join(details) + ")"
    return text


def service_tasks(tasks, name):
    """The tasks the service scheduler started for ``name`` (their group is ``service:<name>``)."""
    group = f"service:{name}"
    return [task for task in tasks if task.get("group") == group]


def judge_service(name, service, running_tasks, stopped_tasks, *, since, health_checked):
    """The health of one service: a dict with the RETURN fields, plus ``terminal`` (waiting cannot help).

    ``since`` (aware datetime) bounds the stopped tasks considered; ``health_checked(arn)`` says
    whether a task definition defines a container health check (called only when needed).
    """
    primary = primary_deployment(service) or {}
    task_definition = service.get("taskDefinition") or primary.get("taskDefinition")
    desired = int(service.get("desiredCount") or 0)
    running = int(service.get("runningCount") or 0)
    pending = int(service.get("pendingCount") or 0)
    rollout_state = primary.get("rolloutState")
    reasons = []
    terminal = False

    if rollout_state == "FAILED":
        reasons.append(f"deployment FAILED: {primary.get('rolloutStateReason') or 'no reason given'}")
        terminal = True
    if running < desired:
        reasons.append(f"running {running}/{desired} tasks ({pending} pending)")
    elif primary and int(primary.get("runningCount") or 0) < desired:
        reasons.append(
            f"running {int(primary.get('runningCount') or 0)}/{desired} tasks of {short_id(task_definition)}"
            f" (the PRIMARY deployment; {running} running in all)"
        )

    current = [task for task in running_tasks if task.get("lastStatus") == "RUNNING"]
    unhealthy = [short_id(task.get("taskArn")) for task in current if task.get("healthStatus") == "UNHEALTHY"]
    if unhealthy:
        reasons.append(f"unhealthy tasks: {', '.join(unhealthy[:MAX_TASKS_NAMED])}")
    unknown = [
        task
        for task in current
        if task.get("taskDefinitionArn") == task_definition and task.get("healthStatus", "UNKNOWN") == "UNKNOWN"
    ]
    if unknown and health_checked(task_definition):
        ids = [short_id(task.get("taskArn")) for task in unknown]
        reasons.append(f"health check not passed yet (UNKNOWN): {', '.join(ids[:MAX_TASKS_NAMED])}")

    failures = []
    for task in stopped_tasks:
        if task.get("taskDefinitionArn") != task_definition:
            continue
        moment = stopped_at(task)
        if moment is not None and moment < since:
            continue
        why = stop_failure(task)
        if why:
            failures.append((moment, f"task {short_id(task.get('taskArn'))} stopped: {why}"))
    if failures:
        failures.sort(key=lambda item: item[0] or since, reverse=True)
        reasons.append(
            f"{len(failures)} failed task(s) of {short_id(task_definition)}: "
            + " | ".join(text for _moment, text in failures[:MAX_TASKS_NAMED])
        )
        terminal = True

    return {
        "service": name,
        "healthy": not reasons,
        "running": running,
        "desired": desired,
        "pending": pending,
        "task_definition": task_definition,
        "rollout_state": rollout_state,
        "reasons": reasons,
        "unhealthy_tasks": unhealthy,
        "failed_tasks": len(failures),
        "events": [e.get("message") for e in (service.get("events") or [])[:MAX_EVENTS] if e.get("message")],
        "terminal": terminal,
    }


def missing_service(name, reason):
    return {
        "service": name,
        "healthy": False,
        "running": 0,
        "desired": 0,
        "pending": 0,
        "task_definition": None,
        "rollout_state": None,
        "reasons": [reason],
        "unhealthy_tasks": [],
        "failed_tasks": 0,
        "events": [],
        "terminal": True,
    }


def describe_failure(result):
    """``name: reason; reason (last events: …)`` for the failure message."""
    text = f"{result['service']}: " + "; ".join(result["reasons"])
    if result["events"]:
        text += " (last events: " + " | ".join(result["events"]) + ")"
    return text


# ---------------------------------------------------------------- the checker


class ServiceHealthChecker:
    """Polls the services of one cluster; caches what does not change between polls."""

    def __init__(self, client, cluster, names, *, stopped_task_window, now=None):
        self.client = client
        self.cluster = cluster
        self.names = list(dict.fromkeys(names))
        self._now = now or (lambda: datetime.datetime.now(UTC))
        self.window_start = self._now() - datetime.timedelta(seconds=stopped_task_window)
        self._stopped = {}  # arn -> described stopped task (a stopped task never changes)
        self._health_checked = {}  # task definition arn -> bool

    def health_checked(self, arn):
        if arn not in self._health_checked:
            self._health_checked[arn] = has_health_check(describe_task_definition(self.client, arn))
        return self._health_checked[arn]

    def check(self):
        """``[result per service]`` in the order of ``names``."""
        try:
            found, missing = describe_services(self.client, self.cluster, self.names)
        except is_boto3_error_code("ClusterNotFoundException"):
            found, missing = {}, dict.fromkeys(self.names, f"cluster {self.cluster} not found")
        running_tasks, stopped_tasks = [], []
        if found:
            running_arns = list_tasks(self.client, self.cluster, "RUNNING")
            running_tasks = describe_tasks(self.client, self.cluster, running_arns) if running_arns else []
            stopped_arns = list_tasks(self.client, self.cluster, "STOPPED")
            new = [arn for arn in stopped_arns if arn not in self._stopped]
            for task in describe_tasks(self.client, self.cluster, new) if new else []:
                self._stopped[task["taskArn"]] = task
            stopped_tasks = [self._stopped[arn] for arn in stopped_arns if arn in self._stopped]
        results = []
        for name in self.names:
            if name not in found:
                results.append(missing_service(name, missing.get(name, "service not found")))
                continue
            service = found[name]
            created = _as_datetime((primary_deployment(service) or {}).get("createdAt"))
            since = max(self.window_start, created) if created else self.window_start
            results.append(
                judge_service(
                    name,
                    service,
                    service_tasks(running_tasks, name),
                    service_tasks(stopped_tasks, name),
                    since=since,
                    health_checked=self.health_checked,
                )
            )
        return results

    def wait(self, timeout, poll_interval, clock=time.monotonic, sleep=time.sleep):
        """Check until every service is healthy, one is unhealthy beyond waiting, or ``timeout`` passed.

        Returns ``(results, attempts)``.
        """
        deadline = clock() + timeout
        delays = poll_delays(poll_interval)
        attempts = 0
        while True:
            attempts += 1
            results = self.check()
            unhealthy = [result for result in results if not result["healthy"]]
            if not unhealthy or any(result["terminal"] for result in unhealthy):
                return results, attempts
            remaining = deadline - clock()
            if remaining <= 0:
                return results, attempts
            sleep(min(next(delays), remaining))
