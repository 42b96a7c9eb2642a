#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cognito_user_pool
short_description: Manage an Amazon Cognito user pool, its MFA settings and its groups
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon Cognito user pool found by its exact O(name).
  - User pool names are not unique in AWS; when more than one pool has O(name) the module fails and
    lists their IDs rather than guessing.
  - Only the settings the task sets are managed. C(UpdateUserPool) resets every setting it is not
    given to its default, so the update request is built from the current pool with the requested
    changes laid over it; settings the module has no option for (Lambda triggers, email and SMS
    configuration, message templates, ...) are kept as they are.
  - C(CreateUserPool) takes no idempotency token, so a retry of a request that AWS applied but answered
    with an error (HTTP 5xx, a timeout) would make a second pool. The module sends it without automatic
    retries; after an error whose outcome is unknown it looks the pool up by name and uses it when it
    exists (with a warning), and sends the request again only when it does not. Throttling is retried
    with backoff.
  - MFA is set with C(SetUserPoolMfaConfig) (SMS and email MFA settings already on the pool are kept).
  - O(user_groups) are converged in the same call. Groups not listed are deleted only with
    O(purge_groups=true).
  - A pool with deletion protection C(ACTIVE) is not deleted unless the same task sets
    O(deletion_protection=INACTIVE), which is then applied before the deletion.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - Name of the user pool (exact match).
    required: true
    type: str
  state:
    description:
      - Whether the user pool should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  mfa_configuration:
    description:
      - Multi-factor authentication mode of the pool.
      - C(ON) and C(OPTIONAL) need an MFA method, for instance O(software_token_mfa_enabled=true).
      - Quote the value in YAML (V("ON"), V("OFF")); unquoted, YAML reads them as booleans.
    choices: ["OFF", "ON", "OPTIONAL"]
    type: str
  software_token_mfa_enabled:
    description:
      - Whether time-based one-time passwords (authenticator apps) are an MFA method of the pool.
    type: bool
  password_policy:
    description:
      - Password policy. Only the keys given are changed on an existing pool; on a new pool the
        keys not given take the AWS defaults (length 8, every character class required,
        temporary passwords valid 7 days).
    type: dict
    suboptions:
      minimum_length:
        description:
          - Minimum password length, 8 to 99.
        type: int
      require_uppercase:
        description:
          - Require an uppercase letter.
        type: bool
      require_lowercase:
        description:
          - Require a lowercase letter.
        type: bool
      require_numbers:
        description:
          - Require a number.
        type: bool
      require_symbols:
        description:
          - Require a symbol.
        type: bool
      temporary_password_validity_days:
        description:
          - Days a temporary password set by an administrator stays valid, 0 to 365.
        type: int
  account_recovery:
    description:
      - Account recovery mechanisms in priority order (at most two; V(admin_only) only alone).
    type: list
    elements: str
    choices: ["verified_email", "verified_phone_number", "admin_only"]
  auto_verified_attributes:
    description:
      - Attributes Cognito verifies automatically (sends a code to).
    type: list
    elements: str
    choices: ["email", "phone_number"]
  username_attributes:
    description:
      - Attributes users can sign in with instead of a username.
      - Can only be set when the pool is created; the module fails if it differs on an existing pool.
    type: list
    elements: str
    choices: ["email", "phone_number"]
  deletion_protection:
    description:
      - Deletion protection of the pool.
      - With O(state=absent), V(INACTIVE) lets the module turn protection off before deleting.
    choices: ["ACTIVE", "INACTIVE"]
    type: str
  admin_create_user_only:
    description:
      - Whether only administrators can create users (self sign-up disabled).
    type: bool
  user_groups:
    description:
      - Groups of the pool. Missing groups are created, changed ones updated.
      - For an existing group, only the keys given are compared and changed.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Group name (exact match).
        required: true
        type: str
      description:
        description:
          - Group description.
        type: str
      precedence:
        description:
          - Precedence of the group (0 or more; lower wins when a user is in several groups).
        type: int
      role_arn:
        description:
          - IAM role ARN for the group's users.
        type: str
  purge_groups:
    description:
      - Delete groups of the pool that are not in O(user_groups).
      - Ignored when O(user_groups) is not given.
    type: bool
    default: false
