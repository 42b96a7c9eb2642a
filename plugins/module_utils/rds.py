# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""RDS helpers for platform_ops.aws.rds_replica_lag.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors and
report them with ``module.fail_json_aws``. ``replication_state`` and ``latest_datapoint`` are pure.
"""

from __future__ import annotations

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# RDS instance identifiers: 1-63 letters, digits and hyphens, starting with a letter (an ARN is accepted too).
IDENTIFIER_MAX = 63


@AWSRetry.jittered_backoff()
def _describe_db_instances(client, **params):
    return client.describe_db_instances(**params)["DBInstances"]


@AWSRetry.jittered_backoff()
def _get_metric_statistics(client, **params):
    return client.get_metric_statistics(**params)["Datapoints"]


def describe_instance(client, identifier):
    """The instance ``identifier`` (DescribeDBInstances), or None when there is none."""
    try:
        found = _describe_db_instances(client, DBInstanceIdentifier=identifier)
    except is_boto3_error_code("DBInstanceNotFound"):
        return None
    return found[0] if found else None


def replication_state(instance):
    """``(is_replica, source, status)`` of a DescribeDBInstances entry.

    AWS reports ``StatusInfos`` (StatusType ``read replication``) and
    ``ReadReplicaSourceDBInstanceIdentifier`` on a read replica only; a promoted instance has neither.
    """
    source = instance.get("ReadReplicaSourceDBInstanceIdentifier") or None
    infos = [i for i in instance.get("StatusInfos") or [] if i.get("StatusType") == "read replication"]
    status = infos[0].get("Status") if infos else None
    return bool(source or infos), source, status


def latest_datapoint(datapoints):
    """The value of the most recent datapoint (Maximum, else Average), or None without any."""
    if not datapoints:
        return None
    newest = max(datapoints, key=lambda d: d["Timestamp"])
    value = newest.get("Maximum", newest.get("Average"))
    return None if value is None else float(value)


def replica_lag(cloudwatch, identifier, minutes, now=None):
    """The latest ``AWS/RDS ReplicaLag`` (seconds) of ``identifier`` in the last ``minutes``, or None."""
    end = now or datetime.datetime.now(datetime.timezone.utc)  # noqa: UP017 - datetime.UTC needs Python 3.11 on the target
    start = end - datetime.timedelta(minutes=minutes)
    datapoints = _get_metric_statistics(
        cloudwatch,
        Namespace="AWS/RDS",
        MetricName="ReplicaLag",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": identifier}],
        StartTime=start,
        EndTime=end,
        Period=60,
        Statistics=["Maximum", "Average"],
    )
    return latest_datapoint(datapoints)
