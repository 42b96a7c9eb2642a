"""The /cases API and the media processor over real HTTP against a real, migrated PostgreSQL."""

from __future__ import annotations

import hashlib
import sys
import time
import uuid

import psycopg
from app import auth


def test_create_and_list_round_trip(migrated_url, start_app):
    app = start_app({"DATABASE_URL": migrated_url})
    assert app.get("/cases")[:2] == (200, [])

    status, first, _ = app.post("/cases", {"title": "Smith v. Jones"})
    assert status == 201
    assert first["title"] == "Smith v. Jones" and first["status"] == "open"
    assert first["created_at"].startswith("20")
    status, second, _ = app.post("/cases", {"title": "Doe intake", "status": "pending"})
    assert status == 201 and second["id"] > first["id"]

    status, listed, _ = app.get("/cases")
    assert status == 200 and listed == [first, second]
    assert app.get("/cases?status=pending")[1] == [second]
    assert app.get("/cases?limit=1&offset=1")[1] == [second]
    assert app.get(f"/cases/{first['id']}")[1] == first
    assert app.get("/cases/999999")[:2] == (404, {"detail": "case not found"})

    # Really stored: read back with a separate connection.
    with psycopg.connect(migrated_url) as conn:
        rows = conn.execute("SELECT id, title, status FROM cases ORDER BY id").fetchall()
    assert rows == [(first["id"], "Smith v. Jones", "open"), (second["id"], "Doe intake", "pending")]


def test_bad_input_is_rejected(migrated_url, start_app):
    app = start_app({"DATABASE_URL": migrated_url})
    assert app.post("/cases", {"title": ""})[0] == 422
    assert app.post("/cases", {"title": "x" * 201})[0] == 422
    status, body, _ = app.post("/cases", {"title": "ok", "status": "archived"})
    assert status == 422 and body["detail"][0]["loc"] == ["body", "status"]
    assert app.get("/cases?limit=0")[0] == 422
    assert app.get("/cases")[1] == []


def test_jwt_secret_protects_writes(migrated_url, start_app):
    secret = "jwt-" + uuid.uuid4().hex
    app = start_app({"DATABASE_URL": migrated_url, "JWT_SECRET": secret})
    status, body, headers = app.post("/cases", {"title": "no token"})
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    forged = auth.encode({"sub": "mallory", "exp": int(time.time()) + 60}, "not-the-secret")
    assert app.post("/cases", {"title": "forged"}, headers={"Authorization": f"Bearer {forged}"})[:2] == (
        401,
        {"detail": "invalid token: bad signature"},
    )
    expired = auth.encode({"sub": "alice", "exp": int(time.time()) - 3600}, secret)
    assert app.post("/cases", {"title": "late"}, headers={"Authorization": f"Bearer {expired}"})[0] == 401
    token = auth.encode({"sub": "alice", "exp": int(time.time()) + 60}, secret)
    status, case, _ = app.post("/cases", {"title": "signed"}, headers={"Authorization": f"Bearer {token}"})
    assert status == 201 and case["title"] == "signed"
    assert [c["title"] for c in app.get("/cases")[1]] == ["signed"]  # reads stay open
    assert secret not in app.log


def test_media_processor_serves_health_and_hashes_documents(migrated_url, start_app, moto_endpoint, aws):
    bucket = f"caseapp-local-media-{uuid.uuid4().hex[:8]}"
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    payload = b"%PDF-1.7 exhibit A\n" * 1000
    s3.put_object(Bucket=bucket, Key="cases/1/exhibit-a.pdf", Body=payload)
    with psycopg.connect(migrated_url) as conn:
        case_id = conn.execute("INSERT INTO cases (title) VALUES ('media') RETURNING id").fetchone()[0]
        conn.execute(
            "INSERT INTO documents (case_id, s3_key) VALUES (%s, 'cases/1/exhibit-a.pdf'), (%s, 'cases/1/missing.pdf')",
            (case_id, case_id),
        )

    worker = start_app(
        {
            "DATABASE_URL": migrated_url,
            "S3_BUCKET_MEDIA": bucket,
            "AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_REGION": "us-east-1",
            "WORKER_INTERVAL_S": "0.2",
        },
        command=[sys.executable, "-m", "app.worker"],
    )
    status, report, _ = worker.get("/health")
    assert status == 200, report
    assert report["components"]["storage"]["buckets"] == {"media": "ok"}

    deadline = time.monotonic() + 15
    while True:
        with psycopg.connect(migrated_url) as conn:
            rows = dict(conn.execute("SELECT s3_key, sha256 FROM documents").fetchall())
        if rows["cases/1/exhibit-a.pdf"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert rows["cases/1/exhibit-a.pdf"] == hashlib.sha256(payload).hexdigest()
    assert rows["cases/1/missing.pdf"] is None  # unreadable object: left for a later pass, logged
    assert "cannot read s3 object" in worker.log