notes:
  - Tags are read from C(DescribeUserPool) and changed with C(TagResource) and C(UntagResource).
  - The client secret of app clients is never handled here; see M(platform_ops.aws.cognito_user_pool_client).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the user pool requires TOTP MFA and strong passwords
  platform_ops.aws.cognito_user_pool:
    name: caseapp-prod-users
    mfa_configuration: "ON"
    software_token_mfa_enabled: true
    password_policy:
      minimum_length: 14
      require_uppercase: true
      require_lowercase: true
      require_numbers: true
      require_symbols: true
      temporary_password_validity_days: 3
    account_recovery: [verified_email]
    auto_verified_attributes: [email]
    username_attributes: [email]
    admin_create_user_only: true
    deletion_protection: ACTIVE
    user_groups:
      - name: admins
        description: Platform administrators
        precedence: 0
      - name: staff
        precedence: 10
    purge_groups: true
    tags:
      Project: caseapp
      Environment: prod

- name: Delete a protected user pool
  platform_ops.aws.cognito_user_pool:
    name: caseapp-dev-users
    state: absent
    deletion_protection: INACTIVE
"""

RETURN = r"""
user_pool:
  description:
    - The user pool as described by AWS, in snake_case, with its MFA settings, groups and tags.
    - Empty after a deletion.
  returned: always
  type: dict
  contains:
    id:
      description: User pool ID.
      returned: when the pool exists
      type: str
      sample: us-east-1_AbCdEf123
    arn:
      description: User pool ARN.
      returned: when the pool exists
      type: str
    name:
      description: User pool name.
      returned: when the pool exists
      type: str
    mfa_configuration:
      description: MFA mode (from C(GetUserPoolMfaConfig)).
      returned: when the pool exists
      type: str
      sample: "ON"
    software_token_mfa_enabled:
      description: Whether TOTP MFA is enabled.
      returned: when the pool exists
      type: bool
    password_policy:
      description: The password policy.
      returned: when the pool exists
      type: dict
      sample: {"minimum_length": 14, "require_uppercase": true, "temporary_password_validity_days": 3}
    policies:
      description: All pool policies as AWS returns them.
      returned: when the pool exists
      type: dict
    account_recovery_setting:
      description: Account recovery mechanisms.
      returned: when set on the pool
      type: dict
    auto_verified_attributes:
      description: Automatically verified attributes.
      returned: when set on the pool
      type: list
      elements: str
    username_attributes:
      description: Attributes usable as the username.
      returned: when set on the pool
      type: list
      elements: str
    deletion_protection:
      description: Deletion protection (V(ACTIVE) or V(INACTIVE)).
      returned: when the pool exists
      type: str
    admin_create_user_config:
      description: Administrator user creation settings.
      returned: when the pool exists
      type: dict
    groups:
      description: Groups of the pool.
      returned: when the pool exists
      type: list
      elements: dict
      sample: [{"group_name": "admins", "description": "Administrators", "precedence": 0}]
    tags:
      description: Tags of the pool.
      returned: when the pool exists
      type: dict
diff:
  description: The managed settings before and after the change (diff mode, C(--diff)).
  returned: when diff mode is on
  type: dict
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import cognito, cognito_plan

# ---------------------------------------------------------------- validation (before any AWS call)


def validate_params(module):
    error = cognito_plan.user_pool_params_error(module.params)
    if error:
        module.fail_json(msg=error)


# ---------------------------------------------------------------- finding the pool


