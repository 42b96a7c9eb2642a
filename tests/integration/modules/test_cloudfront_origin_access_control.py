"""platform_ops.aws.cloudfront_origin_access_control against the moto server; state asserted with boto3."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "cloudfront_origin_access_control"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


@pytest.fixture
def name():
    return f"oac-{uuid.uuid4().hex[:12]}"


def _find(aws, name: str):
    """The control's summary from ListOriginAccessControls, or None."""
    items = aws("cloudfront").list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    found = [item for item in items if item["Name"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


def _config(aws, control_id: str) -> dict:
    return aws("cloudfront").get_origin_access_control(Id=control_id)["OriginAccessControl"][
        "OriginAccessControlConfig"
    ]


def _distribution_using(aws, control_id: str) -> str:
    bucket = f"oac-origin-{uuid.uuid4().hex[:10]}"
    aws("s3").create_bucket(Bucket=bucket)
    origin_id = f"s3-{bucket}"
    config = {
        "CallerReference": uuid.uuid4().hex,
        "Comment": "uses an origin access control",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": origin_id,
                    "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                    "OriginAccessControlId": control_id,
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": origin_id,
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": CACHING_OPTIMIZED,
        },
    }
    return aws("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def test_creates_then_is_idempotent_with_one_list_request(run_module, aws, name, moto_endpoint):
    args = {"name": name, "description": "assets bucket"}
    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    found = _find(aws, name)
    assert found is not None
    assert first["origin_access_control"] == {
        "id": found["Id"],
        "name": name,
        "description": "assets bucket",
        "signing_protocol": "sigv4",
        "signing_behavior": "always",
        "origin_access_control_origin_type": "s3",
    }
    assert found["OriginAccessControlOriginType"] == "s3"
    assert found["SigningBehavior"] == "always"
    assert found["SigningProtocol"] == "sigv4"

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, args, diff=True)
    assert not again.failed, again
    assert not again.changed
    assert again["origin_access_control"] == first["origin_access_control"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {"cloudfront.ListOriginAccessControls": 1}


def test_an_empty_description_is_idempotent(run_module, aws, name):
    first = run_module(MODULE, {"name": name, "origin_type": "mediastore"})
    assert first.changed and not first.failed, first
    assert first["origin_access_control"]["description"] == ""
    again = run_module(MODULE, {"name": name, "origin_type": "mediastore"})
    assert not again.failed and not again.changed, again
    assert _find(aws, name)["OriginAccessControlOriginType"] == "mediastore"


def test_check_mode_with_diff_creates_nothing(run_module, aws, name, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"name": name, "signing_behavior": "no-override"}, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["diff"] == {
        "before": {},
        "after": {
            "name": name,
            "description": "",
            "signing_protocol": "sigv4",
            "signing_behavior": "no-override",
            "origin_access_control_origin_type": "s3",
        },
    }
    assert "id" not in result["origin_access_control"]
    assert result["origin_access_control"]["signing_behavior"] == "no-override"
    assert operations_delta(before, api_operations(moto_endpoint)) == {"cloudfront.ListOriginAccessControls": 1}
    assert _find(aws, name) is None


def test_updates_signing_behavior_and_description(run_module, aws, name, moto_endpoint):
    created = run_module(MODULE, {"name": name})
    control_id = created["origin_access_control"]["id"]

    checked = run_module(MODULE, {"name": name, "signing_behavior": "never"}, check_mode=True, diff=True)
    assert checked.changed and not checked.failed, checked
    assert checked["diff"]["before"]["signing_behavior"] == "always"
    assert checked["diff"]["after"]["signing_behavior"] == "never"
    assert _config(aws, control_id)["SigningBehavior"] == "always"

    before = api_operations(moto_endpoint)
    result = run_module(MODULE, {"name": name, "signing_behavior": "never", "description": "now described"})
    assert not result.failed, result
    assert result.changed
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "cloudfront.ListOriginAccessControls": 1,
        "cloudfront.GetOriginAccessControl": 1,
        "cloudfront.UpdateOriginAccessControl": 1,
    }
    config = _config(aws, control_id)
    assert config["SigningBehavior"] == "never"
    assert config["Description"] == "now described"
    assert config["Name"] == name
    assert result["origin_access_control"]["id"] == control_id
    assert result["origin_access_control"]["signing_behavior"] == "never"

    again = run_module(MODULE, {"name": name, "signing_behavior": "never", "description": "now described"})
    assert not again.failed and not again.changed, again


def test_absent_deletes_then_is_a_no_op(run_module, aws, name, moto_endpoint):
    run_module(MODULE, {"name": name})
    before = api_operations(moto_endpoint)
    gone = run_module(MODULE, {"name": name, "state": "absent"}, diff=True)
    assert not gone.failed, gone
    assert gone.changed
    assert gone["origin_access_control"] == {}
    assert gone["diff"]["after"] == {}
    assert gone["diff"]["before"]["name"] == name
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "cloudfront.ListOriginAccessControls": 1,
        "cloudfront.GetOriginAccessControl": 1,
        "cloudfront.DeleteOriginAccessControl": 1,
    }
    assert _find(aws, name) is None

    again = run_module(MODULE, {"name": name, "state": "absent"})
    assert not again.failed, again
    assert not again.changed
    assert again["origin_access_control"] == {}


