"""platform_ops.aws.opensearch_access_policy against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "opensearch_access_policy"
ACCOUNT = "123456789012"
REGION = "us-east-1"
READ = {"es.DescribeDomain": 1}


def _role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def _policy(domain: str, *roles: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RolesUseTheDomain",
                "Effect": "Allow",
                "Principal": {"AWS": [_role(role) for role in roles]},
                "Action": ["es:ESHttp*"],
                "Resource": f"arn:aws:es:{REGION}:{ACCOUNT}:domain/{domain}/*",
            }
        ],
    }


def _new_domain(aws, *roles: str) -> str:
    """A new domain; with roles, created with the policy letting them in."""
    name = f"acl-{uuid.uuid4().hex[:10]}"
    extra = {"AccessPolicies": json.dumps(_policy(name, *roles))} if roles else {}
    aws("opensearch").create_domain(DomainName=name, EngineVersion="OpenSearch_2.13", **extra)
    return name


@pytest.fixture
def domain(aws):
    return _new_domain(aws)


def _real_policy(aws, domain: str) -> dict:
    document = aws("opensearch").describe_domain(DomainName=domain)["DomainStatus"].get("AccessPolicies")
    return json.loads(document) if document else {}


def _latency(endpoint: str, payload=None) -> dict:
    """The launcher's creation latencies; replaced by payload when given."""
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(
        f"{endpoint}/_platform_ops/latency", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)["latency"]


def test_sets_a_policy_on_a_domain_without_one_then_is_idempotent(run_module, aws, domain, moto_endpoint):
    args = {"domain_name": domain, "policy": _policy(domain, "app", "indexer")}
    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    assert _real_policy(aws, domain) == _policy(domain, "app", "indexer")
    assert first["access_policy"] == _policy(domain, "app", "indexer")
    assert first["domain_arn"] == f"arn:aws:es:{REGION}:{ACCOUNT}:domain/{domain}"

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args)
    assert not again.failed, again
    assert not again.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == READ
    assert again["access_policy"] == _policy(domain, "app", "indexer")


@pytest.mark.parametrize("as_string", [False, True], ids=["dict", "json-string"])
def test_an_equal_policy_written_differently_is_not_a_change(run_module, aws, moto_endpoint, as_string):
    domain = _new_domain(aws, "app", "indexer")
    statement = _policy(domain, "app", "indexer")["Statement"][0]
    # Other key order, the principals in the other order, a one-element list and its string.
    same = {
        "Statement": [
            {
                "Resource": [statement["Resource"]],
                "Action": "es:ESHttp*",
                "Principal": {"AWS": [_role("indexer"), _role("app")]},
                "Effect": "Allow",
                "Sid": "RolesUseTheDomain",
            }
        ],
        "Version": "2012-10-17",
    }
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"domain_name": domain, "policy": json.dumps(same) if as_string else same}, diff=True)
    assert not result.failed, result
    assert not result.changed, result["diff"]
    assert operations_delta(before, api_operations(moto_endpoint)) == READ
    assert result["diff"]["before"] == result["diff"]["after"] == _policy(domain, "app", "indexer")
    assert _real_policy(aws, domain) == _policy(domain, "app", "indexer")


def test_a_single_principal_as_a_string_is_not_a_change(run_module, aws, moto_endpoint):
    domain = _new_domain(aws, "app")
    single = _policy(domain, "app")
    single["Statement"] = single["Statement"][0]  # a lone statement instead of a list, too
    single["Statement"]["Principal"]["AWS"] = _role("app")
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"domain_name": domain, "policy": single})
    assert not result.failed and not result.changed, result
    assert operations_delta(before, api_operations(moto_endpoint)) == READ


def test_a_changed_policy_is_written(run_module, aws, moto_endpoint):
    domain = _new_domain(aws, "app")
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"domain_name": domain, "policy": _policy(domain, "app", "reporting")}, diff=True)
    assert not result.failed, result
    assert result.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {**READ, "es.UpdateDomainConfig": 1}
    assert _real_policy(aws, domain) == _policy(domain, "app", "reporting")
    assert result["diff"] == {"before": _policy(domain, "app"), "after": _policy(domain, "app", "reporting")}


