"""Harness shared by the whole-stack tests: a real PostgreSQL and the reference app on loopback
beside a moto server, playbook runs against one inventory, and the "what is left" probes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from tests.helpers import ROOT, playbook

sys.path.insert(0, str(ROOT / "scripts"))
import local_ecr  # noqa: E402
import local_postgres  # noqa: E402

__all__ = ["RETRIES", "LocalStack", "free_port", "gone", "local_ecr", "local_postgres", "tagged"]

# The harness's own calls retry like the playbooks' (the emulator may throttle them too).
RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 10})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStack:
    """PostgreSQL + the reference app on loopback for ``inventory``, whose AWS calls go to ``endpoint``."""

    def __init__(
        self, endpoint: str, inventory: str = "inventories/local", region: str = "us-east-1", env: dict | None = None
    ):
        self.endpoint = endpoint
        self.inventory = inventory
        self.region = region
        # The postgres account must be able to reach the data dir: mkdtemp makes 0700 (open it to 0711),
        # and a temp root that others cannot traverse (a /tmp left at 0700) is passed over for /var/tmp.
        root = Path(tempfile.gettempdir())
        if not root.stat().st_mode & 0o001 and Path("/var/tmp").is_dir():
            root = Path("/var/tmp")
        base = Path(tempfile.mkdtemp(prefix="platform-it-", dir=root))
        base.chmod(0o711)
        self.pg_data = base / "postgres"
        self.database_url = local_postgres.start(self.pg_data)
        self.app_port = free_port()
        self.env = {"PLATFORM_LOCAL_PG_DATA": str(self.pg_data), "PLATFORM_LOCAL_APP_PORT": str(self.app_port)}
        # Reports and outputs (compliance_report_dir, outputs_dir: under $PWD) of this stack alone: another
        # run of the same stack name elsewhere must not rewrite them between two runs of this one.
        (base / "work").mkdir()
        self.env["PWD"] = str(base / "work")
        # The local stack's own processes (`local_stack.py up`: Redis, the search stand-in, and the test's moto
        # server's local Fargate, which runs the tasks and serves the public service on PLATFORM_LOCAL_APP_PORT)
        # with a state dir and ports of this stack; the moto server is the test's (`up` finds it running on
        # PLATFORM_LOCAL_MOTO_PORT).
        self.env.update(
            PLATFORM_LOCAL_STATE=str(base / "state"),
            PLATFORM_LOCAL_SEARCH_PORT=str(free_port()),
            PLATFORM_LOCAL_REDIS_PORT=str(free_port()),
            PLATFORM_LOCAL_MOTO_PORT=str(urlsplit(endpoint).port),
        )
        self.env.update(env or {})
        self._local_stack("up")

    def _local_stack(self, command: str) -> None:
        proc = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "local_stack.py"), command],
            env=dict(os.environ, **self.env),
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"local_stack.py {command} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")

    def run(self, path: str, *args: str, timeout: int = 900):
        return playbook(self.endpoint, path, *args, inventory=self.inventory, env=self.env, timeout=timeout)

    def client(self, service: str, region: str | None = None):
        return boto3.client(service, region_name=region or self.region, endpoint_url=self.endpoint, config=RETRIES)

    def close(self):
        self._local_stack("down")  # the app, the search stand-in, Redis (moto is the test's: not started here)
        local_postgres.stop(self.pg_data)


def gone(stack: LocalStack, arn: str) -> bool:
    """Whether a still-listed resource is really on its way out, as AWS shows it for a while too:
    a deleted NAT gateway, a KMS key pending deletion, a replication group or cache cluster deleting,
    a secret scheduled for deletion (its recovery window), an inactive ECS cluster/service or a
    deregistered task definition."""
    service, region, resource = arn.split(":")[2], arn.split(":")[3], arn.split(":", 5)[5]
    try:
        if service == "ec2" and resource.startswith("natgateway/"):
            (nat,) = stack.client("ec2", region).describe_nat_gateways(NatGatewayIds=[resource.split("/")[1]])[
                "NatGateways"
            ]
            return nat["State"] in ("deleted", "deleting")
        if service == "kms":
            return stack.client("kms", region).describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
        if service == "elasticache" and resource.startswith("replicationgroup:"):
            groups = stack.client("elasticache", region).describe_replication_groups(
                ReplicationGroupId=resource.split(":")[1]
            )
            return groups["ReplicationGroups"][0]["Status"] == "deleting"
        if service == "elasticache" and resource.startswith("cluster:"):
            (cluster,) = stack.client("elasticache", region).describe_cache_clusters(
                CacheClusterId=resource.split(":")[1]
            )["CacheClusters"]
            return cluster["CacheClusterStatus"] == "deleting"
        if service == "secretsmanager":
            return "DeletedDate" in stack.client("secretsmanager", region).describe_secret(SecretId=arn)
        if service == "ecs" and resource.startswith("cluster/"):
            (cluster,) = stack.client("ecs", region).describe_clusters(clusters=[arn])["clusters"]
            return cluster["status"] == "INACTIVE"
        if service == "ecs" and resource.startswith("service/"):
            cluster = resource.split("/")[1]
            found = stack.client("ecs", region).describe_services(cluster=cluster, services=[arn])["services"]
            return not found or found[0]["status"] in ("INACTIVE", "DRAINING")
        if service == "ecs" and resource.startswith("task-definition/"):
            taskdef = stack.client("ecs", region).describe_task_definition(taskDefinition=arn)["taskDefinition"]
            return taskdef["status"] == "INACTIVE"
    except Exception:  # noqa: BLE001 - not describable any more: gone
        return True
    return False


def tagged(stack: LocalStack, project: str, environment: str, regions: tuple[str, ...] = ()) -> list[str]:
    """ARNs of live resources still tagged as this platform's (Resource Groups Tagging API), in the
    stack's region and in ``regions``."""
    arns = []
    for region in dict.fromkeys((stack.region, *regions)):
        pages = (
            stack.client("resourcegroupstaggingapi", region)
            .get_paginator("get_resources")
            .paginate(
                TagFilters=[{"Key": "Project", "Values": [project]}, {"Key": "Environment", "Values": [environment]}]
            )
        )
        for page in pages:
            arns += [r["ResourceARN"] for r in page["ResourceTagMappingList"]]
    return [arn for arn in dict.fromkeys(arns) if not gone(stack, arn)]
