"""platform_ops.aws.iam_service_linked_role against the moto server."""

from __future__ import annotations

import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import iam_service_linked_roles as slr

from tests.conftest import api_operations, operations_delta

MODULE = "iam_service_linked_role"
PLATFORM = [
    "ecs.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "opensearchservice.amazonaws.com",
    "elasticache.amazonaws.com",
    "rds.amazonaws.com",
]


def _paths(aws) -> set:
    roles = aws("iam").list_roles(PathPrefix="/aws-service-role/")["Roles"]
    return {r["Path"] for r in roles}


def test_creates_the_missing_roles_in_one_call_then_is_idempotent(run_module, aws, moto_reset, moto_endpoint):
    check = run_module(MODULE, {"services": PLATFORM}, check_mode=True, diff=True)
    assert not check.failed, check
    assert check.changed
    assert check["created"] == PLATFORM
    assert check["roles"]["ecs.amazonaws.com"]["role_name"] == "AWSServiceRoleForECS"
    assert check["diff"]["before"]["rds.amazonaws.com"]["exists"] is False
    assert check["diff"]["after"]["rds.amazonaws.com"]["exists"] is True
    assert _paths(aws) == set()

    before = api_operations(moto_endpoint)
    first = run_module(MODULE, {"services": PLATFORM})
    assert not first.failed, first
    assert first.changed
    assert first["created"] == PLATFORM
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "iam.ListRoles": 1,
        "iam.CreateServiceLinkedRole": 5,
    }
    assert _paths(aws) == {f"/aws-service-role/{s}/" for s in PLATFORM}
    for service in PLATFORM:
        assert first["roles"][service]["exists"]
        assert f":role/aws-service-role/{service}/" in first["roles"][service]["arn"]

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"services": PLATFORM}, check_mode=True)
    again = run_module(MODULE, {"services": PLATFORM}, diff=True)
    assert not again.failed, again
    assert not again.changed
    assert again["created"] == []
    assert again["diff"]["before"] == again["diff"]["after"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {"iam.ListRoles": 2}


def test_a_role_that_exists_already_counts_as_present(run_module, aws, monkeypatch):
    """CreateServiceLinkedRole refusing an existing role (listed late, or created meanwhile) is success."""
    run_module(MODULE, {"services": ["elasticache.amazonaws.com"]})
    monkeypatch.setattr(slr, "list_service_linked_roles", lambda client: [])
    result = run_module(MODULE, {"services": ["elasticache.amazonaws.com"]})
    assert not result.failed, result
    assert not result.changed
    assert result["created"] == []


def test_already_exists_recognises_the_iam_answers():
    class Error(Exception):
        def __init__(self, code, message):
            super().__init__(message)
            self.response = {"Error": {"Code": code, "Message": message}}

    taken = "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix."
    assert slr.already_exists(Error("InvalidInput", taken))
    assert slr.already_exists(Error("EntityAlreadyExists", "Role with name x already exists."))
    assert not slr.already_exists(Error("InvalidInput", "Invalid service name"))
    assert not slr.already_exists(Error("AccessDenied", "no"))


def test_never_deletes_and_has_no_state_option(run_module):
    result = run_module(MODULE, {"services": ["rds.amazonaws.com"], "state": "absent"})
    assert result.failed
    assert "state" in result["msg"]


@pytest.mark.parametrize(
    ("services", "message"),
    [
        (["ecs"], "'ecs' is not an AWS service principal"),
        (["rds.amazonaws.com", "rds.amazonaws.com"], "listed more than once"),
    ],
)
def test_bad_input_fails_before_any_request(run_module, moto_endpoint, services, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"services": services})
    assert result.failed
    assert message in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_an_empty_list_does_nothing(run_module, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"services": []})
    assert not result.failed and not result.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
