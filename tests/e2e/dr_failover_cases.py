"""DR failover, failback and their second deploys on the pilot-light stack of tests/e2e/test_dr.py
(issue 14). Imported at the END of test_dr.py (``from tests.e2e.dr_failover_cases import *``), so
these tests run after the pilot light's on the module-scoped ``dr_stack`` fixture. Owned by the failover work.

In order: a failover is refused while the primary is healthy; a forced failover promotes the DR database,
points the DR secrets at it, runs the DR services at their counts and records the state; a second failover
is a no-op; a provision while failed over changes nothing; the failback rebuilds the primary database from
the DR one (old instances retired and kept), rolls the primary, scales the DR region back to its pilot light
with a new replica; a provision afterwards changes nothing.
"""

from __future__ import annotations

import http.server
import json
import re
import threading

import pytest
from botocore.exceptions import ClientError

STACK = "drill-local"
PRIMARY = "eu-west-1"
DR = "eu-central-1"
DR_TAGS = "network,storage,identity,database,ecs_service,dr,dns"
DB_SECRETS = (f"{STACK}/database/url", f"{STACK}/database/master", f"{STACK}/database/app")
PROD_COUNTS = {f"{STACK}-web": (2, 2, 4), f"{STACK}-worker": (1, 1, 2)}
TAG = "2026.12.04-dr01"


