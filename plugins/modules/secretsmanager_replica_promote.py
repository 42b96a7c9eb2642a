#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_replica_promote
version_added: 0.1.0
short_description: Promote Secrets Manager replica secrets to standalone secrets of their region
description:
  - Ensures that each secret of O(secrets), in the module's region, is a standalone (primary) secret.
    A replica secret (DescribeSecret reports another C(PrimaryRegion)) is promoted with
    StopReplicationToReplica, which removes the link to the primary secret; its name, ARN, value,
    versions and tags stay the same, so task definitions that name the replica's ARN keep working.
  - AWS refuses to write a replica secret (PutSecretValue, UpdateSecret); after a regional failover the
    DR region's secrets are promoted with this module and can then be rewritten.
  - A secret that is already standalone is left alone (idempotent). One call converges the whole set.
  - Re-replicating a promoted secret later needs the secret of the same name in the other region to be
    deleted or overwritten (ReplicateSecretToRegions with ForceOverwriteReplicaSecret).
author: Platform Ops Maintainers (@platform-ops)
options:
  secrets:
    description:
      - Names or ARNs of the secrets, in the module's region.
    type: list
    elements: str
    required: true
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
promoted:
  description: Names of the secrets promoted by this run (would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [caseapp-prod/DATABASE_URL]
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
        ),
        supports_check_mode=True,
    )
    wanted = [s.strip() for s in module.params["secrets"]]
    if not wanted or any(not s for s in wanted):
        module.fail_json(msg="secrets must be a non-empty list of secret names or ARNs (no empty entry)")
    region = module.region
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

    results, promoted = [], []
    for described in found:
        primary = described.get("PrimaryRegion") or region
        is_replica = primary != region
        if is_replica:
            promoted.append(described["Name"])
            if not module.check_mode:
                try:
                    _stop_replication(client, described["ARN"])
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    module.fail_json_aws(
                        e,
                        msg=f"Failed to promote the replica secret {described['Name']} in {region}",
                        promoted=promoted[:-1],
                    )
        results.append(
            {"name": described["Name"], "arn": described["ARN"], "primary_region": primary, "promoted": is_replica}
        )

    diff = {
        "before": {r["name"]: r["primary_region"] for r in results},
        "after": {r["name"]: region for r in results},
    }
    module.exit_json(changed=bool(promoted), secrets=results, promoted=promoted, missing=missing, diff=diff)


if __name__ == "__main__":
    main()
