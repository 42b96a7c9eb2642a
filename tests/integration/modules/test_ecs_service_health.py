"""platform_ops.aws.ecs_service_health against the moto server.

How moto (5.2.5) and our launcher behave, which these tests rely on:

* A service launches no tasks: its ``runningCount`` (and its one deployment's) is
  ``MOTO_ECS_SERVICE_RUNNING`` (2 here), ``rolloutState`` COMPLETED when that reaches ``desiredCount``.
  Tasks of a service are started here with RunTask ``group="service:<name>"``, the group ECS gives
  the tasks its service scheduler starts (the module recognises service tasks by it).
* Tasks report no ``healthStatus`` (read as UNKNOWN); the UNHEALTHY case is simulated by
  replacing that field in the DescribeTasks responses the module reads (clearly marked).
* A task progresses RUNNING -> ... -> STOPPED one step per DescribeTasks; the server started here
  holds tasks RUNNING instead (as in test_ecs_run_task.py).
* The launcher's ``ecs_image_pull`` rule: a task definition whose image is in this account's ECR but
  does not exist fails: RunTask answers a STOPPED task with stopCode ``TaskFailedToStart``, a service
  created with it has ``runningCount`` 0 and a "failed to launch a task" event.
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import boto3
import botocore.client
import pytest

from tests.conftest import api_operations, moto_server, operations_delta

REGION = "us-east-1"
ACCOUNT = "123456789012"
FAST = {"poll_interval": 0.1}
MISSING_ECR_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/caseapp/worker:does-not-exist"


@pytest.fixture(scope="module")
def health_moto(tmp_path_factory):
    """A moto server (MOTO_ECS_SERVICE_RUNNING=2) on which tasks stay RUNNING until StopTask."""
    with moto_server(tmp_path_factory.mktemp("moto-health") / "moto.log", MOTO_ECS_SERVICE_RUNNING="2") as endpoint:
        body = json.dumps({"model_name": "ecs::task", "transition": {"progression": "manual", "times": 10**9}})
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{endpoint}/moto-api/state-manager/set-transition", data=body.encode(), method="POST"
        )
        urllib.request.urlopen(req, timeout=10).close()  # noqa: S310 - loopback only
        yield endpoint


class Stack:
    """A cluster with a subnet and security group; services and their tasks are added by the tests."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.ecs = boto3.client("ecs", region_name=REGION, endpoint_url=endpoint)
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint)
        suffix = uuid.uuid4().hex[:8]
        vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
        # moto's awsvpc RunTask crashes (HTTP 500) unless DNS hostnames are on
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.1.0/24")["Subnet"]["SubnetId"]
        self.group = ec2.create_security_group(GroupName=f"app-{suffix}", Description="app", VpcId=vpc)["GroupId"]
        self.cluster = f"health-{suffix}"
        self.ecs.create_cluster(clusterName=self.cluster)

    @property
    def network(self):
        return {"awsvpcConfiguration": {"subnets": [self.subnet], "securityGroups": [self.group]}}

    def register(self, family: str, image: str = "registry.example/caseapp/backend:1", health_check=False) -> str:
        container = {"name": "app", "image": image, "essential": True, "memoryReservation": 256}
        if health_check:
            container["healthCheck"] = {"command": ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"]}
        return self.ecs.register_task_definition(
            family=family,
            containerDefinitions=[container],
            cpu="256",
            memory="512",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
        )["taskDefinition"]["taskDefinitionArn"]

    def service(self, short: str, *, desired: int = 1, **register) -> tuple[str, str]:
        name = f"{self.cluster}-{short}"
        arn = self.register(name, **register)
        self.ecs.create_service(
            cluster=self.cluster,
            serviceName=name,
            taskDefinition=arn,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration=self.network,
        )
        return name, arn

    def run_service_task(self, name: str, task_definition: str) -> dict:
        """A task as the service scheduler would start it (group ``service:<name>``)."""
        return self.ecs.run_task(
            cluster=self.cluster,
            taskDefinition=task_definition,
            launchType="FARGATE",
            group=f"service:{name}",
            networkConfiguration=self.network,
        )["tasks"][0]

    def args(self, services, **extra):
        return {"endpoint_url": self.endpoint, "cluster": self.cluster, "services": services, **FAST, **extra}


@pytest.fixture
def stack(health_moto):
    return Stack(health_moto)


def test_healthy_services_pass_at_the_first_check(run_module, stack):
    backend, backend_td = stack.service("backend", desired=2)
    worker, worker_td = stack.service("worker", desired=1)
    task = stack.run_service_task(worker, worker_td)  # UNKNOWN health, and the revision defines no health check

    result = run_module("ecs_service_health", stack.args([backend, worker]))

    assert not result.failed, result
    assert result.changed is False
    assert result["healthy"] is True and result["unhealthy"] == [] and result["failures"] == []
    assert result["attempts"] == 1
    by_name = {svc["service"]: svc for svc in result["services"]}
    assert [svc["service"] for svc in result["services"]] == [backend, worker]
    assert by_name[backend] | {"events": None} == {
        "service": backend,
        "healthy": True,
        "running": 2,
        "desired": 2,
        "pending": 0,
        "task_definition": backend_td,
        "rollout_state": "COMPLETED",
        "reasons": [],
        "unhealthy_tasks": [],
        "failed_tasks": 0,
        "events": None,
    }
    assert by_name[worker]["healthy"] is True and by_name[worker]["task_definition"] == worker_td
    stack.ecs.stop_task(cluster=stack.cluster, task=task["taskArn"], reason="test cleanup")


def test_running_below_desired_times_out_naming_the_counts(run_module, stack):
    healthy, _ = stack.service("backend", desired=2)
    short, _ = stack.service("worker", desired=3)  # the server runs 2 tasks per service

    result = run_module("ecs_service_health", stack.args([healthy, short], wait_timeout=1))

    assert result.failed, result
    assert result["unhealthy"] == [short]
    assert result["attempts"] > 1, "it polls until the timeout"
    assert f"1 of 2 ECS service(s) in cluster {stack.cluster} not healthy" in result["msg"]
    assert f"{short}: running 2/3 tasks (1 pending)" in result["msg"]
    assert healthy + ":" not in result["msg"]
    (svc,) = [s for s in result["services"] if s["service"] == short]
    assert (svc["running"], svc["desired"], svc["pending"], svc["rollout_state"]) == (2, 3, 1, "IN_PROGRESS")


def test_failed_task_of_the_current_revision_is_named(run_module, stack):
    name, arn = stack.service("worker", desired=1, image=MISSING_ECR_IMAGE)
    task = stack.run_service_task(name, arn)
    assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "TaskFailedToStart"
    task_id = task["taskArn"].rsplit("/", 1)[-1]

    result = run_module("ecs_service_health", stack.args([name], wait_timeout=30))

    assert result.failed, result
    assert result["attempts"] == 1, "a failed task does not mend by waiting: no need to wait 30s"
    (svc,) = result["services"]
    assert svc["healthy"] is False and svc["failed_tasks"] == 1 and svc["running"] == 0
    assert (
        f"1 failed task(s) of {name}:1: task {task_id} stopped: TaskFailedToStart: CannotPullContainerError"
        in (result["msg"])
    )
    assert "running 0/1 tasks" in result["msg"]
    assert "last events: (service " in result["msg"] and "failed to launch a task" in result["msg"]

    # A new revision that starts: the failed task belongs to the old revision and no longer counts.
    good = stack.register(name)
    stack.ecs.update_service(cluster=stack.cluster, service=name, taskDefinition=good)
    result = run_module("ecs_service_health", stack.args([name]))
    assert not result.failed, result
    assert result["services"][0]["task_definition"] == good


def test_stopped_task_window_excludes_older_failures(run_module, stack):
    name, arn = stack.service("worker", desired=1, image=MISSING_ECR_IMAGE)
    stack.run_service_task(name, arn)
    # the service itself still runs no task; only the stopped task's age is under test here
    result = run_module("ecs_service_health", stack.args([name], wait_timeout=0, stopped_task_window=0))
    assert result.failed
    assert result["services"][0]["failed_tasks"] == 0, result


def test_unknown_health_waits_when_the_revision_has_a_health_check(run_module, stack):
    name, arn = stack.service("backend", desired=1, health_check=True)
    task = stack.run_service_task(name, arn)
    task_id = task["taskArn"].rsplit("/", 1)[-1]

    result = run_module("ecs_service_health", stack.args([name], wait_timeout=1))

    assert result.failed, result
    assert f"health check not passed yet (UNKNOWN): {task_id}" in result["msg"]
    stack.ecs.stop_task(cluster=stack.cluster, task=task["taskArn"], reason="test cleanup")


def test_unhealthy_task_is_named(run_module, stack, monkeypatch):
    """SIMULATED: moto reports no task healthStatus; the DescribeTasks responses the module reads
    report the service's task UNHEALTHY. The service, the task and its group are real."""
    name, arn = stack.service("backend", desired=1)
    task = stack.run_service_task(name, arn)
    task_id = task["taskArn"].rsplit("/", 1)[-1]
    original = botocore.client.BaseClient._make_api_call

    def unhealthy(self, operation, params):
        response = original(self, operation, params)
        if operation == "DescribeTasks":
            for described in response.get("tasks", []):
                if described["taskArn"] == task["taskArn"]:
                    described["healthStatus"] = "UNHEALTHY"
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", unhealthy)
    result = run_module("ecs_service_health", stack.args([name], wait_timeout=0))
    monkeypatch.undo()

    assert result.failed, result
    assert result["services"][0]["unhealthy_tasks"] == [task_id]
    assert f"{name}: unhealthy tasks: {task_id}" in result["msg"]
    stack.ecs.stop_task(cluster=stack.cluster, task=task["taskArn"], reason="test cleanup")


def test_missing_service_fails_at_once(run_module, stack):
    name, _ = stack.service("backend", desired=1)
    result = run_module("ecs_service_health", stack.args([name, f"{stack.cluster}-ghost"], wait_timeout=30))
    assert result.failed and result["attempts"] == 1, result
    assert result["unhealthy"] == [f"{stack.cluster}-ghost"]
    assert f"{stack.cluster}-ghost: service not found" in result["msg"]


def test_check_mode_makes_the_same_reads_and_no_write(run_module, stack):
    names = [stack.service(f"svc{index}", desired=1)[0] for index in range(12)]  # two DescribeServices batches
    before = api_operations(stack.endpoint)
    result = run_module("ecs_service_health", stack.args(names), check_mode=True)
    delta = operations_delta(before, api_operations(stack.endpoint))

    assert not result.failed and result.changed is False and result["healthy"] is True, result
    assert len(result["services"]) == 12
    assert delta == {"ecs.DescribeServices": 2, "ecs.ListTasks": 2}, delta


def test_fail_on_unhealthy_false_returns_the_results(run_module, stack):
    name, _ = stack.service("worker", desired=3)
    result = run_module("ecs_service_health", stack.args([name], wait_timeout=0, fail_on_unhealthy=False))
    assert not result.failed, result
    assert result["healthy"] is False and result["unhealthy"] == [name]
    assert result["services"][0]["reasons"] == ["running 2/3 tasks (1 pending)"]
    assert result["failures"] == [f"{name}: running 2/3 tasks (1 pending)"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"services": []}, "services must name at least one service"),
        ({"services": ["a", " "]}, "services must not contain empty names (positions [1])"),
        ({"wait_timeout": -1}, "wait_timeout must be 0 or more"),
        ({"poll_interval": 0}, "poll_interval must be greater than 0"),
        ({"cluster": " "}, "cluster must not be empty"),
    ],
)
def test_bad_input_fails_clearly(run_module, health_moto, extra, message):
    args = {"endpoint_url": health_moto, "cluster": "c", "services": ["a"], **extra}
    result = run_module("ecs_service_health", args)
    assert result.failed and message in result["msg"], result


