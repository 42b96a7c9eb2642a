#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_replica_promote
version_added: 0.1.0
short_description: Promote Secrets Manager replica secrets to standalone secrets of their region, or replicate them again
description:
  - With O(state=promoted) (the default), ensures that each secret of O(secrets), in the module's region, is
    a standalone (primary) secret.
    A replica secret (DescribeSecret reports another C(PrimaryRegion)) is promoted with
    StopReplicationToReplica, which removes the link to the primary secret; its name, ARN, value,
    versions and tags stay the same, so task definitions that name the replica's ARN keep working.
  - AWS refuses to write a replica secret (PutSecretValue, UpdateSecret); after a regional failover the
    DR region's secrets are promoted with this module and can then be rewritten.
  - A secret that is already standalone is left alone (idempotent). One call converges the whole set.
  - With O(state=replicated), ensures that each secret of O(secrets) in the module's region is again a replica
    of the secret of the same name in O(primary_region); for a standalone one, ReplicateSecretToRegions is
    called on the primary secret with C(ForceOverwriteReplicaSecret) (the standalone copy in the module's
    region is replaced by the replica, its value by the primary's). The DR failback uses it once the
    primary region's secrets are current again.
author: Platform Ops Maintainers (@platform-ops)
options:
  secrets:
    description:
      - Names or ARNs of the secrets, in the module's region.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(promoted) - every secret is standalone in the module's region.
      - V(replicated) - every secret is a replica of its namesake in O(primary_region).
    type: str
    choices: [promoted, replicated]
    default: promoted
  primary_region:
    description:
      - The region of the primary secrets (O(state=replicated), where it is required).
    type: str
  replica_kms_key_id:
    description:
      - KMS key (of the module's region) that encrypts the replicas made with O(state=replicated).
      - Unset - the standalone secret's current key when it is a key of the module's region, else the
        region's V(alias/aws/secretsmanager).
    type: str
  missing:
    description:
      - What to do about a secret that does not exist in the region. V(fail) fails before promoting
        anything; V(ignore) reports it in RV(missing) and promotes the others.
    type: str
    choices: [fail, ignore]
    default: fail
notes:
  - Supports C(check_mode) and C(diff) (C(before)/C(after) map each secret to its primary region).
  - Promotion is not reversible by this module; see the DR runbook for re-replication.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the DR region's copies of the database secrets are standalone (writable)
  platform_ops.aws.secretsmanager_replica_promote:
    region: us-west-2
    secrets:
      - caseapp-prod/DATABASE_URL
      - caseapp-prod/DATABASE_MASTER
      - caseapp-prod/database/app

- name: Ensure they are replicas of the primary region's secrets again (failback)
  platform_ops.aws.secretsmanager_replica_promote:
    region: us-west-2
    state: replicated
    primary_region: us-east-1
    replica_kms_key_id: arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    secrets:
      - caseapp-prod/DATABASE_URL
"""

RETURN = r"""
secrets:
  description: Each secret found, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The secret's name.
      type: str
      sample: caseapp-prod/DATABASE_URL
    arn:
      description: The secret's ARN in the module's region (unchanged by the promotion).
      type: str
      sample: arn:aws:secretsmanager:us-west-2:123456789012:secret:caseapp-prod/DATABASE_URL-AbCdEf
    primary_region:
      description: The region of its primary secret before this run (the module's region when standalone).
      type: str
      sample: us-east-1
    promoted:
      description: Whether this run promoted it (in check mode, whether it would).
      type: bool
      sample: true
    replicated:
      description: Whether this run made it a replica again (in check mode, whether it would).
      type: bool
      sample: false
promoted:
  description: Names of the secrets promoted by this run (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [caseapp-prod/DATABASE_URL]
replicated:
  description: Names of the secrets made replicas again by this run (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: []
missing:
  description: Names given that do not exist in the region (with O(missing=ignore)).
  returned: always
  type: list
  elements: str
  sample: []
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


@AWSRetry.jittered_backoff()
def _describe_secret(client, secret_id):
    return client.describe_secret(SecretId=secret_id)


@AWSRetry.jittered_backoff()
def _stop_replication(client, secret_id):
    return client.stop_replication_to_replica(SecretId=secret_id)


@AWSRetry.jittered_backoff()
def _replicate(client, secret_id, region, kms_key_id):
    replica = {"Region": region}
    if kms_key_id:
        replica["KmsKeyId"] = kms_key_id
    return client.replicate_secret_to_regions(
        SecretId=secret_id, AddReplicaRegions=[replica], ForceOverwriteReplicaSecret=True
    )


def replica_key(described, region, wanted):
    """The KMS key of a new replica in ``region``: ``wanted``, else the secret's own key when it is of ``region``."""
    if wanted:
        return wanted
    current = described.get("KmsKeyId") or ""
    return current if current.startswith("arn:aws") and f":kms:{region}:" in current else None


def describe(client, secret_id):
    try:
        return _describe_secret(client, secret_id)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            secrets=dict(type="list", elements="str", required=True, no_log=False),
            missing=dict(type="str", choices=["fail", "ignore"], default="fail"),
            state=dict(type="str", choices=["promoted", "replicated"], default="promoted"),
            primary_region=dict(type="str"),
            replica_kms_key_id=dict(type="str", no_log=False),
        ),
        required_if=[("state", "replicated", ["primary_region"])],
        supports_check_mode=True,
    )
    wanted = [s.strip() for s in module.params["secrets"]]
    if not wanted or any(not s for s in wanted):
        module.fail_json(msg="secrets must be a non-empty list of secret names or ARNs (no empty entry)")
    region = module.region
    state = module.params["state"]
    primary_region = module.params["primary_region"]
    if state == "replicated" and primary_region == region:
        module.fail_json(
            msg=f"primary_region {primary_region} is the module's own region: a secret cannot replicate to itself"
        )
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())

    found, missing = [], []
    for secret_id in dict.fromkeys(wanted):
        try:
            described = describe(client, secret_id)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to describe the secret {secret_id} in {region}")
        if described is None or described.get("DeletedDate"):
            missing.append(secret_id)
        else:
            found.append(described)
    if missing and module.params["missing"] == "fail":
        module.fail_json(
            msg=f"No secret {', '.join(missing)} in {region}: nothing was promoted (missing=ignore promotes the others)",
            missing=missing,
        )

    results, promoted, replicated = [], [], []
    primary_client = (
        module.client("secretsmanager", region=primary_region, retry_decorator=AWSRetry.jittered_backoff())
        if state == "replicated"
        else None
    )
    for described in found:
        name = described["Name"]
        primary = described.get("PrimaryRegion") or region
        to_promote = state == "promoted" and primary != region
        to_replicate = state == "replicated" and primary != primary_region
        try:
            if to_promote:
                promoted.append(name)
                if not module.check_mode:
                    _stop_replication(client, described["ARN"])
            if to_replicate:
                replicated.append(name)
                if not module.check_mode:
                    if primary != region:
                        module.fail_json(
                            msg=f"{name} in {region} is a replica of {primary}, not of {primary_region}: promote it first",
                            promoted=promoted,
                            replicated=replicated[:-1],
                        )
                    _replicate(
                        primary_client,
                        name,
                        region,
                        replica_key(described, region, module.params["replica_kms_key_id"]),
                    )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e,
                msg=f"Failed to {'promote' if to_promote else 'replicate'} the secret {name} in {region}",
                promoted=promoted[:-1] if to_promote else promoted,
                replicated=replicated[:-1] if to_replicate else replicated,
            )
        results.append(
            {
                "name": name,
                "arn": described["ARN"],
                "primary_region": primary,
                "promoted": to_promote,
                "replicated": to_replicate,
            }
        )

    after = region if state == "promoted" else primary_region
    diff = {
        "before": {r["name"]: r["primary_region"] for r in results},
        "after": {r["name"]: after for r in results},
    }
    module.exit_json(
        changed=bool(promoted or replicated),
        secrets=results,
        promoted=promoted,
        replicated=replicated,
        missing=missing,
        diff=diff,
    )


if __name__ == "__main__":
    main()
