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
  - C(RunTask) carries a client token derived from the cluster, the request and O(run_id), so the retries
    of one request (by botocore, by the module after a throttling error, an HTTP 5xx or a timeout) and a
    repeat of the same run (the same O(run_id)) start one task at most, while two runs with different
    O(run_id)s start two.
  - Before starting, the module looks for the tasks of the same job that have not stopped - tasks of the
    cluster started with the same O(started_by), of any family and revision - and refuses, waits for them
    or ignores them (O(if_running)).
  - Once a task runs, the module stops it (C(StopTask), with a reason naming ansible) when it gives up on
    it - O(wait_timeout) passed, the module received C(SIGINT) or C(SIGTERM) (Ctrl-C, an AWX job
    cancelled), or an error while waiting - unless O(stop_on_failure=false). The failure message says
    that the task was stopped.
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
      - Value of the task's C(startedBy) field (at most 128 characters), which names the job.
      - The tasks of the cluster started with the same value, of any family and revision, are the job's
        tasks that O(if_running) looks for (for example V(ansible-migrate) for the database migrations).
    type: str
    default: ansible
  run_id:
    description:
      - Identifies this run of the job (at most 200 characters; letters, digits, spaces and the characters C(+-=._:/@)).
        Pass one value per deliberate run (for example one set once per playbook run) and the same value
        when repeating that run.
      - The C(RunTask) client token (36 characters, ECS accepts up to 64) is derived from the cluster, the
        request and O(run_id). ECS answers a request repeated with the same token and parameters with the
        task it started the first time (it keeps a token for up to 24 hours), so a repeat with the same
        O(run_id) starts no second task; two runs with different O(run_id)s start two.
      - When given, the task is tagged C(PlatformRunId=<run_id>), so that a repeat of this run finds its
        own task still running and waits for it instead of refusing it (O(if_running=refuse)).
      - Defaults to a new random value on every invocation (each invocation may start a task; the retries
        within it cannot start a second one).
    type: str
  if_running:
    description:
      - What to do when a task of the same job (same O(started_by) in the cluster, any family or revision)
        has not stopped yet.
      - V(refuse) - fail without starting anything, naming the running task (ID, ARN, task definition,
        status, start time, O(started_by), run) and the command that stops it. A task of this very run
        (same O(run_id) and request, a repeat after an error or Ctrl-C) is waited for instead.
      - V(attach) - when the running task runs the same task definition with the same command and
        environment, wait for it (and report it, RV(attached)) instead of starting a second one; when it
        runs something else, fail naming it.
      - V(start) - start a task anyway.
      - Defaults to V(attach) (or what the deprecated O(attach_running) says).
    type: str
    choices: [refuse, attach, start]
  attach_running:
    description:
      - Deprecated, use O(if_running). V(true) is O(if_running=attach), V(false) is O(if_running=start).
    type: bool
  stop_on_failure:
    description:
      - Stop the task (C(StopTask)) when the module gives up on it - O(wait_timeout) passed, C(SIGINT) or
        C(SIGTERM) received, an error while waiting - so that no abandoned one-off task keeps running.
      - Applies to the task started or waited for (O(if_running=attach)). With O(wait=false) only a
        signal received while C(RunTask) was under way stops the task.
      - Set V(false) to leave the task running.
    type: bool
    default: true
  wait:
    description:
      - Wait for the task to stop and check its exit code.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the task to stop. When the wait times out, the task is stopped (see
        O(stop_on_failure)) and the module fails.
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
  - In check mode nothing runs; the module reports what it would run (RV(would_run)) and the job's
    tasks that have not stopped (RV(running_tasks)); when O(if_running=refuse) would refuse, it warns.
  - "IAM: C(ecs:RunTask), C(ecs:DescribeTasks), C(ecs:ListTasks), C(ecs:StopTask), C(iam:PassRole) for the
    task's roles; C(ecs:TagResource) when O(run_id) is given (the task is tagged)."
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
    if_running: refuse
    run_id: "{{ migration_run_id }}"  # set once per playbook run, e.g. with ansible.builtin.set_fact
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
  description: Whether the module waited for a task already running (O(if_running)) instead of starting one.
  returned: always
  type: bool
  sample: false
run_id:
  description: The run this invocation belongs to (O(run_id), or the random one generated).
  returned: always
  type: str
  sample: caseapp-prod-20261123T101500Z-1234567
client_token:
  description: The C(RunTask) client token sent (V(null) when no task was started).
  returned: always
  type: str
  sample: 0b6f1f8e-5d0c-5a3e-9a6b-7c1d2e3f4a5b
