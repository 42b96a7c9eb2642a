#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_snapshot_info
version_added: 0.1.0
short_description: List the ElastiCache snapshots of a replication group or with a name prefix
description:
  - Lists Amazon ElastiCache (Redis OSS / Valkey) snapshots with DescribeSnapshots, paginated, and returns
    them in snake case, so that a role can find the final snapshots it kept (their names carry a timestamp,
    so they cannot be named in advance) and delete them or report them.
  - M(community.aws.elasticache_snapshot) creates, copies and deletes one snapshot by its name but cannot
    list them; this module fills that gap and never writes anything.
  - O(replication_group_id) and O(name_prefix) are applied to the listed snapshots (not passed to AWS, so
    that the final snapshots of a group that is gone are found too). Without either, every snapshot of the
    account and region is returned.
author: Platform Ops Maintainers (@platform-ops)
options:
  replication_group_id:
    description:
      - Only the snapshots of this replication group (1 to 40 lowercase letters, digits and hyphens).
    type: str
  name_prefix:
    description:
      - Only the snapshots whose name begins with this string, for example C(caseapp-prod-cache-final-).
    type: str
  snapshot_source:
    description:
      - Only the snapshots of this source. V(manual) are the snapshots a user (or a deletion with a final
        snapshot) took; V(system) are the automatic daily snapshots, which AWS deletes by itself.
      - Without it, both.
    type: str
    choices: [manual, system]
notes:
  - Supports C(check_mode) (it only reads).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the final snapshots the cache kept
  platform_ops.aws.elasticache_snapshot_info:
    replication_group_id: caseapp-prod-cache
    name_prefix: caseapp-prod-cache-final-
    snapshot_source: manual
  register: final_snapshots

- name: Ensure the kept final snapshots are gone
  community.aws.elasticache_snapshot:
    name: "{{ item.snapshot_name }}"
    state: absent
  loop: "{{ final_snapshots.snapshots }}"
"""

RETURN = r"""
snapshots:
  description: The snapshots found, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - snapshot_name: caseapp-prod-cache-final-20261203120000
      arn: arn:aws:elasticache:us-east-1:123456789012:snapshot:caseapp-prod-cache-final-20261203120000
      snapshot_status: available
      snapshot_source: manual
      replication_group_id: caseapp-prod-cache
      kms_key_id: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
      engine: redis
      engine_version: "7.1"
  contains:
    snapshot_name:
      description: Name of the snapshot.
      returned: always
      type: str
      sample: caseapp-prod-cache-final-20261203120000
    arn:
      description: ARN of the snapshot.
      returned: when AWS reports it
      type: str
      sample: arn:aws:elasticache:us-east-1:123456789012:snapshot:caseapp-prod-cache-final-20261203120000
    snapshot_status:
      description: State of the snapshot (C(creating), C(available), C(restoring), C(copying), C(deleting)).
      returned: always
      type: str
      sample: available
    snapshot_source:
      description: V(manual) or V(automated)/V(system).
      returned: always
      type: str
      sample: manual
    replication_group_id:
      description: The replication group the snapshot was taken of.
      returned: when the snapshot is of a replication group
      type: str
      sample: caseapp-prod-cache
    kms_key_id:
      description: The KMS key that encrypts the snapshot.
      returned: when the snapshot is encrypted with a customer managed key
      type: str
      sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

GROUP_ID_MAX = 40


@AWSRetry.jittered_backoff()
def _describe_snapshots(client, **params):
    return client.get_paginator("describe_snapshots").paginate(**params).build_full_result()["Snapshots"]


def list_snapshots(client, group_id=None, source=None, prefix=""):
    """Snapshots of ``source`` (all when None) whose group is ``group_id`` and whose name begins with ``prefix``."""
    params = {"SnapshotSource": source} if source else {}
    try:
        found = _describe_snapshots(client, **params)
    except is_boto3_error_code("SnapshotNotFoundFault"):
        found = []
    return [
        snap
        for snap in found
        if snap.get("SnapshotName", "").startswith(prefix or "")
        and (not group_id or snap.get("ReplicationGroupId") == group_id)
    ]


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            replication_group_id=dict(type="str"),
            name_prefix=dict(type="str"),
            snapshot_source=dict(type="str", choices=["manual", "system"]),
        ),
        supports_check_mode=True,
    )
    group_id = module.params["replication_group_id"]
    if group_id is not None and not (0 < len(group_id) <= GROUP_ID_MAX):
        module.fail_json(
            msg=f"replication_group_id {group_id!r} is not a replication group id: 1 to {GROUP_ID_MAX} characters"
        )
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    try:
        found = list_snapshots(client, group_id, module.params["snapshot_source"], module.params["name_prefix"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to list the ElastiCache snapshots (DescribeSnapshots)")
    snapshots = [
        camel_dict_to_snake_dict({k: v for k, v in snap.items() if k != "NodeSnapshots"}, ignore_list=["Tags"])
        for snap in found
    ]
    module.exit_json(changed=False, snapshots=sorted(snapshots, key=lambda s: s.get("snapshot_name", "")))


if __name__ == "__main__":
    main()
