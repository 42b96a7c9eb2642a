# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECS helpers shared by platform_ops.aws.ecs_rollout and platform_ops.aws.ecs_run_task.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors
and report them with ``module.fail_json_aws``.  The pure helpers (image tags, container
selection, task definition copying, polling delays) have no AWS dependency.
"""

from __future__ import annotations

import copy
import random
import re
import time

try:
    import botocore  # noqa: F401  (imported for the HAS_BOTO3 check of AnsibleAWSModule)
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.idempotency import create_once, single_attempt_client

# Fields of a DescribeTaskDefinition result that RegisterTaskDefinition accepts again.
REGISTRABLE_TASK_DEFINITION_FIELDS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)

IMAGE_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# ``family:revision`` or a task definition ARN (``arn:<partition>:ecs:<region>:<account>:task-definition/family:revision``)
TASK_DEFINITION_REF_RE = re.compile(
    r"^(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/)?(?P<family>[A-Za-z0-9_-]{1,255}):(?P<revision>[1-9][0-9]*)$"
)
DESCRIBE_SERVICES_BATCH = 10
DESCRIBE_TASKS_BATCH = 100


# ---------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def _describe_services(client, cluster, names, include=None):
    if include:
        return client.describe_services(cluster=cluster, services=names, include=include)
    return client.describe_services(cluster=cluster, services=names)


def describe_services(client, cluster, names, with_tags=False):
    """Return ``({name: service}, [missing names])`` for the services of ``cluster``.

    With ``with_tags`` each service carries its ``tags`` (DescribeServices ``include=["TAGS"]``).
    """
    found = {}
    missing = []
    names = list(names)
    for start in range(0, len(names), DESCRIBE_SERVICES_BATCH):
        batch = names[start : start + DESCRIBE_SERVICES_BATCH]
        response = _describe_services(client, cluster, batch, ["TAGS"] if with_tags else None)
        for service in response.get("services", []):
            if service.get("status") == "INACTIVE":
                continue
            found[service["serviceName"]] = service
    for name in names:
        if name not in found:
            missing.append(name)
    return found, missing


@AWSRetry.jittered_backoff()
def describe_task_definition(client, task_definition):
    """Return ``(taskDefinition, tags)``, or ``(None, [])`` when it does not exist."""
    try:
        response = client.describe_task_definition(taskDefinition=task_definition, include=["TAGS"])
    except is_boto3_error_code(["ClientException", "InvalidParameterException"]) as e:
        message = str(e).lower()
        if "unable to describe task definition" in message or "not found" in message or "does not exist" in message:
            return None, []
        raise
    return response["taskDefinition"], response.get("tags") or []


def register_task_definition(module, client, params, compare_tags=True):
    """A revision of ``params["family"]`` equal to ``params``: ``(taskDefinition, registered)``.

    RegisterTaskDefinition takes no idempotency token: every call that AWS applies makes a new revision,
    including a retry of a request that AWS applied but answered with a 5xx or a timeout. So:

    * the family's latest ACTIVE revision is reused when it is what would be registered (a re-run, or a
      run after one that failed after registering, registers nothing);
    * the request is sent by a client that never retries; after an error whose outcome is unknown the
      family is read again and a new revision equal to ``params`` is adopted; the request is sent
      again only when there is none. Throttling is retried with backoff.

    ``registered`` is False when an existing revision was reused. With ``compare_tags=False`` the
    revisions' tags are left out of the comparisons. The module warns when AWS answered an error
    whose outcome was unknown (the revision was still registered once).
    """
    family = params["family"]
    latest, latest_tags = describe_task_definition(client, family)
    if same_registration(latest, latest_tags, params, compare_tags):
        return latest, False
    floor = latest["revision"] if latest else 0
    single = single_attempt_client(module, "ecs")

    def find():
        current, tags = describe_task_definition(client, family)
        if (
            current is not None
            and current["revision"] > floor
            and same_registration(current, tags, params, compare_tags)
        ):
            return current
        return None

    outcome = create_once(lambda: single.register_task_definition(**params)["taskDefinition"], find)
    if outcome.errors:
        module.warn(
            f"RegisterTaskDefinition answered {', '.join(outcome.errors)}; "
            f"{short_task_definition(outcome.value['taskDefinitionArn'])} was registered once"
        )
    return outcome.value, True


@AWSRetry.jittered_backoff()
def update_service(client, cluster, service, task_definition, force=False):
    params = {"cluster": cluster, "service": service, "taskDefinition": task_definition}
    if force:
        params["forceNewDeployment"] = True
    return client.update_service(**params)["service"]


@AWSRetry.jittered_backoff()
def tag_resource(client, arn, tags):
    """ECS TagResource with ``tags`` as a dict (services need the long ARN format to be taggable)."""
    return client.tag_resource(resourceArn=arn, tags=[{"key": k, "value": v} for k, v in tags.items()])


@AWSRetry.jittered_backoff()
def untag_resource(client, arn, keys):
    return client.untag_resource(resourceArn=arn, tagKeys=list(keys))


@AWSRetry.jittered_backoff()
def _list_task_definitions(client, **params):
    paginator = client.get_paginator("list_task_definitions")
    return paginator.paginate(**params).build_full_result().get("taskDefinitionArns", [])


def list_active_revisions(client, family):
    """``{revision: arn}`` of the ACTIVE revisions of exactly ``family`` (familyPrefix also matches longer names)."""
    revisions = {}
    for arn in _list_task_definitions(client, familyPrefix=family, status="ACTIVE"):
        parsed = parse_task_definition_ref(arn)
        if parsed and parsed[0] == family:
            revisions[parsed[1]] = arn
    return revisions


@AWSRetry.jittered_backoff()
def _list_tasks(client, **params):
    paginator = client.get_paginator("list_tasks")
    return paginator.paginate(**params).build_full_result().get("taskArns", [])


def list_running_family_tasks(client, cluster, family):
    """ARNs of the tasks of ``family`` whose desired status is RUNNING (PENDING and RUNNING tasks).

    ListTasks accepts ``startedBy`` only as its single filter, so callers filter on it themselves.
    """
    return _list_tasks(client, cluster=cluster, family=family, desiredStatus="RUNNING")


def list_stopped_service_tasks(client, cluster, service_name):
    return _list_tasks(client, cluster=cluster, serviceName=service_name, desiredStatus="STOPPED")


@AWSRetry.jittered_backoff()
def _describe_tasks(client, cluster, arns):
    return client.describe_tasks(cluster=cluster, tasks=arns)


def describe_tasks(client, cluster, arns):
    tasks = []
    arns = list(arns)
    for start in range(0, len(arns), DESCRIBE_TASKS_BATCH):
        tasks.extend(_describe_tasks(client, cluster, arns[start : start + DESCRIBE_TASKS_BATCH]).get("tasks", []))
    return tasks


@AWSRetry.jittered_backoff()
def run_task(client, params):
    return client.run_task(**params)


@AWSRetry.jittered_backoff()
def _get_log_events(client, group, stream, limit):
    return client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False, limit=limit)


def tail_log_stream(client, group, stream, limit):
    """The last ``limit`` messages of a CloudWatch log stream; ``None`` when it does not exist."""
    if limit <= 0:
        return []
    try:
        events = _get_log_events(client, group, stream, limit).get("events", [])
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    events = sorted(events, key=lambda event: event.get("timestamp", 0))
    return [event.get("message", "").rstrip("\n") for event in events][-limit:]


# ---------------------------------------------------------------- pure helpers


def poll_delays(initial, maximum=30.0, factor=1.5):
    """Endless exponential backoff with jitter: each delay is 75-125 % of the nominal one."""
    nominal = max(float(initial), 0.01)
    while True:
        yield nominal * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not cryptography
        nominal = min(nominal * factor, maximum)


def sleep_until_next_poll(delays, deadline):
    """Sleep for the next backoff delay, never past ``deadline``; False once the deadline passed."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    time.sleep(min(next(delays), remaining))
    return True


