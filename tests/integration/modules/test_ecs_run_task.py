"""platform_ops.aws.ecs_run_task against moto.

How moto (5.2.5) runs tasks, which these tests rely on:

* ``Task`` is a managed-state model (``ecs::task``) registered with the transition
  ``{"progression": "manual", "times": 1}``: RUNNING -> DEACTIVATING -> STOPPING -> DEPROVISIONING
  -> STOPPED, one step per DescribeTasks call, so a task is STOPPED on the 4th DescribeTasks.
  ``StopTask`` sets STOPPED (and the stop reason) at once.
* Every container reports ``exitCode: 0`` (hard-coded in ``Container.__init__``); moto cannot produce
  a non-zero or missing exit code. The tests for those paths replace that one field in the
  DescribeTasks response seen by the module (clearly marked); everything else is real.
* A task's ``containers`` hold only the FIRST container of the task definition (``Container(task_def)``
  reads ``container_definitions[0]``), so the container under test comes first here.
* RunTask in ``awsvpc`` mode crashes (HTTP 500) unless the VPC has DNS hostnames enabled, and
  whenever a container has neither ``memory`` nor ``memoryReservation``.

The "held" server started here sets the ``ecs::task`` transition to manual with a huge count, so a
task keeps RUNNING until the test's "container" thread has written its log lines and stops it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import botocore.client
import botocore.exceptions
import pytest

from tests.conftest import moto_server

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
FAST = {"poll_interval": 0.1}


@pytest.fixture(scope="module")
def held_moto(tmp_path_factory):
    """A second moto server on which tasks run until StopTask (no automatic progression)."""
    with moto_server(tmp_path_factory.mktemp("moto-held") / "moto.log") as endpoint:
        body = json.dumps({"model_name": "ecs::task", "transition": {"progression": "manual", "times": 10**9}})
        url = f"{endpoint}/moto-api/state-manager/set-transition"
        req = urllib.request.Request(url, data=body.encode(), method="POST")  # noqa: S310 - loopback only
        urllib.request.urlopen(req, timeout=10).close()  # noqa: S310 - loopback only
        yield endpoint


def _client(service: str, endpoint: str):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


class Stack:
    """A cluster, a subnet/security group and a migration task definition on one moto server."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.ecs = _client("ecs", endpoint)
        self.logs = _client("logs", endpoint)
        ec2 = _client("ec2", endpoint)
        suffix = uuid.uuid4().hex[:8]
        vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.43.1.0/24")["Subnet"]["SubnetId"]
        self.group = ec2.create_security_group(GroupName=f"task-{suffix}", Description="task", VpcId=vpc)["GroupId"]
        self.cluster = f"runtask-{suffix}"
        self.ecs.create_cluster(clusterName=self.cluster)
        self.family = f"runtask-{suffix}-backend"
        self.log_group = f"/runtask/{suffix}"
        self.logs.create_log_group(logGroupName=self.log_group)
        self.task_definition = self.ecs.register_task_definition(
            family=self.family,
            containerDefinitions=[
                {
                    "name": "backend",
                    "image": "registry.example/caseapp/backend:5",
                    "essential": True,
                    "memoryReservation": 256,
                    "command": ["gunicorn", "app:app"],
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": self.log_group,
                            "awslogs-region": REGION,
                            "awslogs-stream-prefix": "ecs",
                        },
                    },
                },
                # second: moto's tasks only report the first container of the task definition
                {"name": "sidecar", "image": "envoy:1", "essential": False, "memoryReservation": 64},
            ],
            cpu="256",
            memory="512",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
        )["taskDefinition"]["taskDefinitionArn"]

    def args(self, **extra):
        base = {
            "endpoint_url": self.endpoint,
            "cluster": self.cluster,
            "task_definition": self.family,
            "subnets": [self.subnet],
            "security_groups": [self.group],
            "started_by": f"test-{uuid.uuid4().hex[:10]}",
            **FAST,
        }
        base.update(extra)
        return base

    def tasks(self, started_by=None) -> list[dict]:
        kwargs = {"startedBy": started_by} if started_by else {}
        arns = self.ecs.list_tasks(cluster=self.cluster, **kwargs)["taskArns"]
        return self.ecs.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"] if arns else []


