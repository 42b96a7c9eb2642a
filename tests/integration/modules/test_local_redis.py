"""scripts/local_redis.py and the Redis part of scripts/local_stack.py: the local stack's real Redis
(Debian's redis-server, the ElastiCache stand-in), started, kept on its port, stopped."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("local_redis_under_test", ROOT / "scripts" / "local_redis.py")
local_redis = importlib.util.module_from_spec(spec)
spec.loader.exec_module(local_redis)

needs_server = pytest.mark.skipif(
    shutil.which("redis-server") is None and not os.access("/usr/bin/redis-server", os.X_OK),
    reason="redis-server is not installed (apt-get install -y redis-server)",
)


def _command(port: int, *words: str) -> bytes:
    """One RESP command on 127.0.0.1:port; the raw reply."""
    payload = f"*{len(words)}\r\n".encode() + b"".join(f"${len(w)}\r\n{w}\r\n".encode() for w in words)
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(payload)
        return sock.recv(256)


@pytest.fixture
def state_dir(tmp_path):
    yield tmp_path
    local_redis.stop(tmp_path)


@needs_server
def test_start_is_idempotent_keeps_its_port_and_stops(state_dir):
    url = local_redis.start(state_dir)
    port = json.loads((state_dir / "redis.json").read_text())["port"]
    assert url == f"redis://127.0.0.1:{port}/0"
    assert local_redis.start(state_dir) == url  # already running: reused
    assert local_redis.url(state_dir) == url
    assert _command(port, "SET", "k", "v") == b"+OK\r\n"
    assert _command(port, "CONFIG", "GET", "bind").endswith(b"127.0.0.1\r\n")

    status = local_redis.status(state_dir)
    assert status["installed"] and status["running"] and status["port"] == port and status["url"] == url
    pid = status["pid"]

    assert local_redis.stop(state_dir) is True
    assert local_redis.stop(state_dir) is False
    assert not local_redis.ping(port)
    assert local_redis.status(state_dir)["running"] is False
    with pytest.raises(local_redis.LocalRedisError, match="not running: run `local_stack.py up`"):
        local_redis.url(state_dir)

    assert local_redis.start(state_dir) == url  # the same port again
    assert local_redis.status(state_dir)["pid"] != pid
    assert _command(port, "GET", "k") == b"$-1\r\n"  # nothing persisted: a cache


@needs_server
def test_a_given_port_is_used_and_a_busy_one_refused(state_dir):
    port = local_redis.free_port()
    assert local_redis.start(state_dir, port) == f"redis://127.0.0.1:{port}/0"
    local_redis.stop(state_dir)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        with pytest.raises(local_redis.LocalRedisError, match=f"port {port} on 127.0.0.1 is in use"):
            local_redis.start(state_dir)
    assert local_redis.status(state_dir)["running"] is False


def test_missing_server_names_the_debian_package(monkeypatch, state_dir):
    monkeypatch.setattr(local_redis.shutil, "which", lambda name: None)
    monkeypatch.setattr(local_redis.os, "access", lambda path, mode: False)
    monkeypatch.delenv("PLATFORM_REDIS_SERVER", raising=False)
    with pytest.raises(local_redis.LocalRedisError, match="apt-get install -y redis-server"):
        local_redis.start(state_dir)
    assert local_redis.status(state_dir)["installed"] is False


def test_a_stale_pid_file_is_not_a_running_server(state_dir):
    (state_dir / "redis.json").write_text(json.dumps({"port": local_redis.free_port()}))
    (state_dir / "redis.pid").write_text(str(os.getpid()))  # alive, but not a redis-server
    assert local_redis.status(state_dir)["running"] is False
    assert local_redis.stop(state_dir) is False  # never signals a process that is not ours


@needs_server
def test_local_stack_redis_url_and_status(state_dir):
    env = dict(os.environ, PLATFORM_LOCAL_STATE=str(state_dir), PLATFORM_LOCAL_MOTO_PORT="1")

    def run(*args):
        return subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "local_stack.py"), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    missing = run("redis-url")
    assert missing.returncode == 1 and "not running" in missing.stderr
    url = local_redis.start(state_dir)
    assert run("redis-url").stdout.strip() == url
    assert f"redis           running, {url}" in run("status").stdout
