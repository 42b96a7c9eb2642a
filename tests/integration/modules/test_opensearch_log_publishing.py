"""platform_ops.aws.opensearch_log_publishing against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import api_operations, operations_delta
from tests.helpers import FakeClock

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


# ---------------------------------------------------------------- the policy before the options (AWS's check)

NOT_GRANTED = (
    "The Resource Access Policy specified for the CloudWatch Logs log group /platform/x/search/search-slow-logs"
    " does not grant sufficient permissions for Amazon OpenSearch Service to create a log stream."
    " Please check the Resource Access Policy."
)


def _client_error(code: str, message: str, operation: str = "UpdateDomainConfig"):
    import botocore.exceptions

    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.fixture
def module_under_test(monkeypatch):
    """The module object run_module runs, with a fake clock for the propagation retry."""
    from ansible_collections.platform_ops.aws.plugins.modules import opensearch_log_publishing as mod

    fake = FakeClock()
    monkeypatch.setattr(mod, "_sleep", fake.sleep)
    monkeypatch.setattr(mod, "_clock", fake.clock)
    mod.fake_time = fake
    return mod


def _update_that_checks_the_policy(mod, aws, policy_name, refusals, monkeypatch):
    """UpdateDomainConfig as AWS does it: refused while the policy is missing (or for ``refusals`` more calls)."""
    real_update = mod.update_domain_config
    calls = []

    def update(client, name, **config):
        calls.append(name)
        if _real_policy(aws, policy_name) is None:
            raise _client_error("ValidationException", NOT_GRANTED)
        if len(calls) <= refusals:
            raise _client_error("ValidationException", NOT_GRANTED)
        return real_update(client, name, **config)

    monkeypatch.setattr(mod, "update_domain_config", update)
    return calls


def test_policy_is_written_before_the_options(run_module, aws, domain, module_under_test, monkeypatch):
    name = f"{domain}-logs"
    calls = _update_that_checks_the_policy(module_under_test, aws, name, 0, monkeypatch)
    result = run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    assert result.changed and not result.failed, result
    assert calls == [domain]  # accepted at the first attempt: the policy was already there
    assert module_under_test.fake_time.sleeps == []
    assert set(_real_options(aws, domain)) == {"SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"}
    run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})


def test_options_are_retried_while_the_policy_propagates(run_module, aws, domain, module_under_test, monkeypatch):
    name = f"{domain}-logs"
    calls = _update_that_checks_the_policy(module_under_test, aws, name, 3, monkeypatch)
    result = run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    assert result.changed and not result.failed, result
    assert len(calls) == 4
    assert module_under_test.fake_time.sleeps == [2, 4, 8]
    assert _real_options(aws, domain)["SEARCH_SLOW_LOGS"]["Enabled"] is True
    run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})


def test_propagation_gives_up_after_the_timeout_with_a_clear_message(
    run_module, aws, domain, module_under_test, monkeypatch
):
    name = f"{domain}-logs"
    calls = _update_that_checks_the_policy(module_under_test, aws, name, 10_000, monkeypatch)
    result = run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    assert result.failed and result.changed, result
    assert f"OpenSearch still refuses the log publishing options of domain {domain} after 60 s" in result["msg"]
    assert sum(module_under_test.fake_time.sleeps) == 60
    assert module_under_test.fake_time.sleeps[:4] == [2, 4, 8, 16]
    assert max(module_under_test.fake_time.sleeps) == 16
    assert len(calls) == len(module_under_test.fake_time.sleeps) + 1
    assert _real_policy(aws, name) is not None  # written first, kept for the next run
    run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})


def test_other_validation_errors_are_not_retried(run_module, aws, domain, module_under_test, monkeypatch):
    def update(client, name, **config):
        raise _client_error("ValidationException", "Audit logs require fine-grained access control")

    monkeypatch.setattr(module_under_test, "update_domain_config", update)
    name = f"{domain}-logs"
    result = run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    assert result.failed
    assert f"Failed to update the log publishing options of OpenSearch domain {domain}" in result["msg"]
    assert module_under_test.fake_time.sleeps == []
    run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})


def test_absent_disables_publishing_before_deleting_the_policy(run_module, aws, domain, module_under_test, monkeypatch):
    name = f"{domain}-logs"
    run_module(MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name})
    real_update = module_under_test.update_domain_config
    seen = []

    def update(client, domain_name, **config):
        seen.append(_real_policy(aws, name) is not None)
        return real_update(client, domain_name, **config)

    monkeypatch.setattr(module_under_test, "update_domain_config", update)
    gone = run_module(
        MODULE, {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name, "state": "absent"}
    )
    assert gone.changed and not gone.failed, gone
    assert seen == [True]
    assert _real_policy(aws, name) is None


# ---------------------------------------------------------------- CloudWatch Logs quotas


def test_one_policy_per_domain_always_fits_5120_characters():
    """The worst case: all four log types, log group names of the maximum 512 characters, a 28-character domain."""
    from ansible_collections.platform_ops.aws.plugins.module_utils import opensearch_plan as mod

    domain_arn = "arn:aws-us-gov:es:us-gov-west-1:123456789012:domain/" + "d" * 28
    groups = [f"arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/{t}" + "g" * 490 for t in mod.LOG_TYPES]
    groups = [g[: g.index(":log-group:") + len(":log-group:") + 512] for g in groups]
    text = mod.serialise_policy(mod.policy_document(domain_arn, groups))
    assert len(text) < mod.MAX_RESOURCE_POLICY_LENGTH
    assert mod.policy_limit_problem("p", text, [], "us-east-1") is None

    typical = [_arn(f"/platform/{'p' * 20}-staging/search/{t.lower().replace('_', '-')}") for t in mod.LOG_TYPES]
    assert len(mod.serialise_policy(mod.policy_document(domain_arn, typical))) < 1000


def test_policy_limit_problem_names_the_limits():
    from ansible_collections.platform_ops.aws.plugins.module_utils import opensearch_plan as mod

    too_long = mod.policy_limit_problem("p", "x" * 5121, [], "us-east-1")
    assert "would be 5121 characters long; CloudWatch Logs allows at most 5120 per policy" in too_long
    ten = [f"n{i}" for i in range(10)]
    assert "already has 10 (n0, n1" in mod.policy_limit_problem("p", "{}", ten, "us-east-1")
    assert mod.policy_limit_problem("n3", "{}", ten, "us-east-1") is None  # replacing an existing one is fine


def test_an_eleventh_policy_fails_clearly_before_any_write(run_module, aws, moto_endpoint):
    region = "eu-west-3"
    logs = aws("logs", region=region)
    for policy in logs.describe_resource_policies()["resourcePolicies"]:
        logs.delete_resource_policy(policyName=policy["policyName"])
    name = f"limit-{uuid.uuid4().hex[:8]}"
    aws("opensearch", region=region).create_domain(DomainName=name, EngineVersion="OpenSearch_2.13")
    others = [f"other-{i}" for i in range(10)]
    for other in others:
        logs.put_resource_policy(
            policyName=other, policyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
        )
    try:
        before = api_operations(moto_endpoint)
        result = run_module(
            MODULE,
            {
                "region": region,
                "domain_name": name,
                "log_groups": _groups(name),
                "resource_policy_name": f"{name}-logs",
            },
        )
        writes = [op for op in operations_delta(before, api_operations(moto_endpoint)) if ".Describe" not in op]
        assert result.failed
        assert "CloudWatch Logs allows at most 10 resource policies per account and region" in result["msg"]
        assert f"{region} already has 10 (other-0, other-1" in result["msg"]
        assert writes == []
    finally:
        for other in others:
            logs.delete_resource_policy(policyName=other)


# ---------------------------------------------------------------- the retry helper itself


def test_retry_helper_stops_at_once_on_other_errors_and_returns_attempts():
    from ansible_collections.platform_ops.aws.plugins.module_utils import opensearch as os_utils

    fake = FakeClock()
    answers = [_client_error("ValidationException", NOT_GRANTED), "ok"]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert os_utils.retry_while_log_policy_propagates(call, 60, sleep=fake.sleep, clock=fake.clock) == ("ok", 2)
    assert fake.sleeps == [2]

    def denied():
        raise _client_error("AccessDeniedException", NOT_GRANTED)

    import botocore.exceptions

    with pytest.raises(botocore.exceptions.ClientError):
        os_utils.retry_while_log_policy_propagates(denied, 60, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [2]
    assert os_utils.is_log_policy_not_yet_effective(_client_error("ValidationException", NOT_GRANTED))
    assert not os_utils.is_log_policy_not_yet_effective(_client_error("ValidationException", "bad instance type"))


# ---------------------------------------------------------------- writes whose answer was lost, throttling

AWS_CONFIG = {"retries": {"mode": "standard", "total_max_attempts": 10}}


@pytest.mark.parametrize("operation", ["logs.PutResourcePolicy", "es.UpdateDomainConfig"])
def test_a_write_whose_answer_was_lost_is_retried(run_module, aws, domain, moto_endpoint, operation):
    from tests.conftest import faults, set_faults

    name = f"{domain}-logs"
    args = {
        "domain_name": domain,
        "log_groups": _groups(domain),
        "resource_policy_name": name,
        "aws_config": AWS_CONFIG,
    }
    set_faults(moto_endpoint, error_after_write={operation: 1})
    try:
        result = run_module(MODULE, args)
        assert faults(moto_endpoint)["injected"], "the fault was not injected"
    finally:
        set_faults(moto_endpoint)
    assert result.changed and not result.failed, result
    assert set(_real_options(aws, domain)) == {"SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS"}
    again = run_module(MODULE, args)
    assert not again.changed and not again.failed, again
    run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})


def test_throttling_is_retried(run_module, aws, domain, moto_endpoint):
    from tests.conftest import set_faults

    name = f"{domain}-logs"
    args = {"domain_name": domain, "log_groups": _groups(domain), "resource_policy_name": name}
    set_faults(moto_endpoint, throttle=0.5, seed=3, only=["logs.*", "es.*"])
    try:
        result = run_module(MODULE, args)  # botocore's legacy retries, then AWSRetry's backoff
    finally:
        set_faults(moto_endpoint)
    assert result.changed and not result.failed, result
    run_module(MODULE, {"domain_name": domain, "resource_policy_name": name, "state": "absent"})
