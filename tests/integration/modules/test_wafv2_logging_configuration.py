"""platform_ops.aws.wafv2_logging_configuration against the moto server; state asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "wafv2_logging_configuration"
ACCOUNT = "123456789012"


@pytest.fixture
def web_acl(aws):
    name = f"acl-{uuid.uuid4().hex[:12]}"
    return aws("wafv2").create_web_acl(
        Name=name,
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name},
    )["Summary"]["ARN"]


@pytest.fixture
def log_group(aws):
    name = f"aws-waf-logs-{uuid.uuid4().hex[:12]}"
    aws("logs").create_log_group(logGroupName=name)
    return f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{name}"


def _config(aws, arn: str):
    try:
        return aws("wafv2").get_logging_configuration(ResourceArn=arn)["LoggingConfiguration"]
    except aws("wafv2").exceptions.WAFNonexistentItemException:
        return None


def test_creates_with_redacted_headers_then_is_idempotent_with_one_read(
    run_module, aws, web_acl, log_group, moto_endpoint
):
    args = {
        "web_acl_arn": web_acl,
        "log_destination_configs": [log_group],
        "redacted_fields": {"headers": ["Authorization", "cookie"]},
    }
    first = run_module(MODULE, args, diff=True)
    assert not first.failed, first
    assert first.changed
    config = _config(aws, web_acl)
    assert config["LogDestinationConfigs"] == [log_group]
    assert config["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]
    assert first["diff"]["before"] == {}
    assert first["diff"]["after"]["log_destination_configs"] == [log_group]
    assert first["logging_configuration"]["redacted_fields"] == [
        {"single_header": {"name": "authorization"}},
        {"single_header": {"name": "cookie"}},
    ]

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args, diff=True)
    assert not again.failed, again
    assert not again.changed
    assert again["diff"]["before"] == again["diff"]["after"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {"wafv2.GetLoggingConfiguration": 1}


def test_check_mode_writes_nothing(run_module, aws, web_acl, log_group, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(
        MODULE, {"web_acl_arn": web_acl, "log_destination_configs": [log_group]}, check_mode=True, diff=True
    )
    assert not result.failed, result
    assert result.changed
    assert result["logging_configuration"]["log_destination_configs"] == [log_group]
    assert operations_delta(before, api_operations(moto_endpoint)) == {"wafv2.GetLoggingConfiguration": 1}
    assert _config(aws, web_acl) is None


def test_updates_redacted_fields_and_filter(run_module, aws, web_acl, log_group):
    base = {"web_acl_arn": web_acl, "log_destination_configs": [log_group]}
    assert run_module(MODULE, {**base, "redacted_fields": {"headers": ["cookie"]}}).changed
    changed = run_module(
        MODULE,
        {
            **base,
            "redacted_fields": {"headers": ["cookie"], "query_string": True},
            "logging_filter": {
                "default_behavior": "DROP",
                "filters": [{"behavior": "KEEP", "requirement": "MEETS_ANY", "conditions": [{"action": "BLOCK"}]}],
            },
        },
    )
    assert not changed.failed and changed.changed, changed
    config = _config(aws, web_acl)
    assert {"QueryString": {}} in config["RedactedFields"]
    assert config["LoggingFilter"]["DefaultBehavior"] == "DROP"
    assert config["LoggingFilter"]["Filters"][0]["Conditions"] == [{"ActionCondition": {"Action": "BLOCK"}}]
    # Redacted fields are compared as a set: another order changes nothing.
    same = run_module(
        MODULE,
        {
            **base,
            "redacted_fields": {"query_string": True, "headers": ["COOKIE"]},
            "logging_filter": {
                "default_behavior": "DROP",
                "filters": [{"behavior": "KEEP", "requirement": "MEETS_ANY", "conditions": [{"action": "BLOCK"}]}],
            },
        },
    )
    assert not same.failed and not same.changed, same


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ("arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-app:*", "ends with ':*'"),
        ("arn:aws:logs:us-east-1:123456789012:log-group:/platform/app/waf", "must begin with 'aws-waf-logs-'"),
        ("arn:aws:logs:us-west-2:123456789012:log-group:aws-waf-logs-app", "web ACL's region and account"),
        ("aws-waf-logs-app", "is not the ARN of a CloudWatch Logs log group"),
    ],
)
def test_refuses_a_bad_destination_before_any_request(run_module, web_acl, moto_endpoint, destination, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"web_acl_arn": web_acl, "log_destination_configs": [destination]})
    assert result.failed
    assert message in result["msg"]
    assert "log_destination_configs" in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_refuses_two_destinations_and_a_bad_web_acl_arn(run_module, moto_endpoint, log_group):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"web_acl_arn": "my-acl", "log_destination_configs": [log_group, log_group]})
    assert result.failed
    assert "web_acl_arn must be a WAFv2 web ACL ARN" in result["msg"]
    assert "exactly one destination" in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_a_missing_web_acl_is_named(run_module, log_group):
    arn = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/missing/{uuid.uuid4()}"
    result = run_module(MODULE, {"web_acl_arn": arn, "log_destination_configs": [log_group]})
    assert result.failed
    assert f"the web ACL {arn} does not exist" in result["msg"]


def test_absent_deletes_then_does_nothing(run_module, aws, web_acl, log_group):
    assert run_module(MODULE, {"web_acl_arn": web_acl, "log_destination_configs": [log_group]}).changed
    check = run_module(MODULE, {"web_acl_arn": web_acl, "state": "absent"}, check_mode=True)
    assert check.changed and _config(aws, web_acl) is not None
    gone = run_module(MODULE, {"web_acl_arn": web_acl, "state": "absent"})
    assert not gone.failed and gone.changed, gone
    assert gone["logging_configuration"] == {}
    assert _config(aws, web_acl) is None
    again = run_module(MODULE, {"web_acl_arn": web_acl, "state": "absent"})
    assert not again.failed and not again.changed, again
