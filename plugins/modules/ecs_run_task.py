#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_run_task
short_description: Run a one-off ECS task, wait for it to stop and report its exit code and logs
version_added: 0.1.0
description:
  - Runs one task from a task definition (for example a database migration), optionally overriding
    the command and environment of one container.
  - Waits until the task is C(STOPPED), then returns the container's exit code, the stop reason and
    the last lines of the container's CloudWatch log stream C({prefix}/{container}/{task-id}).
  - Fails when the container exits with a non-zero code (or without one); the message names the exit
    code, the stop reason and the last log lines.
  - Running a task is not idempotent; every run reports RV(ignore:changed=true).
  - C(RunTask) carries a client token derived from the request and O(run_id), so the retries of one
    request (by botocore, or after an HTTP 5xx or a timeout) start one task at most.
  - With O(attach_running), a task of the same family started with the same O(started_by) that has not
    stopped yet is waited for instead of starting a second one (a re-run after an error or Ctrl-C).
author: Platform Ops Maintainers (@platform-ops)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster.
    required: true
    type: str
  task_definition:
    description:
      - Task definition family (its latest active revision), C(family:revision) or ARN.
    required: true
    type: str
  launch_type:
    description:
      - Launch type. Defaults to C(FARGATE) unless O(capacity_provider_strategy) is given.
    type: str
    choices: [FARGATE, EC2, EXTERNAL]
  capacity_provider_strategy:
    description:
      - Capacity provider strategy instead of a launch type (e.g. C(FARGATE_SPOT)).
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Name of the capacity provider.
        type: str
        required: true
      weight:
        description: Relative weight.
        type: int
      base:
        description: Minimum number of tasks on this provider.
        type: int
  subnets:
    description:
      - Subnet IDs for the task's network interface (C(awsvpc) network mode; required for C(FARGATE)).
    type: list
    elements: str
  security_groups:
    description:
      - Security group IDs for the task's network interface.
    type: list
    elements: str
  assign_public_ip:
    description:
      - Give the task's network interface a public IP address.
    type: bool
    default: false
  container:
    description:
      - Container to override and whose exit code and logs are reported.
      - Defaults to the first essential container of the task definition.
    type: str
  command:
    description:
      - Command override for the container, as a list of arguments.
    type: list
    elements: str
  environment:
    description:
      - Environment variables added to (or overriding those of) the container, name to value.
    type: dict
  started_by:
    description:
      - Value of the task's C(startedBy) field (at most 128 characters).
      - Name the job (for example V(ansible-migrate)); O(attach_running) looks for running tasks by it.
    type: str
    default: ansible
  run_id:
    description:
      - Identifies this run. The C(RunTask) client token is derived from the cluster, the request and
        O(run_id); ECS keeps a token for up to 24 hours and answers a repeated request with the task it
        started the first time, so a repeat with the same O(run_id) starts no second task.
      - Defaults to a new random value on every invocation (each invocation may start a task; the retries
        within it cannot start a second one).
    type: str
  attach_running:
    description:
      - Before starting a task, look for a task of the same family in the cluster, started with the same
        O(started_by), that has not stopped. When it runs the same task definition with the same command
        and environment, wait for it (and report it) instead of starting a second one. When it runs
        something else, fail naming it rather than run two at once.
      - Set V(false) to always start a new task.
    type: bool
    default: true
  wait:
    description:
      - Wait for the task to stop and check its exit code.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the task to stop. The task is left running when the wait times out.
    type: int
    default: 1800
  poll_interval:
    description:
      - Seconds before the first status poll; later polls back off exponentially (up to 30 seconds) with jitter.
    type: float
    default: 5
  log_group:
    description:
      - CloudWatch log group of the container.
      - Defaults to the C(awslogs-group) option of the container's awslogs log configuration.
    type: str
  log_stream_prefix:
    description:
      - Log stream prefix of the container.
      - Defaults to the C(awslogs-stream-prefix) option of the container's awslogs log configuration.
    type: str
  log_lines:
    description:
      - How many of the last log lines to return (and show, up to 20, in a failure message). V(0) reads no logs.
    type: int
    default: 50
  image:
    description:
      - Run the task from this image (full URI) instead of the one in O(task_definition).
      - ECS cannot override an image at run time, so the module registers a copy of the task
        definition (every registrable field - roles, secrets, logging, network mode, sizes) with the
        chosen container's image replaced, under the family O(run_family), and runs that. A new
        revision is registered only when the copy differs from the family's latest active revision.
      - Mutually exclusive with O(image_tag).
    type: str
  image_tag:
    description:
      - Like O(image), replacing only the tag of the container's current image (for example the
        release being deployed, to migrate the database before the services switch to it).
    type: str
  run_family:
    description:
      - Family of the copy registered for O(image) or O(image_tag). Defaults to C(<source family>-run).
    type: str
