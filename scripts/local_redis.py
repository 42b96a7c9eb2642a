#!/usr/bin/env python3
"""A throwaway Redis server on loopback, for the local stack and the tests (the ElastiCache stand-in).

    local_redis.py start  [--state-dir DIR] [--port N]   start it if it is not running, print its URL
    local_redis.py stop   [--state-dir DIR]              stop it
    local_redis.py status [--state-dir DIR]              JSON: installed, running, pid, port, url
    local_redis.py url    [--state-dir DIR]              print redis://127.0.0.1:<port>/0 (fails when not running)

Importable: ``start(state_dir, port=None) -> url``, ``stop(state_dir) -> bool``, ``status(state_dir) -> dict``,
``url(state_dir) -> str``, ``ping(port) -> bool``, ``find_server() -> Path``.

How it runs:
- Debian's ``redis-server`` (``apt-get install -y redis-server``; ``/usr/bin/redis-server``, override with
  ``PLATFORM_REDIS_SERVER``). Never touches the system service (``redis-server.service``) or its
  configuration: this server gets its whole configuration on the command line.
- It listens on 127.0.0.1 only (protected mode on), on a port chosen once (a free one, or ``--port``) and
  kept in ``<state_dir>/redis.json``, like the local PostgreSQL. Its pid is ``<state_dir>/redis.pid``, its
  log ``<state_dir>/redis.log``, its working directory ``<state_dir>/redis/``.
- No AUTH and no TLS: the URL is plain ``redis://`` on loopback. On AWS, REDIS_URL is
  ``rediss://:<token>@<primary endpoint>:<port>/0`` (TLS and the AUTH token, roles/cache); the app reads
  either.
- Nothing is persisted (no RDB snapshots, no AOF): a cache, not a place for data you want to keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_STATE_DIR = Path(os.environ.get("PLATFORM_LOCAL_STATE") or ROOT / ".local" / "state")
STATE_FILE = "redis.json"
PID_FILE = "redis.pid"
LOG_FILE = "redis.log"
INSTALL_HINT = "install it with: apt-get update && apt-get install -y redis-server"


class LocalRedisError(RuntimeError):
    """A clear, actionable failure of the local Redis server."""


def find_server() -> Path:
    """$PLATFORM_REDIS_SERVER, else redis-server on the PATH, else /usr/bin/redis-server."""
    override = os.environ.get("PLATFORM_REDIS_SERVER")
    if override:
        if not os.access(override, os.X_OK):
            raise LocalRedisError(f"PLATFORM_REDIS_SERVER={override} is not an executable redis-server")
        return Path(override)
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None
    )
    if not found:
        raise LocalRedisError(
            f"redis-server not found (the local stack's Redis, the ElastiCache stand-in); {INSTALL_HINT}"
        )
    return Path(found)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ping(port: int, timeout: float = 1.0) -> bool:
    """True when a Redis server answers PING on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _load_state(state_dir: Path) -> dict:
    try:
        return json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _save_state(state_dir: Path, state: dict) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp = state_dir / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(state_dir / STATE_FILE)


def _pid(state_dir: Path) -> int | None:
    """The recorded pid when that process is alive and is a redis-server (a recycled pid is not ours)."""
    try:
        pid = int((state_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid if _is_redis_server(pid) else None


def _is_redis_server(pid: int) -> bool:
    """Whether the process runs redis-server (its command name, or the program of its retitled argv[0])."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return True  # no /proc: trust the pid file
    program = os.path.basename(argv0.split(" ")[0]) if argv0 else ""
    return "redis-server" in (comm, program)


def _url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def url(state_dir: str | os.PathLike = DEFAULT_STATE_DIR) -> str:
    """The URL of the running server; fails when it is not running."""
    state_dir = Path(state_dir)
    port = _load_state(state_dir).get("port")
    if not port or _pid(state_dir) is None or not ping(port):
        raise LocalRedisError(f"the local Redis ({state_dir / STATE_FILE}) is not running: run `local_stack.py up`")
    return _url(port)


def status(state_dir: str | os.PathLike = DEFAULT_STATE_DIR) -> dict:
    state_dir = Path(state_dir)
    try:
        server = str(find_server())
    except LocalRedisError:
        server = None
    port = _load_state(state_dir).get("port")
    pid = _pid(state_dir)
    running = bool(port and pid and ping(port))
    return {
        "installed": server is not None,
        "server": server,
        "running": running,
        "pid": pid if running else None,
        "port": port,
        "url": _url(port) if port else None,
    }


def start(state_dir: str | os.PathLike = DEFAULT_STATE_DIR, port: int | None = None, timeout: float = 15.0) -> str:
    """Start the server unless it runs already; returns its URL. The port is chosen once and kept
    (``port`` replaces it only while the server is stopped)."""
    state_dir = Path(state_dir).resolve()
    state = _load_state(state_dir)
    if state.get("port") and _pid(state_dir) and ping(state["port"]):
        return _url(state["port"])
    server = find_server()
    chosen = port or state.get("port") or free_port()
    if not _port_free(chosen):
        raise LocalRedisError(
            f"port {chosen} on 127.0.0.1 is in use by something else; pass another port (--port, "
            f"PLATFORM_LOCAL_REDIS_PORT) or delete {state_dir / STATE_FILE} to choose a free one"
        )
    state["port"] = chosen
    _save_state(state_dir, state)
    workdir = state_dir / "redis"
    workdir.mkdir(parents=True, exist_ok=True)
    log = state_dir / LOG_FILE
    argv = [
        str(server),
        "--bind", "127.0.0.1",
        "--port", str(chosen),
        "--protected-mode", "yes",
        "--daemonize", "no",
        "--dir", str(workdir),
        "--save", "",
        "--appendonly", "no",
        "--logfile", str(log),
    ]  # fmt: skip
    with open(log, "ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - a fixed argv, no shell
            argv, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    (state_dir / PID_FILE).write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while not ping(chosen):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.terminate()
            (state_dir / PID_FILE).unlink(missing_ok=True)
            tail = ""
            with contextlib.suppress(OSError):
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            raise LocalRedisError(f"redis-server did not start on 127.0.0.1:{chosen} (log {log}):\n{tail}")
        time.sleep(0.05)
    return _url(chosen)


def stop(state_dir: str | os.PathLike = DEFAULT_STATE_DIR, timeout: float = 10.0) -> bool:
    """Stop the server (SIGTERM, then SIGKILL after timeout). Returns True if it was running."""
    state_dir = Path(state_dir)
    pid = _pid(state_dir)
    (state_dir / PID_FILE).unlink(missing_ok=True)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # our own child (a test): reap it
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "url"])
    parser.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PLATFORM_LOCAL_REDIS_PORT", "0")) or None)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(f"redis           running, {start(args.state_dir, args.port)}")
        elif args.command == "stop":
            print("redis           stopped" if stop(args.state_dir) else "redis           not running")
        elif args.command == "status":
            print(json.dumps(status(args.state_dir), indent=2))
        else:
            print(url(args.state_dir))
    except LocalRedisError as exc:
        print(f"local_redis: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
