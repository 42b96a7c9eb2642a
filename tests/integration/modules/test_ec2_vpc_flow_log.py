"""platform_ops.aws.ec2_vpc_flow_log against the moto server; state asserted with boto3."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.helpers import FakeClock

MODULE = "ec2_vpc_flow_log"
ROLE_ARN = "arn:aws:iam::123456789012:role/flow-logs"
OTHER_ROLE_ARN = "arn:aws:iam::123456789012:role/flow-logs-v2"


def _uid() -> str:
    return uuid.uuid4().hex[:10]


def _request_total(endpoint: str) -> int:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310 - loopback
        return json.load(resp)["total"]


def _requests_by_op(endpoint: str) -> dict:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310 - loopback
        return json.load(resp)["by_operation"]


@pytest.fixture(autouse=True)
def _delivery_roles(aws):
    """The roles the tests name exist and trust VPC Flow Logs: with the emulator rule iam_propagation
    (PLATFORM_LOCAL_RULES=all) CreateFlowLogs refuses a role that does not, as AWS does."""
    iam = aws("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    for arn in (ROLE_ARN, OTHER_ROLE_ARN):
        name = arn.rsplit("/", 1)[1]
        try:
            iam.get_role(RoleName=name)
        except iam.exceptions.NoSuchEntityException:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))


@pytest.fixture
def ec2(aws):
    return aws("ec2")


@pytest.fixture
def vpc_id(ec2):
    return ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def log_group(aws):
    name = f"/test/flow-logs/{_uid()}"
    aws("logs").create_log_group(logGroupName=name)
    return name


def _flow_logs(ec2, resource_id):
    return ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [resource_id]}])["FlowLogs"]


def _tags(flow_log):
    return {t["Key"]: t["Value"] for t in flow_log.get("Tags", [])}


def _cwl_args(resource_id, group, **extra):
    args = {"resource_id": resource_id, "log_group_name": group, "deliver_logs_permission_arn": ROLE_ARN}
    args.update(extra)
    return args


def test_create_then_idempotent(run_module, ec2, vpc_id, log_group, moto_endpoint):
    args = _cwl_args(vpc_id, log_group, max_aggregation_interval=60, tags={"Project": "caseapp", "Env": "test"})
    first = run_module(MODULE, args)
    assert not first.failed, first
    assert first.changed
    assert first["flow_log_id"].startswith("fl-")

    flow_logs = _flow_logs(ec2, vpc_id)
    assert len(flow_logs) == 1
    real = flow_logs[0]
    assert real["FlowLogId"] == first["flow_log_id"]
    assert real["TrafficType"] == "ALL"
    assert real["LogDestinationType"] == "cloud-watch-logs"
    assert real["LogGroupName"] == log_group
    assert real["DeliverLogsPermissionArn"] == ROLE_ARN
    assert real["MaxAggregationInterval"] == 60
    assert _tags(real) == {"Project": "caseapp", "Env": "test"}

    # The returned flow log is the real one, in snake_case with tags as a dict.
    assert first["flow_log"]["flow_log_id"] == real["FlowLogId"]
    assert first["flow_log"]["log_group_name"] == log_group
    assert first["flow_log"]["max_aggregation_interval"] == 60
    assert first["flow_log"]["tags"] == {"Project": "caseapp", "Env": "test"}

    before_ops = _requests_by_op(moto_endpoint)
    second = run_module(MODULE, args)
    after_ops = _requests_by_op(moto_endpoint)
    assert not second.failed, second
    assert not second.changed
    assert second["flow_log_id"] == first["flow_log_id"]
    assert _flow_logs(ec2, vpc_id) == flow_logs
    # A no-op run is a single describe call.
    delta = {op: after_ops.get(op, 0) - before_ops.get(op, 0) for op in after_ops}
    assert {op: n for op, n in delta.items() if n} == {"ec2.DescribeFlowLogs": 1}


def test_check_mode_create_changes_nothing_and_diff(run_module, ec2, vpc_id, log_group):
    args = _cwl_args(vpc_id, log_group, tags={"Project": "caseapp"})
    result = run_module(MODULE, args, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    assert "flow_log_id" not in result
    assert _flow_logs(ec2, vpc_id) == []
    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["resource_id"] == vpc_id
    assert after["log_group_name"] == log_group
    assert after["traffic_type"] == "ALL"
    assert after["tags"] == {"Project": "caseapp"}


def test_tags_update_in_place_with_diff_and_check_mode(run_module, ec2, vpc_id, log_group):
    created = run_module(MODULE, _cwl_args(vpc_id, log_group, tags={"Project": "caseapp", "Old": "1"}))
    flow_log_id = created["flow_log_id"]

    # Check mode: reports the change, changes nothing.
    args = _cwl_args(vpc_id, log_group, tags={"Project": "caseapp", "New": "2"})
    checked = run_module(MODULE, args, check_mode=True, diff=True)
    assert checked.changed
    assert checked["diff"]["before"]["tags"] == {"Project": "caseapp", "Old": "1"}
    assert checked["diff"]["after"]["tags"] == {"Project": "caseapp", "New": "2"}
    assert _tags(_flow_logs(ec2, vpc_id)[0]) == {"Project": "caseapp", "Old": "1"}

    # Real run with purge (default): same flow log, tags replaced.
    updated = run_module(MODULE, args, diff=True)
    assert updated.changed
    assert updated["flow_log_id"] == flow_log_id
    assert updated["diff"]["before"]["tags"] == {"Project": "caseapp", "Old": "1"}
    assert updated["diff"]["after"]["tags"] == {"Project": "caseapp", "New": "2"}
    real = _flow_logs(ec2, vpc_id)
    assert [f["FlowLogId"] for f in real] == [flow_log_id]
    assert _tags(real[0]) == {"Project": "caseapp", "New": "2"}

    # purge_tags=false only adds.
    merged = run_module(MODULE, _cwl_args(vpc_id, log_group, tags={"Extra": "3"}, purge_tags=False))
    assert merged.changed
    assert _tags(_flow_logs(ec2, vpc_id)[0]) == {"Project": "caseapp", "New": "2", "Extra": "3"}

    # tags not set: tags left alone.
    untouched = run_module(MODULE, _cwl_args(vpc_id, log_group))
    assert not untouched.changed
    assert _tags(_flow_logs(ec2, vpc_id)[0]) == {"Project": "caseapp", "New": "2", "Extra": "3"}


def test_immutable_difference_fails_without_replace(run_module, ec2, vpc_id, log_group):
    created = run_module(MODULE, _cwl_args(vpc_id, log_group, max_aggregation_interval=600))
    result = run_module(
        MODULE, _cwl_args(vpc_id, log_group, max_aggregation_interval=60, log_format="${srcaddr} ${dstaddr}")
    )
    assert result.failed
    assert created["flow_log_id"] in result["msg"]
    assert "max_aggregation_interval" in result["msg"]
    assert "log_format" in result["msg"]
    assert "replace=true" in result["msg"]
    real = _flow_logs(ec2, vpc_id)
    assert [f["FlowLogId"] for f in real] == [created["flow_log_id"]]
    assert real[0]["MaxAggregationInterval"] == 600


def test_unset_immutable_settings_are_not_compared(run_module, vpc_id, log_group):
    run_module(MODULE, _cwl_args(vpc_id, log_group, max_aggregation_interval=60, log_format="${srcaddr}  ${dstaddr}"))
    # Neither interval nor format set: the existing values are accepted.
    assert not run_module(MODULE, _cwl_args(vpc_id, log_group)).changed
    # Same format with different whitespace is not a difference.
    assert not run_module(MODULE, _cwl_args(vpc_id, log_group, log_format="${srcaddr} ${dstaddr}")).changed


def test_replace_recreates_and_keeps_tags(run_module, ec2, vpc_id, log_group):
    created = run_module(MODULE, _cwl_args(vpc_id, log_group, tags={"Project": "caseapp"}))
    old_id = created["flow_log_id"]
    args = _cwl_args(
        vpc_id, log_group, deliver_logs_permission_arn=OTHER_ROLE_ARN, log_format="${srcaddr} ${action}", replace=True
    )

    checked = run_module(MODULE, args, check_mode=True, diff=True)
    assert checked.changed
    assert checked["replaced_flow_log_id"] == old_id
    assert checked["diff"]["before"]["deliver_logs_permission_arn"] == ROLE_ARN
    assert checked["diff"]["after"]["deliver_logs_permission_arn"] == OTHER_ROLE_ARN
    assert [f["FlowLogId"] for f in _flow_logs(ec2, vpc_id)] == [old_id]

    replaced = run_module(MODULE, args)
    assert not replaced.failed, replaced
    assert replaced.changed
    assert replaced["replaced_flow_log_id"] == old_id
    real = _flow_logs(ec2, vpc_id)
    assert len(real) == 1
    assert real[0]["FlowLogId"] == replaced["flow_log_id"] != old_id
    assert real[0]["DeliverLogsPermissionArn"] == OTHER_ROLE_ARN
    assert real[0]["LogFormat"] == "${srcaddr} ${action}"
    assert _tags(real[0]) == {"Project": "caseapp"}  # tags not set by the task: carried over

    again = run_module(MODULE, args)
    assert not again.changed
    assert again["flow_log_id"] == replaced["flow_log_id"]


def test_traffic_type_is_part_of_identity(run_module, ec2, vpc_id, log_group, aws):
    other_group = f"/test/flow-logs/{_uid()}"
    aws("logs").create_log_group(logGroupName=other_group)
    all_traffic = run_module(MODULE, _cwl_args(vpc_id, log_group))
    rejects = run_module(MODULE, _cwl_args(vpc_id, other_group, traffic_type="REJECT"))
    assert rejects.changed
    assert rejects["flow_log_id"] != all_traffic["flow_log_id"]
    by_id = {f["FlowLogId"]: f for f in _flow_logs(ec2, vpc_id)}
    assert by_id[all_traffic["flow_log_id"]]["TrafficType"] == "ALL"
    assert by_id[rejects["flow_log_id"]]["TrafficType"] == "REJECT"
    # Each is found again by its own identity.
    assert not run_module(MODULE, _cwl_args(vpc_id, log_group)).changed
    assert not run_module(MODULE, _cwl_args(vpc_id, other_group, traffic_type="REJECT")).changed


def test_s3_destination_on_subnet(run_module, ec2, aws, vpc_id):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    bucket = f"flow-logs-{_uid()}"
    aws("s3").create_bucket(Bucket=bucket)
    args = {
        "resource_id": subnet_id,
        "resource_type": "Subnet",
        "traffic_type": "REJECT",
        "log_destination_type": "s3",
        "log_destination": f"arn:aws:s3:::{bucket}",
        "max_aggregation_interval": 60,
    }
    created = run_module(MODULE, args)
    assert not created.failed, created
    assert created.changed
    real = _flow_logs(ec2, subnet_id)
    assert len(real) == 1
    assert real[0]["LogDestinationType"] == "s3"
    assert real[0]["LogDestination"] == f"arn:aws:s3:::{bucket}"
    assert real[0]["TrafficType"] == "REJECT"
    assert created["flow_log"]["log_destination"] == f"arn:aws:s3:::{bucket}"
    assert not run_module(MODULE, args).changed

    gone = run_module(MODULE, dict(args, state="absent"))
    assert gone.changed
    assert _flow_logs(ec2, subnet_id) == []


def test_network_interface(run_module, ec2, vpc_id, log_group):
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.2.0/24")["Subnet"]["SubnetId"]
    eni_id = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    result = run_module(MODULE, _cwl_args(eni_id, log_group, resource_type="NetworkInterface"))
    assert not result.failed, result
    assert [f["FlowLogId"] for f in _flow_logs(ec2, eni_id)] == [result["flow_log_id"]]


def test_s3_bucket_missing_reports_unsuccessful(run_module, ec2, vpc_id):
    args = {
        "resource_id": vpc_id,
        "log_destination_type": "s3",
        "log_destination": f"arn:aws:s3:::missing-{_uid()}",
    }
    result = run_module(MODULE, args)
    assert result.failed
    assert "Failed to create the flow log" in result["msg"]
    assert "does not exist" in result["msg"]
    assert _flow_logs(ec2, vpc_id) == []


def test_absent_check_mode_delete_and_again(run_module, ec2, vpc_id, log_group):
    created = run_module(MODULE, _cwl_args(vpc_id, log_group))
    absent = {"resource_id": vpc_id, "log_group_name": log_group, "state": "absent"}

    checked = run_module(MODULE, absent, check_mode=True, diff=True)
    assert checked.changed
    assert checked["diff"]["before"]["flow_log_id"] == created["flow_log_id"]
    assert checked["diff"]["after"] == {}
    assert len(_flow_logs(ec2, vpc_id)) == 1

    deleted = run_module(MODULE, absent)
    assert deleted.changed
    assert deleted["flow_log_id"] == created["flow_log_id"]
    assert deleted["flow_log"] == {}
    assert _flow_logs(ec2, vpc_id) == []

    again = run_module(MODULE, absent)
    assert not again.failed
    assert not again.changed


def test_absent_leaves_other_flow_logs(run_module, ec2, vpc_id, log_group):
    run_module(MODULE, _cwl_args(vpc_id, log_group))
    # Different traffic type: a different flow log, nothing to delete.
    result = run_module(
        MODULE, {"resource_id": vpc_id, "log_group_name": log_group, "traffic_type": "ACCEPT", "state": "absent"}
    )
    assert not result.changed
    assert len(_flow_logs(ec2, vpc_id)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"resource_id": "subnet-0123456789abcdef0", "log_group_name": "g", "deliver_logs_permission_arn": ROLE_ARN},
            "does not look like a VPC ID",
        ),
        ({"resource_id": "vpc-0123456789abcdef0", "log_group_name": "g"}, "deliver_logs_permission_arn"),
        (
            {"resource_id": "vpc-0123456789abcdef0", "deliver_logs_permission_arn": ROLE_ARN},
            "log_group_name is required",
        ),
        (
            {"resource_id": "vpc-0123456789abcdef0", "log_destination_type": "s3"},
            "log_destination (an S3 bucket ARN) is required",
        ),
        (
            {"resource_id": "vpc-0123456789abcdef0", "log_destination_type": "s3", "log_destination": "my-bucket"},
            "is not an S3 ARN",
        ),
        (
            {
                "resource_id": "vpc-0123456789abcdef0",
                "log_destination_type": "s3",
                "log_destination": "arn:aws:s3:::b",
                "log_group_name": "g",
            },
            "mutually exclusive",
        ),
        (
            {"resource_id": "vpc-0123456789abcdef0", "log_group_name": "g", "deliver_logs_permission_arn": "flow-logs"},
            "is not an IAM role ARN",
        ),
        (
            {
                "resource_id": "vpc-0123456789abcdef0",
                "log_group_name": "g",
                "deliver_logs_permission_arn": ROLE_ARN,
                "max_aggregation_interval": 300,
            },
            "max_aggregation_interval",
        ),
        (
            {
                "resource_id": "vpc-0123456789abcdef0",
                "log_group_name": "g",
                "deliver_logs_permission_arn": ROLE_ARN,
                "log_format": " ",
            },
            "log_format must not be empty",
        ),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, args, message):
    before = _request_total(moto_endpoint)
    result = run_module(MODULE, args)
    assert result.failed
    assert message in result["msg"]
    assert _request_total(moto_endpoint) == before


def test_delivery_failure_is_a_warning(run_module, ec2, vpc_id, capsys):
    # The log group does not exist: AWS (and moto) create the flow log but report delivery FAILED.
    missing_group = f"/test/missing/{_uid()}"
    result = run_module(MODULE, _cwl_args(vpc_id, missing_group))
    assert not result.failed, result
    assert result["flow_log"]["deliver_logs_status"] == "FAILED"
    warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    # In-process, ansible-core may print a module warning at once instead of returning it.
    warnings.append(capsys.readouterr().err)
    assert any("cannot deliver logs" in w for w in warnings)
    assert "deprecations" not in result
    assert _flow_logs(ec2, vpc_id)[0]["DeliverLogsStatus"] == "FAILED"


def test_aws_duplicate_refusal_is_explained(run_module, ec2, vpc_id, log_group):
    """moto refuses a second flow log to the same destination on the same resource whatever its
    traffic type (FlowLogAlreadyExists); the module must say so clearly and change nothing."""
    first = run_module(MODULE, _cwl_args(vpc_id, log_group))
    result = run_module(MODULE, _cwl_args(vpc_id, log_group, traffic_type="REJECT"))
    assert result.failed
    assert "already delivers to the same destination" in result["msg"]
    assert [f["FlowLogId"] for f in _flow_logs(ec2, vpc_id)] == [first["flow_log_id"]]


# --------------------------------------------------------------------------- IAM propagation


def _refuse_role(fl, monkeypatch, times, unsuccessful=False):
    """CreateFlowLogs refuses the role as AWS does right after it was created, ``times`` times."""
    from botocore.exceptions import ClientError

    real = fl._create_flow_logs
    calls = []

    def create(client, **request):
        calls.append(request)
        if len(calls) <= times:
            message = f"Unable to assume given IAM role: '{request.get('DeliverLogsPermissionArn')}'"
            if unsuccessful:
                return {
                    "FlowLogIds": [],
                    "Unsuccessful": [
                        {"ResourceId": request["ResourceIds"][0], "Error": {"Code": "400", "Message": message}}
                    ],
                }
            raise ClientError({"Error": {"Code": "InvalidParameter", "Message": message}}, "CreateFlowLogs")
        return real(client, **request)

    monkeypatch.setattr(fl, "_create_flow_logs", create)
    return calls


@pytest.mark.parametrize("unsuccessful", [False, True], ids=["client-error", "unsuccessful-item"])
def test_a_role_not_yet_propagated_is_retried_until_accepted(
    run_module, ec2, vpc_id, log_group, monkeypatch, *, unsuccessful
):
    from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_flow_logs as fl
    from ansible_collections.platform_ops.aws.plugins.module_utils import propagation

    fake = FakeClock()
    monkeypatch.setattr(propagation, "_sleep", fake.sleep)
    monkeypatch.setattr(propagation, "_clock", fake.clock)
    calls = _refuse_role(fl, monkeypatch, times=3, unsuccessful=unsuccessful)

    result = run_module(MODULE, _cwl_args(vpc_id, log_group))
    assert not result.failed, result
    assert result.changed
    assert len(calls) == 4
    assert len(fake.sleeps) == 3
    assert len(_flow_logs(ec2, vpc_id)) == 1


def test_a_role_still_refused_after_a_minute_fails_with_a_hint(run_module, ec2, vpc_id, log_group, monkeypatch):
    from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_flow_logs as fl
    from ansible_collections.platform_ops.aws.plugins.module_utils import propagation

    fake = FakeClock()
    monkeypatch.setattr(propagation, "_sleep", fake.sleep)
    monkeypatch.setattr(propagation, "_clock", fake.clock)
    _refuse_role(fl, monkeypatch, times=1000)

    result = run_module(MODULE, _cwl_args(vpc_id, log_group))
    assert result.failed
    assert "Unable to assume given IAM role" in result["msg"]
    assert "trust policy" in result["msg"]
    assert sum(fake.sleeps) == pytest.approx(60.0)
    assert _flow_logs(ec2, vpc_id) == []


def test_other_errors_are_not_retried(run_module, vpc_id, log_group, monkeypatch):
    from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_flow_logs as fl
    from ansible_collections.platform_ops.aws.plugins.module_utils import propagation
    from botocore.exceptions import ClientError

    fake = FakeClock()
    monkeypatch.setattr(propagation, "_sleep", fake.sleep)
    calls = []

    def create(client, **request):
        calls.append(request)
        raise ClientError({"Error": {"Code": "InvalidParameter", "Message": "Invalid log group"}}, "CreateFlowLogs")

    monkeypatch.setattr(fl, "_create_flow_logs", create)
    result = run_module(MODULE, _cwl_args(vpc_id, log_group))
    assert result.failed
    assert len(calls) == 1
    assert fake.sleeps == []
    assert "trust policy" not in result["msg"]


@pytest.fixture(scope="module")
def propagating_endpoint(tmp_path_factory):
    """An emulator of our own with the rule iam_propagation: a role is refused for its first 6 s (longer than a
    module's start-up on a loaded machine, so that its first call always meets a young role)."""
    from tests.conftest import moto_server  # noqa: PLC0415

    log = tmp_path_factory.mktemp("moto-iam") / "moto.log"
    with moto_server(log, PLATFORM_LOCAL_RULES="iam_propagation", PLATFORM_LOCAL_IAM_PROPAGATION_S="6") as endpoint:
        yield endpoint


def test_a_role_created_a_moment_ago_is_accepted_once_propagated(run_module, propagating_endpoint):
    """Against the emulator rule iam_propagation (real waiting: about 6 s)."""
    import boto3  # noqa: PLC0415

    from tests.conftest import api_operations  # noqa: PLC0415

    def client(service):
        return boto3.client(service, region_name="us-east-1", endpoint_url=propagating_endpoint)

    vpc = client("ec2").create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    group = f"/test/flow-logs/{_uid()}"
    client("logs").create_log_group(logGroupName=group)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = client("iam").create_role(RoleName=f"fl-{_uid()}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    args = {
        "resource_id": vpc,
        "log_group_name": group,
        "deliver_logs_permission_arn": role["Arn"],
        "endpoint_url": propagating_endpoint,
    }
    result = run_module(MODULE, args)
    assert not result.failed, result
    assert result.changed
    (flow_log,) = client("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])["FlowLogs"]
    assert flow_log["DeliverLogsPermissionArn"] == role["Arn"]
    # Refused at least once while the role was young, then accepted.
    assert api_operations(propagating_endpoint)["ec2.CreateFlowLogs"] >= 2