def container_thread(stack: Stack, started_by: str, lines: list[str], reason="Essential container in task exited"):
    """Play the container: once the task exists, write its log stream, then stop the task."""
    errors = []

    def work():
        try:
            deadline = time.monotonic() + 30
            arns = []
            while not arns:
                if time.monotonic() > deadline:
                    raise TimeoutError("the module never started a task")
                arns = stack.ecs.list_tasks(cluster=stack.cluster, startedBy=started_by)["taskArns"]
                time.sleep(0.02)
            task_id = arns[0].rsplit("/", 1)[-1]
            stream = f"ecs/backend/{task_id}"
            stack.logs.create_log_stream(logGroupName=stack.log_group, logStreamName=stream)
            now = int(time.time() * 1000)
            stack.logs.put_log_events(
                logGroupName=stack.log_group,
                logStreamName=stream,
                logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)],
            )
            stack.ecs.stop_task(cluster=stack.cluster, task=arns[0], reason=reason)
        except Exception as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread, errors


@pytest.fixture(scope="module")
def stack(moto_endpoint):
    return Stack(moto_endpoint)


@pytest.fixture(scope="module")
def held(held_moto):
    return Stack(held_moto)


def test_runs_with_overrides_and_waits_for_moto_to_stop_it(run_module, stack):
    args = stack.args(command=["alembic", "upgrade", "head"], environment={"MIGRATION": True, "WORKERS": 2})
    result = run_module("ecs_run_task", args)
    assert not result.failed, result
    assert result.changed
    assert result["last_status"] == "STOPPED"
    assert result["exit_code"] == 0
    assert result["container"] == "backend", "the essential container is the default"
    assert result["task_definition"] == stack.task_definition
    assert result["log_group"] == stack.log_group
    assert result["log_stream"] == f"ecs/backend/{result['task_id']}"
    assert result["log_lines"] == []  # nothing wrote to that stream on this server
    assert "not found in log group" in json.dumps(result.get("warnings", []))
    # real state: exactly one task, with our overrides, network configuration and startedBy
    (task,) = stack.tasks(args["started_by"])
    assert task["taskArn"] == result["task_arn"]
    assert task["taskDefinitionArn"] == stack.task_definition
    assert task["launchType"] == "FARGATE"
    override = task["overrides"]["containerOverrides"][0]
    assert override["name"] == "backend"
    assert override["command"] == ["alembic", "upgrade", "head"]
    assert {e["name"]: e["value"] for e in override["environment"]} == {"MIGRATION": "true", "WORKERS": "2"}


def test_log_tail_and_stop_reason(run_module, held):
    args = held.args(log_lines=5)
    lines = [f"INFO migration step {i}" for i in range(60)]
    thread, errors = container_thread(held, args["started_by"], lines)
    result = run_module("ecs_run_task", args)
    thread.join(10)
    assert not errors, errors
    assert not result.failed, result
    assert result["exit_code"] == 0
    assert result["stopped_reason"] == "Essential container in task exited"
    assert result["log_lines"] == lines[-5:]
    (task,) = held.tasks(args["started_by"])
    assert task["lastStatus"] == "STOPPED"


