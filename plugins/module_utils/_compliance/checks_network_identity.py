# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's checks of the network (VPC flow logs, open data ports), identity (Cognito, IAM),
ECS task definitions and the required tags.
"""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    CREDENTIALS_IN_URL_RE,
    DATA_PORTS,
    REQUIRED_TAGS,
    ROOT_USERS,
    SEARCH_PORTS,
    SECRET_NAME_RE,
    SECRET_REFERENCE_SUFFIXES,
    UNEVALUATED,
    WORLD_CIDRS,
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    Unsupported,
    _each,
    _passfail,
    result,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (
    _as_list,
    _statements,
    tag_dict,
)


# --- network, audit trail -----------------------------------------------------------------------
@check("VPC.FLOW_LOGS")
def _vpc_flow_logs(a):
    def evaluate(vpc):
        resp = a.paginate("ec2", "describe_flow_logs", Filters=[{"Name": "resource-id", "Values": [vpc["id"]]}])
        logs = [f for f in resp.get("FlowLogs", []) if f.get("ResourceId") == vpc["id"]]
        active = [f for f in logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
        if not active:
            return result(vpc, "FAIL", "no active flow log")
        kinds = sorted({f.get("TrafficType", "?") for f in active})
        if "ALL" not in kinds:
            return result(vpc, "FAIL", f"flow logs capture only {', '.join(kinds)} traffic (ALL required)")
        return result(vpc, "PASS", f"flow log {active[0].get('FlowLogId')} captures ALL traffic")

    return _each(a.vpcs(), evaluate)


def _search_security_groups(a):
    ids = set()
    try:
        for domain in a.search_domains():
            ids.update((domain["data"].get("VPCOptions") or {}).get("SecurityGroupIds", []))
    except Unsupported:
        pass
    return ids


def _open_ranges(permission):
    """The world CIDRs of an ingress permission."""
    cidrs = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
    cidrs += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
    return [c for c in cidrs if c in WORLD_CIDRS]


@check("EC2.OPEN_DATA_PORTS")
def _open_data_ports(a):
    search_groups = None

    def evaluate(sg):
        nonlocal search_groups
        if search_groups is None:
            search_groups = _search_security_groups(a)
        data = sg["data"]
        label = f"{data.get('GroupName', '')} {tag_dict(data.get('Tags')).get('Name', '')}".lower()
        ports = dict(DATA_PORTS)
        if sg["id"] in search_groups or "search" in label:
            ports.update(SEARCH_PORTS)
        problems = []
        for permission in data.get("IpPermissions", []):
            world = _open_ranges(permission)
            if not world:
                continue
            if permission.get("IpProtocol") in ("-1", -1):
                problems.append(f"all traffic from {', '.join(world)}")
                continue
            if permission.get("IpProtocol") not in ("tcp", "6", "udp", "17"):
                continue
            low, high = permission.get("FromPort", 0), permission.get("ToPort", 65535)
            for port in sorted(ports):
                if low <= port <= high:
                    problems.append(f"{port}/{ports[port]} from {', '.join(world)}")
        return _passfail(sg, not problems, "no data or admin port open to the internet", "open: " + "; ".join(problems))

    return _each(a.security_groups(), evaluate)


# --- identity -----------------------------------------------------------------------------------
@check("COGNITO.MFA")
def _cognito_mfa(a):
    return _each(
        a.user_pools(),
        lambda pool: _passfail(
            pool,
            pool["data"].get("MfaConfiguration") == "ON",
            "MFA required",
            f"MfaConfiguration is {pool['data'].get('MfaConfiguration', 'OFF')}",
        ),
    )


@check("COGNITO.PASSWORD_POLICY")
def _cognito_password(a):
    def evaluate(pool):
        policy = ((pool["data"].get("Policies") or {}).get("PasswordPolicy")) or {}
        problems = []
        length = int(policy.get("MinimumLength") or 0)
        if length < 12:
            problems.append(f"MinimumLength {length} (< 12)")
        for key in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols"):
            if not policy.get(key):
                problems.append(f"{key} is false")
        return _passfail(pool, not problems, f"minimum length {length}, all character classes", "; ".join(problems))

    return _each(a.user_pools(), evaluate)


def wildcard_grants(document):
    """Problems of an IAM policy document: Allow of "*" / "*:*", of service:* on "*", or with NotAction."""
    problems = []
    for index, statement in enumerate(_statements(document or {})):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid") or f"statement {index}"
        if "NotAction" in statement:
            problems.append(f"{sid}: Allow with NotAction")
            continue
        resources = _as_list(statement.get("Resource"))
        if "NotResource" in statement:
            resources = ["*"]
        for action in _as_list(statement.get("Action")):
            if action in ("*", "*:*"):
                problems.append(f'{sid}: Action "{action}"')
            elif isinstance(action, str) and action.endswith(":*") and "*" in resources:
                problems.append(f'{sid}: "{action}" on Resource "*"')
    return problems


@check("IAM.NO_WILDCARD_ACTIONS")
def _iam_wildcards(a):
    def evaluate(role):
        problems = []
        for label, document in a.role_policies(role["name"]):
            if document is None:
                problems.append(f"{label}: could not be read")
                continue
            problems.extend(f"{label}: {p}" for p in wildcard_grants(document))
        return _passfail(role, not problems, "no wildcard grants in inline or attached policies", "; ".join(problems))

    return _each(a.roles(), evaluate)


# --- ECS ----------------------------------------------------------------------------------------
def plaintext_secret_names(container):
    """Names (never values) of a container's environment variables that look like secrets."""
    names = []
    for env in container.get("environment", []) or []:
        name = env.get("name", "")
        value = env.get("value", "") or ""
        looks_secret = SECRET_NAME_RE.search(name) and not name.upper().endswith(SECRET_REFERENCE_SUFFIXES)
        if looks_secret or CREDENTIALS_IN_URL_RE.search(value):
            names.append(name)
    return names


