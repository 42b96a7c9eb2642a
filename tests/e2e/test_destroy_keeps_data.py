"""destroy.yml keeps the data, like CloudFormation's Retain/Snapshot policies (issue 12, item 1).

One module-scoped prod stack (``tests/e2e/inventories/keepdata``: one service, two AZs) on
its OWN moto launcher (AWS's rules on), its own PostgreSQL and reference app. Tests run in file
order: deploy and put a document -> plain destroy keeps the final snapshots (timestamped, key
Enabled), the buckets with their objects, the audit log groups and the user pool -> a second plain
destroy succeeds -> destroy_data with a wrong (or without an) account is refused before any delete
-> with the right account nothing tagged is left.
"""

from __future__ import annotations

import re

import boto3
import pytest

from tests.conftest import api_operations, moto_server, operations_delta
from tests.e2e.stack import RETRIES, LocalStack, local_ecr, tagged
from tests.helpers import self_signed_certificate

NAME, ENV = "vault", "prod"
STACK = f"{NAME}-{ENV}"
REGION = "us-east-2"
INVENTORY = "tests/e2e/inventories/keepdata"
TAG = "2026.12.03-keep01"
DOCUMENT = "patients/0001/intake.pdf"
TIMESTAMPED = r"\d{14}"  # UTC YYYYmmddHHMMSS
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("destroy")]


@pytest.fixture(scope="module")
def keep_endpoint(tmp_path_factory):
    log = tmp_path_factory.mktemp("moto-keep") / "moto.log"
    with moto_server(log, PLATFORM_LOCAL_RULES="all", MOTO_ECS_SERVICE_RUNNING="1") as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def stack(keep_endpoint):
    cert, key = self_signed_certificate("app.vault.example.org")
    acm = boto3.client("acm", region_name=REGION, endpoint_url=keep_endpoint, config=RETRIES)
    arn = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    local = LocalStack(keep_endpoint, inventory=INVENTORY, region=REGION, env={"PLATFORM_IT_CERTIFICATE_ARN": arn})
    try:
        yield local
    finally:
        local.close()


def _destroy(stack: LocalStack, *extra: str):
    return stack.run("playbooks/destroy.yml", "-e", f"confirm_destroy={STACK}", *extra, timeout=600)


