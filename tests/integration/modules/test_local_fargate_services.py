"""scripts/local_fargate.py: the tasks of a service behind a load balancer run as a local process on the runner's port.

A launcher of this module's own, a real process per service (a tiny HTTP server standing for the container), and
what ECS's API shows of it: the deployment IN_PROGRESS until the process answers the target group's health check,
then COMPLETED; a new task definition restarts the process with its environment; a process that exits fails the
deployment; DeleteService ends it; a second service never takes the port over. Also the one-off task features the
local stack's database bootstrap uses: the entry point, substitutes of plain environment variables and a command
substitute that reads the secret's value on stdin.
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
from tests.e2e.stack import free_port

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
import local_fargate  # noqa: E402

# The tests follow one service through its deployments, on this module's launcher: one xdist worker runs them all.
pytestmark = pytest.mark.xdist_group("local_fargate_services")

REGION = "us-east-1"
IMAGE = "registry.example/served-probe/web:{}"
# The "container": after START_DELAY seconds, answers GET /ready (200) and GET /env (its environment's names and
# MODE); exits with FAIL_WITH at once when that is set.
SERVER = (
    "import http.server, json, os, sys, time\n"
    "if os.environ.get('FAIL_WITH'): print('cannot start', flush=True); sys.exit(int(os.environ['FAIL_WITH']))\n"
    "time.sleep(float(os.environ.get('START_DELAY', '0')))\n"
    "host, port = sys.argv[1], int(sys.argv[2])\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        body = json.dumps({'mode': os.environ.get('MODE'), 'url': os.environ.get('DATABASE_URL'),\n"
    "                           'leaked': os.environ.get('LEAKED')}).encode()\n"
    "        self.send_response(200 if self.path in ('/ready', '/env') else 404); self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def log_message(self, *a): print('GET', self.path, flush=True)\n"
    "print('serving on', host, port, flush=True)\n"
    "http.server.HTTPServer((host, port), H).serve_forever()\n"
)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto-served") / "moto.log", LEAKED="launcher-only") as url:
        yield url


class Stack:
    def __init__(self, endpoint: str, port: int):
        self.endpoint = endpoint
        client = lambda service: boto3.client(service, region_name=REGION, endpoint_url=endpoint)  # noqa: E731
        self.ecs, self.logs, self.secrets = client("ecs"), client("logs"), client("secretsmanager")
        ec2, elbv2 = client("ec2"), client("elbv2")
        self.port = port
        suffix = uuid.uuid4().hex[:8]
        vpc = ec2.create_vpc(CidrBlock="10.45.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.45.1.0/24")["Subnet"]["SubnetId"]
        self.group = ec2.create_security_group(GroupName=f"web-{suffix}", Description="web", VpcId=vpc)["GroupId"]
        self.target_group = elbv2.create_target_group(
            Name=f"web-{suffix}",
            Protocol="HTTP",
            Port=8000,
            VpcId=vpc,
            TargetType="ip",
            HealthCheckPath="/ready",
            Matcher={"HttpCode": "200"},
        )["TargetGroups"][0]["TargetGroupArn"]
        self.cluster = f"served-{suffix}"
        self.ecs.create_cluster(clusterName=self.cluster)
        self.log_group = f"/served/{suffix}"
        self.logs.create_log_group(logGroupName=self.log_group)
        self.db_secret = self.secrets.create_secret(
            Name=f"db-{suffix}", SecretString="postgresql://app_a:pw-a@rds.example:5432/db?sslmode=require"
        )["ARN"]
        self.family = f"served-{suffix}-web"

    def register(self, tag: str, **environment: str) -> str:
        return self.ecs.register_task_definition(
            family=self.family,
            containerDefinitions=[
                {
                    "name": "web",
                    "image": IMAGE.format(tag),
                    "essential": True,
                    "memoryReservation": 128,
                    "command": [sys.executable, "-c", SERVER, "0.0.0.0", "8000"],  # noqa: S104 - the container's
                    "environment": [{"name": k, "value": v} for k, v in environment.items()],
                    "secrets": [{"name": "DATABASE_URL", "valueFrom": self.db_secret}],
                    "portMappings": [{"containerPort": 8000}],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": self.log_group,
                            "awslogs-region": REGION,
                            "awslogs-stream-prefix": "web",
                        },
                    },
                }
            ],
            cpu="256",
            memory="512",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
        )["taskDefinition"]["taskDefinitionArn"]

    def create(self, name: str, taskdef: str) -> None:
        self.ecs.create_service(
            cluster=self.cluster,
            serviceName=name,
            taskDefinition=taskdef,
            desiredCount=2,
            launchType="FARGATE",
            loadBalancers=[{"targetGroupArn": self.target_group, "containerName": "web", "containerPort": 8000}],
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": [self.subnet],
                    "securityGroups": [self.group],
                    "assignPublicIp": "DISABLED",
                }
            },
            deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        )

    def describe(self, name: str) -> dict:
        return self.ecs.describe_services(cluster=self.cluster, services=[name])["services"][0]

    def wait(self, name: str, state: str, timeout: float = 30) -> list[dict]:
        """The rollout states seen (each DescribeServices), until ``state``."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            service = self.describe(name)
            seen.append(service)
            if service["deployments"][0]["rolloutState"] == state:
                return seen
            time.sleep(0.2)
        raise AssertionError(f"{name}: no {state} in {timeout}s: {seen[-1]['deployments']}")

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as resp:  # noqa: S310
            return json.loads(resp.read())