def find_pool(module, client):
    name = module.params["name"]
    try:
        pools = cognito.find_user_pools_by_name(client, name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to list user pools")
    if len(pools) > 1:
        module.fail_json(msg=cognito_plan.duplicate_pools_message(name, pools))
    return pools[0] if pools else None


def read_pool(module, client, pool_id, with_groups=True):
    try:
        pool = cognito.describe_user_pool(client, pool_id)
        if pool is None:
            return None, None, None
        mfa = cognito.get_user_pool_mfa_config(client, pool_id)
        groups = cognito.list_groups(client, pool_id) if with_groups else []
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read user pool {pool_id}")
    return pool, mfa, groups


# ---------------------------------------------------------------- views (diff and output)


def _group_view(group):
    view = {"name": group["GroupName"]}
    for option, field in cognito_plan.GROUP_FIELDS.items():
        if group.get(field) is not None:
            view[option] = group[field]
    return view


def pool_view(pool, mfa, groups):
    """The settings this module manages, in a stable form (diff before/after)."""
    if not pool:
        return {}
    return {
        "name": pool.get("Name"),
        "mfa_configuration": (mfa or {}).get("MfaConfiguration") or pool.get("MfaConfiguration") or "OFF",
        "software_token_mfa_enabled": cognito_plan.token_enabled(mfa),
        "password_policy": camel_dict_to_snake_dict((pool.get("Policies") or {}).get("PasswordPolicy") or {}),
        "account_recovery": cognito_plan.recovery_names(pool),
        "auto_verified_attributes": sorted(pool.get("AutoVerifiedAttributes") or []),
        "username_attributes": sorted(pool.get("UsernameAttributes") or []),
        "deletion_protection": pool.get("DeletionProtection") or "INACTIVE",
        "admin_create_user_only": bool((pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly")),
        "user_groups": sorted((_group_view(group) for group in groups or []), key=lambda group: group["name"]),
        "tags": dict(pool.get("UserPoolTags") or {}),
    }


def format_pool(pool, mfa, groups):
    if not pool:
        return {}
    out = camel_dict_to_snake_dict(pool, ignore_list=["UserPoolTags"])
    out.pop("user_pool_tags", None)
    out["tags"] = dict(pool.get("UserPoolTags") or {})
    out["mfa_configuration"] = (mfa or {}).get("MfaConfiguration") or pool.get("MfaConfiguration") or "OFF"
    out["software_token_mfa_enabled"] = cognito_plan.token_enabled(mfa)
    out["password_policy"] = camel_dict_to_snake_dict((pool.get("Policies") or {}).get("PasswordPolicy") or {})
    out["deletion_protection"] = pool.get("DeletionProtection") or "INACTIVE"
    out["groups"] = [camel_dict_to_snake_dict(group) for group in sorted(groups or [], key=lambda g: g["GroupName"])]
    return out


# ---------------------------------------------------------------- desired state
# The comparisons (pool_changes, desired_mfa, group_plan, tag_plan, ...) are in module_utils/cognito_plan,
# shared with the identity role's read-once plan (plugins/filter/identity_plan.py).


def mfa_request(client, pool_id, current_mfa, mode, token):
    request = cognito.filter_to_operation_input(client, "SetUserPoolMfaConfig", current_mfa or {})
    if mode == "OFF":
        # "can't turn off MFA and configure an MFA together": send no SMS/email/WebAuthn settings.
        request = {}
    request.update(
        {"UserPoolId": pool_id, "MfaConfiguration": mode, "SoftwareTokenMfaConfiguration": {"Enabled": token}}
    )
    return request


# ---------------------------------------------------------------- present


def create_pool(module, client):
    params = module.params
    request = {"PoolName": params["name"]}
    policy = params["password_policy"]
    if policy:
        merged = dict(cognito_plan.DEFAULT_PASSWORD_POLICY)
        for option, field in cognito_plan.PASSWORD_POLICY_OPTIONS.items():
            if policy.get(option) is not None:
                merged[field] = policy[option]
        request["Policies"] = {"PasswordPolicy": merged}
    if params["deletion_protection"]:
        request["DeletionProtection"] = params["deletion_protection"]
    if params["auto_verified_attributes"] is not None:
        request["AutoVerifiedAttributes"] = list(dict.fromkeys(params["auto_verified_attributes"]))
    if params["username_attributes"] is not None:
        request["UsernameAttributes"] = list(dict.fromkeys(params["username_attributes"]))
    if params["admin_create_user_only"] is not None:
        request["AdminCreateUserConfig"] = {"AllowAdminCreateUserOnly": params["admin_create_user_only"]}
    if params["account_recovery"] is not None:
        request["AccountRecoverySetting"] = cognito_plan.recovery_setting(params["account_recovery"])
    if params["tags"]:
        request["UserPoolTags"] = dict(params["tags"])

    try:
        mode, token = cognito_plan.desired_mfa(params, {})
    except cognito_plan.PlanError as e:
        module.fail_json(msg=str(e))
    set_mfa = params["mfa_configuration"] is not None or params["software_token_mfa_enabled"] is not None
    to_create, _, _ = cognito_plan.group_plan(params, [])

    predicted = dict(request, Name=params["name"])
    predicted.pop("PoolName")
    predicted_mfa = {"MfaConfiguration": mode, "SoftwareTokenMfaConfiguration": {"Enabled": token}}
    result = {"changed": True}
    if module._diff:
        result["diff"] = {"before": {}, "after": pool_view(predicted, predicted_mfa, to_create)}
    if module.check_mode:
        result["user_pool"] = format_pool(predicted, predicted_mfa, to_create)
        module.exit_json(**result)

    try:
        pool, adopted, retried = cognito.create_user_pool(module, client, request)
        pool_id = pool["Id"]
        if adopted:
            module.warn(
                f"CreateUserPool answered {', '.join(retried)}; user pool {pool_id} ({params['name']}) had been "
                "created all the same and is used (not created twice)"
            )
        if set_mfa:
            cognito.set_user_pool_mfa_config(client, mfa_request(client, pool_id, {}, mode, token))
        for group in to_create:
            cognito.create_group(client, dict(group, UserPoolId=pool_id))
    except cognito.DuplicateNamesError as e:
        module.fail_json(
            msg=f"After an error from CreateUserPool, {e}; user pool names are "
            "not unique in AWS. Delete the extra pool so that the name identifies one pool.",
            user_pool_ids=e.ids,
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to create user pool {params['name']}")
    pool, mfa, groups = read_pool(module, client, pool_id)
    result["user_pool"] = format_pool(pool, mfa, groups)
    module.exit_json(**result)


def ensure_present(module, client):
    params = module.params
    summary = find_pool(module, client)
    if summary is None:
        create_pool(module, client)
        return
    pool_id = summary["Id"]
    current, current_mfa, current_groups = read_pool(module, client, pool_id)
    if current is None:
        module.fail_json(msg=f"User pool {pool_id} ({params['name']}) disappeared while it was being read; run again")

    try:
        plan = cognito_plan.user_pool_plan(params, current, current_mfa, current_groups)
    except cognito_plan.PlanError as e:
        module.fail_json(msg=str(e))
    changes = plan["changes"]
    mode, token = plan["mfa"]
    mfa_changed = plan["mfa_changed"]
    to_create, to_update, to_delete = plan["to_create"], plan["to_update"], plan["to_delete"]
    tags_to_set, tags_to_unset = plan["tags_to_set"], plan["tags_to_unset"]
    current_tags = dict(current.get("UserPoolTags") or {})

    changed = plan["changed"]
    result = {"changed": changed}

    predicted = copy.deepcopy(current)
    predicted.update(copy.deepcopy(changes))
    final_tags = {key: value for key, value in current_tags.items() if key not in tags_to_unset}
    final_tags.update(tags_to_set)
    predicted["UserPoolTags"] = final_tags
    predicted_mfa = dict(current_mfa, MfaConfiguration=mode, SoftwareTokenMfaConfiguration={"Enabled": token})
    groups_after = cognito_plan.predicted_groups(current_groups, to_create, to_update, to_delete)
    if module._diff:
        result["diff"] = {
            "before": pool_view(current, current_mfa, current_groups),
            "after": pool_view(predicted, predicted_mfa, groups_after),
        }
    if not changed:
        result["user_pool"] = format_pool(current, current_mfa, current_groups)
        module.exit_json(**result)
    if module.check_mode:
        result["user_pool"] = format_pool(predicted, predicted_mfa, groups_after)
        module.exit_json(**result)

    try:
        if mfa_changed:
            cognito.set_user_pool_mfa_config(client, mfa_request(client, pool_id, current_mfa, mode, token))
        if changes:
            cognito.update_user_pool(client, cognito.user_pool_update_request(client, current, changes, mode))
        for group in to_create:
            cognito.create_group(client, dict(group, UserPoolId=pool_id))
        for group in to_update:
            cognito.update_group(client, dict(group, UserPoolId=pool_id))
        for name in to_delete:
            cognito.delete_group(client, pool_id, name)
        if tags_to_unset:
            cognito.untag_resource(client, current["Arn"], tags_to_unset)
        if tags_to_set:
            cognito.tag_resource(client, current["Arn"], tags_to_set)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to update user pool {pool_id} ({params['name']})")
    pool, mfa, groups = read_pool(module, client, pool_id)
    result["user_pool"] = format_pool(pool, mfa, groups)
    module.exit_json(**result)


# ---------------------------------------------------------------- absent


def ensure_absent(module, client):
    params = module.params
    summary = find_pool(module, client)
    if summary is None:
        module.exit_json(changed=False, user_pool={})
    pool_id = summary["Id"]
    current, current_mfa, current_groups = read_pool(module, client, pool_id, with_groups=module._diff)
    if current is None:
        module.exit_json(changed=False, user_pool={})

    protected = (current.get("DeletionProtection") or "INACTIVE") == "ACTIVE"
    if protected and params["deletion_protection"] != "INACTIVE":
        module.fail_json(
            msg=f"User pool {pool_id} ({params['name']}) has deletion protection ACTIVE; refusing to delete it. "
            "Set deletion_protection: INACTIVE in the same task to turn protection off and delete the pool."
        )
    result = {"changed": True, "user_pool": {}}
    if module._diff:
        result["diff"] = {"before": pool_view(current, current_mfa, current_groups), "after": {}}
    if module.check_mode:
        module.exit_json(**result)
    try:
        if protected:
            mode = current_mfa.get("MfaConfiguration") or "OFF"
            request = cognito.user_pool_update_request(client, current, {"DeletionProtection": "INACTIVE"}, mode)
            cognito.update_user_pool(client, request)
        cognito.delete_user_pool(client, pool_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to delete user pool {pool_id} ({params['name']})")
    module.exit_json(**result)


def main():
    argument_spec = cognito_plan.user_pool_argument_spec()
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("cognito-idp")
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
