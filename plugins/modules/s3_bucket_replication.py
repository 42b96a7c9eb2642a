#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_bucket_replication
version_added: 0.1.0
short_description: Manage the replication configuration of an S3 bucket
description:
  - Set or remove the replication configuration of an S3 bucket (same-region or cross-region replication).
  - The configuration is one document per bucket. With O(state=present), O(role) and the list of
    O(rules) are authoritative; rules not listed are removed.
  - Settings of an existing rule this module does not manage (replication time control, metrics,
    existing object replication, replica modification sync, destination account and ownership
    translation) are kept when a rule with the same O(rules[].id) is written again.
  - The module reads the current configuration once, compares it in a normalised form (a missing
    C(DeleteMarkerReplication) is V(Disabled), C(Filter={}) equals an empty prefix, rule order does not
    matter) and writes only when it differs.
  - The source bucket must have versioning enabled, and so must every destination bucket.
author: Platform Ops Maintainers (@platform-ops)
options:
  bucket:
    description:
      - Name of the source bucket.
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) sets the replication configuration; V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  role:
    description:
      - ARN of the IAM role S3 assumes to replicate objects.
      - Required when O(state=present).
    type: str
  rules:
    description:
      - Replication rules. Required (at least one) when O(state=present).
    type: list
    elements: dict
    suboptions:
      id:
        description:
          - Unique identifier of the rule (up to 255 characters).
        type: str
        required: true
      priority:
        description:
          - Which rule wins when several rules match an object; the higher number wins. Must be unique.
          - Defaults to the number of rules minus the rule's position in the list, so that earlier rules win.
        type: int
      status:
        description:
          - Whether the rule is applied.
        type: str
        choices: [enabled, disabled]
        default: enabled
      prefix:
        description:
          - Only objects whose key begins with this prefix are replicated. V("") (the default) means every object.
        type: str
        default: ""
      tags:
        description:
          - Only objects carrying all these tags are replicated (combined with O(rules[].prefix)).
        type: dict
      destination_bucket:
        description:
          - ARN of the destination bucket, for example V(arn:aws:s3:::caseapp-prod-documents-dr).
        type: str
        required: true
      storage_class:
        description:
          - Storage class of the replicas. When not set, replicas keep the storage class of the source object.
        type: str
        choices: [STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER, DEEP_ARCHIVE, GLACIER_IR]
      replica_kms_key_id:
        description:
          - ARN of the KMS key (in the destination bucket's region) that encrypts the replicas.
          - Required when O(rules[].sse_kms_encrypted_objects=true).
        type: str
      sse_kms_encrypted_objects:
        description:
          - Whether objects encrypted with SSE-KMS are replicated (S3 skips them otherwise).
          - Defaults to V(true) when O(rules[].replica_kms_key_id) is set, else V(false).
        type: bool
      delete_marker_replication:
        description:
          - Whether delete markers are replicated. Leaving it V(false) keeps deleted objects
            recoverable in the destination.
        type: bool
        default: false
notes:
  - Supports C(check_mode) and C(diff) (the normalised configuration before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the documents bucket replicates SSE-KMS objects to the DR region
  platform_ops.aws.s3_bucket_replication:
    bucket: caseapp-prod-documents
    role: arn:aws:iam::123456789012:role/caseapp-prod-s3-replication
    rules:
      - id: dr
        destination_bucket: arn:aws:s3:::caseapp-prod-documents-dr
        storage_class: STANDARD_IA
        replica_kms_key_id: arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9

- name: Ensure only the reports/ prefix of the media bucket is replicated, delete markers included
  platform_ops.aws.s3_bucket_replication:
    bucket: caseapp-prod-media
    role: arn:aws:iam::123456789012:role/caseapp-prod-s3-replication
    rules:
      - id: reports
        prefix: reports/
        destination_bucket: arn:aws:s3:::caseapp-prod-media-dr
        delete_marker_replication: true

- name: Ensure the documents bucket does not replicate
  platform_ops.aws.s3_bucket_replication:
    bucket: caseapp-prod-documents
    state: absent
"""

RETURN = r"""
replication_configuration:
  description:
    - The replication configuration after the task (as predicted in check mode); empty when there is none.
  returned: always
  type: dict
  contains:
    role:
      description: ARN of the IAM role S3 assumes.
      type: str
      sample: arn:aws:iam::123456789012:role/caseapp-prod-s3-replication
    rules:
      description: The replication rules.
      type: list
      elements: dict
      sample:
        - id: dr
          priority: 1
          status: Enabled
          filter: {prefix: ""}
          delete_marker_replication: {status: Disabled}
          source_selection_criteria: {sse_kms_encrypted_objects: {status: Enabled}}
          destination:
            bucket: arn:aws:s3:::caseapp-prod-documents-dr
            storage_class: STANDARD_IA
            encryption_configuration:
              replica_kms_key_id: arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
changes:
  description: What differed and was (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
  sample: ["rule dr: StorageClass"]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import s3 as s3u


def validate_params(module):
    """Everything that can be checked without AWS, before any call."""
    params = module.params
    if params["state"] != "present":
        return
    role = params.get("role")
    if not role:
        module.fail_json(
            msg="role (the ARN of the IAM role S3 assumes to replicate) is required when state is present."
        )
    if not s3u.ROLE_ARN_RE.match(role):
        module.fail_json(msg=f"role {role!r} is not an IAM role ARN (expected arn:aws:iam::123456789012:role/name).")
    rules = params.get("rules") or []
    if not rules:
        module.fail_json(
            msg="rules must list at least one replication rule when state is present (use state=absent to remove)."
        )
    errors = s3u.validate_rules(rules)
    if errors:
        module.fail_json(msg="Invalid replication rules: " + "; ".join(errors))


def _current(module, client, bucket, missing_ok):
    try:
        return s3u.get_bucket_replication(client, bucket)
    except is_boto3_error_code("NoSuchBucket"):
        if missing_ok:
            return None
        module.fail_json(
            msg=f"Bucket {bucket} does not exist; create it (with versioning enabled) before its replication."
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the replication configuration of bucket {bucket}")


def _exit(module, changed, before, after, changes):
    result = {"changed": changed, "replication_configuration": s3u.to_ansible(after), "changes": changes}
    if module._diff:
        result["diff"] = {
            "before": s3u.to_ansible(s3u.normalise_configuration(before)),
            "after": s3u.to_ansible(s3u.normalise_configuration(after)),
        }
    module.exit_json(**result)


def ensure_present(module, client):
    bucket = module.params["bucket"]
    current = _current(module, client, bucket, missing_ok=False)
    desired = s3u.build_configuration(module.params["role"], module.params["rules"], current)
    changes = s3u.differences(current, desired)
    if not changes:
        _exit(module, False, current, current, [])
    if not module.check_mode:
        try:
            s3u.put_bucket_replication(client, bucket, desired)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e,
                msg=(
                    f"Failed to set the replication configuration of bucket {bucket} "
                    "(versioning must be enabled on the source and destination buckets)"
                ),
            )
    _exit(module, True, current, desired, changes)


def ensure_absent(module, client):
    bucket = module.params["bucket"]
    current = _current(module, client, bucket, missing_ok=True)
    if current is None:
        _exit(module, False, None, None, [])
    if not module.check_mode:
        try:
            s3u.delete_bucket_replication(client, bucket)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to remove the replication configuration of bucket {bucket}")
    _exit(module, True, current, None, ["the replication configuration would be removed"])


def main():
    rule_options = dict(
        id=dict(type="str", required=True),
        priority=dict(type="int"),
        status=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
        prefix=dict(type="str", default=""),
        tags=dict(type="dict"),
        destination_bucket=dict(type="str", required=True),
        storage_class=dict(type="str", choices=s3u.STORAGE_CLASSES),
        replica_kms_key_id=dict(type="str"),
        sse_kms_encrypted_objects=dict(type="bool"),
        delete_marker_replication=dict(type="bool", default=False),
    )
    argument_spec = dict(
        bucket=dict(type="str", required=True, aliases=["name"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        role=dict(type="str"),
        rules=dict(type="list", elements="dict", options=rule_options),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["role", "rules"]]],
        supports_check_mode=True,
    )
    validate_params(module)

    client = module.client("s3")
    if module.params["state"] == "present":
        ensure_present(module, client)
    else:
        ensure_absent(module, client)


if __name__ == "__main__":
    main()
