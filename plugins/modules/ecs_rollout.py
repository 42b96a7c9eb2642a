#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_rollout
short_description: Roll new images out to ECS services or move them to an earlier revision, rolling back on failure
version_added: 0.1.0
description:
  - For each listed service, reads the task definition the service runs, derives the next revision
    from it (every registrable field is copied; only the image, environment and secrets of one
    container change) and registers it only when it differs from the current one. When the family's
    latest ACTIVE revision is already exactly that revision (a re-run after a failed or interrupted run),
    it is reused instead of registering an identical one.
  - C(RegisterTaskDefinition) takes no idempotency token; it is sent without automatic retries and, after
    an error whose outcome is unknown (HTTP 5xx, a timeout), the family is read again and the revision the
    request registered is used, so a retry never registers a duplicate. Throttling is retried with backoff.
  - Points each changed service at its new revision. All services are updated first, then the module
    waits for all of them in one loop until the PRIMARY deployment's C(rolloutState) is C(COMPLETED).
  - When a deployment reports C(FAILED) or does not complete within O(wait_timeout), its revision is marked
    failed and the service is updated back to the last known good task definition (see below), and the module
    fails, naming the reason (deployment state, failed task count, recent service events and the stop reasons
    of stopped tasks).
  - B(Last known good.) Every revision whose deployment this module saw C(COMPLETED) is recorded on the ECS
    service as tags (C(TagResource)); C(PlatformKnownGood) lists the revision numbers of the task definition
    family, most recently completed first (at most 20), C(PlatformFailed) the revisions whose rollout failed
    or timed out, C(PlatformFamily) the family they belong to. A failed revision is also tagged
    C(PlatformRollout=failed) on the task definition; a revision that completes later loses both marks.
  - The rollback target of a failed deployment is the task definition the service ran before, when that one
    was verified (recorded as known good, or its PRIMARY deployment had C(COMPLETED)); otherwise the newest
    ACTIVE known-good revision; when none is recorded, the task definition it ran before (with a warning).
  - B(Resume.) When a service already runs the requested task definition but its PRIMARY deployment has not
    C(COMPLETED) (an interrupted run), the module waits for it like a new rollout and reports
    RV(services[].resumed=true) and RV(ignore:changed=true); on C(FAILED) or timeout it rolls back to the
    last known good revision (never simply the revision before) or, when none is recorded, fails without a
    rollback. A C(FAILED) PRIMARY deployment is handled the same way. A C(COMPLETED) one that is not
    recorded yet is recorded (the first run on a stack deployed before this bookkeeping), which reports
    RV(ignore:changed=true) while RV(services[].changed) stays V(false).
  - A service entry with O(services[].task_definition) or O(services[].revision) instead of an image, environment
    or secrets is moved to that existing task definition (a rollback); nothing is registered. It is updated,
    waited for and, should that deployment fail, moved back exactly like a rollout.
  - Only services using the C(ECS) deployment controller (rolling updates) are supported.
