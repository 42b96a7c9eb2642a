#!/usr/bin/env python3
"""The local emulated stack: start, stop and inspect what runs on loopback.

    local_stack.py up        start what is not running: moto server, PostgreSQL, Redis (Debian's redis-server,
                             scripts/local_redis.py: the ElastiCache stand-in), the search stand-in
                             (scripts/local_search.py: moto has no OpenSearch data plane), and configure the
                             moto server's local Fargate (scripts/local_fargate.py): ECS tasks of the stack's
                             images run as processes, the public service's on 127.0.0.1:PLATFORM_LOCAL_APP_PORT
                             once a deploy creates it, the database bootstrap's psql against the local PostgreSQL
    local_stack.py down      stop everything it started
    local_stack.py status    what runs, where
    local_stack.py database-url [--from-url]
                             the local DATABASE_URL (contains a password): the application login (app_a/app_b)
                             the deployed stack's DATABASE_URL names, else the pre-deploy login local_app. With
                             --from-url: the login of the URL read on stdin (the secret's value, which names the
                             emulated RDS endpoint) on the local server, remembered from then on (the local
                             Fargate runs this for the tasks' DATABASE_URL)
    local_stack.py redis-url the local REDIS_URL, redis://127.0.0.1:<port>/0 (plain on loopback: no TLS, no
                             AUTH; on AWS REDIS_URL is rediss:// with the AUTH token); fails when it is not running
    local_stack.py stack-id INVENTORY   print <platform_name>-<platform_env> of an inventory
    local_stack.py push-images INVENTORY [--tag TAG] [--endpoint URL]
                             the local `docker push`: every service's image with the tag (default: the
                             inventory's platform_image_tag) into the emulator's ECR repositories, which
                             `deploy.yml --tags repositories` creates; tags already there are skipped
    local_stack.py push-images --repository NAME [--repository NAME ...] --tag TAG [--region R] [--endpoint URL]

PLATFORM_LOCAL_SERVE=0: the local Fargate does not serve the public service (a stack whose health checks poll
something else, e.g. one that is provisioned but never migrated).

State (pid files, logs) lives in .local/state/ (PLATFORM_LOCAL_STATE), the database in .local/postgres/. Nothing listens
beyond 127.0.0.1. Ports: PLATFORM_LOCAL_MOTO_PORT (5000), PLATFORM_LOCAL_APP_PORT (8000); the search
stand-in PLATFORM_LOCAL_SEARCH_PORT, else a free port chosen once and kept (.local/state/search.port); PostgreSQL
picks a free port once and keeps it, and so does Redis (PLATFORM_LOCAL_REDIS_PORT for the first start;
.local/state/redis.json; not running without redis-server: `apt-get install -y redis-server`) (data directory: PLATFORM_LOCAL_PG_DATA, default .local/postgres, or
/tmp/platform_ops-<checkout hash>/postgres when root runs this from a checkout the postgres account cannot
traverse).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("PLATFORM_LOCAL_STATE") or ROOT / ".local" / "state")
MOTO_PORT = int(os.environ.get("PLATFORM_LOCAL_MOTO_PORT", "5000"))
APP_PORT = int(os.environ.get("PLATFORM_LOCAL_APP_PORT", "8000"))
APP_DIR = ROOT / "examples" / "app"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import local_ecr  # noqa: E402
import local_postgres  # noqa: E402
import local_redis  # noqa: E402


def _default_pg_data() -> Path:
    """.local/postgres, unless we run as root in a checkout the postgres account cannot traverse
    (e.g. under a 0700 home): then a per-checkout directory under the system temp dir."""
    preferred = ROOT / ".local" / "postgres"
    try:
        if local_postgres.owner_can_reach(preferred):
            return preferred
    except local_postgres.LocalPostgresError:
        return preferred  # no postgres account yet: start() reports that with the fix
    import hashlib  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    base = Path(tempfile.gettempdir()) / f"platform_ops-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]}"
    base.mkdir(exist_ok=True)
    base.chmod(0o711)
    return base / "postgres"


PG_DATA = Path(os.environ.get("PLATFORM_LOCAL_PG_DATA") or _default_pg_data())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _read_pid(name: str) -> int | None:
    path = STATE / f"{name}.pid"
    if not path.exists():
        return None
    try:
        pid = int(path.read_text().strip())
    except ValueError:
        return None
    return pid if _pid_alive(pid) else None


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
            return True
    except OSError:
        return False


def _wait(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"local stack: {what} did not start within {timeout:.0f}s (see {STATE})")
        time.sleep(0.2)


def _spawn(name: str, argv: list[str], *, env: dict, cwd: Path, ready_url: str, what: str) -> int:
    """Start a detached process logging to .local/state/<name>.log, record its pid, wait until ready_url answers."""
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    (STATE / f"{name}.pid").write_text(str(proc.pid))
    _wait(lambda: _http_ok(ready_url), what)
    return proc.pid


def moto_url() -> str:
    return f"http://127.0.0.1:{MOTO_PORT}"


def start_moto() -> str:
    if _read_pid("moto") and _http_ok(f"{moto_url()}/_platform_ops/requests"):
        return f"moto server     already running on {moto_url()}"
    if _http_ok(f"{moto_url()}/_platform_ops/requests"):
        return f"moto server     already running on {moto_url()} (started elsewhere)"
    env = dict(os.environ)
    env.setdefault("MOTO_ECS_SERVICE_RUNNING", "2")
    argv = [sys.executable, str(ROOT / "scripts" / "moto_launcher.py"), "--port", str(MOTO_PORT)]
    pid = _spawn(
        "moto", argv, env=env, cwd=ROOT, ready_url=f"{moto_url()}/_platform_ops/requests", what="the moto server"
    )
    return f"moto server     started on {moto_url()} (pid {pid}, log {STATE / 'moto.log'})"


# ECS tasks of the stack's own images (in the emulator's ECR: the reference app) run as local processes
# (scripts/local_fargate.py): the migration and the restore check as one-off tasks, the public service behind the
# load balancer on APP_PORT; DATABASE_URL is the secret's login on the local PostgreSQL, REDIS_URL the local Redis,
# OPENSEARCH_ENDPOINT the search stand-in. The database bootstrap's image runs its psql against the local PostgreSQL
# as the superuser, the RDS master's stand-in.
FARGATE_IMAGES = "*.dkr.ecr.*.amazonaws.com/*"
POSTGRES_IMAGES = "*/postgres:*"


def fargate_runners() -> list[dict]:
    """The local Fargate's runners of this stack: the database bootstrap's psql and its checkout's reference app."""
    where = {"PLATFORM_LOCAL_PG_DATA": str(PG_DATA), "PLATFORM_LOCAL_STATE": str(STATE)}
    pg = local_postgres.connection(PG_DATA)
    runners = [
        {
            "image": POSTGRES_IMAGES,
            "workdir": str(STATE),
            "path": [str(local_postgres.find_bindir())],
            "substitute": {
                "PGHOST": {"value": "127.0.0.1"},
                "PGPORT": {"value": str(pg["port"])},
                "PGDATABASE": {"value": pg["database"]},
                "PGUSER": {"value": pg["user"]},
                "PGPASSWORD": {"value": pg["password"]},
                "PGSSLMODE": {"value": "disable"},  # no TLS on loopback
            },
        },
        {
            "image": FARGATE_IMAGES,
            "workdir": str(APP_DIR),
            "path": [str(Path(sys.executable).parent)],
            "substitute": {
                "DATABASE_URL": {
                    "command": [sys.executable, str(Path(__file__).resolve()), "database-url", "--from-url"],
                    "env": where,
                    "stdin": True,
                },
                "OPENSEARCH_ENDPOINT": {"value": search_url()},
            },
        },
    ]
    if os.environ.get("PLATFORM_LOCAL_SERVE", "1") != "0":  # 0: the services' tasks are left to moto
        runners[1]["serve"] = {"port": APP_PORT}
    try:
        runners[1]["substitute"]["REDIS_URL"] = {"value": local_redis.url(STATE)}
    except local_redis.LocalRedisError:
        pass  # no redis-server: the app's cache check fails, as it would without ElastiCache
    return runners


