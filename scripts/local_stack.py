#!/usr/bin/env python3
"""The local emulated stack: start, stop and inspect what runs on loopback.

    local_stack.py up        start what is not running: moto server (its local Fargate runs one-off ECS tasks of
                             the stack's images as processes: scripts/local_fargate.py), PostgreSQL, Redis (Debian's redis-server,
                             scripts/local_redis.py: the ElastiCache stand-in), the search stand-in
                             (scripts/local_search.py: moto has no OpenSearch data plane), the reference app
    local_stack.py down      stop everything it started
    local_stack.py status    what runs, where
    local_stack.py database-url   the local DATABASE_URL (for the migrate stage; contains a password): the
                             application login (app_a/app_b) once the stack was bootstrapped, else the
                             pre-deploy login local_app; the local app started by `up` uses the same
    local_stack.py redis-url the local REDIS_URL, redis://127.0.0.1:<port>/0 (plain on loopback: no TLS, no
                             AUTH; on AWS REDIS_URL is rediss:// with the AUTH token); fails when it is not running
    local_stack.py db-bootstrap --login NAME < script.sql
                             the database role's bootstrap SQL as the local superuser (the RDS master's
                             stand-in), passwords in PLATFORM_APP_PASSWORD_A/_B (the migrate stage runs it)
    local_stack.py app-wire --cluster C --service S [--container NAME] [--region R] [--endpoint URL] [--check]
                             restart the local app with the platform wiring of the service's deployed task
                             definition (read from the emulator): its environment, its secrets resolved
                             locally (DATABASE_URL: the local application login, REDIS_URL: the local Redis,
                             others from the emulator's Secrets Manager), S3 through the emulator and
                             OPENSEARCH_ENDPOINT pointing at the search stand-in. Restarts only when that
                             wiring changed; prints `changed: ...` or `unchanged: ...` (the rollout stage's
                             playbooks/include/local_app.yml runs it). Never prints a secret value.
    local_stack.py stack-id INVENTORY   print <platform_name>-<platform_env> of an inventory
    local_stack.py push-images INVENTORY [--tag TAG] [--endpoint URL]
                             the local `docker push`: every service's image with the tag (default: the
                             inventory's platform_image_tag) into the emulator's ECR repositories, which
                             `deploy.yml --tags repositories` creates; tags already there are skipped
    local_stack.py push-images --repository NAME [--repository NAME ...] --tag TAG [--region R] [--endpoint URL]

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


# One-off ECS tasks of the stack's own images (in the emulator's ECR: the reference app) run as local processes
# (scripts/local_fargate.py): the migration and the restore check, with DATABASE_URL the local PostgreSQL login.
FARGATE_IMAGES = "*.dkr.ecr.*.amazonaws.com/*"


def fargate_runners() -> list[dict]:
    """The local Fargate's runners of this stack: its checkout's reference app and its PostgreSQL."""
    where = {"PLATFORM_LOCAL_PG_DATA": str(PG_DATA), "PLATFORM_LOCAL_STATE": str(STATE)}
    return [
        {
            "image": FARGATE_IMAGES,
            "workdir": str(APP_DIR),
            "path": [str(Path(sys.executable).parent)],
            "substitute": {
                "DATABASE_URL": {
                    "command": [sys.executable, str(Path(__file__).resolve()), "database-url"],
                    "env": where,
                }
            },
        }
    ]


def start_fargate() -> str:
    import local_fargate  # noqa: PLC0415

    try:
        local_fargate.configure(moto_url(), fargate_runners())
    except OSError as exc:  # urllib's errors: a launcher that is not ours, or gone
        return f"local fargate   not configured on {moto_url()}: {exc}"
    return f"local fargate   one-off tasks of {FARGATE_IMAGES} run in {APP_DIR} (DATABASE_URL: the local PostgreSQL)"


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


def start_app() -> str:
    if _read_pid("app") and _http_ok(f"{app_url()}/health/live"):
        return f"reference app   already running on {app_url()}"
    # A plain start has no platform wiring (the rollout stage's app-wire gives it).
    (STATE / "app.wiring.json").unlink(missing_ok=True)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=local_postgres.url(PG_DATA),
        APP_VERSION=os.environ.get("PLATFORM_LOCAL_APP_VERSION", "local"),
        AWS_ENDPOINT_URL=moto_url(),
    )
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(APP_PORT)]
    pid = _spawn("app", argv, env=env, cwd=APP_DIR, ready_url=f"{app_url()}/health/live", what="the reference app")
    return f"reference app   started on {app_url()} (pid {pid}, log {STATE / 'app.log'})"


class WiringError(Exception):
    """The deployed service or a secret of its task definition could not be read."""


# The emulator accepts any key pair: these are not secrets (the local inventory uses the same).
EMULATOR_KEY_ID = "testing"
EMULATOR_SECRET_KEY = "testing"  # noqa: S105 - dummy credentials of the emulator


def _aws_client(service: str, endpoint: str, region: str):
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    # The tests' emulator may throttle (scripts/moto_faults.py): retry as the collection's modules do.
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=EMULATOR_KEY_ID,
        aws_secret_access_key=EMULATOR_SECRET_KEY,
        config=Config(retries={"mode": "standard", "total_max_attempts": 10}),
    )


def _local_redis_url() -> str:
    """The local Redis URL: PLATFORM_LOCAL_REDIS_URL (another Redis on loopback, e.g. the tests'), else
    the local stack's Redis (what `local_stack.py redis-url` prints)."""
    if os.environ.get("PLATFORM_LOCAL_REDIS_URL"):
        return os.environ["PLATFORM_LOCAL_REDIS_URL"]
    try:
        return local_redis.url(STATE)
    except local_redis.LocalRedisError as exc:
        raise WiringError(f"REDIS_URL: the local Redis is not available ({exc}); run `local_stack.py up`") from None


def _mask(url: str) -> str:
    """The URL with any password replaced by *** (also with an empty user name: redis://:token@host)."""
    import re  # noqa: PLC0415

    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _secret_value(secrets, value_from: str) -> str:
    """A Secrets Manager value as ECS resolves valueFrom: the secret ARN, or ARN:json-key:version-stage:version-id."""
    parts = value_from.split(":")
    json_key = stage = version = ""
    # arn:aws:secretsmanager:region:account:secret:name[:json-key:version-stage:version-id]
    if value_from.startswith("arn:") and len(parts) > 7:
        secret_id = ":".join(parts[:7])
        json_key, stage, version = (parts[7:] + ["", "", ""])[:3]
    else:
        secret_id = value_from
    kwargs = {"SecretId": secret_id}
    if version:
        kwargs["VersionId"] = version
    elif stage:
        kwargs["VersionStage"] = stage
    value = secrets.get_secret_value(**kwargs)["SecretString"]
    if json_key:
        value = str(json.loads(value)[json_key])
    return value


def app_wiring(cluster: str, service: str, container: str | None, endpoint: str, region: str) -> tuple[dict, list[str]]:
    """(environment for the local app, readable lines saying where each variable comes from: names, never values).

    The environment of `service`'s deployed task definition as ECS would give it to the container, with the
    secrets resolved for the loopback stack."""
    ecs = _aws_client("ecs", endpoint, region)
    found = ecs.describe_services(cluster=cluster, services=[service]).get("services") or []
    found = [svc for svc in found if svc.get("status") == "ACTIVE"]
    if not found:
        raise WiringError(f"service {service} is not in cluster {cluster} (deploy it first)")
    arn = found[0]["taskDefinition"]
    containers = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"]
    chosen = [c for c in containers if c["name"] == container] if container else containers[:1]
    if not chosen:
        raise WiringError(f"{arn.rsplit('/', 1)[-1]} has no container named {container}")
    definition = chosen[0]
    env = {item["name"]: item.get("value", "") for item in definition.get("environment") or []}
    lines = [f"task definition {arn.rsplit('/', 1)[-1]}, container {definition['name']}"]
    lines += [f"{name}: from the task definition" for name in sorted(env)]
    if "OPENSEARCH_ENDPOINT" in env:
        env["OPENSEARCH_ENDPOINT"] = search_url()
        lines.append(f"OPENSEARCH_ENDPOINT: {search_url()} instead of the domain ({SEARCH_NOTE})")
    secrets = None
    for item in definition.get("secrets") or []:
        name = item["name"]
        if name == "DATABASE_URL":
            env[name] = database_url()
            lines.append(f"{name}: secret, the local PostgreSQL login {_mask(env[name])}")
        elif name == "REDIS_URL":
            env[name] = _local_redis_url()
            lines.append(f"{name}: secret, the local Redis {_mask(env[name])}")
        else:
            secrets = secrets or _aws_client("secretsmanager", endpoint, region)
            try:
                env[name] = _secret_value(secrets, item["valueFrom"])
            except Exception as exc:  # noqa: BLE001 - named, never with a value
                raise WiringError(f"{name}: secret {item['valueFrom']} not readable: {type(exc).__name__}") from None
            lines.append(f"{name}: secret, from the emulator's Secrets Manager")
    image_tag = definition.get("image", "").rpartition(":")[2]
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=EMULATOR_KEY_ID,
        AWS_SECRET_ACCESS_KEY=EMULATOR_SECRET_KEY,
        APP_VERSION=os.environ.get("PLATFORM_LOCAL_APP_VERSION") or (image_tag if "/" not in image_tag else "local"),
    )
    env.setdefault("AWS_REGION", region)
    lines.append("AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: the emulator (dummy credentials)")
    return env, lines


