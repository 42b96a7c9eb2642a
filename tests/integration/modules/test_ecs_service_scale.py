"""platform_ops.aws.ecs_service_scale against the moto server."""

from __future__ import annotations

import uuid

import pytest

MODULE = "ecs_service_scale"


@pytest.fixture
def cluster(aws):
    name = f"scale-{uuid.uuid4().hex[:8]}"
    ecs = aws("ecs")
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(
        family=name,
        containerDefinitions=[{"name": "app", "image": "app:1", "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    for svc in ("backend", "worker"):
        ecs.create_service(cluster=name, serviceName=f"{name}-{svc}", taskDefinition=name, desiredCount=0)
    aws("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=f"service/{name}/{name}-backend",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=0,
        MaxCapacity=0,
    )
    return name


def test_scales_up_and_down_with_bounds_check_mode_first(run_module, aws, cluster):
    services = [
        {"service": f"{cluster}-backend", "desired_count": 2, "min_count": 2, "max_count": 4},
        {"service": f"{cluster}-worker", "desired_count": 1},
    ]
    check = run_module(MODULE, {"cluster": cluster, "services": services}, check_mode=True, diff=True)
    assert not check.failed, check
    assert check.changed
    assert check["diff"]["before"][f"{cluster}-backend"] == {"desired_count": 0, "min_count": 0, "max_count": 0}
    assert check["diff"]["after"][f"{cluster}-backend"] == {"desired_count": 2, "min_count": 2, "max_count": 4}
    ecs = aws("ecs")
    assert ecs.describe_services(cluster=cluster, services=[f"{cluster}-backend"])["services"][0]["desiredCount"] == 0

    result = run_module(MODULE, {"cluster": cluster, "services": services})
    assert result.changed
    found = {
        s["serviceName"]: s["desiredCount"]
        for s in ecs.describe_services(cluster=cluster, services=[f"{cluster}-backend", f"{cluster}-worker"])[
            "services"
        ]
    }
    assert found == {f"{cluster}-backend": 2, f"{cluster}-worker": 1}
    target = aws("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{cluster}/{cluster}-backend"]
    )["ScalableTargets"][0]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 4)
    assert not run_module(MODULE, {"cluster": cluster, "services": services}).changed

    down = [
        dict(s, desired_count=0, **({"min_count": 0, "max_count": 0} if "min_count" in s else {})) for s in services
    ]
    assert run_module(MODULE, {"cluster": cluster, "services": down}).changed
    assert ecs.describe_services(cluster=cluster, services=[f"{cluster}-worker"])["services"][0]["desiredCount"] == 0


def test_bad_input_and_missing_services_fail(run_module, cluster):
    bad = run_module(
        MODULE,
        {
            "cluster": cluster,
            "services": [{"service": f"{cluster}-backend", "desired_count": 5, "min_count": 0, "max_count": 2}],
        },
    )
    assert bad.failed and "min_count <= desired_count <= max_count" in bad["msg"]
    half = run_module(
        MODULE,
        {"cluster": cluster, "services": [{"service": f"{cluster}-backend", "desired_count": 1, "min_count": 1}]},
    )
    assert half.failed and "together" in half["msg"]
    missing = run_module(MODULE, {"cluster": cluster, "services": [{"service": f"{cluster}-none", "desired_count": 1}]})
    assert missing.failed and f"{cluster}-none" in missing["msg"]
