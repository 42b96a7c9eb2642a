#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# community.aws.config_recorder (10.0) cannot start the recorder, has no check mode and compares the
# whole described recorder with what it sends, so it reports a change on every run (DescribeConfiguration
# Recorders also returns recordingStrategy and exclusionByResourceTypes). This module converges the
# recorder, its delivery channel and the recording status in one call.

DOCUMENTATION = r"""
---
module: config_recorder
short_description: Manage the AWS Config configuration recorder, its delivery channel and its recording status
version_added: 0.1.0
description:
  - Converges, in one call, the region's AWS Config configuration recorder (role and recording group),
    its delivery channel (S3 bucket, prefix, KMS key, SNS topic, snapshot frequency) and whether it records
    (C(StartConfigurationRecorder) / C(StopConfigurationRecorder)).
  - AWS Config allows one customer managed recorder and one delivery channel per region and account. When
    another one exists under a different name the module fails, naming it, rather than take it over.
  - Only the settings given are compared, so a run with nothing to change makes no write.
  - With O(state=absent) the recorder is stopped, then the delivery channel and the recorder are deleted.
    The configuration history already delivered to the bucket stays there.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - Name of the configuration recorder and of its delivery channel.
    required: true
    type: str
  state:
    description:
      - Whether the recorder and its delivery channel should exist.
    choices: [present, absent]
    default: present
    type: str
  role_arn:
    description:
      - ARN of the IAM role AWS Config assumes to describe the resources (with the AWS managed policy
        C(service-role/AWS_ConfigRole)). Required with O(state=present).
    type: str
  all_supported:
    description:
      - Record every supported resource type of the region (new types are picked up automatically).
      - When false, O(resource_types) lists what is recorded.
    type: bool
    default: true
  include_global_types:
    description:
      - Also record global resources (IAM). Record them in one region only (the primary), or every
        region records the same items. Needs O(all_supported=true).
    type: bool
    default: false
  resource_types:
    description:
      - Resource types recorded when O(all_supported=false), for example C(AWS::S3::Bucket).
    type: list
    elements: str
    default: []
  delivery_channel:
    description:
      - Where AWS Config delivers configuration history and snapshots. Required with O(state=present).
    type: dict
    suboptions:
      s3_bucket:
        description: The bucket; its policy must let C(config.amazonaws.com) check its ACL, list it and write under the prefix.
        type: str
        required: true
      s3_prefix:
        description: Key prefix in the bucket (no leading or trailing slash; empty for none).
        type: str
        default: ""
      kms_key_arn:
        description: ARN of the KMS key the delivered objects are encrypted with (empty for the bucket's default).
        type: str
        default: ""
      sns_topic_arn:
        description: SNS topic notified of configuration changes (empty for none).
        type: str
        default: ""
      delivery_frequency:
        description: How often a configuration snapshot is delivered.
        type: str
        choices: [One_Hour, Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours]
        default: TwentyFour_Hours
  recording:
    description:
      - Whether the recorder records (started) or not (stopped). Needs the delivery channel.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure AWS Config records every supported resource, global ones in the primary region
  platform_ops.aws.config_recorder:
    name: caseapp-prod
    role_arn: arn:aws:iam::123456789012:role/caseapp-prod-config
    all_supported: true
    include_global_types: true
    delivery_channel:
      s3_bucket: caseapp-prod-trail-123456789012
      s3_prefix: config
      kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    recording: true

- name: Ensure the recorder and its delivery channel are gone
  platform_ops.aws.config_recorder:
    name: caseapp-prod
    state: absent
"""

