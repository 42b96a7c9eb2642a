"""platform_ops.aws.ec2_prefix_list_info against the moto server."""

from __future__ import annotations

MODULE = "ec2_prefix_list_info"


def test_finds_the_s3_prefix_list_by_service(run_module, aws):
    result = run_module(MODULE, {"services": ["s3"]}, check_mode=True)
    assert not result.failed, result
    assert not result.changed
    expected = aws("ec2").describe_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}]
    )["PrefixLists"][0]["PrefixListId"]
    assert result["prefix_list_ids"] == {"s3": expected}
    assert result["prefix_lists"][0]["prefix_list_name"] == "com.amazonaws.us-east-1.s3"


def test_finds_by_full_name(run_module):
    result = run_module(MODULE, {"names": ["com.amazonaws.us-east-1.dynamodb"]})
    assert not result.failed, result
    assert result["prefix_list_ids"]["com.amazonaws.us-east-1.dynamodb"].startswith("pl-")


def test_unknown_service_fails_naming_it(run_module):
    result = run_module(MODULE, {"services": ["nosuchservice"]})
    assert result.failed
    assert "com.amazonaws.us-east-1.nosuchservice" in result["msg"]


def test_nothing_requested_fails_before_any_call(run_module):
    result = run_module(MODULE, {"endpoint_url": "http://127.0.0.1:9"})
    assert result.failed
    assert "services" in result["msg"]


def test_china_regions_use_the_cn_prefix():
    from ansible_collections.platform_ops.aws.plugins.module_utils.ec2_prefix_lists import service_name

    assert service_name("cn-north-1", "s3") == "cn.com.amazonaws.cn-north-1.s3"
    assert service_name("eu-west-1", "s3") == "com.amazonaws.eu-west-1.s3"
