"""playbooks/db_restore.yml on the deployed local stack of tests/e2e/test_rotate_secrets.py (issue 14, item 5).

These functions take that module's ``stack`` fixture (the shared ``app_stack``): test_rotate_secrets.py imports
them at its end, so they run after the rotation, on the same deployed stack and moto server. Order: restore (latest) and check without a swap
-> confirmed swap and rollout -> a database provision changes nothing -> cleanup (final snapshot, then deleted).
Secret values are compared through SHA-256 digests and never printed.
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.conftest import api_operations, operations_delta

STACK = "caseapp-local"  # inventories/local
PRIMARY = f"{STACK}-db"
DATABASE_URL = f"{STACK}/database/url"
MASTER = f"{STACK}/database/master"
RESTORE_URL = f"{STACK}/db/restore-url"
DB_SERVICES = (f"{STACK}-backend", f"{STACK}-media-processor")  # both use the database (inventories/local)


def _instances(stack, pattern: str) -> list[dict]:
    pages = stack.client("rds").get_paginator("describe_db_instances").paginate()
    return [db for page in pages for db in page["DBInstances"] if re.fullmatch(pattern, db["DBInstanceIdentifier"])]


def _instance(stack, identifier: str) -> dict:
    return stack.client("rds").describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


def _tags(db: dict) -> dict:
    return {t["Key"]: t["Value"] for t in db.get("TagList", [])}


def _secret(stack, name: str) -> str:
    return stack.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _url_host(stack) -> str:
    return urlsplit(_secret(stack, DATABASE_URL)).hostname


def _restored_id(stack) -> str:
    (restored,) = _instances(stack, rf"{PRIMARY}-restore-\d{{14}}")
    return restored["DBInstanceIdentifier"]


def test_restore_refuses_a_bad_time_and_check_mode_changes_nothing(stack):
    before = api_operations(stack.endpoint)
    run = stack.run("playbooks/db_restore.yml", "-e", "restore_time=2020-01-01T00:00:00Z")
    assert run.returncode != 0
    assert "outside the restorable window" in run.output, run.tail(40)
    bad = stack.run("playbooks/db_restore.yml", "-e", "restore_time=2026-12-01 10:00")
    assert bad.returncode != 0 and "must be latest or a UTC time" in bad.output, bad.tail(40)
    # check mode: says what it would restore, changes nothing
    check = stack.run("playbooks/db_restore.yml", "--check", "--diff", "-e", "restore_time=latest")
    assert check.returncode == 0 and "Check mode: would check" in check.output, check.tail(40)
    assert "rds.RestoreDBInstanceToPointInTime" not in operations_delta(before, api_operations(stack.endpoint))
    assert _instances(stack, rf"{PRIMARY}-restore-.*") == []


def test_restore_latest_checks_without_swapping(stack):
    primary = _instance(stack, PRIMARY)
    url = _digest(_secret(stack, DATABASE_URL))
    before = api_operations(stack.endpoint)

    run = stack.run("playbooks/db_restore.yml", "-e", "restore_time=latest")
    assert run.returncode == 0, run.tail(80)
    delta = operations_delta(before, api_operations(stack.endpoint))
    assert delta.get("rds.RestoreDBInstanceToPointInTime") == 1, delta

    restored_id = _restored_id(stack)
    restored = _instance(stack, restored_id)
    assert _tags(restored)["PlatformRestoredFrom"] == PRIMARY
    assert "ReadReplicaSourceDBInstanceIdentifier" not in restored  # a standalone instance, not a replica
    assert restored["DBInstanceStatus"] == "available"
    assert restored["Engine"] == primary["Engine"] == "postgres"
    assert restored["KmsKeyId"] == primary["KmsKeyId"] and restored["StorageEncrypted"]
    assert restored["DBSubnetGroup"]["DBSubnetGroupName"] == primary["DBSubnetGroup"]["DBSubnetGroupName"]
    assert [g["VpcSecurityGroupId"] for g in restored["VpcSecurityGroups"]] == [
        g["VpcSecurityGroupId"] for g in primary["VpcSecurityGroups"]
    ]
    for key in ("DBInstanceClass", "MultiAZ", "DeletionProtection", "BackupRetentionPeriod", "MaxAllocatedStorage"):
        assert restored.get(key) == primary.get(key), key
    assert {k: v for k, v in _tags(primary).items() if k != "Name"}.items() <= _tags(restored).items()

    # the check ran as a one-off task with DATABASE_URL from the temporary secret (the local Fargate ran its command)
    assert delta.get("ecs.RunTask") == 1, delta
    taskdef = stack.client("ecs").describe_task_definition(taskDefinition=f"{STACK}-db-restore-check")["taskDefinition"]
    (container,) = taskdef["containerDefinitions"]
    assert [s["name"] for s in container["secrets"]] == ["DATABASE_URL"]
    assert container["secrets"][0]["valueFrom"].split(":secret:")[1].startswith(RESTORE_URL + "-")
    assert urlsplit(_secret(stack, RESTORE_URL)).hostname == restored["Endpoint"]["Address"]
    assert "passed the check" in run.output
    # the check's read access was withdrawn
    role = taskdef["executionRoleArn"].split("/")[-1]
    assert "db-restore-check" not in stack.client("iam").list_role_policies(RoleName=role)["PolicyNames"]

    # nothing swapped; the command that confirms is printed; no secret value leaked
    assert _digest(_secret(stack, DATABASE_URL)) == url
    assert _instance(stack, PRIMARY)["InstanceCreateTime"] == primary["InstanceCreateTime"]
    assert f"-e confirm_restore={restored_id}" in run.output
    for name in (DATABASE_URL, RESTORE_URL, MASTER):
        assert _secret(stack, name) not in run.output, name
    assert delta.get("ecs.UpdateService") is None, delta


def test_confirmed_restore_swaps_and_rolls_the_services(stack):
    restored_id = _restored_id(stack)
    old = _instance(stack, PRIMARY)
    restored_created = _instance(stack, restored_id)["InstanceCreateTime"]
    before = api_operations(stack.endpoint)

    run = stack.run("playbooks/db_restore.yml", "-e", f"confirm_restore={restored_id}")
    assert run.returncode == 0, run.tail(80)
    delta = operations_delta(before, api_operations(stack.endpoint))
    assert "rds.RestoreDBInstanceToPointInTime" not in delta, delta  # resumed: no second restore

    # the restored instance is {prefix}-db now; the old one is retired, tagged and kept (its protection as it was)
    current = _instance(stack, PRIMARY)
    assert current["InstanceCreateTime"] == restored_created
    assert _tags(current)["PlatformRestoredFrom"] == PRIMARY
    assert _instances(stack, rf"{PRIMARY}-restore-.*") == []
    (retired,) = _instances(stack, rf"{PRIMARY}-retired-\d{{14}}")
    assert retired["InstanceCreateTime"] == old["InstanceCreateTime"]
    assert _tags(retired)["PlatformRetired"] == retired["DBInstanceIdentifier"].rsplit("-", 1)[1]
    assert retired["DeletionProtection"] == old["DeletionProtection"]

    # DATABASE_URL and the master secret name the endpoint of the (new) {prefix}-db; the temporary secret is gone
    endpoint = current["Endpoint"]["Address"]
    assert _url_host(stack) == endpoint
    assert json.loads(_secret(stack, MASTER))["host"] == endpoint
    with pytest.raises(ClientError):
        _secret(stack, RESTORE_URL)

    # the services that read DATABASE_URL ran new tasks of the same task definition and completed
    assert delta.get("ecs.UpdateService") == len(DB_SERVICES), delta
    services = stack.client("ecs").describe_services(cluster=STACK, services=list(DB_SERVICES))["services"]
    for service in services:
        primary_deployment = next(d for d in service["deployments"] if d["status"] == "PRIMARY")
        assert primary_deployment["rolloutState"] == "COMPLETED", service["serviceName"]
    assert "Swapped:" in run.output


def test_a_database_provision_after_the_swap_changes_nothing(stack):
    run = stack.run("deploy.yml", "--tags", "database")
    assert run.returncode == 0, run.tail(80)
    assert run.recap["changed"] == 0, run.changed_tasks()


def test_cleanup_snapshots_then_deletes_the_retired_instance(stack):
    (retired,) = _instances(stack, rf"{PRIMARY}-retired-\d{{14}}")
    name = retired["DBInstanceIdentifier"]

    refused = stack.run("playbooks/db_restore.yml", "-e", "restore_cleanup=true")
    assert refused.returncode != 0 and f"confirm_cleanup={STACK}" in refused.output, refused.tail(40)
    kept = stack.run(
        "playbooks/db_restore.yml", "-e", "restore_cleanup=true", "-e", f"confirm_cleanup={STACK}"
    )  # retired just now: within the default 7 days
    assert kept.returncode == 0, kept.tail(60)
    assert _instances(stack, re.escape(name))

    run = stack.run(
        "playbooks/db_restore.yml",
        "-e",
        "restore_cleanup=true",
        "-e",
        f"confirm_cleanup={STACK}",
        "-e",
        "restore_retired_keep_days=0",
    )
    assert run.returncode == 0, run.tail(60)
    assert _instances(stack, re.escape(name)) == []
    snapshots = stack.client("rds").describe_db_snapshots(DBInstanceIdentifier=name)["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots if s["DBSnapshotIdentifier"].startswith(f"{name}-final-")]
    assert _instance(stack, PRIMARY)  # the primary stays
