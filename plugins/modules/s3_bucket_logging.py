#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_bucket_logging
version_added: 0.1.0
short_description: Manage the server access logging of a set of S3 buckets in one call
description:
  - Switch S3 server access logging on (to a target bucket and prefix) or off for every bucket listed, in one
    module call.
  - The configuration is written B(without target grants) (C(TargetGrants)). Grants are ACLs, which a target
    bucket with ACLs disabled (object ownership C(BucketOwnerEnforced), the S3 default) refuses with
    C(AccessControlListNotSupported). The target bucket's policy must instead allow the service principal
    C(logging.s3.amazonaws.com) C(s3:PutObject) on the target prefix, with C(aws:SourceArn) (the source bucket)
    and C(aws:SourceAccount) conditions. S3 refuses the configuration (C(InvalidTargetBucketForLogging)) when
    that permission is missing.
  - Each bucket's configuration is read once and written only when its target bucket or prefix differs.
    An existing C(TargetObjectKeyFormat) (partitioned log keys) is kept. Existing target grants are dropped
    when a configuration is rewritten.
  - The target bucket must be in the same region and account as the source bucket, and must not use SSE-KMS
    default encryption (S3 cannot deliver server access logs to it); use SSE-S3.
author: Platform Ops Maintainers (@platform-ops)
options:
  buckets:
    description:
      - The source buckets and their logging. Buckets not listed are not touched.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the source bucket.
        type: str
        required: true
      state:
        description:
          - V(present) sends the bucket's server access logs to O(buckets[].target_bucket); V(absent) switches
            its logging off.
        type: str
        choices: [present, absent]
        default: present
      target_bucket:
        description:
          - Bucket that receives the logs. Defaults to O(target_bucket).
        type: str
      target_prefix:
        description:
          - Key prefix of the log objects, for example V(s3/caseapp-prod-documents/).
        type: str
        default: ""
  target_bucket:
    description:
      - Target bucket of every item that does not set its own O(buckets[].target_bucket).
    type: str
notes:
  - Supports C(check_mode) and C(diff) (per bucket, the logging before and after). In check mode a source
    bucket that does not exist yet is reported as one that would get its logging.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the platform's buckets log their requests to the logs bucket
  platform_ops.aws.s3_bucket_logging:
    target_bucket: caseapp-prod-logs-123456789012
    buckets:
      - name: caseapp-prod-documents-123456789012
        target_prefix: s3/caseapp-prod-documents-123456789012/
      - name: caseapp-prod-media-123456789012
        target_prefix: s3/caseapp-prod-media-123456789012/

- name: Ensure a retired bucket no longer logs
  platform_ops.aws.s3_bucket_logging:
    buckets:
      - name: caseapp-prod-old
        state: absent
"""

RETURN = r"""
buckets:
  description: Per source bucket, its logging after the task (as predicted in check mode).
  returned: always
  type: dict
  sample:
    caseapp-prod-documents-123456789012:
      logging: {target_bucket: caseapp-prod-logs-123456789012, target_prefix: s3/caseapp-prod-documents-123456789012/}
      changed: true
      changes: [logging is off]
changes:
  description: What differed and was (or in check mode would be) changed, one line per bucket.
  returned: always
  type: list
  elements: str
  sample: ["caseapp-prod-documents-123456789012: logging is off"]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import s3 as s3u

# Why S3 refused a configuration, and what to do about it.
_HINTS = {
    "InvalidTargetBucketForLogging": (
        "the target bucket's policy must allow the service principal logging.s3.amazonaws.com s3:PutObject on "
        "the target prefix (conditions aws:SourceArn = the source bucket, aws:SourceAccount = this account), "
        "and the target must exist in this account"
    ),
    "CrossLocationLoggingProhibited": "the target bucket must be in the same region as the source bucket",
    "AccessControlListNotSupported": (
        "the target bucket has ACLs disabled; grant logging.s3.amazonaws.com in its bucket policy instead of ACLs"
    ),
}


def validate_params(module):
    """Everything that can be checked without AWS, before any call."""
    items = module.params["buckets"]
    if not items:
        module.fail_json(msg="buckets must list at least one source bucket.")
    errors = s3u.validate_logging_items(items, module.params.get("target_bucket"))
    if errors:
        module.fail_json(msg="Invalid buckets: " + "; ".join(errors))


def _current(module, client, name):
    """(exists, LoggingEnabled or None)."""
    try:
        return True, s3u.get_bucket_logging(client, name)
    except is_boto3_error_code("NoSuchBucket"):
        if module.check_mode:
            return False, None
        module.fail_json(msg=f"Bucket {name} does not exist; create it before setting its server access logging.")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the server access logging of bucket {name}")


def _put(module, client, name, desired):
    try:
        s3u.put_bucket_logging(client, name, desired)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
        target = (desired or {}).get("TargetBucket")
        hint = _HINTS.get(code)
        what = (
            f"send the server access logs of bucket {name} to {target}" if desired else f"switch off logging of {name}"
        )
        module.fail_json_aws(e, msg=f"Failed to {what}" + (f" ({hint})" if hint else ""))


def main():
    item_options = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        target_bucket=dict(type="str"),
        target_prefix=dict(type="str", default=""),
    )
    argument_spec = dict(
        buckets=dict(type="list", elements="dict", required=True, options=item_options),
        target_bucket=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)

    client = module.client("s3")
    default_target = module.params.get("target_bucket")
    results, all_changes = {}, []
    before_diff, after_diff = {}, {}
    for item in module.params["buckets"]:
        name = item["name"]
        exists, current = _current(module, client, name)
        desired = s3u.desired_logging(item, default_target, current)
        changes = s3u.logging_differences(current, desired)
        if not exists and desired:
            changes = ["the bucket does not exist yet; logging would be set once it does"]
        if changes and exists and not module.check_mode:
            _put(module, client, name, desired)
        after = desired if changes else current
        results[name] = {"logging": s3u.logging_to_ansible(after), "changed": bool(changes), "changes": changes}
        all_changes.extend(f"{name}: {change}" for change in changes)
        before_diff[name] = s3u.logging_to_ansible(current)
        after_diff[name] = s3u.logging_to_ansible(after)

    result = {"changed": bool(all_changes), "buckets": results, "changes": all_changes}
    if module._diff:
        result["diff"] = {"before": before_diff, "after": after_diff}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
