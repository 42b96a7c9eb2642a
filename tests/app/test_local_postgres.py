"""scripts/local_postgres.py: the real server the local stack and these tests use."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest
from app_support import ROOT, free_port, local_postgres, password_of


@pytest.fixture
def data_dir():
    path = Path(tempfile.mkdtemp(prefix="platform-pg-"))
    yield path
    local_postgres.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def test_start_status_stop_restart(data_dir):
    port = free_port()
    url = local_postgres.start(data_dir, port)
    assert url.startswith("postgresql://local_app:") and url.endswith(f"@127.0.0.1:{port}/app")
    assert local_postgres.start(data_dir) == url  # idempotent: reuses the running server

    state = local_postgres.status(data_dir)
    assert state["running"] and state["initialized"] and state["port"] == port
    assert state["url"] == f"postgresql://local_app:***@127.0.0.1:{port}/app"
    assert password_of(url) not in json.dumps(state)
    assert oct((data_dir / "platform_local.json").stat().st_mode & 0o777) == "0o600"

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user, inet_server_addr()::text").fetchone() == ("local_app", "127.0.0.1/32")
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(url.replace(password_of(url), "wrong"), connect_timeout=2)

    assert local_postgres.stop(data_dir) is True
    assert local_postgres.stop(data_dir) is False
    assert local_postgres.status(data_dir)["running"] is False
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)

    assert local_postgres.start(data_dir) == url  # same port, same credentials, same data
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
    if os.geteuid() == 0:
        assert data_dir.owner() == os.environ.get("PLATFORM_PG_OWNER", "postgres")


def test_create_database_and_bad_names(data_dir):
    local_postgres.start(data_dir)
    url = local_postgres.create_database(data_dir, "other_db")
    assert url.endswith("/other_db")
    assert local_postgres.create_database(data_dir, "other_db") == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("other_db",)
    with pytest.raises(local_postgres.LocalPostgresError, match="must match"):
        local_postgres.create_database(data_dir, "x; DROP DATABASE app")
    local_postgres.drop_database(data_dir, "other_db")
    with pytest.raises(psycopg.OperationalError, match="does not exist"):
        psycopg.connect(url, connect_timeout=2)


def test_refuses_a_foreign_directory_and_a_busy_port(data_dir):
    (data_dir / "precious.txt").write_text("not a database")
    with pytest.raises(local_postgres.LocalPostgresError, match="not empty"):
        local_postgres.start(data_dir)
    (data_dir / "precious.txt").unlink()

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(local_postgres.LocalPostgresError, match="in use"):
            local_postgres.start(data_dir, busy.getsockname()[1])


def test_cli(data_dir):
    script = [sys.executable, str(ROOT / "scripts" / "local_postgres.py")]

    def run(*args):
        return subprocess.run(
            [*script, *args, "--data-dir", str(data_dir)], capture_output=True, text=True, check=False
        )

    started = run("start")
    assert started.returncode == 0, started.stderr
    assert "postgresql      running on 127.0.0.1:" in started.stdout and "app:***@" in started.stdout
    url = run("url").stdout.strip()
    assert password_of(url) not in started.stdout
    assert json.loads(run("status").stdout)["running"] is True
    assert run("stop").stdout.strip() == "postgresql      stopped"
    assert run("stop").stdout.strip() == "postgresql      not running"
    failed = subprocess.run(
        [*script, "url", "--data-dir", str(data_dir / "nope")], capture_output=True, text=True, check=False
    )
    assert failed.returncode == 1 and "not initialized" in failed.stderr
