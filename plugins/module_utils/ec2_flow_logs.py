# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""EC2 VPC flow log helpers for platform_ops.aws.ec2_vpc_flow_log.

boto3 calls (behind AWSRetry and paginators) and the pure functions that decide whether an
existing flow log is "the same" flow log (identity) and whether its immutable settings differ.
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    boto3_tag_specifications,
)
from ansible_collections.platform_ops.aws.plugins.module_utils import propagation

# Resource type -> the prefix its IDs carry (used to catch a mismatch before any AWS call).
RESOURCE_ID_PREFIXES = {
    "VPC": "vpc-",
    "Subnet": "subnet-",
    "NetworkInterface": "eni-",
}

# Settings that cannot be changed on an existing flow log (only tags can): option -> API field.
IMMUTABLE_SETTINGS = {
    "deliver_logs_permission_arn": "DeliverLogsPermissionArn",
    "log_format": "LogFormat",
    "max_aggregation_interval": "MaxAggregationInterval",
}


# What CreateFlowLogs answers while the delivery role, created a moment ago, is not yet visible to the
# flow logs service (400 InvalidParameter, or the same message under Unsuccessful).
ROLE_NOT_YET_ASSUMABLE = "Unable to assume given IAM role"


class FlowLogError(Exception):
    """Create/DeleteFlowLogs answered 200 but listed the request under ``Unsuccessful``."""


def role_not_yet_assumable(error):
    """True for CreateFlowLogs' refusal of a role IAM has not propagated yet."""
    if isinstance(error, FlowLogError):
        return ROLE_NOT_YET_ASSUMABLE in str(error)
    return propagation.error_matches(error, "InvalidParameter", ROLE_NOT_YET_ASSUMABLE)


# --------------------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def describe_flow_logs(client, resource_id):
    """All flow logs attached to ``resource_id`` (boto3 shape)."""
    paginator = client.get_paginator("describe_flow_logs")
    filters = [{"Name": "resource-id", "Values": [resource_id]}]
    return paginator.paginate(Filter=filters).build_full_result().get("FlowLogs", [])


@AWSRetry.jittered_backoff()
def describe_flow_log(client, flow_log_id):
    """One flow log by ID, or None."""
    result = client.describe_flow_logs(FlowLogIds=[flow_log_id])
    flow_logs = result.get("FlowLogs", [])
    return flow_logs[0] if flow_logs else None


@AWSRetry.jittered_backoff()
def _create_flow_logs(client, **params):
    return client.create_flow_logs(**params)


def create_flow_log(client, params, tags=None, *, timeout=propagation.DEFAULT_TIMEOUT, sleep=None, clock=None):
    """Create one flow log from API ``params``; returns its ID.

    CreateFlowLogs reports per-resource failures in ``Unsuccessful`` with HTTP 200, so these are
    turned into FlowLogError here. While the delivery role is refused as "Unable to assume given IAM
    role" (a role created seconds earlier: IAM is eventually consistent) the request is sent again
    for up to ``timeout`` seconds; any other error is raised at once.
    """
    request = dict(params)
    tag_specifications = boto3_tag_specifications(tags, types="vpc-flow-log")
    if tag_specifications:
        request["TagSpecifications"] = tag_specifications

    def attempt():
        result = _create_flow_logs(client, **request)
        unsuccessful = result.get("Unsuccessful") or []
        if unsuccessful:
            messages = []
            for item in unsuccessful:
                error = item.get("Error") or {}
                messages.append(f"{item.get('ResourceId')}: {error.get('Code')} {error.get('Message')}".strip())
            raise FlowLogError("; ".join(messages))
        return result

    check_role = bool(request.get("DeliverLogsPermissionArn"))
    result, _ = propagation.retry_while(
        attempt,
        lambda error: check_role and role_not_yet_assumable(error),
        timeout=timeout,
        sleep=sleep,
        clock=clock,
    )
    flow_log_ids = result.get("FlowLogIds") or []
    if not flow_log_ids:
        raise FlowLogError("CreateFlowLogs returned no flow log ID")
    return flow_log_ids[0]


@AWSRetry.jittered_backoff()
def _delete_flow_logs(client, flow_log_ids):
    return client.delete_flow_logs(FlowLogIds=flow_log_ids)


def delete_flow_log(client, flow_log_id):
    """Delete one flow log. Returns False when it was already gone."""
    try:
        result = _delete_flow_logs(client, [flow_log_id])
    except is_boto3_error_code("InvalidFlowLogId.NotFound"):
        return False
    for item in result.get("Unsuccessful") or []:
        error = item.get("Error") or {}
        if error.get("Code") == "InvalidFlowLogId.NotFound":
            return False
        raise FlowLogError(f"{item.get('ResourceId')}: {error.get('Code')} {error.get('Message')}")
    return True