author: Platform Ops Maintainers (@platform-ops)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster running the services.
    required: true
    type: str
  services:
    description:
      - The services to roll out, each with what changes in its task definition.
    required: true
    type: list
    elements: dict
    suboptions:
      service:
        description:
          - Name of the ECS service.
        required: true
        type: str
      image:
        description:
          - Full image URI including its tag or digest, e.g. C(123456789012.dkr.ecr.us-east-1.amazonaws.com/app:2026.11.23).
          - Mutually exclusive with O(services[].image_tag), O(services[].task_definition) and O(services[].revision).
        type: str
      image_tag:
        description:
          - Replace only the tag of the container's current image (a digest is dropped).
          - Mutually exclusive with O(services[].image), O(services[].task_definition) and O(services[].revision).
        type: str
      container:
        description:
          - Name of the container to change.
          - Defaults to the first essential container of the task definition.
        type: str
      environment:
        description:
          - Environment variables to set on the container (name to value). Values are converted to strings.
          - Variables not named here are kept unless O(services[].purge_environment=true).
        type: dict
      purge_environment:
        description:
          - Remove environment variables of the container that are not in O(services[].environment).
          - Ignored when O(services[].environment) is not set.
        type: bool
        default: false
      secrets:
        description:
          - Secrets to inject into the container, name to C(valueFrom) (a Secrets Manager or SSM parameter ARN).
          - Secrets not named here are kept unless O(services[].purge_secrets=true).
        type: dict
      purge_secrets:
        description:
          - Remove secrets of the container that are not in O(services[].secrets).
          - Ignored when O(services[].secrets) is not set.
        type: bool
        default: false
      task_definition:
        description:
          - Move the service to this existing task definition, given as C(family:revision) or as its ARN, instead of
            registering a new revision (a rollback to a known revision).
          - The task definition must be C(ACTIVE); ECS cannot move a service to a deregistered one.
          - Reports RV(services[].changed=false) when the service already runs it.
          - Mutually exclusive with O(services[].revision), O(services[].image), O(services[].image_tag),
            O(services[].environment), O(services[].secrets) and O(services[].container).
        type: str
      revision:
        description:
          - V(previous) moves the service to the most recently completed known-good revision (C(PlatformKnownGood))
            below the one it runs now. Without such a record (stacks deployed before it) it moves to the highest
            C(ACTIVE) revision below the current one. Deregistered revisions and revisions marked failed
            (C(PlatformFailed) on the service or C(PlatformRollout=failed) on the task definition) are never chosen.
          - V(last_known_good) moves the service to the most recently completed known-good revision other than the
            one it runs (it may be a higher revision, e.g. after a manual rollback); fails when none is recorded.
          - Fails when there is nothing to move to, e.g. when the service runs revision 1.
          - Not idempotent by nature, every run of V(previous) moves one known-good revision further back.
          - Mutually exclusive with O(services[].task_definition), O(services[].image), O(services[].image_tag),
            O(services[].environment), O(services[].secrets) and O(services[].container).
        type: str
        choices: [previous, last_known_good]
      force_new_deployment:
        description:
          - Start a new deployment even when the task definition does not change, so that every task is replaced
            and reads its secrets again (for example after a secret rotated). Alone, it restarts the service on the
            task definition it runs (a restart) - no revision is registered, and should that deployment fail, the
            service is neither rolled back nor its revision marked failed (it runs the same task definition).
          - With other options, the update they make is sent with C(forceNewDeployment) too.
          - Not idempotent by nature - every run starts a new deployment.
        type: bool
        default: false
  wait:
    description:
      - Wait until the new deployments complete, rolling back the services whose deployment fails or times out.
      - With V(false) the services are updated and the module returns at once (no rollback).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for all deployments to complete; also the time allowed for the rollback deployments.
    type: int
    default: 900
  poll_interval:
    description:
      - Seconds before the first status poll; later polls back off exponentially (up to 30 seconds) with jitter.
    type: float
    default: 5
notes:
  - The comparison that decides whether a new revision is needed ignores the order of environment
    variables and secrets and empty values, so a second run with the same input registers nothing
    and reports RV(ignore:changed=false).
  - Secret values never pass through this module; only secret names and C(valueFrom) ARNs do, and the
    diff shows only the names of environment variables and secrets.
  - Besides C(ecs:DescribeServices), C(ecs:UpdateService), C(ecs:DescribeTaskDefinition),
    C(ecs:RegisterTaskDefinition), C(ecs:ListTaskDefinitions), C(ecs:ListTasks) and C(ecs:DescribeTasks) the
    module needs C(ecs:TagResource) and C(ecs:UntagResource) on the services and task definitions. Tagging a
    service needs the long ARN format (C(arn:aws:ecs:region:account:service/cluster/name), the default since
    2021); when a tag cannot be written the module warns and the rollout itself is unaffected.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure every service runs the release image
  platform_ops.aws.ecs_rollout:
    cluster: caseapp-prod
    services:
      - service: caseapp-prod-backend
        image_tag: "2026.11.23-abc123"
      - service: caseapp-prod-media-processor
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp/media:2026.11.23-abc123
        environment:
          LOG_LEVEL: info
        secrets:
          DATABASE_URL: arn:aws:secretsmanager:us-east-1:123456789012:secret:caseapp-prod-database-url
    wait_timeout: 900
  register: rollout

- name: Show what changed
  ansible.builtin.debug:
    msg: "{{ rollout.services | map(attribute='image_after') }}"

- name: Ensure the backend runs the revision before the current one again
  platform_ops.aws.ecs_rollout:
    cluster: caseapp-prod
    services:
      - service: caseapp-prod-backend
        revision: previous

- name: Ensure the backend runs its last known good revision again
  platform_ops.aws.ecs_rollout:
    cluster: caseapp-prod
    services:
      - service: caseapp-prod-backend
        revision: last_known_good

- name: Ensure the media processor runs revision 41
  platform_ops.aws.ecs_rollout:
    cluster: caseapp-prod
    services:
      - service: caseapp-prod-media-processor
        task_definition: caseapp-prod-media-processor:41

- name: Ensure the backend's tasks are replaced and read the rotated secrets (same task definition)
  platform_ops.aws.ecs_rollout:
    cluster: caseapp-prod
    services:
      - service: caseapp-prod-backend
        force_new_deployment: true
