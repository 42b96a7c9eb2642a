# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cognito user helpers for platform_ops.aws.cognito_user.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors and
report them with ``module.fail_json_aws``. No function here takes, builds or returns a password:
AdminCreateUser is always called without ``TemporaryPassword`` (Cognito generates it and delivers
it itself), and ``user_output`` copies only a fixed list of fields.
"""

from __future__ import annotations

import re
import unicodedata

try:
    import botocore  # noqa: F401  (imported for the HAS_BOTO3 check of AnsibleAWSModule)
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# From the cognito-idp service model (UserPoolIdType, UsernameType, AttributeNameType, AttributeValueType).
USER_POOL_ID_RE = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")
USER_POOL_ID_MAX = 55
USERNAME_MAX = 128
ATTRIBUTE_NAME_MAX = 32
ATTRIBUTE_VALUE_MAX = 2048
# Unicode categories UsernameType allows: letters, marks, symbols, numbers, punctuation.
USERNAME_CATEGORIES = ("L", "M", "S", "N", "P")
# Attributes Cognito sets itself; AdminCreateUser/AdminUpdateUserAttributes reject them.
READ_ONLY_ATTRIBUTES = ("sub", "identities", "cognito:username", "cognito:user_status", "cognito:mfa_enabled")


# ---------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def admin_get_user(client, pool_id, username):
    """The user (AdminGetUser response), or ``None`` when the pool has no such user."""
    try:
        user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    except is_boto3_error_code("UserNotFoundException"):
        return None
    user.pop("ResponseMetadata", None)
    return user


@AWSRetry.jittered_backoff()
def admin_create_user(client, request):
    """AdminCreateUser; ``request`` never holds a TemporaryPassword (Cognito generates it)."""
    return client.admin_create_user(**request)["User"]


@AWSRetry.jittered_backoff()
def admin_update_user_attributes(client, pool_id, username, attributes):
    client.admin_update_user_attributes(UserPoolId=pool_id, Username=username, UserAttributes=attributes)


@AWSRetry.jittered_backoff()
def admin_list_groups_for_user(client, pool_id, username):
    paginator = client.get_paginator("admin_list_groups_for_user")
    groups = paginator.paginate(UserPoolId=pool_id, Username=username).build_full_result().get("Groups", [])
    return [group["GroupName"] for group in groups]


@AWSRetry.jittered_backoff()
def list_group_names(client, pool_id):
    paginator = client.get_paginator("list_groups")
    groups = paginator.paginate(UserPoolId=pool_id).build_full_result().get("Groups", [])
    return [group["GroupName"] for group in groups]


@AWSRetry.jittered_backoff()
def admin_add_user_to_group(client, pool_id, username, group):
    client.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)


@AWSRetry.jittered_backoff()
def admin_remove_user_from_group(client, pool_id, username, group):
    client.admin_remove_user_from_group(UserPoolId=pool_id, Username=username, GroupName=group)


@AWSRetry.jittered_backoff()
def admin_delete_user(client, pool_id, username):
    client.admin_delete_user(UserPoolId=pool_id, Username=username)


# ---------------------------------------------------------------- validation (no AWS calls)


def user_pool_id_problem(pool_id):
    """Why ``pool_id`` cannot be a user pool ID, or ``None``."""
    if not pool_id or len(pool_id) > USER_POOL_ID_MAX or not USER_POOL_ID_RE.match(pool_id):
        return f"user_pool_id '{pool_id}' is not a user pool ID (like us-east-1_AbCdEf123)"
    return None


def username_problem(username):
    """Why Cognito would reject ``username`` (UsernameType), or ``None``."""
    if not username:
        return "username must not be empty"
    if len(username) > USERNAME_MAX:
        return f"username is {len(username)} characters long; Cognito allows at most {USERNAME_MAX}"
    bad = sorted({char for char in username if unicodedata.category(char)[0] not in USERNAME_CATEGORIES})
    if bad:
        shown = ", ".join(repr(char) for char in bad)
        return (
            f"username '{username}' contains characters Cognito does not allow ({shown}); "
            "use letters, digits, symbols and punctuation, no spaces"
        )
    return None


def attribute_value(value):
    """Cognito attribute values are strings; booleans become ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attributes_problem(attributes):
    """Why ``attributes`` ({name: value}) cannot be sent to Cognito, or ``None``."""
    for name, value in (attributes or {}).items():
        if not name or len(name) > ATTRIBUTE_NAME_MAX or name != name.strip():
            return f"attributes: '{name}' is not a valid attribute name (1 to {ATTRIBUTE_NAME_MAX} characters)"
        if name in READ_ONLY_ATTRIBUTES:
            return f"attributes: '{name}' is set by Cognito and cannot be changed"
        if value is None:
            return f"attributes: '{name}' needs a value"
        if len(attribute_value(value)) > ATTRIBUTE_VALUE_MAX:
            return f"attributes: the value of '{name}' is longer than {ATTRIBUTE_VALUE_MAX} characters"
    return None


# ---------------------------------------------------------------- comparing and output


def attributes_dict(user):
    """``{name: value}`` of a user (AdminGetUser has UserAttributes, AdminCreateUser Attributes)."""
    items = user.get("UserAttributes")
    if items is None:
        items = user.get("Attributes") or []
    return {item["Name"]: item.get("Value", "") for item in items}


def attribute_changes(current, wanted):
    """The ``[{Name, Value}]`` of ``wanted`` whose value differs from ``current`` (never others)."""
    return [{"Name": name, "Value": value} for name, value in sorted(wanted.items()) if current.get(name) != value]


def user_output(user, groups, pool_id):
    """The user as the module returns it: a fixed set of fields, never a password."""
    return {
        "username": user.get("Username"),
        "user_pool_id": pool_id,
        "status": user.get("UserStatus"),
        "enabled": user.get("Enabled"),
        "attributes": attributes_dict(user),
        "groups": sorted(groups),
        "create_date": _iso(user.get("UserCreateDate")),
        "last_modified_date": _iso(user.get("UserLastModifiedDate")),
        "mfa_settings": list(user.get("UserMFASettingList") or []),
    }


def _iso(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def diff_view(attributes, groups):
    return {"attributes": dict(sorted(attributes.items())), "groups": sorted(groups)}
