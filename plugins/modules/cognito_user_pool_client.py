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


try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import cognito, cognito_plan

LIST_OPTIONS = cognito_plan.LIST_OPTIONS
SCALAR_OPTIONS = cognito_plan.SCALAR_OPTIONS
UNIT_OPTIONS = cognito_plan.UNIT_OPTIONS


def _fail_aws(module, error, msg):
    module.fail_json_aws(error, msg=msg)


# ---------------------------------------------------------------- validation


def validate_params(module):
    error = cognito_plan.user_pool_client_params_error(module.params)
    if error:
        module.fail_json(msg=error)


def validate_token_validity(module, client_state):
    """Check the validities the task sets against the AWS limits, in their effective units."""
    error = cognito_plan.token_validity_error(module.params, client_state)
    if error:
        module.fail_json(msg=error)


# ---------------------------------------------------------------- desired state
# The comparisons (client_changes, user_pool_client_plan, ...) are in module_utils/cognito_plan, shared with
# the identity role's read-once plan (plugins/filter/identity_plan.py).


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
    matches = cognito_plan.clients_named(clients, name)
    if len(matches) > 1:
        module.fail_json(msg=cognito_plan.duplicate_clients_message(pool_id, name, matches))
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
    request.update(cognito_plan.client_changes(params, {}))
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
    try:
        changes, predicted = cognito_plan.user_pool_client_plan(params, current)
    except cognito_plan.PlanError as e:
        module.fail_json(msg=str(e))
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
    argument_spec = cognito_plan.user_pool_client_argument_spec()
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("cognito-idp")
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
