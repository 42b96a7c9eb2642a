# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plan of the identity role: whether platform_ops.aws.cognito_user_pool and
platform_ops.aws.cognito_user_pool_client would change anything, from the raw answers of one
``platform_ops.aws.aws_read`` run, so the role calls them only when something differs.

The comparisons are the modules' own (module_utils/cognito_plan: the modules decide ``changed`` with the same
functions), and ``wanted`` is checked and converted with the modules' own argument specs. Each
``*_differences`` filter answers a list of short reasons, [] when the module would report changed=false. What
the plan cannot tell from the reads (a read missing or of another resource, duplicate names, a task the module
would refuse) is answered as a reason too: the module then runs and decides (or fails with its own message).

Reads. Paste under ``reads:`` of one ``platform_ops.aws.aws_read`` task and pass its ``responses`` to the
filters (the read ids are the ones the filters look for; ``user_pool_reads(pool_name, client_name)`` answers
the same list)::

    - id: user_pools
      service: cognito-idp
      operation: list_user_pools
      params: {MaxResults: 60}
      paginate: true
    - id: user_pool
      service: cognito-idp
      operation: describe_user_pool
      params_from: {UserPoolId: "user_pools.UserPools.Name={{ __identity_pool_name }}.Id"}
      missing_ok: [ResourceNotFoundException]
    - id: user_pool_mfa
      service: cognito-idp
      operation: get_user_pool_mfa_config
      params_from: {UserPoolId: "user_pools.UserPools.Name={{ __identity_pool_name }}.Id"}
      missing_ok: [ResourceNotFoundException]
    - id: user_pool_groups
      service: cognito-idp
      operation: list_groups
      paginate: true
      params_from: {UserPoolId: "user_pools.UserPools.Name={{ __identity_pool_name }}.Id"}
      missing_ok: [ResourceNotFoundException]
    - id: user_pool_clients
      service: cognito-idp
      operation: list_user_pool_clients
      params: {MaxResults: 60}
      paginate: true
      params_from: {UserPoolId: "user_pools.UserPools.Name={{ __identity_pool_name }}.Id"}
      missing_ok: [ResourceNotFoundException]
    - id: user_pool_client
      service: cognito-idp
      operation: describe_user_pool_client
      params_from:
        UserPoolId: "user_pools.UserPools.Name={{ __identity_pool_name }}.Id"
        ClientId: "user_pool_clients.UserPoolClients.ClientName={{ __identity_client_name }}.ClientId"
      missing_ok: [ResourceNotFoundException]

Three rounds of calls (the pool list; the pool, its MFA, groups and clients at once; the client). A pool or
client that does not exist leaves the reads after it null (aws_read does not make them). aws_read replaces the
client's secret by ``REDACTED`` (the plan only needs to know that there is one). A name with a dot cannot be
picked by ``params_from`` (``Name=<value>`` takes a value without dots): the reads are then null and the plan
answers "not read", so the modules run.

Filters:

- ``user_pool_differences(responses, wanted)``: ``wanted`` holds cognito_user_pool's options as the task passes
  them (name, mfa_configuration, software_token_mfa_enabled, password_policy, account_recovery,
  auto_verified_attributes, username_attributes, admin_create_user_only, deletion_protection, user_groups,
  purge_groups, tags, purge_tags; state optional).
- ``user_pool_client_differences(responses, wanted)``: cognito_user_pool_client's options (name,
  generate_secret, explicit_auth_flows, access/id/refresh_token_validity, token_validity_units,
  prevent_user_existence_errors, enable_token_revocation, ...). ``user_pool_id`` may be left out (the pool the
  reads found); when given it must be that pool's ID, or the plan answers a difference.
- ``user_pool_ids(responses)``: ``{user_pool_id, user_pool_arn, user_pool_client_id}`` of what the reads found
  ('' for what is missing or ambiguous): what the role takes from the modules' results when it skips them.
- ``user_pool_reads(pool_name, client_name=None)``: the reads above with the names filled in.

The role's other plans, from explicit inputs (a dict of the variables they need, never hostvars):

- ``identity_iam_plan(found_roles, config)``: the ECS roles (roles/identity/tasks/roles.yml) from one
  ``amazon.aws.iam_role_info`` listing of the role path.
