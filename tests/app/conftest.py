"""Fixtures for the reference app (examples/app): a real PostgreSQL server, fresh databases, the app over HTTP.

See app_support.py for how PostgreSQL is started (and why as the ``postgres`` account when run as root).
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from app_support import (
    APP_DIR,
    RunningApp,
    alembic,
    clean_env,
    free_port,
    local_postgres,
    start_postgres,
    stop_postgres,
)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the whole session (one per xdist worker), stopped and removed at the end."""
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture
def database_url(postgres_server):
    """A fresh, empty database on the session server (URL of the ``app`` role); dropped afterwards."""
    name, url = postgres_server.database()
    yield url
    local_postgres.drop_database(postgres_server.data_dir, name)


@pytest.fixture
def migrated_url(database_url):
    alembic(database_url, "upgrade", "head")
    return database_url


@pytest.fixture
def start_app(tmp_path):
    """``start_app(env, command=None, cwd=APP_DIR)`` -> RunningApp: uvicorn in a subprocess on a free loopback port.

    The app sees only ``env`` among the variables it reads (nothing leaks in from the runner).
    """
    started: list[subprocess.Popen] = []

    def start(env: dict | None = None, command: list[str] | None = None, cwd: Path = APP_DIR, **popen) -> RunningApp:
        port = free_port()
        full_env = clean_env(PYTHONDONTWRITEBYTECODE="1", LOG_LEVEL="info", PORT=str(port), HOST="127.0.0.1")
        full_env.update(env or {})
        cmd = command or [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
        log = tmp_path / f"app-{port}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **popen
            )
        started.append(proc)
        app = RunningApp(proc, f"http://127.0.0.1:{full_env['PORT']}", log)
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"app exited with {proc.returncode}:\n{app.log}")
            try:
                with urllib.request.urlopen(app.base + "/health/live", timeout=1):  # noqa: S310 - loopback
                    return app
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"app did not answer /health/live within 30s:\n{app.log}")
                time.sleep(0.1)

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
