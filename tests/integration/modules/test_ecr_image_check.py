"""platform_ops.aws.ecr_image_check against the moto server; images pushed with scripts/local_ecr.py."""

from __future__ import annotations

import json
import sys
import uuid

import pytest

from tests.conftest import api_operations, api_requests, operations_delta
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import local_ecr  # noqa: E402

MODULE = "ecr_image_check"
ACCOUNT = "123456789012"  # moto's account
REGISTRY = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture
def prefix():
    return f"imgcheck-{uuid.uuid4().hex[:10]}"


def _repositories(aws, *names: str) -> None:
    for name in names:
        aws("ecr").create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")


def test_every_image_present_costs_one_request_per_repository(run_module, aws, prefix, moto_endpoint):
    backend, worker = f"{prefix}/backend", f"{prefix}/worker"
    _repositories(aws, backend, worker)
    local_ecr.push_images(moto_endpoint, "us-east-1", [backend, worker], "v1")
    local_ecr.push_images(moto_endpoint, "us-east-1", [backend], "v2")

    before = api_operations(moto_endpoint)
    result = run_module(
        MODULE,
        {
            "images": [
                f"{REGISTRY}/{backend}:v1",
                f"{REGISTRY}/{backend}:v2",
                {"repository": worker, "tag": "v1"},
                f"{REGISTRY}/{backend}:v1",  # a duplicate is checked once
            ]
        },
    )
    assert not result.failed, result
    assert not result.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {"ecr.DescribeImages": 2}
    assert result["missing"] == [] and result["push_commands"] == [] and result["msg"] == ""
    assert result["present"] == [f"{REGISTRY}/{backend}:v1", f"{REGISTRY}/{backend}:v2", f"{REGISTRY}/{worker}:v1"]
    assert [i["status"] for i in result["images"]] == ["present"] * 3
    assert all(i["image_digest"].startswith("sha256:") for i in result["images"])
    assert result["images"][2]["registry_id"] == ACCOUNT  # from DescribeImages, without asking STS
    # each tag is an image of its own, as separate builds are
    assert result["images"][0]["image_digest"] != result["images"][1]["image_digest"]


def test_missing_tag_fails_naming_it_with_the_push_commands(run_module, aws, prefix):
    backend, worker = f"{prefix}/backend", f"{prefix}/worker"
    _repositories(aws, backend, worker)
    local_ecr.push_images(aws("ecr").meta.endpoint_url, "us-east-1", [backend], "v1")
    result = run_module(
        MODULE,
        {
            "images": [{"repository": backend, "tag": "v1"}, {"repository": worker, "tag": "v1"}],
            "hint": "Push, then run deploy.yml again.",
        },
    )
    assert result.failed
    assert not result.changed
    assert result["present"] == [f"{REGISTRY}/{backend}:v1"]
    assert result["missing"] == [f"{REGISTRY}/{worker}:v1"]
    assert result["missing_repositories"] == []
    assert result["push_commands"] == [
        f"aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin {REGISTRY}",
        f"docker tag {worker}:v1 {REGISTRY}/{worker}:v1",
        f"docker push {REGISTRY}/{worker}:v1",
    ]
    msg = result["msg"]
    assert f"{REGISTRY}/{worker}:v1: no image tagged v1 in {worker}" in msg
    assert f"docker push {REGISTRY}/{worker}:v1" in msg
    assert f"{backend}:v1" not in msg.split("Push them")[0]
    assert msg.endswith("Push, then run deploy.yml again.")


def test_missing_repository_is_missing_with_the_repositories_hint(run_module, prefix):
    uri = f"{REGISTRY}/{prefix}/api:2026.11.23-abc123"
    result = run_module(MODULE, {"images": [uri]})
    assert result.failed
    assert result["missing"] == [uri]
    assert result["missing_repositories"] == [f"{prefix}/api"]
    assert result["images"][0]["status"] == "repository_missing"
    assert f"the repository {prefix}/api does not exist" in result["msg"]
    assert "--tags repositories" in result["msg"]
    assert f"docker push {uri}" in result["push_commands"]


def test_missing_repository_of_a_dict_entry_finds_the_account(run_module, prefix, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"images": [{"repository": f"{prefix}/api", "tag": "v1"}]})
    assert result.failed
    assert result["missing"] == [f"{REGISTRY}/{prefix}/api:v1"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeImages": 1,
        "sts.GetCallerIdentity": 1,
    }


