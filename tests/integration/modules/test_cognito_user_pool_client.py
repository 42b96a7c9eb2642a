"""platform_ops.aws.cognito_user_pool_client against the moto server."""

from __future__ import annotations

import json
import uuid

import pytest

MODULE = "cognito_user_pool_client"


def unique(prefix: str = "client") -> str:
    return f"test-{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def idp(aws):
    return aws("cognito-idp")


@pytest.fixture
def pool_id(idp):
    pool = idp.create_user_pool(PoolName=unique("pool"))["UserPool"]
    yield pool["Id"]
    idp.delete_user_pool(UserPoolId=pool["Id"])


def client_args(pool_id: str, name: str, **overrides) -> dict:
    args = {
        "user_pool_id": pool_id,
        "name": name,
        "generate_secret": False,
        "explicit_auth_flows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "access_token_validity": 60,
        "id_token_validity": 60,
        "refresh_token_validity": 1,
        "token_validity_units": {"access_token": "minutes", "id_token": "minutes", "refresh_token": "days"},
        "allowed_oauth_flows": ["code"],
        "allowed_oauth_scopes": ["openid", "email", "profile"],
        "callback_urls": ["https://app.example.org/callback"],
        "logout_urls": ["https://app.example.org/"],
        "supported_identity_providers": ["COGNITO"],
        "prevent_user_existence_errors": "ENABLED",
        "enable_token_revocation": True,
    }
    args.update(overrides)
    return args


def clients_named(idp, pool_id: str, name: str) -> list[dict]:
    clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    return [item for item in clients if item["ClientName"] == name]


def describe(idp, pool_id: str, client_id: str) -> dict:
    return idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]


