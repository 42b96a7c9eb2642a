"""platform_ops.aws.ecs_rollout against the moto server.

How moto (5.2.5, moto/ecs/models.py) reports deployments, which these tests rely on:

* ``Service.__init__`` builds ONE deployment when the service is created: ``rolloutState`` is
  ``COMPLETED`` when ``MOTO_ECS_SERVICE_RUNNING >= desiredCount``, otherwise ``IN_PROGRESS``
  forever; ``failedTasks`` is ``MOTO_ECS_SERVICE_FAILED_TASKS``. moto never reports ``FAILED``.
* ``UpdateService`` changes ``service.taskDefinition`` but neither creates a new deployment nor
  touches the existing one (same id, same rolloutState, old taskDefinition).
* ``ListTasks`` ignores ``serviceName`` (the module filters stopped tasks by ``group``).

So a failing deployment is a deployment that never completes: the session server runs with
``MOTO_ECS_SERVICE_RUNNING=2``, a service with ``desiredCount=3`` stays ``IN_PROGRESS``; a second
server started here with ``MOTO_ECS_SERVICE_RUNNING=0`` and ``MOTO_ECS_SERVICE_FAILED_TASKS=2`` also
reports failed tasks. A ``FAILED`` rolloutState can only be simulated (see the last rollback test).
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import botocore.client
import pytest
from ansible_collections.platform_ops.aws.plugins.filter import ecs as f

from tests.conftest import moto_server, set_faults

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
ACCOUNT = "123456789012"
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-execution"
TASK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/backend-task"
SECRET_NAME = "caseapp-test-db-url"
FAST = {"poll_interval": 0.1}


@pytest.fixture(scope="module")
def failing_moto(tmp_path_factory):
    """A second moto server whose ECS deployments never complete and report 2 failed tasks."""
    log = tmp_path_factory.mktemp("moto-failing") / "moto.log"
    with moto_server(log, MOTO_ECS_SERVICE_RUNNING="0", MOTO_ECS_SERVICE_FAILED_TASKS="2") as endpoint:
        yield endpoint


def _client(service: str, endpoint: str):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def _network(endpoint: str):
    ec2 = _client("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    # moto's awsvpc RunTask crashes (HTTP 500, ENI without private_dns_name) unless DNS hostnames are on
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=f"app-{uuid.uuid4().hex[:6]}", Description="app", VpcId=vpc)["GroupId"]
    return subnet, group


@pytest.fixture(scope="module")
def network(moto_endpoint):
    return _network(moto_endpoint)


def secret_arn(endpoint: str) -> str:
    """The full ARN of a secret that exists on that server: ECS (and the emulator's ecs_image_pull rule)
    starts no task whose secrets[].valueFrom resolves to no secret."""
    sm = _client("secretsmanager", endpoint)
    try:
        return sm.describe_secret(SecretId=SECRET_NAME)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        return sm.create_secret(Name=SECRET_NAME, SecretString="postgresql://app@db/app")["ARN"]


def _register(ecs, family: str, image: str = "registry.example:5000/caseapp/backend:1") -> str:
    return ecs.register_task_definition(
        family=family,
        # the first container is a non-essential sidecar: the default must pick "app"
        containerDefinitions=[
            {
                "name": "log-router",
                "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32",
                "essential": False,
                "memoryReservation": 64,
            },
            {
                "name": "app",
                "image": image,
                "essential": True,
                # moto's RunTask crashes (HTTP 500) on a container without memory/memoryReservation
                "memoryReservation": 256,
                "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
                "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "APP_ENV", "value": "test"}],
                "secrets": [{"name": "DATABASE_URL", "valueFrom": secret_arn(ecs.meta.endpoint_url)}],
                "readonlyRootFilesystem": True,
                "user": "1000",
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": f"/{family}",
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            },
        ],
        cpu="512",
        memory="1024",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        executionRoleArn=EXEC_ROLE,
        taskRoleArn=TASK_ROLE,
        runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
        volumes=[{"name": "tmp"}],
        tags=[{"key": "Project", "value": "caseapp"}, {"key": "DataClassification", "value": "phi"}],
    )["taskDefinition"]["taskDefinitionArn"]


def _service(ecs, cluster, name, task_definition, *, net, desired=1, breaker=False):
    subnet, group = net
    extra = {"deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}}
    ecs.create_service(
        cluster=cluster,
        serviceName=name,
        taskDefinition=task_definition,
        desiredCount=desired,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        **(extra if breaker else {}),
    )


def _setup(endpoint, net, services=(("backend", 1),), breaker=False):
    """A cluster with services, each on revision 1 of its own family. Returns (ecs, cluster, {name: arn})."""
    ecs = _client("ecs", endpoint)
    suffix = uuid.uuid4().hex[:8]
    cluster = f"rollout-{suffix}"
    ecs.create_cluster(clusterName=cluster)
    arns = {}
    for short, desired in services:
        name = f"{cluster}-{short}"
        arns[name] = _register(ecs, name)
        _service(ecs, cluster, name, arns[name], net=net, desired=desired, breaker=breaker)
    return ecs, cluster, arns


def _service_td(ecs, cluster, name) -> str:
    return ecs.describe_services(cluster=cluster, services=[name])["services"][0]["taskDefinition"]


def _revisions(ecs, family) -> list[str]:
    return ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]


def _app(td: dict) -> dict:
    return next(c for c in td["containerDefinitions"] if c["name"] == "app")


def _reset_counts(endpoint):
    req = urllib.request.Request(f"{endpoint}/_platform_ops/requests/reset", method="POST")  # noqa: S310
    urllib.request.urlopen(req, timeout=5).close()  # noqa: S310 - loopback only


def _counts(endpoint) -> dict:
    with urllib.request.urlopen(f"{endpoint}/_platform_ops/requests", timeout=5) as resp:  # noqa: S310
        return json.load(resp)["by_operation"]


def test_rollout_registers_a_faithful_copy_and_is_idempotent(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()

    result = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "image_tag": "2026.11.23-abc"}], **FAST}
    )
    assert not result.failed, result
    assert result.changed
    (svc,) = result["services"]
    assert svc["service"] == name and svc["changed"] is True and svc["container"] == "app"
    assert svc["previous_task_definition"] == rev1
    assert svc["task_definition"].endswith(f"task-definition/{name}:2")
    assert svc["image_before"] == "registry.example:5000/caseapp/backend:1"
    assert svc["image_after"] == "registry.example:5000/caseapp/backend:2026.11.23-abc"
    assert svc["rollout_state"] == "COMPLETED"
    assert svc["rolled_back"] is False

    # real state: the service runs revision 2, a faithful copy with only the image changed
    assert _service_td(ecs, cluster, name) == svc["task_definition"]
    old = ecs.describe_task_definition(taskDefinition=rev1, include=["TAGS"])
    new = ecs.describe_task_definition(taskDefinition=svc["task_definition"], include=["TAGS"])
    for field in (
        "cpu",
        "memory",
        "networkMode",
        "requiresCompatibilities",
        "executionRoleArn",
        "taskRoleArn",
        "runtimePlatform",
        "volumes",
        "family",
    ):
        assert new["taskDefinition"][field] == old["taskDefinition"][field], field
    assert new["tags"] == old["tags"]
    assert new["taskDefinition"]["containerDefinitions"][0] == old["taskDefinition"]["containerDefinitions"][0]
    old_app, new_app = _app(old["taskDefinition"]), _app(new["taskDefinition"])
    assert new_app["image"] == "registry.example:5000/caseapp/backend:2026.11.23-abc"
    assert {k: v for k, v in new_app.items() if k != "image"} == {k: v for k, v in old_app.items() if k != "image"}

    # second identical run: nothing registered, nothing updated, few API calls
    _reset_counts(moto_endpoint)
    again = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "image_tag": "2026.11.23-abc"}], **FAST}
    )
    assert not again.failed and not again.changed, again
    assert again["services"][0]["changed"] is False
    assert again["services"][0]["task_definition"] == svc["task_definition"]
    assert len(_revisions(ecs, name)) == 2
    counts = _counts(moto_endpoint)
    assert counts.get("ecs.DescribeServices") == 1
    assert counts.get("ecs.DescribeTaskDefinition") == 1
    assert not any(op in counts for op in ("ecs.RegisterTaskDefinition", "ecs.UpdateService"))


def test_check_mode_and_diff_change_nothing(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    args = {
        "cluster": cluster,
        "services": [
            {
                "service": name,
                "image_tag": "3",
                "environment": {"FEATURE_X": True},
                "secrets": {"JWT_SECRET": secret_arn(moto_endpoint)},
            }
        ],
        **FAST,
    }
    result = run_module("ecs_rollout", args, check_mode=True, diff=True)
    assert not result.failed, result
    assert result.changed
    svc = result["services"][0]
    assert svc["changed"] is True and svc["task_definition"] is None and svc["new_task_definition"] is None
    assert svc["image_before"].endswith(":1") and svc["image_after"].endswith(":3")
    before, after = result["diff"]["before"]["services"][name], result["diff"]["after"]["services"][name]
    assert before["image"].endswith("backend:1") and after["image"].endswith("backend:3")
    assert before["environment"] == ["APP_ENV", "LOG_LEVEL"]
    assert after["environment"] == ["APP_ENV", "FEATURE_X", "LOG_LEVEL"]
    assert after["secrets"] == ["DATABASE_URL", "JWT_SECRET"]
    assert after["task_definition"] == "(new revision)"
    assert secret_arn(moto_endpoint) not in json.dumps(result["diff"]), "the diff shows secret names only"
    # nothing changed in AWS
    assert _revisions(ecs, name) == [rev1]
    assert _service_td(ecs, cluster, name) == rev1


def test_environment_secrets_and_container_selection(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, _rev1),) = arns.items()
    result = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [
                {
                    "service": name,
                    "environment": {"LOG_LEVEL": "debug", "WORKERS": 4, "FEATURE_X": False},
                    "secrets": {"JWT_SECRET": secret_arn(moto_endpoint)},
                }
            ],
            **FAST,
        },
        diff=True,
    )
    assert not result.failed and result.changed, result
    app = _app(ecs.describe_task_definition(taskDefinition=_service_td(ecs, cluster, name))["taskDefinition"])
    assert app["image"].endswith("backend:1"), "the image is untouched when only the environment changes"
    assert {e["name"]: e["value"] for e in app["environment"]} == {
        "LOG_LEVEL": "debug",
        "APP_ENV": "test",
        "WORKERS": "4",
        "FEATURE_X": "false",
    }
    assert {s["name"] for s in app["secrets"]} == {"DATABASE_URL", "JWT_SECRET"}

    # same values in another order: no new revision
    again = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [
                {
                    "service": name,
                    "environment": {"FEATURE_X": False, "WORKERS": "4", "LOG_LEVEL": "debug"},
                    "secrets": {"JWT_SECRET": secret_arn(moto_endpoint)},
                }
            ],
            **FAST,
        },
    )
    assert not again.changed, again
    assert len(_revisions(ecs, name)) == 2

    # purge_environment keeps only the given variables; an explicit container changes the sidecar
    purge = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [{"service": name, "environment": {"ONLY": "1"}, "purge_environment": True}],
            **FAST,
        },
    )
    assert purge.changed, purge
    app = _app(ecs.describe_task_definition(taskDefinition=_service_td(ecs, cluster, name))["taskDefinition"])
    assert app["environment"] == [{"name": "ONLY", "value": "1"}]
    assert {s["name"] for s in app["secrets"]} == {"DATABASE_URL", "JWT_SECRET"}, "secrets not purged"

    sidecar = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [{"service": name, "container": "log-router", "image": "public.ecr.aws/fluent-bit:3.0"}],
            **FAST,
        },
    )
    assert sidecar.changed and sidecar["services"][0]["container"] == "log-router", sidecar
    td = ecs.describe_task_definition(taskDefinition=_service_td(ecs, cluster, name))["taskDefinition"]
    assert td["containerDefinitions"][0]["image"] == "public.ecr.aws/fluent-bit:3.0"
    assert _app(td)["image"].endswith("backend:1")


def test_services_roll_out_together_in_one_wait_loop(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network, services=(("backend", 1), ("worker", 2), ("web", 1)))
    backend, worker, web = arns
    # web already runs the requested image: it must stay as it is
    _reset_counts(moto_endpoint)
    result = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [
                {"service": backend, "image_tag": "7"},
                {"service": worker, "image": "registry.example:5000/caseapp/worker:7"},
                {"service": web, "image_tag": "1"},
            ],
            **FAST,
        },
    )
    counts = _counts(moto_endpoint)
    assert not result.failed, result
    by_name = {s["service"]: s for s in result["services"]}
    assert [s["service"] for s in result["services"]] == [backend, worker, web]
    assert by_name[backend]["changed"] and by_name[worker]["changed"] and not by_name[web]["changed"]
    assert all(by_name[n]["rollout_state"] == "COMPLETED" for n in (backend, worker))
    assert _service_td(ecs, cluster, backend).endswith(":2")
    assert _service_td(ecs, cluster, worker).endswith(":2")
    assert _service_td(ecs, cluster, web) == arns[web]
    assert counts["ecs.RegisterTaskDefinition"] == 2 and counts["ecs.UpdateService"] == 2
    # one DescribeServices to plan, one poll for both services (both complete at once on moto)
    assert counts["ecs.DescribeServices"] == 2


def test_wait_false_returns_after_update(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network, services=(("backend", 3),))
    ((name, _),) = arns.items()
    start = time.monotonic()
    result = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "image_tag": "9"}], "wait": False, "wait_timeout": 60},
    )
    assert not result.failed and result.changed, result
    assert time.monotonic() - start < 10
    assert result["services"][0]["rollout_state"] == "IN_PROGRESS"
    assert _service_td(ecs, cluster, name).endswith(":2")


def test_timeout_rolls_back_only_the_failing_service(run_module, moto_endpoint, network):
    # desiredCount 3 > MOTO_ECS_SERVICE_RUNNING=2: that deployment never completes on moto
    ecs, cluster, arns = _setup(moto_endpoint, network, services=(("good", 1), ("stuck", 3)))
    good, stuck = arns
    result = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [{"service": good, "image_tag": "2"}, {"service": stuck, "image_tag": "2"}],
            "wait_timeout": 2,
            **FAST,
        },
    )
    assert result.failed, result
    assert result.changed
    assert "Rollout failed for 1 of 2 services" in result["msg"]
    assert f"{stuck}: deployment did not complete within 2s (rolloutState IN_PROGRESS" in result["msg"]
    assert f"rolled back to {stuck}:1" in result["msg"]
    by_name = {s["service"]: s for s in result["services"]}
    assert by_name[good]["rollout_state"] == "COMPLETED" and by_name[good]["rolled_back"] is False
    assert by_name[stuck]["rolled_back"] is True
    assert by_name[stuck]["task_definition"] == arns[stuck]
    assert by_name[stuck]["new_task_definition"].endswith(f"{stuck}:2")
    # real state: the good service keeps its new revision, the stuck one is back on the previous one
    assert _service_td(ecs, cluster, good).endswith(f"{good}:2")
    assert _service_td(ecs, cluster, stuck) == arns[stuck]


def test_failing_deployment_rolls_back_with_reasons(run_module, failing_moto):
    """Second moto server: deployments stay IN_PROGRESS with failedTasks=2."""
    net = _network(failing_moto)
    ecs, cluster, arns = _setup(failing_moto, net)
    ((name, rev1),) = arns.items()
    # A task the service scheduler would have started (group "service:<name>") that crashed.
    task = ecs.run_task(
        cluster=cluster,
        taskDefinition=rev1,
        launchType="FARGATE",
        group=f"service:{name}",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [net[0]], "securityGroups": [net[1]]}},
    )["tasks"][0]["taskArn"]
    ecs.stop_task(cluster=cluster, task=task, reason="Essential container in task exited")

    result = run_module(
        "ecs_rollout",
        {
            "endpoint_url": failing_moto,
            "cluster": cluster,
            "services": [{"service": name, "image_tag": "bad"}],
            "wait_timeout": 1,
            **FAST,
        },
    )
    assert result.failed, result
    msg = result["msg"]
    assert "deployment did not complete within 1s" in msg
    assert "2 failed tasks" in msg
    assert "Essential container in task exited" in msg
    assert f"rolled back to {name}:1" in msg
    assert "rollback deployment did not complete" in msg  # moto keeps that deployment IN_PROGRESS too
    svc = result["services"][0]
    assert svc["rolled_back"] is True and svc["rollout_state"] == "IN_PROGRESS"
    # real state: revision 2 was registered, but the service is back on revision 1
    assert len(_revisions(ecs, name)) == 2
    assert _service_td(ecs, cluster, name) == rev1


def test_failed_rollout_state_rolls_back(run_module, moto_endpoint, network, monkeypatch):
    """moto never reports rolloutState FAILED; simulate ECS's circuit breaker verdict in the
    DescribeServices responses (the module itself is unchanged) while the service runs revision 2."""
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    original = botocore.client.BaseClient._make_api_call

    def fake_failed(self, operation, params):
        response = original(self, operation, params)
        if operation == "DescribeServices":
            for service in response.get("services", []):
                if service["taskDefinition"].endswith(f"{name}:2"):
                    for deployment in service.get("deployments", []):
                        deployment["rolloutState"] = "FAILED"
                        deployment["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", fake_failed)
    result = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "image_tag": "broken"}], "wait_timeout": 30, **FAST},
    )
    monkeypatch.undo()
    assert result.failed, result
    assert "deployment FAILED: ECS deployment circuit breaker: tasks failed to start." in result["msg"]
    assert "rollback completed" in result["msg"]
    assert result["services"][0]["rollout_state"] == "FAILED"
    assert result["services"][0]["rollback_state"] == "COMPLETED"
    assert _service_td(ecs, cluster, name) == rev1


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ([], "at least one service"),
        ([{"service": "x", "image": "a:1", "image_tag": "2"}], "mutually exclusive"),
        ([{"service": "x"}], "set one of image, image_tag, environment or secrets"),
        ([{"service": "x", "image_tag": "-bad tag"}], "is not a valid image tag"),
        ([{"service": "x", "image_tag": "1"}, {"service": "x", "image_tag": "2"}], "listed more than once"),
        ([{"service": "x", "secrets": {"S": ""}}], "needs a valueFrom ARN"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, moto_endpoint, services, message):
    _reset_counts(moto_endpoint)
    result = run_module("ecs_rollout", {"cluster": "nope", "services": services})
    assert result.failed and message in result["msg"], result
    assert not any(op.startswith("ecs.") for op in _counts(moto_endpoint))


def test_missing_service_and_container_fail_clearly(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    result = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "image_tag": "2"}, {"service": "ghost", "image_tag": "2"}]},
    )
    assert result.failed and f"Services not found (or inactive) in cluster {cluster}: ghost" in result["msg"]
    result = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "container": "nginx", "image_tag": "2"}]}
    )
    assert result.failed
    assert f"container 'nginx' is not in task definition {name}:1 (containers: log-router, app)" in result["msg"]
    assert _revisions(ecs, name) == [rev1] and _service_td(ecs, cluster, name) == rev1


# ------------------------------------------------------------------ moving to an existing task definition


def _td_arn(ecs, reference) -> str:
    return ecs.describe_task_definition(taskDefinition=reference)["taskDefinition"]["taskDefinitionArn"]


def test_revision_previous_rolls_back_and_task_definition_is_idempotent(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    rollout = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "image": "registry.example:5000/x:2"}], **FAST},
    )
    assert not rollout.failed and rollout.changed, rollout
    rev2 = rollout["services"][0]["task_definition"]
    assert rev2.endswith(f"{name}:2") and _service_td(ecs, cluster, name) == rev2

    # revision: previous brings it back to revision 1, registering nothing
    _reset_counts(moto_endpoint)
    back = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "revision": "previous"}], **FAST}
    )
    counts = _counts(moto_endpoint)
    assert not back.failed and back.changed, back
    (svc,) = back["services"]
    assert svc["changed"] is True and svc["rolled_back"] is False
    assert svc["previous_task_definition"] == rev2 and svc["task_definition"] == rev1
    assert svc["new_task_definition"] is None
    assert svc["container"] == "app"
    assert svc["image_before"] == "registry.example:5000/x:2"
    assert svc["image_after"] == "registry.example:5000/caseapp/backend:1"
    assert svc["rollout_state"] == "COMPLETED"
    assert _service_td(ecs, cluster, name) == rev1
    assert len(_revisions(ecs, name)) == 2
    assert "ecs.RegisterTaskDefinition" not in counts and counts["ecs.UpdateService"] == 1

    # the same target again, by ARN and by family:revision: nothing to do, no write
    for reference in (rev1, f"{name}:1"):
        _reset_counts(moto_endpoint)
        again = run_module(
            "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "task_definition": reference}], **FAST}
        )
        counts = _counts(moto_endpoint)
        assert not again.failed and not again.changed, again
        assert again["services"][0]["changed"] is False
        assert again["services"][0]["task_definition"] == again["services"][0]["previous_task_definition"] == rev1
        assert not any(op in counts for op in ("ecs.RegisterTaskDefinition", "ecs.UpdateService"))
        assert counts["ecs.DescribeServices"] == 1 and counts["ecs.DescribeTaskDefinition"] == 1
    assert _service_td(ecs, cluster, name) == rev1

    # revision 1 has no predecessor: a clear failure, nothing changes
    _reset_counts(moto_endpoint)
    first = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "revision": "previous"}], **FAST}
    )
    assert first.failed, first
    assert f"services[{name}]: revision previous: the service runs {name}:1" in first["msg"]
    assert "no ACTIVE revision before it that is not marked failed; nothing to roll back to" in first["msg"]
    assert "ecs.UpdateService" not in _counts(moto_endpoint)
    assert _service_td(ecs, cluster, name) == rev1

    # and forward again to a given revision by family:revision
    forward = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "task_definition": f"{name}:2"}], **FAST}
    )
    assert not forward.failed and forward.changed, forward
    assert forward["services"][0]["task_definition"] == rev2
    assert _service_td(ecs, cluster, name) == rev2


def test_revision_previous_check_mode_and_diff(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    rev2 = _register(ecs, name, image="registry.example:5000/caseapp/backend:2")
    ecs.update_service(cluster=cluster, service=name, taskDefinition=rev2)

    _reset_counts(moto_endpoint)
    result = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "revision": "previous"}], **FAST},
        check_mode=True,
        diff=True,
    )
    assert not result.failed and result.changed, result
    svc = result["services"][0]
    assert svc["changed"] is True and svc["task_definition"] == rev1 and svc["previous_task_definition"] == rev2
    assert svc["rollout_state"] is None
    before, after = result["diff"]["before"]["services"][name], result["diff"]["after"]["services"][name]
    assert before["task_definition"] == f"{name}:2" and after["task_definition"] == f"{name}:1"
    assert before["image"].endswith("backend:2") and after["image"].endswith("backend:1")
    assert secret_arn(moto_endpoint) not in json.dumps(result["diff"])
    assert not any(op in _counts(moto_endpoint) for op in ("ecs.RegisterTaskDefinition", "ecs.UpdateService"))
    assert _service_td(ecs, cluster, name) == rev2

    # no-op in check mode too
    same = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "task_definition": rev2}]},
        check_mode=True,
        diff=True,
    )
    # the service is not moved; only the known-good record of its COMPLETED deployment would be written
    assert not same.failed and same.changed, same
    assert same["services"][0]["changed"] is False and same["services"][0]["known_good_revisions"] == [2]
    assert same["diff"]["before"] == same["diff"]["after"]
    assert "ecs.TagResource" not in _counts(moto_endpoint)
    recorded = run_module("ecs_rollout", {"cluster": cluster, "services": [{"service": name, "task_definition": rev2}]})
    assert recorded.changed and recorded["services"][0]["last_known_good"] == rev2, recorded
    again = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "task_definition": rev2}]},
        check_mode=True,
    )
    assert not again.failed and not again.changed, again


def test_revision_previous_skips_deregistered_revisions(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    rev2 = _register(ecs, name, image="registry.example:5000/caseapp/backend:2")
    rev3 = _register(ecs, name, image="registry.example:5000/caseapp/backend:3")
    _register(ecs, f"{name}-worker")  # a longer family with the same prefix is not part of the family
    ecs.update_service(cluster=cluster, service=name, taskDefinition=rev3)
    ecs.deregister_task_definition(taskDefinition=rev2)

    result = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "revision": "previous"}], **FAST}
    )
    assert not result.failed and result.changed, result
    assert result["services"][0]["task_definition"] == rev1
    assert _service_td(ecs, cluster, name) == rev1

    # ECS cannot move a service to a deregistered revision: refused before any update
    _reset_counts(moto_endpoint)
    inactive = run_module("ecs_rollout", {"cluster": cluster, "services": [{"service": name, "task_definition": rev2}]})
    assert inactive.failed, inactive
    assert f"task definition {name}:2 is INACTIVE (deregistered); ECS cannot move a service to it" in inactive["msg"]
    missing = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "task_definition": f"{name}:99"}]}
    )
    assert missing.failed and f"task definition {name}:99 not found" in missing["msg"], missing
    assert "ecs.UpdateService" not in _counts(moto_endpoint)
    assert _service_td(ecs, cluster, name) == rev1


def test_move_that_does_not_complete_is_rolled_back(run_module, moto_endpoint, network):
    # desiredCount 3 > MOTO_ECS_SERVICE_RUNNING=2: the deployment never completes on moto
    ecs, cluster, arns = _setup(moto_endpoint, network, services=(("stuck", 3),))
    ((name, rev1),) = arns.items()
    rev2 = _register(ecs, name, image="registry.example:5000/caseapp/backend:2")
    result = run_module(
        "ecs_rollout",
        {
            "cluster": cluster,
            "services": [{"service": name, "task_definition": f"{name}:2"}],
            "wait_timeout": 1,
            **FAST,
        },
    )
    assert result.failed, result
    assert f"{name}: deployment did not complete within 1s" in result["msg"]
    assert f"rolled back to {name}:1" in result["msg"]
    svc = result["services"][0]
    assert svc["rolled_back"] is True and svc["task_definition"] == rev1 and svc["new_task_definition"] is None
    assert _service_td(ecs, cluster, name) == rev1
    assert _revisions(ecs, name) == [rev1, rev2], "a move registers nothing"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"revision": "previous", "image": "a:1"}, "mutually exclusive"),
        ({"revision": "previous", "image_tag": "2"}, "mutually exclusive"),
        ({"task_definition": "app:1", "image_tag": "2"}, "mutually exclusive"),
        ({"task_definition": "app:1", "revision": "previous"}, "mutually exclusive"),
        ({"task_definition": "app:1", "environment": {"A": "1"}}, "mutually exclusive"),
        ({"revision": "previous", "container": "app"}, "mutually exclusive"),
        ({"revision": "last"}, "value of revision must be one of: previous, last_known_good"),
        ({"task_definition": "app"}, "task_definition 'app' must be family:revision"),
        ({"task_definition": "app:latest"}, "must be family:revision"),
        ({"task_definition": "arn:aws:ecs:us-east-1:123456789012:service/app"}, "must be family:revision"),
        ({"revision": "previous", "purge_environment": True}, "purge_environment and purge_secrets apply to rollouts"),
    ],
)
def test_bad_move_input_fails_before_any_aws_call(run_module, moto_endpoint, entry, message):
    _reset_counts(moto_endpoint)
    result = run_module("ecs_rollout", {"cluster": "nope", "services": [{"service": "x", **entry}]})
    assert result.failed and message in result["msg"], result
    assert not any(op.startswith("ecs.") for op in _counts(moto_endpoint))


def test_task_definition_reference_helpers():
    from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
        parse_task_definition_ref,
        previous_revision,
    )

    assert parse_task_definition_ref("app:3") == ("app", 3)
    assert parse_task_definition_ref("arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:41") == (
        "caseapp-prod-backend",
        41,
    )
    assert parse_task_definition_ref("app") is None
    assert parse_task_definition_ref("app:0") is None
    assert previous_revision({1: "a", 3: "c", 5: "e"}, 5) == 3
    assert previous_revision({1: "a", 3: "c", 5: "e"}, 4) == 3
    assert previous_revision({2: "b"}, 2) is None


# ------------------------------------------------------------------ last known good, failed revisions, resume
# The launcher's ECS deployment faults: ecs_deployment_fail (image globs whose deployments FAIL with the
# circuit breaker) and ecs_deployment_seconds (a new deployment is IN_PROGRESS that long).


@pytest.fixture
def ecs_faults(moto_endpoint):
    """``ecs_faults(ecs_deployment_fail=[...], ecs_deployment_seconds=N)``; switched off after the test."""
    yield lambda **config: set_faults(moto_endpoint, **config)
    set_faults(moto_endpoint)


def _tags(ecs, arn) -> dict:
    return {t["key"]: t["value"] for t in ecs.list_tags_for_resource(resourceArn=arn)["tags"]}


def _service_arn(ecs, cluster, name) -> str:
    return ecs.describe_services(cluster=cluster, services=[name])["services"][0]["serviceArn"]


def _rollout(run_module, cluster, name, check_mode=False, **entry):
    args = {"cluster": cluster, "services": [{"service": name, **entry}], "wait_timeout": 30, **FAST}
    return run_module("ecs_rollout", args, check_mode=check_mode)


def test_failed_rollout_marks_the_revision_and_previous_never_selects_it(
    run_module, moto_endpoint, network, ecs_faults
):
    bad = f"bad-{uuid.uuid4().hex[:6]}"
    ecs_faults(ecs_deployment_fail=[f"*:{bad}"])
    ecs, cluster, arns = _setup(moto_endpoint, network, breaker=True)
    ((name, rev1),) = arns.items()
    service_arn = _service_arn(ecs, cluster, name)

    good = _rollout(run_module, cluster, name, image_tag="2")
    assert not good.failed and good.changed, good
    rev2 = good["services"][0]["task_definition"]
    assert good["services"][0]["known_good_revisions"] == [2, 1]
    assert good["services"][0]["last_known_good"] == rev2
    assert _tags(ecs, service_arn) | {"PlatformFailed": ""} == {
        "PlatformFamily": name,
        "PlatformKnownGood": "2 1",
        "PlatformFailed": "",
    }

    failed = _rollout(run_module, cluster, name, image_tag=bad)
    assert failed.failed, failed
    svc = failed["services"][0]
    rev3 = svc["new_task_definition"]
    assert rev3.endswith(f"{name}:3")
    assert "deployment FAILED: ECS deployment circuit breaker: tasks failed to start." in failed["msg"]
    assert f"rolled back to {name}:2 (rollback completed); marked {name}:3 failed" in failed["msg"]
    assert svc["rolled_back"] is True and svc["task_definition"] == rev2 and svc["marked_failed"] == rev3
    assert svc["failed_revisions"] == [3] and svc["known_good_revisions"] == [2, 1]
    assert _service_td(ecs, cluster, name) == rev2
    assert _tags(ecs, rev3)["PlatformRollout"] == "failed"
    assert _tags(ecs, service_arn)["PlatformFailed"] == "3"
    assert _tags(ecs, service_arn)["PlatformKnownGood"] == "2 1"

    # a new image after the failure: the copy of revision 2 does not inherit the mark
    newer = _rollout(run_module, cluster, name, image_tag="4")
    assert not newer.failed and newer["services"][0]["task_definition"].endswith(f"{name}:4"), newer
    rev4 = newer["services"][0]["task_definition"]
    assert "PlatformRollout" not in _tags(ecs, rev4)
    assert newer["services"][0]["known_good_revisions"] == [4, 2, 1]

    # previous from 4: the newest known good below it, never the failed 3
    back = _rollout(run_module, cluster, name, revision="previous")
    assert not back.failed and back["services"][0]["task_definition"] == rev2, back
    assert back["services"][0]["known_good_revisions"] == [2, 4, 1]
    # last_known_good: the newest known-good revision other than the one running (4 again)
    forward = _rollout(run_module, cluster, name, revision="last_known_good")
    assert not forward.failed and forward["services"][0]["task_definition"] == rev4, forward
    assert _tags(ecs, service_arn)["PlatformKnownGood"] == "4 2 1"
    assert _tags(ecs, service_arn)["PlatformFailed"] == "3"
    assert _revisions(ecs, name) == [rev1, rev2, rev3, rev4]


def test_previous_without_a_known_good_list_skips_revisions_tagged_failed(run_module, moto_endpoint, network):
    """A stack deployed before the known-good list: the highest ACTIVE revision below that is not marked failed."""
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    rev2 = _register(ecs, name, image="registry.example:5000/caseapp/backend:2")
    rev3 = _register(ecs, name, image="registry.example:5000/caseapp/backend:3")
    ecs.tag_resource(resourceArn=rev2, tags=[{"key": "PlatformRollout", "value": "failed"}])
    ecs.update_service(cluster=cluster, service=name, taskDefinition=rev3)

    preview = _rollout(run_module, cluster, name, check_mode=True, revision="previous")
    assert not preview.failed and preview["services"][0]["task_definition"] == rev1, preview
    assert _service_td(ecs, cluster, name) == rev3
    back = _rollout(run_module, cluster, name, revision="previous")
    assert not back.failed and back["services"][0]["task_definition"] == rev1, back
    # revision 3's deployment had COMPLETED: it is recorded as known good behind revision 1
    assert back["services"][0]["known_good_revisions"] == [1, 3]
    ecs.deregister_task_definition(taskDefinition=rev3)
    # the only other known-good revision is deregistered: last_known_good has nowhere to go
    nowhere = _rollout(run_module, cluster, name, revision="last_known_good")
    assert nowhere.failed and "revision last_known_good" in nowhere["msg"], nowhere
    assert "no other ACTIVE revision is recorded as known good (PlatformKnownGood: 1 3)" in nowhere["msg"]


def test_resume_waits_for_an_unfinished_deployment(run_module, moto_endpoint, network, ecs_faults):
    # Long enough that the check-mode run still finds the first deployment in progress on a loaded machine.
    ecs_faults(ecs_deployment_seconds=6)
    ecs, cluster, arns = _setup(moto_endpoint, network, breaker=True)
    ((name, rev1),) = arns.items()
    service_arn = _service_arn(ecs, cluster, name)

    # the service's first deployment is still in progress: check mode says so and writes nothing
    _reset_counts(moto_endpoint)
    preview = _rollout(run_module, cluster, name, check_mode=True, image_tag="1")
    assert not preview.failed and preview.changed, preview
    assert preview["services"][0]["resumed"] is True and preview["services"][0]["rollout_state"] == "IN_PROGRESS"
    assert not any(op in _counts(moto_endpoint) for op in ("ecs.UpdateService", "ecs.TagResource"))

    # the same image: nothing to register, but the run waits for that deployment and records it
    first = _rollout(run_module, cluster, name, image_tag="1")
    assert not first.failed and first.changed, first
    svc = first["services"][0]
    assert svc["resumed"] is True and svc["rollout_state"] == "COMPLETED" and svc["task_definition"] == rev1
    assert _tags(ecs, service_arn)["PlatformKnownGood"] == "1"

    # an interrupted rollout (wait: false stands in for Ctrl-C), then a re-run
    interrupted = run_module(
        "ecs_rollout", {"cluster": cluster, "services": [{"service": name, "image_tag": "2"}], "wait": False}
    )
    assert interrupted.changed and interrupted["services"][0]["rollout_state"] == "IN_PROGRESS", interrupted
    rerun = _rollout(run_module, cluster, name, image_tag="2")
    assert not rerun.failed and rerun.changed, rerun
    svc = rerun["services"][0]
    assert svc["resumed"] is True and svc["new_task_definition"] is None
    assert svc["rollout_state"] == "COMPLETED" and svc["known_good_revisions"] == [2, 1]
    settled = _rollout(run_module, cluster, name, image_tag="2")
    assert not settled.failed and not settled.changed, settled
    assert settled["services"][0]["resumed"] is False


def test_resume_rolls_back_to_the_last_known_good_not_the_revision_before(
    run_module, moto_endpoint, network, ecs_faults
):
    bad = f"bad-{uuid.uuid4().hex[:6]}"
    ecs_faults(ecs_deployment_fail=[f"*:{bad}"], ecs_deployment_seconds=1)
    ecs, cluster, arns = _setup(moto_endpoint, network, breaker=True)
    ((name, rev1),) = arns.items()
    assert _rollout(run_module, cluster, name, image_tag="1")["services"][0]["known_good_revisions"] == [1]

    failed = _rollout(run_module, cluster, name, image_tag=bad)
    assert failed.failed and f"rolled back to {name}:1" in failed["msg"], failed
    assert failed["services"][0]["failed_revisions"] == [2]

    # revision 3 (the bad image again) was started and the run interrupted
    rev3 = _register(ecs, name, image=f"registry.example:5000/caseapp/backend:{bad}")
    moved = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "task_definition": rev3}], "wait": False},
    )
    assert moved.changed and _service_td(ecs, cluster, name) == rev3, moved
    rerun = _rollout(run_module, cluster, name, task_definition=rev3)
    assert rerun.failed and rerun.changed, rerun
    svc = rerun["services"][0]
    assert svc["resumed"] is True and svc["rolled_back"] is True
    assert svc["task_definition"] == rev1, "the last known good, not revision 2 (the one before, which failed)"
    assert svc["failed_revisions"] == [3, 2] and svc["known_good_revisions"] == [1]
    assert f"rolled back to {name}:1 (rollback completed); marked {name}:3 failed" in rerun["msg"]
    assert _service_td(ecs, cluster, name) == rev1


def test_release_history_helpers():
    from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
        push_revision,
        release_history,
        revision_list,
        revision_tag_value,
    )

    assert revision_list("7 5 x 0 5 3") == [7, 5, 3]
    assert push_revision([7, 5, 3], 5) == [5, 7, 3]
    assert push_revision(list(range(20, 0, -1)), 21) == list(range(21, 1, -1)), "bounded to 20, oldest dropped"
    assert revision_tag_value([9999999] * 40) == " ".join(["9999999"] * 20)
    assert len(revision_tag_value(list(range(10**6, 10**6 + 40)), limit=40)) <= 256
    tags = [
        {"key": "PlatformFamily", "value": "app"},
        {"key": "PlatformKnownGood", "value": "4 2"},
        {"key": "PlatformFailed", "value": "3"},
    ]
    assert release_history(tags, "app") == ([4, 2], [3])
    assert release_history(tags, "other") == ([], []), "a list kept for another family does not apply"
    assert release_history([], "app") == ([], [])


def test_force_new_deployment_restarts_on_the_same_task_definition(run_module, moto_endpoint, network):
    ecs, cluster, arns = _setup(moto_endpoint, network)
    ((name, rev1),) = arns.items()
    args = {"cluster": cluster, "services": [{"service": name, "force_new_deployment": True}], **FAST}

    preview = run_module("ecs_rollout", args, check_mode=True)
    assert not preview.failed and preview.changed, preview
    assert preview["services"][0]["task_definition"] == rev1

    _reset_counts(moto_endpoint)
    result = run_module("ecs_rollout", args)
    assert not result.failed, result
    assert result.changed  # a restart is never a no-op
    (svc,) = result["services"]
    assert svc["changed"] is True and svc["task_definition"] == rev1 and svc["new_task_definition"] is None
    assert svc["rollout_state"] == "COMPLETED" and svc["rolled_back"] is False
    counts = _counts(moto_endpoint)
    assert counts.get("ecs.UpdateService") == 1
    assert "ecs.RegisterTaskDefinition" not in counts
    assert _revisions(ecs, name) == [rev1]
    assert _service_td(ecs, cluster, name) == rev1


def test_failed_restart_is_neither_rolled_back_nor_marked_failed(run_module, moto_endpoint, network):
    # desiredCount 3 > MOTO_ECS_SERVICE_RUNNING=2: that deployment never completes on moto
    ecs, cluster, arns = _setup(moto_endpoint, network, services=(("stuck", 3),))
    ((name, rev1),) = arns.items()
    result = run_module(
        "ecs_rollout",
        {"cluster": cluster, "services": [{"service": name, "force_new_deployment": True}], "wait_timeout": 2, **FAST},
    )
    assert result.failed and result.changed, result
    assert "a restart" in result["msg"] and "not rolled back" in result["msg"]
    (svc,) = result["services"]
    assert svc["rolled_back"] is False and svc["marked_failed"] is None
    assert _service_td(ecs, cluster, name) == rev1
    tags = ecs.list_tags_for_resource(resourceArn=rev1)["tags"]
    assert {"key": "PlatformRollout", "value": "failed"} not in tags


def _settled(run_module, cluster, name, arn):
    """The rollout stage's decision (ecs_service_rollout_settled) from the state it reads: the aws_read of
    ecs_service_state_reads (DescribeServices with the services' tags, the task definition each runs)."""
    short = name[len(cluster) + 1 :]
    read = run_module("aws_read", {"reads": f.ecs_state_reads([short], cluster, cluster)}, check_mode=True)
    assert not read.failed, read
    state = f.ecs_state(read["responses"], [short], cluster)
    release = f.ecs_release_plan({"register": [], "arns": {short: arn}}, list(state["existing"]), state)
    return f.ecs_rollout_settled([{"service": name, "task_definition": arn}], release)


def test_the_rollout_stage_skips_the_module_only_when_the_module_has_nothing_to_do(
    run_module, moto_endpoint, network, ecs_faults
):
    """ecs_service_rollout_settled (plugins/plugin_utils/_ecs/task_definitions.py) lets playbooks/rollout.yml
    leave ecs_rollout out; it must agree with the module: an answer only where the module changes nothing,
    and then the module's own answer."""
    ecs_faults(ecs_deployment_seconds=6)
    ecs, cluster, arns = _setup(moto_endpoint, network, breaker=True)
    ((name, rev1),) = arns.items()
    move = {"task_definition": rev1}

    # the first deployment is still in progress: the module would wait for it (resume)
    assert _settled(run_module, cluster, name, rev1) == []
    first = _rollout(run_module, cluster, name, **move)
    assert first.changed and first["services"][0]["resumed"] is True, first
    # COMPLETED and recorded as known good: nothing to do, and the answer is the module's
    settled = _settled(run_module, cluster, name, rev1)
    again = _rollout(run_module, cluster, name, **move)
    assert not again.failed and not again.changed, again
    assert settled == again["services"], (settled, again["services"])

    # COMPLETED but no longer recorded (a stack deployed before the bookkeeping): the module records it
    ecs.untag_resource(resourceArn=_service_arn(ecs, cluster, name), tagKeys=["PlatformKnownGood"])
    assert _settled(run_module, cluster, name, rev1) == []
    recorded = _rollout(run_module, cluster, name, **move)
    assert recorded.changed and not recorded["services"][0]["changed"], recorded

    # another target: the module updates the service
    rev2 = _register(ecs, name, image="registry.example:5000/caseapp/backend:2")
    assert _settled(run_module, cluster, name, rev2) == []
    # no state read by the rollout stage (provisioning's plan: it may have changed the services since)
    assert f.ecs_rollout_settled([{"service": name, "task_definition": rev1}], {"register": [], "arns": {}}) == []