def start_fargate() -> str:
    import local_fargate  # noqa: PLC0415

    try:
        local_fargate.configure(moto_url(), fargate_runners())
    except OSError as exc:  # urllib's errors: a launcher that is not ours, or gone
        return f"local fargate   not configured on {moto_url()}: {exc}"
    return (
        f"local fargate   tasks of {FARGATE_IMAGES} run in {APP_DIR}, the public service on {app_url()}; "
        f"{POSTGRES_IMAGES} runs psql against the local PostgreSQL"
    )


def stop_fargate() -> str:
    """Forget this stack's runners on a launcher that outlives it (one started elsewhere, e.g. by a test)."""
    import local_fargate  # noqa: PLC0415

    if not _http_ok(f"{moto_url()}/_platform_ops/requests"):
        return "local fargate   not running"
    try:
        local_fargate.configure(moto_url(), [])
    except OSError as exc:
        return f"local fargate   not reset: {exc}"
    return "local fargate   runners removed"


def app_url() -> str:
    return f"http://127.0.0.1:{APP_PORT}"


def start_postgres() -> str:
    try:
        url = local_postgres.start(PG_DATA)
    except local_postgres.LocalPostgresError as exc:  # pragma: no cover - printed for the user
        raise SystemExit(f"local stack: PostgreSQL did not start: {exc}") from exc
    return f"postgresql      running, {local_postgres.mask_url(url)}"


