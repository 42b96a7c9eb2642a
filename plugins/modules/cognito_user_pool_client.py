#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cognito_user_pool_client
short_description: Manage an app client of an Amazon Cognito user pool
version_added: 0.1.0
description:
  - Creates, updates or deletes an app client of a Cognito user pool, found by O(user_pool_id) and its
    exact O(name). When more than one client of the pool has O(name) the module fails.
  - Only the settings the task sets are managed. C(UpdateUserPoolClient) resets every setting it is
    not given to its default, so the update request is built from the current client with the
    requested changes laid over it.
  - C(CreateUserPoolClient) takes no idempotency token; the module sends it without automatic retries
    and, after an error whose outcome is unknown (HTTP 5xx, a timeout), uses the client that the request
    created (found by name) instead of creating a second one. Throttling is retried with backoff.
  - O(generate_secret) can only be chosen when the client is created; the module fails when the task
    asks to change it on an existing client (delete and recreate the client instead).
  - The client secret is never returned, logged or shown in a diff; read it with
    C(DescribeUserPoolClient) where it is needed (for instance straight into Secrets Manager).
author: Platform Ops Maintainers (@platform-ops)
options:
  user_pool_id:
    description:
      - ID of the user pool the client belongs to.
    required: true
    type: str
  name:
    description:
      - Name of the app client (exact match).
    required: true
    type: str
    aliases: ["client_name"]
  state:
    description:
      - Whether the app client should exist.
    choices: ["present", "absent"]
    default: present
    type: str
  generate_secret:
    description:
      - Whether the client has a client secret (confidential client). Only set on creation; a new
        client without this option has no secret.
    type: bool
  explicit_auth_flows:
    description:
      - Authentication flows the client may use.
    type: list
    elements: str
    choices:
      - ALLOW_ADMIN_USER_PASSWORD_AUTH
      - ALLOW_CUSTOM_AUTH
      - ALLOW_USER_PASSWORD_AUTH
      - ALLOW_USER_SRP_AUTH
      - ALLOW_REFRESH_TOKEN_AUTH
      - ALLOW_USER_AUTH
      - ADMIN_NO_SRP_AUTH
      - CUSTOM_AUTH_FLOW_ONLY
      - USER_PASSWORD_AUTH
  access_token_validity:
    description:
      - Access token lifetime in units of O(token_validity_units.access_token) (5 minutes to 1 day).
    type: int
  id_token_validity:
    description:
      - ID token lifetime in units of O(token_validity_units.id_token) (5 minutes to 1 day).
    type: int
  refresh_token_validity:
    description:
      - Refresh token lifetime in units of O(token_validity_units.refresh_token) (60 minutes to 10 years).
    type: int
  token_validity_units:
    description:
      - Units of the token validities. Keys not given keep their current value (on a new client the
        AWS defaults, hours for access and ID tokens and days for refresh tokens).
    type: dict
    suboptions:
      access_token:
        description: Unit of O(access_token_validity).
        type: str
        choices: ["seconds", "minutes", "hours", "days"]
      id_token:
        description: Unit of O(id_token_validity).
        type: str
        choices: ["seconds", "minutes", "hours", "days"]
      refresh_token:
        description: Unit of O(refresh_token_validity).
        type: str
        choices: ["seconds", "minutes", "hours", "days"]
  allowed_oauth_flows:
    description:
      - OAuth 2.0 flows of the client. V(client_credentials) cannot be combined with the others.
    type: list
    elements: str
    choices: ["code", "implicit", "client_credentials"]
  allowed_oauth_scopes:
    description:
      - OAuth scopes the client may request (for example V(openid), V(email), V(profile)).
    type: list
    elements: str
  allowed_oauth_flows_user_pool_client:
    description:
      - Whether the client may use the OAuth flows.
      - When not given but O(allowed_oauth_flows) is, it follows from it (true for a non-empty list).
    type: bool
  callback_urls:
    description:
      - Allowed redirect (callback) URLs.
    type: list
    elements: str
  logout_urls:
    description:
      - Allowed sign-out URLs.
    type: list
    elements: str
  supported_identity_providers:
    description:
      - Identity providers of the client, for example V(COGNITO).
    type: list
    elements: str
  prevent_user_existence_errors:
    description:
      - V(ENABLED) hides whether a user exists in authentication errors.
    type: str
    choices: ["ENABLED", "LEGACY"]
  enable_token_revocation:
    description:
      - Whether refresh tokens can be revoked.
    type: bool
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the web app client exists
  platform_ops.aws.cognito_user_pool_client:
    user_pool_id: "{{ platform_identity.user_pool_id }}"
    name: caseapp-prod-web
    generate_secret: false
    explicit_auth_flows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
    access_token_validity: 60
    id_token_validity: 60
    refresh_token_validity: 1
    token_validity_units:
      access_token: minutes
      id_token: minutes
      refresh_token: days
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid, email, profile]
    callback_urls: ["https://app.example.org/callback"]
    logout_urls: ["https://app.example.org/"]
    supported_identity_providers: [COGNITO]
    prevent_user_existence_errors: ENABLED
    enable_token_revocation: true