# Variables of the runner's environment the local app must not inherit (it gets the wiring's only).
_APP_ENV_PREFIXES = ("DATABASE_URL", "REDIS_", "S3_BUCKET_", "OPENSEARCH_", "JWT_", "COGNITO_", "PLATFORM_ENV", "AWS_")


def app_wire(argv: list[str]) -> int:
    import argparse  # noqa: PLC0415
    import hashlib  # noqa: PLC0415

    parser = argparse.ArgumentParser(
        prog="local_stack.py app-wire", description="the local app gets the platform wiring"
    )
    parser.add_argument("--cluster", required=True)
    parser.add_argument("--service", required=True, help="the ECS service name, e.g. caseapp-local-backend")
    parser.add_argument("--container", help="container name (default: the task definition's first)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--endpoint", default=os.environ.get("PLATFORM_AWS_ENDPOINT_URL") or moto_url())
    parser.add_argument("--check", action="store_true", help="report whether a restart is needed, change nothing")
    args = parser.parse_args(argv)
    try:
        if not args.check:
            start_search()
        wiring, lines = app_wiring(args.cluster, args.service, args.container, args.endpoint, args.region)
    except WiringError as exc:
        if args.check:  # e.g. a new stack in --check: nothing deployed yet
            print(f"changed: the local app would get {args.service}'s wiring after a real run ({exc})")
            return 0
        print(f"local stack: app-wire: {exc}", file=sys.stderr)
        return 1
    fingerprint = hashlib.sha256(json.dumps(wiring, sort_keys=True).encode()).hexdigest()
    state = STATE / "app.wiring.json"
    try:
        recorded = json.loads(state.read_text()).get("fingerprint")
    except (OSError, ValueError):
        recorded = None
    running = _read_pid("app") is not None and _http_ok(f"{app_url()}/health/live")
    where = f"the local app on {app_url()} runs {args.service}'s wiring"
    if running and recorded == fingerprint:
        print(f"unchanged: {where}")
        return 0
    if args.check:
        print(f"changed: {where} after a restart (check mode: not restarted)")
        return 0
    if _read_pid("app") is None and _http_ok(f"{app_url()}/health/live"):
        # Never replace (or kill) a process this state directory does not know.
        print(
            f"local stack: app-wire: something else answers on {app_url()}, not an app started by local_stack.py with "
            f"the state in {STATE}; stop it, or start the local stack with `local_stack.py up` (PLATFORM_LOCAL_STATE, "
            "PLATFORM_LOCAL_APP_PORT)",
            file=sys.stderr,
        )
        return 1
    stop("app")
    env = {k: v for k, v in os.environ.items() if not k.startswith(_APP_ENV_PREFIXES)}
    env.update(wiring)
    argv_app = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(APP_PORT)]
    pid = _spawn("app", argv_app, env=env, cwd=APP_DIR, ready_url=f"{app_url()}/health/live", what="the reference app")
    STATE.mkdir(parents=True, exist_ok=True)
    fd = os.open(state, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"fingerprint": fingerprint, "service": args.service, "variables": sorted(wiring)}, out)
    print(f"changed: {where} (restarted, pid {pid}, log {STATE / 'app.log'})")
    print("\n".join(f"  {line}" for line in lines))
    return 0