def start_redis() -> str:
    """The local Redis (scripts/local_redis.py), state in .local/state; the ElastiCache stand-in."""
    port = int(os.environ.get("PLATFORM_LOCAL_REDIS_PORT", "0")) or None
    try:
        url = local_redis.start(STATE, port)
    except local_redis.LocalRedisError as exc:  # pragma: no cover - printed for the user
        raise SystemExit(f"local stack: Redis did not start: {exc}") from exc
    return f"redis           running, {url}"


def redis_url() -> int:
    """Print the local REDIS_URL (plain redis:// on loopback); 1 when Redis is not running."""
    try:
        print(local_redis.url(STATE))
    except local_redis.LocalRedisError as exc:
        print(f"local stack: {exc}", file=sys.stderr)
        return 1
    return 0


def _search_port() -> int:
    """PLATFORM_LOCAL_SEARCH_PORT, else the port chosen the first time (kept in .local/state/search.port)."""
    if os.environ.get("PLATFORM_LOCAL_SEARCH_PORT"):
        return int(os.environ["PLATFORM_LOCAL_SEARCH_PORT"])
    path = STATE / "search.port"
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        pass
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    STATE.mkdir(parents=True, exist_ok=True)
    path.write_text(str(port))
    return port


def search_url() -> str:
    return f"http://127.0.0.1:{_search_port()}"


SEARCH_NOTE = "local stand-in, moto has no OpenSearch data plane"


def start_search() -> str:
    """The OpenSearch stand-in (scripts/local_search.py): answers a SigV4-signed GET /_cluster/health."""
    if _read_pid("search") and _http_ok(f"{search_url()}/_local/ready"):
        return f"search          already running on {search_url()} ({SEARCH_NOTE})"
    argv = [sys.executable, str(ROOT / "scripts" / "local_search.py"), "serve", "--port", str(_search_port())]
    pid = _spawn(
        "search",
        argv,
        env=dict(os.environ),
        cwd=ROOT,
        ready_url=f"{search_url()}/_local/ready",
        what="the search stand-in",
    )
    return f"search          started on {search_url()} (pid {pid}; {SEARCH_NOTE})"


def database_url(argv: list[str]) -> int:
    """Print the local DATABASE_URL (contains the password: for the tasks' environment only)."""
    try:
        if argv == ["--from-url"]:
            print(local_postgres.login_url(PG_DATA, sys.stdin.read()))
        elif not argv:
            print(local_postgres.url(PG_DATA))
        else:
            print("usage: local_stack.py database-url [--from-url < url]", file=sys.stderr)
            return 2
    except local_postgres.LocalPostgresError as exc:
        print(f"local stack: database-url: {exc}", file=sys.stderr)
        return 1
    return 0


def stop(name: str) -> str:
    pid = _read_pid(name)
    (STATE / f"{name}.pid").unlink(missing_ok=True)
    if not pid:
        return f"{name:<15} not running"
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return f"{name:<15} stopped"


