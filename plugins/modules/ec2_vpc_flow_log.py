#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
version_added: 0.1.0
short_description: Manage a VPC, subnet or network interface flow log
description:
  - Create, tag or delete one EC2 flow log on a VPC, a subnet or an elastic network interface,
    delivering to CloudWatch Logs or to S3.
  - B(Identity.) The flow log managed is the one on O(resource_id) with the same destination
    (O(log_destination_type) plus O(log_group_name) or O(log_destination)) and the same O(traffic_type).
    Changing one of these therefore manages a different flow log; the old one is left alone
    (remove it with O(state=absent)).
  - B(Immutable settings.) AWS cannot change a flow log after creation except for its tags.
    When the matching flow log differs in O(deliver_logs_permission_arn), O(log_format) or
    O(max_aggregation_interval), the module fails and names the differences, unless O(replace=true),
    in which case it deletes the flow log and creates it again with the new settings
    (records are not captured for the moment in between). Settings the task does not set are never compared.
  - Tags are updated in place.
  - B(A new delivery role.) IAM is eventually consistent, so CreateFlowLogs may refuse a role created seconds
    earlier with C(InvalidParameter) C(Unable to assume given IAM role). The module then sends the request again
    for up to 60 seconds; other errors fail at once.
author: Platform Ops Maintainers (@platform-ops)
options:
  state:
    description:
      - Whether the flow log should exist.
    type: str
    choices: [present, absent]
    default: present
  resource_id:
    description:
      - ID of the VPC (V(vpc-...)), subnet (V(subnet-...)) or network interface (V(eni-...)) to log.
      - Must match O(resource_type).
    type: str
    required: true
  resource_type:
    description:
      - Type of O(resource_id).
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  traffic_type:
    description:
      - Which traffic to log. Part of the flow log's identity.
    type: str
    choices: [ALL, ACCEPT, REJECT]
    default: ALL
  log_destination_type:
    description:
      - Where the flow log delivers. Part of the flow log's identity.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description:
      - CloudWatch Logs log group to deliver to.
      - Required when O(log_destination_type=cloud-watch-logs); not allowed with V(s3).
      - Part of the flow log's identity.
    type: str
  deliver_logs_permission_arn:
    description:
      - ARN of the IAM role that allows the flow log to publish to CloudWatch Logs.
      - Required when O(state=present) and O(log_destination_type=cloud-watch-logs); optional for V(s3).
    type: str
  log_destination:
    description:
      - ARN of the S3 bucket (optionally with a folder, V(arn:aws:s3:::bucket/prefix)) to deliver to.
      - Required when O(log_destination_type=s3); not allowed with V(cloud-watch-logs)
        (use O(log_group_name)).
      - Part of the flow log's identity.
    type: str
  log_format:
    description:
      - Custom flow log record format, e.g. V(${version} ${interface-id} ${srcaddr} ${dstaddr} ${action}).
      - When not set, AWS uses its default format on creation and an existing flow log's format is not compared.
      - Compared ignoring differences in whitespace.
    type: str
  max_aggregation_interval:
    description:
      - Maximum interval, in seconds, during which a flow of packets is captured into one record.
      - When not set, AWS uses V(600) on creation and an existing flow log's interval is not compared.
    type: int
    choices: [60, 600]
  replace:
    description:
      - What to do when the matching flow log exists with different immutable settings
        (O(deliver_logs_permission_arn), O(log_format), O(max_aggregation_interval)).
      - V(false) fails with a message naming the differences; nothing is changed.
      - V(true) deletes the flow log and creates it again with the desired settings. Its tags are carried
        over (merged with O(tags) unless O(purge_tags=true)).
    type: bool
    default: false
notes:
  - Supports C(check_mode) and C(diff) (the flow log before and after, in the RV(flow_log) format).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the VPC's flow log delivers all traffic to CloudWatch Logs
  platform_ops.aws.ec2_vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /caseapp/prod/vpc-flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/caseapp-prod-flow-logs
    max_aggregation_interval: 60
    tags:
      Project: caseapp
      Environment: prod

