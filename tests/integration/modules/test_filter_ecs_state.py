"""The ecs_service role's one read of its services and the task definitions they run (ecs_service_state_reads,
ecs_service_state in plugins/filter/ecs.py) against moto: it finds what community.aws.ecs_service_info and
ecs_taskdefinition_info found, one task per service, in one module run."""

from __future__ import annotations

import uuid

from ansible_collections.platform_ops.aws.plugins.filter import ecs as f

from tests.conftest import api_operations, operations_delta

CONTAINER = [{"name": "app", "image": "nginx", "memory": 128}]


def _register(ecs, family):
    return ecs.register_task_definition(family=family, containerDefinitions=CONTAINER)["taskDefinition"]


def test_one_read_finds_each_service_and_the_task_definition_to_compare_with(run_module, aws, moto_endpoint):
    prefix = f"st-{uuid.uuid4().hex[:6]}"
    ecs = aws("ecs")
    ecs.create_cluster(clusterName=prefix)
    # Twelve running services (two DescribeServices calls: ten per call), each on revision 1 of two.
    running = [f"svc{i:02d}" for i in range(12)]
    for name in running:
        first = _register(ecs, f"{prefix}-{name}")
        _register(ecs, f"{prefix}-{name}")
        ecs.create_service(cluster=prefix, serviceName=f"{prefix}-{name}", taskDefinition=first["taskDefinitionArn"])
    # A deleted service (INACTIVE) compares with its family's latest revision, like a service never created.
    first = _register(ecs, f"{prefix}-gone")
    _register(ecs, f"{prefix}-gone")
    ecs.create_service(cluster=prefix, serviceName=f"{prefix}-gone", taskDefinition=first["taskDefinitionArn"])
    ecs.delete_service(cluster=prefix, service=f"{prefix}-gone", force=True)
    _register(ecs, f"{prefix}-new")
    names = [*running, "gone", "new", "none"]

    before = api_operations(moto_endpoint)
    read = run_module("aws_read", {"reads": f.ecs_state_reads(names, prefix, prefix)}, check_mode=True)
    assert not read.failed, read
    calls = operations_delta(before, api_operations(moto_endpoint))
    assert calls == {"ecs.DescribeServices": 2, "ecs.DescribeTaskDefinition": 12 + 3}, calls
    state = f.ecs_state(read["responses"], names, prefix)
    assert sorted(state["existing"]) == running
    revisions = {name: td.get("revision") for name, td in state["task_definitions"].items()}
    assert revisions == {**dict.fromkeys(running, 1), "gone": 2, "new": 1, "none": None}
    assert state["task_definitions"]["none"] == {}

    # Before the cluster exists (a first run): each family's latest revision, no DescribeServices.
    before = api_operations(moto_endpoint)
    cold = run_module("aws_read", {"reads": f.ecs_state_reads(names, prefix, prefix, False)}, check_mode=True)
    assert not cold.failed, cold
    assert "ecs.DescribeServices" not in operations_delta(before, api_operations(moto_endpoint))
    state = f.ecs_state(cold["responses"], names, prefix)
    assert state["existing"] == {}
    assert state["task_definitions"]["svc00"]["revision"] == 2 and state["task_definitions"]["none"] == {}


def test_a_missing_cluster_reads_as_no_service(run_module):
    prefix = f"st-{uuid.uuid4().hex[:6]}"
    read = run_module("aws_read", {"reads": f.ecs_state_reads(["api"], prefix, prefix)}, check_mode=True)
    assert not read.failed, read
    assert f.ecs_state(read["responses"], ["api"], prefix) == {"existing": {}, "task_definitions": {"api": {}}}
