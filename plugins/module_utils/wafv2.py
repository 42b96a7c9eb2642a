# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS WAF (wafv2) logging configurations: AWS's rules, the canonical form and the boto3 calls.

The rules are AWS WAF's (developer guide "Logging web ACL traffic" and the PutLoggingConfiguration API
reference): exactly one destination; a CloudWatch Logs log group, an S3 bucket or a Firehose delivery
stream whose name begins with ``aws-waf-logs-``; a log group given by its ARN without the trailing
``:*`` that DescribeLogGroups and CloudFormation's ``Arn`` attribute carry (WAF answers "The ARN isn't
valid" for it); a log group in the web ACL's account and region; redacted fields limited to single
headers, the URI path, the query string and the method.
"""

from __future__ import annotations

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

DESTINATION_PREFIX = "aws-waf-logs-"
WEB_ACL_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):wafv2:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"(?P<scope>regional|global)/webacl/(?P<name>[\w-]{1,128})/(?P<id>[0-9a-f-]{36})$"
)
LOG_GROUP_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):logs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):log-group:(?P<name>[^:*]+)$"
)
BUCKET_ARN_RE = re.compile(r"^arn:(?P<partition>aws[a-z-]*):s3:::(?P<name>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")
FIREHOSE_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):firehose:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"deliverystream/(?P<name>[a-zA-Z0-9_.-]{1,64})$"
)
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
REDACTED_FIELDS_MAX = 100
ACTIONS = ("ALLOW", "BLOCK", "COUNT", "CAPTCHA", "CHALLENGE", "EXCLUDED_AS_COUNT")


def validate_destination(web_acl_arn: str, destination: str) -> list[str]:
    """Why ``destination`` cannot receive the logs of ``web_acl_arn`` (empty when it can)."""
    acl = WEB_ACL_ARN_RE.match(web_acl_arn or "")
    problems = []
    if destination.endswith(":*"):
        return [
            f"log_destination_configs: {destination} ends with ':*' (the form DescribeLogGroups returns); "
            "AWS WAF wants the log group ARN without it: arn:<partition>:logs:<region>:<account>:log-group:<name>"
        ]
    for kind, pattern in (("log group", LOG_GROUP_ARN_RE), ("S3 bucket", BUCKET_ARN_RE), ("Firehose", FIREHOSE_ARN_RE)):
        found = pattern.match(destination)
        if not found:
            continue
        if not found["name"].startswith(DESTINATION_PREFIX):
            problems.append(
                f"log_destination_configs: the {kind} name of {destination} must begin with {DESTINATION_PREFIX!r} "
                "(AWS WAF logs only to destinations named so)"
            )
        if acl and kind != "S3 bucket" and (found["region"], found["account"]) != (acl["region"], acl["account"]):
            problems.append(
                f"log_destination_configs: the {kind} {destination} must be in the web ACL's region and account "
                f"({acl['region']}, {acl['account']})"
            )
        if acl and found["partition"] != acl["partition"]:
            problems.append(
                f"log_destination_configs: {destination} is not in the web ACL's partition {acl['partition']}"
            )
        return problems
    return [
        f"log_destination_configs: {destination!r} is not the ARN of a CloudWatch Logs log group, an S3 bucket or a "
        "Firehose delivery stream (e.g. arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-caseapp-prod)"
    ]


def validate(params: dict) -> list[str]:
    """Why the module's parameters cannot make a valid logging configuration (empty when they can)."""
    problems = []
    arn = params["web_acl_arn"]
    if not WEB_ACL_ARN_RE.match(arn or ""):
        problems.append(
            f"web_acl_arn must be a WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional|global/webacl/<name>/<id>), "
            f"got {arn!r}"
        )
    if params["state"] == "absent":
        return problems
    destinations = params.get("log_destination_configs") or []
    if len(destinations) != 1:
        problems.append(
            f"log_destination_configs must hold exactly one destination ARN (AWS WAF), got {len(destinations)}"
        )
    for destination in destinations:
        problems.extend(validate_destination(arn, destination))
    redacted = params.get("redacted_fields") or {}
    for header in redacted.get("headers") or []:
        if not HEADER_NAME_RE.match(header):
            problems.append(f"redacted_fields.headers: {header!r} is not a header name (1-64 token characters)")
    if len(desired_redacted_fields(redacted)) > REDACTED_FIELDS_MAX:
        problems.append(f"redacted_fields may name at most {REDACTED_FIELDS_MAX} fields")
    log_filter = params.get("logging_filter")
    if log_filter:
        if not log_filter.get("filters"):
            problems.append("logging_filter.filters must hold at least one filter")
        for index, item in enumerate(log_filter.get("filters") or []):
            conditions = item.get("conditions") or []
            if not conditions:
                problems.append(f"logging_filter.filters[{index}].conditions must hold at least one condition")
            for condition in conditions:
                if bool(condition.get("action")) == bool(condition.get("label_name")):
                    problems.append(
                        f"logging_filter.filters[{index}].conditions: each condition sets exactly one of action or "
                        f"label_name, got {condition}"
                    )
    return problems


