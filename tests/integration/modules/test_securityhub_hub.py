"""platform_ops.aws.securityhub_hub against the moto server; state asserted with boto3."""

from __future__ import annotations

import botocore.exceptions
import pytest

from tests.conftest import api_operations, operations_delta

MODULE = "securityhub_hub"
REGION = "eu-north-1"  # a region of its own: one hub per account and region
FSBP = f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"
CIS_12 = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"
CIS_14 = f"arn:aws:securityhub:{REGION}::standards/cis-aws-foundations-benchmark/v/1.4.0"
HUB_ARN = f"arn:aws:securityhub:{REGION}:123456789012:hub/default"
GUARDDUTY = f"arn:aws:securityhub:{REGION}:123456789012:product-subscription/aws/guardduty"


@pytest.fixture
def sh(aws):
    """A Security Hub client on the test region, with Security Hub off before and after the test."""
    client = aws("securityhub", REGION)

    def off():
        try:
            client.disable_security_hub()
        except client.exceptions.InvalidAccessException:
            pass

    off()
    yield client
    off()


@pytest.fixture
def run(run_module):
    def _run(args, **kwargs):
        return run_module(MODULE, {"region": REGION, **args}, **kwargs)

    return _run


def _standards(sh):
    return {s["StandardsArn"]: s for s in sh.get_enabled_standards()["StandardsSubscriptions"]}


def test_emulator_answers_as_aws_does(sh):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sh.get_enabled_standards()
    assert err.value.response["Error"]["Code"] == "InvalidAccessException"
    sh.enable_security_hub()
    assert set(_standards(sh)) == {FSBP, CIS_12}  # EnableDefaultStandards defaults to true
    assert GUARDDUTY in sh.list_enabled_products_for_import()["ProductSubscriptions"]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sh.enable_security_hub()
    assert err.value.response["Error"]["Code"] == "ResourceConflictException"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sh.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": FSBP + "x"}])
    assert err.value.response["Error"]["Code"] == "InvalidInputException"


def test_enables_with_fsbp_only_then_is_idempotent(run, sh, moto_endpoint):
    args = {"tags": {"Project": "caseapp", "Environment": "local"}}
    first = run(args)
    assert not first.failed, first
    assert first.changed
    assert first["enabled"] is True
    assert first["hub_arn"] == HUB_ARN
    assert sh.describe_hub()["HubArn"] == HUB_ARN
    standards = _standards(sh)
    assert set(standards) == {FSBP}  # EnableDefaultStandards=false: no CIS 1.2.0
    assert [s["standards_arn"] for s in first["standards_subscriptions"]] == [FSBP]
    assert (
        first["standards_subscriptions"][0]["standards_subscription_arn"] == standards[FSBP]["StandardsSubscriptionArn"]
    )
    assert GUARDDUTY in first["integrations"]
    assert sh.list_tags_for_resource(ResourceArn=HUB_ARN)["Tags"] == args["tags"]
    assert first["tags"] == args["tags"]

    before = api_operations(moto_endpoint)
    again = run(args, diff=True)
    assert not again.failed and not again.changed, again
    assert again["diff"]["before"] == again["diff"]["after"]
    delta = operations_delta(before, api_operations(moto_endpoint))
    assert not any(op.startswith(("securityhub.Enable", "securityhub.Batch")) for op in delta), delta
    assert not any(op.startswith(("securityhub.POST", "securityhub.DELETE")) for op in delta), delta


def test_check_mode_enables_nothing(run, sh):
    result = run({"tags": {"Project": "caseapp"}}, check_mode=True, diff=True)
    assert not result.failed and result.changed, result
    assert result["diff"]["before"] == {"enabled": False, "standards": [], "integrations": [], "tags": {}}
    assert result["diff"]["after"]["enabled"] is True
    assert result["diff"]["after"]["standards"] == [FSBP]
    with pytest.raises(botocore.exceptions.ClientError):
        sh.describe_hub()


def test_adopts_an_enabled_hub_and_leaves_other_standards(run, sh, moto_endpoint):
    sh.enable_security_hub(EnableDefaultStandards=True, Tags={"Owner": "sec"})
    result = run({"standards": [FSBP, CIS_14], "tags": {"Project": "caseapp"}, "purge_tags": False}, diff=True)
    assert result.changed and not result.failed, result
    assert set(_standards(sh)) == {FSBP, CIS_12, CIS_14}
    assert result["diff"]["before"]["standards"] == sorted([FSBP, CIS_12])
    assert result["diff"]["after"]["standards"] == sorted([FSBP, CIS_12, CIS_14])
    assert sh.list_tags_for_resource(ResourceArn=HUB_ARN)["Tags"] == {"Owner": "sec", "Project": "caseapp"}
    again = run({"standards": [FSBP, CIS_14], "tags": {"Project": "caseapp"}, "purge_tags": False})
    assert not again.changed and not again.failed, again


def test_purge_standards_disables_the_others(run, sh):
    sh.enable_security_hub(EnableDefaultStandards=True)
    checked = run({"purge_standards": True}, check_mode=True, diff=True)
    assert checked.changed and not checked.failed, checked
    assert checked["diff"]["after"]["standards"] == [FSBP]
    assert set(_standards(sh)) == {FSBP, CIS_12}
    result = run({"purge_standards": True})
    assert result.changed and not result.failed, result
    assert set(_standards(sh)) == {FSBP}
    assert not run({"purge_standards": True}).changed


def test_turns_the_guardduty_integration_back_on(run, sh):
    run({})
    sh.disable_import_findings_for_product(ProductSubscriptionArn=GUARDDUTY)
    assert GUARDDUTY not in sh.list_enabled_products_for_import()["ProductSubscriptions"]
    result = run({})
    assert result.changed and not result.failed, result
    assert GUARDDUTY in sh.list_enabled_products_for_import()["ProductSubscriptions"]
    assert GUARDDUTY in result["integrations"]


def test_absent_disables_then_is_a_no_op(run, sh):
    run({})
    checked = run({"state": "absent"}, check_mode=True)
    assert checked.changed and not checked.failed, checked
    assert sh.describe_hub()["HubArn"] == HUB_ARN
    gone = run({"state": "absent"})
    assert gone.changed and not gone.failed, gone
    assert gone["enabled"] is False
    with pytest.raises(botocore.exceptions.ClientError) as err:
        sh.describe_hub()
    assert err.value.response["Error"]["Code"] == "InvalidAccessException"
    again = run({"state": "absent"})
    assert not again.changed and not again.failed, again


def test_bad_input_is_refused_before_any_call(run, sh, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run({"standards": ["fsbp"], "integrations": ["guardduty"]})
    assert result.failed
    assert "'fsbp' is not a Security Hub standard ARN" in result["msg"]
    assert "integration 'guardduty'" in result["msg"]
    assert not any(op.startswith("securityhub.") for op in operations_delta(before, api_operations(moto_endpoint)))