def test_report_without_failing_warns_and_check_mode_is_the_same(run_module, aws, prefix):
    name = f"{prefix}/api"
    _repositories(aws, name)
    for check_mode in (False, True):
        result = run_module(
            MODULE, {"images": [{"repository": name, "tag": "v9"}], "fail_on_missing": False}, check_mode=check_mode
        )
        assert not result.failed, result
        assert not result.changed
        assert result["missing"] == [f"{REGISTRY}/{name}:v9"]
        assert f"{REGISTRY}/{name}:v9" in json.dumps(result.get("warnings", [])), result


def test_image_by_digest(run_module, aws, prefix, moto_endpoint):
    name = f"{prefix}/api"
    _repositories(aws, name)
    local_ecr.push_images(moto_endpoint, "us-east-1", [name], "v1")
    digest = aws("ecr").describe_images(repositoryName=name)["imageDetails"][0]["imageDigest"]
    other = "sha256:" + "0" * 64
    result = run_module(
        MODULE, {"images": [f"{REGISTRY}/{name}@{digest}", {"repository": name, "digest": other}]}, check_mode=True
    )
    assert result.failed
    assert result["present"] == [f"{REGISTRY}/{name}@{digest}"]
    assert result["missing"] == [f"{REGISTRY}/{name}@{other}"]
    assert result["push_commands"][1].startswith(f"# {REGISTRY}/{name}@{other}: push the build whose digest is")


def test_push_again_skips_the_existing_tag(aws, prefix, moto_endpoint):
    name = f"{prefix}/api"
    _repositories(aws, name)
    first = local_ecr.push_images(moto_endpoint, "us-east-1", [name], "v1")
    again = local_ecr.push_images(moto_endpoint, "us-east-1", [name], "v1")
    assert first[0].startswith(f"{name}:v1 pushed (sha256:")
    assert again == [f"{name}:v1 already pushed"]
    (image,) = aws("ecr").describe_images(repositoryName=name)["imageDetails"]
    assert image["imageTags"] == ["v1"]
    assert image["imageManifestMediaType"] == local_ecr.MANIFEST_TYPE
    layers = aws("ecr").batch_check_layer_availability(
        repositoryName=name,
        layerDigests=[d for d in local_ecr.minimal_image("v1")[0]],
    )["layers"]
    assert {layer["layerAvailability"] for layer in layers} == {"AVAILABLE"}


def test_push_refuses_a_missing_repository_and_a_remote_endpoint(prefix, moto_endpoint):
    with pytest.raises(local_ecr.PushError, match="--tags repositories"):
        local_ecr.push_images(moto_endpoint, "us-east-1", [f"{prefix}/none"], "v1")
    with pytest.raises(local_ecr.PushError, match="not the local emulator"):
        local_ecr.push_images("https://ecr.us-east-1.amazonaws.com", "us-east-1", ["a/b"], "v1")


@pytest.mark.parametrize(
    ("images", "error"),
    [
        ([], "at least one image"),
        (["docker.io/library/nginx:1.25"], "is not a private ECR image URI"),
        ([f"{REGISTRY}/Caseapp/api:v1"], "is not an ECR repository name"),
        ([f"{REGISTRY}/caseapp/api"], "exactly one of a tag or a digest"),
        ([{"repository": "caseapp/api", "tag": "-bad"}], "is not an image tag"),
        ([{"repository": "caseapp/api", "tag": "v1", "digest": "sha256:" + "a" * 64}], "exactly one of"),
        ([{"repository": "caseapp/api", "digest": "md5:abc"}], "is not an image digest"),
        ([{"repository": "caseapp/api", "tag": "v1", "registry_id": "12"}], "12-digit account"),
        ([{"repository": "caseapp/api", "version": "v1"}], "unknown key(s) version"),
        ([42], "expected an image URI or a dict"),
    ],
)
def test_bad_input_fails_before_any_request(run_module, moto_endpoint, images, error):
    before = api_requests(moto_endpoint)["total"]
    result = run_module(MODULE, {"images": images})
    assert result.failed
    assert error in result["msg"], result["msg"]
    assert api_requests(moto_endpoint)["total"] == before