def test_explicit_log_location_overrides_the_task_definition(run_module, held):
    args = held.args(container="backend", log_group=held.log_group, log_stream_prefix="custom")
    started_by = args["started_by"]
    lines = ["custom prefix line"]
    result_box = {}

    def work():
        while True:
            arns = held.ecs.list_tasks(cluster=held.cluster, startedBy=started_by)["taskArns"]
            if arns:
                break
            time.sleep(0.02)
        stream = f"custom/backend/{arns[0].rsplit('/', 1)[-1]}"
        held.logs.create_log_stream(logGroupName=held.log_group, logStreamName=stream)
        held.logs.put_log_events(
            logGroupName=held.log_group,
            logStreamName=stream,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": lines[0]}],
        )
        held.ecs.stop_task(cluster=held.cluster, task=arns[0], reason="done")
        result_box["stream"] = stream

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    result = run_module("ecs_run_task", args)
    thread.join(10)
    assert not result.failed, result
    assert result["container"] == "backend"
    assert result["log_stream"] == result_box["stream"]
    assert result["log_lines"] == lines


def test_timeout_stops_the_task(run_module, held):
    args = held.args(wait_timeout=1, run_id="run-timeout")
    result = run_module("ecs_run_task", args)
    assert result.failed and result.changed, result
    assert "did not stop within 1s (last status RUNNING)" in result["msg"]
    assert f"Task {result['task_id']} was stopped (StopTask reason: stopped by ansible: no exit" in result["msg"]
    assert result["stop"] == {
        "reason": "stopped by ansible: no exit within wait_timeout 1s (run run-timeout)",
        "error": None,
    }
    (task,) = held.tasks(args["started_by"])
    assert task["taskArn"] == result["task_arn"]
    assert task["lastStatus"] == "STOPPED" and task["stoppedReason"] == result["stop"]["reason"]


def test_timeout_leaves_the_task_running_when_told(run_module, held):
    args = held.args(wait_timeout=1, stop_on_failure=False)
    result = run_module("ecs_run_task", args)
    assert result.failed and "was left running (stop_on_failure: false)" in result["msg"], result
    assert result["stop"] is None
    (task,) = held.tasks(args["started_by"])
    assert task["lastStatus"] == "RUNNING"
    held.ecs.stop_task(cluster=held.cluster, task=task["taskArn"], reason="test cleanup")


def test_wait_false_returns_at_once(run_module, held):
    args = held.args(wait=False)
    result = run_module("ecs_run_task", args)
    assert not result.failed and result.changed, result
    assert result["last_status"] == "RUNNING" and result["exit_code"] is None
    (task,) = held.tasks(args["started_by"])
    assert task["lastStatus"] == "RUNNING"
    held.ecs.stop_task(cluster=held.cluster, task=task["taskArn"], reason="test cleanup")


@pytest.mark.parametrize(
    ("exit_code", "expected"),
    [
        (3, "container backend exited with code 3 (stopped reason: Essential container in task exited)"),
        (
            None,
            "stopped without an exit code for container backend (stopped reason: Essential container in task "
            "exited; container: CannotPullContainerError: pull access denied)",
        ),
    ],
)
def test_non_zero_or_missing_exit_code_fails_with_logs(run_module, held, monkeypatch, exit_code, expected):
    """SIMULATED: moto hard-codes exitCode 0, so the container's exitCode (and reason) in the
    DescribeTasks responses the module reads are replaced; the task, its stop and its logs are real."""
    original = botocore.client.BaseClient._make_api_call

    def with_exit_code(self, operation, params):
        response = original(self, operation, params)
        if operation == "DescribeTasks":
            for task in response.get("tasks", []):
                for container in task.get("containers", []):
                    if container.get("name") == "backend" and task.get("lastStatus") == "STOPPED":
                        if exit_code is None:
                            container.pop("exitCode", None)
                            container["reason"] = "CannotPullContainerError: pull access denied"
                        else:
                            container["exitCode"] = exit_code
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", with_exit_code)
    args = held.args(command=["alembic", "upgrade", "head"])
    lines = ["INFO  [alembic.runtime.migration] Running upgrade 0001 -> 0002", 'ERROR relation "cases" already exists']
    thread, errors = container_thread(held, args["started_by"], lines)
    result = run_module("ecs_run_task", args)
    thread.join(10)
    monkeypatch.undo()
    assert not errors, errors
    assert result.failed and result.changed, result
    assert expected in result["msg"]
    assert "Last log lines:" in result["msg"] and 'ERROR relation "cases" already exists' in result["msg"]
    assert result["exit_code"] == exit_code
    assert result["log_lines"] == lines


