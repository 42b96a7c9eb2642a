"""`scripts/local_stack.py app-wire`: the local app gets the deployed service's wiring (what the rollout stage's
playbooks/include/local_app.yml runs on the local stack), against the moto server, a real PostgreSQL, a real
redis-server and the search stand-in. Each run uses its own state directory and ports (never .local/state).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import urllib.request
import uuid

import pytest
from app_support import ROOT, alembic, free_port, password_of

SCRIPT = ROOT / "scripts" / "local_stack.py"
JWT = "jwt-wired-" + uuid.uuid4().hex
AWS_DATABASE_URL = "postgresql://app_a:Aws-Only-" + uuid.uuid4().hex + "@caseapp-prod-db.example:5432/app"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def deployed(aws):
    """A deployed `backend` as the platform registers it: contract environment and secrets (full ARNs)."""
    stack = f"caseapp-{uuid.uuid4().hex[:6]}"
    s3, sm, ecs = aws("s3"), aws("secretsmanager"), aws("ecs")
    buckets = {p: f"{stack}-{p}-{uuid.uuid4().hex[:6]}" for p in ("documents", "media")}
    for name in buckets.values():
        s3.create_bucket(Bucket=name)
    arns = {
        "DATABASE_URL": sm.create_secret(Name=f"{stack}/database/url", SecretString=AWS_DATABASE_URL)["ARN"],
        "REDIS_URL": sm.create_secret(Name=f"{stack}/cache/url", SecretString="rediss://:aws-token@x:6379/0")["ARN"],
        "JWT_SECRET": sm.create_secret(Name=f"{stack}/identity/jwt-secret", SecretString=JWT)["ARN"],
    }
    ecs.create_cluster(clusterName=stack)
    environment = {
        "AWS_REGION": "us-east-1",
        "PLATFORM_ENV": "local",
        "LOG_LEVEL": "info",
        "S3_BUCKET_DOCUMENTS": buckets["documents"],
        "S3_BUCKET_MEDIA": buckets["media"],
        "OPENSEARCH_ENDPOINT": f"https://vpc-{stack}-search-abc.us-east-1.es.amazonaws.com",
        "COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
        "COGNITO_CLIENT_ID": "4h5j6k7l8m9n0p1q2r3s4t5u6v",
    }

    def register(env: dict, tag: str = "v7") -> str:
        return ecs.register_task_definition(
            family=f"{stack}-backend",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="512",
            memory="1024",
            containerDefinitions=[
                {
                    "name": "backend",
                    "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{stack}/backend:{tag}",
                    "essential": True,
                    "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
                    "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(arns.items())],
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]

    ecs.create_service(
        cluster=stack, serviceName=f"{stack}-backend", taskDefinition=register(environment), desiredCount=1
    )
    return {"stack": stack, "environment": environment, "register": register, "ecs": ecs}


@pytest.fixture
def wire(tmp_path, moto_endpoint, postgres_server):
    """``wire(*args)`` runs app-wire with an isolated state dir and ports; stops what it started afterwards.

    The local Redis is the local stack's own (scripts/local_redis.py, what `up` starts) in that state dir."""
    alembic(postgres_server.url, "upgrade", "head")  # the local stack's migrate stage did this
    state = tmp_path / "state"
    local_redis = _load("local_redis")
    local_redis.start(state, free_port())
    env = dict(
        os.environ,
        PLATFORM_LOCAL_STATE=str(state),
        PLATFORM_LOCAL_APP_PORT=str(free_port()),
        PLATFORM_LOCAL_SEARCH_PORT=str(free_port()),
        PLATFORM_LOCAL_PG_DATA=str(postgres_server.data_dir),
        PLATFORM_AWS_ENDPOINT_URL=moto_endpoint,
    )

    def run(*args: str, command: str = "app-wire") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, str(SCRIPT), command, *args],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    run.env, run.state = env, state
    env.pop("PLATFORM_LOCAL_REDIS_URL", None)
    try:
        yield run
    finally:
        for name in ("app", "search"):
            try:
                os.killpg(int((state / f"{name}.pid").read_text()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        local_redis.stop(state)


def _health(wire) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{wire.env['PLATFORM_LOCAL_APP_PORT']}/health"
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _args(deployed) -> list[str]:
    stack = deployed["stack"]
    return ["--cluster", stack, "--service", f"{stack}-backend", "--container", "backend", "--region", "us-east-1"]


def test_app_wire_gives_the_local_app_the_deployed_wiring(deployed, wire, postgres_server):
    run = wire(*_args(deployed))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("changed: "), run.stdout
    search = f"http://127.0.0.1:{wire.env['PLATFORM_LOCAL_SEARCH_PORT']}"
    assert (
        f"OPENSEARCH_ENDPOINT: {search} instead of the domain (local stand-in, moto has no OpenSearch data plane)"
        in run.stdout
    )
    assert "JWT_SECRET: secret, from the emulator's Secrets Manager" in run.stdout
    assert "DATABASE_URL: secret, the local PostgreSQL login" in run.stdout
    assert "REDIS_URL: secret, the local Redis redis://127.0.0.1:" in run.stdout

    status, report = _health(wire)
    assert status == 200, report
    assert {name: comp["status"] for name, comp in report["components"].items()} == dict.fromkeys(
        ("database", "cache", "storage", "search"), "ok"
    )
    assert report["components"]["storage"]["buckets"] == {"documents": "ok", "media": "ok"}
    assert report["version"] == "v7" and report["environment"] == "local"

    # Nothing secret printed or logged: not the local passwords, not the emulator's secret values.
    log = (wire.state / "app.log").read_text()
    for secret in (JWT, password_of(postgres_server.url), AWS_DATABASE_URL, "aws-token"):
        assert secret not in run.stdout + run.stderr + log
    assert oct((wire.state / "app.wiring.json").stat().st_mode & 0o777) == "0o600"

    # Same wiring: no restart (changed=0 on the second deploy), in --check too.
    again = wire(*_args(deployed))
    assert again.returncode == 0 and again.stdout.startswith("unchanged: "), again.stdout + again.stderr
    assert wire(*_args(deployed), "--check").stdout.startswith("unchanged: ")

    status_lines = wire(command="status").stdout
    assert "search          running on http://127.0.0.1:" in status_lines
    assert "; local stand-in, moto has no OpenSearch data plane)" in status_lines
    assert f"wired to {deployed['stack']}-backend" in status_lines


def test_a_new_revision_restarts_the_app_and_check_mode_does_not(deployed, wire):
    assert wire(*_args(deployed)).returncode == 0
    pid = (wire.state / "app.pid").read_text()
    env = {k: v for k, v in deployed["environment"].items() if k != "OPENSEARCH_ENDPOINT"}  # uses no search now
    arn = deployed["register"](env, tag="v8")
    deployed["ecs"].update_service(
        cluster=deployed["stack"], service=f"{deployed['stack']}-backend", taskDefinition=arn
    )

    check = wire(*_args(deployed), "--check")
    assert check.stdout.startswith("changed: ") and "check mode: not restarted" in check.stdout
    assert (wire.state / "app.pid").read_text() == pid

    run = wire(*_args(deployed))
    assert run.stdout.startswith("changed: "), run.stdout + run.stderr
    assert (wire.state / "app.pid").read_text() != pid
    status, report = _health(wire)
    assert status == 200, report
    assert report["version"] == "v8"
    assert report["components"]["search"] == {"status": "skipped"}


def test_a_service_not_deployed_is_named(deployed, wire):
    run = wire("--cluster", deployed["stack"], "--service", "nope", "--region", "us-east-1")
    assert run.returncode == 1
    assert f"service nope is not in cluster {deployed['stack']}" in run.stderr
    # In --check (a new stack) it is reported, not failed.
    check = wire("--cluster", deployed["stack"], "--service", "nope", "--check")
    assert check.returncode == 0 and check.stdout.startswith("changed: ")


def test_secret_value_follows_ecs_value_from(aws):
    local_stack = _load("local_stack")
    sm = aws("secretsmanager")
    arn = sm.create_secret(Name=f"t-{uuid.uuid4().hex[:6]}/app/keys", SecretString='{"token": "abc123", "n": 7}')["ARN"]
    assert local_stack._secret_value(sm, arn) == '{"token": "abc123", "n": 7}'
    assert local_stack._secret_value(sm, f"{arn}:token::") == "abc123"
    assert local_stack._secret_value(sm, f"{arn}:n:AWSCURRENT:") == "7"


def test_an_app_it_did_not_start_is_left_alone(deployed, wire):
    # e.g. a harness's own app on the port: app-wire refuses instead of replacing or killing it.
    import threading  # noqa: PLC0415
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: PLC0415

    class Live(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(wire.env["PLATFORM_LOCAL_APP_PORT"])), Live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = wire(*_args(deployed))
        assert run.returncode == 1
        assert "something else answers on http://127.0.0.1:" in run.stderr
        assert not (wire.state / "app.pid").exists()
    finally:
        server.shutdown()
        server.server_close()