# ---------------------------------------------------------------- the image gate (max_severity)

import moto_ecr_scan  # noqa: E402

FUTURE, PAST = "2999-12-31", "2020-01-01"
CRITICAL = {"name": "CVE-2026-0001", "severity": "CRITICAL", "package": "openssl", "version": "3.0.1"}
MEDIUM = {"name": "CVE-2026-0002", "severity": "MEDIUM", "package": "zlib", "version": "1.2.11"}


def _scanned(aws, endpoint, name, *, tag="v1", findings=None, scan_on_push=True, **extra):
    """A repository (scan on push) with one pushed image whose scan reports ``findings``."""
    aws("ecr").create_repository(
        repositoryName=name, imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": scan_on_push}
    )
    if findings is not None or extra:
        moto_ecr_scan.set_ecr_findings(endpoint, name, tag, findings or [], **extra)
    local_ecr.push_images(endpoint, "us-east-1", [name], tag)
    return f"{REGISTRY}/{name}:{tag}"


@pytest.fixture
def scanned(aws, moto_endpoint, prefix):
    """``scanned(findings=[...])`` -> URI of ``<prefix>/api:v1``, pushed, its scan reporting the findings."""
    return lambda **kwargs: _scanned(aws, moto_endpoint, f"{prefix}/api", **kwargs)


def test_gate_passes_an_image_without_findings(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api")
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH"})
    assert not result.failed, result
    assert not result.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "ecr.DescribeImages": 1,
        "ecr.DescribeImageScanFindings": 1,
    }
    (image,) = result["images"]
    assert image["scan_status"] == "COMPLETE"
    assert image["finding_counts"] == {} and image["blocking"] == [] and image["waived"] == []
    assert result["blocking"] == [] and result["msg"] == "" and result["max_severity"] == "HIGH"


def test_gate_refuses_a_critical_finding_naming_image_cve_severity_and_package(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[CRITICAL, MEDIUM])
    for check_mode in (False, True):  # the gate is read-only: the same verdict in check mode
        result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "hint": "Nothing ran."}, check_mode)
        assert result.failed
        assert not result.changed
        assert result["blocking"] == [
            {"image": uri, "id": "CVE-2026-0001", "severity": "CRITICAL", "package": "openssl"}
        ]
        (image,) = result["images"]
        assert image["finding_counts"] == {"CRITICAL": 1, "MEDIUM": 1}
        assert [f["id"] for f in image["blocking"]] == ["CVE-2026-0001"]
        msg = result["msg"]
        assert "findings at or above HIGH" in msg
        assert f"  - {uri}:\n      CVE-2026-0001 CRITICAL in openssl 3.0.1" in msg
        assert "CVE-2026-0002" not in msg
        assert msg.endswith("Nothing ran.")


@pytest.mark.parametrize(
    ("max_severity", "blocked"),
    [("CRITICAL", []), ("HIGH", []), ("MEDIUM", ["CVE-2026-0002"]), ("LOW", ["CVE-2026-0002", "CVE-2026-0003"])],
)
def test_max_severity_is_the_lowest_severity_that_blocks(run_module, scanned, max_severity, blocked):
    low = {"name": "CVE-2026-0003", "severity": "LOW"}
    uri = scanned(findings=[MEDIUM, low])
    result = run_module(MODULE, {"images": [uri], "max_severity": max_severity})
    assert result.failed == bool(blocked), result
    assert [b["id"] for b in result["blocking"]] == blocked


def test_undefined_blocks_every_finding(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[{"name": "CVE-2026-0009", "severity": "UNDEFINED"}])
    assert not run_module(MODULE, {"images": [uri], "max_severity": "INFORMATIONAL"}).failed
    assert run_module(MODULE, {"images": [uri], "max_severity": "UNDEFINED"})["blocking"][0]["id"] == "CVE-2026-0009"


