"""GET /health of the reference app over real HTTP: database at head, failures, optional components."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from app_support import alembic, free_port, local_postgres, password_of, start_postgres, stop_postgres


def test_ok_at_head(migrated_url, start_app):
    app = start_app({"DATABASE_URL": migrated_url, "APP_VERSION": "2026.11.23-abc123"})
    status, report, headers = app.get("/health")
    assert status == 200, report
    assert report["status"] == "ok"
    assert report["version"] == "2026.11.23-abc123"
    database = report["components"]["database"]
    assert database["status"] == "ok"
    assert database["revision"] == database["head"] == "0002"
    assert isinstance(database["latency_ms"], float) and 0 <= database["latency_ms"] < 2000
    assert "error" not in database
    # Not configured: skipped, and that does not fail the check.
    for name in ("cache", "storage", "search"):
        assert report["components"][name] == {"status": "skipped"}
    assert headers["cache-control"] == "no-store"
    # The password never appears in the log; the masked URL does.
    assert password_of(migrated_url) not in app.log
    user = migrated_url.split("://", 1)[1].split(":", 1)[0]
    assert f"postgresql://{user}:***@127.0.0.1" in app.log


def test_not_migrated_is_503_naming_the_database(database_url, start_app):
    app = start_app({"DATABASE_URL": database_url})
    status, report, _ = app.get("/health")
    assert status == 503
    assert report["status"] == "fail" and report["failed"] == ["database"]
    database = report["components"]["database"]
    assert database["status"] == "fail"
    assert database["revision"] is None and database["head"] == "0002"
    assert "not migrated" in database["error"]
    # Migrating fixes it without a restart.
    alembic(database_url, "upgrade", "head")
    status, report, _ = app.get("/health")
    assert status == 200 and report["components"]["database"]["revision"] == "0002"


def test_behind_head_is_503(database_url, start_app):
    alembic(database_url, "upgrade", "0001")
    app = start_app({"DATABASE_URL": database_url})
    status, report, _ = app.get("/health")
    assert status == 503
    database = report["components"]["database"]
    assert database["revision"] == "0001"
    assert database["error"] == "database is at revision 0001, expected head 0002"


def test_database_stopped_is_503_then_recovers(start_app):
    server = start_postgres()  # a server of its own, so stopping it does not disturb other tests
    try:
        alembic(server.url, "upgrade", "head")
        app = start_app({"DATABASE_URL": server.url})
        assert app.get("/health")[0] == 200
        assert app.post("/cases", {"title": "before the outage"})[0] == 201

        local_postgres.stop(server.data_dir)
        started = time.monotonic()
        status, report, _ = app.get("/health")
        assert time.monotonic() - started < 5, "the check must fail fast"
        assert status == 503
        assert report["failed"] == ["database"]
        assert report["components"]["database"]["status"] == "fail"
        assert "OperationalError" in report["components"]["database"]["error"]
        assert password_of(server.url) not in json.dumps(report)
        status, body, _ = app.get("/cases")
        assert status == 503 and body == {"detail": "database unavailable"}

        local_postgres.start(server.data_dir)
        status, report, _ = app.get("/health")
        assert status == 200, report
        assert [c["title"] for c in app.get("/cases")[1]] == ["before the outage"]
        assert password_of(server.url) not in app.log
    finally:
        stop_postgres(server)


def test_database_url_missing_is_503(start_app):
    app = start_app({})
    status, report, _ = app.get("/health")
    assert status == 503
    assert report["components"]["database"] == {"status": "fail", "error": "DATABASE_URL is not set"}
    assert app.get("/cases")[:2] == (503, {"detail": "database not configured"})


def test_wrong_password_fails_without_leaking_it(postgres_server, migrated_url, start_app):
    wrong = migrated_url.replace(password_of(migrated_url), "Wr0ngPassw0rd-xyz")
    app = start_app({"DATABASE_URL": wrong})
    status, report, _ = app.get("/health")
    assert status == 503
    assert "password authentication failed" in report["components"]["database"]["error"]
    assert "Wr0ngPassw0rd-xyz" not in json.dumps(report)
    assert "Wr0ngPassw0rd-xyz" not in app.log


def test_storage_checks_every_bucket(migrated_url, start_app, moto_endpoint, aws):
    s3 = aws("s3")
    documents = f"caseapp-local-documents-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=documents)
    env = {
        "DATABASE_URL": migrated_url,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_REGION": "us-east-1",
        "S3_BUCKET_DOCUMENTS": documents,
    }
    app = start_app(env)
    status, report, _ = app.get("/health")
    assert status == 200, report
    assert report["components"]["storage"]["status"] == "ok"
    assert report["components"]["storage"]["buckets"] == {"documents": "ok"}

    missing = f"caseapp-local-media-{uuid.uuid4().hex[:8]}"
    app = start_app({**env, "S3_BUCKET_MEDIA": missing})
    status, report, _ = app.get("/health")
    assert status == 503
    assert report["failed"] == ["storage"]
    storage = report["components"]["storage"]
    assert storage["buckets"] == {"documents": "ok", "media": "fail"}
    assert missing in storage["error"] and "404" in storage["error"]
    assert report["components"]["database"]["status"] == "ok"


def test_unreachable_cache_fails_fast_and_masks_the_token(migrated_url, start_app):
    port = free_port()  # nothing listens there
    app = start_app(
        {
            "DATABASE_URL": migrated_url,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(port),
            "REDIS_AUTH_TOKEN": "t0ken-s3cret-value",
        }
    )
    started = time.monotonic()
    status, report, _ = app.get("/health")
    assert time.monotonic() - started < 5
    assert status == 503 and report["failed"] == ["cache"]
    assert report["components"]["cache"]["status"] == "fail"
    assert report["components"]["database"]["status"] == "ok"
    assert "t0ken-s3cret-value" not in json.dumps(report) + app.log
    assert f"rediss://:***@127.0.0.1:{port}/0" in app.log  # token set: TLS by default, as on ElastiCache


class _FakeOpenSearch(BaseHTTPRequestHandler):
    cluster_status = "green"
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server API
        type(self).seen.append((self.path, dict(self.headers)))
        body = json.dumps({"cluster_name": "caseapp-local-search", "status": type(self).cluster_status}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_opensearch():
    handler = type("Handler", (_FakeOpenSearch,), {"seen": [], "cluster_status": "green"})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_search_reads_cluster_health_with_sigv4(migrated_url, start_app, fake_opensearch):
    handler, url = fake_opensearch
    env = {
        "DATABASE_URL": migrated_url,
        "OPENSEARCH_URL": url,
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    app = start_app(env)
    status, report, _ = app.get("/health")
    assert status == 200, report
    assert report["components"]["search"]["status"] == "ok"
    assert report["components"]["search"]["cluster_status"] == "green"
    path, headers = handler.seen[-1]
    assert path == "/_cluster/health"
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/es/aws4_request" in headers["Authorization"]

    handler.cluster_status = "red"
    status, report, _ = app.get("/health")
    assert status == 503 and report["failed"] == ["search"]
    assert report["components"]["search"]["error"] == "cluster status is red"


def test_liveness_checks_nothing(start_app):
    app = start_app({"DATABASE_URL": "postgresql://app:x@127.0.0.1:1/app"})
    assert app.get("/health/live")[:2] == (200, {"status": "ok", "version": "0.1.0"})