running_tasks:
  description:
    - The job's tasks (same O(started_by) in the cluster) that had not stopped when the module looked,
      oldest first (the task attached to included).
  returned: always
  type: list
  elements: dict
  contains:
    task_arn:
      description: ARN of the task.
      type: str
    task_id:
      description: ID of the task.
      type: str
    task_definition:
      description: C(family:revision) the task runs.
      type: str
    last_status:
      description: Last status of the task.
      type: str
    desired_status:
      description: Desired status (C(STOPPED) when it was told to stop and has not yet).
      type: str
    started_by:
      description: The task's C(startedBy).
      type: str
    created_at:
      description: When the task was created (ISO 8601).
      type: str
    started_at:
      description: When the task started running (ISO 8601), V(null) before.
      type: str
    run_id:
      description: The C(PlatformRunId) tag of the task (the run that started it), V(null) when untagged.
      type: str
  sample: [{"task_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "last_status": "RUNNING", "started_by": "ansible-migrate"}]
stop:
  description:
    - The C(StopTask) the module sent when it gave up on the task (timeout, signal, error), V(null) when it
      stopped nothing. C(error) is set when C(StopTask) itself failed (the task may still run).
  returned: always
  type: dict
  sample: {"reason": "stopped by ansible: run interrupted (SIGINT)", "error": null}
interrupted:
  description: The signal (C(SIGINT) or C(SIGTERM)) that interrupted the run; the task was stopped (RV(stop)).
  returned: when a signal interrupted the run
  type: str
  sample: SIGINT
running_task_arn:
  description: ARN of the running task of the job that made the module refuse to start (O(if_running)).
  returned: when the module refused to start
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task/caseapp-prod/0f1e2d3c4b5a69788796a5b4c3d2e1f0
would_run:
  description:
    - What would run (check mode only); C(attach_to) names a running task that would be waited for instead,
      C(refused_by) the running task that O(if_running=refuse) would refuse to start beside.
  returned: check mode
  type: dict
  sample: {"cluster": "caseapp-prod", "task_definition": "caseapp-prod-backend:7", "command": ["alembic", "upgrade", "head"]}
"""

import copy
import re
import uuid

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    awslogs_location,
    describe_task_definition,
    env_value,
    pick_container,
    register_task_definition,
    registrable_task_definition,
    replace_image_tag,
    run_task,
    same_registration,
    short_task_definition,
    tail_log_stream,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs_release import (
    RUN_ID_TAG,
    Interrupted,
    SignalGuard,
    TaskGuard,
    decide,
    find_job_tasks,
    refuse_message,
    task_run_id,
    task_summary,
    wait_for_stop,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.idempotency import idempotency_token

MESSAGE_LOG_LINES = 20
RUN_ID_RE = re.compile(r"^[A-Za-z0-9 +\-=._:/@]{1,200}$")


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
    if params["run_id"] is not None and not RUN_ID_RE.match(params["run_id"].strip()):
        module.fail_json(
            msg="run_id must be 1 to 200 letters, digits, spaces or + - = . _ : / @ (it tags the task) when given"
        )
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
        task_definition, registered = register_task_definition(module, client, desired)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to register task definition {family} with image {image}")
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


def container_of(task, name):
    for container in task.get("containers") or []:
        if container.get("name") == name:
            return container
    return {}


def if_running_mode(params):
    if params["if_running"]:
        return params["if_running"]
    if params["attach_running"] is False:
        return "start"
    return "attach"


def start_task(module, client, request, task_definition, result):
    try:
        response = run_task(client, request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e, msg=f"Failed to run task {short_task_definition(task_definition['taskDefinitionArn'])}", **result
        )
    tasks = response.get("tasks") or []
    if not tasks:
        reasons = "; ".join(
            f"{f.get('arn', '')}: {f.get('reason', '')} {f.get('detail', '')}".strip()
            for f in response.get("failures") or []
        )
        module.fail_json(msg=f"ECS did not start the task: {reasons or 'no reason given'}", **result)
    return tasks[0]


def read_logs(module, log_group, log_stream, logs_region):
    if not (log_stream and module.params["log_lines"]):
        return []
    extra = {"region": logs_region} if logs_region and logs_region != module.region else {}
    try:
        logs = module.client("logs", **extra)
        log_lines = tail_log_stream(logs, log_group, log_stream, module.params["log_lines"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.warn(f"Could not read log stream {log_group}:{log_stream}: {e}")
        return []
    if log_lines is None:
        module.warn(f"Log stream {log_stream} not found in log group {log_group}")
        return []
    return log_lines


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
        if_running=dict(type="str", choices=["refuse", "attach", "start"]),
        attach_running=dict(type="bool"),
        stop_on_failure=dict(type="bool", default=True),
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
        mutually_exclusive=[
            ("launch_type", "capacity_provider_strategy"),
            ("image", "image_tag"),
            ("if_running", "attach_running"),
        ],
    )
    launch_type = validate_params(module)
    params = module.params
    client = module.client("ecs")
    if params["attach_running"] is not None:
        module.deprecate(
            "attach_running is deprecated, use if_running (true: attach, false: start)",
            version="1.0.0",
            collection_name="platform_ops.aws",
        )

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

    explicit_run_id = params["run_id"] is not None
    run_id = params["run_id"].strip() if explicit_run_id else str(uuid.uuid4())
    request = build_request(module, launch_type, task_definition, container_name)
    if explicit_run_id:
        request["tags"] = [{"key": RUN_ID_TAG, "value": run_id}]
    result = dict(
        task_arn=None,
        task_definition=task_definition["taskDefinitionArn"],
        container=container_name,
        log_group=log_group,
        registered=registered,
        image=image,
        attached=False,
        run_id=run_id,
        client_token=None,
        running_tasks=[],
        stop=None,
    )
    mode = if_running_mode(params)
    family = task_definition.get("family") or params["run_family"]
    running = find_job_tasks(module, client, family) if mode != "start" else []
    result["running_tasks"] = [task_summary(t) for t in running]
    planned = task_definition["taskDefinitionArn"].startswith("arn:")
    attach_to, blocking = decide(mode, running, request, container_name, run_id if explicit_run_id else None)
    if not planned and mode == "attach":
        # check mode, a copy not registered yet: no running task can run it
        attach_to, blocking = None, (running[0] if running else None)

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
            "attach_to": attach_to["taskArn"] if attach_to else None,
            "refused_by": blocking["taskArn"] if blocking else None,
        }
        if blocking is not None:
            module.warn("Check mode: " + refuse_message(module, mode, running, request))
        module.exit_json(changed=True, would_run=would_run, msg="Check mode: the task was not run", **result)

    if blocking is not None:
        module.fail_json(
            msg=refuse_message(module, mode, running, request),
            running_task_arn=blocking["taskArn"],
            **result,
        )

    guard = TaskGuard(module, params["cluster"], result)
    signals = SignalGuard()
    signals.install()
    try:
        try:
            try:
                if attach_to is not None:
                    task = attach_to
                    result["attached"] = True
                    own = explicit_run_id and task_run_id(task) == run_id
                    module.warn(
                        f"Task {task['taskArn'].rsplit('/', 1)[-1]} (started by {params['started_by']}"
                        + (f", this run {run_id}" if own else "")
                        + f") already runs {short_task_definition(request['taskDefinition'])} with the same command; "
                        "waiting for it instead of starting a second one"
                    )
                else:
                    # The same token on every retry of this request (botocore's, AWSRetry's) and on a repeat
                    # of this run (same run_id): ECS starts one task.
                    request["clientToken"] = idempotency_token("ecs.RunTask", params["cluster"], request, run_id)
                    result["client_token"] = request["clientToken"]
                    task = start_task(module, client, request, task_definition, result)
                guard.task_arn = task["taskArn"]
                guard.last_status = task.get("lastStatus")
                task_arn = task["taskArn"]
                task_id = task_arn.rsplit("/", 1)[-1]
                result.update(task_arn=task_arn, task_id=task_id, last_status=task.get("lastStatus"))
                signals.arm()  # a signal received during RunTask is raised here, now that the task is known
                if not params["wait"]:
                    signals.disarm()
                    module.exit_json(
                        changed=True, exit_code=None, stopped_reason=None, log_stream=None, log_lines=[], **result
                    )

                try:
                    task, stopped = wait_for_stop(module, client, params["cluster"], task_arn, task)
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    signals.disarm()
                    stop = guard.stop(f"stopped by ansible: waiting for the task failed (run {run_id})")
                    module.fail_json_aws(e, msg=f"Failed to describe task {task_arn}.{stop}", changed=True, **result)
                guard.last_status = task.get("lastStatus")
                if not stopped:
                    signals.disarm()
                    stop = guard.stop(
                        f"stopped by ansible: no exit within wait_timeout {params['wait_timeout']}s (run {run_id})"
                    )
                    result.update(last_status=guard.last_status or task.get("lastStatus"), exit_code=None)
                    result.update(stopped_reason=task.get("stoppedReason") or None, log_stream=None, log_lines=[])
                    module.fail_json(
                        msg=f"Task {task_id} did not stop within {params['wait_timeout']}s "
                        f"(last status {task.get('lastStatus')}).{stop}",
                        changed=True,
                        **result,
                    )
                signals.disarm()
            except Exception as e:  # noqa: BLE001 - any failure after RunTask: stop the task, then report
                signals.disarm()
                stop = guard.stop(f"stopped by ansible: the module failed (run {run_id})")
                module.fail_json(msg=f"Unexpected error while task {result.get('task_id')} ran: {e}.{stop}", **result)
        except Interrupted as e:
            stop = guard.stop(f"stopped by ansible: run interrupted ({e.name}, run {run_id})")
            module.fail_json(
                msg=f"Interrupted by {e.name} while task {result.get('task_id')} ran.{stop}",
                changed=True,
                interrupted=e.name,
                **result,
            )
    finally:
        signals.restore()

    info = container_of(task, container_name)
    exit_code = info.get("exitCode")
    result.update(
        last_status=task.get("lastStatus"),
        exit_code=exit_code,
        stopped_reason=task.get("stoppedReason") or None,
    )

    log_stream = f"{log_prefix}/{container_name}/{task_id}" if log_group and log_prefix else None
    log_lines = read_logs(module, log_group, log_stream, logs_region)
    result.update(log_stream=log_stream, log_lines=log_lines)

    tail = ""
    if log_lines:
        tail = "\nLast log lines:\n" + "\n".join(log_lines[-MESSAGE_LOG_LINES:])
    reason = result["stopped_reason"] or "no stop reason"
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
