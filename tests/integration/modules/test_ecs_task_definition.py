"""platform_ops.aws.ecs_task_definition against the moto server (500-after-commit: test_write_faults.py)."""

from __future__ import annotations

import uuid

import pytest

ACCOUNT = "123456789012"


def unique(prefix="td"):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def args(family, image="registry.example/caseapp/backend:1", **extra):
    base = {
        "family": family,
        "network_mode": "awsvpc",
        "launch_type": "FARGATE",
        "cpu": "256",
        "memory": "512",
        "execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/exec",
        "task_role_arn": f"arn:aws:iam::{ACCOUNT}:role/task",
        "containers": [
            {
                "name": "backend",
                "image": image,
                "essential": True,
                "memoryReservation": "256",
                "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
                "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}],
                "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],  # noqa: S108
            }
        ],
        "volumes": [{"name": "tmp"}],
        "runtime_platform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
    }
    base.update(extra)
    return base


def revisions(aws, family):
    arns = aws("ecs").list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"]
    return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]


def test_registers_once_then_reuses(run_module, aws):
    family = unique()
    first = run_module("ecs_task_definition", args(family))
    assert not first.failed, first.get("msg")
    assert first.changed and first["registered"] is True
    assert first["taskdefinition"]["taskDefinitionArn"].endswith(f"{family}:1")
    assert first["taskdefinition"]["containerDefinitions"][0]["memoryReservation"] == 256

    again = run_module("ecs_task_definition", args(family), diff=True)
    assert not again.failed and not again.changed and again["registered"] is False
    assert again["taskdefinition"]["taskDefinitionArn"] == first["taskdefinition"]["taskDefinitionArn"]
    assert again["diff"]["before"] == again["diff"]["after"]
    assert len(revisions(aws, family)) == 1


def test_a_change_registers_the_next_revision(run_module, aws):
    family = unique()
    run_module("ecs_task_definition", args(family))
    checked = run_module("ecs_task_definition", args(family, image="registry.example/caseapp/backend:2"), True, True)
    assert checked.changed and checked["registered"] is True and "taskdefinition" not in checked
    assert checked["diff"]["after"]["revision"] == "(new revision)"
    assert len(revisions(aws, family)) == 1
    changed = run_module("ecs_task_definition", args(family, image="registry.example/caseapp/backend:2"))
    assert changed.changed and changed["taskdefinition"]["taskDefinitionArn"].endswith(f"{family}:2")
    assert len(revisions(aws, family)) == 2


def test_tags_unset_are_not_compared_tags_set_are(run_module, aws):
    family = unique()
    first = run_module("ecs_task_definition", args(family))
    arn = first["taskdefinition"]["taskDefinitionArn"]
    aws("ecs").tag_resource(resourceArn=arn, tags=[{"key": "Service", "value": "backend"}])
    assert not run_module("ecs_task_definition", args(family)).changed
    tagged = run_module("ecs_task_definition", args(family, tags={"Service": "backend"}))
    assert not tagged.changed
    retagged = run_module("ecs_task_definition", args(family, tags={"Service": "api"}))
    assert retagged.changed and retagged["taskdefinition"]["taskDefinitionArn"].endswith(f"{family}:2")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"containers": []}, "at least one container"),
        ({"containers": [{"name": "a"}]}, "needs a name and an image"),
        ({"containers": [{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]}, "more than once: a"),
        (
            {"containers": [{"name": "a", "image": "x", "portMappings": [{"containerPort": 80, "hostPort": 81}]}]},
            "host port must equal the container port",
        ),
        ({"family": " "}, "family must not be empty"),
    ],
)
def test_bad_input_fails_before_any_call(run_module, change, message):
    result = run_module("ecs_task_definition", {**args(unique()), **change})
    assert result.failed and message in result["msg"]


def test_the_ecs_service_roles_definitions_are_registered_once(run_module, aws):
    """What roles/ecs_service passes (the ecs_task_definitions filter's params) is seen as up to date on a re-run,
    although DescribeTaskDefinition adds ECS's defaults (container cpu 0, ...)."""
    from ansible_collections.platform_ops.aws.plugins.filter.ecs import ecs_task_definitions

    prefix = unique("caseapp")
    services = [
        {
            "name": "backend",
            "port": 8000,
            "cpu": 512,
            "memory": 1024,
            "environment": {"LOG_LEVEL": "info", "DEBUG": False},
            "secrets": ["DATABASE_URL"],
            "command": ["gunicorn", "app:app"],
            "health_path": "/health",
        }
    ]
    ctx = {
        "prefix": prefix,
        "platform_name": "caseapp",
        "platform_env": "test",
        "region": "us-east-1",
        "account": ACCOUNT,
        "partition": "aws",
        "repositories": {"backend": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{prefix}/backend"},
        "image_tag": "1",
        "execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/exec",
        "task_role_arns": {"backend": f"arn:aws:iam::{ACCOUNT}:role/backend"},
        "user": "10001",
        "stop_timeout": 30,
        "log_stream_prefix": "ecs",
        "container_health_check": True,
        "health_check_grace_period": 60,
        "cpu_architecture": "ARM64",
    }
    params = ecs_task_definitions(services, ctx)[0]["params"]
    first = run_module("ecs_task_definition", params)
    assert not first.failed, first.get("msg")
    assert first.changed
    again = run_module("ecs_task_definition", params)
    assert not again.failed and not again.changed, again.get("diff")
    assert len(revisions(aws, params["family"])) == 1