class _Health(http.server.BaseHTTPRequestHandler):
    """The reference app's /health answer, healthy (test_dr provisions only: its local Fargate does not serve the app)."""

    def do_GET(self):  # noqa: N802 - http.server's name
        body = json.dumps({"status": "ok", "components": {"database": {"status": "ok"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def app_url():
    """A stand-in for the stack's app answering healthy on loopback: the health checks of the failover
    (the primary's, the DR region's) and of the failback poll it through healthcheck_base_url."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _dr(stack, playbook: str, app_url: str, *args: str):
    return stack.run(playbook, "-e", f"healthcheck_base_url={app_url}", *args)


def _db(stack, region: str, identifier: str) -> dict | None:
    try:
        return stack.client("rds", region).describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    except ClientError as err:
        if err.response["Error"]["Code"] == "DBInstanceNotFound":
            return None
        raise


def _instances(stack, region: str, pattern: str) -> list[dict]:
    found = stack.client("rds", region).describe_db_instances()["DBInstances"]
    return [i for i in found if re.fullmatch(pattern, i["DBInstanceIdentifier"])]


def _tags(stack, region: str, arn: str) -> dict:
    tags = stack.client("rds", region).list_tags_for_resource(ResourceName=arn)["TagList"]
    return {t["Key"]: t["Value"] for t in tags}


def _counts(stack, region: str) -> dict:
    """service -> (desired, min, max) in ``region``."""
    ecs = stack.client("ecs", region)
    services = ecs.describe_services(cluster=STACK, services=list(PROD_COUNTS))["services"]
    targets = {
        t["ResourceId"].rsplit("/", 1)[-1]: (t["MinCapacity"], t["MaxCapacity"])
        for t in stack.client("application-autoscaling", region).describe_scalable_targets(ServiceNamespace="ecs")[
            "ScalableTargets"
        ]
        if t["ResourceId"].startswith(f"service/{STACK}/")
    }
    return {s["serviceName"]: (s["desiredCount"], *targets.get(s["serviceName"], (None, None))) for s in services}


def _state(stack) -> dict:
    try:
        value = stack.client("ssm", DR).get_parameter(Name=f"/platform/{STACK}/dr/state")["Parameter"]["Value"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "ParameterNotFound":
            return {}
        raise
    return json.loads(value)


def _secret(stack, region: str, name: str) -> str:
    return stack.client("secretsmanager", region).get_secret_value(SecretId=name)["SecretString"]


def _assert_dr_copies(stack) -> None:
    """What the failover starts from, put there by the roles: the database secrets are replicas in the DR
    region (Secrets Manager replica regions) and every service's image is in the DR region's repository
    (ECR replication of the push after `--tags repositories`)."""
    dr = stack.client("secretsmanager", DR)
    for name in DB_SECRETS:
        assert dr.describe_secret(SecretId=name).get("PrimaryRegion") == PRIMARY, name
    ecr = stack.client("ecr", DR)
    for service in ("web", "worker"):
        images = ecr.describe_images(repositoryName=f"{STACK}/{service}")["imageDetails"]
        assert any(TAG in (i.get("imageTags") or []) for i in images), service


def _dns(stack) -> dict[str, str]:
    """{PRIMARY/SECONDARY: 'primary'|'dr'}: which load balancer each of the app's failover records aliases."""
    from tests.e2e.test_dr import alb_dns_name, alias_targets  # noqa: PLC0415 - test_dr imports this module

    albs = {alb_dns_name(stack, PRIMARY): "primary", alb_dns_name(stack, DR): "dr"}
    return {role: albs.get(target, target) for role, target in alias_targets(stack).items()}


def test_failover_is_refused_without_confirmation(dr_stack):
    run = dr_stack.run("playbooks/dr_failover.yml")
    assert run.returncode != 0
    assert f"-e confirm_failover={STACK}" in run.output
    assert _db(dr_stack, DR, f"{STACK}-db-dr").get("ReadReplicaSourceDBInstanceIdentifier")


def test_failover_is_refused_while_the_primary_is_healthy(dr_stack, app_url):
    _assert_dr_copies(dr_stack)
    run = _dr(dr_stack, "playbooks/dr_failover.yml", app_url, "-e", f"confirm_failover={STACK}")
    assert run.returncode != 0, run.tail(80)
    assert f"Refusing to fail {STACK} over: the primary in {PRIMARY} is healthy" in run.output, run.tail(80)
    assert _db(dr_stack, DR, f"{STACK}-db-dr").get("ReadReplicaSourceDBInstanceIdentifier")
    assert _state(dr_stack) == {}
    assert {name: c[0] for name, c in _counts(dr_stack, DR).items()} == dict.fromkeys(PROD_COUNTS, 0)


def test_forced_failover_promotes_points_scales_and_records(dr_stack, app_url):
    run = _dr(dr_stack, "playbooks/dr_failover.yml", app_url, "-e", f"confirm_failover={STACK}", "-e", "dr_force=true")
    assert run.returncode == 0, run.tail(200)
    for step in ("preflight", "promote", "secrets", "scale", "healthcheck", "state"):
        assert re.search(rf"Step {step}: [0-9.]+ s", run.output), step
    assert "RPO (replica lag at promotion)" in run.output and "RTO (start of the run" in run.output

    promoted = _db(dr_stack, DR, f"{STACK}-db-dr")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in promoted
    assert promoted["BackupRetentionPeriod"] >= 1
    primary = _db(dr_stack, PRIMARY, f"{STACK}-db")
    assert primary["ReadReplicaDBInstanceIdentifiers"] == []

    host = promoted["Endpoint"]["Address"]
    for name in DB_SECRETS:
        assert dr_stack.client("secretsmanager", DR).describe_secret(SecretId=name).get("PrimaryRegion", DR) == DR
    assert f"@{host}:" in _secret(dr_stack, DR, f"{STACK}/database/url")
    assert json.loads(_secret(dr_stack, DR, f"{STACK}/database/master"))["host"] == host
    assert json.loads(_secret(dr_stack, DR, f"{STACK}/database/app"))["host"] == host
    # the primary region's secrets are untouched
    assert f"@{primary['Endpoint']['Address']}:" in _secret(dr_stack, PRIMARY, f"{STACK}/database/url")

    assert _counts(dr_stack, DR) == PROD_COUNTS
    state = _state(dr_stack)
    assert state["active"] == "secondary" and state["by"] == "dr_failover"
    assert _dns(dr_stack) == {"PRIMARY": "dr", "SECONDARY": "dr"}  # DNS serves the DR ALB
    assert state["rto_seconds"] > 0


def test_a_second_failover_is_a_noop(dr_stack, app_url):
    run = _dr(dr_stack, "playbooks/dr_failover.yml", app_url, "-e", f"confirm_failover={STACK}")
    assert run.returncode == 0, run.tail(100)
    assert "has already failed over" in run.output
    assert run.changed_tasks() == [], run.changed_tasks()


def test_a_provision_while_failed_over_changes_nothing(dr_stack):
    run = dr_stack.run("playbooks/provision.yml", "--tags", DR_TAGS)
    assert run.returncode == 0, run.tail(150)
    assert run.changed_tasks() == [], run.changed_tasks()
    assert _counts(dr_stack, DR) == PROD_COUNTS
    assert "ReadReplicaSourceDBInstanceIdentifier" not in _db(dr_stack, DR, f"{STACK}-db-dr")
    assert _state(dr_stack)["active"] == "secondary"
    assert _dns(dr_stack) == {"PRIMARY": "dr", "SECONDARY": "dr"}


def test_failback_rebuilds_the_primary_and_the_pilot_light(dr_stack, app_url):
    run = _dr(dr_stack, "playbooks/dr_failback.yml", app_url, "-e", f"confirm_failback={STACK}")
    assert run.returncode == 0, run.tail(250)
    for step in ("rebuild", "database", "rollout", "healthcheck", "scale", "retire", "secrets", "state", "replica"):
        assert re.search(rf"Step {step}: [0-9.]+ s", run.output), step

    primary = _db(dr_stack, PRIMARY, f"{STACK}-db")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in primary
    assert primary["BackupRetentionPeriod"] >= 7
    assert _tags(dr_stack, PRIMARY, primary["DBInstanceArn"]).get("PlatformFailbackOf")
    (retired,) = _instances(dr_stack, PRIMARY, rf"{STACK}-db-retired-\d{{14}}")
    assert (
        _tags(dr_stack, PRIMARY, retired["DBInstanceArn"])["PlatformRetired"] == retired["DBInstanceIdentifier"][-14:]
    )
    (dr_retired,) = _instances(dr_stack, DR, rf"{STACK}-db-dr-retired-\d{{14}}")
    assert "ReadReplicaSourceDBInstanceIdentifier" not in dr_retired
    assert _tags(dr_stack, DR, dr_retired["DBInstanceArn"])["PlatformRetired"]

    replica = _db(dr_stack, DR, f"{STACK}-db-dr")
    assert replica["ReadReplicaSourceDBInstanceIdentifier"].endswith(f":db:{STACK}-db")
    assert replica["DBSubnetGroup"]["DBSubnetGroupName"] == f"{STACK}-db"

    host = primary["Endpoint"]["Address"]
    assert f"@{host}:" in _secret(dr_stack, PRIMARY, f"{STACK}/database/url")
    assert json.loads(_secret(dr_stack, PRIMARY, f"{STACK}/database/master"))["host"] == host
    for name in DB_SECRETS:
        assert dr_stack.client("secretsmanager", DR).describe_secret(SecretId=name)["PrimaryRegion"] == PRIMARY

    assert _counts(dr_stack, DR) == dict.fromkeys(PROD_COUNTS, (0, 0, 0))
    assert _state(dr_stack)["active"] == "primary"
    assert _dns(dr_stack) == {"PRIMARY": "primary", "SECONDARY": "dr"}


def test_a_second_failback_is_refused(dr_stack):
    run = dr_stack.run("playbooks/dr_failback.yml", "-e", f"confirm_failback={STACK}")
    assert run.returncode != 0
    assert f"{STACK} has not failed over" in run.output


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_a_provision_after_failback_changes_nothing(dr_stack, check):
    run = dr_stack.run("playbooks/provision.yml", "--tags", DR_TAGS, *(["--check", "--diff"] if check else []))
    assert run.returncode == 0, run.tail(150)
    assert run.changed_tasks() == [], run.changed_tasks()
    assert _counts(dr_stack, DR) == dict.fromkeys(PROD_COUNTS, (0, 0, 0))