- name: Ensure rejected traffic of a subnet is logged to S3 in a custom format
  platform_ops.aws.ec2_vpc_flow_log:
    resource_id: subnet-0123456789abcdef0
    resource_type: Subnet
    traffic_type: REJECT
    log_destination_type: s3
    log_destination: arn:aws:s3:::caseapp-prod-logs/flow-logs/
    log_format: "${version} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action}"

- name: Recreate the flow log when its format changed
  platform_ops.aws.ec2_vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /caseapp/prod/vpc-flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/caseapp-prod-flow-logs
    log_format: "${version} ${srcaddr} ${dstaddr} ${action}"
    replace: true

- name: Ensure the VPC's flow log to CloudWatch Logs is absent
  platform_ops.aws.ec2_vpc_flow_log:
    resource_id: "{{ vpc_id }}"
    log_group_name: /caseapp/prod/vpc-flow-logs
    state: absent
"""

RETURN = r"""
flow_log_id:
  description:
    - ID of the flow log managed (for O(state=absent), the one deleted).
    - Not returned when a flow log would be created in check mode, or nothing matched for O(state=absent).
  returned: when known
  type: str
  sample: fl-0123456789abcdef0
replaced_flow_log_id:
  description: ID of the flow log deleted because O(replace=true) and its settings differed.
  returned: when a flow log was replaced
  type: str
  sample: fl-0fedcba9876543210