@pytest.fixture(scope="module")
def stack(endpoint, tmp_path_factory):
    port = free_port()
    local_fargate.configure(
        endpoint,
        [
            {
                "image": "*/served-probe/*",
                "workdir": str(tmp_path_factory.mktemp("served")),
                "substitute": {
                    "DATABASE_URL": {
                        # the secret's value on stdin: its login on "the local server"
                        "command": [
                            sys.executable,
                            "-c",
                            "import sys; print(sys.stdin.read().split('@')[0] + '@local/db')",
                        ],
                        "stdin": True,
                    }
                },
                "serve": {"port": port},
            }
        ],
    )
    yield Stack(endpoint, port)
    local_fargate.configure(endpoint, [])  # stops what still runs


def _services(endpoint: str) -> list[dict]:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/fargate", timeout=10) as resp:  # noqa: S310
        return json.loads(resp.read())["services"]


def test_the_service_runs_on_the_port_and_completes_once_healthy(stack):
    stack.create("web", stack.register("v1", MODE="one", START_DELAY="1.5"))
    seen = stack.wait("web", "COMPLETED")
    # held IN_PROGRESS (no task running) until the process answered the target group's health check
    assert seen[0]["deployments"][0]["rolloutState"] == "IN_PROGRESS" and seen[0]["runningCount"] == 0
    assert seen[-1]["runningCount"] == 2 and len(seen[-1]["deployments"]) == 1
    assert "has reached a steady state" in seen[-1]["events"][0]["message"]
    # the container's environment: its own, the secret's login through the runner's command, nothing leaked
    assert stack.get("/env") == {"mode": "one", "url": "postgresql://app_a:pw-a@local/db", "leaked": None}
    (record,) = [s for s in _services(stack.endpoint) if s["service_arn"].endswith("/web")]
    assert record["state"] == "RUNNING" and record["healthy"] and record["health_path"] == "/ready"
    assert record["argv"][-2:] == ["127.0.0.1", str(stack.port)]  # 0.0.0.0:8000 mapped onto the runner's port
    assert "pw-a" not in json.dumps(_services(stack.endpoint))
    events = stack.logs.get_log_events(logGroupName=stack.log_group, logStreamName=record["log_stream"])["events"]
    assert any("serving on 127.0.0.1" in e["message"] for e in events)
    # described again: the same process, nothing restarted
    stack.describe("web")
    assert [s["log_stream"] for s in _services(stack.endpoint) if s["service_arn"].endswith("/web")] == [
        record["log_stream"]
    ]


def test_a_new_task_definition_restarts_the_process_with_its_environment(stack):
    stack.ecs.update_service(cluster=stack.cluster, service="web", taskDefinition=stack.register("v2", MODE="two"))
    stack.wait("web", "COMPLETED")
    assert stack.get("/env")["mode"] == "two"


def test_a_second_service_does_not_take_the_port(stack):
    stack.create("other", stack.register("v3", MODE="other"))
    assert stack.describe("other")["deployments"][0]["rolloutState"] == "COMPLETED"  # moto's, not served
    assert stack.get("/env")["mode"] == "two"
    stack.ecs.delete_service(cluster=stack.cluster, service="other", force=True)


def test_a_process_that_exits_fails_the_deployment(stack):
    stack.ecs.update_service(cluster=stack.cluster, service="web", taskDefinition=stack.register("v4", FAIL_WITH="3"))
    seen = stack.wait("web", "FAILED")
    assert seen[-1]["deployments"][0]["failedTasks"] >= 1
    (record,) = [s for s in _services(stack.endpoint) if s["service_arn"].endswith("/web")]
    assert record["state"] == "STOPPED" and record["exit_code"] == 3
    with pytest.raises(OSError):
        stack.get("/env")


