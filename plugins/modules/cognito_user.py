#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cognito_user
short_description: Manage a user of an Amazon Cognito user pool, with Cognito-generated temporary passwords
version_added: 0.1.0
description:
  - Ensures a user exists in (or is absent from) a Cognito user pool, with the attributes and group
    memberships the task sets.
  - A missing user is created with C(AdminCreateUser) without a password. Cognito generates the temporary
    password itself and delivers it through O(desired_delivery_mediums) in the invitation message, so no
    password ever passes through Ansible; this module has no password option and never returns one.
  - At first sign-in the user must choose a new password and, in a pool that requires MFA (as the
    platform's pool does), set up an authenticator app (TOTP) before the sign-in completes.
  - An existing user is never recreated. Only the attributes named in O(attributes) are compared and
    updated (C(AdminUpdateUserAttributes)); other attributes are left as they are.
  - The user is added to the groups in O(groups) that it is not in yet; other groups are left unless
    O(purge_groups=true).
author: Platform Ops Maintainers (@platform-ops)
options:
  user_pool_id:
    description:
      - ID of the user pool, e.g. C(us-east-1_AbCdEf123).
    required: true
    type: str
  username:
    description:
      - The user's name. In a pool whose users sign in with their email address (C(UsernameAttributes)
        includes C(email)) this is the email address; Cognito then keeps a generated ID as the user's
        internal name, returned as RV(user.username).
      - At most 128 characters; letters, digits, symbols and punctuation, no spaces.
    required: true
    type: str
  state:
    description:
      - Whether the user should exist. V(absent) deletes the user (C(AdminDeleteUser)).
    choices: ["present", "absent"]
    default: present
    type: str
  attributes:
    description:
      - User attributes to set, name to value, e.g. C(email), C(email_verified), C(given_name), C(custom:team).
      - Values are sent as strings; booleans become C(true)/C(false).
      - Attributes not named here are never changed or removed.
    type: dict
  groups:
    description:
      - Groups of the pool the user must belong to. Every group must exist in the pool.
    type: list
    elements: str
  purge_groups:
    description:
      - Remove the user from groups not listed in O(groups).
      - Ignored when O(groups) is not set.
    type: bool
    default: false
  desired_delivery_mediums:
    description:
      - How Cognito delivers the invitation with the temporary password when it creates the user
        (or resends it with O(message_action=RESEND)).
      - V(SMS) needs a C(phone_number) attribute, V(EMAIL) an C(email) attribute (or an email address as O(username)).
    type: list
    elements: str
    choices: ["EMAIL", "SMS"]
    default: ["EMAIL"]
  message_action:
    description:
      - Leave unset to have Cognito send the invitation when it creates the user.
      - V(SUPPRESS) creates the user without sending an invitation.
      - V(RESEND) sends the invitation again, with a new temporary password, to an existing user who has
        not signed in yet (status C(FORCE_CHANGE_PASSWORD)), e.g. after the temporary password expired.
        This reports RV(ignore:changed=true) each time it resends; for a user who has already signed in
        nothing is sent and a warning says so. A missing user is created (and invited) as usual.
    type: str
    choices: ["SUPPRESS", "RESEND"]
notes:
  - In a pool that uses the email address as username, changing the C(email) attribute changes the
    O(username) later runs must use.
  - A no-op run makes two API calls (C(AdminGetUser), C(AdminListGroupsForUser)).
  - Cognito's invitation message and the temporary password's validity are settings of the user pool
    (C(AdminCreateUserConfig), C(TemporaryPasswordValidityDays)), see M(platform_ops.aws.cognito_user_pool).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the first administrator exists and is in the admins group
  platform_ops.aws.cognito_user:
    user_pool_id: "{{ platform_identity.user_pool_id }}"
    username: alice@example.org
    attributes:
      email: alice@example.org
      email_verified: true
    groups: [admins]
  register: admin_user

- name: Send the invitation again after the temporary password expired
  platform_ops.aws.cognito_user:
    user_pool_id: "{{ platform_identity.user_pool_id }}"
    username: alice@example.org
    message_action: RESEND

- name: Ensure bob is only in the staff group
  platform_ops.aws.cognito_user:
    user_pool_id: "{{ platform_identity.user_pool_id }}"
    username: bob@example.org
    groups: [staff]
    purge_groups: true

- name: Ensure a departed user is gone
  platform_ops.aws.cognito_user:
    user_pool_id: "{{ platform_identity.user_pool_id }}"
    username: carol@example.org
    state: absent
