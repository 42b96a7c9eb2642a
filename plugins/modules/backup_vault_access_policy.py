#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_vault_access_policy
version_added: 0.1.0
short_description: Manage the resource-based access policy of an existing AWS Backup vault
description:
  - Ensures an existing AWS Backup vault has the given resource-based access policy, or none.
    C(amazon.aws.backup_vault) creates the vault but does not manage its access policy.
  - The current policy is read with one GetBackupVaultAccessPolicy request and compared with O(policy) as IAM
    compares policies (key order, the order of list items, a single-element list and its string are equal).
    PutBackupVaultAccessPolicy is called only when they differ.
  - A typical use is denying C(backup:DeleteRecoveryPoint) (and C(backup:UpdateRecoveryPointLifecycle)) to every
    principal but the account root, so that no role can delete backups.
author: Platform Ops Maintainers (@platform-ops)
options:
  backup_vault_name:
    description:
      - Name of the backup vault. It must exist when O(state=present).
      - AWS answers C(AccessDeniedException) for a vault that does not exist; the module takes it as "no such
        vault" (with O(state=absent), nothing to do).
    type: str
    required: true
  policy:
    description:
      - The policy document (a dict, or a JSON string) - a JSON object with a C(Statement).
      - Required when O(state=present).
    type: json
  state:
    description:
      - V(present) sets the access policy to O(policy); V(absent) removes it (a vault that does not exist has none).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports C(check_mode) and C(diff) (the policy before and after; V({}) when there is none).
  - A run that changes nothing makes exactly one request (GetBackupVaultAccessPolicy).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure nobody but the account root deletes recovery points of the vault
  platform_ops.aws.backup_vault_access_policy:
    backup_vault_name: caseapp-prod-vault
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: DenyDeletingRecoveryPointsButRoot
          Effect: Deny
          Principal: "*"
          Action: [backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle]
          Resource: "*"
          Condition:
            StringNotLike:
              aws:PrincipalArn: arn:aws:iam::123456789012:root

- name: Ensure the vault has no access policy
  platform_ops.aws.backup_vault_access_policy:
    backup_vault_name: caseapp-dev-vault
    state: absent
"""

RETURN = r"""
access_policy:
  description: The vault's access policy after the task (as sent, or as predicted in check mode); V({}) when there is none.
  returned: always
  type: dict
  sample:
    Version: "2012-10-17"
    Statement: []
diff:
  description: The access policy before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.backup_vaults import (
    delete_access_policy,
    get_access_policy,
    put_access_policy,
    vault_name_problem,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.common import desired_policy, policy_change


def policy_problem(policy):
    if not isinstance(policy, dict) or not policy.get("Statement"):
        return "policy must be a JSON object with a Statement"
    return None


def read_policy(module, client, name):
    """The vault's policy ({} when it has none), or None when the vault does not exist.

    AWS answers AccessDeniedException for a vault that does not exist (even to a caller with every
    permission) and ResourceNotFoundException for an existing vault without an access policy.
    """
    try:
        document = get_access_policy(client, name).get("Policy")
    except is_boto3_error_code("ResourceNotFoundException"):
        return {}
    except is_boto3_error_code("AccessDeniedException"):  # pylint: disable=duplicate-except
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the access policy of backup vault {name}")
    return json.loads(document) if document else {}


def main():
    argument_spec = dict(
        backup_vault_name=dict(type="str", required=True),
        policy=dict(type="json"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["policy"])],
        supports_check_mode=True,
    )
    name = module.params["backup_vault_name"]
    desired = desired_policy(module, vault_name_problem(name), policy_problem)
    present = module.params["state"] == "present"
    client = module.client("backup")

    current = read_policy(module, client, name)
    if current is None:
        if present:
            module.fail_json(
                msg=f"Backup vault {name} does not exist (AWS answered AccessDenied, as it does for a missing vault; "
                "or the caller may not backup:GetBackupVaultAccessPolicy): create it before setting its access policy"
            )
        current = {}

    changed, after = policy_change(current, desired, present)
    if changed and not module.check_mode:
        try:
            if present:
                put_access_policy(client, name, json.dumps(desired))
            else:
                delete_access_policy(client, name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to write the access policy of backup vault {name}")

    result = {"access_policy": after}
    if module._diff:
        result["diff"] = {"before": current, "after": after}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