def _buckets(stack: LocalStack) -> list[str]:
    return [b["Name"] for b in stack.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{STACK}-")]


def _documents_bucket(stack: LocalStack) -> str:
    (bucket,) = [b for b in _buckets(stack) if b.startswith(f"{STACK}-documents")]
    return bucket


def _log_groups(stack: LocalStack) -> list[str]:
    pages = stack.client("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=f"/platform/{STACK}/")
    return [g["logGroupName"] for page in pages for g in page["logGroups"]]


def _db_final_snapshots(stack: LocalStack) -> list[dict]:
    snapshots = stack.client("rds").describe_db_snapshots(DBInstanceIdentifier=f"{STACK}-db", SnapshotType="manual")
    return [s for s in snapshots["DBSnapshots"] if s["DBSnapshotIdentifier"].startswith(f"{STACK}-db-final-")]


def _cache_final_snapshots(stack: LocalStack) -> list[dict]:
    snapshots = stack.client("elasticache").describe_snapshots()["Snapshots"]
    return [s for s in snapshots if s["SnapshotName"].startswith(f"{STACK}-cache-final-")]


def _pools(stack: LocalStack) -> list[dict]:
    return [
        p
        for p in stack.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
        if p["Name"] == f"{STACK}-users"
    ]


def _deletes(before: dict, after: dict) -> dict:
    return {op: n for op, n in operations_delta(before, after).items() if ".Delete" in op or ".Schedule" in op}


def test_deploy_the_prod_stack_and_store_a_document(stack):
    repositories = stack.run("deploy.yml", "--tags", "repositories")
    assert repositories.returncode == 0, repositories.tail(150)
    local_ecr.push_images(stack.endpoint, REGION, [f"{STACK}/api"], TAG)
    # What destroy handles is what provision makes; the release stages (migration, rollout, health
    # check) and the audit are tested elsewhere.
    deployed = stack.run(
        "deploy.yml", "--skip-tags", "migrate,db_bootstrap,rollout,healthcheck,compliance", timeout=900
    )
    assert deployed.returncode == 0, deployed.tail(150)
    stack.client("s3").put_object(Bucket=_documents_bucket(stack), Key=DOCUMENT, Body=b"%PDF-1.7 intake form")


def test_plain_destroy_removes_the_stack_and_keeps_the_data(stack):
    destroyed = _destroy(stack)
    assert destroyed.returncode == 0, destroyed.tail(150)

    # Compute, network and the database instance are gone.
    assert not stack.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [NAME]}])["Vpcs"]
    clusters = stack.client("ecs").describe_clusters(clusters=[STACK])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in clusters), clusters
    assert [i["DBInstanceIdentifier"] for i in stack.client("rds").describe_db_instances()["DBInstances"]] == []

    # The final snapshots are kept, named with a UTC timestamp, their key still usable.
    (snapshot,) = _db_final_snapshots(stack)
    assert re.fullmatch(rf"{STACK}-db-final-{TIMESTAMPED}", snapshot["DBSnapshotIdentifier"]), snapshot
    assert snapshot["Encrypted"] and snapshot["KmsKeyId"], snapshot
    key = stack.client("kms").describe_key(KeyId=snapshot["KmsKeyId"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled", key
    (cache_snapshot,) = _cache_final_snapshots(stack)
    assert re.fullmatch(rf"{STACK}-cache-final-{TIMESTAMPED}", cache_snapshot["SnapshotName"]), cache_snapshot

    # Every bucket with its objects (the six of the storage role and the security baseline's trail
    # bucket), the audit log groups, the user pool (protected) are kept.
    buckets = _buckets(stack)
    assert len(buckets) == 7 and len([b for b in buckets if b.startswith(f"{STACK}-trail-")]) == 1, buckets
    body = stack.client("s3").get_object(Bucket=_documents_bucket(stack), Key=DOCUMENT)["Body"].read()
    assert body == b"%PDF-1.7 intake form"
    groups = _log_groups(stack)
    assert f"/platform/{STACK}/vpc-flow-logs" in groups and f"/platform/{STACK}/api" in groups, groups
    assert f"/platform/{STACK}/db-bootstrap" in groups, groups
    assert f"/platform/{STACK}/cloudtrail" in groups, groups
    (pool,) = _pools(stack)
    described = stack.client("cognito-idp").describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described.get("DeletionProtection") == "ACTIVE", described.get("DeletionProtection")
    master = stack.client("secretsmanager").describe_secret(SecretId=f"{STACK}/database/master")
    assert "DeletedDate" not in master, master

    # The table of what was kept names the snapshot, its key, the bucket and the pool.
    assert "Kept by destroy" in destroyed.output
    for kept in (snapshot["DBSnapshotIdentifier"], key["KeyId"], _documents_bucket(stack), pool["Id"]):
        assert kept in destroyed.output, kept
    # ... and the security baseline's key and AWS Backup vault (its recovery points).
    baseline_key = stack.client("kms").describe_key(KeyId=f"alias/{STACK}-baseline")["KeyMetadata"]
    assert baseline_key["KeyState"] == "Enabled" and baseline_key["KeyId"] in destroyed.output, baseline_key
    assert f"backup vault | {STACK}-vault" in destroyed.output, destroyed.tail(60)


def test_a_second_plain_destroy_succeeds_and_keeps_the_data(stack):
    again = _destroy(stack)
    assert again.returncode == 0, again.tail(150)
    assert len(_db_final_snapshots(stack)) == 1
    assert stack.client("s3").head_object(Bucket=_documents_bucket(stack), Key=DOCUMENT)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (("-e", "destroy_data=true", "-e", "confirm_account=000000000000"), "credentials are of account"),
        (("-e", "destroy_data=true"), "confirm_account is missing"),
        (("-e", "confirm_account=123456789012"), "without destroy_data"),
    ],
    ids=["wrong-account", "no-account", "account-without-destroy-data"],
)
def test_destroy_data_without_the_right_account_is_refused_before_any_delete(stack, extra, named):
    before = api_operations(stack.endpoint)
    refused = _destroy(stack, *extra)
    after = api_operations(stack.endpoint)
    assert refused.returncode != 0
    assert named in refused.output and "confirm_account" in refused.output, refused.tail(40)
    assert _deletes(before, after) == {}
    assert stack.client("s3").head_object(Bucket=_documents_bucket(stack), Key=DOCUMENT)
    assert len(_db_final_snapshots(stack)) == 1


def test_destroy_data_with_the_account_leaves_nothing_tagged(stack):
    account = stack.client("sts").get_caller_identity()["Account"]
    destroyed = _destroy(stack, "-e", "destroy_data=true", "-e", f"confirm_account={account}")
    assert destroyed.returncode == 0, destroyed.tail(150)
    assert tagged(stack, NAME, ENV, ("us-east-1",)) == []  # CloudFront's access logs live in us-east-1
    assert _buckets(stack) == []
    assert _log_groups(stack) == []
    assert _db_final_snapshots(stack) == [] and _cache_final_snapshots(stack) == []
    assert _pools(stack) == []
    keys = stack.client("kms").list_aliases()["Aliases"]
    (alias,) = [a for a in keys if a["AliasName"] == f"alias/{STACK}"]
    assert stack.client("kms").describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
