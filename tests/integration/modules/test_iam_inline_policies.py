"""platform_ops.aws.iam_inline_policies against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "iam_inline_policies"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _doc(*actions: str, resource: str = "*") -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}


@pytest.fixture
def roles(aws):
    iam = aws("iam")
    names = [f"inl-{uuid.uuid4().hex[:8]}-{i}" for i in range(2)]
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    yield names
    for name in names:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)


def _inline(aws, role: str) -> dict:
    iam = aws("iam")
    return {
        name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    }


def test_converges_a_set_in_one_call_then_changes_nothing(run_module, aws, roles, moto_endpoint):
    a, b = roles
    aws("iam").put_role_policy(RoleName=b, PolicyName="legacy", PolicyDocument=json.dumps(_doc("s3:*")))
    wanted = [
        {"role": a, "name": "app", "document": _doc("s3:GetObject", "s3:PutObject")},
        {"role": b, "name": "app", "document": json.dumps(_doc("logs:PutLogEvents"))},
        {"role": b, "name": "legacy", "state": "absent"},
        {"role": a, "name": "never-there", "state": "absent"},
    ]
    check = run_module(MODULE, {"policies": wanted}, check_mode=True, diff=True)
    assert check.changed and not check.failed, check
    assert [p["action"] for p in check["policies"]] == ["created", "created", "deleted", "none"]
    assert set(check["diff"]["before"]) == {f"{b}: legacy"}
    assert set(check["diff"]["after"]) == {f"{a}: app", f"{b}: app"}
    assert _inline(aws, a) == {} and list(_inline(aws, b)) == ["legacy"], "check mode wrote something"

    first = run_module(MODULE, {"policies": wanted})
    assert first.changed and not first.failed, first
    assert _inline(aws, a) == {"app": _doc("s3:GetObject", "s3:PutObject")}
    assert _inline(aws, b) == {"app": _doc("logs:PutLogEvents")}

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"policies": wanted}, diff=True)
    assert not again.changed and not again.failed, again
    assert [p["action"] for p in again["policies"]] == ["none"] * 4
    assert again["diff"] == {"before": {}, "after": {}}
    # One read per policy, no write.
    assert operations_delta(before, api_operations(moto_endpoint)) == {"iam.GetRolePolicy": 4}


def test_compares_documents_as_iam_policy_does_and_reverts_drift(run_module, aws, roles):
    a, _ = roles
    doc = _doc("s3:GetObject", "s3:PutObject")
    assert run_module(MODULE, {"policies": [{"role": a, "name": "app", "document": doc}]}).changed
    reordered = {"Statement": [{"Resource": "*", "Action": ["s3:PutObject", "s3:GetObject"], "Effect": "Allow"}]}
    reordered["Version"] = "2012-10-17"
    same = run_module(MODULE, {"policies": [{"role": a, "name": "app", "document": reordered}]})
    assert not same.changed, same

    aws("iam").put_role_policy(RoleName=a, PolicyName="app", PolicyDocument=json.dumps(_doc("s3:*")))
    check = run_module(MODULE, {"policies": [{"role": a, "name": "app", "document": doc}]}, check_mode=True, diff=True)
    assert check.changed and check["policies"][0]["action"] == "updated", check
    assert check["diff"]["before"][f"{a}: app"] == _doc("s3:*")
    fixed = run_module(MODULE, {"policies": [{"role": a, "name": "app", "document": doc}]})
    assert fixed.changed and _inline(aws, a) == {"app": doc}


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"role": "r", "name": "p"}, "document is required with state=present"),
        ({"role": "r", "name": "p", "document": "{not json"}, "document is not JSON"),
        ({"role": "r", "name": "p", "document": {"Version": "2012-10-17"}}, "must be a policy with a Statement"),
        ({"role": "arn:aws:iam::123456789012:role/r", "name": "p", "document": _doc("s3:*")}, "not an IAM role name"),
        ({"role": "r", "name": "bad name", "document": _doc("s3:*")}, "not an IAM policy name"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, policy, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"policies": [policy]})
    assert result.failed and message in result["msg"], result
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_a_role_over_the_inline_policy_limit_or_a_pair_listed_twice_fails_first(run_module, moto_endpoint):
    big = _doc(*[f"s3:Action{i:04d}" for i in range(700)])
    before = api_operations(moto_endpoint)
    over = run_module(MODULE, {"policies": [{"role": "r", "name": "a", "document": big}]})
    assert over.failed and "10,240 characters" in over["msg"] and "r would have" in over["msg"], over
    twice = run_module(
        MODULE,
        {
            "policies": [
                {"role": "r", "name": "a", "document": _doc("s3:*")},
                {"role": "r", "name": "a", "state": "absent"},
            ]
        },
    )
    assert twice.failed and "listed twice" in twice["msg"], twice
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_a_missing_role_fails_with_its_name(run_module):
    result = run_module(MODULE, {"policies": [{"role": "no-such-role-x1", "name": "app", "document": _doc("s3:*")}]})
    assert result.failed and "no-such-role-x1: app" in result["msg"], result
