"""Real platform parts for the reference-app tests: a Redis server (Debian's redis-server, optionally TLS with
a throw-away CA) and the OpenSearch stand-in (scripts/local_search.py) as a process, each on a free loopback port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_support import ROOT, free_port

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"nothing listens on 127.0.0.1:{port} after {timeout}s:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class RedisServer:
    port: int
    password: str
    ca_file: Path | None = None

    def url(self, password: str | None = None, tls: bool | None = None) -> str:
        tls = self.ca_file is not None if tls is None else tls
        secret = self.password if password is None else password
        return f"{'rediss' if tls else 'redis'}://:{secret}@127.0.0.1:{self.port}/0"


def _make_tls_material(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 (openssl CLI)."""
    ca_key, ca_crt = directory / "ca.key", directory / "ca.crt"
    key, csr, crt, ext = (
        directory / "redis.key",
        directory / "redis.csr",
        directory / "redis.crt",
        directory / "san.ext",
    )

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test ca",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca_crt),
    )
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(csr))
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca_crt), "-CAkey", str(ca_key), "-CAcreateserial",
        "-days", "1", "-extfile", str(ext), "-out", str(crt))  # fmt: skip
    return ca_crt, crt, key


@contextmanager
def redis_server(password: str, tls: bool = False):
    """A real redis-server on 127.0.0.1 (requirepass, no persistence); with tls, only a TLS port."""
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is missing: apt-get install -y redis-server")
    directory = Path(tempfile.mkdtemp(prefix="platform-redis-"))
    port = free_port()
    argv = [REDIS_SERVER, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)]
    argv += ["--requirepass", password]
    ca_file = None
    if tls:
        ca_file, crt, key = _make_tls_material(directory)
        argv += ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(crt), "--tls-key-file", str(key)]
        argv += ["--tls-ca-cert-file", str(ca_file), "--tls-auth-clients", "no"]
    else:
        argv += ["--port", str(port)]
    log = directory / "redis.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_port(port, proc, log)
        yield RedisServer(port, password, ca_file)
    finally:
        _stop(proc)
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def search_stand_in(*extra: str):
    """scripts/local_search.py as a process (the local stack's stand-in); yields its base URL."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="platform-search-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "local_search.py"), "serve", "--port", str(port), *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait_port(port, proc, log)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_local/ready", timeout=5):  # noqa: S310 - loopback
            pass
        yield f"http://127.0.0.1:{port}", log
    finally:
        _stop(proc)
        log.unlink(missing_ok=True)
