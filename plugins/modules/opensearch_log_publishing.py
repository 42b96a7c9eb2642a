#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: opensearch_log_publishing
version_added: 0.1.0
short_description: Publish an OpenSearch domain's logs to CloudWatch Logs
description:
  - Ensures an Amazon OpenSearch Service domain publishes the given log types (slow logs, error logs,
    audit logs) to CloudWatch Logs log groups, and that the CloudWatch Logs resource policy lets the
    OpenSearch service write into exactly those log groups, for this domain only.
  - C(community.aws.opensearch) has no log publishing options; this module fills that gap. It changes
    nothing else of the domain.
  - The current options (DescribeDomainConfig) and resource policy (DescribeResourcePolicies) are compared
    with the desired ones; UpdateDomainConfig and PutResourcePolicy are called only when they differ.
  - AWS accepts C(LogPublishingOptions) only when a CloudWatch Logs resource policy already lets
    C(es.amazonaws.com) create log streams and put log events in the log groups. The policy is therefore
    written first; while OpenSearch does not see it yet (propagation) and answers
    C(ValidationException ... Resource Access Policy ... does not grant sufficient permissions), the
    update is retried with a backoff (2 s doubling to 16 s) for up to O(policy_propagation_timeout) seconds.
    With O(state=absent) publishing is disabled first, then the policy is deleted.
  - AWS refuses a configuration change while the domain is processing another one; run this after the
    domain is active (for example after C(community.aws.opensearch_info) reports it is not processing).
  - The log groups must exist; create them first (for example with C(amazon.aws.cloudwatchlogs_log_group)).
author: Platform Ops Maintainers (@platform-ops)
options:
  state:
    description:
      - V(present) enables publishing of each type in O(log_groups) and writes the resource policy.
      - V(absent) disables publishing of each type in O(log_groups) (when the domain exists) and deletes the
        resource policy O(resource_policy_name).
    type: str
    choices: [present, absent]
    default: present
  domain_name:
    description:
      - Name of the OpenSearch domain (3 to 28 lowercase letters, digits and hyphens, starting with a letter).
    type: str
    required: true
  log_groups:
    description:
      - Log type to CloudWatch Logs log group, by name or ARN.
      - Log types are V(SEARCH_SLOW_LOGS), V(INDEX_SLOW_LOGS), V(ES_APPLICATION_LOGS) and V(AUDIT_LOGS)
        (audit logs also need fine-grained access control on the domain).
    type: dict
    default: {}
  purge:
    description:
      - With O(state=present), disable publishing of log types that are enabled on the domain but not in
        O(log_groups).
    type: bool
    default: true
  resource_policy_name:
    description:
      - Name of the CloudWatch Logs resource policy that allows C(es.amazonaws.com) to create log streams
        and put log events into the O(log_groups), conditioned on this account and this domain's ARN.
      - The whole policy document is owned by this module. Omit it to leave resource policies alone.
      - Required when O(state=absent) or when O(log_groups) is not empty.
      - CloudWatch Logs allows at most 10 resource policies per account and region and 5120 characters per
        policy document; use one policy per domain. A new policy that would exceed either limit fails before
        anything is written, naming the limit.
    type: str
  policy_propagation_timeout:
    description:
      - Seconds to keep retrying C(UpdateDomainConfig) while OpenSearch does not yet see the resource policy.
    type: int
    default: 60