- name: Remove an app client
  platform_ops.aws.cognito_user_pool_client:
    user_pool_id: us-east-1_AbCdEf123
    name: legacy-client
    state: absent
"""

RETURN = r"""
client_id:
  description: ID of the app client (empty after a deletion or when a check-mode run would create it).
  returned: always
  type: str
  sample: 4m1kj2k3l4m5n6o7p8q9r0s1t2
user_pool_client:
  description:
    - The app client in snake_case, without its secret. Empty after a deletion.
  returned: always
  type: dict
  contains:
    client_id:
      description: App client ID.
      returned: when the client exists
      type: str
    name:
      description: App client name (also as C(client_name)).
      returned: when the client exists
      type: str
    user_pool_id:
      description: User pool ID.
      returned: when the client exists
      type: str
    has_client_secret:
      description: Whether the client has a secret (the secret itself is never returned).
      returned: when the client exists
      type: bool
    explicit_auth_flows:
      description: Authentication flows.
      returned: when set
      type: list
      elements: str
    access_token_validity:
      description: Access token validity.
      returned: when set
      type: int
    id_token_validity:
      description: ID token validity.
      returned: when set
      type: int
    refresh_token_validity:
      description: Refresh token validity.
      returned: when set
      type: int
    token_validity_units:
      description: Units of the token validities.
      returned: when set
      type: dict
    allowed_oauth_flows:
      description: OAuth flows.
      returned: when set
      type: list
      elements: str
    allowed_oauth_scopes:
      description: OAuth scopes.
      returned: when set
      type: list
      elements: str
    allowed_oauth_flows_user_pool_client:
      description: Whether the OAuth flows are enabled.
      returned: when set
      type: bool
    callback_urls:
      description: Callback URLs.
      returned: when set
      type: list
      elements: str
    logout_urls:
      description: Logout URLs.
      returned: when set
      type: list
      elements: str
    supported_identity_providers:
      description: Identity providers.
      returned: when set
      type: list
      elements: str
    prevent_user_existence_errors:
      description: User existence error handling.
      returned: when set
      type: str
    enable_token_revocation:
      description: Whether token revocation is enabled.
      returned: when set
      type: bool
diff:
  description: The managed settings before and after the change (diff mode, C(--diff)); never the secret.
  returned: when diff mode is on
  type: dict
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import cognito

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


def _fail_aws(module, error, msg):
    module.fail_json_aws(error, msg=msg)


# ---------------------------------------------------------------- validation


def validate_params(module):
    params = module.params
    for option in ("access_token_validity", "id_token_validity", "refresh_token_validity"):
        if params[option] is not None and params[option] <= 0:
            module.fail_json(msg=f"{option} must be a positive number, got {params[option]}")
    flows = params["allowed_oauth_flows"] or []
    if "client_credentials" in flows and len(set(flows)) > 1:
        module.fail_json(msg="allowed_oauth_flows: client_credentials cannot be combined with code or implicit")
    if not params["name"]:
        module.fail_json(msg="name must not be empty")