RETURN = r"""
recorder:
  description: The recorder after the task (as it would be, in check mode); empty when absent.
  returned: always
  type: dict
  sample: {"name": "caseapp-prod", "role_arn": "arn:aws:iam::123456789012:role/caseapp-prod-config",
           "recording_group": {"all_supported": true, "include_global_resource_types": true, "resource_types": []}}
delivery_channel:
  description: The delivery channel after the task (as it would be, in check mode); empty when absent.
  returned: always
  type: dict
  sample: {"name": "caseapp-prod", "s3_bucket_name": "caseapp-prod-trail-123456789012", "s3_key_prefix": "config"}
recording:
  description: Whether the recorder records after the task.
  returned: always
  type: bool
diff:
  description: Recorder, delivery channel and recording status before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Right after its IAM role or the bucket policy was written, AWS Config may not see them yet.
_PROPAGATION = ["InvalidRoleException", "InsufficientDeliveryPolicyException"]


@AWSRetry.jittered_backoff()
def describe_recorders(client):
    return client.describe_configuration_recorders()["ConfigurationRecorders"]


@AWSRetry.jittered_backoff()
def describe_channels(client):
    return client.describe_delivery_channels()["DeliveryChannels"]


@AWSRetry.jittered_backoff()
def describe_status(client, name):
    found = client.describe_configuration_recorder_status(ConfigurationRecorderNames=[name])
    return found["ConfigurationRecordersStatus"][0]


@AWSRetry.jittered_backoff(retries=8, catch_extra_error_codes=_PROPAGATION)
def put_recorder(client, recorder):
    client.put_configuration_recorder(ConfigurationRecorder=recorder)


@AWSRetry.jittered_backoff(retries=8, catch_extra_error_codes=_PROPAGATION)
def put_channel(client, channel):
    client.put_delivery_channel(DeliveryChannel=channel)


@AWSRetry.jittered_backoff()
def start(client, name):
    client.start_configuration_recorder(ConfigurationRecorderName=name)


@AWSRetry.jittered_backoff()
def stop(client, name):
    client.stop_configuration_recorder(ConfigurationRecorderName=name)


@AWSRetry.jittered_backoff()
def delete_channel(client, name):
    client.delete_delivery_channel(DeliveryChannelName=name)


@AWSRetry.jittered_backoff()
def delete_recorder(client, name):
    client.delete_configuration_recorder(ConfigurationRecorderName=name)


def wanted_recorder(params):
    group = {
        "allSupported": params["all_supported"],
        "includeGlobalResourceTypes": params["include_global_types"],
        "resourceTypes": [] if params["all_supported"] else sorted(params["resource_types"]),
    }
    return {"name": params["name"], "roleARN": params["role_arn"], "recordingGroup": group}


def wanted_channel(params):
    spec = params["delivery_channel"]
    channel = {
        "name": params["name"],
        "s3BucketName": spec["s3_bucket"],
        "configSnapshotDeliveryProperties": {"deliveryFrequency": spec["delivery_frequency"]},
    }
    for key, option in (("s3KeyPrefix", "s3_prefix"), ("s3KmsKeyArn", "kms_key_arn"), ("snsTopicARN", "sns_topic_arn")):
        if spec[option]:
            channel[key] = spec[option]
    return channel


def recorder_differs(current, wanted):
    if current is None:
        return True
    group = current.get("recordingGroup", {})
    want = wanted["recordingGroup"]
    return (
        current.get("roleARN") != wanted["roleARN"]
        or bool(group.get("allSupported")) != want["allSupported"]
        or bool(group.get("includeGlobalResourceTypes")) != want["includeGlobalResourceTypes"]
        or sorted(group.get("resourceTypes") or []) != want["resourceTypes"]
    )


def channel_differs(current, wanted):
    if current is None:
        return True
    keys = ("s3BucketName", "s3KeyPrefix", "s3KmsKeyArn", "snsTopicARN")
    frequency = (current.get("configSnapshotDeliveryProperties") or {}).get("deliveryFrequency", "TwentyFour_Hours")
    return (
        any((current.get(k) or "") != (wanted.get(k) or "") for k in keys)
        or frequency != wanted["configSnapshotDeliveryProperties"]["deliveryFrequency"]
    )


def snake(resource):
    return camel_dict_to_snake_dict(resource) if resource else {}


def read(module, client, name):
    """(recorder, channel, recording) of ``name``; fails naming another recorder or channel."""
    try:
        recorders = describe_recorders(client)
        channels = describe_channels(client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to describe the AWS Config recorders and delivery channels")
    # Service-linked recorders (AWS::Config::... for other services) are not customer managed.
    others = [r["name"] for r in recorders if r["name"] != name and not r.get("servicePrincipal")]
    if others and module.params["state"] == "present":
        module.fail_json(
            msg=(
                f"AWS Config already has a configuration recorder in {module.region}: {others[0]!r}. AWS allows one per"
                f" region and account; this task manages {name!r}. Where an AWS Organization or another stack records this"
                " account, switch this recorder off (security_baseline_config: false); otherwise delete that recorder first."
            ),
            other_recorders=others,
        )
    recorder = next((r for r in recorders if r["name"] == name), None)
    channel = next((c for c in channels if c["name"] == name), None)
    other_channels = [c["name"] for c in channels if c["name"] != name]
    if other_channels and channel is None and module.params["state"] == "present":
        module.fail_json(
            msg=(
                f"AWS Config already has a delivery channel in {module.region}: {other_channels[0]!r}. AWS allows one per"
                f" region and account; this task manages {name!r}."
            ),
            other_delivery_channels=other_channels,
        )
    recording = False
    if recorder is not None:
        try:
            recording = bool(describe_status(client, name).get("recording"))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to read the status of AWS Config recorder {name}")
    return recorder, channel, recording


def state_of(recorder, channel, recording):
    return dict(recorder=snake(recorder), delivery_channel=snake(channel), recording=recording)


def ensure_present(module, client):
    params = module.params
    name = params["name"]
    recorder, channel, recording = read(module, client, name)
    before = state_of(recorder, channel, recording)
    want_recorder = wanted_recorder(params)
    want_channel = wanted_channel(params)
    want_recording = params["recording"]
    changed = False
    try:
        if recorder_differs(recorder, want_recorder):
            changed = True
            if not module.check_mode:
                put_recorder(client, want_recorder)
            recorder = want_recorder
        if channel_differs(channel, want_channel):
            changed = True
            if not module.check_mode:
                put_channel(client, want_channel)
            channel = want_channel
        if want_recording != recording:
            changed = True
            if not module.check_mode:
                (start if want_recording else stop)(client, name)
            recording = want_recording
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to converge AWS Config recorder {name} and its delivery channel")
    after = state_of(recorder, channel, recording)
    exit_with(module, changed, before, after)


def ensure_absent(module, client):
    name = module.params["name"]
    recorder, channel, recording = read(module, client, name)
    before = state_of(recorder, channel, recording)
    changed = recorder is not None or channel is not None
    if not module.check_mode:
        try:
            # The last delivery channel cannot be deleted while the recorder runs.
            if recording:
                stop(client, name)
            if channel is not None:
                delete_channel(client, name)
            if recorder is not None:
                delete_recorder(client, name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to delete AWS Config recorder {name} and its delivery channel")
    exit_with(module, changed, before, state_of(None, None, False))


def exit_with(module, changed, before, after):
    result = dict(changed=changed, **after)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        role_arn=dict(type="str"),
        all_supported=dict(type="bool", default=True),
        include_global_types=dict(type="bool", default=False),
        resource_types=dict(type="list", elements="str", default=[]),
        delivery_channel=dict(
            type="dict",
            options=dict(
                s3_bucket=dict(type="str", required=True),
                s3_prefix=dict(type="str", default=""),
                kms_key_arn=dict(type="str", default="", no_log=False),
                sns_topic_arn=dict(type="str", default=""),
                delivery_frequency=dict(
                    type="str",
                    choices=["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"],
                    default="TwentyFour_Hours",
                ),
            ),
        ),
        recording=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["role_arn", "delivery_channel"])],
    )
    params = module.params
    if params["state"] == "present":
        if params["include_global_types"] and not params["all_supported"]:
            module.fail_json(msg="include_global_types needs all_supported: true (AWS Config refuses it otherwise)")
        if not params["all_supported"] and not params["resource_types"]:
            module.fail_json(msg="all_supported: false needs resource_types (what to record)")
        if params["all_supported"] and params["resource_types"]:
            module.fail_json(msg="resource_types can only be given with all_supported: false")
        prefix = params["delivery_channel"]["s3_prefix"]
        if prefix.startswith("/") or prefix.endswith("/"):
            module.fail_json(msg=f"delivery_channel.s3_prefix {prefix!r} may not begin or end with a slash")
    client = module.client("config")
    if params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