def test_missing_cluster_names_every_service(run_module, health_moto):
    args = {"endpoint_url": health_moto, "cluster": "no-such-cluster", "services": ["a", "b"], "wait_timeout": 30}
    result = run_module("ecs_service_health", args)
    assert result.failed and result["attempts"] == 1, result
    assert result["unhealthy"] == ["a", "b"]
    assert "a: cluster no-such-cluster not found || b: cluster no-such-cluster not found" in result["msg"]


# ---------------------------------------------------------------- pure judging rules (no AWS)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ({"stopCode": "TaskFailedToStart", "stoppedReason": "CannotPullContainerError: x"}, "TaskFailedToStart: Ca"),
        (
            {
                "stopCode": "EssentialContainerExited",
                "stoppedReason": "Essential container in task exited",
                "containers": [{"name": "app", "exitCode": 3}],
            },
            "EssentialContainerExited: Essential container in task exited (app exit 3)",
        ),
        ({"containers": [{"name": "app", "exitCode": 1}]}, "stopped (app exit 1)"),
        (
            {"stopCode": "UserInitiated", "stoppedReason": "deploy", "containers": [{"name": "app", "exitCode": 143}]},
            None,
        ),
        (
            {
                "stopCode": "ServiceSchedulerInitiated",
                "stoppedReason": "Scaling activity initiated by (deployment x)",
                "containers": [{"name": "app", "exitCode": 143}],
            },
            None,
        ),
        ({"stopCode": "ServiceSchedulerInitiated", "stoppedReason": "Task failed ELB health checks"}, None),
        ({"stoppedReason": "done", "containers": [{"name": "app", "exitCode": 0}]}, None),
    ],
)
def test_stop_failure_rules(task, expected):
    from ansible_collections.platform_ops.aws.plugins.module_utils.ecs_health import stop_failure

    got = stop_failure(task)
    assert (got is None) if expected is None else got.startswith(expected), got


def test_judge_service_primary_deployment_and_failed_rollout():
    import datetime

    from ansible_collections.platform_ops.aws.plugins.module_utils.ecs_health import judge_service

    since = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)  # noqa: UP017 - as in the module
    service = {
        "desiredCount": 2,
        "runningCount": 3,
        "pendingCount": 0,
        "taskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/app:5",
        "deployments": [
            {"status": "PRIMARY", "runningCount": 1, "rolloutState": "IN_PROGRESS"},
            {"status": "ACTIVE", "runningCount": 2, "rolloutState": "COMPLETED"},
        ],
    }
    result = judge_service("app", service, [], [], since=since, health_checked=lambda arn: False)
    assert result["reasons"] == ["running 1/2 tasks of app:5 (the PRIMARY deployment; 3 running in all)"]
    assert not result["terminal"]

    service["deployments"][0].update(runningCount=2, rolloutState="FAILED", rolloutStateReason="circuit breaker")
    result = judge_service("app", service, [], [], since=since, health_checked=lambda arn: False)
    assert result["reasons"] == ["deployment FAILED: circuit breaker"] and result["terminal"]
