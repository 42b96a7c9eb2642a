"""platform_ops.aws.rds_replica_lag against the moto server (and the emulator's promotion fix)."""

from __future__ import annotations

import datetime
import uuid

MODULE = "rds_replica_lag"
DR = "us-west-2"


def _primary(aws, name: str) -> str:
    return aws("rds").create_db_instance(
        DBInstanceIdentifier=name,
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="dbadmin",
        MasterUserPassword="not-a-secret-123",
        BackupRetentionPeriod=7,
    )["DBInstance"]["DBInstanceArn"]


def _replica(aws, name: str, source_arn: str) -> None:
    aws("rds", DR).create_db_instance_read_replica(
        DBInstanceIdentifier=name, SourceDBInstanceIdentifier=source_arn, DBInstanceClass="db.t4g.micro"
    )


def test_a_cross_region_replica_reports_its_source_and_latest_lag(run_module, aws):
    name = f"lag-{uuid.uuid4().hex[:8]}"
    arn = _primary(aws, name)
    _replica(aws, f"{name}-dr", arn)
    now = datetime.datetime.now(datetime.UTC)
    aws("cloudwatch", DR).put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "ReplicaLag",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": f"{name}-dr"}],
                "Timestamp": now - datetime.timedelta(minutes=3),
                "Value": 9.0,
                "Unit": "Seconds",
            },
            {
                "MetricName": "ReplicaLag",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": f"{name}-dr"}],
                "Timestamp": now - datetime.timedelta(minutes=1),
                "Value": 2.0,
                "Unit": "Seconds",
            },
        ],
    )

    result = run_module(MODULE, {"region": DR, "db_instance_identifier": f"{name}-dr", "minutes": 10}, check_mode=True)
    assert not result.failed, result
    assert not result.changed
    assert result["exists"] and result["is_replica"]
    assert result["source"] == arn
    assert result["replication_status"] == "replicating"
    assert result["lag_seconds"] == 2.0

    primary = run_module(MODULE, {"db_instance_identifier": name})
    assert primary["exists"] and not primary["is_replica"]
    assert primary["source"] is None and primary["lag_seconds"] is None


def test_a_promoted_replica_is_standalone_with_backups(run_module, aws):
    name = f"lag-{uuid.uuid4().hex[:8]}"
    arn = _primary(aws, name)
    _replica(aws, f"{name}-dr", arn)
    aws("rds", DR).promote_read_replica(DBInstanceIdentifier=f"{name}-dr")

    result = run_module(MODULE, {"region": DR, "id": f"{name}-dr"})
    assert not result.failed, result
    assert not result["is_replica"]
    assert result["source"] is None and result["replication_status"] is None
    promoted = aws("rds", DR).describe_db_instances(DBInstanceIdentifier=f"{name}-dr")["DBInstances"][0]
    assert promoted["BackupRetentionPeriod"] >= 1
    assert "StatusInfos" not in promoted
    source = aws("rds").describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]
    assert source["ReadReplicaDBInstanceIdentifiers"] == []


def test_no_datapoint_is_an_unknown_lag(run_module, aws):
    name = f"lag-{uuid.uuid4().hex[:8]}"
    _replica(aws, f"{name}-dr", _primary(aws, name))
    result = run_module(MODULE, {"region": DR, "db_instance_identifier": f"{name}-dr", "minutes": 1})
    assert result["is_replica"] and result["lag_seconds"] is None


def test_a_missing_instance_is_reported_not_failed(run_module):
    result = run_module(MODULE, {"db_instance_identifier": "lag-missing"})
    assert not result.failed, result
    assert result["exists"] is False and result["is_replica"] is False


def test_bad_input_is_refused(run_module):
    assert "db_instance_identifier" in run_module(MODULE, {"db_instance_identifier": "1-bad--id"})["msg"]
    assert "minutes" in run_module(MODULE, {"db_instance_identifier": "ok", "minutes": 0})["msg"]
