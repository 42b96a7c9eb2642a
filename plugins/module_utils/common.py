# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Small helpers several modules of the collection share: converging a resource's tags; loading the
desired resource-based policy and deciding its change. The comparisons are amazon.aws's
(compare_aws_tags, compare_policies); every boto3 call sits behind ``AWSRetry.jittered_backoff()``."""

from __future__ import annotations

import json
from collections.abc import Mapping

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


@AWSRetry.jittered_backoff()
def _tag_resource(client, arn, tags):
    return client.tag_resource(ResourceArn=arn, Tags=tags)


@AWSRetry.jittered_backoff()
def _untag_resource(client, arn, keys):
    return client.untag_resource(ResourceArn=arn, TagKeys=keys)


def converge_tags(module, client, arn, current, what):
    """``(changed, tags after)`` of a resource whose TagResource takes ``ResourceArn`` and a tag dict and
    whose UntagResource takes ``TagKeys`` (GuardDuty, Security Hub), from the module's O(tags) and
    O(purge_tags) (the amazon.aws.tags fragment); O(tags) unset leaves the tags alone.

    Removes, then sets, outside check mode only; fails with "Failed to tag ``what``".
    """
    if module.params["tags"] is None:
        return False, current
    to_set, to_remove = compare_aws_tags(current, module.params["tags"], module.params["purge_tags"])
    if not (to_set or to_remove):
        return False, current
    tags = {k: v for k, v in current.items() if k not in to_remove}
    tags.update(to_set)
    if not module.check_mode:
        try:
            if to_remove:
                _untag_resource(client, arn, to_remove)
            if to_set:
                _tag_resource(client, arn, to_set)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to tag {what}")
    return True, tags


def plain_data(value):
    """A deep copy of JSON-like data (mappings, lists, scalars) as plain dicts and lists. A filter gets Ansible's
    lazy containers, whose ``copy.deepcopy`` copies their templar too (about half a second each): copy them
    with this before code that deep-copies its input (``ArgumentSpecValidator.validate`` does)."""
    if isinstance(value, Mapping):
        return {key: plain_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    return value


def policy_change(current, desired, present):
    """``(changed, policy after)`` for a resource-based policy that should be ``desired`` (``present``)
    or none; ``current`` is ``{}`` when there is none. Policies are compared as IAM compares them."""
    if present and compare_policies(current, desired):
        return True, desired
    if not present and current:
        return True, {}
    return False, current


def desired_policy(module, name_problem, policy_problem):
    """The O(policy) (a JSON string or a dict) loaded, with O(state=present); None with O(state=absent).

    Fails before any AWS request with ``name_problem`` (None when the name is valid), then that the
    policy is not JSON or what ``policy_problem(policy)`` answers for the loaded policy (None: valid).
    """
    problems = [name_problem] if name_problem else []
    policy = None
    if module.params["state"] == "present":
        raw = module.params["policy"]
        try:
            policy = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError as e:
            problems.append(f"policy is not valid JSON: {e}")
        else:
            problem = policy_problem(policy)
            if problem:
                problems.append(problem)
    if problems:
        module.fail_json(msg="; ".join(problems))
    return policy