"""

RETURN = r"""
services:
  description: One entry per requested service, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: Name of the service.
      type: str
      sample: caseapp-prod-backend
    container:
      description:
        - Name of the container whose image, environment or secrets changed.
        - For a move to an existing task definition, its first essential container (whose images are reported).
      type: str
      sample: backend
    previous_task_definition:
      description: ARN of the task definition the service ran before this run.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:4
    task_definition:
      description:
        - ARN of the task definition the service runs now.
        - The new revision after a successful rollout, the requested one after a successful move to an existing
          task definition, the previous one after a rollback, V(null) in check mode when a new revision would be
          registered.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:5
    new_task_definition:
      description: ARN of the revision registered by this run, V(null) when none was needed.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:5
    changed:
      description:
        - Whether the service was (or, in check mode, would be) updated, or an unfinished deployment of it was
          waited for (RV(services[].resumed)). Recording a known-good revision alone does not set it.
      type: bool
      sample: true
    image_before:
      description: Image of the container before the run.
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp/backend:2026.11.20-def456
    image_after:
      description: Image of the container after the run (the requested one, or the one of the requested task definition).
      type: str
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp/backend:2026.11.23-abc123
    rollout_state:
      description:
        - Last C(rolloutState) seen of the service's deployment (C(COMPLETED), C(IN_PROGRESS), C(FAILED)).
        - V(null) in check mode for a service that would change.
      type: str
      sample: COMPLETED
    rolled_back:
      description: Whether the service was updated back to its previous task definition.
      type: bool
      sample: false
    failure:
      description: Why the rollout of this service failed (only for failed services).
      type: str
      sample: "deployment did not complete within 900s (rolloutState IN_PROGRESS); 2 failed tasks"
    rollback_state:
      description: Outcome of the rollback deployment (C(COMPLETED), C(FAILED) or C(TIMEOUT)); only for rolled back services.
      type: str
      sample: COMPLETED
    resumed:
      description:
        - Whether the service already ran the requested task definition with a PRIMARY deployment that had not
          C(COMPLETED), which this run waited for (or, in check mode or with O(wait=false), would wait for).
      type: bool
      sample: false
    last_known_good:
      description:
        - ARN of the most recently completed known-good revision after the run (it is usually the one the service
          runs), V(null) when none is recorded. In check mode, what would be recorded.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:5
    known_good_revisions:
      description: Known-good revision numbers of the family after the run, most recently completed first (tag C(PlatformKnownGood)).
      type: list
      elements: int
      sample: [5, 4, 2]
    failed_revisions:
      description: Revision numbers whose rollout failed or timed out, most recent first (tag C(PlatformFailed)).
      type: list
      elements: int
      sample: [3]
    marked_failed:
      description: ARN of the revision this run marked failed (tag C(PlatformRollout=failed)), V(null) when none.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:6
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    FAILED_TAG,
    FAMILY_TAG,
    IMAGE_TAG_RE,
    KNOWN_GOOD_TAG,
    ROLLOUT_TAG,
    describe_services,
    describe_task_definition,
    describe_tasks,
    env_value,
    list_active_revisions,
    list_stopped_service_tasks,
    merge_name_values,
    normalise_container_definitions,
    parse_task_definition_ref,
    pick_container,
    poll_delays,
    push_revision,
    register_task_definition,
    registrable_task_definition,
    release_history,
    replace_image_tag,
    revision_tag_value,
    short_task_definition,
    sleep_until_next_poll,
    tag_resource,
    tags_dict,
    untag_resource,
    update_service,
)

MAX_EVENTS = 5
MAX_STOPPED_TASKS = 5
ROLLOUT_KEYS = ("image", "image_tag", "environment", "secrets")
SWITCH_KEYS = ("task_definition", "revision")


def is_switch(entry):
    """Whether the entry moves the service to an existing task definition (no new revision)."""
    return any(entry.get(key) is not None for key in SWITCH_KEYS)


def is_restart(entry):
    """Whether the entry only starts a new deployment of the task definition the service runs."""
    return (
        bool(entry.get("force_new_deployment"))
        and not is_switch(entry)
        and not any(entry.get(key) is not None for key in ROLLOUT_KEYS)
    )


def validate_params(module):
    """Everything that can be checked without AWS, before any call."""
    params = module.params
    if not params["services"]:
        module.fail_json(msg="services must list at least one service")
    seen = set()
    for entry in params["services"]:
        name = entry["service"]
        if not name:
            module.fail_json(msg="services: every entry needs a non-empty 'service' name")
        if name in seen:
            module.fail_json(msg=f"services: service '{name}' is listed more than once")
        seen.add(name)
        if is_switch(entry):
            reference = entry.get("task_definition")
            if reference is not None and not parse_task_definition_ref(reference.strip()):
                module.fail_json(
                    msg=f"services[{name}]: task_definition '{reference}' must be family:revision "
                    "(e.g. caseapp-prod-backend:41) or a task definition ARN"
                )
            if entry["purge_environment"] or entry["purge_secrets"]:
                module.fail_json(
                    msg=f"services[{name}]: purge_environment and purge_secrets apply to rollouts, "
                    "not to task_definition or revision"
                )
            continue
        if is_restart(entry):
            continue
        if not any(entry.get(key) is not None for key in ROLLOUT_KEYS):
            module.fail_json(
                msg=f"services[{name}]: set one of image, image_tag, environment or secrets (to roll out), "
                "task_definition or revision (to move to an existing task definition), "
                "or force_new_deployment (to restart its tasks)"
            )
        if entry.get("image") is not None and not entry["image"].strip():
            module.fail_json(msg=f"services[{name}]: image must not be empty")
        if entry.get("image_tag") is not None and not IMAGE_TAG_RE.match(entry["image_tag"]):
            module.fail_json(
                msg=f"services[{name}]: image_tag '{entry['image_tag']}' is not a valid image tag "
                "(letters, digits, '_', '.', '-'; at most 128 characters; not starting with '.' or '-')"
            )
        for key, value in (entry.get("secrets") or {}).items():
            if not isinstance(value, str) or not value.strip():
                module.fail_json(msg=f"services[{name}]: secret '{key}' needs a valueFrom ARN")
    if params["wait_timeout"] <= 0:
        module.fail_json(msg="wait_timeout must be a positive number of seconds")
    if params["poll_interval"] <= 0:
        module.fail_json(msg="poll_interval must be a positive number of seconds")


