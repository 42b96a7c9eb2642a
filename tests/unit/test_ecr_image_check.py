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