notes:
  - In check mode nothing runs; the module reports what it would run.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Run the database migrations from the new image
  platform_ops.aws.ecs_run_task:
    cluster: caseapp-prod
    task_definition: caseapp-prod-backend
    container: backend
    command: ["alembic", "upgrade", "head"]
    subnets: "{{ platform_network.private_subnet_ids }}"
    security_groups: ["{{ platform_network.app_security_group_id }}"]
    started_by: ansible-migrate
    wait_timeout: 1800
  register: migration

- name: Show the migration output
  ansible.builtin.debug:
    var: migration.log_lines
"""

RETURN = r"""
registered:
  description: Whether a copy of the task definition was registered for O(image) / O(image_tag) (would be, in check mode).
  returned: always
  type: bool
  sample: true
image:
  description: Image of the container that ran (or would run).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123
task_arn:
  description: ARN of the task that ran (V(null) in check mode).
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task/caseapp-prod/0f1e2d3c4b5a69788796a5b4c3d2e1f0
task_id:
  description: ID of the task (last part of its ARN).
  returned: when the task ran
  type: str
  sample: 0f1e2d3c4b5a69788796a5b4c3d2e1f0
task_definition:
  description: ARN of the task definition revision that ran (or would run).
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:7
container:
  description: Name of the container whose exit code and logs are reported.
  returned: always
  type: str
  sample: backend
last_status:
  description: Last status of the task (C(STOPPED) after a successful wait).
  returned: when the task ran
  type: str
  sample: STOPPED
exit_code:
  description: Exit code of the container, V(null) when the task did not stop or the container never ran.
  returned: when the task ran
  type: int
  sample: 0
stopped_reason:
  description: Why ECS stopped the task.
  returned: when the task ran
  type: str
  sample: Essential container in task exited
log_group:
  description: CloudWatch log group read, V(null) when unknown.
  returned: always
  type: str
  sample: /caseapp/prod/ecs
log_stream:
  description: CloudWatch log stream read (C({prefix}/{container}/{task-id})), V(null) when unknown.
  returned: when the task ran
  type: str
  sample: ecs/backend/0f1e2d3c4b5a69788796a5b4c3d2e1f0
log_lines:
  description: The last O(log_lines) messages of the log stream, oldest first.
  returned: when the task ran
  type: list
  elements: str
  sample: ["INFO  [alembic.runtime.migration] Running upgrade  -> 0001, initial schema"]
attached:
  description: Whether the module waited for a task already running (O(attach_running)) instead of starting one.
  returned: always
  type: bool
  sample: false
would_run:
  description: What would run (check mode only); C(attach_to) names a running task that would be waited for instead.
  returned: check mode
  type: dict
  sample: {"cluster": "caseapp-prod", "task_definition": "caseapp-prod-backend:7", "command": ["alembic", "upgrade", "head"]}