def plan_service(module, entry, service, task_definition, tags):
    """Work out the next revision of one service's task definition (no AWS call)."""
    name = entry["service"]
    containers = task_definition.get("containerDefinitions") or []
    container = pick_container(containers, entry.get("container"))
    if container is None:
        available = ", ".join(c.get("name", "?") for c in containers) or "none"
        module.fail_json(
            msg=f"services[{name}]: container '{entry.get('container')}' is not in task definition "
            f"{short_task_definition(task_definition['taskDefinitionArn'])} (containers: {available})"
        )
    image_before = container.get("image")
    if entry.get("image") is not None:
        image_after = entry["image"].strip()
    elif entry.get("image_tag") is not None:
        image_after = replace_image_tag(image_before, entry["image_tag"])
    else:
        image_after = image_before

    environment = None
    if entry.get("environment") is not None:
        environment = {str(k): env_value(v) for k, v in entry["environment"].items()}
    secrets = None
    if entry.get("secrets") is not None:
        secrets = {str(k): v.strip() for k, v in entry["secrets"].items()}

    new_containers = []
    for original in containers:
        definition = dict(original)
        if definition.get("name") == container.get("name"):
            definition["image"] = image_after
            new_env = merge_name_values(definition.get("environment"), environment, "value", entry["purge_environment"])
            new_secrets = merge_name_values(definition.get("secrets"), secrets, "valueFrom", entry["purge_secrets"])
            if new_env or "environment" in definition:
                definition["environment"] = new_env
            if new_secrets or "secrets" in definition:
                definition["secrets"] = new_secrets
            new_container = definition
        new_containers.append(definition)

    needs_revision = normalise_container_definitions(containers) != normalise_container_definitions(new_containers)
    return {
        "entry": entry,
        "name": name,
        "container": container.get("name"),
        "current_arn": service["taskDefinition"]
        if service["taskDefinition"].startswith("arn:")
        else task_definition["taskDefinitionArn"],
        "image_before": image_before,
        "image_after": image_after,
        "before": _diff_view(container, task_definition["taskDefinitionArn"]),
        "after": _diff_view(new_container, None if needs_revision else task_definition["taskDefinitionArn"]),
        "needs_update": needs_revision,
        "target_arn": None,
        # a revision copied from one whose rollout once failed must not inherit that mark
        "register_params": registrable_task_definition(
            task_definition, [t for t in tags or [] if t.get("key") != ROLLOUT_TAG], new_containers
        )
        if needs_revision
        else None,
        "primary": _primary_deployment(service),
    }


