# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What platform_ops.aws.opensearch_log_publishing and opensearch_access_policy would change, without an AWS call:
their parameter checks, the log publishing options and the CloudWatch Logs resource policy they plan, and the
access policy comparison. The modules run these on what they read; the search role's plan (filter
``search_policies_plan``) runs them on the role's one read, so that a converged domain needs neither module."""

from __future__ import annotations

import json
import re

from ansible_collections.platform_ops.aws.plugins.module_utils.common import policy_change
from ansible_collections.platform_ops.aws.plugins.module_utils.opensearch import (
    MAX_RESOURCE_POLICIES,
    MAX_RESOURCE_POLICY_LENGTH,
    domain_name_problem,
)

LOG_TYPES = ("SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS")
LOG_GROUP_NAME_RE = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
POLICY_NAME_RE = re.compile(r"^.{1,255}$")


def log_publishing_problems(params):
    """The problems of opensearch_log_publishing's parameters ``params`` (empty: none), found before any AWS call."""
    problems = []
    name_problem = domain_name_problem(params["domain_name"])
    if name_problem:
        problems.append(name_problem)
    for log_type, group in (params["log_groups"] or {}).items():
        if log_type not in LOG_TYPES:
            problems.append(f"log_groups key {log_type!r} is not a log type; use one of {', '.join(LOG_TYPES)}")
        if not isinstance(group, str) or not group:
            problems.append(f"log_groups[{log_type}] must be a log group name or ARN")
        elif not group.startswith("arn:") and not LOG_GROUP_NAME_RE.match(group):
            problems.append(f"log_groups[{log_type}] {group!r} is not a valid log group name")
        elif group.startswith("arn:") and ":log-group:" not in group:
            problems.append(f"log_groups[{log_type}] {group!r} is not a CloudWatch Logs log group ARN")
    name = params["resource_policy_name"]
    if name is not None and not POLICY_NAME_RE.match(name):
        problems.append("resource_policy_name must be 1 to 255 characters")
    if name is None and (params["state"] == "absent" or params["log_groups"]):
        problems.append(
            "resource_policy_name is required: OpenSearch can publish only into log groups a resource policy "
            "opens to es.amazonaws.com (state=absent deletes that policy)"
        )
    if not 0 <= params["policy_propagation_timeout"] <= 900:
        problems.append("policy_propagation_timeout must be 0 to 900 seconds")
    return problems


def log_group_arn(group, partition, region, account):
    """The log group ARN without the trailing ':*' (the form OpenSearch stores)."""
    if group.startswith("arn:"):
        return group[:-2] if group.endswith(":*") else group
    return f"arn:{partition}:logs:{region}:{account}:log-group:{group}"


def policy_document(domain_arn, group_arns):
    account = domain_arn.split(":")[4]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OpenSearchPublishesLogs",
                "Effect": "Allow",
                "Principal": {"Service": "es.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": sorted(f"{arn}:*" for arn in group_arns),
                "Condition": {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": domain_arn}},
            }
        ],
    }


def normalise_policy(document):
    """Parse a policy and make single values lists, so AWS's and our rendering compare equal."""
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    out = []
    for original in statements:
        statement = dict(original)
        for key in ("Action", "Resource"):
            value = statement.get(key)
            if isinstance(value, str):
                statement[key] = [value]
            elif isinstance(value, list):
                statement[key] = sorted(value)
        out.append(statement)
    return {**document, "Statement": out}


def serialise_policy(document):
    """The policy as sent to PutResourcePolicy: compact JSON (its length counts against the 5120 limit)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def policy_limit_problem(name, document_text, existing_names, region):
    """Why PutResourcePolicy would be refused by CloudWatch Logs' quotas, or None."""
    if len(document_text) > MAX_RESOURCE_POLICY_LENGTH:
        return (
            f"the CloudWatch Logs resource policy {name} would be {len(document_text)} characters long; CloudWatch Logs"
            f" allows at most {MAX_RESOURCE_POLICY_LENGTH} per policy. Publish fewer log types or use shorter"
            " log group names"
        )
    if name not in existing_names and len(existing_names) >= MAX_RESOURCE_POLICIES:
        return (
            f"CloudWatch Logs allows at most {MAX_RESOURCE_POLICIES} resource policies per account and region and"
            f" {region} already has {len(existing_names)} ({', '.join(sorted(existing_names))}); delete one that is"
            f" no longer used before the resource policy {name} can be created"
        )
    return None


def enabled_log_types(options):
    """{log type: log group ARN} of the enabled options."""
    return {k: v["CloudWatchLogsLogGroupArn"] for k, v in sorted(options.items()) if v.get("Enabled")}


