"""Helpers for the reference-app tests (imported by conftest.py and the tests).

PostgreSQL: ``scripts/local_postgres.py`` (the same code the local stack uses) runs ``initdb`` and
``pg_ctl`` from Debian's server package (/usr/lib/postgresql/<v>/bin) into a fresh ``mkdtemp`` under /tmp,
listening on 127.0.0.1 at a free port. PostgreSQL refuses to run as root: when the tests run as root the
data directory is chowned to the ``postgres`` account (created by the Debian package; override with
PLATFORM_PG_OWNER) and the server tools run as that account through ``runuser -u postgres --``.
pytest's own tmp_path is not used for the data directory because /tmp/pytest-of-root is mode 0700 and the
``postgres`` account could not reach it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "examples" / "app"
BIN = Path(sys.executable).parent
# Variables the app reads: never inherited from the test runner's environment.
APP_ENV_PREFIXES = (
    "DATABASE_URL",
    "REDIS_",
    "S3_BUCKET_",
    "OPENSEARCH_",
    "JWT_",
    "APP_VERSION",
    "AWS_ENDPOINT_URL",
    "PLATFORM_ENV",
    "COGNITO_",
)

if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))  # in-process imports of the `app` package (config, auth, models)


def _load_local_postgres():
    if "local_postgres" in sys.modules:
        return sys.modules["local_postgres"]
    spec = importlib.util.spec_from_file_location("local_postgres", ROOT / "scripts" / "local_postgres.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["local_postgres"] = module
    spec.loader.exec_module(module)
    return module


local_postgres = _load_local_postgres()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(APP_ENV_PREFIXES)}
    env.update(extra)
    return env


def password_of(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


@dataclass
class PostgresServer:
    data_dir: Path
    url: str

    def database(self, prefix: str = "t") -> tuple[str, str]:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        return name, local_postgres.create_database(self.data_dir, name)


def start_postgres() -> PostgresServer:
    data_dir = Path(tempfile.mkdtemp(prefix="platform-pg-"))
    try:
        url = local_postgres.start(data_dir, database="app")
    except BaseException:
        local_postgres.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    return PostgresServer(data_dir, url)


def stop_postgres(server: PostgresServer) -> None:
    try:
        local_postgres.stop(server.data_dir)
    finally:
        shutil.rmtree(server.data_dir, ignore_errors=True)


def alembic(
    url: str | None, *args: str, cwd: Path = APP_DIR, check: bool = True, **kwargs
) -> subprocess.CompletedProcess:
    """Run alembic the way the platform does: `alembic upgrade head` in the app directory, URL from the env."""
    env = clean_env(**({"DATABASE_URL": url} if url is not None else {}))
    env.update(kwargs.pop("env", {}))
    proc = subprocess.run(
        [str(BIN / "alembic"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"alembic {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


class RunningApp:
    """The app in a subprocess; requests go over real HTTP on loopback."""

    def __init__(self, proc: subprocess.Popen, base: str, log: Path):
        self.proc, self.base, self.log_path = proc, base, log

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, parsed JSON body, headers)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - loopback
        req.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310
                return resp.status, json.loads(resp.read() or b"null"), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null"), dict(exc.headers)

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict, **kwargs):
        return self.request("POST", path, body=body, **kwargs)