- ``identity_input_errors(config)``: the checks of the role's input before any AWS call (tasks/present.yml).
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.filter.network_plan import _CONNECTION
from ansible_collections.platform_ops.aws.plugins.filter.platform import service_spec_errors
from ansible_collections.platform_ops.aws.plugins.module_utils import cognito_plan as plan
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.naming import ecs_execution_role_policy

MISSING_OK = ["ResourceNotFoundException"]
_OMIT_PREFIX = "__omit_place_holder__"


def user_pool_reads(pool_name, client_name=None):
    """The aws_read ``reads`` of the identity plan (the module docstring's list), for ``pool_name`` and, when
    given, the app client ``client_name`` of that pool."""
    pool_id = f"user_pools.UserPools.Name={pool_name}.Id"
    reads = [
        {
            "id": "user_pools",
            "service": "cognito-idp",
            "operation": "list_user_pools",
            "params": {"MaxResults": 60},
            "paginate": True,
        },
        {
            "id": "user_pool",
            "service": "cognito-idp",
            "operation": "describe_user_pool",
            "params_from": {"UserPoolId": pool_id},
            "missing_ok": list(MISSING_OK),
        },
        {
            "id": "user_pool_mfa",
            "service": "cognito-idp",
            "operation": "get_user_pool_mfa_config",
            "params_from": {"UserPoolId": pool_id},
            "missing_ok": list(MISSING_OK),
        },
        {
            "id": "user_pool_groups",
            "service": "cognito-idp",
            "operation": "list_groups",
            "paginate": True,
            "params_from": {"UserPoolId": pool_id},
            "missing_ok": list(MISSING_OK),
        },
    ]
    if client_name is not None:
        reads += [
            {
                "id": "user_pool_clients",
                "service": "cognito-idp",
                "operation": "list_user_pool_clients",
                "params": {"MaxResults": 60},
                "paginate": True,
                "params_from": {"UserPoolId": pool_id},
                "missing_ok": list(MISSING_OK),
            },
            {
                "id": "user_pool_client",
                "service": "cognito-idp",
                "operation": "describe_user_pool_client",
                "params_from": {
                    "UserPoolId": pool_id,
                    "ClientId": f"user_pool_clients.UserPoolClients.ClientName={client_name}.ClientId",
                },
                "missing_ok": list(MISSING_OK),
            },
        ]
    return reads


# --------------------------------------------------------------------------------------------- helpers


def _omitted(value):
    """Whether ``value`` is ``omit`` (ansible-core 2.19's sentinel, or the placeholder text of earlier cores)."""
    return type(value).__name__ == "_OmitType" or (isinstance(value, str) and value.startswith(_OMIT_PREFIX))


def _without_omitted(value):
    if isinstance(value, dict):
        return {key: _without_omitted(item) for key, item in value.items() if not _omitted(item)}
    if isinstance(value, (list, tuple)):
        return [_without_omitted(item) for item in value if not _omitted(item)]
    return value


def _module_args(wanted):
    """The task's arguments as the module gets them: without connection options, ``omit`` values left out."""
    return {key: value for key, value in _without_omitted(dict(wanted or {})).items() if key not in _CONNECTION}


def _answer(responses, read_id, key):
    """``responses[read_id][key]``; None when the read is missing, null or has no such key."""
    response = (responses or {}).get(read_id)
    return response.get(key) if isinstance(response, dict) else None


def _found_pool(responses):
    """The DescribeUserPool ``UserPool`` the reads found, {} without one."""
    return _answer(responses, "user_pool", "UserPool") or {}


def _listed(responses, read_id, key):
    """The list of a list read; None when the read is missing or null."""
    response = (responses or {}).get(read_id)
    if not isinstance(response, dict):
        return None
    return response.get(key) or []


def _fails(message):
    return f"the module fails: {message}"


# --------------------------------------------------------------------------------------------- user pool


def _password_policy_reasons(current, changes):
    if "Policies" not in changes:
        return []
    before = (current.get("Policies") or {}).get("PasswordPolicy") or {}
    after = changes["Policies"]["PasswordPolicy"]
    return [
        f"password_policy.{option}: {before.get(field)!r} -> {after.get(field)!r}"
        for option, field in plan.PASSWORD_POLICY_OPTIONS.items()
        if before.get(field) != after.get(field)
    ]