@check("ECS.NO_PLAINTEXT_SECRETS")
def _ecs_secrets(a):
    def evaluate(task_def):
        problems = []
        for container in task_def["data"].get("containerDefinitions", []):
            names = plaintext_secret_names(container)
            if names:
                problems.append(f"container {container.get('name')}: {', '.join(names)}")
        return _passfail(
            task_def,
            not problems,
            "no secret-like names or credentials in plain environment",
            "secrets in plain environment: " + "; ".join(problems),
        )

    return _each(a.task_definitions(), evaluate)


@check("ECS.NON_ROOT_USER")
def _ecs_user(a):
    def evaluate(task_def):
        problems = []
        for container in task_def["data"].get("containerDefinitions", []):
            user = str(container.get("user") or "")
            if not user:
                problems.append(f"container {container.get('name')}: user not set (image default, often root)")
            elif user.split(":", maxsplit=1)[0] in ROOT_USERS:
                problems.append(f"container {container.get('name')}: user {user}")
        return _passfail(task_def, not problems, "every container runs as a non-root user", "; ".join(problems))

    return _each(a.task_definitions(), evaluate)


# --- tags ---------------------------------------------------------------------------------------
@check("TAGS.REQUIRED")
def _tags_required(a):
    out = []
    for rtype, loader in a.all_resources():
        try:
            resources = loader()
        except Unsupported as e:
            out.append(result(a.prefix, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported", rtype=rtype))
            continue
        for resource in resources:
            wrong = [
                f"{k}={resource['tags'].get(k, '(missing)')}"
                for k, v in REQUIRED_TAGS.items()
                if resource["tags"].get(k) != v
            ]
            out.append(
                _passfail(
                    resource,
                    not wrong,
                    "standard tags present",
                    f"expected ManagedBy=ansible, DataClassification=phi; found {', '.join(wrong)}",
                )
            )
    return out