def test_create_and_idempotent(run_module, idp, pool_id):
    name = unique()
    result = run_module(MODULE, client_args(pool_id, name))
    assert not result.failed, result
    assert result.changed
    matches = clients_named(idp, pool_id, name)
    assert len(matches) == 1
    client_id = matches[0]["ClientId"]
    assert result["client_id"] == client_id

    live = describe(idp, pool_id, client_id)
    assert "ClientSecret" not in live
    assert set(live["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert live["AccessTokenValidity"] == 60
    assert live["IdTokenValidity"] == 60
    assert live["RefreshTokenValidity"] == 1
    assert live["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert live["AllowedOAuthFlows"] == ["code"]
    assert live["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(live["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert live["CallbackURLs"] == ["https://app.example.org/callback"]
    assert live["LogoutURLs"] == ["https://app.example.org/"]
    assert live["SupportedIdentityProviders"] == ["COGNITO"]
    assert live["PreventUserExistenceErrors"] == "ENABLED"
    assert live["EnableTokenRevocation"] is True

    out = result["user_pool_client"]
    assert out["client_id"] == client_id
    assert out["name"] == name
    assert out["has_client_secret"] is False
    assert out["allowed_oauth_flows"] == ["code"]
    assert out["callback_urls"] == ["https://app.example.org/callback"]

    # same settings, lists in another order: nothing to do
    again = run_module(
        MODULE,
        client_args(
            pool_id,
            name,
            explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"],
            allowed_oauth_scopes=["profile", "openid", "email"],
        ),
    )
    assert not again.failed, again
    assert again.changed is False
    assert again["client_id"] == client_id
    assert len(clients_named(idp, pool_id, name)) == 1


def test_check_mode_create_and_update_change_nothing(run_module, idp, pool_id):
    name = unique()
    check = run_module(MODULE, client_args(pool_id, name), check_mode=True, diff=True)
    assert not check.failed, check
    assert check.changed
    assert clients_named(idp, pool_id, name) == []
    assert check["diff"]["before"] == {}
    assert check["diff"]["after"]["callback_urls"] == ["https://app.example.org/callback"]

    run_module(MODULE, client_args(pool_id, name))
    client_id = clients_named(idp, pool_id, name)[0]["ClientId"]
    check = run_module(MODULE, {"user_pool_id": pool_id, "name": name, "access_token_validity": 30}, check_mode=True)
    assert check.changed and not check.failed
    assert check["user_pool_client"]["access_token_validity"] == 30
    assert describe(idp, pool_id, client_id)["AccessTokenValidity"] == 60


def test_update_one_field_keeps_the_others(run_module, idp, pool_id):
    name = unique()
    run_module(MODULE, client_args(pool_id, name))
    client_id = clients_named(idp, pool_id, name)[0]["ClientId"]

    result = run_module(
        MODULE,
        {"user_pool_id": pool_id, "name": name, "access_token_validity": 30, "logout_urls": ["https://x.example.org/"]},
        diff=True,
    )
    assert not result.failed, result
    assert result.changed
    assert result["diff"]["before"]["access_token_validity"] == 60
    assert result["diff"]["after"]["access_token_validity"] == 30
    assert result["diff"]["after"]["logout_urls"] == ["https://x.example.org/"]
    assert result["diff"]["before"]["callback_urls"] == result["diff"]["after"]["callback_urls"]

    live = describe(idp, pool_id, client_id)
    assert live["AccessTokenValidity"] == 30
    assert live["LogoutURLs"] == ["https://x.example.org/"]
    assert live["IdTokenValidity"] == 60
    assert live["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"}
    assert live["CallbackURLs"] == ["https://app.example.org/callback"]
    assert live["AllowedOAuthFlows"] == ["code"]
    assert set(live["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert set(live["ExplicitAuthFlows"]) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert live["PreventUserExistenceErrors"] == "ENABLED"

    # 60 in the new unit (hours) would be 2.5 days: checked against the limits before any write
    too_long = run_module(
        MODULE, {"user_pool_id": pool_id, "name": name, "token_validity_units": {"id_token": "hours"}}
    )
    assert too_long.failed
    assert "id_token_validity=60 hours is outside the range" in too_long["msg"]
    units = run_module(
        MODULE,
        {"user_pool_id": pool_id, "name": name, "id_token_validity": 2, "token_validity_units": {"id_token": "hours"}},
    )
    assert units.changed and not units.failed, units
    live = describe(idp, pool_id, client_id)
    assert live["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "hours", "RefreshToken": "days"}
    assert live["IdTokenValidity"] == 2
    assert live["AccessTokenValidity"] == 30
    assert run_module(MODULE, {"user_pool_id": pool_id, "name": name, "access_token_validity": 30}).changed is False


def test_generate_secret_is_immutable(run_module, idp, pool_id):
    name = unique()
    run_module(MODULE, client_args(pool_id, name, generate_secret=False))
    result = run_module(MODULE, client_args(pool_id, name, generate_secret=True))
    assert result.failed
    assert "generate_secret cannot be changed on an existing app client" in result["msg"]
    client_id = clients_named(idp, pool_id, name)[0]["ClientId"]
    assert "ClientSecret" not in describe(idp, pool_id, client_id)
    # leaving generate_secret out is fine
    assert run_module(MODULE, {"user_pool_id": pool_id, "name": name}).changed is False


def test_secret_never_in_output(run_module, idp, pool_id):
    name = unique("secret")
    runs = [run_module(MODULE, client_args(pool_id, name, generate_secret=True), diff=True)]
    client_id = clients_named(idp, pool_id, name)[0]["ClientId"]
    secret = describe(idp, pool_id, client_id)["ClientSecret"]
    assert secret
    runs.append(run_module(MODULE, client_args(pool_id, name, generate_secret=True), diff=True))
    runs.append(
        run_module(MODULE, client_args(pool_id, name, generate_secret=True, access_token_validity=45), diff=True)
    )
    runs.append(run_module(MODULE, client_args(pool_id, name, generate_secret=False)))  # the error message
    runs.append(run_module(MODULE, {"user_pool_id": pool_id, "name": name, "state": "absent"}, diff=True))
    assert runs[0].changed and runs[1].changed is False and runs[2].changed and runs[3].failed
    assert runs[0]["user_pool_client"]["has_client_secret"] is True
    for result in runs:
        text = json.dumps(result)
        assert secret not in text
        assert "********" not in text  # nothing even needed masking: the secret never reached the output
        assert "client_secret" not in text.lower().replace("has_client_secret", "")


def test_delete_and_delete_again(run_module, idp, pool_id):
    name = unique()
    run_module(MODULE, client_args(pool_id, name))
    check = run_module(MODULE, {"user_pool_id": pool_id, "name": name, "state": "absent"}, check_mode=True)
    assert check.changed
    assert clients_named(idp, pool_id, name)
    result = run_module(MODULE, {"user_pool_id": pool_id, "name": name, "state": "absent"})
    assert not result.failed, result
    assert result.changed
    assert clients_named(idp, pool_id, name) == []
    again = run_module(MODULE, {"user_pool_id": pool_id, "name": name, "state": "absent"})
    assert not again.failed and again.changed is False
    gone_pool = run_module(MODULE, {"user_pool_id": "us-east-1_doesnotexist", "name": name, "state": "absent"})
    assert not gone_pool.failed and gone_pool.changed is False


def test_duplicate_client_names_fail_clearly(run_module, idp, pool_id):
    name = unique("dup")
    ids = [idp.create_user_pool_client(UserPoolId=pool_id, ClientName=name)["UserPoolClient"]["ClientId"] for _ in "ab"]
    result = run_module(MODULE, {"user_pool_id": pool_id, "name": name})
    assert result.failed
    for client_id in ids:
        assert client_id in result["msg"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"access_token_validity": 2, "token_validity_units": {"access_token": "days"}}, "outside the range"),
        ({"refresh_token_validity": 30, "token_validity_units": {"refresh_token": "minutes"}}, "outside the range"),
        ({"access_token_validity": 0}, "access_token_validity must be a positive number"),
        ({"allowed_oauth_flows": ["code", "client_credentials"]}, "client_credentials cannot be combined"),
        ({"explicit_auth_flows": ["ALLOW_EVERYTHING"]}, "explicit_auth_flows"),
        ({"token_validity_units": {"access_token": "weeks"}}, "access_token"),
    ],
)
def test_bad_input_fails_clearly(run_module, idp, pool_id, overrides, message):
    name = unique("bad")
    result = run_module(MODULE, client_args(pool_id, name, **overrides))
    assert result.failed
    assert message in result["msg"]
    assert clients_named(idp, pool_id, name) == []


def test_missing_pool_fails_clearly(run_module):
    result = run_module(MODULE, {"user_pool_id": "us-east-1_doesnotexist", "name": unique()})
    assert result.failed
    assert "User pool us-east-1_doesnotexist does not exist" in result["msg"]