def validate_token_validity(module, client_state):
    """Check the validities the task sets against the AWS limits, in their effective units."""
    units = dict(cognito.DEFAULT_TOKEN_VALIDITY_UNITS, **(client_state.get("TokenValidityUnits") or {}))
    given_units = module.params["token_validity_units"] or {}
    for unit_option, token in UNIT_OPTIONS.items():
        field = cognito.TOKEN_VALIDITY_FIELDS[token]
        option = VALIDITY_OPTIONS[token]
        if module.params[option] is None and given_units.get(unit_option) is None:
            continue
        value = client_state.get(field)
        if value is None:
            continue
        seconds = value * cognito.UNIT_SECONDS[units[token]]
        low, high = cognito.TOKEN_VALIDITY_LIMITS[token]
        if not low <= seconds <= high:
            module.fail_json(
                msg=f"{option}={value} {units[token]} is outside the range AWS allows for the {token} "
                f"({low // 60} minutes to {high // 86400} days)"
            )


# ---------------------------------------------------------------- desired state


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
        effective = dict(cognito.DEFAULT_TOKEN_VALIDITY_UNITS, **(current.get("TokenValidityUnits") or {}))
        merged = dict(effective, **given)
        if merged != effective:
            changes["TokenValidityUnits"] = merged
    return changes


def client_view(app_client):
    """The settings this module manages, in a stable form, never the secret."""
    if not app_client:
        return {}
    view = {"name": app_client.get("ClientName"), "generate_secret": bool(app_client.get("HasClientSecret"))}
    for option, field in LIST_OPTIONS.items():
        view[option] = sorted(app_client.get(field) or [])
    for option, field in SCALAR_OPTIONS.items():
        if app_client.get(field) is not None:
            view[option] = app_client[field]
    units = app_client.get("TokenValidityUnits")
    if units:
        view["token_validity_units"] = {option: units.get(field) for option, field in UNIT_OPTIONS.items()}
    return view


# ---------------------------------------------------------------- AWS reads


def find_client(module, client, pool_id, name):
    """(summary or None, pool_exists)."""
    try:
        clients = cognito.list_user_pool_clients(client, pool_id)
    except botocore.exceptions.ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None, False
        _fail_aws(module, e, f"Failed to list the app clients of user pool {pool_id}")
    except botocore.exceptions.BotoCoreError as e:
        _fail_aws(module, e, f"Failed to list the app clients of user pool {pool_id}")
    matches = [item for item in clients if item.get("ClientName") == name]
    if len(matches) > 1:
        ids = ", ".join(sorted(item["ClientId"] for item in matches))
        module.fail_json(
            msg=f"{len(matches)} app clients of user pool {pool_id} are named {name!r} ({ids}); "
            "delete or rename the extra clients so that the name identifies one client."
        )
    return (matches[0] if matches else None), True