def test_a_current_waiver_lets_the_image_pass(run_module, aws, prefix, moto_endpoint):
    name = f"{prefix}/api"
    uri = _scanned(aws, moto_endpoint, name, findings=[CRITICAL])
    waivers = [
        {"id": "cve-2026-0001", "expires": FUTURE, "reason": "parser not reachable", "repository": name},
        {"id": "CVE-2026-7777", "expires": FUTURE, "reason": "other image"},
    ]
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "waivers": waivers})
    assert not result.failed, result
    (image,) = result["images"]
    assert image["blocking"] == []
    assert image["waived"][0]["id"] == "CVE-2026-0001"
    assert image["waived"][0]["waiver"] == {"reason": "parser not reachable", "expires": FUTURE, "repository": name}
    assert [w["id"] for w in result["waivers"]["applied"]] == ["cve-2026-0001"]
    assert [w["id"] for w in result["waivers"]["unused"]] == ["CVE-2026-7777"]


def test_a_waiver_for_another_repository_does_not_apply(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[CRITICAL])
    waiver = {"id": "CVE-2026-0001", "expires": FUTURE, "reason": "worker only", "repository": f"{prefix}/worker"}
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "waivers": [waiver]})
    assert result.failed
    assert result["waivers"]["unused"][0]["repository"] == f"{prefix}/worker"


def test_an_expired_waiver_no_longer_applies_and_says_so(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[CRITICAL])
    waiver = {"id": "CVE-2026-0001", "expires": PAST, "reason": "fix due in January"}
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "waivers": [waiver]})
    assert result.failed
    assert result["images"][0]["blocking"][0]["waiver_expired"] == PAST
    assert f"CVE-2026-0001 CRITICAL in openssl 3.0.1 (waiver expired {PAST}: fix due in January)" in result["msg"]
    assert f"Expired waivers (no longer applied): CVE-2026-0001 (expired {PAST})" in result["msg"]
    assert result["waivers"]["expired"] == [
        {"id": "CVE-2026-0001", "repository": None, "reason": "fix due in January", "expires": PAST}
    ]


def test_a_scan_in_progress_is_waited_for(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[CRITICAL], in_progress_polls=2)
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "scan_poll_interval": 0.05})
    assert result.failed
    assert result["images"][0]["scan_status"] == "COMPLETE"
    assert result["blocking"][0]["id"] == "CVE-2026-0001"
    assert operations_delta(before, api_operations(moto_endpoint))["ecr.DescribeImageScanFindings"] == 3


def test_a_scan_still_running_at_the_timeout_blocks(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[], in_progress_polls=100)
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "scan_wait_timeout": 0})
    assert result.failed
    assert result["images"][0]["scan_status"] == "IN_PROGRESS"
    assert "IN_PROGRESS: the scan is still IN_PROGRESS after 0 s (scan_wait_timeout)" in result["msg"]


def test_a_never_scanned_image_is_scanned_except_in_check_mode(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", scan_on_push=False)
    before = api_operations(moto_endpoint)
    check = run_module(MODULE, {"images": [uri], "max_severity": "HIGH"}, check_mode=True)
    assert check.failed and not check.changed
    assert check["images"][0]["scan_status"] == "NOT_SCANNED"
    assert "never scanned (check mode does not start a scan)" in check["msg"]
    assert "ecr.StartImageScan" not in operations_delta(before, api_operations(moto_endpoint))

    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "scan_poll_interval": 0.05})
    assert not result.failed, result
    assert result.changed
    assert result["images"][0]["scan_started"] and result["images"][0]["scan_status"] == "COMPLETE"
    again = run_module(MODULE, {"images": [uri], "max_severity": "HIGH"})
    assert not again.failed and not again.changed


