"""platform_ops.aws.cognito_user against the moto server.

What moto (5.2.5, moto/cognitoidp) does here, which these tests rely on or work around:

* AdminCreateUser without TemporaryPassword stores no password at all and its response (like
  AdminGetUser's) has no password field; real Cognito generates one and only delivers it by
  email/SMS. The tests capture every request the module sends and prove none carries a password.
* In a pool whose UsernameAttributes include ``email`` the user's Username is a generated id and
  AdminGetUser/AdminAddUserToGroup also accept the email address (as Cognito does).
* AdminCreateUser with MessageAction=RESEND checks that the user exists and then creates the user
  AGAIN (a new user under a new id in an email-username pool), which real Cognito does not do; the
  RESEND test therefore asserts the request sent, not the state afterwards.
"""

from __future__ import annotations

import json
import uuid

import botocore.client
import pytest
from botocore.exceptions import ClientError

MODULE = "cognito_user"


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


@pytest.fixture
def pool(idp):
    """A pool like the platform's: email address as username, MFA required, groups admins and staff."""
    pool_id = idp.create_user_pool(
        PoolName=f"test-users-{uuid.uuid4().hex[:8]}",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        MfaConfiguration="ON",
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
    )["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    for group in ("admins", "staff"):
        idp.create_group(UserPoolId=pool_id, GroupName=group)
    return pool_id


@pytest.fixture
def calls(monkeypatch):
    """Every (operation, params) the module sends, recorded on the client side."""
    recorded = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, operation, params):
        recorded.append((operation, json.loads(json.dumps(params, default=str))))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    return recorded


def email() -> str:
    return f"user-{uuid.uuid4().hex[:8]}@example.org"


def ops(recorded) -> list[str]:
    return [operation for operation, _ in recorded]


def groups_of(idp, pool_id, username) -> list[str]:
    return sorted(
        g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)["Groups"]
    )


