#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# community.aws.sns_topic (10.0) has no option for the topic's KMS key (KmsMasterKeyId) and no
# amazon.aws / community.aws module sets it; the monitoring role uses this one after sns_topic.

DOCUMENTATION = r"""
---
module: sns_topic_encryption
short_description: Set the KMS key that encrypts an existing Amazon SNS topic
version_added: 0.1.0
description:
  - Reads the topic's C(KmsMasterKeyId) attribute and sets it with C(SetTopicAttributes) only when
    it differs from O(kms_master_key_id).
  - The topic itself (creation, subscriptions, tags) is managed by M(community.aws.sns_topic), which
    has no option for the KMS key.
author: Platform Ops Maintainers (@platform-ops)
options:
  topic_arn:
    description:
      - ARN of the topic.
    required: true
    type: str
  kms_master_key_id:
    description:
      - The KMS key (ID, ARN, alias or alias ARN) that encrypts the topic's messages at rest.
      - An empty string turns server-side encryption off.
    required: true
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the alarm topic is encrypted with the platform key
  platform_ops.aws.sns_topic_encryption:
    topic_arn: arn:aws:sns:us-east-1:123456789012:caseapp-prod-alarms
    kms_master_key_id: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""

RETURN = r"""
topic_arn:
  description: ARN of the topic.
  returned: always
  type: str
kms_master_key_id:
  description: The topic's KMS key after the task (as it would be, in check mode).
  returned: always
  type: str
diff:
  description: The KMS key before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


@AWSRetry.jittered_backoff()
def get_topic_attributes(client, arn):
    return client.get_topic_attributes(TopicArn=arn)["Attributes"]


@AWSRetry.jittered_backoff()
def set_kms_key(client, arn, key):
    client.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=key)


def ensure_present(module, client):
    arn = module.params["topic_arn"]
    wanted = module.params["kms_master_key_id"]
    try:
        current = get_topic_attributes(client, arn).get("KmsMasterKeyId", "")
    except is_boto3_error_code("NotFound"):
        module.fail_json(msg=f"SNS topic {arn} does not exist")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the attributes of SNS topic {arn}")
    changed = current != wanted
    if changed and not module.check_mode:
        try:
            set_kms_key(client, arn, wanted)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to set the KMS key of SNS topic {arn}")
    result = dict(changed=changed, topic_arn=arn, kms_master_key_id=wanted)
    if module._diff:
        result["diff"] = dict(before=dict(kms_master_key_id=current), after=dict(kms_master_key_id=wanted))
    module.exit_json(**result)


def main():
    argument_spec = dict(
        topic_arn=dict(type="str", required=True),
        kms_master_key_id=dict(type="str", required=True, no_log=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if not module.params["topic_arn"].startswith("arn:") or module.params["topic_arn"].count(":") != 5:
        module.fail_json(msg=f"topic_arn {module.params['topic_arn']!r} is not an SNS topic ARN")
    ensure_present(module, module.client("sns"))


if __name__ == "__main__":
    main()
