# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names of the ecs_service role's resources (target groups, secrets) and the IAM roles of the services:
their names, the checks of those names, the execution role's inline policy and the role ARNs.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules

ELB_NAME_MAX = rules.NAME_LIMITS["elb_target_group"]
ELB_HASH_LENGTH = rules.TARGET_GROUP_HASH_LENGTH
# Secret names, secret-like environment names, reserved service names and name limits: one rule each,
# in module_utils/platform_rules (shared with the preflight and the compliance audit).
SECRET_NAME_RE = rules.SECRET_ENV_NAME_RE
SECRET_LIKE_RE = rules.SECRET_LIKE_NAME_RE
SECRET_REFERENCE_SUFFIXES = rules.SECRET_REFERENCE_SUFFIXES
STANDARD_TAG_KEYS = ("Project", "Environment", "ManagedBy", "DataClassification")


# --- names ------------------------------------------------------------------------------------


def ecs_target_group_name(service, prefix):
    """Target group of a public service: ``{prefix}-{service}`` within the 32-character ELB limit (the rule
    is module_utils/platform_rules' ``target_group_name``, which the monitoring role's alarms use too)."""
    return rules.target_group_name(service, prefix)


def ecs_secret_arn(env_name, platform_name, platform_env, region, account, *, partition="aws"):
    """Secrets Manager partial ARN (without the random suffix) of the secret a container sees as ``env_name``.

    Only a stand-in for a secret that does not exist yet (check mode): ECS and IAM need the full ARN
    that CreateSecret/DescribeSecret return (``...:secret:<name>-AbCdEf``). Secrets Manager reads an
    ARN whose name ends in ``-`` and six characters (``.../jwt-secret``) as a full ARN and then does
    not find the secret.
    """
    from ansible_collections.platform_ops.aws.plugins.filter.platform import secret_name  # noqa: PLC0415

    return (
        f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret_name(env_name, platform_name, platform_env)}"
    )


def ecs_secret_references(services, platform_name, platform_env):
    """``{env_name: secret name}`` of every secret the services get (``DATABASE_URL`` ->
    ``{prefix}/database/url``): the ones their specs list and the platform's per ``uses``
    (DATABASE_URL with database, REDIS_URL with cache), to look the full ARNs up once."""
    from ansible_collections.platform_ops.aws.plugins.filter.platform import secret_name  # noqa: PLC0415

    names = sorted({s for svc in services or [] for s in rules.service_secret_names(svc)})
    return {env: secret_name(env, platform_name, platform_env) for env in names}


# --- IAM roles of the services -----------------------------------------------------------------

IAM_ROLE_NAME_MAX = rules.NAME_LIMITS["iam_role"]
# Infixes of the per-service role names: {prefix}-exec-{service} (task execution: image pull, logs,
# its own secrets) and {prefix}-task-{service} (what the application itself may do).
IAM_ROLE_KINDS = {"execution": "exec", "task": "task"}
# Service names that would collide with a role name of the platform (the former shared execution
# role {prefix}-task-execution, still found and removed by the identity role).
IAM_RESERVED_SERVICE_NAMES = rules.RESERVED_SERVICE_NAMES
# Secrets no service's execution role may ever read, whatever its spec lists: the database master
# credentials (env name DATABASE_MASTER, {prefix}/database/master and the generated
# {prefix}/database/master-password). Only the database bootstrap task's own role reads them.
MASTER_SECRET_ENV_NAMES = rules.MASTER_SECRET_NAMES
MASTER_SECRET_PATHS = rules.MASTER_SECRET_PATHS


def ecs_iam_role_name(service, prefix, kind="execution"):
    """IAM role name of a service: ``{prefix}-exec-{service}`` (``kind=execution``) or
    ``{prefix}-task-{service}`` (``kind=task``). Not shortened: ``ecs_iam_role_errors`` refuses a
    name over IAM's 64 characters (a stable, readable name is what the audit and the ARNs show)."""
    if kind not in IAM_ROLE_KINDS:
        raise AnsibleFilterError(f"ecs_iam_role_name: kind must be one of {sorted(IAM_ROLE_KINDS)} (got {kind!r})")
    return f"{prefix}-{IAM_ROLE_KINDS[kind]}-{service}"


def ecs_iam_role_names(services, prefix):
    """``{service: {"execution": name, "task": name}}`` for service specs (or plain names)."""
    names = [s["name"] if isinstance(s, dict) else str(s) for s in services or []]
    return {n: {kind: ecs_iam_role_name(n, prefix, kind) for kind in IAM_ROLE_KINDS} for n in names}