def plan_switch(module, client, entry, service, task_definition, *, lookup):
    """Plan moving a service to an existing task definition (``task_definition`` or ``revision: previous``).

    ``lookup(reference)`` describes a task definition (cached); no write happens here.
    """
    name = entry["service"]
    current_arn = (
        service["taskDefinition"]
        if service["taskDefinition"].startswith("arn:")
        else task_definition["taskDefinitionArn"]
    )
    family, revision = task_definition["family"], task_definition["revision"]
    if entry.get("revision") in ("previous", "last_known_good"):
        known_good, failed = release_history(service.get("tags"), family)
        try:
            revisions = list_active_revisions(client, family)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to list the revisions of task definition family {family}")
        if entry["revision"] == "last_known_good":
            chosen = next((r for r in known_good if r != revision and r in revisions and r not in failed), None)
            if chosen is None:
                module.fail_json(
                    msg=f"services[{name}]: revision last_known_good: the service runs {family}:{revision} and no other "
                    f"ACTIVE revision is recorded as known good ({KNOWN_GOOD_TAG}: "
                    f"{' '.join(map(str, known_good)) or 'none'}); nothing to roll back to"
                )
        else:
            chosen = next((r for r in known_good if r < revision and r in revisions and r not in failed), None)
            if chosen is None:
                chosen = previous_unfailed_revision(revisions, revision, failed, lookup)
            if chosen is None:
                module.fail_json(
                    msg=f"services[{name}]: revision previous: the service runs {family}:{revision} and the family has "
                    "no ACTIVE revision before it that is not marked failed; nothing to roll back to"
                )
        reference = revisions[chosen]
    else:
        reference = entry["task_definition"].strip()
        if reference == short_task_definition(current_arn):
            reference = current_arn
    target, _tags = lookup(reference)
    if target is None:
        module.fail_json(msg=f"services[{name}]: task definition {reference} not found")
    target_arn = target["taskDefinitionArn"]
    needs_update = target_arn != current_arn
    if needs_update and target.get("status") == "INACTIVE":
        module.fail_json(
            msg=f"services[{name}]: task definition {short_task_definition(target_arn)} is INACTIVE (deregistered); "
            "ECS cannot move a service to it"
        )
    after_container = pick_container(target.get("containerDefinitions") or []) or {}
    before_container = (
        pick_container(task_definition.get("containerDefinitions") or [], after_container.get("name"))
        or pick_container(task_definition.get("containerDefinitions") or [])
        or {}
    )
    return {
        "entry": entry,
        "name": name,
        "container": after_container.get("name"),
        "current_arn": current_arn,
        "image_before": before_container.get("image"),
        "image_after": after_container.get("image"),
        "before": _diff_view(before_container, current_arn),
        "after": _diff_view(after_container, target_arn),
        "needs_update": needs_update,
        "target_arn": target_arn,
        "register_params": None,
        "primary": _primary_deployment(service),
    }


def previous_unfailed_revision(revisions, revision, failed, lookup):
    """The highest ACTIVE revision below ``revision`` that is neither in ``failed`` nor tagged
    ``PlatformRollout=failed`` (services deployed before the known-good list existed)."""
    candidates = sorted((r for r in revisions if r < revision and r not in failed), reverse=True)
    for candidate in candidates:
        _definition, tags = lookup(revisions[candidate])
        if tags_dict(tags).get(ROLLOUT_TAG) != "failed":
            return candidate
    return None


def _diff_view(container, task_definition_arn):
    return {
        "task_definition": short_task_definition(task_definition_arn) if task_definition_arn else "(new revision)",
        "container": container.get("name"),
        "image": container.get("image"),
        "environment": sorted(item["name"] for item in container.get("environment") or []),
        "secrets": sorted(item["name"] for item in container.get("secrets") or []),
    }


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


def rollout_state_of(deployment, service):
    """``rolloutState`` of a deployment; ECS omits it for some services (e.g. behind a Classic Load
    Balancer): then a lone deployment with all its tasks running counts as COMPLETED."""
    if deployment is not None and deployment.get("rolloutState"):
        return deployment["rolloutState"]
    steady = len(service.get("deployments") or []) <= 1 and service.get("runningCount", 0) >= service.get(
        "desiredCount", 0
    )
    return "COMPLETED" if steady else "IN_PROGRESS"


def annotate(plan, service, task_definition, tags):
    """What the release bookkeeping needs: family, revision, recorded history, PRIMARY deployment state."""
    family, revision = task_definition["family"], task_definition["revision"]
    known_good, failed = release_history(service.get("tags"), family)
    state = rollout_state_of(plan["primary"], service)
    service_tags = tags_dict(service.get("tags"))
    service_arn = service.get("serviceArn") or ""
    # only services with the long ARN format (service/<cluster>/<name>) can be tagged
    taggable = service_arn.split(":", 5)[-1].count("/") >= 2
    plan.update(
        service_arn=service_arn,
        taggable=taggable,
        family=family,
        revision=revision,
        current_tags=tags_dict(tags),
        known_good=known_good,
        failed=failed,
        history_tagged=service_tags.get(FAMILY_TAG) == family,
        primary_state=state,
        # the revision it runs is verified: recorded as known good, or its deployment COMPLETED
        current_good=revision in known_good or (state == "COMPLETED" and revision not in failed),
        # it already runs what was asked, but that deployment has not completed (an interrupted run)
        resume=not plan["needs_update"] and state != "COMPLETED",
        # it already runs what was asked and completed, but that is not recorded yet
        record=taggable
        and not plan["needs_update"]
        and state == "COMPLETED"
        and (revision not in known_good or revision in failed),
    )
    return plan


def revision_arn(plan, revision):
    """ARN of another revision of the service's family."""
    return f"{plan['current_arn'].rsplit(':', 1)[0]}:{revision}"


def revision_of(arn):
    parsed = parse_task_definition_ref(short_task_definition(arn) or "")
    return parsed[1] if parsed else None