notes:
  - Supports C(check_mode) and C(diff) (the enabled log types and the policy document before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the search domain publishes its slow and error logs
  platform_ops.aws.opensearch_log_publishing:
    domain_name: caseapp-prod-search
    log_groups:
      SEARCH_SLOW_LOGS: /platform/caseapp-prod/search/search-slow-logs
      INDEX_SLOW_LOGS: /platform/caseapp-prod/search/index-slow-logs
      ES_APPLICATION_LOGS: /platform/caseapp-prod/search/es-application-logs
    resource_policy_name: caseapp-prod-search-logs

- name: Ensure the resource policy is gone
  platform_ops.aws.opensearch_log_publishing:
    domain_name: caseapp-prod-search
    state: absent
    resource_policy_name: caseapp-prod-search-logs
"""

RETURN = r"""
domain_arn:
  description: ARN of the domain; empty when it does not exist (O(state=absent) only).
  returned: always
  type: str
  sample: arn:aws:es:us-east-1:123456789012:domain/caseapp-prod-search
log_publishing_options:
  description: The domain's log publishing options after the task (as predicted in check mode), by log type.
  returned: always
  type: dict
  sample:
    ES_APPLICATION_LOGS:
      CloudWatchLogsLogGroupArn: arn:aws:logs:us-east-1:123456789012:log-group:/platform/caseapp-prod/search/es-application-logs
      Enabled: true
resource_policy:
  description: The resource policy document after the task (as predicted in check mode); empty when there is none.
  returned: when O(resource_policy_name) is set
  type: dict
  sample: {"Version": "2012-10-17", "Statement": []}
"""

import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.opensearch import (
    MAX_RESOURCE_POLICIES,
    MAX_RESOURCE_POLICY_LENGTH,
    RETRY_CODES,
    describe_domain,
    is_log_policy_not_yet_effective,
    retry_while_log_policy_propagates,
    update_domain_config,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.opensearch_plan import (
    enabled_log_types,
    find_resource_policy,
    log_publishing_options_plan,
    log_publishing_problems,
    options_from_config,
    policy_limit_problem,
    resource_policy_plan,
    serialise_policy,
)

# The propagation retry's sleep and clock (unit tests replace them to stay fast).
_sleep = time.sleep
_clock = time.monotonic


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _describe_domain_config(client, name):
    return client.describe_domain_config(DomainName=name)["DomainConfig"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _describe_resource_policies(client, token=None):
    kwargs = {"limit": 50}
    if token:
        kwargs["nextToken"] = token
    return client.describe_resource_policies(**kwargs)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _put_resource_policy(client, name, document):
    return client.put_resource_policy(policyName=name, policyDocument=document)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _delete_resource_policy(client, name):
    return client.delete_resource_policy(policyName=name)


def validate_params(module):
    problems = log_publishing_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))


def current_policies(module, logs, name):
    """(the policy ``name`` normalised or None, the names of all resource policies of the region)."""
    token = None
    found = None
    names = []
    try:
        while True:
            page = _describe_resource_policies(logs, token)
            page_found, page_names = find_resource_policy(page.get("resourcePolicies", []), name)
            names += page_names
            found = page_found if page_found is not None else found
            token = page.get("nextToken")
            if not token:
                return found, names
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to describe the CloudWatch Logs resource policies")


def current_options(module, client, name):
    """(domain ARN, {type: {CloudWatchLogsLogGroupArn, Enabled}}) or (None, {}) when the domain does not exist."""
    try:
        status = describe_domain(client, name)
        config = _describe_domain_config(client, name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None, {}
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe OpenSearch domain {name}")
    return status["ARN"], options_from_config(config)


def apply_options(module, client, name, options, present):
    """UpdateDomainConfig with the log publishing options; after a policy write, wait for it to take effect."""
    timeout = module.params["policy_propagation_timeout"] if present else 0
    try:
        # Every known type, not only the changed ones: AWS merges by type, moto replaces the map.
        retry_while_log_policy_propagates(
            lambda: update_domain_config(client, name, LogPublishingOptions=options),
            timeout,
            sleep=_sleep,
            clock=_clock,
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        if is_log_policy_not_yet_effective(e):
            module.fail_json_aws(
                e,
                msg=f"OpenSearch still refuses the log publishing options of domain {name} after {timeout} s:"
                f" it does not see a CloudWatch Logs resource policy letting es.amazonaws.com write into the log"
                f" groups (resource policy {module.params['resource_policy_name']}). Check that the log groups"
                " exist in this region, then run again",
                changed=True,
            )
        module.fail_json_aws(
            e, msg=f"Failed to update the log publishing options of OpenSearch domain {name}", changed=True
        )


def write_policy(module, logs, policy_name, want):
    if want is not None:
        try:
            _put_resource_policy(logs, policy_name, serialise_policy(want))
        except is_boto3_error_code("LimitExceededException") as e:
            module.fail_json_aws(
                e,
                msg=f"CloudWatch Logs refused the resource policy {policy_name}: at most {MAX_RESOURCE_POLICIES}"
                f" resource policies per account and region, {MAX_RESOURCE_POLICY_LENGTH} characters each",
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to put the CloudWatch Logs resource policy {policy_name}")
    else:
        try:
            _delete_resource_policy(logs, policy_name)
        except is_boto3_error_code("ResourceNotFoundException"):
            pass
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to delete the CloudWatch Logs resource policy {policy_name}")


def run(module, client, logs):
    params = module.params
    name = params["domain_name"]
    present = params["state"] == "present"
    domain_arn, current = current_options(module, client, name)
    if domain_arn is None and present:
        module.fail_json(msg=f"OpenSearch domain {name} does not exist: create it before publishing its logs")

    result = {"domain_arn": domain_arn or "", "log_publishing_options": current}
    before = {"enabled_log_types": enabled_log_types(current)}
    after = {"enabled_log_types": enabled_log_types(current)}

    groups, changes, planned = log_publishing_options_plan(domain_arn, current, params)
    if changes:
        result["log_publishing_options"] = planned
        after["enabled_log_types"] = enabled_log_types(planned)

    # The policy: planned (and checked against CloudWatch Logs' quotas) before anything is written.
    policy_name = params["resource_policy_name"]
    policy_change = False
    want = None
    if policy_name is not None:
        have, existing = current_policies(module, logs, policy_name)
        want, policy_change = resource_policy_plan(domain_arn, groups, have, present)
        before["resource_policy"] = have or {}
        after["resource_policy"] = want or {}
        result["resource_policy"] = want or {}
        if want is not None and policy_change:
            problem = policy_limit_problem(policy_name, serialise_policy(want), existing, module.region)
            if problem:
                module.fail_json(msg=f"Cannot publish the logs of OpenSearch domain {name}: {problem}")

    changed = bool(changes) or policy_change
    if changed and not module.check_mode:
        if present:
            # OpenSearch validates the log groups' resource policy when it receives the options.
            if policy_change:
                write_policy(module, logs, policy_name, want)
            if changes:
                apply_options(module, client, name, planned, present)
        else:
            # Stop publishing before the permission to publish goes away.
            if changes:
                apply_options(module, client, name, planned, present)
            if policy_change:
                write_policy(module, logs, policy_name, want)

    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(changed=changed, **result)


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        domain_name=dict(type="str", required=True),
        log_groups=dict(type="dict", default={}),
        purge=dict(type="bool", default=True),
        resource_policy_name=dict(type="str"),
        policy_propagation_timeout=dict(type="int", default=60),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    run(module, module.client("opensearch"), module.client("logs"))


if __name__ == "__main__":
    main()
