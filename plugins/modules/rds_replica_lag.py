#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: rds_replica_lag
version_added: 0.1.0
short_description: Read the replication state and replica lag of an RDS instance
description:
  - Reads whether an RDS DB instance is a read replica (DescribeDBInstances C(StatusInfos) and
    C(ReadReplicaSourceDBInstanceIdentifier)) and its replica lag, the most recent datapoint of the
    CloudWatch metric C(AWS/RDS ReplicaLag) over the last O(minutes) minutes.
  - The DR failover uses it to measure the recovery point (RPO) just before it promotes the replica,
    and to tell a promoted instance (no longer a replica) from one that still replicates.
  - Read-only; M(amazon.aws.rds_instance_info) reports neither the lag nor a summary of the replication.
author: Platform Ops Maintainers (@platform-ops)
options:
  db_instance_identifier:
    description:
      - The DB instance identifier (1 to 63 letters, digits and hyphens, starting with a letter).
    type: str
    required: true
    aliases: [id]
  minutes:
    description:
      - How far back to look for a C(ReplicaLag) datapoint (1 to 1440). RDS publishes it every minute
        while the instance replicates.
    type: int
    default: 10
notes:
  - Supports C(check_mode) (it only reads).
  - An instance that does not exist is not an error; RV(exists) is then false.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Measure the DR replica's lag before promoting it
  platform_ops.aws.rds_replica_lag:
    region: us-west-2
    db_instance_identifier: caseapp-prod-db-dr
    minutes: 15
  register: replica

- name: Report the recovery point
  ansible.builtin.debug:
    msg: "RPO {{ replica.lag_seconds if replica.lag_seconds is not none else 'unknown' }} s"
"""

RETURN = r"""
exists:
  description: Whether the instance exists.
  returned: always
  type: bool
  sample: true
db_instance_status:
  description: The instance's status (C(available), C(modifying), ...).
  returned: always
  type: str
  sample: available
is_replica:
  description: Whether the instance is a read replica (it reports a replication status or a source).
  returned: always
  type: bool
  sample: true
source:
  description: The source instance of the replica (an ARN for a cross-region replica); null when it is not a replica.
  returned: always
  type: str
  sample: arn:aws:rds:us-east-1:123456789012:db:caseapp-prod-db
replication_status:
  description: The C(read replication) status (C(replicating), C(error), C(stopped), C(terminated)); null when none.
  returned: always
  type: str
  sample: replicating
lag_seconds:
  description: The most recent C(ReplicaLag) datapoint in seconds; null when CloudWatch has none in the window.
  returned: always
  type: float
  sample: 2.0
endpoint:
  description: The instance's endpoint address; null while it has none.
  returned: always
  type: str
  sample: caseapp-prod-db-dr.abcdefgh.us-west-2.rds.amazonaws.com
"""

import re

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.rds import (
    describe_instance,
    replica_lag,
    replication_state,
)

IDENTIFIER_RE = re.compile(r"^(arn:aws[a-z-]*:rds:[^:]+:\d{12}:db:)?[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
MINUTES_MAX = 1440


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            db_instance_identifier=dict(type="str", required=True, aliases=["id"]),
            minutes=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    identifier = module.params["db_instance_identifier"]
    minutes = module.params["minutes"]
    if not IDENTIFIER_RE.match(identifier):
        module.fail_json(
            msg=f"db_instance_identifier {identifier!r} is not an RDS instance identifier: 1 to 63 letters, digits "
            "and hyphens starting with a letter, no '--' nor trailing hyphen"
        )
    if not 1 <= minutes <= MINUTES_MAX:
        module.fail_json(msg=f"minutes must be between 1 and {MINUTES_MAX}, got {minutes}")

    rds = module.client("rds", retry_decorator=AWSRetry.jittered_backoff())
    cloudwatch = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    try:
        instance = describe_instance(rds, identifier)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the RDS instance {identifier}")
    if instance is None:
        module.exit_json(
            changed=False,
            exists=False,
            db_instance_status=None,
            is_replica=False,
            source=None,
            replication_status=None,
            lag_seconds=None,
            endpoint=None,
        )
    is_replica, source, status = replication_state(instance)
    lag = None
    if is_replica:
        try:
            lag = replica_lag(cloudwatch, instance["DBInstanceIdentifier"], minutes)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to read the ReplicaLag metric of {identifier}")
    module.exit_json(
        changed=False,
        exists=True,
        db_instance_status=instance.get("DBInstanceStatus"),
        is_replica=is_replica,
        source=source,
        replication_status=status,
        lag_seconds=lag,
        endpoint=(instance.get("Endpoint") or {}).get("Address"),
    )


if __name__ == "__main__":
    main()
