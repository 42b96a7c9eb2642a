"""scripts/local_fargate.py: the local stack's Fargate runs one-off tasks of configured images as local processes.

Each test starts a real task through platform_ops.aws.ecs_run_task on a launcher of its own module (so its
runners touch no other test's tasks) and checks what a real run leaves: the process's own exit code, its output in
the task's CloudWatch Logs stream, the environment ECS would give the container (secrets resolved from Secrets
Manager, the runner's substitutes), and a task stopped by StopTask whose process is gone.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest

from tests.conftest import moto_server

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
import local_fargate  # noqa: E402

REGION = "us-east-1"
IMAGE = "registry.example/fargate-probe/backend:v7"  # not this account's ECR: no pull check
# The "container": writes what it was given to a file (never to the log), prints lines, exits with $EXIT_WITH.
PROBE = (
    "import json, os, sys, time\n"
    "names = ['MODE', 'APP_SECRET', 'DB_PASSWORD', 'DATABASE_URL', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'LEAKED']\n"
    "open(os.environ['PROBE_OUT'], 'w').write(json.dumps({n: os.environ.get(n) for n in names}))\n"
    "print('INFO Running upgrade a1 -> b2', flush=True)\n"
    "print('step two', file=sys.stderr, flush=True)\n"
    "time.sleep(float(os.environ.get('SLEEP', '0')))\n"
    "sys.exit(int(os.environ.get('EXIT_WITH', '0')))\n"
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto-fargate") / "moto.log", LEAKED="launcher-only") as url:
        yield url


class Stack:
    def __init__(self, endpoint: str, workdir: Path):
        self.endpoint = endpoint
        client = lambda service: boto3.client(service, region_name=REGION, endpoint_url=endpoint)  # noqa: E731
        self.ecs, self.logs, ec2, secrets = client("ecs"), client("logs"), client("ec2"), client("secretsmanager")
        suffix = uuid.uuid4().hex[:8]
        vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.1.0/24")["Subnet"]["SubnetId"]
        self.group = ec2.create_security_group(GroupName=f"task-{suffix}", Description="task", VpcId=vpc)["GroupId"]
        self.cluster = f"fargate-{suffix}"
        self.ecs.create_cluster(clusterName=self.cluster)
        self.log_group = f"/fargate/{suffix}"
        self.logs.create_log_group(logGroupName=self.log_group)
        plain = secrets.create_secret(Name=f"app-{suffix}", SecretString="s3cr3t-value")["ARN"]
        master = secrets.create_secret(Name=f"master-{suffix}", SecretString=json.dumps({"password": "pw-1"}))["ARN"]
        db_url = secrets.create_secret(Name=f"db-{suffix}", SecretString="postgresql://x@rds.example/db")["ARN"]
        self.family = f"fargate-{suffix}-backend"
        self.workdir = workdir
        self.out = workdir / "probe.json"
        self.ecs.register_task_definition(
            family=self.family,
            containerDefinitions=[
                {
                    "name": "backend",
                    "image": IMAGE,
                    "essential": True,
                    "memoryReservation": 256,
                    "command": [sys.executable, "-c", PROBE],
                    "environment": [{"name": "MODE", "value": "web"}, {"name": "PROBE_OUT", "value": str(self.out)}],
                    "secrets": [
                        {"name": "APP_SECRET", "valueFrom": plain},
                        {"name": "DB_PASSWORD", "valueFrom": f"{master}:password::"},
                        {"name": "DATABASE_URL", "valueFrom": db_url},
                    ],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": self.log_group,
                            "awslogs-region": REGION,
                            "awslogs-stream-prefix": "migrate",
                        },
                    },
                }
            ],
            cpu="256",
            memory="512",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
        )

    def args(self, **extra):
        return {
            "endpoint_url": self.endpoint,
            "cluster": self.cluster,
            "task_definition": self.family,
            "subnets": [self.subnet],
            "security_groups": [self.group],
            "started_by": f"test-{uuid.uuid4().hex[:10]}",
            "poll_interval": 0.2,
            "log_lines": 10,
            **extra,
        }


@pytest.fixture(scope="module")
def stack(endpoint, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fargate-workdir")
    answer = local_fargate.configure(
        endpoint,
        [
            {
                "image": "*/fargate-probe/*",
                "workdir": str(workdir),
                "substitute": {
                    "DATABASE_URL": {
                        # run with the launcher's environment plus its env (the local stack's PostgreSQL data dir)
                        "command": [sys.executable, "-c", "import os; print(os.environ['PROBE_DB'])"],
                        "env": {"PROBE_DB": "postgresql://local/db"},
                    }
                },
            }
        ],
    )
    # the answer names what is substituted, never a value
    assert answer == {
        "runners": [
            {
                "image": "*/fargate-probe/*",
                "workdir": str(workdir),
                "path": [],
                "substitute": {"DATABASE_URL": "command"},
                "serve": None,
            }
        ]
    }
    return Stack(endpoint, workdir)


def _tasks(endpoint: str) -> list[dict]:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/fargate", timeout=10) as resp:  # noqa: S310
        return json.loads(resp.read())["tasks"]


def test_the_task_runs_as_a_process_with_the_containers_environment(run_module, stack):
    result = run_module("ecs_run_task", stack.args(environment={"EXIT_WITH": 0}))
    assert not result.failed, result
    assert result["last_status"] == "STOPPED" and result["exit_code"] == 0
    assert result["stopped_reason"] == "Essential container in task exited"
    # the process's own output, through the task's log stream (stdout and stderr)
    assert result["log_stream"] == f"migrate/backend/{result['task_id']}"
    assert result["log_lines"] == ["INFO Running upgrade a1 -> b2", "step two"]
    given = json.loads(stack.out.read_text())
    assert given == {
        "MODE": "web",
        "APP_SECRET": "s3cr3t-value",  # the secret's value, as ECS resolves valueFrom
        "DB_PASSWORD": "pw-1",  # ARN:json-key::
        "DATABASE_URL": "postgresql://local/db",  # the runner's substitute, not the secret
        "AWS_ENDPOINT_URL": stack.endpoint,
        "AWS_REGION": REGION,
        "LEAKED": None,  # nothing of the launcher's own environment but PATH, HOME, LANG, TMPDIR
    }
    (record,) = [t for t in _tasks(stack.endpoint) if t["task_arn"] == result["task_arn"]]
    assert record["state"] == "STOPPED" and record["exit_code"] == 0 and record["image"] == IMAGE
    assert "s3cr3t-value" not in json.dumps(_tasks(stack.endpoint))


def test_a_failing_process_fails_the_task_with_its_exit_code(run_module, stack):
    result = run_module("ecs_run_task", stack.args(environment={"EXIT_WITH": 3}))
    assert result.failed
    assert result["exit_code"] == 3
    assert result["log_lines"][-1] == "step two"
    (task,) = stack.ecs.describe_tasks(cluster=stack.cluster, tasks=[result["task_arn"]])["tasks"]
    assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "EssentialContainerExited"
    assert task["containers"][0]["exitCode"] == 3


def test_the_task_is_running_while_the_process_runs_and_stoptask_ends_it(run_module, stack):
    result = run_module("ecs_run_task", stack.args(environment={"SLEEP": 60}, wait_timeout=2))
    assert result.failed and "wait_timeout" in result["msg"], result
    # the module stopped its task: the process got SIGTERM and the task reports STOPPED with its exit code
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        (task,) = stack.ecs.describe_tasks(cluster=stack.cluster, tasks=[result["task_arn"]])["tasks"]
        if task["lastStatus"] == "STOPPED":
            break
        time.sleep(0.2)
    assert task["lastStatus"] == "STOPPED", task
    assert task["containers"][0]["exitCode"] == 143  # killed by SIGTERM, as Docker reports it (128 + 15)
    assert "stopped by ansible" in task["stoppedReason"]


def test_an_image_no_runner_matches_keeps_motos_behaviour(run_module, stack):
    other = stack.ecs.register_task_definition(
        family=f"{stack.family}-other",
        containerDefinitions=[
            {"name": "backend", "image": "registry.example/other:1", "memoryReservation": 64, "command": ["false"]}
        ],
        cpu="256",
        memory="512",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
    )["taskDefinition"]["family"]
    before = len(_tasks(stack.endpoint))
    result = run_module("ecs_run_task", stack.args(task_definition=other, log_lines=0))
    assert not result.failed and result["exit_code"] == 0, result
    assert len(_tasks(stack.endpoint)) == before


@pytest.mark.parametrize(
    ("runners", "message"),
    [
        ([{"workdir": "/"}], "image"),
        ([{"image": "*", "workdir": "/no/such/dir"}], "is not a directory"),
        (
            [{"image": "*", "workdir": "/", "substitute": {"X": {"command": []}}}],
            "needs a 'value' string or a 'command'",
        ),
        ([{"image": "*", "workdir": "/", "substitute": {"X": {"value": "v", "env": {"A": 1}}}}], "env must map"),
    ],
)
def test_a_bad_runner_is_refused(endpoint, runners, message):
    with pytest.raises(urllib.error.HTTPError) as refused:
        local_fargate.configure(endpoint, runners)
    assert refused.value.code == 400
    assert message in json.loads(refused.value.read())["error"]