def ecs_iam_role_errors(services, prefix):
    """Messages (``[]`` when valid) about service names whose IAM role names break IAM's rules:
    longer than 64 characters, or a reserved name. The one implementation of the rule, for the
    identity role, the preflight checks and the audit alike."""
    errors = []
    for name, roles in ecs_iam_role_names(services, prefix).items():
        errors.extend(rules.reserved_service_name_errors(f"platform_services[{name}]", name, prefix))
        errors.extend(rules.iam_role_name_errors(f"platform_services[{name}]", name, list(roles.values())))
    return errors


def ecs_is_master_secret(env_name, platform_name, platform_env):
    """True for a secret no service may read: ``DATABASE_MASTER`` or any ``{prefix}/database/master*``."""
    from ansible_collections.platform_ops.aws.plugins.filter.platform import resource_name, secret_name  # noqa: PLC0415

    name = secret_name(env_name, platform_name, platform_env)
    path = name[len(resource_name(platform_name, platform_env)) + 1 :]
    # The shared rule (module_utils/platform_rules), and anything under {prefix}/database/master*.
    return rules.is_master_secret(env_name, path) or any(path.startswith(p) for p in MASTER_SECRET_PATHS)


def ecs_execution_role_policy(service, ctx):
    """Inline policy of the service's task execution role ``{prefix}-exec-{service}``.

    ``service``: a service spec; ``ctx``: prefix, platform_name, platform_env, region, account,
    partition, kms_key_arn. Grants: ``ecr:GetAuthorizationToken`` (Resource ``*``: the action has
    no resource type), image pull from its repository ``{prefix}/{service}`` only, log streams in
    its log group ``/platform/{prefix}/{service}`` only, ``secretsmanager:GetSecretValue`` on the
    secrets it gets (those its spec lists, DATABASE_URL when it uses database, REDIS_URL when it uses
    cache; by name: ``...:secret:<name>-??????`` matches the random suffix, so the
    policy can exist before the secret) never a master secret, and ``kms:Decrypt`` with the platform
    key through Secrets Manager only.

    With ``ctx["dr_region"]`` (and ``dr_kms_key_arn``, the DR key) the same grants extend to the DR
    region, where the pilot light's tasks run with the same (global) role: its repository there, its
    log group there, the replicas of its secrets there (same names, region swapped) and ``kms:Decrypt``
    with the DR key through that region's Secrets Manager only.
    """
    from ansible_collections.platform_ops.aws.plugins.filter.platform import secret_name  # noqa: PLC0415

    name = service["name"] if isinstance(service, dict) else str(service)
    spec = service if isinstance(service, dict) else {}
    part, region, account, prefix = ctx.get("partition", "aws"), ctx["region"], ctx["account"], ctx["prefix"]
    dr_region = ctx.get("dr_region") or ""
    regions = [region] + ([dr_region] if dr_region and dr_region != region else [])
    log_groups = [f"arn:{part}:logs:{r}:{account}:log-group:/platform/{prefix}/{name}" for r in regions]
    statements = [
        {"Sid": "EcrAuthorization", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {
            "Sid": "PullItsImages",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Resource": [f"arn:{part}:ecr:{r}:{account}:repository/{prefix}/{name}" for r in regions],
        },
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [arn for group in log_groups for arn in (group, f"{group}:log-stream:*")],
        },
    ]
    secrets = sorted(
        {
            secret_name(s, ctx["platform_name"], ctx["platform_env"])
            for s in rules.service_secret_names(spec)
            if not ecs_is_master_secret(s, ctx["platform_name"], ctx["platform_env"])
        }
    )
    if secrets:
        statements.append(
            {
                "Sid": "ReadItsSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [
                    f"arn:{part}:secretsmanager:{r}:{account}:secret:{s}-??????" for r in regions for s in secrets
                ],
            }
        )
        statements.append(
            {
                "Sid": "DecryptItsSecrets",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [ctx["kms_key_arn"]],
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
            }
        )
        if len(regions) > 1 and ctx.get("dr_kms_key_arn"):
            statements.append(
                {
                    "Sid": "DecryptItsSecretsInTheDrRegion",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": [ctx["dr_kms_key_arn"]],
                    "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{dr_region}.amazonaws.com"}},
                }
            )
    return {"Version": "2012-10-17", "Statement": statements}


def ecs_role_arns(results, prefix, services):
    """``{execution_role_arns: {service: arn}, task_role_arns: {service: arn}}`` from
    ``amazon.aws.iam_role_info`` results looked up by name (``{prefix}-exec-{service}``,
    ``{prefix}-task-{service}``); "" for a role that was not found."""
    arns = {}
    for result in results or []:
        for role in result.get("iam_roles") or []:
            arns[role.get("role_name")] = role.get("arn")
    return {
        "execution_role_arns": {name: arns.get(ecs_iam_role_name(name, prefix)) or "" for name in services},
        "task_role_arns": {name: arns.get(ecs_iam_role_name(name, prefix, "task")) or "" for name in services},
    }


def _public(services):
    return [svc for svc in services if svc.get("public")]