def database_url() -> str:
    """The local DATABASE_URL (contains the password: for the migrate stage's environment only)."""
    return local_postgres.url(PG_DATA)


def db_bootstrap(login: str) -> int:
    """Apply the bootstrap SQL (stdin) as the local superuser; the passwords come from the environment."""
    passwords = {key: os.environ.get(f"PLATFORM_APP_PASSWORD_{key.upper()}", "") for key in ("a", "b")}
    try:
        result = local_postgres.bootstrap(PG_DATA, sys.stdin.read(), login, passwords)
    except local_postgres.LocalPostgresError as exc:
        print(f"local stack: database bootstrap failed: {exc}", file=sys.stderr)
        return 1
    print(f"postgresql      bootstrapped, application login {local_postgres.mask_url(result)}")
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
    pid = _read_pid("app")
    wired = ""
    if pid:
        try:
            wired = f", wired to {json.loads((STATE / 'app.wiring.json').read_text())['service']}"
        except (OSError, ValueError, KeyError):
            wired = ", database only (the rollout stage wires it)"
    lines.append(f"reference app   {'running on ' + app_url() + f' (pid {pid}{wired})' if pid else 'not running'}")
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
        print(start_fargate())
        print(start_postgres())
        print(start_redis())
        print(start_search())
        print(start_app())
    elif command == "down":
        print(stop_fargate())
        print(stop("app"))
        print(stop("search"))
        print(f"{'postgresql':<15} {'stopped' if local_postgres.stop(PG_DATA) else 'not running'}")
        print(f"{'redis':<15} {'stopped' if local_redis.stop(STATE) else 'not running'}")
        print(stop("moto"))
    elif command == "database-url":
        print(database_url())
    elif command == "redis-url":
        return redis_url()
    elif command == "db-bootstrap" and len(argv) == 3 and argv[1] == "--login":
        return db_bootstrap(argv[2])
    elif command == "status":
        print("\n".join(status()))
    elif command == "stack-id" and len(argv) == 2:
        print(stack_id(argv[1]))
    elif command == "push-images":
        return push_images(argv[1:])
    elif command == "app-wire":
        return app_wire(argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