def _pool_reasons(result, current, current_mfa):
    changes = result["changes"]
    reasons = _password_policy_reasons(current, changes)
    if "DeletionProtection" in changes:
        reasons.append(
            f"deletion_protection: {current.get('DeletionProtection') or 'INACTIVE'} -> {changes['DeletionProtection']}"
        )
    if "AutoVerifiedAttributes" in changes:
        reasons.append(
            f"auto_verified_attributes: {sorted(current.get('AutoVerifiedAttributes') or [])} -> "
            f"{sorted(changes['AutoVerifiedAttributes'])}"
        )
    if "AdminCreateUserConfig" in changes:
        before = bool((current.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"))
        reasons.append(
            f"admin_create_user_only: {before} -> {changes['AdminCreateUserConfig']['AllowAdminCreateUserOnly']}"
        )
    if "AccountRecoverySetting" in changes:
        after = plan.recovery_names(changes)
        reasons.append(f"account_recovery: {plan.recovery_names(current)} -> {after}")
    if result["mfa_changed"]:
        mode, token = result["mfa"]
        before_mode = (current_mfa or {}).get("MfaConfiguration") or "OFF"
        if mode != before_mode:
            reasons.append(f"mfa_configuration: {before_mode} -> {mode}")
        if token != plan.token_enabled(current_mfa):
            reasons.append(f"software_token_mfa_enabled: {plan.token_enabled(current_mfa)} -> {token}")
    reasons.extend(f"group {group['GroupName']} missing" for group in result["to_create"])
    reasons.extend(f"group {group['GroupName']} differs" for group in result["to_update"])
    reasons.extend(f"group {name} not in user_groups (purge_groups)" for name in result["to_delete"])
    tags = current.get("UserPoolTags") or {}
    for key in sorted(result["tags_to_set"]):
        if key in tags:
            reasons.append(f"tag {key}: {tags[key]!r} -> {result['tags_to_set'][key]!r}")
        else:
            reasons.append(f"tag {key} missing")
    reasons.extend(f"tag {key} would be purged" for key in sorted(result["tags_to_unset"]))
    if result["changed"] and not reasons:  # every change above has its reason; never answer [] for a change
        reasons.append("differs")
    return reasons


def user_pool_differences(responses, wanted):
    """Why platform_ops.aws.cognito_user_pool would change something for the task arguments ``wanted``, from
    the aws_read ``responses`` (the reads of this file's docstring); [] when it would report changed=false."""
    try:
        params = plan.module_params(plan.user_pool_argument_spec(), _module_args(wanted))
    except plan.PlanError as e:
        return [_fails(str(e))]
    error = plan.user_pool_params_error(params)
    if error:
        return [_fails(error)]
    name = params["name"]
    summaries = _listed(responses, "user_pools", "UserPools")
    if summaries is None:
        return ["user_pools not read"]
    matches = plan.pools_named(summaries, name)
    if len(matches) > 1:
        return [_fails(plan.duplicate_pools_message(name, matches))]
    if params["state"] == "absent":
        return [f"user pool {name} ({matches[0]['Id']}) would be deleted"] if matches else []
    if not matches:
        return [f"user pool {name} missing (would be created)"]
    pool_id = matches[0]["Id"]
    current = _found_pool(responses)
    if current.get("Id") != pool_id:
        return [f"user pool {pool_id} not read (user_pool)"]
    current_mfa = (responses or {}).get("user_pool_mfa")
    if not isinstance(current_mfa, dict):
        return [f"MFA configuration of user pool {pool_id} not read (user_pool_mfa)"]
    groups = _listed(responses, "user_pool_groups", "Groups")
    if groups is None:
        if params["user_groups"] is not None:
            return [f"groups of user pool {pool_id} not read (user_pool_groups)"]
        groups = []
    if any(group.get("UserPoolId") not in (None, pool_id) for group in groups):
        return [f"groups read (user_pool_groups) are not those of user pool {pool_id}"]
    try:
        result = plan.user_pool_plan(params, current, current_mfa, groups)
    except plan.PlanError as e:
        return [_fails(str(e))]
    return _pool_reasons(result, current, current_mfa)


# --------------------------------------------------------------------------------------------- app client

_CLIENT_OPTIONS = {field: option for option, field in {**plan.LIST_OPTIONS, **plan.SCALAR_OPTIONS}.items()}


def _client_reasons(changes, current):
    reasons = []
    for field, value in changes.items():
        if field == "TokenValidityUnits":
            before = dict(plan.DEFAULT_TOKEN_VALIDITY_UNITS, **(current.get("TokenValidityUnits") or {}))
            reasons.extend(
                f"token_validity_units.{option}: {before.get(unit)} -> {value.get(unit)}"
                for option, unit in plan.UNIT_OPTIONS.items()
                if before.get(unit) != value.get(unit)
            )
        elif field in plan.LIST_OPTIONS.values():
            reasons.append(f"{_CLIENT_OPTIONS[field]}: {sorted(current.get(field) or [])} -> {sorted(value)}")
        else:
            reasons.append(f"{_CLIENT_OPTIONS.get(field, field)}: {current.get(field)!r} -> {value!r}")
    if changes and not reasons:
        reasons.append("differs")
    return reasons


def user_pool_client_differences(responses, wanted):
    """Why platform_ops.aws.cognito_user_pool_client would change something for the task arguments ``wanted``,
    from the aws_read ``responses`` (the reads of this file's docstring); [] when it would report changed=false.

    ``wanted.user_pool_id`` may be left out: the client is looked for in the pool the reads found."""
    pool = _found_pool(responses)
    args = _module_args(wanted)
    if not args.get("user_pool_id"):
        if not pool.get("Id"):
            return ["user pool missing or not read (user_pool): the client follows the pool"]
        args["user_pool_id"] = pool["Id"]
    try:
        params = plan.module_params(plan.user_pool_client_argument_spec(), args)
    except plan.PlanError as e:
        return [_fails(str(e))]
    error = plan.user_pool_client_params_error(params)
    if error:
        return [_fails(error)]
    pool_id, name = params["user_pool_id"], params["name"]
    if pool.get("Id") != pool_id:
        return [f"user pool {pool_id} not read (the reads found {pool.get('Id') or 'no pool'})"]
    clients = _listed(responses, "user_pool_clients", "UserPoolClients")
    if clients is None:
        return [f"app clients of user pool {pool_id} not read (user_pool_clients)"]
    if any(item.get("UserPoolId") not in (None, pool_id) for item in clients):
        return [f"app clients read (user_pool_clients) are not those of user pool {pool_id}"]
    matches = plan.clients_named(clients, name)
    if len(matches) > 1:
        return [_fails(plan.duplicate_clients_message(pool_id, name, matches))]
    if params["state"] == "absent":
        return [f"app client {name} ({matches[0]['ClientId']}) would be deleted"] if matches else []
    if not matches:
        return [f"app client {name} missing (would be created)"]
    described = _answer(responses, "user_pool_client", "UserPoolClient") or {}
    if described.get("ClientId") != matches[0]["ClientId"]:
        return [f"app client {matches[0]['ClientId']} not read (user_pool_client)"]
    current = {key: value for key, value in described.items() if key != "ClientSecret"}
    current["HasClientSecret"] = plan.has_client_secret(described)
    try:
        changes, _ = plan.user_pool_client_plan(params, current)
    except plan.PlanError as e:
        return [_fails(str(e))]
    return _client_reasons(changes, current)


# --------------------------------------------------------------------------------------------- ids


def user_pool_ids(responses):
    """The IDs the role takes from the modules' results when it skips them: ``user_pool_id``,
    ``user_pool_arn`` and ``user_pool_client_id`` of the pool and app client the reads found ('' for what is
    missing, or ambiguous: several pools with the pool's name, several clients with the client's name)."""
    pool = _found_pool(responses)
    if len(plan.pools_named(_listed(responses, "user_pools", "UserPools"), pool.get("Name"))) != 1:
        pool = {}
    app_client = _answer(responses, "user_pool_client", "UserPoolClient") or {}
    clients = _listed(responses, "user_pool_clients", "UserPoolClients")
    if (
        not pool
        or app_client.get("UserPoolId") != pool.get("Id")
        or len(plan.clients_named(clients, app_client.get("ClientName"))) != 1
    ):
        app_client = {}
    return {
        "user_pool_id": pool.get("Id") or "",
        "user_pool_arn": pool.get("Arn") or "",
        "user_pool_client_id": app_client.get("ClientId") or "",
    }


# --------------------------------------------------------------------------------------------- IAM roles


def _execution_role(svc, config, policy_ctx):
    name = svc["name"]
    return {
        "name": f"{config['execution_role_prefix']}{name}",
        "service": name,
        "description": (
            f"ECS task execution role of {config['prefix']}-{name}: pulls its image, writes its logs, reads its secrets"
        ),
        "tags": {**config["tags"], "PlatformRole": "execution", "Service": name},
        "policy_name": "execution",
        "policy": ecs_execution_role_policy(svc, policy_ctx),
    }


def _task_role(svc, config):
    """The task role of a service: grants on its buckets only when it uses storage (the preflight refuses
    buckets without it), read-only with ``bucket_access: read``; no policy without buckets."""
    name, storage, partition = svc["name"], config["storage"], config["partition"]
    buckets = (svc.get("buckets") or []) if "storage" in rules.service_uses(svc) else []
    read_only = (svc.get("bucket_access") or "read_write") == "read"
    bucket_arns = [f"arn:{partition}:s3:::{storage['buckets'][purpose]['name']}" for purpose in buckets]
    statements = []
    if bucket_arns:
        statements = [
            {
                "Sid": "ObjectsOfItsBuckets",
                "Effect": "Allow",
                "Action": ["s3:GetObject"] if read_only else ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": [f"{arn}/*" for arn in bucket_arns],
            },
            {"Sid": "ListItsBuckets", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket_arns},
            {
                "Sid": "PlatformKeyThroughS3",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"] if read_only else ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [storage["kms_key_arn"]],
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{config['region']}.amazonaws.com"}},
            },
        ]
    return {
        "name": f"{config['task_role_prefix']}{name}",
        "service": name,
        "description": f"ECS task role of {config['prefix']}-{name}",
        "tags": {**config["tags"], "PlatformRole": "task", "Service": name},
        "policy_name": "service-access",
        "policy": {"Version": "2012-10-17", "Statement": statements} if statements else None,
    }


def identity_iam_plan(found_roles, config):
    """The IAM plan of the identity role (roles/identity/tasks/roles.yml) from one listing of the roles under
    the role path: ``found_roles`` is ``amazon.aws.iam_role_info``'s ``iam_roles``.

    ``config``: prefix, platform_name, platform_env, region, dr_region, account, partition, storage
    (``platform_storage``: kms_key_arn, dr_kms_key_arn, buckets), services (``platform_services``),
    execution_role_prefix (``{prefix}-exec-``), task_role_prefix (``{prefix}-task-``), tags (the role's
    standard tags), role_path (``identity_role_path``) and trust (the trust policy every role should have,
    templates/ecs_tasks_trust.json.j2). Answers:

    - roles: every wanted role (name, service, description, tags, policy_name, policy: a document or None),
      the execution roles of the services, then their task roles
    - missing: the wanted roles that do not exist yet
    - converge: the wanted roles that are missing, whose trust policy, description or path differs, or that
      have managed policies attached (ListRoles carries no tags: tags are set whenever a role is converged)
    - policies: the inline policies to put ({role, name, document}; iam_inline_policies writes only what
      differs)
    - remove_policies: the other inline policies on the wanted roles ({role, name}), the service policy of a
      service that no longer has buckets included
    - stale: the roles under the path named like a task or execution role whose service is gone, the former
      shared execution role ``{prefix}-task-execution`` included (the role checks their tags before deleting)
    """
    storage = config["storage"]
    policy_ctx = {
        "prefix": config["prefix"],
        "platform_name": config["platform_name"],
        "platform_env": config["platform_env"],
        "region": config["region"],
        "account": config["account"],
        "partition": config["partition"],
        "kms_key_arn": storage["kms_key_arn"],
        "dr_region": config.get("dr_region") or "",
        "dr_kms_key_arn": storage.get("dr_kms_key_arn") or "",
    }
    services = config.get("services") or []
    roles = [_execution_role(svc, config, policy_ctx) for svc in services]
    roles += [_task_role(svc, config) for svc in services]
    found = {role["role_name"]: role for role in found_roles or []}
    iam = {"roles": roles, "converge": [], "missing": [], "policies": [], "remove_policies": [], "stale": []}
    for role in roles:
        have = found.get(role["name"])
        if have is None:
            iam["missing"].append(role["name"])
        if (
            have is None
            or have.get("assume_role_policy_document") != config["trust"]
            or have.get("description", "") != role["description"]
            or have.get("path") != config["role_path"]
            or have.get("managed_policies")
            or ("tags" in have and any(have["tags"].get(k) != str(v) for k, v in role["tags"].items()))
        ):
            iam["converge"].append(role["name"])
        if role["policy"] is not None:
            iam["policies"].append({"role": role["name"], "name": role["policy_name"], "document": role["policy"]})
        for name in (have or {}).get("inline_policies") or []:
            if role["policy"] is None or name != role["policy_name"]:
                iam["remove_policies"].append({"role": role["name"], "name": name})
    wanted = {role["name"] for role in roles}
    kinds = (config["task_role_prefix"], config["execution_role_prefix"])
    iam["stale"] = [name for name in found if name.startswith(kinds) and name not in wanted]
    return iam


# --------------------------------------------------------------------------------------------- input checks

# config key: (variable, lowest, highest)
IDENTITY_RANGES = {
    "password_min_length": ("identity_password_min_length", 12, 99),
    "temporary_password_validity_days": ("identity_temporary_password_validity_days", 0, 365),
    "access_token_validity_minutes": ("identity_access_token_validity_minutes", 5, 1440),
    "id_token_validity_minutes": ("identity_id_token_validity_minutes", 5, 1440),
    "refresh_token_validity_days": ("identity_refresh_token_validity_days", 1, 3650),
    "jwt_secret_length": ("identity_jwt_secret_length", 32, 4096),
}


def _as_int(value):
    """``value | int`` as the role's vars/main.yml passes it to the modules (Jinja's ``int``): a number, a
    numeric string (a decimal one truncated), 0 for anything else."""
    try:
        return int(value, 10) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return 0


def identity_input_errors(config):
    """Checks of the identity role's input before any AWS call; returns messages (empty: valid).

    ``config``: prefix (``{platform_name}-{platform_env}``), services (``platform_services``), role_path
    (``identity_role_path``), user_groups (``identity_user_groups``) and the numbers of ``IDENTITY_RANGES``
    (password_min_length, temporary_password_validity_days, access_token_validity_minutes,
    id_token_validity_minutes, refresh_token_validity_days, jwt_secret_length). The service names (DNS-safe,
    unique, not reserved, IAM role names within 64 characters), ``bucket_access`` and ``uses`` follow the
    shared rules of module_utils/platform_rules (``service_spec_errors``, also checked by roles/platform).
    """
    errors = service_spec_errors(config.get("services"), config.get("prefix"))
    for key, (variable, low, high) in IDENTITY_RANGES.items():
        value = config.get(key)
        if not low <= _as_int(value) <= high:
            errors.append(f"{variable} must be {low} to {high} (got {value})")
    path = config.get("role_path")
    if not rules.is_iam_path(path):
        errors.append(f"identity_role_path {path} is not an IAM path such as /platform/")
    # Group names are compared without case, as Ansible's unique filter does.
    groups = config.get("user_groups") or []
    names = [group.get("name") if isinstance(group, dict) else None for group in groups]
    if len({name.lower() if isinstance(name, str) else name for name in names}) != len(groups):
        errors.append("identity_user_groups has duplicate group names")
    return errors


class FilterModule:
    """Plans of the identity role: Cognito user pool and app client (read once), ECS roles, input checks."""

    def filters(self):
        return {
            "identity_user_pool_reads": user_pool_reads,
            "identity_user_pool_differences": user_pool_differences,
            "identity_user_pool_client_differences": user_pool_client_differences,
            "identity_user_pool_ids": user_pool_ids,
            "identity_iam_plan": identity_iam_plan,
            "identity_input_errors": identity_input_errors,
        }
