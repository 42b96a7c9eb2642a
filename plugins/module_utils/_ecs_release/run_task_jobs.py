# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ecs_run_task: the tasks of the same job that have not stopped.

``find_job_tasks`` lists them (tasks of the cluster started with the same ``started_by``), ``decide``
whether to attach to one of them, refuse or start, ``refuse_message`` explains a refusal and
``task_summary`` shapes a task for the module's result. Only ``find_job_tasks`` calls AWS.
"""

from __future__ import annotations

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import list_job_tasks, short_task_definition

# Tag of the task naming the run that started it (a repeat of the run recognises its own task).
RUN_ID_TAG = "PlatformRunId"


def _container_override(overrides, name):
    for item in (overrides or {}).get("containerOverrides") or []:
        if item.get("name") == name:
            return item
    return {}


def _comparable_override(override):
    environment = sorted((item.get("name"), item.get("value")) for item in override.get("environment") or [])
    return {"command": list(override.get("command") or []), "environment": environment}


def same_run(task, request, container_name):
    """Whether ``task`` runs what ``request`` would start (task definition, command, environment)."""
    if task.get("taskDefinitionArn") != request["taskDefinition"]:
        return False
    wanted = _container_override(request.get("overrides"), container_name)
    actual = _container_override(task.get("overrides"), container_name)
    return _comparable_override(wanted) == _comparable_override(actual)


def _iso(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def task_run_id(task):
    for tag in task.get("tags") or []:
        if tag.get("key") == RUN_ID_TAG:
            return tag.get("value")
    return None


def task_summary(task):
    arn = task.get("taskArn", "")
    return {
        "task_arn": arn,
        "task_id": arn.rsplit("/", 1)[-1],
        "task_definition": short_task_definition(task.get("taskDefinitionArn")),
        "last_status": task.get("lastStatus"),
        "desired_status": task.get("desiredStatus"),
        "started_by": task.get("startedBy"),
        "created_at": _iso(task.get("createdAt")),
        "started_at": _iso(task.get("startedAt")),
        "run_id": task_run_id(task),
    }


def describe_running(module, task):
    """One line naming a running task of the job and how to stop it."""
    info = task_summary(task)
    since = info["started_at"] or info["created_at"] or "an unknown time"
    state = info["last_status"] if info["desired_status"] != "STOPPED" else f"{info['last_status']} (stopping)"
    region = f" --region {module.region}" if module.region else ""
    return (
        f"task {info['task_id']} ({info['task_arn']}, {info['task_definition']}, run {info['run_id'] or 'unknown'}) "
        f"is {state} since {since}, started by {info['started_by']}; to stop it: aws ecs stop-task{region} "
        f"--cluster {module.params['cluster']} --task {info['task_id']} --reason 'stopped by operator'"
    )


def find_job_tasks(module, client, family):
    params = module.params
    try:
        return list_job_tasks(client, params["cluster"], params["started_by"], family)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e, msg=f"Failed to list the running tasks started by {params['started_by']} in cluster {params['cluster']}"
        )


def decide(mode, running, request, container_name, own_run_id=None):
    """What to do about the job's running tasks: ``(task_to_attach, blocking_task)``.

    ``blocking_task`` is the task that forbids starting (the caller fails, or reports it in check mode).
    ``own_run_id`` (the explicit run_id) recognises a task of this very run.
    """
    if mode == "start" or not running:
        return None, None
    if own_run_id is not None:
        run_id = own_run_id
        own = [t for t in running if task_run_id(t) == run_id and same_run(t, request, container_name)]
        if own:
            return own[0], None
    if mode == "refuse":
        return None, running[0]
    for task in running:
        if same_run(task, request, container_name):
            return task, None
    return None, running[0]


def refuse_message(module, mode, running, request):
    params = module.params
    lines = [describe_running(module, t) for t in running[:5]]
    more = f" (and {len(running) - 5} more)" if len(running) > 5 else ""
    if mode == "refuse":
        why = (
            f"another task of this job (started by {params['started_by']}) has not stopped in cluster "
            f"{params['cluster']}; one at a time"
        )
        hint = "Wait for it to stop, or stop it, then run again"
    else:
        why = (
            f"a task of this job (started by {params['started_by']}) with another task definition, command or "
            f"environment has not stopped in cluster {params['cluster']}"
        )
        hint = "Wait for it to stop (or stop it) before running again, or set if_running: start (formerly attach_running: false)"
    return (
        f"Refusing to run {short_task_definition(request['taskDefinition'])}: {why}: "
        + "; ".join(lines)
        + f"{more}. {hint}."
    )