def test_check_mode_runs_nothing(run_module, stack):
    args = stack.args(command=["alembic", "upgrade", "head"], environment={"SECRET_LOOKING": "x"})
    before = len(stack.tasks())
    result = run_module("ecs_run_task", args, check_mode=True)
    assert not result.failed, result
    assert result.changed
    assert result["task_arn"] is None
    would = result["would_run"]
    assert would["task_definition"] == f"{stack.family}:1"
    assert would["command"] == ["alembic", "upgrade", "head"]
    assert would["environment"] == ["SECRET_LOOKING"], "only names of environment overrides are reported"
    assert would["launch_type"] == "FARGATE"
    assert len(stack.tasks()) == before
    assert stack.tasks(args["started_by"]) == []


def test_capacity_provider_strategy(run_module, stack):
    args = stack.args(capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}])
    result = run_module("ecs_run_task", args)
    assert not result.failed, result
    (task,) = stack.tasks(args["started_by"])
    assert task["capacityProviderName"] == "FARGATE_SPOT"
    assert "launchType" not in task or not task["launchType"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"subnets": None, "security_groups": None}, "subnets are required for the FARGATE launch type"),
        (
            {"launch_type": "FARGATE", "capacity_provider_strategy": [{"capacity_provider": "FARGATE"}]},
            "mutually exclusive",
        ),
        ({"command": []}, "command must list at least one argument"),
        ({"started_by": "x" * 129}, "at most 128 characters"),
        ({"wait_timeout": 0}, "wait_timeout must be a positive"),
    ],
)
def test_bad_input_fails_before_running(run_module, stack, extra, message):
    args = stack.args(**extra)
    result = run_module("ecs_run_task", args)
    assert result.failed and message in result["msg"], result
    assert stack.tasks(args["started_by"]) == []


def test_unknown_task_definition_or_container(run_module, stack):
    result = run_module("ecs_run_task", stack.args(task_definition="does-not-exist"))
    assert result.failed and "Task definition does-not-exist not found" in result["msg"], result
    args = stack.args(container="worker")
    result = run_module("ecs_run_task", args)
    assert result.failed
    assert (
        f"Container 'worker' is not in task definition {stack.family}:1 (containers: backend, sidecar)" in result["msg"]
    )
    assert stack.tasks(args["started_by"]) == []


def test_image_tag_runs_a_registered_copy_from_the_new_image(run_module, moto_endpoint):
    stack = Stack(moto_endpoint)
    family = f"{stack.family}-migrate"
    args = stack.args(image_tag="6", run_family=family, command=["alembic", "upgrade", "head"])

    planned = run_module("ecs_run_task", args, check_mode=True)
    assert not planned.failed, planned
    assert planned["registered"] is True and planned["image"] == "registry.example/caseapp/backend:6"
    assert stack.ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"] == [], (
        "check mode registers nothing"
    )

    first = run_module("ecs_run_task", args)
    assert not first.failed, first
    assert first["registered"] is True and first["exit_code"] == 0
    copy = stack.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    source = stack.ecs.describe_task_definition(taskDefinition=stack.family)["taskDefinition"]
    assert copy["revision"] == 1 and first["task_definition"] == copy["taskDefinitionArn"]
    assert copy["containerDefinitions"][0]["image"] == "registry.example/caseapp/backend:6"
    assert copy["containerDefinitions"][0]["logConfiguration"] == source["containerDefinitions"][0]["logConfiguration"]
    assert copy["containerDefinitions"][1] == source["containerDefinitions"][1], (
        "other containers are copied as they are"
    )
    assert (copy["cpu"], copy["memory"], copy["networkMode"]) == (
        source["cpu"],
        source["memory"],
        source["networkMode"],
    )
    (task,) = stack.tasks(args["started_by"])
    assert task["taskDefinitionArn"] == copy["taskDefinitionArn"]

    again = run_module("ecs_run_task", dict(args, started_by="again"))
    assert not again.failed and again["registered"] is False
    assert len(stack.ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]) == 1

    newer = run_module("ecs_run_task", dict(args, image_tag="7", started_by="newer"))
    assert newer["registered"] is True and newer["task_definition"].endswith(f"{family}:2")