"""

RETURN = r"""
user:
  description:
    - The user after the run; never holds a password.
    - In check mode, for a user that would be created, only what the task set (no RV(user.status)).
  returned: when O(state=present)
  type: dict
  contains:
    username:
      description: The user's name in Cognito (a generated ID in pools that use the email address as username).
      type: str
      sample: 3f1c2a9e-8b7d-4c1e-9a51-0d2f4b6e8c11
    user_pool_id:
      description: ID of the user pool.
      type: str
      sample: us-east-1_AbCdEf123
    status:
      description: C(UserStatus), e.g. C(FORCE_CHANGE_PASSWORD) until the first sign-in, then C(CONFIRMED).
      type: str
      sample: FORCE_CHANGE_PASSWORD
    enabled:
      description: Whether the user is enabled.
      type: bool
      sample: true
    attributes:
      description: All attributes of the user, name to value.
      type: dict
      sample: {"email": "alice@example.org", "email_verified": "true", "sub": "3f1c2a9e-8b7d-4c1e-9a51-0d2f4b6e8c11"}
    groups:
      description: Names of the groups the user belongs to, sorted.
      type: list
      elements: str
      sample: ["admins"]
    create_date:
      description: When the user was created (ISO 8601).
      type: str
      sample: "2026-11-23T10:15:00+00:00"
    last_modified_date:
      description: When the user was last modified (ISO 8601).
      type: str
      sample: "2026-11-23T10:15:00+00:00"
    mfa_settings:
      description: MFA methods the user has set up (empty until the first sign-in sets one up).
      type: list
      elements: str
      sample: ["SOFTWARE_TOKEN_MFA"]
invited:
  description: Whether Cognito was asked to send an invitation with a temporary password in this run.
  returned: always
  type: bool
  sample: true
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    BotoCoreError = ClientError = None  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.cognito_users import (
    admin_add_user_to_group,
    admin_create_user,
    admin_delete_user,
    admin_get_user,
    admin_list_groups_for_user,
    admin_remove_user_from_group,
    admin_update_user_attributes,
    attribute_changes,
    attribute_value,
    attributes_dict,
    attributes_problem,
    diff_view,
    list_group_names,
    user_output,
    user_pool_id_problem,
    username_problem,
)

BOTO_ERRORS = (BotoCoreError, ClientError)


def validate_params(module):
    """Everything that can be checked without AWS, before any call."""
    params = module.params
    for problem in (
        user_pool_id_problem(params["user_pool_id"]),
        username_problem(params["username"]),
        attributes_problem(params["attributes"]) if params["state"] == "present" else None,
    ):
        if problem:
            module.fail_json(msg=problem)
    if params["state"] == "present":
        if params["desired_delivery_mediums"] is not None and not params["desired_delivery_mediums"]:
            module.fail_json(msg="desired_delivery_mediums must name at least one of EMAIL, SMS")
        for group in params["groups"] or []:
            if not group or not group.strip() or len(group) > 128:
                module.fail_json(msg=f"groups: '{group}' is not a valid group name (1 to 128 characters)")


def wanted_attributes(params):
    return {str(name): attribute_value(value) for name, value in (params["attributes"] or {}).items()}


def get_user(module, client):
    pool_id, username = module.params["user_pool_id"], module.params["username"]
    try:
        return admin_get_user(client, pool_id, username)
    except is_boto3_error_code("ResourceNotFoundException") as e:
        module.fail_json_aws(e, msg=f"User pool {pool_id} not found")
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read user {username} of user pool {pool_id}")


def get_groups(module, client, username):
    pool_id = module.params["user_pool_id"]
    try:
        return admin_list_groups_for_user(client, pool_id, username)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the groups of user {username} in user pool {pool_id}")


def check_groups_exist(module, client, groups):
    """Fail before any change when a group to join does not exist in the pool."""
    if not groups:
        return
    pool_id = module.params["user_pool_id"]
    try:
        existing = set(list_group_names(client, pool_id))
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to list the groups of user pool {pool_id}")
    missing = sorted(set(groups) - existing)
    if missing:
        module.fail_json(
            msg=f"groups: {', '.join(missing)} not found in user pool {pool_id} "
            f"(groups: {', '.join(sorted(existing)) or 'none'})"
        )


def create_request(params, attributes):
    """AdminCreateUser request. There is deliberately no TemporaryPassword: Cognito generates one."""
    request = {
        "UserPoolId": params["user_pool_id"],
        "Username": params["username"],
        "DesiredDeliveryMediums": list(dict.fromkeys(params["desired_delivery_mediums"] or ["EMAIL"])),
    }
    if attributes:
        request["UserAttributes"] = [{"Name": name, "Value": value} for name, value in sorted(attributes.items())]
    if params["message_action"] == "SUPPRESS":
        request["MessageAction"] = "SUPPRESS"
    return request