def attributes_of(idp, pool_id, username) -> dict:
    user = idp.admin_get_user(UserPoolId=pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def exists(idp, pool_id, username) -> bool:
    try:
        idp.admin_get_user(UserPoolId=pool_id, Username=username)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "UserNotFoundException"
        return False
    return True


def keys_and_values(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from keys_and_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_and_values(item)
    else:
        yield str(value)


def args(pool_id, username, **extra) -> dict:
    base = {
        "user_pool_id": pool_id,
        "username": username,
        "attributes": {"email": username, "email_verified": True},
        "groups": ["admins"],
    }
    base.update(extra)
    return base


def test_create_without_any_password_then_idempotent(run_module, idp, pool, calls):
    address = email()
    result = run_module(MODULE, args(pool, address), diff=True)
    assert not result.failed, result
    assert result.changed and result["invited"] is True

    # the request: no TemporaryPassword, invitation by email, the attributes the task set
    ((_, create),) = [(op, params) for op, params in calls if op == "AdminCreateUser"]
    assert "TemporaryPassword" not in create and "MessageAction" not in create
    assert create["Username"] == address and create["DesiredDeliveryMediums"] == ["EMAIL"]
    assert create["UserAttributes"] == [
        {"Name": "email", "Value": address},
        {"Name": "email_verified", "Value": "true"},
    ]
    assert ops(calls).count("AdminAddUserToGroup") == 1

    # the output: the user, never a password (no key or value mentions one)
    user = result["user"]
    assert user["status"] == "FORCE_CHANGE_PASSWORD" and user["enabled"] is True
    assert user["groups"] == ["admins"] and user["user_pool_id"] == pool
    assert user["attributes"]["email"] == address and user["attributes"]["email_verified"] == "true"
    assert user["username"] == user["attributes"]["sub"], "email-username pools keep a generated id"
    assert not [
        text for text in keys_and_values(dict(result)) if "password" in text.lower() and text != "FORCE_CHANGE_PASSWORD"
    ]
    assert result["diff"] == {
        "before": {},
        "after": {"attributes": {"email": address, "email_verified": "true"}, "groups": ["admins"]},
    }

    # real state
    assert attributes_of(idp, pool, address)["email_verified"] == "true"
    assert groups_of(idp, pool, address) == ["admins"]
    assert idp.admin_get_user(UserPoolId=pool, Username=address)["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    # second identical run: two reads, no write
    calls.clear()
    again = run_module(MODULE, args(pool, address), diff=True)
    assert not again.failed and not again.changed, again
    assert again["invited"] is False
    assert ops(calls) == ["AdminGetUser", "AdminListGroupsForUser"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert again["user"]["username"] == user["username"]
    users = idp.list_users(UserPoolId=pool)["Users"]
    assert len(users) == 1


def test_check_mode_creates_nothing(run_module, idp, pool, calls):
    address = email()
    result = run_module(MODULE, args(pool, address), check_mode=True, diff=True)
    assert not result.failed and result.changed, result
    assert "status" not in result["user"], "a user that does not exist yet has no status"
    assert result["user"]["groups"] == ["admins"]
    assert result["diff"]["before"] == {} and result["diff"]["after"]["groups"] == ["admins"]
    assert not exists(idp, pool, address)
    assert not {"AdminCreateUser", "AdminAddUserToGroup"} & set(ops(calls))


def test_update_attributes_and_groups_in_place(run_module, idp, pool, calls):
    address = email()
    created = run_module(MODULE, args(pool, address, attributes={"email": address, "family_name": "Doe"}))
    assert not created.failed and created.changed, created

    # check mode: reports the change, changes nothing
    calls.clear()
    planned = run_module(
        MODULE,
        args(pool, address, attributes={"given_name": "Alice"}, groups=["admins", "staff"]),
        check_mode=True,
        diff=True,
    )
    assert not planned.failed and planned.changed, planned
    assert planned["diff"]["before"]["groups"] == ["admins"]
    assert planned["diff"]["after"]["groups"] == ["admins", "staff"]
    assert "given_name" not in planned["diff"]["before"]["attributes"]
    assert planned["diff"]["after"]["attributes"]["given_name"] == "Alice"
    assert planned["user"]["attributes"]["given_name"] == "Alice"
    assert not {"AdminUpdateUserAttributes", "AdminAddUserToGroup"} & set(ops(calls))
    assert "given_name" not in attributes_of(idp, pool, address)
    assert groups_of(idp, pool, address) == ["admins"]

    # for real: only the attribute that differs is sent; others stay as they are
    calls.clear()
    updated = run_module(
        MODULE, args(pool, address, attributes={"email": address, "given_name": "Alice"}, groups=["admins", "staff"])
    )
    assert not updated.failed and updated.changed, updated
    ((_, update),) = [(op, params) for op, params in calls if op == "AdminUpdateUserAttributes"]
    assert update["UserAttributes"] == [{"Name": "given_name", "Value": "Alice"}]
    assert [params["GroupName"] for op, params in calls if op == "AdminAddUserToGroup"] == ["staff"]
    assert "AdminRemoveUserFromGroup" not in ops(calls)
    attributes = attributes_of(idp, pool, address)
    assert attributes["given_name"] == "Alice" and attributes["family_name"] == "Doe"
    assert groups_of(idp, pool, address) == ["admins", "staff"]
    assert updated["user"]["groups"] == ["admins", "staff"]

    # groups are only added unless purge_groups
    kept = run_module(MODULE, {"user_pool_id": pool, "username": address, "groups": ["staff"]})
    assert not kept.failed and not kept.changed, kept
    assert groups_of(idp, pool, address) == ["admins", "staff"]
    purged = run_module(MODULE, {"user_pool_id": pool, "username": address, "groups": ["staff"], "purge_groups": True})
    assert not purged.failed and purged.changed, purged
    assert groups_of(idp, pool, address) == ["staff"]
    assert purged["user"]["groups"] == ["staff"]


def test_absent_deletes_once(run_module, idp, pool):
    address = email()
    assert run_module(MODULE, args(pool, address)).changed
    planned = run_module(MODULE, {"user_pool_id": pool, "username": address, "state": "absent"}, check_mode=True)
    assert not planned.failed and planned.changed, planned
    assert exists(idp, pool, address)

    gone = run_module(MODULE, {"user_pool_id": pool, "username": address, "state": "absent"}, diff=True)
    assert not gone.failed and gone.changed, gone
    assert gone["diff"]["before"]["groups"] == ["admins"] and gone["diff"]["after"] == {}
    assert not exists(idp, pool, address)
    assert idp.list_users_in_group(UserPoolId=pool, GroupName="admins")["Users"] == []

    again = run_module(MODULE, {"user_pool_id": pool, "username": address, "state": "absent"})
    assert not again.failed and not again.changed, again


def test_message_actions(run_module, idp, pool, calls):
    quiet = email()
    result = run_module(MODULE, args(pool, quiet, message_action="SUPPRESS"))
    assert not result.failed and result.changed and result["invited"] is False, result
    ((_, create),) = [(op, params) for op, params in calls if op == "AdminCreateUser"]
    assert create["MessageAction"] == "SUPPRESS" and "TemporaryPassword" not in create

    # RESEND to a user who has not signed in yet: one AdminCreateUser with RESEND, no password
    calls.clear()
    resent = run_module(MODULE, {"user_pool_id": pool, "username": quiet, "message_action": "RESEND"})
    assert not resent.failed and resent.changed and resent["invited"] is True, resent
    ((_, request),) = [(op, params) for op, params in calls if op == "AdminCreateUser"]
    assert request == {
        "UserPoolId": pool,
        "Username": quiet,
        "DesiredDeliveryMediums": ["EMAIL"],
        "MessageAction": "RESEND",
    }

    # a user who has signed in gets nothing: a warning, no change
    confirmed = email()
    assert run_module(MODULE, args(pool, confirmed)).changed
    idp.admin_confirm_sign_up(UserPoolId=pool, Username=confirmed)
    calls.clear()
    skipped = run_module(MODULE, {"user_pool_id": pool, "username": confirmed, "message_action": "RESEND"})
    assert not skipped.failed and not skipped.changed, skipped
    assert "RESEND ignored" in json.dumps(skipped.get("warnings", []))
    assert "AdminCreateUser" not in ops(calls)


def test_missing_group_fails_before_creating(run_module, idp, pool, calls):
    address = email()
    result = run_module(MODULE, args(pool, address, groups=["admins", "auditors"]))
    assert result.failed, result
    assert f"groups: auditors not found in user pool {pool} (groups: admins, staff)" in result["msg"]
    assert "AdminCreateUser" not in ops(calls)
    assert not exists(idp, pool, address)


def test_missing_pool_fails_clearly(run_module):
    result = run_module(MODULE, args("us-east-1_doesnotexist9", email()))
    assert result.failed, result
    assert "User pool us-east-1_doesnotexist9 not found" in result["msg"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "alice smith"}, "contains characters Cognito does not allow (' ')"),
        ({"username": "x" * 129}, "Cognito allows at most 128"),
        ({"username": ""}, "username must not be empty"),
        ({"user_pool_id": "not a pool"}, "user_pool_id 'not a pool' is not a user pool ID"),
        ({"attributes": {"sub": "1234"}}, "attributes: 'sub' is set by Cognito and cannot be changed"),
        ({"attributes": {"email": None}}, "attributes: 'email' needs a value"),
        ({"desired_delivery_mediums": []}, "desired_delivery_mediums must name at least one"),
        ({"desired_delivery_mediums": ["PIGEON"]}, "value of desired_delivery_mediums must be one or more of"),
        ({"message_action": "omit"}, "value of message_action must be one of: SUPPRESS, RESEND"),
        ({"groups": [""]}, "groups: '' is not a valid group name"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, calls, overrides, message):
    result = run_module(MODULE, {**args("us-east-1_AbCdEf123", "alice@example.org"), **overrides})
    assert result.failed and message in result["msg"], result
    assert calls == []


def test_no_password_option_exists(run_module, calls):
    result = run_module(MODULE, {**args("us-east-1_AbCdEf123", "alice@example.org"), "temporary_password": "x"})
    assert result.failed and "Unsupported parameters" in result["msg"], result
    assert calls == []


def test_username_that_is_not_an_email_in_an_email_pool_fails_clearly(run_module, idp, pool):
    result = run_module(MODULE, {"user_pool_id": pool, "username": "alice"})
    assert result.failed, result
    assert f"Failed to create user alice in user pool {pool}" in result["msg"]
    assert "Username should be either an email or a phone number" in result["msg"]
    assert idp.list_users(UserPoolId=pool)["Users"] == []
