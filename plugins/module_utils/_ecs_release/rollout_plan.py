# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ecs_rollout: what to do for each service, without writing anything.

``plan_service`` works out the next revision of a service's task definition (no AWS call), ``plan_switch``
a move to an existing task definition (``task_definition`` or ``revision``), ``annotate`` adds what the
release bookkeeping needs (family, revision, recorded history, PRIMARY deployment state) and
``result_for`` shapes a service's entry of the module's result.
"""

from __future__ import annotations

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_wait import _primary_deployment
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    FAMILY_TAG,
    KNOWN_GOOD_TAG,
    ROLLOUT_TAG,
    env_value,
    list_active_revisions,
    merge_name_values,
    normalise_container_definitions,
    parse_task_definition_ref,
    pick_container,
    registrable_task_definition,
    release_history,
    replace_image_tag,
    short_task_definition,
    tags_dict,
)

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