def result_for(plan):
    return {
        "service": plan["name"],
        "container": plan["container"],
        "previous_task_definition": plan["current_arn"],
        "task_definition": plan["current_arn"],
        "new_task_definition": None,
        "changed": False,
        "image_before": plan["image_before"],
        "image_after": plan["image_after"],
        "rollout_state": (plan["primary"] or {}).get("rolloutState"),
        "rolled_back": False,
        "resumed": False,
        "last_known_good": revision_arn(plan, plan["known_good"][0]) if plan["known_good"] else None,
        "known_good_revisions": list(plan["known_good"]),
        "failed_revisions": list(plan["failed"]),
        "marked_failed": None,
    }


class History:
    """The known-good and failed lists of the services, changed in memory and written once per service."""

    def __init__(self, module, client, plans, results):
        self.module = module
        self.client = client
        self.by_name = {plan["name"]: (plan, result) for plan, result in zip(plans, results, strict=True)}
        self.state = {plan["name"]: (list(plan["known_good"]), list(plan["failed"])) for plan in plans}

    def good(self, name, revision):
        known_good, failed = self.state[name]
        self.state[name] = (push_revision(known_good, revision), [r for r in failed if r != revision])

    def bad(self, name, revision):
        known_good, failed = self.state[name]
        self.state[name] = ([r for r in known_good if r != revision], push_revision(failed, revision))

    def publish(self, name):
        """Copy the lists into the service's result; whether they differ from what the service carries."""
        plan, result = self.by_name[name]
        known_good, failed = self.state[name]
        result["known_good_revisions"], result["failed_revisions"] = list(known_good), list(failed)
        result["last_known_good"] = revision_arn(plan, known_good[0]) if known_good else None
        return known_good != plan["known_good"] or failed != plan["failed"] or not plan["history_tagged"]

    def save(self, name):
        """Write the lists on the service (one TagResource); a failure is a warning, not a failed rollout."""
        plan, _result = self.by_name[name]
        if not self.publish(name):
            return False
        if not plan["taggable"]:
            self.module.warn(
                f"Service {name} has the short ARN format ({plan['service_arn']}): ECS cannot tag it, so its known-good "
                "and failed revisions are not recorded (recreate it after opting in to serviceLongArnFormat)"
            )
            return False
        known_good, failed = self.state[name]
        tags = {
            FAMILY_TAG: plan["family"],
            KNOWN_GOOD_TAG: revision_tag_value(known_good),
            FAILED_TAG: revision_tag_value(failed),
        }
        try:
            tag_resource(self.client, plan["service_arn"], tags)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.warn(
                f"Could not record the known-good and failed revisions on service {name} ({e}); "
                "services need the long ARN format to be tagged"
            )
            return False
        return True


def mark_task_definition(module, client, arn, failed, tags):
    """Tag a revision ``PlatformRollout=failed``, or remove that tag once it completed; True when written."""
    try:
        if failed:
            tag_resource(client, arn, {ROLLOUT_TAG: "failed"})
        elif tags.get(ROLLOUT_TAG) == "failed":
            untag_resource(client, arn, [ROLLOUT_TAG])
        else:
            return False
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.warn(f"Could not update the {ROLLOUT_TAG} tag of task definition {short_task_definition(arn)}: {e}")
        return False
    return True