def ensure_present(module, client):
    params = module.params
    pool_id, username = params["user_pool_id"], params["username"]
    wanted = wanted_attributes(params)
    wanted_groups = list(dict.fromkeys(params["groups"] or []))

    user = get_user(module, client)
    if user is None:
        before = {}
        after = diff_view(wanted, wanted_groups)
        check_groups_exist(module, client, wanted_groups)
        invited = params["message_action"] != "SUPPRESS"
        if module.check_mode:
            planned = {
                "username": username,
                "user_pool_id": pool_id,
                "enabled": True,
                "attributes": wanted,
                "groups": sorted(wanted_groups),
            }
            module.exit_json(changed=True, user=planned, invited=invited, **_diff(module, before, after))
        try:
            created = admin_create_user(client, create_request(params, wanted))
        except is_boto3_error_code("ResourceNotFoundException") as e:
            module.fail_json_aws(e, msg=f"User pool {pool_id} not found")
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to create user {username} in user pool {pool_id}")
        internal = created.get("Username") or username
        for group in wanted_groups:
            _add_to_group(module, client, internal, group)
        result_user = _read_back(module, client, internal)
        module.exit_json(changed=True, user=result_user, invited=invited, **_diff(module, before, after))

    internal = user["Username"]
    current_attributes = attributes_dict(user)
    current_groups = get_groups(module, client, internal)
    changes = attribute_changes(current_attributes, wanted)
    to_add = [group for group in wanted_groups if group not in current_groups]
    to_remove = (
        sorted(group for group in current_groups if group not in wanted_groups)
        if params["groups"] is not None and params["purge_groups"]
        else []
    )
    resend = params["message_action"] == "RESEND" and user.get("UserStatus") == "FORCE_CHANGE_PASSWORD"
    if params["message_action"] == "RESEND" and not resend:
        module.warn(
            f"message_action=RESEND ignored: user {username} has status {user.get('UserStatus')}; "
            "Cognito resends invitations only to users who have not signed in yet (FORCE_CHANGE_PASSWORD)"
        )
    changed = bool(changes or to_add or to_remove or resend)

    after_attributes = dict(current_attributes, **{item["Name"]: item["Value"] for item in changes})
    after_groups = sorted((set(current_groups) | set(to_add)) - set(to_remove))
    diff = _diff(module, diff_view(current_attributes, current_groups), diff_view(after_attributes, after_groups))
    if to_add:
        check_groups_exist(module, client, to_add)
    if not changed:
        module.exit_json(changed=False, user=user_output(user, current_groups, pool_id), invited=False, **diff)
    if module.check_mode:
        planned = user_output(user, after_groups, pool_id)
        planned["attributes"] = after_attributes
        module.exit_json(changed=True, user=planned, invited=resend, **diff)

    if changes:
        try:
            admin_update_user_attributes(client, pool_id, internal, changes)
        except BOTO_ERRORS as e:
            module.fail_json_aws(
                e, msg=f"Failed to update attributes {', '.join(c['Name'] for c in changes)} of user {username}"
            )
    for group in to_add:
        _add_to_group(module, client, internal, group)
    for group in to_remove:
        try:
            admin_remove_user_from_group(client, pool_id, internal, group)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to remove user {username} from group {group}")
    if resend:
        request = create_request(params, {})
        request["MessageAction"] = "RESEND"
        try:
            admin_create_user(client, request)
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to resend the invitation of user {username}")
    module.exit_json(changed=True, user=_read_back(module, client, internal), invited=resend, **diff)


def _add_to_group(module, client, username, group):
    pool_id = module.params["user_pool_id"]
    try:
        admin_add_user_to_group(client, pool_id, username, group)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to add user {module.params['username']} to group {group}")


def _read_back(module, client, internal):
    pool_id = module.params["user_pool_id"]
    try:
        user = admin_get_user(client, pool_id, internal)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to read user {module.params['username']} back")
    if user is None:
        module.fail_json(msg=f"User {module.params['username']} vanished from user pool {pool_id} during the run")
    return user_output(user, get_groups(module, client, internal), pool_id)


def ensure_absent(module, client):
    params = module.params
    pool_id, username = params["user_pool_id"], params["username"]
    user = get_user(module, client)
    if user is None:
        module.exit_json(changed=False, invited=False, **_diff(module, {}, {}))
    before = diff_view(attributes_dict(user), get_groups(module, client, user["Username"]) if module._diff else [])
    if not module.check_mode:
        try:
            admin_delete_user(client, pool_id, user["Username"])
        except is_boto3_error_code("UserNotFoundException"):
            module.exit_json(changed=False, invited=False, **_diff(module, {}, {}))
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to delete user {username} from user pool {pool_id}")
    module.exit_json(changed=True, invited=False, **_diff(module, before, {}))


def _diff(module, before, after):
    return {"diff": {"before": before, "after": after}} if module._diff else {}


def main():
    argument_spec = dict(
        user_pool_id=dict(type="str", required=True),
        username=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        attributes=dict(type="dict"),
        groups=dict(type="list", elements="str"),
        purge_groups=dict(type="bool", default=False),
        desired_delivery_mediums=dict(type="list", elements="str", choices=["EMAIL", "SMS"], default=["EMAIL"]),
        message_action=dict(type="str", choices=["SUPPRESS", "RESEND"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("cognito-idp")
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