flow_log:
  description:
    - The flow log after the task (as predicted in check mode); empty when O(state=absent).
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: ID of the flow log.
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: ID of the VPC, subnet or network interface.
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: Traffic logged.
      type: str
      sample: ALL
    log_destination_type:
      description: Destination type.
      type: str
      sample: cloud-watch-logs
    log_group_name:
      description: CloudWatch Logs log group.
      type: str
      sample: /caseapp/prod/vpc-flow-logs
    log_destination:
      description: ARN of the destination.
      type: str
      sample: arn:aws:s3:::caseapp-prod-logs/flow-logs/
    deliver_logs_permission_arn:
      description: IAM role used to publish to CloudWatch Logs.
      type: str
      sample: arn:aws:iam::123456789012:role/caseapp-prod-flow-logs
    deliver_logs_status:
      description: Status of log delivery (V(SUCCESS) or V(FAILED)).
      type: str
      sample: SUCCESS
    deliver_logs_error_message:
      description: Why delivery failed, if it did.
      type: str
      sample: Access error
    flow_log_status:
      description: Status of the flow log.
      type: str
      sample: ACTIVE
    log_format:
      description: Record format.
      type: str
      sample: ${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${action}
    max_aggregation_interval:
      description: Maximum aggregation interval in seconds.
      type: int
      sample: 600
    creation_time:
      description: When the flow log was created (ISO 8601).
      type: str
      sample: "2026-11-23T10:00:00+00:00"
    tags:
      description: Tags of the flow log.
      type: dict
      sample: {"Project": "caseapp"}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

# AnsibleModule.warn's own recorder: AnsibleAWSModule.warn would also pass warnings= to exit_json, which
# ansible-core 2.19 reports as a deprecation.
from ansible.module_utils.common.warnings import warn
from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list, compare_aws_tags
from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_flow_logs as fl


def validate_params(module):
    """Everything that can be checked without AWS, before any call."""
    params = module.params
    prefix = fl.RESOURCE_ID_PREFIXES[params["resource_type"]]
    if not params["resource_id"].startswith(prefix):
        module.fail_json(
            msg=(
                f"resource_id {params['resource_id']!r} does not look like a {params['resource_type']} ID "
                f"(expected it to start with {prefix!r}); set resource_type to match the resource."
            )
        )

    if params["log_destination_type"] == "s3":
        destination = params.get("log_destination")
        if not destination:
            module.fail_json(msg="log_destination (an S3 bucket ARN) is required when log_destination_type is s3.")
        arn = parse_aws_arn(destination)
        if not arn or arn.get("service") != "s3":
            module.fail_json(
                msg=f"log_destination {destination!r} is not an S3 ARN (expected arn:aws:s3:::bucket[/prefix])."
            )
        if params.get("log_group_name"):
            module.fail_json(msg="log_group_name is only valid with log_destination_type cloud-watch-logs, not s3.")
    else:
        if not params.get("log_group_name"):
            module.fail_json(msg="log_group_name is required when log_destination_type is cloud-watch-logs.")
        if params.get("log_destination"):
            module.fail_json(
                msg="log_destination is only valid with log_destination_type s3; for cloud-watch-logs use log_group_name."
            )
        if params["state"] == "present" and not params.get("deliver_logs_permission_arn"):
            module.fail_json(
                msg=(
                    "deliver_logs_permission_arn (the IAM role flow logs use to publish) is required "
                    "when log_destination_type is cloud-watch-logs."
                )
            )

    role_arn = params.get("deliver_logs_permission_arn")
    if role_arn:
        arn = parse_aws_arn(role_arn)
        if not arn or arn.get("service") != "iam" or arn.get("resource_type") != "role":
            module.fail_json(
                msg=f"deliver_logs_permission_arn {role_arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
            )

    if params.get("log_format") is not None and not params["log_format"].strip():
        module.fail_json(msg="log_format must not be empty; omit it to use the AWS default format.")


def _describe_one(module, client, flow_log_id):
    try:
        return fl.describe_flow_log(client, flow_log_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe flow log {flow_log_id}")


def _create(module, client, tags):
    params = module.params
    try:
        return fl.create_flow_log(client, fl.build_create_params(params), tags=tags)
    except is_boto3_error_code("FlowLogAlreadyExists") as e:
        module.fail_json_aws(
            e,
            msg=(
                f"AWS refused to create the flow log on {params['resource_id']}: another flow log there already "
                "delivers to the same destination (possibly with a different traffic_type). "
                "Remove it with state=absent or choose another destination."
            ),
        )
    except fl.FlowLogError as e:
        module.fail_json(msg=f"Failed to create the flow log on {params['resource_id']}: {e}{_role_hint(e)}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to create the flow log on {params['resource_id']}{_role_hint(e)}")


def _role_hint(error):
    if not fl.role_not_yet_assumable(error):
        return ""
    return (
        f" (still refused after {int(fl.propagation.DEFAULT_TIMEOUT)} s of waiting for IAM to propagate: check that "
        "the role's trust policy lets vpc-flow-logs.amazonaws.com assume it and that the caller may iam:PassRole it)"
    )


def _delete(module, client, flow_log_id):
    try:
        return fl.delete_flow_log(client, flow_log_id)
    except fl.FlowLogError as e:
        module.fail_json(msg=f"Failed to delete flow log {flow_log_id}: {e}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to delete flow log {flow_log_id}")


def _describe_resource(module, client):
    resource_id = module.params["resource_id"]
    try:
        return fl.describe_flow_logs(client, resource_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the flow logs of {resource_id}")


def _format_differences(differences):
    return ", ".join(
        f"{option} (current {current!r}, desired {desired!r})" for option, (current, desired) in differences.items()
    )


def _exit(module, changed, before, after, **result):
    if after and after.get("DeliverLogsStatus") == "FAILED":
        warn(
            f"Flow log {after.get('FlowLogId')} on {after.get('ResourceId')} cannot deliver logs: "
            f"{after.get('DeliverLogsErrorMessage') or 'unknown error'} (check that the destination exists "
            "and that the role/bucket policy lets the flow logs service write to it)."
        )
    if module._diff:
        result["diff"] = {"before": fl.to_ansible(before), "after": fl.to_ansible(after)}
    module.exit_json(changed=changed, flow_log=fl.to_ansible(after), **result)


def ensure_present(module, client):
    params = module.params
    desired_tags = params.get("tags")
    purge_tags = params.get("purge_tags")
    matches = fl.find_matching(_describe_resource(module, client), params)

    if not matches:
        tags = desired_tags or {}
        if module.check_mode:
            _exit(module, True, None, fl.predicted_flow_log(params, tags))
        flow_log_id = _create(module, client, tags)
        after = _describe_one(module, client, flow_log_id) or fl.predicted_flow_log(params, tags, flow_log_id)
        _exit(module, True, None, after, flow_log_id=flow_log_id)

    if len(matches) > 1:
        warn(
            f"{len(matches)} flow logs on {params['resource_id']} match this destination and traffic type "
            f"({', '.join(m['FlowLogId'] for m in matches)}); managing {matches[0]['FlowLogId']}."
        )
    current = matches[0]
    flow_log_id = current["FlowLogId"]
    current_tags = fl.tags_of(current)
    differences = fl.setting_differences(current, params)

    if differences:
        if not params["replace"]:
            module.fail_json(
                msg=(
                    f"Flow log {flow_log_id} on {params['resource_id']} exists with settings AWS cannot change in place: "
                    f"{_format_differences(differences)}. Set replace=true to delete and recreate it, "
                    "or align the task with the existing flow log."
                ),
                flow_log_id=flow_log_id,
                flow_log=fl.to_ansible(current),
            )
        if desired_tags is None:
            tags = current_tags
        elif purge_tags:
            tags = dict(desired_tags)
        else:
            tags = dict(current_tags, **desired_tags)
        tags = {k: v for k, v in tags.items() if not k.startswith("aws:")}
        if module.check_mode:
            _exit(
                module,
                True,
                current,
                fl.predicted_flow_log(params, tags),
                replaced_flow_log_id=flow_log_id,
            )
        _delete(module, client, flow_log_id)
        new_id = _create(module, client, tags)
        after = _describe_one(module, client, new_id) or fl.predicted_flow_log(params, tags, new_id)
        _exit(module, True, current, after, flow_log_id=new_id, replaced_flow_log_id=flow_log_id)

    to_set, to_unset = {}, []
    if desired_tags is not None:
        to_set, to_unset = compare_aws_tags(current_tags, desired_tags, purge_tags)
    if not to_set and not to_unset:
        _exit(module, False, current, current, flow_log_id=flow_log_id)

    if module.check_mode:
        new_tags = {k: v for k, v in current_tags.items() if k not in to_unset}
        new_tags.update(to_set)
        after = dict(current, Tags=ansible_dict_to_boto3_tag_list(new_tags))
        _exit(module, True, current, after, flow_log_id=flow_log_id)
    try:
        if to_unset:
            fl.delete_tags(client, flow_log_id, to_unset)
        if to_set:
            fl.create_tags(client, flow_log_id, to_set)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to update the tags of flow log {flow_log_id}")
    after = _describe_one(module, client, flow_log_id) or current
    _exit(module, True, current, after, flow_log_id=flow_log_id)


def ensure_absent(module, client):
    matches = fl.find_matching(_describe_resource(module, client), module.params)
    if not matches:
        _exit(module, False, None, None)
    if not module.check_mode:
        for match in matches:
            _delete(module, client, match["FlowLogId"])
    _exit(module, True, matches[0], None, flow_log_id=matches[0]["FlowLogId"])


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", default="VPC", choices=["VPC", "Subnet", "NetworkInterface"]),
        traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
        log_destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
        log_group_name=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        log_destination=dict(type="str"),
        log_format=dict(type="str"),
        max_aggregation_interval=dict(type="int", choices=[60, 600]),
        replace=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[["log_group_name", "log_destination"]],
        supports_check_mode=True,
    )
    validate_params(module)

    client = module.client("ec2")
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
