"""Every molecule scenario (converge -> idempotence -> verify with boto3 -> cleanup) as a test."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import BIN, ROOT, ansible_env

SCENARIOS = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario, moto_endpoint):
    # Forget the state a previous run left (e.g. "prepared"), so prepare always runs.
    subprocess.run(
        [str(BIN / "molecule"), "reset", "-s", scenario],
        cwd=ROOT,
        env=ansible_env(moto_endpoint),
        capture_output=True,
        check=False,
    )
    proc = subprocess.run(
        [str(BIN / "molecule"), "test", "-s", scenario],
        cwd=ROOT,
        env=ansible_env(moto_endpoint),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"molecule test -s {scenario} failed:\n" + "\n".join(output.splitlines()[-80:])
    assert "all checks passed" in output, "the boto3 checks of verify did not run"