def test_after_a_failed_deployment_the_next_one_runs_and_completes(stack):
    taskdef = stack.register("v5", MODE="five")
    stack.ecs.update_service(cluster=stack.cluster, service="web", taskDefinition=taskdef)
    seen = stack.wait("web", "COMPLETED")
    assert seen[-1]["deployments"][0]["taskDefinition"] == taskdef  # a new deployment, not the failed one
    assert stack.get("/env")["mode"] == "five"


def test_deleting_the_service_stops_its_process(stack):
    stack.ecs.update_service(cluster=stack.cluster, service="web", desiredCount=0)
    stack.ecs.delete_service(cluster=stack.cluster, service="web")
    assert not [s for s in _services(stack.endpoint) if s["service_arn"].endswith("/web")]
    with pytest.raises(OSError):
        stack.get("/env")


def test_a_one_off_task_runs_its_entry_point_with_environment_substitutes(endpoint, stack, tmp_path):
    """As the database bootstrap's task: ``entryPoint`` + ``command``, plain variables replaced by the runner."""
    ecs, logs = (boto3.client(s, region_name=REGION, endpoint_url=endpoint) for s in ("ecs", "logs"))
    suffix = uuid.uuid4().hex[:8]
    logs.create_log_group(logGroupName=f"/boot/{suffix}")
    ecs.create_cluster(clusterName=f"boot-{suffix}")
    family = ecs.register_task_definition(
        family=f"boot-{suffix}",
        containerDefinitions=[
            {
                "name": "boot",
                "image": "public.example/library/postgres:16-alpine",
                "essential": True,
                "memoryReservation": 64,
                "entryPoint": ["/bin/sh", "-ec"],
                "command": ['printf "%s:%s:%s\\n" "$PGHOST" "$PGSSLMODE" "$PLATFORM_SQL"'],
                "environment": [
                    {"name": "PGHOST", "value": "db.rds.example"},
                    {"name": "PGSSLMODE", "value": "require"},
                    {"name": "PLATFORM_SQL", "value": "SELECT 1"},
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/boot/{suffix}",
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": "b",
                    },
                },
            }
        ],
        cpu="256",
        memory="512",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
    )["taskDefinition"]["family"]
    runners = [
        {
            "image": "*/postgres:*",
            "workdir": str(tmp_path),
            "substitute": {
                "PGHOST": {"value": "127.0.0.1"},
                "PGSSLMODE": {"value": "disable"},
                "UNUSED": {"value": "x"},
            },
        }
    ]
    local_fargate.configure(endpoint, runners)
    try:
        (task,) = ecs.run_task(
            cluster=f"boot-{suffix}",
            taskDefinition=family,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [stack.subnet], "securityGroups": [stack.group]}},
        )["tasks"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            (task,) = ecs.describe_tasks(cluster=f"boot-{suffix}", tasks=[task["taskArn"]])["tasks"]
            if task["lastStatus"] == "STOPPED":
                break
            time.sleep(0.2)
        assert task["containers"][0]["exitCode"] == 0, task
        stream = f"b/boot/{task['taskArn'].rsplit('/', 1)[-1]}"
        events = logs.get_log_events(logGroupName=f"/boot/{suffix}", logStreamName=stream)["events"]
        assert [e["message"] for e in events] == ["127.0.0.1:disable:SELECT 1"]
    finally:
        local_fargate.configure(endpoint, [])


@pytest.mark.parametrize(
    ("serve", "message"),
    [({"port": 0}, "serve needs a port"), ({"port": "8000"}, "serve needs a port"), ("8000", "serve needs a port")],
)
def test_a_bad_serve_is_refused(endpoint, tmp_path, serve, message):
    with pytest.raises(urllib.error.HTTPError) as refused:
        local_fargate.configure(endpoint, [{"image": "*", "workdir": str(tmp_path), "serve": serve}])
    assert refused.value.code == 400
    assert message in json.loads(refused.value.read())["error"]


@pytest.mark.parametrize(
    ("arg", "mapped"),
    [
        ("0.0.0.0", "127.0.0.1"),  # noqa: S104 - the container's address
        ("8000", "9100"),
        ("0.0.0.0:8000", "127.0.0.1:9100"),
        ("--port=8000", "--port=9100"),
        ("--bind=0.0.0.0:8000", "--bind=127.0.0.1:9100"),
        (":8000", ":9100"),
        ("18000", "18000"),
        ("app.main:app", "app.main:app"),
    ],
)
def test_the_container_address_maps_onto_the_runners(arg, mapped):
    assert local_fargate.map_port(arg, "8000", "127.0.0.1", 9100) == mapped