def test_image_and_image_tag_are_exclusive(run_module, stack):
    result = run_module("ecs_run_task", stack.args(image="a:1", image_tag="2"))
    assert result.failed and "mutually exclusive" in result["msg"]
    result = run_module("ecs_run_task", stack.args(run_family="x"))
    assert result.failed and "run_family is only used with image or image_tag" in result["msg"]


# ---------------------------------------------------------------- one task of the job at a time


def test_refuses_while_another_run_of_the_job_runs(run_module, held):
    started_by = f"migrate-{uuid.uuid4().hex[:8]}"
    first = run_module(
        "ecs_run_task", held.args(started_by=started_by, run_id="run-1", wait=False, if_running="refuse")
    )
    assert not first.failed, first
    assert first["client_token"] and len(first["client_token"]) <= 64
    (task,) = held.tasks(started_by)
    assert {
        t["key"]: t["value"]
        for t in held.ecs.describe_tasks(cluster=held.cluster, tasks=[task["taskArn"]], include=["TAGS"])["tasks"][0][
            "tags"
        ]
    } == {"PlatformRunId": "run-1"}

    args = held.args(started_by=started_by, run_id="run-2", if_running="refuse", command=["alembic", "upgrade", "head"])
    planned = run_module("ecs_run_task", args, check_mode=True)
    assert not planned.failed, planned
    assert planned["would_run"]["refused_by"] == first["task_arn"]
    assert [t["task_id"] for t in planned["running_tasks"]] == [first["task_id"]]
    assert "Check mode: Refusing" in json.dumps(planned.get("warnings", []))

    refused = run_module("ecs_run_task", args)
    assert refused.failed and not refused.get("changed"), refused
    msg = refused["msg"]
    assert f"task {first['task_id']} ({first['task_arn']}, {held.family}:1, run run-1) is RUNNING since" in msg
    assert f"started by {started_by}" in msg
    assert f"aws ecs stop-task --region us-east-1 --cluster {held.cluster} --task {first['task_id']}" in msg
    assert refused["running_task_arn"] == first["task_arn"] and refused["task_arn"] is None
    assert len(held.tasks(started_by)) == 1, "nothing was started"

    # the same run repeated (same run_id and request, e.g. after Ctrl-C or an error): its own task is waited for
    again = run_module(
        "ecs_run_task", held.args(started_by=started_by, run_id="run-1", wait=False, if_running="refuse")
    )
    assert not again.failed, again
    assert again["attached"] is True and again["task_arn"] == first["task_arn"]
    assert len(held.tasks(started_by)) == 1

    # "start" ignores it
    forced = run_module("ecs_run_task", dict(args, wait=False, if_running="start"))
    assert not forced.failed and forced["attached"] is False
    assert len(held.tasks(started_by)) == 2
    for t in held.tasks(started_by):
        held.ecs.stop_task(cluster=held.cluster, task=t["taskArn"], reason="test cleanup")


