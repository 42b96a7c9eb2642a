"""playbooks/compliance.yml (the AWX `compliance` template's stage) against the test moto server.

Each test audits its own platform name, so the shared emulator's other resources never count.
"""

from __future__ import annotations

import json
import stat
import uuid

import boto3
import pytest
from ansible_collections.platform_ops.aws.plugins.module_utils import compliance

from tests.helpers import playbook

# The account's security baseline (CloudTrail, GuardDuty, ...) is account-wide: this shared emulator's account
# has none, and tests/e2e/test_baseline_audit.py audits it in fresh accounts. Here every other control.
PLATFORM_CONTROLS = json.dumps(
    {"compliance_controls": [c for c in compliance.CONTROLS if c not in compliance.BASELINE_SWITCHES]}
)
TAGS = [{"Key": "ManagedBy", "Value": "ansible"}, {"Key": "DataClassification", "Value": "phi"}]


def _audit(endpoint, name, report_dir, *extra):
    return playbook(
        endpoint,
        "playbooks/compliance.yml",
        "-e",
        f"platform_name={name}",
        "-e",
        f"compliance_report_dir={report_dir}",
        "-e",
        PLATFORM_CONTROLS,
        *extra,
    )


def _bad_bucket(endpoint, name) -> str:
    """A tagged documents bucket of the platform with no encryption, policy, versioning or public access block."""
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    bucket = f"{name}-local-documents"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(
        Bucket=bucket,
        Tagging={"TagSet": [{"Key": "Project", "Value": name}, {"Key": "Environment", "Value": "local"}, *TAGS]},
    )
    return f"arn:aws:s3:::{bucket}"


@pytest.fixture
def name():
    return f"cmp{uuid.uuid4().hex[:10]}"


@pytest.mark.slow
def test_reports_are_written_once_and_unchanged_on_a_second_run(moto_endpoint, name, tmp_path):
    first = _audit(moto_endpoint, name, tmp_path)
    assert first.returncode == 0, first.tail()
    report = tmp_path / f"{name}-local.json"
    markdown = tmp_path / f"{name}-local.md"
    for path in (report, markdown):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(report.read_text())
    assert data["platform"] == name and data["compliant"] is True
    assert "timestamp" not in data, "the audit time must stay out of the file (idempotent writes)"
    assert "Generated:" not in markdown.read_text()
    assert f"# HIPAA compliance audit: {name}-local" in markdown.read_text()
    assert "- Generated: " in first.output, "the run shows when the audit ran"

    second = _audit(moto_endpoint, name, tmp_path)
    assert second.returncode == 0, second.tail()
    assert second.recap["changed"] == 0, second.changed_tasks()


@pytest.mark.slow
def test_fails_naming_controls_and_resources_then_waivers_accept_them(moto_endpoint, name, tmp_path, monkeypatch):
    arn = _bad_bucket(moto_endpoint, name)

    failing = _audit(moto_endpoint, name, tmp_path)
    assert failing.returncode != 0
    assert failing.recap["failed"] == 1
    message = next(line for line in failing.output.splitlines() if "FAIL finding(s) at or above severity" in line)
    for control in ("S3.ENCRYPTION", "S3.PUBLIC_ACCESS_BLOCK", "S3.TLS_ONLY", "S3.VERSIONING"):
        assert f"{control} on {arn}" in message
    assert "| FAIL | critical | S3.PUBLIC_ACCESS_BLOCK |" in failing.output  # the table in the run
    assert "| PASS |" not in failing.output  # only what needs attention is shown
    # The reports were written before the gate.
    data = json.loads((tmp_path / f"{name}-local.json").read_text())
    assert data["compliant"] is False
    assert {f["control"] for f in data["blocking"]} >= {"S3.ENCRYPTION", "S3.PUBLIC_ACCESS_BLOCK"}

    monkeypatch.setenv("ANSIBLE_SHOW_CUSTOM_STATS", "true")  # what AWX keeps as the job's artifacts
    report_only = _audit(moto_endpoint, name, tmp_path, "-e", "compliance_fail_on_findings=false")
    assert report_only.returncode == 0, report_only.tail()
    stats = report_only.output.split("CUSTOM STATS", 1)[1]
    assert "compliance_compliant: false" in stats and f"S3.ENCRYPTION on {arn}" in stats

    # Waivers as an inventory would write them: an unquoted YAML date works too.
    waivers = tmp_path / "waivers.yml"
    waivers.write_text(
        "compliance_waivers:\n"
        + "".join(
            f"  - {{control: {c}, resource: '{arn}', reason: accepted in test, expires: 2099-12-31}}\n"
            for c in ("S3.ENCRYPTION", "S3.PUBLIC_ACCESS_BLOCK", "S3.TLS_ONLY", "S3.VERSIONING")
        )
    )
    waived = _audit(moto_endpoint, name, tmp_path, "-e", f"@{waivers}")
    assert waived.returncode == 0, waived.tail()
    assert "| WAIVED | critical | S3.PUBLIC_ACCESS_BLOCK |" in waived.output
    data = json.loads((tmp_path / f"{name}-local.json").read_text())
    assert data["compliant"] is True and len(data["waivers"]["applied"]) == 4


@pytest.mark.slow
def test_threshold_decides_what_fails(moto_endpoint, name, tmp_path):
    _bad_bucket(moto_endpoint, name)
    # Only S3.PUBLIC_ACCESS_BLOCK is critical; waive it and a critical threshold passes.
    only_critical = _audit(moto_endpoint, name, tmp_path, "-e", "compliance_severity_threshold=critical")
    assert only_critical.returncode != 0
    assert "in control(s) S3.PUBLIC_ACCESS_BLOCK:" in only_critical.output
    selected = _audit(
        moto_endpoint,
        name,
        tmp_path,
        "-e",
        "compliance_severity_threshold=critical",
        "-e",
        '{"compliance_controls": ["S3.ENCRYPTION", "RDS.*"]}',
    )
    assert selected.returncode == 0, selected.tail()