def read_client(module, client, pool_id, client_id):
    """The client description with its secret removed (and registered as a no_log value)."""
    try:
        described = cognito.describe_user_pool_client(client, pool_id, client_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        _fail_aws(module, e, f"Failed to describe app client {client_id} of user pool {pool_id}")
    return hide_secret(module, described)


def hide_secret(module, described):
    secret = (described or {}).get("ClientSecret")
    if secret:
        module.no_log_values.add(secret)
    return cognito.strip_client_secret(described)


def exit_with(module, result, app_client):
    result["user_pool_client"] = cognito.snake_user_pool_client(app_client) if app_client else {}
    result["client_id"] = (app_client or {}).get("ClientId") or ""
    module.exit_json(**result)


# ---------------------------------------------------------------- present / absent


def create_client(module, client):
    params = module.params
    request = {
        "UserPoolId": params["user_pool_id"],
        "ClientName": params["name"],
        "GenerateSecret": bool(params["generate_secret"]),
    }
    request.update(client_changes(params, {}))
    validate_token_validity(module, request)
    predicted = dict(request, HasClientSecret=request["GenerateSecret"])
    predicted.pop("GenerateSecret")
    result = {"changed": True}
    if module._diff:
        result["diff"] = {"before": {}, "after": client_view(predicted)}
    if module.check_mode:
        exit_with(module, result, predicted)
    try:
        created, adopted, retried = cognito.create_user_pool_client(module, client, request)
    except cognito.DuplicateNamesError as e:
        module.fail_json(
            msg=f"After an error from CreateUserPoolClient, {e}; delete the extra client so that the name "
            "identifies one client.",
            client_ids=e.ids,
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        _fail_aws(module, e, f"Failed to create app client {params['name']} in user pool {params['user_pool_id']}")
    if adopted:
        module.warn(
            f"CreateUserPoolClient answered {', '.join(retried)}; app client {created['ClientId']} "
            f"({params['name']}) had been created all the same and is used (not created twice)"
        )
    exit_with(module, result, hide_secret(module, created))


def ensure_present(module, client):
    params = module.params
    pool_id = params["user_pool_id"]
    summary, pool_exists = find_client(module, client, pool_id, params["name"])
    if not pool_exists:
        module.fail_json(msg=f"User pool {pool_id} does not exist")
    if summary is None:
        create_client(module, client)
        return
    current = read_client(module, client, pool_id, summary["ClientId"])
    has_secret = current["HasClientSecret"]
    if params["generate_secret"] is not None and params["generate_secret"] != has_secret:
        module.fail_json(
            msg=f"generate_secret cannot be changed on an existing app client: client {params['name']} "
            f"({current['ClientId']}) {'has' if has_secret else 'has no'} secret and the task sets "
            f"generate_secret={params['generate_secret']}. Delete the client (state=absent) and create it again."
        )
    changes = client_changes(params, current)
    predicted = copy.deepcopy(current)
    predicted.update(copy.deepcopy(changes))
    validate_token_validity(module, predicted)
    result = {"changed": bool(changes)}
    if module._diff:
        result["diff"] = {"before": client_view(current), "after": client_view(predicted)}
    if not changes:
        exit_with(module, result, current)
    if module.check_mode:
        exit_with(module, result, predicted)
    request = cognito.user_pool_client_update_request(client, current, changes)
    try:
        updated = cognito.update_user_pool_client(client, request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        _fail_aws(module, e, f"Failed to update app client {current['ClientId']} of user pool {pool_id}")
    exit_with(module, result, hide_secret(module, updated))


def ensure_absent(module, client):
    params = module.params
    pool_id = params["user_pool_id"]
    summary, pool_exists = find_client(module, client, pool_id, params["name"])
    if summary is None:
        exit_with(module, {"changed": False}, None)
    result = {"changed": True}
    if module._diff:
        current = read_client(module, client, pool_id, summary["ClientId"])
        result["diff"] = {"before": client_view(current), "after": {}}
    if not module.check_mode:
        try:
            cognito.delete_user_pool_client(client, pool_id, summary["ClientId"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            _fail_aws(module, e, f"Failed to delete app client {summary['ClientId']} of user pool {pool_id}")
    exit_with(module, result, None)


def main():
    units = ["seconds", "minutes", "hours", "days"]
    argument_spec = dict(
        user_pool_id=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["client_name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        generate_secret=dict(type="bool"),
        explicit_auth_flows=dict(
            type="list",
            elements="str",
            choices=[
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_CUSTOM_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
                "ALLOW_USER_AUTH",
                "ADMIN_NO_SRP_AUTH",
                "CUSTOM_AUTH_FLOW_ONLY",
                "USER_PASSWORD_AUTH",
            ],
        ),
        access_token_validity=dict(type="int", no_log=False),
        id_token_validity=dict(type="int", no_log=False),
        refresh_token_validity=dict(type="int", no_log=False),
        token_validity_units=dict(
            type="dict",
            no_log=False,
            options=dict(
                access_token=dict(type="str", choices=units),
                id_token=dict(type="str", choices=units),
                refresh_token=dict(type="str", choices=units),
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
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("cognito-idp")
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