@AWSRetry.jittered_backoff()
def create_tags(client, resource_id, tags):
    client.create_tags(Resources=[resource_id], Tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff()
def delete_tags(client, resource_id, keys):
    client.delete_tags(Resources=[resource_id], Tags=[{"Key": key} for key in keys])


# --------------------------------------------------------------------------- pure logic


def normalize_log_format(value):
    """Log formats are space separated field lists: compare them whitespace-insensitively."""
    if value is None:
        return None
    return " ".join(str(value).split())


def _normalize_s3_arn(value):
    if value is None:
        return None
    return value.rstrip("/")


def destination_of(params):
    """The (type, destination) pair that identifies where a flow log delivers, from module params."""
    destination_type = params["log_destination_type"]
    if destination_type == "s3":
        return destination_type, _normalize_s3_arn(params.get("log_destination"))
    return destination_type, params.get("log_group_name")


def destination_of_flow_log(flow_log):
    """The (type, destination) pair of an existing flow log (boto3 shape)."""
    destination_type = flow_log.get("LogDestinationType") or "cloud-watch-logs"
    if destination_type == "s3":
        return destination_type, _normalize_s3_arn(flow_log.get("LogDestination"))
    return destination_type, flow_log.get("LogGroupName")


def matches_identity(flow_log, params):
    """Same resource, same destination (type + group/ARN) and same traffic type."""
    return (
        flow_log.get("ResourceId") == params["resource_id"]
        and destination_of_flow_log(flow_log) == destination_of(params)
        and flow_log.get("TrafficType") == params["traffic_type"]
    )


def find_matching(flow_logs, params):
    return [flow_log for flow_log in flow_logs if matches_identity(flow_log, params)]


def setting_differences(flow_log, params):
    """Immutable settings the task sets that differ on ``flow_log``: {option: (current, desired)}."""
    differences = {}
    for option, field in IMMUTABLE_SETTINGS.items():
        desired = params.get(option)
        if desired is None:
            continue  # never compare (or change) what the task did not set
        current = flow_log.get(field)
        if option == "log_format":
            if normalize_log_format(current) != normalize_log_format(desired):
                differences[option] = (current, desired)
        elif option == "max_aggregation_interval":
            if current is None or int(current) != int(desired):
                differences[option] = (current, desired)
        elif current != desired:
            differences[option] = (current, desired)
    return differences


def build_create_params(params):
    """CreateFlowLogs request parameters (without tags) from module params."""
    request = {
        "ResourceIds": [params["resource_id"]],
        "ResourceType": params["resource_type"],
        "TrafficType": params["traffic_type"],
        "LogDestinationType": params["log_destination_type"],
    }
    if params["log_destination_type"] == "s3":
        request["LogDestination"] = params["log_destination"]
    else:
        request["LogGroupName"] = params["log_group_name"]
    if params.get("deliver_logs_permission_arn"):
        request["DeliverLogsPermissionArn"] = params["deliver_logs_permission_arn"]
    if params.get("log_format"):
        request["LogFormat"] = params["log_format"]
    if params.get("max_aggregation_interval") is not None:
        request["MaxAggregationInterval"] = params["max_aggregation_interval"]
    return request


def predicted_flow_log(params, tags, flow_log_id=None):
    """What a flow log created from ``params`` will look like (boto3 shape), for check mode/diff."""
    flow_log = {
        "FlowLogId": flow_log_id,
        "ResourceId": params["resource_id"],
        "TrafficType": params["traffic_type"],
        "LogDestinationType": params["log_destination_type"],
    }
    if params["log_destination_type"] == "s3":
        flow_log["LogDestination"] = params["log_destination"]
    else:
        flow_log["LogGroupName"] = params["log_group_name"]
    for option, field in IMMUTABLE_SETTINGS.items():
        if params.get(option) is not None:
            flow_log[field] = params[option]
    flow_log["Tags"] = ansible_dict_to_boto3_tag_list(tags or {})
    return flow_log


def tags_of(flow_log):
    return boto3_tag_list_to_ansible_dict(flow_log.get("Tags") or [])


def to_ansible(flow_log):
    """boto3 flow log -> snake_case dict with tags as a plain dict and times as ISO 8601 text."""
    if not flow_log:
        return {}
    flow_log = dict(flow_log)
    tags = tags_of(flow_log)
    creation_time = flow_log.get("CreationTime")
    if creation_time is not None and hasattr(creation_time, "isoformat"):
        flow_log["CreationTime"] = creation_time.isoformat()
    flow_log["Tags"] = tags
    result = camel_dict_to_snake_dict(flow_log, ignore_list=["Tags"])
    if result.get("flow_log_id") is None:
        result.pop("flow_log_id", None)
    return result
