"""The compliance audit fails naming each baseline control when the baseline is switched off without a waiver.

Issue 13: the account's security baseline (CloudTrail, GuardDuty, Security Hub, AWS Config, AWS Backup) is
audited whether or not the security_baseline role creates it. On a fresh emulator (nothing deployed: the audit
of an empty stack needs no deploy) ``playbooks/compliance.yml`` with every ``security_baseline_*`` switch off
fails, names each baseline control and says that the organisation must provide the service; with a waiver for
each (the organisation provides them) the same audit passes.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from tests.conftest import moto_server
from tests.helpers import playbook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("baseline_audit")]

REGION = "us-east-1"  # inventories/local
STACK = "caseapp-local"
# control -> (switch, the finding's resource when the service is missing)
BASELINE = {
    "CLOUDTRAIL.LOGGING": "cloudtrail",
    "CLOUDTRAIL.VALIDATION": "cloudtrail",
    "CLOUDTRAIL.ENCRYPTED": "cloudtrail",
    "GUARDDUTY.ENABLED": "guardduty",
    "SECURITYHUB.FSBP": "securityhub",
    "CONFIG.RECORDING": "config",
    "BACKUP.PLAN_COVERAGE": "backup",
}
SWITCHES_OFF = {f"security_baseline_{service}": False for service in sorted(set(BASELINE.values()))}
# the local inventory's own accepted risk (its ALB has no certificate); -e replaces the inventory's list
LOCAL_WAIVER = {
    "control": "ELB.HTTPS_ONLY",
    "resource": "*",
    "reason": "Local emulated stack without an ACM certificate",
    "expires": "2030-12-31",
}


@pytest.fixture(scope="module")
def fresh_emulator(tmp_path_factory):
    """An emulator of its own: nothing of the baseline exists in it (the session's may have a trail or a detector)."""
    with moto_server(tmp_path_factory.mktemp("baseline-moto") / "moto.log") as endpoint:
        yield endpoint


def _audit(endpoint, work: Path, extra: dict):
    return playbook(
        endpoint,
        "playbooks/compliance.yml",
        "-e",
        json.dumps({**SWITCHES_OFF, **extra}),
        env={"PWD": str(work)},
        timeout=600,
    )


def _report(work: Path) -> dict:
    return json.loads((work / "outputs" / "compliance" / f"{STACK}.json").read_text())


def test_baseline_switched_off_without_waivers_fails_naming_each_control(fresh_emulator, tmp_path):
    run = _audit(fresh_emulator, tmp_path, {})
    assert run.returncode != 0, run.tail()
    output = run.output
    assert "Ensure no finding at or above the severity threshold is left unwaived" in output
    for control, service in BASELINE.items():
        assert f"{control} on {service}:{REGION}" in output, (control, run.tail(120))
        assert (
            f"security_baseline_{service} is false: the organisation must provide it, or waive {control} "
            "in compliance_waivers"
        ) in output, control
    report = _report(tmp_path)
    blocking = {(f["control"], f["resource"]) for f in report["blocking"]}
    assert blocking == {(control, f"{service}:{REGION}") for control, service in BASELINE.items()}
    assert report["compliant"] is False


def test_baseline_waived_passes(fresh_emulator, tmp_path):
    expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    waivers = [LOCAL_WAIVER] + [
        {
            "control": control,
            "resource": f"{service}:{REGION}",
            "reason": f"The organisation provides {service} (security team, SEC-13)",
            "expires": expires,
        }
        for control, service in BASELINE.items()
    ]
    run = _audit(fresh_emulator, tmp_path, {"compliance_waivers": waivers})
    assert run.returncode == 0, run.tail(120)
    report = _report(tmp_path)
    assert report["compliant"] is True and report["blocking"] == []
    statuses = {f["control"]: f["status"] for f in report["findings"] if f["control"] in BASELINE}
    assert statuses == dict.fromkeys(BASELINE, "WAIVED")
    assert {w["control"] for w in report["waivers"]["applied"]} >= set(BASELINE)
