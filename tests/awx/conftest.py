"""Fixtures of the AWX tests: the data of awx/*.yml and the plan awx_configure.yml renders from it."""

from __future__ import annotations

import json

import pytest
from awx_support import BIN, FAKE_SECRET, FAKE_TOKEN, NO_AWX, run
from awx_support import awx_data as _awx_data


@pytest.fixture(scope="session")
def awx_data() -> dict:
    return _awx_data()


@pytest.fixture(scope="session")
def plan(tmp_path_factory):
    """awx_configure.yml in render mode, with a token and AWS keys that must never show up."""
    out = tmp_path_factory.mktemp("awx") / "plan.json"
    secrets = {"caseapp-prod-aws": {"access_key": "AKIAEXAMPLEPROD", "secret_key": FAKE_SECRET}}
    proc = run(
        [
            str(BIN / "ansible-playbook"),
            "playbooks/awx_configure.yml",
            "-e",
            "awx_render_only=true",
            "-e",
            f"awx_render_file={out}",
            "-e",
            f"awx_host={NO_AWX}",
            "-e",
            f"awx_oauth_token={FAKE_TOKEN}",
            "-e",
            json.dumps({"awx_aws_credentials": secrets}),
        ]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"output": proc.stdout + proc.stderr, "text": out.read_text(), "data": json.loads(out.read_text())}