def status() -> list[str]:
    lines = []
    pid = _read_pid("moto")
    if pid and _http_ok(f"{moto_url()}/_platform_ops/requests"):
        with urllib.request.urlopen(f"{moto_url()}/_platform_ops/requests", timeout=2) as resp:  # noqa: S310
            total = json.load(resp)["total"]
        lines.append(f"moto server     running on {moto_url()} (pid {pid}, {total} API requests served)")
    else:
        lines.append("moto server     not running")
    pg = local_postgres.status(PG_DATA)
    lines.append(f"postgresql      {'running, ' + pg['url'] if pg.get('running') else 'not running'}")
    rd = local_redis.status(STATE)
    if rd["running"]:
        lines.append(f"redis           running, {rd['url']} (pid {rd['pid']})")
    else:
        lines.append(f"redis           not running{'' if rd['installed'] else ' (' + local_redis.INSTALL_HINT + ')'}")
    pid = _read_pid("search")
    lines.append(
        f"search          {'running on ' + search_url() + f' (pid {pid}; {SEARCH_NOTE})' if pid else 'not running'}"
    )
    services = []
    if _http_ok(f"{moto_url()}/_platform_ops/requests"):
        with urllib.request.urlopen(f"{moto_url()}/_platform_ops/fargate", timeout=2) as resp:  # noqa: S310
            services = [svc for svc in json.load(resp).get("services", []) if svc["state"] == "RUNNING"]
    for svc in services:
        name = svc["service_arn"].rsplit("/", 1)[-1]
        health = "healthy" if svc["healthy"] else "not healthy yet"
        lines.append(
            f"service         {name} on 127.0.0.1:{svc['port']} ({health}, {svc['task_definition'].rsplit('/', 1)[-1]})"
        )
    if not services:
        lines.append(f"service         none on {app_url()} (a deploy creates the public service)")
    return lines


def inventory_vars(inventory: str) -> dict:
    """The platform host's variables as the inventory sets them (not templated)."""
    out = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-inventory")),
            "-i",
            inventory,
            "--playbook-dir",
            str(ROOT / "playbooks"),
            "--list",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    hostvars = json.loads(out)["_meta"]["hostvars"]
    return next(iter(hostvars.values()))


def stack_id(inventory: str) -> str:
    host = inventory_vars(inventory)
    return f"{host['platform_name']}-{host['platform_env']}"


def inventory_images(inventory: str) -> tuple[str, list[str], str]:
    """(region, ECR repository of every service, platform_image_tag) of an inventory: the repositories
    the ecs_service role creates, {platform_name}-{platform_env}/{service}."""
    host = inventory_vars(inventory)
    prefix = f"{host['platform_name']}-{host['platform_env']}"
    services = [svc for svc in host.get("platform_services") or [] if not svc.get("image")]
    return host["platform_region"], [f"{prefix}/{svc['name']}" for svc in services], str(host["platform_image_tag"])


def push_images(argv: list[str]) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="local_stack.py push-images", description="the local docker push")
    parser.add_argument("inventory", nargs="?")
    parser.add_argument("--tag")
    parser.add_argument("--repository", action="append", default=[])
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--endpoint", default=os.environ.get("PLATFORM_AWS_ENDPOINT_URL") or moto_url())
    args = parser.parse_args(argv)
    if bool(args.inventory) == bool(args.repository):
        parser.error("give an INVENTORY or --repository names (one of them)")
    if args.inventory:
        region, repositories, tag = inventory_images(args.inventory)
        tag = args.tag or tag
    else:
        region, repositories, tag = args.region, args.repository, args.tag
        if not tag:
            parser.error("--tag is required with --repository")
    try:
        print("\n".join(local_ecr.push_images(args.endpoint, region, repositories, tag)))
    except local_ecr.PushError as exc:
        print(f"local stack: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command = argv[0]
    if command == "up":
        print(start_moto())
        print(start_postgres())
        print(start_redis())
        print(start_search())
        print(start_fargate())
    elif command == "down":
        print(stop_fargate())
        print(stop("search"))
        print(f"{'postgresql':<15} {'stopped' if local_postgres.stop(PG_DATA) else 'not running'}")
        print(f"{'redis':<15} {'stopped' if local_redis.stop(STATE) else 'not running'}")
        print(stop("moto"))
    elif command == "database-url":
        return database_url(argv[1:])
    elif command == "redis-url":
        return redis_url()
    elif command == "status":
        print("\n".join(status()))
    elif command == "stack-id" and len(argv) == 2:
        print(stack_id(argv[1]))
    elif command == "push-images":
        return push_images(argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
