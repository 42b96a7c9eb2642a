"""platform_ops.aws.opensearch_log_publishing against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "opensearch_log_publishing"
ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def domain(aws):
    name = f"logs-{uuid.uuid4().hex[:10]}"
    aws("opensearch").create_domain(DomainName=name, EngineVersion="OpenSearch_2.13")
    return name


def _groups(domain: str) -> dict:
    return {
        "SEARCH_SLOW_LOGS": f"/platform/{domain}/search/search-slow-logs",
        "ES_APPLICATION_LOGS": f"/platform/{domain}/search/es-application-logs",
    }


def _arn(group: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"


def _real_options(aws, domain: str) -> dict:
    config = aws("opensearch").describe_domain_config(DomainName=domain)["DomainConfig"]
    return (config.get("LogPublishingOptions") or {}).get("Options") or {}


def _real_policy(aws, name: str):
    for policy in aws("logs").describe_resource_policies()["resourcePolicies"]:
        if policy["policyName"] == name:
            return json.loads(policy["policyDocument"])
    return None


def test_publishes_logs_and_writes_a_scoped_policy_then_is_idempotent(run_module, aws, domain, moto_endpoint):
    args = {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": f"{domain}-logs"}
    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    options = _real_options(aws, domain)
    assert options == {
        "SEARCH_SLOW_LOGS": {"CloudWatchLogsLogGroupArn": _arn(_groups(domain)["SEARCH_SLOW_LOGS"]), "Enabled": True},
        "ES_APPLICATION_LOGS": {
            "CloudWatchLogsLogGroupArn": _arn(_groups(domain)["ES_APPLICATION_LOGS"]),
            "Enabled": True,
        },
    }
    policy = _real_policy(aws, f"{domain}-logs")
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "es.amazonaws.com"}
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert sorted(statement["Resource"]) == sorted(f"{_arn(g)}:*" for g in _groups(domain).values())
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == first["domain_arn"]
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args)
    after = api_operations(moto_endpoint)
    assert not again.failed, again
    assert not again.changed
    writes = [op for op in operations_delta(before, after) if not op.split(".")[1].startswith("Describe")]
    assert writes == [], f"a no-op run wrote: {writes}"


def test_check_mode_with_diff_changes_nothing(run_module, aws, domain):
    args = {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": f"{domain}-logs"}
    checked = run_module(MODULE, args, check_mode=True, diff=True)
    assert not checked.failed, checked
    assert checked.changed
    assert checked["diff"]["before"] == {"enabled_log_types": {}, "resource_policy": {}}
    assert set(checked["diff"]["after"]["enabled_log_types"]) == {"SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"}
    assert not _real_options(aws, domain)
    assert _real_policy(aws, f"{domain}-logs") is None


def test_purge_disables_types_no_longer_asked_for(run_module, aws, domain):
    name = f"{domain}-logs"
    run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    only_app = {"ES_APPLICATION_LOGS": _groups(domain)["ES_APPLICATION_LOGS"]}
    result = run_module(MODULE, {"domain_name": domain, "log_groups": only_app, "resource_policy_name": name})
    assert not result.failed, result
    assert result.changed
    options = _real_options(aws, domain)
    assert options["ES_APPLICATION_LOGS"]["Enabled"] is True
    assert options["SEARCH_SLOW_LOGS"]["Enabled"] is False
    assert _real_policy(aws, name)["Statement"][0]["Resource"] == [f"{_arn(only_app['ES_APPLICATION_LOGS'])}:*"]


def test_absent_disables_publishing_and_deletes_the_policy(run_module, aws, domain):
    name = f"{domain}-logs"
    run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    gone = run_module(
        MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name, "state": "absent"}
    )
    assert not gone.failed, gone
    assert gone.changed
    assert not any(option["Enabled"] for option in _real_options(aws, domain).values())
    assert _real_policy(aws, name) is None
    again = run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})
    assert not again.failed and not again.changed, again


def test_absent_on_a_missing_domain_only_removes_the_policy(run_module, aws):
    name = f"gone-{uuid.uuid4().hex[:8]}-logs"
    aws("logs").put_resource_policy(
        policyName=name, policyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )
    result = run_module(MODULE, {"domain_name": "no-such-domain", "resource_policy_name": name, "state": "absent"})
    assert not result.failed, result
    assert result.changed and result["domain_arn"] == ""
    assert _real_policy(aws, name) is None


def test_a_missing_domain_fails_with_a_clear_message(run_module):
    result = run_module(
        MODULE, {"domain_name": "no-such-domain", "log_groups": {"AUDIT_LOGS": "/a/b"}, "resource_policy_name": "x"}
    )
    assert result.failed
    assert "no-such-domain does not exist" in result["msg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"domain_name": "Bad_Name", "resource_policy_name": "p"}, "domain_name 'Bad_Name'"),
        (
            {"domain_name": "good-name", "log_groups": {"SLOW": "/a"}, "resource_policy_name": "p"},
            "'SLOW' is not a log type",
        ),
        (
            {"domain_name": "good-name", "log_groups": {"AUDIT_LOGS": "bad group!"}, "resource_policy_name": "p"},
            "not a valid log group name",
        ),
        (
            {
                "domain_name": "good-name",
                "log_groups": {"AUDIT_LOGS": "arn:aws:s3:::bucket"},
                "resource_policy_name": "p",
            },
            "not a CloudWatch Logs log group ARN",
        ),
        ({"domain_name": "good-name", "log_groups": {"AUDIT_LOGS": "/a"}}, "resource_policy_name is required"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, args, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, args)
    assert result.failed
    assert message in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