def desired_redacted_fields(redacted: dict | None) -> list[dict]:
    """The RedactedFields (FieldToMatch list) the options describe; header names lower-cased."""
    redacted = redacted or {}
    fields = [{"SingleHeader": {"Name": header.lower()}} for header in dict.fromkeys(redacted.get("headers") or [])]
    if redacted.get("uri_path"):
        fields.append({"UriPath": {}})
    if redacted.get("query_string"):
        fields.append({"QueryString": {}})
    if redacted.get("method"):
        fields.append({"Method": {}})
    return fields


def desired_logging_filter(log_filter: dict | None) -> dict | None:
    """The LoggingFilter the options describe, or None."""
    if not log_filter:
        return None
    filters = []
    for item in log_filter.get("filters") or []:
        conditions = []
        for condition in item.get("conditions") or []:
            if condition.get("action"):
                conditions.append({"ActionCondition": {"Action": condition["action"]}})
            else:
                conditions.append({"LabelNameCondition": {"LabelName": condition["label_name"]}})
        filters.append({"Behavior": item["behavior"], "Requirement": item["requirement"], "Conditions": conditions})
    return {"DefaultBehavior": log_filter["default_behavior"], "Filters": filters}


def desired_configuration(params: dict) -> dict:
    config = {
        "ResourceArn": params["web_acl_arn"],
        "LogDestinationConfigs": list(params["log_destination_configs"]),
        "RedactedFields": desired_redacted_fields(params.get("redacted_fields")),
    }
    log_filter = desired_logging_filter(params.get("logging_filter"))
    if log_filter:
        config["LoggingFilter"] = log_filter
    return config


def _key(value) -> str:
    return json.dumps(value, sort_keys=True)


def canonical(config: dict | None) -> dict:
    """The parts of a logging configuration the module manages, comparable with ``==``."""
    if not config:
        return {}
    fields = [
        {"SingleHeader": {"Name": field["SingleHeader"].get("Name", "").lower()}} if "SingleHeader" in field else field
        for field in config.get("RedactedFields") or []
    ]
    out = {
        "ResourceArn": config.get("ResourceArn"),
        "LogDestinationConfigs": list(config.get("LogDestinationConfigs") or []),
        "RedactedFields": sorted(fields, key=_key),
    }
    if config.get("LoggingFilter"):
        out["LoggingFilter"] = config["LoggingFilter"]
    return out


@AWSRetry.jittered_backoff()
def get_logging_configuration(client, arn: str) -> dict:
    return client.get_logging_configuration(ResourceArn=arn)["LoggingConfiguration"]


@AWSRetry.jittered_backoff()
def put_logging_configuration(client, config: dict) -> dict:
    return client.put_logging_configuration(LoggingConfiguration=config)["LoggingConfiguration"]


@AWSRetry.jittered_backoff()
def delete_logging_configuration(client, arn: str) -> None:
    client.delete_logging_configuration(ResourceArn=arn)