def rollback_target(module, client, plan, failed_revision, *, known_good, failed):
    """Where a failed deployment goes back to: ``(arn, verified)``, or ``(None, False)``.

    The task definition the service ran before, when that one was verified (known good, or its
    deployment had COMPLETED); otherwise the newest ACTIVE known-good revision; a rollout whose
    service ran an unverified revision and that has no known-good one goes back to what ran before.
    """
    if plan["needs_update"] and plan["current_good"] and plan["revision"] != failed_revision:
        return plan["current_arn"], True
    candidates = [r for r in known_good if r != failed_revision and r not in failed]
    if candidates:
        try:
            active = list_active_revisions(client, plan["family"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.warn(f"Could not list the ACTIVE revisions of {plan['family']}: {e}")
            active = {}
        for revision in candidates:
            if revision in active:
                return active[revision], True
    if plan["needs_update"] and plan["revision"] != failed_revision:
        return plan["current_arn"], False
    return None, False


def rollback(client, cluster, name, arn):
    """Point the service at ``arn``; returns the id of that deployment."""
    service = update_service(client, cluster, name, arn)
    primary = _primary_deployment(service) or {}
    return primary.get("id")


def ensure_present(module, client):
    params = module.params
    cluster = params["cluster"]
    names = [entry["service"] for entry in params["services"]]

    try:
        services, missing = describe_services(client, cluster, names, with_tags=True)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe services of cluster {cluster}")
    if missing:
        module.fail_json(msg=f"Services not found (or inactive) in cluster {cluster}: {', '.join(missing)}")

    plans = []
    definitions = {}

    def lookup(reference):
        if reference not in definitions:
            try:
                definitions[reference] = describe_task_definition(client, reference)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Failed to describe task definition {reference}")
            found = definitions[reference][0]
            if found is not None:
                definitions.setdefault(found["taskDefinitionArn"], definitions[reference])
        return definitions[reference]

    for entry in params["services"]:
        service = services[entry["service"]]
        controller = (service.get("deploymentController") or {}).get("type", "ECS")
        if controller != "ECS":
            module.fail_json(
                msg=f"services[{entry['service']}]: uses the {controller} deployment controller; "
                "ecs_rollout supports ECS rolling deployments only"
            )
        arn = service.get("taskDefinition")
        if not arn:
            module.fail_json(msg=f"services[{entry['service']}]: the service has no task definition")
        task_definition, tags = lookup(arn)
        if task_definition is None:
            module.fail_json(msg=f"services[{entry['service']}]: task definition {arn} not found")
        if is_switch(entry):
            plan = plan_switch(module, client, entry, service, task_definition, lookup=lookup)
        else:
            plan = plan_service(module, entry, service, task_definition, tags)
        plan["force"] = bool(entry.get("force_new_deployment"))
        # a forced deployment of the task definition it runs: a restart (new tasks read their secrets again)
        plan["restart"] = plan["force"] and not plan["needs_update"]
        if plan["restart"]:
            plan["needs_update"] = True
            plan["target_arn"] = plan["current_arn"]
        plans.append(annotate(plan, service, task_definition, tags))

    results = [result_for(plan) for plan in plans]
    history = History(module, client, plans, results)
    by_name = {plan["name"]: (plan, result) for plan, result in zip(plans, results, strict=True)}
    diff = {
        "before": {"services": {plan["name"]: plan["before"] for plan in plans}},
        "after": {"services": {plan["name"]: plan["after"] for plan in plans}},
    }
    extra = {"diff": diff} if module._diff else {}

    for plan, result in zip(plans, results, strict=True):
        target_revision = revision_of(plan["target_arn"]) if plan["target_arn"] else None
        if plan["needs_update"] and target_revision in plan["failed"]:
            module.warn(
                f"{plan['name']}: {short_task_definition(plan['target_arn'])} is marked failed ({FAILED_TAG}) by an "
                "earlier rollout; rolling it out again as requested"
            )
        result["changed"] = plan["needs_update"] or plan["resume"]
        result["resumed"] = plan["resume"]
        if plan["needs_update"] and module.check_mode:
            # a move to an existing task definition knows its target; a new revision has no ARN yet
            result["task_definition"] = plan["target_arn"]
            result["rollout_state"] = None
        if plan["record"]:
            history.good(plan["name"], plan["revision"])
            history.publish(plan["name"])
    changed = any(result["changed"] for result in results) or any(plan["record"] for plan in plans)

    if module.check_mode or not changed:
        module.exit_json(changed=changed, services=results, **extra)

    # A service that already runs what was asked and COMPLETED: record it as known good.
    recorded = False
    for plan in plans:
        if plan["record"]:
            recorded = history.save(plan["name"]) or recorded
            mark_task_definition(module, client, plan["current_arn"], False, plan["current_tags"])
    if not any(result["changed"] for result in results):
        module.exit_json(changed=recorded, services=results, **extra)

    # Register and update every changed service first ...
    pending = {}
    updated = []
    for plan, result in zip(plans, results, strict=True):
        if plan["resume"]:
            # an interrupted run left this deployment unfinished: wait for it like a new one
            pending[plan["name"]] = {
                "deployment_id": (plan["primary"] or {}).get("id"),
                "task_definition": plan["current_arn"],
            }
            result["rollout_state"] = plan["primary_state"]
            continue
        if not plan["needs_update"]:
            continue
        try:
            if plan["register_params"] is not None:
                registered, is_new, retried = register_task_definition(module, client, plan["register_params"])
                target_arn = registered["taskDefinitionArn"]
                if is_new:
                    result["new_task_definition"] = target_arn
                if retried:
                    module.warn(
                        f"RegisterTaskDefinition answered {', '.join(retried)}; "
                        f"{short_task_definition(target_arn)} was registered once"
                    )
            else:
                target_arn = plan["target_arn"]
            service = update_service(client, cluster, plan["name"], target_arn, force=plan["force"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            rolled = _rollback_quietly(module, client, cluster, updated)
            module.fail_json_aws(
                e,
                msg=f"Failed to roll out service {plan['name']}"
                + (f" (rolled back {', '.join(rolled)})" if rolled else ""),
                services=results,
            )
        plan["target_arn"] = target_arn
        updated.append(plan)
        result["task_definition"] = target_arn
        primary = _primary_deployment(service) or {}
        result["rollout_state"] = primary.get("rolloutState")
        pending[plan["name"]] = {"deployment_id": primary.get("id"), "task_definition": target_arn}

    if not params["wait"]:
        module.exit_json(changed=True, services=results, **extra)

    # ... then wait for all of them in one loop.
    timeout = params["wait_timeout"]
    outcome = wait_for_deployments(module, client, cluster, dict(pending), timeout)
    failures = {}
    rollbacks = {}
    for name, (state, deployment, service) in outcome.items():
        plan, result = by_name[name]
        target_arn = pending[name]["task_definition"]
        target_revision = revision_of(target_arn)
        result["rollout_state"] = deployment.get("lastState", state) if state == "TIMEOUT" else state
        if state == "COMPLETED":
            if plan["needs_update"] and plan["current_good"] and plan["revision"] not in plan["known_good"]:
                history.good(name, plan["revision"])  # what ran before had completed: known good too
            history.good(name, target_revision)
            target_tags = {} if result["new_task_definition"] else tags_dict(lookup(target_arn)[1])
            mark_task_definition(module, client, target_arn, False, target_tags)
            history.save(name)
            continue
        failures[name] = failure_details(
            module, client, cluster, name, state=state, deployment=deployment, service=service, timeout=timeout
        )
        result["failure"] = failures[name]
        if plan["restart"]:
            history.save(name)
            continue  # the same task definition: nothing to roll back to, nothing to mark failed
        history.bad(name, target_revision)
        result["marked_failed"] = target_arn
        mark_task_definition(module, client, target_arn, True, {})
        known_good, failed = history.state[name]
        back_to, verified = rollback_target(module, client, plan, target_revision, known_good=known_good, failed=failed)
        if back_to is None:
            history.save(name)
            continue
        if not verified:
            module.warn(
                f"{name}: no known-good revision is recorded; rolling back to {short_task_definition(back_to)}, "
                "the task definition it ran before, whose deployment had not completed"
            )
        try:
            deployment_id = rollback(client, cluster, name, back_to)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            history.save(name)
            module.fail_json_aws(
                e, msg=f"Rollout of {name} failed ({failures[name]}) and the rollback failed too", services=results
            )
        result["rolled_back"] = True
        result["task_definition"] = back_to
        rollbacks[name] = {"deployment_id": deployment_id, "task_definition": back_to}

    if not failures:
        module.exit_json(changed=True, services=results, **extra)

    rollback_outcome = wait_for_deployments(module, client, cluster, dict(rollbacks), timeout)
    messages = []
    for name in (plan["name"] for plan in plans):
        if name not in failures:
            continue
        plan, result = by_name[name]
        if plan["restart"]:
            messages.append(
                f"{name}: {failures[name]}; the new deployment of {short_task_definition(plan['current_arn'])} "
                "(a restart) did not complete; not rolled back (same task definition)"
            )
            continue
        marked = f"; marked {short_task_definition(result['marked_failed'])} failed"
        if name not in rollbacks:
            history.save(name)
            messages.append(
                f"{name}: {failures[name]}{marked}; not rolled back: no known-good revision of {plan['family']} "
                "to roll back to"
            )
            continue
        back_to = rollbacks[name]["task_definition"]
        state = rollback_outcome.get(name, ("UNKNOWN",))[0]
        if state == "COMPLETED":
            rollback_text = "rollback completed"
            history.good(name, revision_of(back_to))
        elif state == "TIMEOUT":
            rollback_text = f"rollback deployment did not complete within {timeout}s"
        else:
            rollback_text = f"rollback deployment {state}"
        history.save(name)
        result["rollback_state"] = state
        messages.append(
            f"{name}: {failures[name]}; rolled back to {short_task_definition(back_to)} ({rollback_text}){marked}"
        )
    module.fail_json(
        msg=f"Rollout failed for {len(failures)} of {len(plans)} services: " + " || ".join(messages),
        changed=True,
        services=results,
        **extra,
    )


def _rollback_quietly(module, client, cluster, plans):
    rolled = []
    for plan in plans:
        try:
            rollback(client, cluster, plan["name"], plan["current_arn"])
            rolled.append(plan["name"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.warn(f"Could not roll back service {plan['name']}: {e}")
    return rolled


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        services=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                service=dict(type="str", required=True),
                image=dict(type="str"),
                image_tag=dict(type="str"),
                container=dict(type="str"),
                environment=dict(type="dict"),
                purge_environment=dict(type="bool", default=False),
                # name -> valueFrom ARN: references to secrets, never secret values
                secrets=dict(type="dict", no_log=False),
                purge_secrets=dict(type="bool", default=False),
                task_definition=dict(type="str"),
                revision=dict(type="str", choices=["previous", "last_known_good"]),
                force_new_deployment=dict(type="bool", default=False),
            ),
            mutually_exclusive=[("image", "image_tag"), ("task_definition", "revision")]
            + [(switch, key) for switch in SWITCH_KEYS for key in (*ROLLOUT_KEYS, "container")],
        ),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
        poll_interval=dict(type="float", default=5),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("ecs")
    ensure_present(module, client)


if __name__ == "__main__":
    main()
