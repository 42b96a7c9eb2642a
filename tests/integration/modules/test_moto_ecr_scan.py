"""scripts/moto_ecr_scan.py through the launcher: ECR basic scanning as on AWS, and the
``/_platform_ops/ecr_findings`` control endpoint that sets an image's scan result."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config

from tests.conftest import moto_server
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import local_ecr  # noqa: E402
import moto_ecr_scan  # noqa: E402

REGION = "us-east-1"
RAW = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """A launcher of this module's own: the tests reset it."""
    with moto_server(tmp_path_factory.mktemp("moto-ecr-scan") / "moto.log") as url:
        yield url


@pytest.fixture
def ecr(endpoint):
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()  # noqa: S310
    return boto3.client("ecr", region_name=REGION, endpoint_url=endpoint, config=RAW)


def _repository(ecr, endpoint, name, scan_on_push=True, tag="v1"):
    ecr.create_repository(repositoryName=name, imageScanningConfiguration={"scanOnPush": scan_on_push})
    local_ecr.push_images(endpoint, REGION, [name], tag)


def _findings(ecr, name, tag="v1", **kwargs):
    answer = ecr.describe_image_scan_findings(repositoryName=name, imageId={"imageTag": tag}, **kwargs)
    answer.pop("ResponseMetadata")
    return answer


def test_scan_on_push_completes_without_findings(ecr, endpoint):
    _repository(ecr, endpoint, "app/api")
    answer = _findings(ecr, "app/api")
    assert answer["imageScanStatus"]["status"] == "COMPLETE"
    assert answer["imageScanFindings"]["findings"] == []
    assert answer["imageScanFindings"]["findingSeverityCounts"] == {}
    assert answer["imageId"]["imageDigest"].startswith("sha256:")
    # the push was the image's basic scan of the day
    with pytest.raises(ecr.exceptions.LimitExceededException):
        ecr.start_image_scan(repositoryName="app/api", imageId={"imageTag": "v1"})


def test_without_scan_on_push_there_is_no_scan_until_one_is_started(ecr, endpoint):
    _repository(ecr, endpoint, "app/api", scan_on_push=False)
    with pytest.raises(ecr.exceptions.ScanNotFoundException):
        _findings(ecr, "app/api")
    started = ecr.start_image_scan(repositoryName="app/api", imageId={"imageTag": "v1"})
    assert started["imageScanStatus"]["status"] == "IN_PROGRESS"
    answer = _findings(ecr, "app/api")
    assert answer["imageScanStatus"]["status"] == "COMPLETE"
    assert answer["imageScanFindings"]["findings"] == []  # not moto's made-up CVE-9999-9999


def test_findings_set_before_the_push_with_severity_counts_and_pages(ecr, endpoint):
    findings = [{"name": f"CVE-2026-{i:04d}", "severity": "LOW"} for i in range(5)]
    findings.append({"name": "CVE-2026-9999", "severity": "critical", "package": "openssl", "version": "3.0.1"})
    moto_ecr_scan.set_ecr_findings(endpoint, "app/api", "v1", findings)
    _repository(ecr, endpoint, "app/api")
    first = _findings(ecr, "app/api", maxResults=4)
    assert len(first["imageScanFindings"]["findings"]) == 4
    assert first["imageScanFindings"]["findingSeverityCounts"] == {"LOW": 5, "CRITICAL": 1}
    merged = (
        ecr.get_paginator("describe_image_scan_findings")
        .paginate(repositoryName="app/api", imageId={"imageTag": "v1"}, PaginationConfig={"PageSize": 4})
        .build_full_result()
    )
    names = [f["name"] for f in merged["imageScanFindings"]["findings"]]
    assert names == [f["name"] for f in findings]
    critical = merged["imageScanFindings"]["findings"][-1]
    assert critical["severity"] == "CRITICAL"
    assert {"key": "package_name", "value": "openssl"} in critical["attributes"]
    assert {"key": "package_version", "value": "3.0.1"} in critical["attributes"]


def test_in_progress_polls_then_complete_and_an_existing_image_rescanned(ecr, endpoint):
    _repository(ecr, endpoint, "app/api")
    moto_ecr_scan.set_ecr_findings(
        endpoint, "app/api", "v1", [{"name": "CVE-2026-0001", "severity": "HIGH"}], in_progress_polls=2
    )
    statuses = [_findings(ecr, "app/api")["imageScanStatus"]["status"] for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "COMPLETE"]
    assert _findings(ecr, "app/api")["imageScanFindings"]["findings"][0]["name"] == "CVE-2026-0001"


def test_enhanced_findings_and_a_failed_scan(ecr, endpoint):
    _repository(ecr, endpoint, "app/api")
    _repository(ecr, endpoint, "app/worker")
    moto_ecr_scan.set_ecr_findings(
        endpoint, "app/api", "v1", [{"name": "CVE-2026-0001", "severity": "HIGH", "package": "glibc"}], enhanced=True
    )
    moto_ecr_scan.set_ecr_findings(endpoint, "app/worker", "v1", [], status="FAILED")
    answer = _findings(ecr, "app/api")
    assert answer["imageScanStatus"]["status"] == "ACTIVE"
    (finding,) = answer["imageScanFindings"]["enhancedFindings"]
    assert finding["packageVulnerabilityDetails"]["vulnerabilityId"] == "CVE-2026-0001"
    assert finding["packageVulnerabilityDetails"]["vulnerablePackages"][0]["name"] == "glibc"
    assert finding["severity"] == "HIGH" and finding["status"] == "ACTIVE"
    failed = _findings(ecr, "app/worker")
    assert failed["imageScanStatus"]["status"] == "FAILED"
    assert "imageScanFindings" not in failed


def test_control_endpoint_lists_rejects_bad_input_and_reset_forgets(ecr, endpoint):
    moto_ecr_scan.set_ecr_findings(endpoint, "app/api", "v1", [{"name": "CVE-1", "severity": "HIGH"}])
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/ecr_findings", timeout=5) as resp:  # noqa: S310
        listed = json.load(resp)["ecr_findings"]
    assert [(e["repository"], e["image"], e["region"]) for e in listed] == [("app/api", "tag:v1", REGION)]
    for bad, error in [
        ({"repository": "app/api"}, "exactly one of tag or digest"),
        ({"repository": "app/api", "tag": "v1", "findings": [{"name": "CVE-1", "severity": "SEVERE"}]}, "severity"),
        ({"repository": "app/api", "tag": "v1", "status": "DONE"}, "status must be one of"),
    ]:
        with pytest.raises(urllib.error.HTTPError) as err:
            moto_ecr_scan.set_ecr_findings(
                endpoint, bad.pop("repository"), bad.pop("tag", None), bad.pop("findings", []), **bad
            )
        assert err.value.code == 400
        assert error in json.load(err.value)["error"]
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()  # noqa: S310
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/ecr_findings", timeout=5) as resp:  # noqa: S310
        assert json.load(resp)["ecr_findings"] == []
