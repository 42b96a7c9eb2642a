# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What platform_ops.aws.cognito_user_pool and platform_ops.aws.cognito_user_pool_client would change, without
AWS calls: the modules' argument specs, their input checks and their comparisons of the task with what AWS
answered. The modules decide ``changed`` with these functions, and so does the read-once plan of the identity
role (plugins/filter/identity_plan.py, from raw aws_read answers), so the two cannot drift apart.

A check that makes a module fail raises ``PlanError`` with the module's message (the module passes it to
``fail_json``; the plan reports it as a reason to run the module).
"""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.platform_ops.aws.plugins.module_utils.common import plain_data

# What CreateUserPool applies when no password policy is given; used to complete a partial
# password_policy on create (the API treats an omitted Require* flag of a given policy as false).
DEFAULT_PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 7,
}

PASSWORD_POLICY_OPTIONS = {
    "minimum_length": "MinimumLength",
    "require_uppercase": "RequireUppercase",
    "require_lowercase": "RequireLowercase",
    "require_numbers": "RequireNumbers",
    "require_symbols": "RequireSymbols",
    "temporary_password_validity_days": "TemporaryPasswordValidityDays",
}

# Default token validity units of an app client, as AWS applies them when none are set.
DEFAULT_TOKEN_VALIDITY_UNITS = {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"}
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# (min, max) in seconds, from the CreateUserPoolClient documentation.
TOKEN_VALIDITY_LIMITS = {
    "AccessToken": (5 * 60, 86400),
    "IdToken": (5 * 60, 86400),
    "RefreshToken": (60 * 60, 3650 * 86400),
}
TOKEN_VALIDITY_FIELDS = {
    "AccessToken": "AccessTokenValidity",
    "IdToken": "IdTokenValidity",
    "RefreshToken": "RefreshTokenValidity",
}

GROUP_FIELDS = {"description": "Description", "precedence": "Precedence", "role_arn": "RoleArn"}

LIST_OPTIONS = {
    "explicit_auth_flows": "ExplicitAuthFlows",
    "allowed_oauth_flows": "AllowedOAuthFlows",
    "allowed_oauth_scopes": "AllowedOAuthScopes",
    "callback_urls": "CallbackURLs",
    "logout_urls": "LogoutURLs",
    "supported_identity_providers": "SupportedIdentityProviders",
}
SCALAR_OPTIONS = {
    "access_token_validity": "AccessTokenValidity",
    "id_token_validity": "IdTokenValidity",
    "refresh_token_validity": "RefreshTokenValidity",
    "prevent_user_existence_errors": "PreventUserExistenceErrors",
    "enable_token_revocation": "EnableTokenRevocation",
    "allowed_oauth_flows_user_pool_client": "AllowedOAuthFlowsUserPoolClient",
}
UNIT_OPTIONS = {"access_token": "AccessToken", "id_token": "IdToken", "refresh_token": "RefreshToken"}
VALIDITY_OPTIONS = {
    "AccessToken": "access_token_validity",
    "IdToken": "id_token_validity",
    "RefreshToken": "refresh_token_validity",
}
TOKEN_UNITS = ["seconds", "minutes", "hours", "days"]
EXPLICIT_AUTH_FLOWS = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
]


class PlanError(ValueError):
    """The module would fail (before or instead of a change) with this message."""


# ---------------------------------------------------------------- argument specs


def user_pool_argument_spec():
    """The options of platform_ops.aws.cognito_user_pool (AnsibleAWSModule adds the connection options)."""
    return dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        mfa_configuration=dict(type="str", choices=["OFF", "ON", "OPTIONAL"]),
        software_token_mfa_enabled=dict(type="bool"),
        password_policy=dict(
            type="dict",
            no_log=False,
            options=dict(
                minimum_length=dict(type="int"),
                require_uppercase=dict(type="bool"),
                require_lowercase=dict(type="bool"),
                require_numbers=dict(type="bool"),
                require_symbols=dict(type="bool"),
                temporary_password_validity_days=dict(type="int", no_log=False),
            ),
        ),
        account_recovery=dict(
            type="list", elements="str", choices=["verified_email", "verified_phone_number", "admin_only"]
        ),
        auto_verified_attributes=dict(type="list", elements="str", choices=["email", "phone_number"]),
        username_attributes=dict(type="list", elements="str", choices=["email", "phone_number"]),
        deletion_protection=dict(type="str", choices=["ACTIVE", "INACTIVE"]),
        admin_create_user_only=dict(type="bool"),
        user_groups=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str"),
                precedence=dict(type="int"),
                role_arn=dict(type="str"),
            ),
        ),
        purge_groups=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )


def user_pool_client_argument_spec():
    """The options of platform_ops.aws.cognito_user_pool_client (AnsibleAWSModule adds the connection options)."""
    return dict(
        user_pool_id=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["client_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        generate_secret=dict(type="bool"),
        explicit_auth_flows=dict(type="list", elements="str", choices=list(EXPLICIT_AUTH_FLOWS)),
        access_token_validity=dict(type="int", no_log=False),
        id_token_validity=dict(type="int", no_log=False),
        refresh_token_validity=dict(type="int", no_log=False),
        token_validity_units=dict(
            type="dict",
            no_log=False,
            options=dict(
                access_token=dict(type="str", choices=list(TOKEN_UNITS)),
                id_token=dict(type="str", choices=list(TOKEN_UNITS)),
                refresh_token=dict(type="str", choices=list(TOKEN_UNITS)),
            ),
        ),
        allowed_oauth_flows=dict(type="list", elements="str", choices=["code", "implicit", "client_credentials"]),
        allowed_oauth_scopes=dict(type="list", elements="str"),
        allowed_oauth_flows_user_pool_client=dict(type="bool"),
        callback_urls=dict(type="list", elements="str"),
        logout_urls=dict(type="list", elements="str"),
        supported_identity_providers=dict(type="list", elements="str"),
        prevent_user_existence_errors=dict(type="str", choices=["ENABLED", "LEGACY"]),
        enable_token_revocation=dict(type="bool"),
    )


def module_params(argument_spec, args):
    """``args`` (a task's module arguments) as the module sees them in ``module.params``: types converted,
    defaults and aliases applied, every option present. Raises PlanError with the validation messages."""
    result = ArgumentSpecValidator(argument_spec).validate(plain_data(args or {}))
    if result.error_messages:
        raise PlanError("; ".join(result.error_messages))
    return result.validated_parameters


# ---------------------------------------------------------------- user pool: input checks


def user_pool_params_error(params):
    """The message cognito_user_pool fails with before any AWS call, None when the options are valid."""
    policy = params["password_policy"] or {}
    length = policy.get("minimum_length")
    if length is not None and not 8 <= length <= 99:
        return f"password_policy.minimum_length must be between 8 and 99, got {length}"
    days = policy.get("temporary_password_validity_days")
    if days is not None and not 0 <= days <= 365:
        return f"password_policy.temporary_password_validity_days must be between 0 and 365, got {days}"
    recovery = params["account_recovery"]
    if recovery is not None:
        if not recovery:
            return "account_recovery needs at least one mechanism"
        if len(set(recovery)) != len(recovery):
            return f"account_recovery lists a mechanism twice: {recovery}"
        if len(recovery) > 2:
            return f"account_recovery takes at most two mechanisms, got {recovery}"
        if "admin_only" in recovery and len(recovery) > 1:
            return "account_recovery: admin_only cannot be combined with another mechanism"
    groups = params["user_groups"]
    if groups is not None:
        names = [group["name"] for group in groups]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            return f"user_groups lists these group names more than once: {', '.join(duplicates)}"
        for group in groups:
            if not group["name"]:
                return "user_groups: every group needs a non-empty name"
            if group.get("precedence") is not None and group["precedence"] < 0:
                return f"user_groups: precedence of group {group['name']} must be 0 or more"
    return None


# ---------------------------------------------------------------- user pool: finding it


def pools_named(pools, name):
    """The ListUserPools summaries whose name is exactly ``name`` (AWS does not keep names unique)."""
    return [pool for pool in pools or [] if pool.get("Name") == name]


def duplicate_pools_message(name, pools):
    ids = ", ".join(sorted(pool["Id"] for pool in pools))
    return (
        f"{len(pools)} user pools are named {name!r} ({ids}); user pool names are not unique in AWS. "
        "Rename or delete the extra pools so that the name identifies one pool."
    )


# ---------------------------------------------------------------- user pool: current state


def token_enabled(mfa):
    """Whether TOTP (software token) MFA is enabled, from a GetUserPoolMfaConfig answer."""
    return bool(((mfa or {}).get("SoftwareTokenMfaConfiguration") or {}).get("Enabled"))


def recovery_names(pool):
    """The pool's account recovery mechanisms, in priority order."""
    mechanisms = (pool.get("AccountRecoverySetting") or {}).get("RecoveryMechanisms") or []
    return [item["Name"] for item in sorted(mechanisms, key=lambda item: item.get("Priority", 0))]


def recovery_setting(names):
    return {"RecoveryMechanisms": [{"Priority": index + 1, "Name": name} for index, name in enumerate(names)]}


# ---------------------------------------------------------------- user pool: desired state


def username_attributes_error(params, current):
    """The message the module fails with when username_attributes differ on an existing pool (create-only)."""
    wanted = params["username_attributes"]
    have = sorted(current.get("UsernameAttributes") or [])
    if wanted is not None and sorted(set(wanted)) != have:
        return (
            f"username_attributes can only be set when a user pool is created: pool {current.get('Id')} has "
            f"{have}, the task asks for {sorted(set(wanted))}"
        )
    return None


def pool_changes(params, current):
    """Top-level UpdateUserPool fields whose value must change (already merged with current)."""
    changes = {}
    policy = params["password_policy"]
    if policy:
        current_policies = current.get("Policies") or {}
        current_policy = current_policies.get("PasswordPolicy") or {}
        merged = dict(current_policy)
        for option, field in PASSWORD_POLICY_OPTIONS.items():
            if policy.get(option) is not None:
                merged[field] = policy[option]
        if merged != current_policy:
            changes["Policies"] = dict(current_policies, PasswordPolicy=merged)
    if params["deletion_protection"] and params["deletion_protection"] != (
        current.get("DeletionProtection") or "INACTIVE"
    ):
        changes["DeletionProtection"] = params["deletion_protection"]
    verified = params["auto_verified_attributes"]
    if verified is not None and sorted(set(verified)) != sorted(current.get("AutoVerifiedAttributes") or []):
        changes["AutoVerifiedAttributes"] = list(dict.fromkeys(verified))
    admin_only = params["admin_create_user_only"]
    admin_config = current.get("AdminCreateUserConfig") or {}
    if admin_only is not None and admin_only != bool(admin_config.get("AllowAdminCreateUserOnly")):
        changes["AdminCreateUserConfig"] = dict(admin_config, AllowAdminCreateUserOnly=admin_only)
    recovery = params["account_recovery"]
    if recovery is not None and recovery != recovery_names(current):
        changes["AccountRecoverySetting"] = recovery_setting(recovery)
    return changes


def desired_mfa(params, current_mfa):
    """(MfaConfiguration, SoftwareTokenMfaConfiguration.Enabled) after this run; PlanError without a method."""
    mode = params["mfa_configuration"] or (current_mfa or {}).get("MfaConfiguration") or "OFF"
    token = params["software_token_mfa_enabled"]
    if token is None:
        token = token_enabled(current_mfa)
    other_method = any((current_mfa or {}).get(key) for key in ("SmsMfaConfiguration", "EmailMfaConfiguration"))
    if mode in ("ON", "OPTIONAL") and not token and not other_method:
        raise PlanError(
            f"mfa_configuration={mode} needs an MFA method: set software_token_mfa_enabled: true "
            "(SMS and email MFA are not managed by this module)"
        )
    return mode, token


def mfa_differs(current_mfa, mode, token):
    current_mfa = current_mfa or {}
    return mode != (current_mfa.get("MfaConfiguration") or "OFF") or token != token_enabled(current_mfa)


def group_plan(params, current_groups):
    """(to_create, to_update, to_delete) as API requests / names."""
    desired = params["user_groups"]
    if desired is None:
        return [], [], []
    current = {group["GroupName"]: group for group in current_groups or []}
    to_create, to_update = [], []
    for group in desired:
        request = {"GroupName": group["name"]}
        for option, field in GROUP_FIELDS.items():
            if group.get(option) is not None:
                request[field] = group[option]
        existing = current.get(group["name"])
        if existing is None:
            to_create.append(request)
            continue
        if any(existing.get(field) != value for field, value in request.items()):
            # UpdateGroup may reset what it is not given: send the current values of the rest.
            merged = {field: existing[field] for field in GROUP_FIELDS.values() if existing.get(field) is not None}
            merged.update(request)
            to_update.append(merged)
    to_delete = []
    if params["purge_groups"]:
        wanted = {group["name"] for group in desired}
        to_delete = sorted(name for name in current if name not in wanted)
    return to_create, to_update, to_delete


def predicted_groups(current_groups, to_create, to_update, to_delete):
    groups = {group["GroupName"]: dict(group) for group in current_groups or []}
    for request in to_create + to_update:
        groups.setdefault(request["GroupName"], {}).update(request)
    for name in to_delete:
        groups.pop(name, None)
    return list(groups.values())


def tag_plan(params, current_tags):
    """(tags to set, tag keys to remove), as amazon.aws compare_aws_tags answers them; none without ``tags``."""
    if params["tags"] is None:
        return {}, []
    return compare_aws_tags(dict(current_tags or {}), params["tags"], params["purge_tags"])


def user_pool_plan(params, current, current_mfa, current_groups):
    """What cognito_user_pool (state=present) changes on the existing pool ``current`` (a DescribeUserPool
    ``UserPool``), with its GetUserPoolMfaConfig answer and its groups (ListGroups ``Groups``).

    A dict: ``changes`` (UpdateUserPool fields), ``mfa`` ((mode, token) after the run), ``mfa_changed``,
    ``to_create``/``to_update``/``to_delete`` (groups), ``tags_to_set``/``tags_to_unset`` and ``changed``.
    Raises PlanError when the module would fail."""
    error = username_attributes_error(params, current)
    if error:
        raise PlanError(error)
    changes = pool_changes(params, current)
    mode, token = desired_mfa(params, current_mfa)
    mfa_changed = mfa_differs(current_mfa, mode, token)
    to_create, to_update, to_delete = group_plan(params, current_groups)
    tags_to_set, tags_to_unset = tag_plan(params, current.get("UserPoolTags"))
    return {
        "changes": changes,
        "mfa": (mode, token),
        "mfa_changed": mfa_changed,
        "to_create": to_create,
        "to_update": to_update,
        "to_delete": to_delete,
        "tags_to_set": tags_to_set,
        "tags_to_unset": tags_to_unset,
        "changed": bool(changes or mfa_changed or to_create or to_update or to_delete or tags_to_set or tags_to_unset),
    }


# ---------------------------------------------------------------- app client: input checks


def user_pool_client_params_error(params):
    """The message cognito_user_pool_client fails with before any AWS call, None when the options are valid."""
    for option in ("access_token_validity", "id_token_validity", "refresh_token_validity"):
        if params[option] is not None and params[option] <= 0:
            return f"{option} must be a positive number, got {params[option]}"
    flows = params["allowed_oauth_flows"] or []
    if "client_credentials" in flows and len(set(flows)) > 1:
        return "allowed_oauth_flows: client_credentials cannot be combined with code or implicit"
    if not params["name"]:
        return "name must not be empty"
    return None


def token_validity_error(params, client_state):
    """The validities the task sets, checked against the AWS limits in their effective units: the message the
    module fails with, None when they are in range."""
    units = dict(DEFAULT_TOKEN_VALIDITY_UNITS, **(client_state.get("TokenValidityUnits") or {}))
    given_units = params["token_validity_units"] or {}
    for unit_option, token in UNIT_OPTIONS.items():
        field = TOKEN_VALIDITY_FIELDS[token]
        option = VALIDITY_OPTIONS[token]
        if params[option] is None and given_units.get(unit_option) is None:
            continue
        value = client_state.get(field)
        if value is None:
            continue
        seconds = value * UNIT_SECONDS[units[token]]
        low, high = TOKEN_VALIDITY_LIMITS[token]
        if not low <= seconds <= high:
            return (
                f"{option}={value} {units[token]} is outside the range AWS allows for the {token} "
                f"({low // 60} minutes to {high // 86400} days)"
            )
    return None


# ---------------------------------------------------------------- app client: finding it


def clients_named(clients, name):
    """The ListUserPoolClients summaries whose name is exactly ``name``."""
    return [item for item in clients or [] if item.get("ClientName") == name]


def duplicate_clients_message(pool_id, name, matches):
    ids = ", ".join(sorted(item["ClientId"] for item in matches))
    return (
        f"{len(matches)} app clients of user pool {pool_id} are named {name!r} ({ids}); "
        "delete or rename the extra clients so that the name identifies one client."
    )


# ---------------------------------------------------------------- app client: desired state


def _same_list(current, desired):
    return sorted(set(current or [])) == sorted(set(desired or []))


def client_changes(params, current):
    """Top-level UpdateUserPoolClient fields whose value must change."""
    changes = {}
    for option, field in LIST_OPTIONS.items():
        desired = params[option]
        if desired is not None and not _same_list(current.get(field), desired):
            changes[field] = list(dict.fromkeys(desired))
    wanted = dict((option, params[option]) for option in SCALAR_OPTIONS)
    if wanted["allowed_oauth_flows_user_pool_client"] is None and params["allowed_oauth_flows"] is not None:
        wanted["allowed_oauth_flows_user_pool_client"] = bool(params["allowed_oauth_flows"])
    for option, field in SCALAR_OPTIONS.items():
        desired = wanted[option]
        if desired is None:
            continue
        current_value = current.get(field)
        if field == "AllowedOAuthFlowsUserPoolClient":
            current_value = bool(current_value)
        if desired != current_value:
            changes[field] = desired
    units = params["token_validity_units"] or {}
    given = {field: units[option] for option, field in UNIT_OPTIONS.items() if units.get(option)}
    if given:
        effective = dict(DEFAULT_TOKEN_VALIDITY_UNITS, **(current.get("TokenValidityUnits") or {}))
        merged = dict(effective, **given)
        if merged != effective:
            changes["TokenValidityUnits"] = merged
    return changes


def has_client_secret(app_client):
    """Whether a DescribeUserPoolClient ``UserPoolClient`` (or one with its secret stripped) has a secret."""
    app_client = app_client or {}
    return bool(app_client.get("ClientSecret")) or bool(app_client.get("HasClientSecret"))


def user_pool_client_plan(params, current):
    """What cognito_user_pool_client (state=present) changes on the existing client ``current`` (a
    DescribeUserPoolClient ``UserPoolClient``): ``(changes, predicted)``, the UpdateUserPoolClient fields
    that differ and the client after the update. Raises PlanError when the module would fail."""
    has_secret = has_client_secret(current)
    if params["generate_secret"] is not None and params["generate_secret"] != has_secret:
        raise PlanError(
            f"generate_secret cannot be changed on an existing app client: client {params['name']} "
            f"({current['ClientId']}) {'has' if has_secret else 'has no'} secret and the task sets "
            f"generate_secret={params['generate_secret']}. Delete the client (state=absent) and create it again."
        )
    changes = client_changes(params, current)
    # A plain copy: ``current`` may be one of Ansible's lazy containers, whose deepcopy copies its templar too.
    predicted = plain_data(current)
    predicted.update(plain_data(changes))
    error = token_validity_error(params, predicted)
    if error:
        raise PlanError(error)
    return changes, predicted