def test_check_mode_absent_deletes_nothing(run_module, aws, name):
    created = run_module(MODULE, {"name": name})
    result = run_module(MODULE, {"name": name, "state": "absent"}, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert result["diff"]["after"] == {}
    assert _find(aws, name)["Id"] == created["origin_access_control"]["id"]


def test_absent_while_a_distribution_uses_it_fails_clearly(run_module, aws, name):
    control_id = run_module(MODULE, {"name": name})["origin_access_control"]["id"]
    _distribution_using(aws, control_id)
    result = run_module(MODULE, {"name": name, "state": "absent"})
    assert result.failed
    assert f"origin access control {name} ({control_id}) is still used by a distribution" in result["msg"]
    assert "delete the distribution" in result["msg"]
    assert _find(aws, name)["Id"] == control_id


def test_two_controls_with_the_name_fail_clearly(run_module, aws, name):
    # AWS refuses a second control with the same name (OriginAccessControlAlreadyExists); moto accepts it.
    config = {
        "Name": name,
        "Description": "",
        "SigningProtocol": "sigv4",
        "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    }
    ids = sorted(
        aws("cloudfront").create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"]["Id"]
        for _ in range(2)
    )
    result = run_module(MODULE, {"name": name, "state": "absent"})
    assert result.failed
    assert f"Several CloudFront origin access controls are named {name} ({ids[0]}, {ids[1]})" in result["msg"]
    assert len(aws("cloudfront").list_origin_access_controls()["OriginAccessControlList"]["Items"]) >= 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": ""}, "name must be 1 to 64 characters"),
        ({"name": "n" * 65}, "name must be 1 to 64 characters (got 65)"),
        ({"name": "ok", "description": "d" * 257}, "description must be at most 256 characters (got 257)"),
        ({"name": "", "state": "absent"}, "name must be 1 to 64 characters"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, args, message):
    before = api_operations(moto_endpoint)
    result = run_module(MODULE, args)
    assert result.failed
    assert message in result["msg"]
    assert operations_delta(before, api_operations(moto_endpoint)) == {}


def test_finds_a_control_past_the_first_page(run_module, aws, name, moto_endpoint):
    """ListOriginAccessControls answers at most 100 controls a page: the module follows NextMarker."""
    cloudfront = aws("cloudfront")
    fillers = []
    try:
        for i in range(100):
            config = {
                "Name": f"{name}-fill-{i}",
                "SigningProtocol": "sigv4",
                "SigningBehavior": "always",
                "OriginAccessControlOriginType": "s3",
            }
            fillers.append(
                cloudfront.create_origin_access_control(OriginAccessControlConfig=config)["OriginAccessControl"]["Id"]
            )
        created = run_module(MODULE, {"name": name})
        assert not created.failed and created.changed, created

        before = api_operations(moto_endpoint)
        again = run_module(MODULE, {"name": name})
        assert not again.failed and not again.changed, again
        assert again["origin_access_control"]["id"] == created["origin_access_control"]["id"]
        assert operations_delta(before, api_operations(moto_endpoint)) == {"cloudfront.ListOriginAccessControls": 2}
    finally:
        for control_id in fillers:
            cloudfront.delete_origin_access_control(Id=control_id)
        run_module(MODULE, {"name": name, "state": "absent"})