def plan_options(current, desired_groups, purge, enable):
    """The LogPublishingOptions to send ({} when nothing changes) and the options after the change."""
    changes = {}
    for log_type, arn in desired_groups.items():
        wanted = {"CloudWatchLogsLogGroupArn": arn, "Enabled": enable}
        have = current.get(log_type)
        if enable and have != wanted:
            changes[log_type] = wanted
        elif not enable and have and have.get("Enabled"):
            changes[log_type] = {**have, "Enabled": False}
    if enable and purge:
        for log_type, have in current.items():
            if log_type not in desired_groups and have.get("Enabled"):
                changes[log_type] = {**have, "Enabled": False}
    return changes, {**current, **changes}


def options_from_config(config):
    """{log type: {CloudWatchLogsLogGroupArn, Enabled}} of a DescribeDomainConfig ``DomainConfig``."""
    options = ((config or {}).get("LogPublishingOptions") or {}).get("Options") or {}
    return {
        log_type: {
            "CloudWatchLogsLogGroupArn": option.get("CloudWatchLogsLogGroupArn", ""),
            "Enabled": bool(option.get("Enabled")),
        }
        for log_type, option in options.items()
    }


def find_resource_policy(policies, name):
    """(the policy ``name`` of DescribeResourcePolicies' ``resourcePolicies`` normalised, or None; every name)."""
    found = None
    names = []
    for policy in policies or []:
        names.append(policy.get("policyName"))
        if policy.get("policyName") == name:
            found = normalise_policy(policy.get("policyDocument") or "{}")
    return found, names


def log_publishing_options_plan(domain_arn, current, params):
    """(the log groups by type as ARNs, the options to send ({} when nothing changes), the options after) for
    the domain ``domain_arn`` (None: missing) whose options are ``current``."""
    if not domain_arn:
        return {}, {}, current
    _, partition, _, region, account = domain_arn.split(":")[:5]
    groups = {t: log_group_arn(g, partition, region, account) for t, g in (params["log_groups"] or {}).items()}
    changes, planned = plan_options(current, groups, params["purge"], params["state"] == "present")
    return groups, changes, planned


def resource_policy_plan(domain_arn, groups, have, present):
    """(the resource policy wanted, normalised, or None; whether it differs from ``have``)."""
    want = normalise_policy(policy_document(domain_arn, groups.values())) if present and groups else None
    return want, (want is not None and have != want) or (want is None and have is not None)


def log_publishing_differences(domain_status, domain_config, resource_policies, params):
    """What opensearch_log_publishing (state present, ``params`` its options with their defaults) would change, as
    short reasons, from DescribeDomain's ``DomainStatus``, DescribeDomainConfig's ``DomainConfig`` and every
    DescribeResourcePolicies ``resourcePolicies`` item of the region; empty when nothing. A parameter problem
    or a missing domain is a reason (the module fails on it)."""
    reasons = [f"parameter: {problem}" for problem in log_publishing_problems(params)]
    if not domain_status or domain_status.get("Deleted") or domain_config is None:
        return [*reasons, "domain missing"]
    groups, changes, _ = log_publishing_options_plan(domain_status["ARN"], options_from_config(domain_config), params)
    if changes:
        reasons.append("log publishing options")
    if params["resource_policy_name"] is not None:
        have, _ = find_resource_policy(resource_policies, params["resource_policy_name"])
        _, changed = resource_policy_plan(domain_status["ARN"], groups, have, params["state"] == "present")
        if changed:
            reasons.append("resource policy")
    return reasons


# ---------------------------------------------------------------- the access policy (opensearch_access_policy)

POLICY_MAX = 102400


def policy_problem(policy):
    """What makes the loaded O(policy) no policy document, or None."""
    if not isinstance(policy, dict):
        return "policy must be a JSON object (an IAM policy document)"
    if not isinstance(policy.get("Statement"), (dict, list)) or not policy["Statement"]:
        return "policy must have a Statement (a statement or a list of statements)"
    if len(json.dumps(policy)) > POLICY_MAX:
        return f"policy must be at most {POLICY_MAX} characters once serialised"
    return None


def parse_policy(document):
    """AWS's AccessPolicies string -> the policy dict ({} when there is none, the raw text when it is not JSON)."""
    if not document:
        return {}
    try:
        return json.loads(document)
    except ValueError:
        return document


def access_policy_differences(domain_name, domain_status, policy):
    """What opensearch_access_policy (state present) would change on the domain ``domain_name`` whose
    DescribeDomain ``DomainStatus`` is ``domain_status`` (None: missing) to give it ``policy`` (a dict): ``[]`` or
    one reason."""
    name_problem = domain_name_problem(domain_name)
    problem = policy_problem(policy)
    if name_problem or problem:
        return [f"parameter: {name_problem or problem}"]
    if not domain_status or domain_status.get("Deleted"):
        return ["domain missing"]
    changed, _ = policy_change(parse_policy(domain_status.get("AccessPolicies")), policy, True)
    return ["access policy"] if changed else []
