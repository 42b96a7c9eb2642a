"""Configuration of the reference app: environment only, secrets masked (in-process, no server)."""

from __future__ import annotations

import time

import pytest
from app import auth
from app.config import Settings, mask_url, scrub, sqlalchemy_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "postgresql://app:s3cr%40t@db.example:5432/app?sslmode=require",
            "postgresql://app:***@db.example:5432/app?sslmode=require",
        ),
        ("rediss://:tok@cache:6379/0", "rediss://:***@cache:6379/0"),
        ("postgresql://app@db/app", "postgresql://app@db/app"),
        ("https://search.example", "https://search.example"),
        (None, None),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    ("url", "converted"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ],
)
def test_sqlalchemy_url_uses_psycopg3(url, converted):
    assert sqlalchemy_url(url) == converted


def test_from_env_reads_every_component():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://app:dbpass1234@db:5432/app",
            "REDIS_HOST": "cache.internal",
            "REDIS_AUTH_TOKEN": "tok/en+1234",
            "S3_BUCKET_DOCUMENTS": "caseapp-prod-documents-x",
            "S3_BUCKET_MEDIA": "caseapp-prod-media-x",
            "S3_BUCKET_EMPTY": "  ",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
            "AWS_DEFAULT_REGION": "us-east-1",
            "OPENSEARCH_URL": "https://vpc-search.example",
            "JWT_SECRET": "jwtsecret-value",
            "APP_VERSION": "2026.11.23-abc123",
        }
    )
    assert settings.redis_url == "rediss://:tok%2Fen%2B1234@cache.internal:6379/0"
    assert settings.s3_buckets == {"documents": "caseapp-prod-documents-x", "media": "caseapp-prod-media-x"}
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000" and settings.aws_region == "us-east-1"
    assert settings.version == "2026.11.23-abc123"
    text = repr(settings) + repr(settings.describe())
    for secret in ("dbpass1234", "tok/en+1234", "tok%2Fen%2B1234", "jwtsecret-value"):
        assert secret not in text
    assert settings.describe()["jwt"] == "configured"
    message = "auth failed for dbpass1234 using tok%2Fen%2B1234 and jwtsecret-value"
    assert scrub(message, settings) == "auth failed for *** using *** and ***"


def test_redis_without_token_is_plain_and_optional():
    assert Settings.from_env({"REDIS_HOST": "localhost", "REDIS_PORT": "6380"}).redis_url == "redis://localhost:6380/0"
    assert Settings.from_env({"REDIS_URL": "redis://r:6379/1", "REDIS_HOST": "ignored"}).redis_url == "redis://r:6379/1"
    empty = Settings.from_env({})
    assert (empty.database_url, empty.redis_url, empty.s3_buckets, empty.opensearch_url) == (None, None, {}, None)


def test_jwt_round_trip_and_rejections():
    token = auth.encode({"sub": "alice", "exp": int(time.time()) + 60}, "k" * 32)
    assert auth.decode(token, "k" * 32)["sub"] == "alice"
    with pytest.raises(auth.InvalidToken, match="bad signature"):
        auth.decode(token, "other")
    with pytest.raises(auth.InvalidToken, match="malformed"):
        auth.decode("not-a-jwt", "k")
    no_exp = auth.encode({"sub": "alice"}, "k")
    with pytest.raises(auth.InvalidToken, match="exp"):
        auth.decode(no_exp, "k")
    header, payload, sig = token.split(".")
    none_alg = auth._b64encode(b'{"alg":"none"}') + f".{payload}.{sig}"
    with pytest.raises(auth.InvalidToken, match="alg"):
        auth.decode(none_alg, "k" * 32)