def test_a_failed_scan_blocks_and_is_not_restarted(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", status="FAILED")
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH"})
    assert result.failed and not result.changed
    assert result["blocking"] == [{"image": uri, "id": "FAILED", "severity": None, "package": None}]
    assert "the scan FAILED" in result["msg"] and "one scan per image per 24 hours" in result["msg"]
    assert "ecr.StartImageScan" not in operations_delta(before, api_operations(moto_endpoint))


def test_an_unsupported_image_can_be_waived_by_its_status(run_module, aws, prefix, moto_endpoint):
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", status="UNSUPPORTED_IMAGE")
    refused = run_module(MODULE, {"images": [uri], "max_severity": "HIGH"})
    assert refused.failed and "the scan ended UNSUPPORTED_IMAGE" in refused["msg"]
    waiver = {"id": "UNSUPPORTED_IMAGE", "expires": FUTURE, "reason": "distroless base, scanned in CI"}
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH", "waivers": [waiver]})
    assert not result.failed, result
    assert result["images"][0]["waived"][0]["id"] == "UNSUPPORTED_IMAGE"


def test_enhanced_findings_are_judged_too(run_module, aws, prefix, moto_endpoint):
    closed = dict(MEDIUM, severity="HIGH", status="CLOSED")
    uri = _scanned(aws, moto_endpoint, f"{prefix}/api", findings=[CRITICAL, closed], enhanced=True)
    result = run_module(MODULE, {"images": [uri], "max_severity": "HIGH"})
    assert result.failed
    assert result["images"][0]["scan_status"] == "ACTIVE"
    assert result["blocking"] == [{"image": uri, "id": "CVE-2026-0001", "severity": "CRITICAL", "package": "openssl"}]


def test_missing_images_keep_their_behaviour_with_the_gate(run_module, aws, prefix, moto_endpoint):
    name = f"{prefix}/api"
    uri = _scanned(aws, moto_endpoint, name)
    absent = f"{REGISTRY}/{name}:v9"
    result = run_module(MODULE, {"images": [uri, absent], "max_severity": "HIGH", "fail_on_missing": False})
    assert not result.failed, result
    assert result["missing"] == [absent]
    assert [i["scan_status"] for i in result["images"]] == ["COMPLETE", None]
    assert absent in json.dumps(result.get("warnings", []))
    failed = run_module(MODULE, {"images": [uri, absent], "max_severity": "HIGH"})
    assert failed.failed and f"docker push {absent}" in failed["msg"]


@pytest.mark.parametrize(
    ("waiver", "error"),
    [
        ({"id": "CVE-1", "expires": "31/12/2026", "reason": "x"}, "expires must be a date YYYY-MM-DD"),
        ({"id": "CVE-1", "expires": FUTURE, "reason": " "}, "reason is required"),
        ({"id": " ", "expires": FUTURE, "reason": "x"}, "id is required"),
    ],
)
def test_bad_waivers_fail_before_any_request(run_module, moto_endpoint, waiver, error):
    before = api_requests(moto_endpoint)["total"]
    result = run_module(
        MODULE, {"images": [{"repository": "caseapp/api", "tag": "v1"}], "max_severity": "HIGH", "waivers": [waiver]}
    )
    assert result.failed
    assert error in result["msg"], result["msg"]
    assert api_requests(moto_endpoint)["total"] == before


# ---------------------------------------------------------------- playbooks/include/image_gate.yml

GATE_PLAY = """
- name: Run the image gate
  hosts: platform
  gather_facts: false
  module_defaults:
    group/platform_ops.aws.aws:
      region: us-east-1
      endpoint_url: "{{{{ platform_aws_endpoint_url }}}}"
  tasks:
    - name: Import the gate
      ansible.builtin.import_tasks: {gate}
    - name: Mark that the play went on
      ansible.builtin.debug:
        msg: AFTER THE GATE
"""


def test_image_gate_include_refuses_a_critical_cve_and_a_waiver_lets_it_pass(aws, moto_endpoint, tmp_path):
    from tests.helpers import playbook  # noqa: PLC0415

    name = f"gate{uuid.uuid4().hex[:6]}"
    _scanned(aws, moto_endpoint, f"{name}-local/api", tag="v2", findings=[CRITICAL])
    play = tmp_path / "gate.yml"
    play.write_text(GATE_PLAY.format(gate=ROOT / "playbooks" / "include" / "image_gate.yml"))
    extra = {
        "platform_name": name,
        "platform_env": "local",
        "platform_image_tag": "v2",
        "platform_services": [{"name": "api"}, {"name": "web", "image": "public.ecr.aws/nginx/nginx:1"}],
    }
    refused = playbook(moto_endpoint, str(play), "-e", json.dumps(extra))
    assert refused.returncode != 0, refused.output
    assert "CVE-2026-0001 CRITICAL in openssl 3.0.1" in refused.output
    assert f"{name}-local/api:v2" in refused.output
    assert "AFTER THE GATE" not in refused.output

    waiver = {"id": "CVE-2026-0001", "expires": FUTURE, "reason": "accepted for the test"}
    passed = playbook(moto_endpoint, str(play), "-e", json.dumps(extra | {"release_scan_waivers": [waiver]}))
    assert passed.returncode == 0, passed.output
    assert "AFTER THE GATE" in passed.output
