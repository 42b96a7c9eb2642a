"""The reference app on the platform wiring contract, each component checked against a real part.

Cache: Debian's redis-server (password, TLS with a throw-away CA). Storage: the moto server (S3).
Search: scripts/local_search.py, the local stack's OpenSearch stand-in, which refuses a request without a
SigV4 Authorization header for the service ``es``. Named failures: wrong Redis password -> cache fail,
missing bucket -> storage fail, unsigned search request -> search fail; no secret in the report or the log.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from platform_support import redis_server, search_stand_in

REDIS_PASSWORD = "r3dis-Auth-" + uuid.uuid4().hex  # noqa: S105 - a throw-away test value
JWT = "jwt-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def redis_plain():
    with redis_server(REDIS_PASSWORD) as server:
        yield server


@pytest.fixture(scope="module")
def search():
    with search_stand_in() as (url, _log):
        yield url


@pytest.fixture
def buckets(aws):
    s3 = aws("s3")
    names = {purpose: f"caseapp-local-{purpose}-{uuid.uuid4().hex[:8]}" for purpose in ("documents", "media")}
    for name in names.values():
        s3.create_bucket(Bucket=name)
    return names


def contract_env(migrated_url, redis_url, buckets, search_url, moto_endpoint) -> dict:
    """What the platform gives a service that uses everything (endpoints pointed at the test's real parts)."""
    return {
        "AWS_REGION": "us-east-1",
        "PLATFORM_ENV": "local",
        "S3_BUCKET_DOCUMENTS": buckets["documents"],
        "S3_BUCKET_MEDIA": buckets["media"],
        "OPENSEARCH_ENDPOINT": search_url,
        "COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
        "COGNITO_CLIENT_ID": "4h5j6k7l8m9n0p1q2r3s4t5u6v",
        "DATABASE_URL": migrated_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET": JWT,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


@pytest.fixture
def wired_env(migrated_url, redis_plain, buckets, search, moto_endpoint) -> dict:
    return contract_env(migrated_url, redis_plain.url(), buckets, search, moto_endpoint)


def _no_secret(app, report, *secrets: str) -> None:
    text = json.dumps(report) + app.log
    for secret in secrets:
        assert secret not in text


def test_every_component_of_the_contract_is_ok(wired_env, redis_plain, start_app):
    app = start_app(wired_env)
    status, report, _ = app.get("/health")
    assert status == 200, report
    components = report["components"]
    assert {name: comp["status"] for name, comp in components.items()} == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "search": "ok",
    }
    assert report["environment"] == "local"
    assert components["storage"]["buckets"] == {"documents": "ok", "media": "ok"}
    assert components["search"]["cluster_status"] == "green"
    assert isinstance(components["cache"]["latency_ms"], float)
    # The startup line names what is configured, masked.
    assert f"redis://:***@127.0.0.1:{redis_plain.port}/0" in app.log
    assert "us-east-1_AbCdEf123" in app.log
    _no_secret(app, report, REDIS_PASSWORD, JWT)


def test_wrong_redis_password_is_a_cache_failure(migrated_url, redis_plain, start_app):
    wrong = "Wr0ng-redis-" + uuid.uuid4().hex
    app = start_app({"DATABASE_URL": migrated_url, "REDIS_URL": redis_plain.url(password=wrong)})
    started = time.monotonic()
    status, report, _ = app.get("/health")
    assert time.monotonic() - started < 5
    assert status == 503 and report["failed"] == ["cache"]
    cache = report["components"]["cache"]
    assert cache["status"] == "fail"
    assert "AuthenticationError" in cache["error"] or "WRONGPASS" in cache["error"], cache
    _no_secret(app, report, wrong, REDIS_PASSWORD)


def test_redis_without_the_password_is_a_cache_failure(migrated_url, redis_plain, start_app):
    app = start_app({"DATABASE_URL": migrated_url, "REDIS_URL": f"redis://127.0.0.1:{redis_plain.port}/0"})
    status, report, _ = app.get("/health")
    assert status == 503 and report["failed"] == ["cache"]
    assert (
        "NOAUTH" in report["components"]["cache"]["error"] or "Authentication" in report["components"]["cache"]["error"]
    )


def test_rediss_uses_tls_and_verifies_the_server(migrated_url, start_app, tmp_path):
    with redis_server(REDIS_PASSWORD, tls=True) as server:
        # Trusting the test CA (as the image trusts Amazon's): PING over TLS with AUTH works.
        app = start_app({"DATABASE_URL": migrated_url, "REDIS_URL": server.url(), "SSL_CERT_FILE": str(server.ca_file)})
        status, report, _ = app.get("/health")
        assert status == 200, report
        assert report["components"]["cache"]["status"] == "ok"
        assert f"rediss://:***@127.0.0.1:{server.port}/0" in app.log
        _no_secret(app, report, REDIS_PASSWORD)

        # Without trusting it the certificate is refused: TLS is verified, not merely on.
        untrusted = tmp_path / "empty-ca.pem"
        untrusted.write_text("")
        app = start_app({"DATABASE_URL": migrated_url, "REDIS_URL": server.url(), "SSL_CERT_FILE": str(untrusted)})
        status, report, _ = app.get("/health")
        assert status == 503 and report["failed"] == ["cache"]
        assert "certificate" in report["components"]["cache"]["error"].lower()

        # A plain redis:// client against the TLS-only server fails too.
        app = start_app({"DATABASE_URL": migrated_url, "REDIS_URL": server.url(tls=False)})
        assert app.get("/health")[1]["failed"] == ["cache"]


def test_missing_bucket_is_a_storage_failure(wired_env, start_app):
    env = wired_env
    missing = f"caseapp-local-models-{uuid.uuid4().hex[:8]}"
    app = start_app({**env, "S3_BUCKET_MODELS": missing})
    status, report, _ = app.get("/health")
    assert status == 503 and report["failed"] == ["storage"]
    storage = report["components"]["storage"]
    assert storage["buckets"] == {"documents": "ok", "media": "ok", "models": "fail"}
    assert missing in storage["error"]
    _no_secret(app, report, REDIS_PASSWORD, JWT)


def test_search_needs_a_sigv4_signature(migrated_url, search, start_app):
    # No region: the app cannot sign, the stand-in (like a domain allowing IAM principals only) refuses.
    app = start_app(
        {"DATABASE_URL": migrated_url, "OPENSEARCH_ENDPOINT": search, "AWS_REGION": "", "AWS_DEFAULT_REGION": ""}
    )
    status, report, _ = app.get("/health")
    assert status == 503 and report["failed"] == ["search"]
    assert report["components"]["search"] == {"status": "fail", "error": "HTTP 403 from _cluster/health"}


def test_search_status_red_fails_and_yellow_is_ok(migrated_url, start_app):
    signed = {"DATABASE_URL": migrated_url, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
              "AWS_SECRET_ACCESS_KEY": "testing"}  # fmt: skip
    with search_stand_in("--status", "yellow") as (url, _):
        report = start_app({**signed, "OPENSEARCH_ENDPOINT": url}).get("/health")[1]
        assert report["components"]["search"]["status"] == "ok"
        assert report["components"]["search"]["cluster_status"] == "yellow"
    with search_stand_in("--status", "red") as (url, _):
        status, report, _ = start_app({**signed, "OPENSEARCH_ENDPOINT": url}).get("/health")
        assert status == 503 and report["components"]["search"]["error"] == "cluster status is red"


def test_a_component_the_service_does_not_use_is_skipped(migrated_url, redis_plain, start_app):
    # e.g. uses: [database, cache]: no S3_BUCKET_*, no OPENSEARCH_ENDPOINT.
    app = start_app({"DATABASE_URL": migrated_url, "REDIS_URL": redis_plain.url(), "PLATFORM_ENV": "local"})
    status, report, _ = app.get("/health")
    assert status == 200, report
    assert report["components"]["storage"] == {"status": "skipped"}
    assert report["components"]["search"] == {"status": "skipped"}
    assert report["components"]["cache"]["status"] == "ok"


def test_bare_opensearch_endpoint_gets_https():
    from app.config import Settings  # noqa: PLC0415

    settings = Settings.from_env({"OPENSEARCH_ENDPOINT": "vpc-caseapp-prod-search-abc.us-east-1.es.amazonaws.com"})
    assert settings.opensearch_url == "https://vpc-caseapp-prod-search-abc.us-east-1.es.amazonaws.com"
    # The older name still works; the contract's name wins.
    settings = Settings.from_env(
        {"OPENSEARCH_URL": "https://old.example", "OPENSEARCH_ENDPOINT": "https://new.example"}
    )
    assert settings.opensearch_url == "https://new.example"
    assert Settings.from_env({"OPENSEARCH_URL": "https://old.example"}).opensearch_url == "https://old.example"