def test_same_run_id_starts_one_task_and_new_run_ids_start_new_ones(run_module, stack):
    started_by = f"migrate-{uuid.uuid4().hex[:8]}"
    args = stack.args(started_by=started_by, run_id="release-1", if_running="refuse")
    first = run_module("ecs_run_task", args)
    assert not first.failed and first["last_status"] == "STOPPED", first
    retried = run_module("ecs_run_task", args)
    assert not retried.failed, retried
    assert retried["client_token"] == first["client_token"]
    assert retried["task_arn"] == first["task_arn"], "ECS answered the repeated token with the first task"
    assert len(stack.tasks(started_by)) == 1
    second = run_module("ecs_run_task", dict(args, run_id="release-2"))
    third = run_module("ecs_run_task", dict(args, run_id="release-3"))
    assert not second.failed and not third.failed
    assert len({first["client_token"], second["client_token"], third["client_token"]}) == 3
    assert len({t["taskArn"] for t in stack.tasks(started_by)}) == 3


def test_attach_running_is_a_deprecated_alias(run_module, stack):
    result = run_module("ecs_run_task", stack.args(attach_running=False))
    assert not result.failed, result
    # ansible-core drops deprecation messages when deprecation warnings are switched off in the
    # process (ANSIBLE_DEPRECATION_WARNINGS, as another test of the same xdist worker may leave them):
    # the message is checked whenever deprecations are reported at all.
    deprecations = result.get("deprecations") or []
    assert not deprecations or "attach_running is deprecated" in json.dumps(deprecations)
    both = run_module("ecs_run_task", stack.args(attach_running=True, if_running="refuse"))
    assert both.failed and "mutually exclusive" in both["msg"]
    bad = run_module("ecs_run_task", stack.args(run_id="no|pipes"))
    assert bad.failed and "run_id must be 1 to 200 letters" in bad["msg"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_task(held, tmp_path, signum):
    """Ctrl-C (SIGINT) or an AWX cancel (SIGTERM) reaching the module process: the task is stopped."""
    args = held.args(run_id=f"run-{signum}", wait_timeout=120, poll_interval=0.2)
    args.update(region=REGION, access_key="testing", secret_key="testing")
    (tmp_path / "args.json").write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ, PYTHONPATH=f"{ROOT / '.local' / 'collections'}{os.pathsep}{ROOT}")
    proc = subprocess.Popen(  # noqa: S603 - our module, our arguments
        [sys.executable, "-m", "ansible_collections.platform_ops.aws.plugins.modules.ecs_run_task", "args.json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not held.tasks(args["started_by"]):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the module never started a task"
            time.sleep(0.05)
        time.sleep(0.3)  # RunTask answered: the module is polling
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, (out, err)
    result = json.loads(out)
    name = signal.Signals(signum).name
    assert result["failed"] and result["interrupted"] == name
    assert f"Interrupted by {name} while task {result['task_id']} ran" in result["msg"]
    assert "was stopped (StopTask reason: stopped by ansible: run interrupted" in result["msg"]
    (task,) = held.tasks(args["started_by"])
    assert task["lastStatus"] == "STOPPED"
    assert task["stoppedReason"] == f"stopped by ansible: run interrupted ({name}, run run-{signum})"


def test_an_error_while_waiting_stops_the_task(run_module, held, monkeypatch):
    """SIMULATED: the DescribeTasks calls of the wait (not the look for running tasks, which asks for
    TAGS) answer AccessDenied; the task, its start and its stop are real."""
    original = botocore.client.BaseClient._make_api_call

    def denied(self, operation, params):
        if operation == "DescribeTasks" and "include" not in params:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, operation
            )
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", denied)
    args = held.args(run_id="run-denied", if_running="refuse")
    result = run_module("ecs_run_task", args)
    monkeypatch.undo()
    assert result.failed and result.changed, result
    assert f"Failed to describe task {result['task_arn']}. Task {result['task_id']} was stopped" in result["msg"]
    (task,) = held.tasks(args["started_by"])
    assert task["lastStatus"] == "STOPPED"
    assert task["stoppedReason"] == "stopped by ansible: waiting for the task failed (run run-denied)"
