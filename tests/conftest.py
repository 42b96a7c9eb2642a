"""Shared fixtures: a real moto server (our launcher) on loopback, boto3 clients, module runner."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextlib.contextmanager
def moto_server(log: Path, **env: str):
    """Start our moto launcher on a free loopback port with extra environment; yields its endpoint."""
    port = _free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "moto_launcher.py"), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **env),
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{endpoint}/_platform_ops/requests")
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a loaded machine: moto's interpreter shutdown alone takes seconds
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory):
    """A moto server started by the test harness for this session (one per xdist worker)."""
    running = os.environ.get("MOTO_ECS_SERVICE_RUNNING", "2")
    # AWS managed policies exist in every account (the drift test attaches AdministratorAccess).
    with moto_server(
        tmp_path_factory.mktemp("moto") / "moto.log",
        MOTO_ECS_SERVICE_RUNNING=running,
        MOTO_IAM_LOAD_MANAGED_POLICIES="true",
    ) as endpoint:
        yield endpoint


@pytest.fixture(scope="session", autouse=True)
def _fake_credentials():
    """The emulator accepts any key; make sure nothing can reach a real account."""
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(key, None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def aws(moto_endpoint):
    """``aws('ec2')`` -> a boto3 client on the test moto server."""

    def make(service: str, region: str = REGION):
        return boto3.client(service, region_name=region, endpoint_url=moto_endpoint)

    return make


@pytest.fixture
def moto_reset(moto_endpoint):
    """Wipe all emulated state (used by tests that need an empty account)."""
    req = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    # A reset rebuilds every backend (the AWS managed policies too): seconds on a loaded machine.
    urllib.request.urlopen(req, timeout=60).close()  # noqa: S310 - loopback only


def api_requests(endpoint: str) -> dict:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310
        return json.load(resp)


def api_operations(endpoint: str) -> dict:
    """Requests the launcher served so far, per ``service.Operation``."""
    return api_requests(endpoint)["by_operation"]


def operations_delta(before: dict, after: dict) -> dict:
    """The operations called between two ``api_operations`` readings, with their counts."""
    return {op: after[op] - before.get(op, 0) for op in after if after[op] - before.get(op, 0)}


def set_faults(endpoint: str, **config) -> dict:
    """Replace the launcher's fault injection (``set_faults(ep, throttle=0.3, seed=1)``; no arguments: off).

    ``error_after_write`` takes a dict (``{"ecs.RunTask": 1}``), ``only``/``except_`` lists of
    ``service.Operation`` patterns. Answers the new configuration with zeroed counters.
    """
    if "except_" in config:
        config["except"] = config.pop("except_")
    req = urllib.request.Request(
        f"{endpoint}/_platform_ops/faults",
        data=json.dumps(config).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)


def faults(endpoint: str) -> dict:
    """The launcher's fault configuration and what it injected: ``{"config", "remaining", "injected", "total"}``."""
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/faults", timeout=5) as resp:  # noqa: S310
        return json.load(resp)
