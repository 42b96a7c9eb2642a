"""playbooks/rotate_secrets.yml on the local stack (issue 12): the Redis AUTH token and the JWT signing key
rotate without downtime, the services restart on the same task definition, the compliance audit records it.

The deployed stack of inventories/local shared with test_db_app_role.py (``app_stack``,
tests/e2e/conftest.py), which runs before this module on the same worker. Secret values are never printed:
they are compared through their SHA-256 digests only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import api_operations, operations_delta
from tests.e2e.stack import LocalStack
from tests.helpers import push_images

STACK = "caseapp-local"  # inventories/local
REDIS = f"{STACK}/cache/auth-token"
REDIS_URL = f"{STACK}/cache/url"
JWT = f"{STACK}/identity/jwt-secret"
JWT_PREVIOUS = f"{STACK}/identity/jwt-secret-previous"
SERVICES = (f"{STACK}-backend", f"{STACK}-media-processor")
TAG = "rot-a"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("app_stack")]


@pytest.fixture(scope="module")
def stack(app_stack):
    """The stack shared with the other modules of the xdist group app_stack (tests/e2e/conftest.py)."""
    return app_stack


def _digest(stack: LocalStack, name: str, stage: str = "AWSCURRENT") -> str:
    value = stack.client("secretsmanager").get_secret_value(SecretId=name, VersionStage=stage)["SecretString"]
    return hashlib.sha256(value.encode()).hexdigest()


def _redis_url(stack: LocalStack, stage: str = "AWSCURRENT") -> tuple[str, str, str]:
    """(scheme, host:port/path, SHA-256 of the URL-decoded AUTH token) of REDIS_URL: the token is never kept."""
    sm = stack.client("secretsmanager")
    parts = urlsplit(sm.get_secret_value(SecretId=REDIS_URL, VersionStage=stage)["SecretString"])
    token = hashlib.sha256(unquote(parts.password or "").encode()).hexdigest()
    return parts.scheme, f"{parts.hostname}:{parts.port}{parts.path}", token


def _current_version(stack: LocalStack, name: str) -> str:
    stages = stack.client("secretsmanager").describe_secret(SecretId=name)["VersionIdsToStages"]
    return next(version for version, labels in stages.items() if "AWSCURRENT" in labels)


def _tags(stack: LocalStack, name: str) -> dict:
    tags = stack.client("secretsmanager").describe_secret(SecretId=name).get("Tags", [])
    return {t["Key"]: t["Value"] for t in tags}


def _task_definitions(stack: LocalStack) -> dict:
    services = stack.client("ecs").describe_services(cluster=STACK, services=list(SERVICES))["services"]
    return {s["serviceName"]: s["taskDefinition"] for s in services}


def test_deploy(stack):
    run = stack.run("deploy.yml", "--tags", "repositories")
    assert run.returncode == 0, run.output[-4000:]
    push_images(stack.endpoint, "inventories/local", TAG)
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={TAG}")
    assert run.returncode == 0, run.output[-4000:]
    # REDIS_URL: TLS, the primary endpoint, the current AUTH token
    group = stack.client("elasticache").describe_replication_groups(ReplicationGroupId=f"{STACK}-cache")
    primary = group["ReplicationGroups"][0]["NodeGroups"][0]["PrimaryEndpoint"]
    assert _redis_url(stack) == ("rediss", f"{primary['Address']}:{primary['Port']}/0", _digest(stack, REDIS))


def test_check_mode_shows_the_rotation_and_changes_nothing(stack):
    versions = {name: _current_version(stack, name) for name in (REDIS, REDIS_URL, JWT, JWT_PREVIOUS)}
    before = api_operations(stack.endpoint)
    run = stack.run("playbooks/rotate_secrets.yml", "--check", "--diff", "-e", "rotate_secrets=redis,jwt")
    assert run.returncode == 0, run.output[-4000:]
    assert "Would rotate: redis" in run.output
    delta = operations_delta(before, api_operations(stack.endpoint))
    writes = [op for op in delta if op.split(".", 1)[1].startswith(("Put", "Update", "Modify", "Tag", "Create"))]
    assert writes == [], writes
    assert {name: _current_version(stack, name) for name in versions} == versions
    assert "PlatformRotatedAt" not in _tags(stack, JWT)


def test_rotate_redis_and_jwt(stack):
    versions = {name: _current_version(stack, name) for name in (REDIS, REDIS_URL, JWT)}
    old_url = _redis_url(stack)
    old_jwt = _digest(stack, JWT)
    old_redis = _digest(stack, REDIS)
    taskdefs = _task_definitions(stack)
    before = api_operations(stack.endpoint)

    run = stack.run("playbooks/rotate_secrets.yml", "-e", "rotate_secrets=redis,jwt")
    assert run.returncode == 0, run.output[-4000:]
    delta = operations_delta(before, api_operations(stack.endpoint))

    # new values, never shown
    for name, version in versions.items():
        assert _current_version(stack, name) != version, name
    assert _digest(stack, REDIS) != old_redis
    assert _digest(stack, REDIS, "AWSPREVIOUS") == old_redis
    assert _digest(stack, JWT) != old_jwt
    assert _digest(stack, JWT_PREVIOUS) == old_jwt  # the grace window: the replaced key stays readable
    for name in (REDIS, JWT, JWT_PREVIOUS):
        assert "PlatformRotatedAt" in _tags(stack, name), name
    stages = stack.client("secretsmanager").describe_secret(SecretId=REDIS)["VersionIdsToStages"]
    assert not any("AWSPENDING" in labels for labels in stages.values())
    # REDIS_URL carries the new token (same endpoint), written before the services restart and before SET;
    # its previous version keeps the old token
    order = [
        run.output.index(task)
        for task in (
            "Ensure the pending AUTH token is the current one",
            "Ensure REDIS_URL is composed from the AUTH token",
            "Ensure the services that read a rotated secret run new tasks",
            "Ensure the replication group accepts only the new AUTH token (SET)",
        )
    ]
    assert order == sorted(order), order
    assert _redis_url(stack) == (old_url[0], old_url[1], _digest(stack, REDIS))
    assert _redis_url(stack, "AWSPREVIOUS") == old_url
    for secret in (REDIS, REDIS_URL, JWT):
        value = stack.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        leaked = value in run.output
        assert not leaked, f"the value of {secret} is in the playbook output"

    # ElastiCache got ROTATE then SET; both services (they list REDIS_AUTH_TOKEN) restarted in place
    assert delta.get("elasticache.ModifyReplicationGroup") == 2, delta
    assert delta.get("ecs.UpdateService") == len(SERVICES), delta
    assert "ecs.RegisterTaskDefinition" not in delta
    assert _task_definitions(stack) == taskdefs

    # the audit records the rotation
    audit = stack.run("playbooks/compliance.yml", "-e", '{"compliance_controls": ["SECRETS.ROTATION"]}')
    assert audit.returncode == 0, audit.output[-4000:]
    report = json.loads((Path(stack.env["PWD"]) / "outputs" / "compliance" / f"{STACK}.json").read_text())
    findings = [f for f in report["findings"] if f["control"] == "SECRETS.ROTATION"]
    assert findings and all(f["status"] == "PASS" for f in findings), findings
    assert any(f["resource"].split(":secret:")[-1].startswith(f"{JWT}-") for f in findings)  # ARNs


from tests.e2e.db_restore_cases import *  # noqa: E402, F403
