"""Alembic migrations of the reference app against a real PostgreSQL server."""

from __future__ import annotations

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from app.config import sqlalchemy_url
from app.models import Base
from app_support import APP_DIR, ROOT, alembic, password_of
from sqlalchemy import create_engine, inspect


def test_upgrade_head_creates_the_tables(database_url):
    proc = alembic(database_url, "upgrade", "head")
    output = proc.stdout + proc.stderr
    assert "Running upgrade  -> 0001" in output and "Running upgrade 0001 -> 0002" in output
    # The URL is logged for operators, with its password masked.
    assert "app:***@127.0.0.1" in output
    assert password_of(database_url) not in output

    engine = create_engine(sqlalchemy_url(database_url))
    try:
        insp = inspect(engine)
        assert set(insp.get_table_names()) == {"alembic_version", "cases", "documents"}
        cases = {c["name"]: c for c in insp.get_columns("cases")}
        assert list(cases) == ["id", "title", "status", "created_at"]
        assert cases["title"]["nullable"] is False and cases["title"]["type"].length == 200
        assert "now()" in cases["created_at"]["default"]
        documents = {c["name"]: c for c in insp.get_columns("documents")}
        assert list(documents) == ["id", "case_id", "s3_key", "sha256", "created_at"]
        assert documents["sha256"]["nullable"] is True
        (fk,) = insp.get_foreign_keys("documents")
        assert fk["referred_table"] == "cases" and fk["constrained_columns"] == ["case_id"]
        assert fk["options"].get("ondelete") == "CASCADE"
        assert [ix["column_names"] for ix in insp.get_indexes("documents")] == [["case_id"]]
        assert insp.get_check_constraints("cases")[0]["name"] == "ck_cases_status"
    finally:
        engine.dispose()

    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        # The schema works: a document belongs to a case and goes with it.
        case_id = conn.execute("INSERT INTO cases (title) VALUES ('x') RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO documents (case_id, s3_key) VALUES (%s, 'k')", (case_id,))
        assert conn.execute("SELECT status FROM cases").fetchone() == ("open",)
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE cases SET status = 'bogus'")
        conn.rollback()
        conn.execute("DELETE FROM cases")
        assert conn.execute("SELECT count(*) FROM documents").fetchone() == (0,)


def test_models_match_the_migrations(migrated_url):
    """`alembic check` in code: autogenerate finds nothing between the ORM models and the migrated schema."""
    engine = create_engine(sqlalchemy_url(migrated_url))
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()
    assert alembic(migrated_url, "check").returncode == 0


def test_upgrade_is_idempotent_and_downgrade_reverses(migrated_url):
    again = alembic(migrated_url, "upgrade", "head")
    assert "Running upgrade" not in again.stderr
    alembic(migrated_url, "downgrade", "0001")
    with psycopg.connect(migrated_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables == {"alembic_version", "cases"}
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    alembic(migrated_url, "upgrade", "head")
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]


def test_runs_from_another_directory_with_dash_c(database_url):
    """alembic.ini resolves migrations/ and the app package relative to itself, not to the cwd."""
    alembic(database_url, "-c", str(APP_DIR / "alembic.ini"), "upgrade", "head", cwd=ROOT)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]


def test_offline_sql_needs_no_connection():
    proc = alembic("postgresql://u:secretpw@127.0.0.1:1/db", "upgrade", "head", "--sql")
    assert "CREATE TABLE cases" in proc.stdout and "CREATE TABLE documents" in proc.stdout
    assert "secretpw" not in proc.stdout + proc.stderr


def test_without_database_url_fails_clearly():
    proc = alembic(None, "upgrade", "head", check=False)
    assert proc.returncode != 0
    assert "DATABASE_URL is not set" in proc.stderr


def test_unreachable_database_fails_fast_without_leaking_the_password():
    proc = alembic("postgresql://app:hunter2secret@127.0.0.1:1/app", "upgrade", "head", check=False)
    assert proc.returncode != 0
    assert "hunter2secret" not in proc.stdout + proc.stderr
    assert "app:***@127.0.0.1:1/app" in proc.stderr
