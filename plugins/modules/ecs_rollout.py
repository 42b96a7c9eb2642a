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


try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    FAILED_TAG,
    IMAGE_TAG_RE,
    describe_services,
    describe_task_definition,
    parse_task_definition_ref,
    register_task_definition,
    short_task_definition,
    tags_dict,
    update_service,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs_release import (
    ROLLOUT_KEYS,
    SWITCH_KEYS,
    History,
    _primary_deployment,
    annotate,
    failure_details,
    is_restart,
    is_switch,
    mark_task_definition,
    plan_service,
    plan_switch,
    result_for,
    revision_of,
    rollback,
    rollback_target,
    wait_for_deployments,
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
                registered, is_new = register_task_definition(module, client, plan["register_params"])
                target_arn = registered["taskDefinitionArn"]
                if is_new:
                    result["new_task_definition"] = target_arn
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
