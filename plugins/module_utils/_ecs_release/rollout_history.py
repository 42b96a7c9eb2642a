# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ecs_rollout: the release bookkeeping and the rollback.

``History`` keeps the known-good and failed revisions of each service (tags ``PlatformKnownGood``,
``PlatformFailed`` and ``PlatformFamily`` on the service), ``mark_task_definition`` the
``PlatformRollout=failed`` mark of a revision, ``rollback_target`` picks where a failed deployment goes back
to and ``rollback`` points the service there. A tag that cannot be written is a warning.
"""

from __future__ import annotations

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_plan import revision_arn
from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_wait import _primary_deployment
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    FAILED_TAG,
    FAMILY_TAG,
    KNOWN_GOOD_TAG,
    ROLLOUT_TAG,
    list_active_revisions,
    push_revision,
    revision_tag_value,
    short_task_definition,
    tag_resource,
    untag_resource,
    update_service,
)


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
