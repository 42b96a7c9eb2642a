# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cognito user pool helpers shared by platform_ops.aws.cognito_user_pool and
platform_ops.aws.cognito_user_pool_client.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors and
report them with ``module.fail_json_aws``.

UpdateUserPool and UpdateUserPoolClient reset every setting that the request leaves out to its
default. ``merged_update_request`` therefore builds the request from the current resource (only
the fields the operation accepts, found from the botocore service model) and lays the requested
changes over it, so an update changes what the task set and nothing else.
"""

from __future__ import annotations

import copy

try:
    import botocore  # noqa: F401  (imported for the HAS_BOTO3 check of AnsibleAWSModule)
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils import cognito_plan
from ansible_collections.platform_ops.aws.plugins.module_utils.idempotency import create_once, single_attempt_client

# The AWS defaults and limits live in cognito_plan (the comparisons without AWS calls); kept here by name too.
DEFAULT_PASSWORD_POLICY = cognito_plan.DEFAULT_PASSWORD_POLICY
PASSWORD_POLICY_OPTIONS = cognito_plan.PASSWORD_POLICY_OPTIONS
DEFAULT_TOKEN_VALIDITY_UNITS = cognito_plan.DEFAULT_TOKEN_VALIDITY_UNITS
UNIT_SECONDS = cognito_plan.UNIT_SECONDS
TOKEN_VALIDITY_LIMITS = cognito_plan.TOKEN_VALIDITY_LIMITS
TOKEN_VALIDITY_FIELDS = cognito_plan.TOKEN_VALIDITY_FIELDS


# ---------------------------------------------------------------- boto3 calls: user pools


@AWSRetry.jittered_backoff()
def list_user_pools(client):
    paginator = client.get_paginator("list_user_pools")
    return paginator.paginate(MaxResults=60).build_full_result().get("UserPools", [])


def find_user_pools_by_name(client, name):
    """All user pools whose name is exactly ``name`` (AWS does not keep names unique)."""
    return cognito_plan.pools_named(list_user_pools(client), name)


@AWSRetry.jittered_backoff()
def _describe_user_pool(client, pool_id):
    return client.describe_user_pool(UserPoolId=pool_id)["UserPool"]


def describe_user_pool(client, pool_id):
    try:
        return _describe_user_pool(client, pool_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def get_user_pool_mfa_config(client, pool_id):
    result = client.get_user_pool_mfa_config(UserPoolId=pool_id)
    result.pop("ResponseMetadata", None)
    return result


class DuplicateNamesError(ValueError):
    """More than one resource carries a name that should identify one; ``ids`` names them all."""

    def __init__(self, message, ids):
        super().__init__(message)
        self.ids = ids


def find_one_user_pool(client, name):
    """The description of the one pool named ``name``, None without one; DuplicateNamesError with several."""
    pools = find_user_pools_by_name(client, name)
    if len(pools) > 1:
        ids = sorted(pool["Id"] for pool in pools)
        raise DuplicateNamesError(f"{len(pools)} user pools are named {name!r} ({', '.join(ids)})", ids)
    return describe_user_pool(client, pools[0]["Id"]) if pools else None


def create_user_pool(module, client, request):
    """CreateUserPool exactly once: ``(pool, adopted, retried error codes)``.

    CreateUserPool takes no idempotency token and pool names are not unique, so a retry of a request
    that AWS applied but answered with a 5xx (or a timeout) makes a second pool with the same name.
    The request is sent by a client that never retries; after an error whose outcome is unknown the
    pool is looked up by name and adopted when it exists, and the request is sent again only when it
    does not. Raises DuplicateNamesError when the lookup finds several pools with the name.
    """
    single = single_attempt_client(module, "cognito-idp")
    outcome = create_once(
        lambda: single.create_user_pool(**request)["UserPool"],
        lambda: find_one_user_pool(client, request["PoolName"]),
    )
    return outcome.value, outcome.adopted, outcome.errors


@AWSRetry.jittered_backoff()
def update_user_pool(client, request):
    client.update_user_pool(**request)


@AWSRetry.jittered_backoff()
def set_user_pool_mfa_config(client, request):
    client.set_user_pool_mfa_config(**request)


@AWSRetry.jittered_backoff()
def delete_user_pool(client, pool_id):
    client.delete_user_pool(UserPoolId=pool_id)


@AWSRetry.jittered_backoff()
def tag_resource(client, arn, tags):
    client.tag_resource(ResourceArn=arn, Tags=tags)


@AWSRetry.jittered_backoff()
def untag_resource(client, arn, keys):
    client.untag_resource(ResourceArn=arn, TagKeys=keys)


# ---------------------------------------------------------------- boto3 calls: groups


@AWSRetry.jittered_backoff()
def list_groups(client, pool_id):
    paginator = client.get_paginator("list_groups")
    return paginator.paginate(UserPoolId=pool_id).build_full_result().get("Groups", [])


@AWSRetry.jittered_backoff()
def create_group(client, request):
    client.create_group(**request)


@AWSRetry.jittered_backoff()
def update_group(client, request):
    client.update_group(**request)


@AWSRetry.jittered_backoff()
def delete_group(client, pool_id, name):
    client.delete_group(UserPoolId=pool_id, GroupName=name)


# ---------------------------------------------------------------- boto3 calls: app clients


@AWSRetry.jittered_backoff()
def list_user_pool_clients(client, pool_id):
    paginator = client.get_paginator("list_user_pool_clients")
    return paginator.paginate(UserPoolId=pool_id, MaxResults=60).build_full_result().get("UserPoolClients", [])


@AWSRetry.jittered_backoff()
def describe_user_pool_client(client, pool_id, client_id):
    return client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]


def find_one_user_pool_client(client, pool_id, name):
    """The description of the one app client of ``pool_id`` named ``name`` (None, or DuplicateNamesError)."""
    matches = cognito_plan.clients_named(list_user_pool_clients(client, pool_id), name)
    if len(matches) > 1:
        ids = sorted(item["ClientId"] for item in matches)
        raise DuplicateNamesError(
            f"{len(matches)} app clients of user pool {pool_id} are named {name!r} ({', '.join(ids)})", ids
        )
    return describe_user_pool_client(client, pool_id, matches[0]["ClientId"]) if matches else None


def create_user_pool_client(module, client, request):
    """CreateUserPoolClient exactly once (no idempotency token either): ``(app client, adopted, retried codes)``."""
    single = single_attempt_client(module, "cognito-idp")
    outcome = create_once(
        lambda: single.create_user_pool_client(**request)["UserPoolClient"],
        lambda: find_one_user_pool_client(client, request["UserPoolId"], request["ClientName"]),
    )
    return outcome.value, outcome.adopted, outcome.errors


@AWSRetry.jittered_backoff()
def update_user_pool_client(client, request):
    return client.update_user_pool_client(**request)["UserPoolClient"]


@AWSRetry.jittered_backoff()
def delete_user_pool_client(client, pool_id, client_id):
    client.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)


# ---------------------------------------------------------------- request building (no AWS calls)


def _filter_to_shape(value, shape):
    """Keep only what ``shape`` (a botocore input shape) accepts; drop None values."""
    if value is None:
        return None
    if shape.type_name == "structure" and isinstance(value, dict):
        filtered = {}
        for key, item in value.items():
            if key in shape.members:
                kept = _filter_to_shape(item, shape.members[key])
                if kept is not None:
                    filtered[key] = kept
        return filtered
    if shape.type_name == "list" and isinstance(value, list):
        return [kept for kept in (_filter_to_shape(item, shape.member) for item in value) if kept is not None]
    if shape.type_name == "map" and isinstance(value, dict):
        return {
            key: kept
            for key, kept in ((k, _filter_to_shape(v, shape.value)) for k, v in value.items())
            if kept is not None
        }
    return value


def filter_to_operation_input(client, operation, data):
    """The part of ``data`` that ``operation`` accepts as input, per the botocore service model."""
    shape = client.meta.service_model.operation_model(operation).input_shape
    return _filter_to_shape(copy.deepcopy(data), shape)


def merged_update_request(client, operation, current, changes, identifiers):
    """A full update request: the current resource's settings with ``changes`` laid over them.

    ``changes`` replaces whole top-level fields (callers merge nested structures themselves).
    ``identifiers`` (e.g. ``UserPoolId``) are set last.
    """
    request = filter_to_operation_input(client, operation, current)
    request.update(copy.deepcopy(changes))
    request.update(identifiers)
    return request


def user_pool_update_request(client, current, changes, mfa_configuration):
    """UpdateUserPool request that keeps every current setting except ``changes``.

    ``mfa_configuration`` is the pool's MFA mode after this run (left out, UpdateUserPool would
    reset it to OFF). ``UserPoolTags`` are sent as they currently are; tag changes go through
    TagResource/UntagResource.
    """
    request = merged_update_request(client, "UpdateUserPool", current, changes, {"UserPoolId": current["Id"]})
    request["MfaConfiguration"] = mfa_configuration
    password_policy = (request.get("Policies") or {}).get("PasswordPolicy") or {}
    # AWS rejects UnusedAccountValidityDays next to TemporaryPasswordValidityDays ("Please use
    # TemporaryPasswordValidityDays in PasswordPolicy instead of UnusedAccountValidityDays").
    if "TemporaryPasswordValidityDays" in password_policy:
        (request.get("AdminCreateUserConfig") or {}).pop("UnusedAccountValidityDays", None)
    # Password history needs the Essentials/Plus tier; 0 is its default, so leaving it out is the same.
    if not password_policy.get("PasswordHistorySize"):
        password_policy.pop("PasswordHistorySize", None)
    return request


def user_pool_client_update_request(client, current, changes):
    """UpdateUserPoolClient request that keeps every current setting except ``changes``."""
    identifiers = {"UserPoolId": current["UserPoolId"], "ClientId": current["ClientId"]}
    return merged_update_request(client, "UpdateUserPoolClient", current, changes, identifiers)


# ---------------------------------------------------------------- output helpers


def strip_client_secret(app_client):
    """A copy of an app client description without its secret, plus whether it has one."""
    app_client = dict(app_client or {})
    secret = app_client.pop("ClientSecret", None)
    app_client["HasClientSecret"] = bool(secret) or bool(app_client.get("HasClientSecret"))
    return app_client


def snake_user_pool_client(app_client):
    """snake_case output of an app client; the secret is never part of it."""
    app_client = strip_client_secret(app_client)
    has_secret = app_client.pop("HasClientSecret")
    out = {key.replace("o_auth", "oauth"): value for key, value in camel_dict_to_snake_dict(app_client).items()}
    out.pop("client_secret", None)
    out["name"] = out.get("client_name")
    out["has_client_secret"] = has_secret
    return out
