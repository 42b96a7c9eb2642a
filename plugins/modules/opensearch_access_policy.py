#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: opensearch_access_policy
version_added: 0.1.0
short_description: Manage the resource-based access policy of an existing OpenSearch domain
description:
  - Ensures an existing Amazon OpenSearch Service domain has the given resource-based access policy
    (C(AccessPolicies)), or none. It changes nothing else of the domain.
  - C(community.aws.opensearch) cannot update the access policy of an existing domain (its comparison
    of the current and the desired policy is inverted, so an equal policy is reported as a change and a
    different one is never written), so it can set a domain's access policy only when it creates the
    domain. Create the domain with it, then converge the policy with this module.
  - The current policy is read with one DescribeDomain request and compared with O(policy) as IAM
    compares policies (key order, the order of list items, a single-element list and its string,
    the anonymous principal V(*) and the C(AWS) principal V(*), an account root ARN and its account ID are equal).
    UpdateDomainConfig is called only when they differ, with the policy as given.
  - AWS may refuse a configuration change while the domain is processing another one (C(Processing) or
    C(UpgradeProcessing) true); the module then fails and says so. Run it after the domain is active
    (for example after C(community.aws.opensearch_info) reports it is not processing).
author: Platform Ops Maintainers (@platform-ops)
options:
  domain_name:
    description:
      - Name of the OpenSearch domain (3 to 28 lowercase letters, digits and hyphens, starting with a letter).
      - The domain must exist when O(state=present).
    type: str
    required: true
  policy:
    description:
      - The IAM policy document (a dict, or a JSON string) that becomes the domain's access policy.
      - It must be a JSON object with a C(Statement); at most 102400 characters once serialised.
      - Required when O(state=present).
    type: json
  state:
    description:
      - V(present) sets the access policy to O(policy).
      - V(absent) removes the access policy (UpdateDomainConfig with an empty C(AccessPolicies), which AWS
        accepts as "no policy"). A domain that does not exist has no policy, so nothing is done.
      - A domain without an access policy is open only to the identity-based policies of the caller's account
        (and to fine-grained access control, when enabled).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports C(check_mode) and C(diff) (the policy document before and after; V({}) when there is none).
  - A run that changes nothing makes exactly one request (DescribeDomain).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure only the application and the indexer roles can call the search domain
  platform_ops.aws.opensearch_access_policy:
    domain_name: caseapp-prod-search
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: CaseappRolesUseTheDomain
          Effect: Allow
          Principal:
            AWS:
              - arn:aws:iam::123456789012:role/caseapp-prod-app
              - arn:aws:iam::123456789012:role/caseapp-prod-indexer
          Action: es:ESHttp*
          Resource: arn:aws:es:us-east-1:123456789012:domain/caseapp-prod-search/*

- name: Ensure the search domain has no access policy
  platform_ops.aws.opensearch_access_policy:
    domain_name: caseapp-prod-search
    state: absent
"""

RETURN = r"""
access_policy:
  description:
    - The domain's access policy after the task (as sent, or as predicted in check mode); V({}) when there is none.
  returned: always
  type: dict
  sample:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Principal:
          AWS: [arn:aws:iam::123456789012:role/caseapp-prod-app]
        Action: es:ESHttp*
        Resource: arn:aws:es:us-east-1:123456789012:domain/caseapp-prod-search/*
domain_arn:
  description: ARN of the domain; empty when it does not exist (O(state=absent) only).
  returned: always
  type: str
  sample: arn:aws:es:us-east-1:123456789012:domain/caseapp-prod-search
diff:
  description: The access policy before and after (diff mode); V({}) when there is none.
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after:
      Version: "2012-10-17"
      Statement: []
"""

import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.common import desired_policy, policy_change
from ansible_collections.platform_ops.aws.plugins.module_utils.opensearch import (
    describe_domain,
    domain_name_problem,
    update_domain_config,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.opensearch_plan import parse_policy, policy_problem

# Words of the errors AWS answers while the domain is busy with another change.
BUSY_WORDS = ("in progress", "processing", "currently being")


def read_domain(module, client, name):
    """The DomainStatus, or None when the domain does not exist (or is being deleted)."""
    try:
        status = describe_domain(client, name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe OpenSearch domain {name}")
    return None if status.get("Deleted") else status


def _busy(status, error):
    if status.get("Processing") or status.get("UpgradeProcessing"):
        return True
    if isinstance(error, botocore.exceptions.ClientError):
        message = error.response.get("Error", {}).get("Message", "").lower()
        return any(word in message for word in BUSY_WORDS)
    return False


def write_policy(module, client, name, status, document):
    try:
        update_domain_config(client, name, AccessPolicies=document)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        msg = f"Failed to update the access policy of OpenSearch domain {name}"
        if _busy(status, e):
            msg += " (the domain is processing another change: run this again once it is active)"
        module.fail_json_aws(e, msg=msg)


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        policy=dict(type="json"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["policy"])],
        supports_check_mode=True,
    )
    name = module.params["domain_name"]
    desired = desired_policy(module, domain_name_problem(name), policy_problem)
    present = module.params["state"] == "present"

    client = module.client("opensearch")
    status = read_domain(module, client, name)
    if status is None:
        if present:
            module.fail_json(
                msg=f"OpenSearch domain {name} does not exist (or is being deleted): create it before setting its access policy"
            )
        current = {}
        status = {}
    else:
        current = parse_policy(status.get("AccessPolicies"))

    changed, after = policy_change(current, desired, present)
    if changed and not module.check_mode:
        # AWS takes an empty AccessPolicies as "remove the policy".
        write_policy(module, client, name, status, json.dumps(desired) if present else "")

    result = {"access_policy": after, "domain_arn": status.get("ARN", "")}
    if module._diff:
        result["diff"] = {"before": current, "after": after}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