def test_check_mode_with_diff_writes_nothing(run_module, aws, domain, moto_endpoint):
    before = api_operations(moto_endpoint)
    checked = run_module(MODULE, {"domain_name": domain, "policy": _policy(domain, "app")}, check_mode=True, diff=True)
    assert not checked.failed, checked
    assert checked.changed
    assert checked["diff"] == {"before": {}, "after": _policy(domain, "app")}
    assert checked["access_policy"] == _policy(domain, "app")
    assert operations_delta(before, api_operations(moto_endpoint)) == READ
    assert _real_policy(aws, domain) == {}

    aws("opensearch").update_domain_config(DomainName=domain, AccessPolicies=json.dumps(_policy(domain, "app")))
    gone = run_module(MODULE, {"domain_name": domain, "state": "absent"}, check_mode=True, diff=True)
    assert not gone.failed and gone.changed, gone
    assert gone["diff"] == {"before": _policy(domain, "app"), "after": {}}
    assert _real_policy(aws, domain) == _policy(domain, "app")


def test_absent_removes_the_policy_then_is_a_no_op(run_module, aws, moto_endpoint):
    domain = _new_domain(aws, "app")
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"domain_name": domain, "state": "absent"}, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["access_policy"] == {}
    assert result["diff"] == {"before": _policy(domain, "app"), "after": {}}
    assert operations_delta(before, api_operations(moto_endpoint)) == {**READ, "es.UpdateDomainConfig": 1}
    assert _real_policy(aws, domain) == {}
    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"domain_name": domain, "state": "absent"})
    assert not again.failed and not again.changed, again
    assert operations_delta(before, api_operations(moto_endpoint)) == READ


def test_absent_without_a_policy_is_a_single_read(run_module, domain, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"domain_name": domain, "state": "absent"}, diff=True)
    assert not result.failed, result
    assert not result.changed
    assert result["access_policy"] == {} and result["diff"] == {"before": {}, "after": {}}
    assert operations_delta(before, api_operations(moto_endpoint)) == READ


def test_a_missing_domain_fails_with_a_clear_message(run_module):
    result = run_module(MODULE, {"domain_name": "no-such-domain", "policy": _policy("no-such-domain", "app")})
    assert result.failed
    assert "OpenSearch domain no-such-domain does not exist" in result["msg"]


def test_absent_on_a_missing_domain_changes_nothing(run_module):
    result = run_module(MODULE, {"domain_name": "no-such-domain", "state": "absent"})
    assert not result.failed, result
    assert not result.changed
    assert result["domain_arn"] == "" and result["access_policy"] == {}


def test_a_processing_domain_is_still_updated(run_module, aws, moto_endpoint):
    """Like opensearch_log_publishing: no refusal up front, AWS decides (moto accepts)."""
    saved = _latency(moto_endpoint)
    _latency(moto_endpoint, {**saved, "opensearch": 300})
    try:
        domain = _new_domain(aws)  # reported as being created (Processing true) for 300 s
    finally:
        _latency(moto_endpoint, saved)
    assert aws("opensearch").describe_domain(DomainName=domain)["DomainStatus"]["Processing"] is True
    result = run_module(MODULE, {"domain_name": domain, "policy": _policy(domain, "app")})
    assert not result.failed, result
    assert result.changed
    assert _real_policy(aws, domain) == _policy(domain, "app")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"domain_name": "Bad_Name", "policy": _policy("x", "app")}, "domain_name 'Bad_Name'"),
        ({"domain_name": "ab", "policy": _policy("x", "app")}, "domain_name 'ab'"),
        ({"domain_name": f"a{'b' * 28}", "policy": _policy("x", "app")}, "must be 3 to 28"),
        ({"domain_name": "9lives", "state": "absent"}, "domain_name '9lives'"),
        ({"domain_name": "good-name", "policy": {"Version": "2012-10-17"}}, "policy must have a Statement"),
        ({"domain_name": "good-name", "policy": '{"Statement": [}'}, "policy is not valid JSON"),
        ({"domain_name": "good-name", "policy": '["not", "an", "object"]'}, "policy must be a JSON object"),
        ({"domain_name": "good-name"}, "state is present but all of the following are missing: policy"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, args, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, args)
    assert result.failed
    assert message in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