"""

import copy
import time
import uuid

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    awslogs_location,
    describe_task_definition,
    describe_tasks,
    env_value,
    list_running_family_tasks,
    pick_container,
    poll_delays,
    register_task_definition,
    registrable_task_definition,
    replace_image_tag,
    run_task,
    same_registration,
    short_task_definition,
    sleep_until_next_poll,
    tail_log_stream,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.idempotency import idempotency_token

MESSAGE_LOG_LINES = 20


def validate_params(module):
    params = module.params
    if not params["cluster"].strip():
        module.fail_json(msg="cluster must not be empty")
    if not params["task_definition"].strip():
        module.fail_json(msg="task_definition must not be empty")
    launch_type = params["launch_type"]
    if launch_type is None and not params["capacity_provider_strategy"]:
        launch_type = "FARGATE"
    if launch_type == "FARGATE" and not params["subnets"]:
        module.fail_json(msg="subnets are required for the FARGATE launch type (awsvpc network mode)")
    if params["security_groups"] and not params["subnets"]:
        module.fail_json(msg="security_groups need subnets (awsvpc network configuration)")
    if params["command"] is not None and not params["command"]:
        module.fail_json(msg="command must list at least one argument when given")
    if len(params["started_by"]) > 128:
        module.fail_json(msg="started_by must be at most 128 characters")
    if params["wait_timeout"] <= 0:
        module.fail_json(msg="wait_timeout must be a positive number of seconds")
    if params["poll_interval"] <= 0:
        module.fail_json(msg="poll_interval must be a positive number of seconds")
    if params["log_lines"] < 0 or params["log_lines"] > 10000:
        module.fail_json(msg="log_lines must be between 0 and 10000")
    if params["run_id"] is not None and not params["run_id"].strip():
        module.fail_json(msg="run_id must not be empty when given")
    for key in ("image", "image_tag", "run_family"):
        if params[key] is not None and not params[key].strip():
            module.fail_json(msg=f"{key} must not be empty when given")
    if params["run_family"] and not (params["image"] or params["image_tag"]):
        module.fail_json(msg="run_family is only used with image or image_tag")
    return launch_type


def task_definition_with_image(module, client, source, tags, container_name):
    """The task definition to run: ``source``, or a copy under run_family with the image replaced.

    Returns ``(task_definition, registered, image)``; registers only when the family's latest
    active revision differs (never in check mode).
    """
    params = module.params
    containers = copy.deepcopy(source.get("containerDefinitions") or [])
    container = next(c for c in containers if c.get("name") == container_name)
    if not (params["image"] or params["image_tag"]):
        return source, False, container.get("image")
    image = (
        params["image"].strip()
        if params["image"]
        else replace_image_tag(container.get("image", ""), params["image_tag"].strip())
    )
    container["image"] = image
    family = params["run_family"] or f"{source['family']}-run"
    desired = registrable_task_definition(source, tags, containers)
    desired["family"] = family
    if module.check_mode:
        try:
            current, current_tags = describe_task_definition(client, family)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to describe task definition family {family}")
        if same_registration(current, current_tags, desired):
            return current, False, image
        planned = dict(source, family=family, containerDefinitions=containers, taskDefinitionArn=f"{family}:(new)")
        return planned, True, image
    try:
        task_definition, registered, retried = register_task_definition(module, client, desired)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to register task definition {family} with image {image}")
    if retried:
        module.warn(
            f"RegisterTaskDefinition answered {', '.join(retried)}; "
            f"{short_task_definition(task_definition['taskDefinitionArn'])} was registered once"
        )
    return task_definition, registered, image


def build_request(module, launch_type, task_definition, container_name):
    params = module.params
    request = {
        "cluster": params["cluster"],
        "taskDefinition": task_definition["taskDefinitionArn"],
        "count": 1,
        "startedBy": params["started_by"],
    }
    if params["capacity_provider_strategy"]:
        strategy = []
        for item in params["capacity_provider_strategy"]:
            entry = {"capacityProvider": item["capacity_provider"]}
            if item.get("weight") is not None:
                entry["weight"] = item["weight"]
            if item.get("base") is not None:
                entry["base"] = item["base"]
            strategy.append(entry)
        request["capacityProviderStrategy"] = strategy
    else:
        request["launchType"] = launch_type
    if params["subnets"]:
        awsvpc = {
            "subnets": params["subnets"],
            "assignPublicIp": "ENABLED" if params["assign_public_ip"] else "DISABLED",
        }
        if params["security_groups"]:
            awsvpc["securityGroups"] = params["security_groups"]
        request["networkConfiguration"] = {"awsvpcConfiguration": awsvpc}
    override = {"name": container_name}
    if params["command"] is not None:
        override["command"] = params["command"]
    if params["environment"]:
        override["environment"] = [{"name": str(k), "value": env_value(v)} for k, v in params["environment"].items()]
    if len(override) > 1:
        request["overrides"] = {"containerOverrides": [override]}
    return request


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


def running_task_to_attach(module, client, request, family, container_name):
    """The task already running what ``request`` would start (None); fails on a different run of the job."""
    params = module.params
    cluster = params["cluster"]
    try:
        arns = list_running_family_tasks(client, cluster, family)
        tasks = describe_tasks(client, cluster, arns) if arns else []
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to list the running tasks of family {family} in cluster {cluster}")
    running = [t for t in tasks if t.get("startedBy") == params["started_by"] and t.get("lastStatus") != "STOPPED"]
    running.sort(key=lambda t: str(t.get("createdAt") or ""))
    for task in running:
        if same_run(task, request, container_name):
            return task
    if running:
        other = running[0]
        module.fail_json(
            msg=f"Task {other['taskArn'].rsplit('/', 1)[-1]} ({short_task_definition(other.get('taskDefinitionArn'))}, "
            f"started by {params['started_by']}) is still {other.get('lastStatus')} in cluster {cluster} with another "
            f"task definition, command or environment; wait for it to stop (or stop it) before running "
            f"{short_task_definition(request['taskDefinition'])}, or set attach_running: false",
            running_task_arn=other["taskArn"],
        )
    return None


def wait_for_stop(module, client, cluster, task_arn, task):
    deadline = time.monotonic() + module.params["wait_timeout"]
    delays = poll_delays(module.params["poll_interval"])
    while True:
        try:
            tasks = describe_tasks(client, cluster, [task_arn])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to describe task {task_arn}", changed=True, task_arn=task_arn)
        if tasks:
            task = tasks[0]
        if task.get("lastStatus") == "STOPPED":
            return task, True
        if not sleep_until_next_poll(delays, deadline):
            return task, False


def container_of(task, name):
    for container in task.get("containers") or []:
        if container.get("name") == name:
            return container
    return {}


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        task_definition=dict(type="str", required=True),
        launch_type=dict(type="str", choices=["FARGATE", "EC2", "EXTERNAL"]),
        capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int"),
                base=dict(type="int"),
            ),
        ),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        assign_public_ip=dict(type="bool", default=False),
        container=dict(type="str"),
        command=dict(type="list", elements="str"),
        environment=dict(type="dict"),
        started_by=dict(type="str", default="ansible"),
        run_id=dict(type="str"),
        attach_running=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="float", default=5),
        log_group=dict(type="str"),
        log_stream_prefix=dict(type="str"),
        log_lines=dict(type="int", default=50),
        image=dict(type="str"),
        image_tag=dict(type="str"),
        run_family=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("launch_type", "capacity_provider_strategy"), ("image", "image_tag")],
    )
    launch_type = validate_params(module)
    params = module.params
    client = module.client("ecs")

    try:
        task_definition, source_tags = describe_task_definition(client, params["task_definition"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe task definition {params['task_definition']}")
    if task_definition is None:
        module.fail_json(msg=f"Task definition {params['task_definition']} not found")
    containers = task_definition.get("containerDefinitions") or []
    container = pick_container(containers, params["container"])
    if container is None:
        available = ", ".join(c.get("name", "?") for c in containers) or "none"
        module.fail_json(
            msg=f"Container '{params['container']}' is not in task definition "
            f"{short_task_definition(task_definition['taskDefinitionArn'])} (containers: {available})"
        )
    container_name = container["name"]
    task_definition, registered, image = task_definition_with_image(
        module, client, task_definition, source_tags, container_name
    )

    group, prefix, logs_region = awslogs_location(container)
    log_group = params["log_group"] or group
    log_prefix = params["log_stream_prefix"] or prefix

    request = build_request(module, launch_type, task_definition, container_name)
    result = dict(
        task_arn=None,
        task_definition=task_definition["taskDefinitionArn"],
        container=container_name,
        log_group=log_group,
        registered=registered,
        image=image,
        attached=False,
    )
    family = task_definition.get("family") or params["run_family"]
    running = None
    if params["attach_running"] and task_definition["taskDefinitionArn"].startswith("arn:"):
        running = running_task_to_attach(module, client, request, family, container_name)

    if module.check_mode:
        would_run = {
            "cluster": params["cluster"],
            "task_definition": short_task_definition(task_definition["taskDefinitionArn"]),
            "container": container_name,
            "image": image,
            "launch_type": request.get("launchType"),
            "capacity_provider_strategy": params["capacity_provider_strategy"],
            "command": params["command"],
            "environment": sorted((params["environment"] or {}).keys()),
            "subnets": params["subnets"],
            "security_groups": params["security_groups"],
            "started_by": params["started_by"],
            "attach_to": running["taskArn"] if running else None,
        }
        module.exit_json(changed=True, would_run=would_run, msg="Check mode: the task was not run", **result)

    if running is not None:
        task = running
        result["attached"] = True
        module.warn(
            f"Task {task['taskArn'].rsplit('/', 1)[-1]} (started by {params['started_by']}) already runs "
            f"{short_task_definition(request['taskDefinition'])} with the same command; waiting for it instead "
            "of starting a second one"
        )
    else:
        # The same token on every retry of this request (botocore's, AWSRetry's): ECS starts one task.
        run_id = params["run_id"] or str(uuid.uuid4())
        request["clientToken"] = idempotency_token("ecs.RunTask", params["cluster"], request, run_id)
        try:
            response = run_task(client, request)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e, msg=f"Failed to run task {short_task_definition(task_definition['taskDefinitionArn'])}"
            )
        tasks = response.get("tasks") or []
        if not tasks:
            reasons = "; ".join(
                f"{f.get('arn', '')}: {f.get('reason', '')} {f.get('detail', '')}".strip()
                for f in response.get("failures") or []
            )
            module.fail_json(msg=f"ECS did not start the task: {reasons or 'no reason given'}", **result)
        task = tasks[0]

    task_arn = task["taskArn"]
    task_id = task_arn.rsplit("/", 1)[-1]
    result.update(task_arn=task_arn, task_id=task_id, last_status=task.get("lastStatus"))
    if not params["wait"]:
        module.exit_json(changed=True, exit_code=None, stopped_reason=None, log_stream=None, log_lines=[], **result)

    task, stopped = wait_for_stop(module, client, params["cluster"], task_arn, task)
    info = container_of(task, container_name)
    exit_code = info.get("exitCode") if stopped else None
    result.update(
        last_status=task.get("lastStatus"),
        exit_code=exit_code,
        stopped_reason=task.get("stoppedReason") or None,
    )

    log_stream = f"{log_prefix}/{container_name}/{task_id}" if log_group and log_prefix else None
    log_lines = []
    if log_stream and params["log_lines"]:
        extra = {"region": logs_region} if logs_region and logs_region != module.region else {}
        try:
            logs = module.client("logs", **extra)
            log_lines = tail_log_stream(logs, log_group, log_stream, params["log_lines"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.warn(f"Could not read log stream {log_group}:{log_stream}: {e}")
            log_lines = []
        if log_lines is None:
            module.warn(f"Log stream {log_stream} not found in log group {log_group}")
            log_lines = []
    result.update(log_stream=log_stream, log_lines=log_lines)

    tail = ""
    if log_lines:
        tail = "\nLast log lines:\n" + "\n".join(log_lines[-MESSAGE_LOG_LINES:])
    reason = result["stopped_reason"] or "no stop reason"
    if not stopped:
        module.fail_json(
            msg=f"Task {task_id} did not stop within {params['wait_timeout']}s "
            f"(last status {task.get('lastStatus')}); it was left running{tail}",
            changed=True,
            **result,
        )
    if exit_code is None:
        container_reason = info.get("reason")
        module.fail_json(
            msg=f"Task {task_id} stopped without an exit code for container {container_name} "
            f"(stopped reason: {reason}"
            + (f"; container: {container_reason}" if container_reason else "")
            + f"){tail}",
            changed=True,
            **result,
        )
    if exit_code != 0:
        module.fail_json(
            msg=f"Task {task_id} failed: container {container_name} exited with code {exit_code} "
            f"(stopped reason: {reason}){tail}",
            changed=True,
            **result,
        )
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