def replace_image_tag(image, tag):
    """``registry:5000/repo/app:1`` + ``2`` -> ``registry:5000/repo/app:2`` (a digest is dropped)."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name = name[:colon]
    return f"{name}:{tag}"


def pick_container(container_definitions, name=None):
    """The named container, else the first essential one, else the first; ``None`` if not found."""
    if name:
        for definition in container_definitions:
            if definition.get("name") == name:
                return definition
        return None
    for definition in container_definitions:
        if definition.get("essential", True):
            return definition
    return container_definitions[0] if container_definitions else None


def env_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def merge_name_values(current, wanted, value_key, purge):
    """Apply ``wanted`` ({name: value}) to an ECS ``[{name, <value_key>}]`` list, keeping order."""
    if wanted is None:
        return copy.deepcopy(current)
    result = []
    seen = set()
    for item in current or []:
        name = item.get("name")
        if name in wanted:
            result.append({"name": name, value_key: wanted[name]})
            seen.add(name)
        elif not purge:
            result.append(copy.deepcopy(item))
    for name, value in wanted.items():
        if name not in seen:
            result.append({"name": name, value_key: value})
    return result


def _normalise(value):
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        if items and all(isinstance(v, dict) and "name" in v for v in items):
            items = sorted(items, key=lambda v: str(v["name"]))
        return items
    return value


def normalise_container_definitions(definitions):
    """Container definitions in a comparable form: empty values dropped, name/value lists sorted."""
    return [_normalise(definition) for definition in definitions]


def registrable_task_definition(task_definition, tags, container_definitions):
    """RegisterTaskDefinition parameters copying ``task_definition`` with new container definitions."""
    params = {}
    for field in REGISTRABLE_TASK_DEFINITION_FIELDS:
        value = task_definition.get(field)
        if value is None or value in ([], {}):
            continue
        params[field] = copy.deepcopy(value)
    params["containerDefinitions"] = container_definitions
    if tags:
        params["tags"] = copy.deepcopy(tags)
    return params


def _without_defaults(container, network_mode):
    """A container definition without the values ECS fills in when a request leaves them out."""
    container = copy.deepcopy(container)
    if container.get("cpu") == 0:
        container.pop("cpu")
    if container.get("essential") is True:
        container.pop("essential")
    for mapping in container.get("portMappings") or []:
        if mapping.get("protocol") == "tcp":
            mapping.pop("protocol")
        if network_mode == "awsvpc" and mapping.get("hostPort") == mapping.get("containerPort"):
            mapping.pop("hostPort", None)
    return container


def comparable_registration(params):
    """RegisterTaskDefinition parameters in a comparable form: container definitions normalised (ECS
    defaults and empty values dropped, name/value lists sorted), tags as a dict."""
    params = dict(params)
    network_mode = params.get("networkMode")
    containers = [_without_defaults(c, network_mode) for c in params.get("containerDefinitions") or []]
    params["containerDefinitions"] = normalise_container_definitions(containers)
    params["tags"] = {t["key"]: t["value"] for t in params.get("tags") or []}
    return normalise_container_definitions([params])[0]


def same_registration(task_definition, tags, params, compare_tags=True):
    """Whether registering ``params`` would repeat ``task_definition`` (an ACTIVE revision with ``tags``)."""
    if task_definition is None or task_definition.get("status", "ACTIVE") != "ACTIVE":
        return False
    existing = registrable_task_definition(task_definition, tags, task_definition.get("containerDefinitions") or [])
    existing, wanted = comparable_registration(existing), comparable_registration(params)
    if not compare_tags:
        existing.pop("tags", None)
        wanted.pop("tags", None)
    return existing == wanted


def parse_task_definition_ref(ref):
    """``family:3`` or a task definition ARN -> ``(family, 3)``; ``None`` when it is neither."""
    match = TASK_DEFINITION_REF_RE.match(ref or "")
    if not match:
        return None
    return match.group("family"), int(match.group("revision"))


def previous_revision(revisions, revision):
    """The highest revision in ``revisions`` ({revision: arn}) below ``revision``; ``None`` when there is none."""
    earlier = [number for number in revisions if number < revision]
    return max(earlier) if earlier else None


# Release bookkeeping on the ECS service (ecs_rollout): revision numbers of its task definition family,
# newest first. A tag value holds at most 256 characters; KNOWN_GOOD_MAX revisions of up to 7 digits fit.
KNOWN_GOOD_TAG = "PlatformKnownGood"
FAILED_TAG = "PlatformFailed"
FAMILY_TAG = "PlatformFamily"
# On a task definition revision: the outcome of its last rollout ("failed"); removed once it completes.
ROLLOUT_TAG = "PlatformRollout"
KNOWN_GOOD_MAX = 20
TAG_VALUE_MAX = 256


def tags_dict(tags):
    """ECS ``[{key, value}]`` -> ``{key: value}``."""
    return {t.get("key"): t.get("value", "") for t in tags or [] if t.get("key")}


def revision_list(value):
    """``"7 5 3"`` -> ``[7, 5, 3]`` (anything that is not a positive number is dropped, duplicates too)."""
    revisions = []
    for item in (value or "").split():
        if item.isdigit() and int(item) > 0 and int(item) not in revisions:
            revisions.append(int(item))
    return revisions


def revision_tag_value(revisions, limit=KNOWN_GOOD_MAX):
    """``[7, 5, 3]`` -> ``"7 5 3"``: at most ``limit`` revisions and TAG_VALUE_MAX characters."""
    text = ""
    for revision in revisions[:limit]:
        candidate = f"{text} {revision}" if text else str(revision)
        if len(candidate) > TAG_VALUE_MAX:
            break
        text = candidate
    return text


def push_revision(revisions, revision, limit=KNOWN_GOOD_MAX):
    """``revision`` moved to the front of ``revisions`` (newest first), bounded to ``limit``."""
    return ([revision] + [r for r in revisions if r != revision])[:limit]


def release_history(service_tags, family):
    """``(known_good, failed)`` revision lists kept on a service for ``family``; empty for another family."""
    tags = tags_dict(service_tags)
    if tags.get(FAMILY_TAG, family) != family:
        return [], []
    return revision_list(tags.get(KNOWN_GOOD_TAG)), revision_list(tags.get(FAILED_TAG))


def short_task_definition(arn):
    """``arn:aws:ecs:…:task-definition/app:3`` -> ``app:3``."""
    if not arn:
        return arn
    return arn.rsplit("/", 1)[-1]


def awslogs_location(container_definition):
    """``(group, stream_prefix, region)`` of an awslogs logConfiguration, ``(None, None, None)`` otherwise."""
    config = (container_definition or {}).get("logConfiguration") or {}
    if config.get("logDriver") != "awslogs":
        return None, None, None
    options = config.get("options") or {}
    return options.get("awslogs-group"), options.get("awslogs-stream-prefix"), options.get("awslogs-region")


# ---------------------------------------------------------------- one-off jobs (ecs_run_task)


@AWSRetry.jittered_backoff()
def _describe_tasks_with_tags(client, cluster, arns):
    return client.describe_tasks(cluster=cluster, tasks=arns, include=["TAGS"])


def describe_tasks_with_tags(client, cluster, arns):
    """DescribeTasks with each task's ``tags`` (ECS deletes a task's tags when it stops)."""
    tasks = []
    arns = list(arns)
    for start in range(0, len(arns), DESCRIBE_TASKS_BATCH):
        batch = arns[start : start + DESCRIBE_TASKS_BATCH]
        tasks.extend(_describe_tasks_with_tags(client, cluster, batch).get("tasks", []))
    return tasks


def list_job_tasks(client, cluster, started_by, family=None):
    """The tasks of a one-off job in ``cluster`` that have not stopped yet, oldest first, with their tags.

    A job is what started its tasks with ``started_by``, whatever their family or revision. ListTasks
    takes ``startedBy`` only as its single filter, and then lists the tasks ECS wants RUNNING; the tasks
    of ``family`` that were told to stop but still run (StopTask grants the containers up to 30 s or
    more to exit) are listed by family and desired status STOPPED and filtered here.
    """
    arns = list(_list_tasks(client, cluster=cluster, startedBy=started_by))
    if family:
        for arn in _list_tasks(client, cluster=cluster, family=family, desiredStatus="STOPPED"):
            if arn not in arns:
                arns.append(arn)
    tasks = describe_tasks_with_tags(client, cluster, arns) if arns else []
    tasks = [t for t in tasks if t.get("startedBy") == started_by and t.get("lastStatus") != "STOPPED"]
    tasks.sort(key=lambda t: str(t.get("createdAt") or ""))
    return tasks


@AWSRetry.jittered_backoff()
def stop_task(client, cluster, task, reason):
    """StopTask; ``reason`` (at most 255 characters) shows as the task's ``stoppedReason``."""
    return client.stop_task(cluster=cluster, task=task, reason=reason[:255]).get("task", {})
