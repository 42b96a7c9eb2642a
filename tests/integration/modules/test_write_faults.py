"""Writes that AWS applies and then answers with HTTP 500, and throttling, through a real launcher.

The launcher's fault injection (scripts/moto_faults.py, ``POST /_platform_ops/faults``):

* ``error_after_write={"<service>.<Operation>": N}`` - the next N such requests take effect in moto and
  the client gets HTTP 500 InternalFailure: botocore retries the request (standard mode, as every
  playbook configures it in module_defaults ``aws_config``), and the operator re-runs;
* ``throttle=0.3`` - that share of the requests is answered with the protocol's throttling error.

Each write test injects the fault for one operation, runs the module, checks that it succeeded (or
failed clearly), runs it again and counts the resources: exactly one secret / secret version / user
pool / app client / task definition revision / task.

Tasks started here stay RUNNING (the ecs::task transition is held), like a migration still running
when its first run is interrupted.
"""

from __future__ import annotations

import json
import urllib.request
import uuid

import boto3
import pytest

from tests.conftest import faults, moto_server, set_faults

REGION = "us-east-1"
ACCOUNT = "123456789012"
# What every playbook sets in module_defaults (playbooks/*.yml, aws_config).
AWS_CONFIG = {"retries": {"mode": "standard", "total_max_attempts": 10}}


@pytest.fixture(scope="module")
def fault_endpoint(tmp_path_factory):
    """A launcher of our own: fault injection is server-wide, other tests must not see it."""
    with moto_server(tmp_path_factory.mktemp("moto-faults") / "moto.log", MOTO_ECS_SERVICE_RUNNING="2") as endpoint:
        body = json.dumps({"model_name": "ecs::task", "transition": {"progression": "manual", "times": 10**9}})
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{endpoint}/moto-api/state-manager/set-transition", data=body.encode(), method="POST"
        )
        urllib.request.urlopen(req, timeout=10).close()  # noqa: S310 - loopback only
        yield endpoint


@pytest.fixture(autouse=True)
def _no_faults(fault_endpoint):
    set_faults(fault_endpoint)
    yield
    set_faults(fault_endpoint)


@pytest.fixture
def run(run_module, fault_endpoint):
    """Run a module against the fault-injecting launcher with the playbooks' retry configuration."""

    def call(name, args, **kwargs):
        return run_module(name, {"endpoint_url": fault_endpoint, "aws_config": AWS_CONFIG, **args}, **kwargs)

    return call


def client(endpoint, service):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def injected(endpoint, operation):
    return faults(endpoint)["injected"]["error_after_write"].get(operation, 0)


def warned(result, text):
    """Whether one of the module's warnings contains ``text`` (ansible-core 2.19 structures them)."""
    warnings = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
    return any(text in warning for warning in warnings)


def throttled(endpoint):
    return sum(faults(endpoint)["injected"]["throttle"].values())


# ---------------------------------------------------------------- Secrets Manager


def secret_count(endpoint, name):
    sm = client(endpoint, "secretsmanager")
    listed = sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}], IncludePlannedDeletion=True)["SecretList"]
    return len([item for item in listed if item["Name"] == name])


def version_count(endpoint, name):
    sm = client(endpoint, "secretsmanager")
    return len(sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"])


def secret_args(name):
    return {"name": name, "description": "test secret", "password_length": 24, "tags": {"Project": "faults"}}


@pytest.mark.parametrize("attempts", [10, 1], ids=["botocore-retries", "awsretry-retries"])
def test_create_secret_500_after_commit_leaves_one_secret_and_one_version(run, fault_endpoint, attempts):
    """botocore's retry (or, with botocore retries off, AWSRetry's) repeats CreateSecret with the same
    ClientRequestToken: AWS answers it with the secret the first request created."""
    name = unique("faults/secret")
    set_faults(fault_endpoint, error_after_write={"secretsmanager.CreateSecret": 1})
    config = {"retries": {"mode": "standard", "total_max_attempts": attempts}}
    first = run("secretsmanager_generated_secret", dict(secret_args(name), aws_config=config))
    assert not first.failed, first.get("msg")
    assert first.changed and first["created"] is True
    assert injected(fault_endpoint, "secretsmanager.CreateSecret") == 1
    assert secret_count(fault_endpoint, name) == 1
    assert version_count(fault_endpoint, name) == 1
    value = client(fault_endpoint, "secretsmanager").get_secret_value(SecretId=name)["SecretString"]

    again = run("secretsmanager_generated_secret", secret_args(name))
    assert not again.failed and not again.changed
    assert secret_count(fault_endpoint, name) == 1
    assert version_count(fault_endpoint, name) == 1
    assert client(fault_endpoint, "secretsmanager").get_secret_value(SecretId=name)["SecretString"] == value


def test_put_secret_value_500_after_commit_adds_one_version(run, fault_endpoint):
    source = unique("faults/source")
    client(fault_endpoint, "secretsmanager").create_secret(Name=source, SecretString="s3cr3t-value")
    name = unique("faults/url")
    args = {"name": name, "compose": {"template": "redis://:{password}@{host}:6379", "secrets": {"password": source}}}
    first = run("secretsmanager_generated_secret", {**args, "compose": {**args["compose"], "values": {"host": "a"}}})
    assert not first.failed, first.get("msg")
    set_faults(fault_endpoint, error_after_write={"secretsmanager.PutSecretValue": 1})
    changed = run("secretsmanager_generated_secret", {**args, "compose": {**args["compose"], "values": {"host": "b"}}})
    assert not changed.failed, changed.get("msg")
    assert changed["value_changed"] is True
    assert injected(fault_endpoint, "secretsmanager.PutSecretValue") == 1
    assert version_count(fault_endpoint, name) == 2
    again = run("secretsmanager_generated_secret", {**args, "compose": {**args["compose"], "values": {"host": "b"}}})
    assert not again.failed and not again.changed
    assert version_count(fault_endpoint, name) == 2


def test_create_secret_adopts_the_secret_an_earlier_attempt_created(run, fault_endpoint, monkeypatch):
    """ResourceExistsException after our DescribeSecret: the secret holding our token's version is ours,
    it is used and its value kept (a generated value is never generated twice)."""
    from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import initial_version_token
    from ansible_collections.platform_ops.aws.plugins.modules import secretsmanager_generated_secret as module

    name = unique("faults/adopt")
    sm = client(fault_endpoint, "secretsmanager")
    original = module.describe_secret

    def describe_then_race(conn, secret_id):
        # the module looks first (nothing), then "an earlier attempt" creates the secret with our token
        found = original(conn, secret_id)
        if found is None:
            sm.create_secret(
                Name=name,
                SecretString="created-by-an-earlier-attempt",
                ClientRequestToken=initial_version_token(name),
                Tags=[{"Key": "Project", "Value": "faults"}],
                Description="test secret",
            )
        return found

    monkeypatch.setattr(module, "describe_secret", describe_then_race)
    result = run("secretsmanager_generated_secret", secret_args(name))
    assert not result.failed, result.get("msg")
    assert warned(result, "already existed")
    assert secret_count(fault_endpoint, name) == 1
    assert version_count(fault_endpoint, name) == 1
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "created-by-an-earlier-attempt"


# ---------------------------------------------------------------- Cognito


def pools_named(endpoint, name):
    idp = client(endpoint, "cognito-idp")
    pools = idp.get_paginator("list_user_pools").paginate(MaxResults=60).build_full_result()["UserPools"]
    return [pool["Id"] for pool in pools if pool["Name"] == name]


def pool_args(name):
    return {"name": name, "mfa_configuration": "ON", "software_token_mfa_enabled": True, "tags": {"Project": "f"}}


def test_create_user_pool_500_after_commit_leaves_one_pool(run, fault_endpoint):
    name = unique("faults-pool")
    set_faults(fault_endpoint, error_after_write={"cognito-idp.CreateUserPool": 1})
    first = run("cognito_user_pool", pool_args(name))
    assert not first.failed, first.get("msg")
    assert first.changed
    assert injected(fault_endpoint, "cognito-idp.CreateUserPool") == 1
    assert warned(first, "CreateUserPool answered InternalFailure")
    ids = pools_named(fault_endpoint, name)
    assert ids == [first["user_pool"]["id"]]
    assert first["user_pool"]["mfa_configuration"] == "ON"

    again = run("cognito_user_pool", pool_args(name))
    assert not again.failed and not again.changed
    assert pools_named(fault_endpoint, name) == ids


def test_create_user_pool_after_a_bad_run_fails_naming_both_pools(run, fault_endpoint):
    """Two pools with the name (left by an earlier, unprotected run): fail naming both, pick none."""
    name = unique("faults-dup")
    idp = client(fault_endpoint, "cognito-idp")
    ids = sorted(idp.create_user_pool(PoolName=name)["UserPool"]["Id"] for _ in range(2))
    result = run("cognito_user_pool", pool_args(name))
    assert result.failed
    assert all(pool_id in result["msg"] for pool_id in ids)
    assert sorted(pools_named(fault_endpoint, name)) == ids


def test_create_user_pool_client_500_after_commit_leaves_one_client(run, fault_endpoint):
    pool_id = client(fault_endpoint, "cognito-idp").create_user_pool(PoolName=unique("faults-cpool"))["UserPool"]["Id"]
    args = {"user_pool_id": pool_id, "name": "web", "generate_secret": False}
    set_faults(fault_endpoint, error_after_write={"cognito-idp.CreateUserPoolClient": 1})
    first = run("cognito_user_pool_client", args)
    assert not first.failed, first.get("msg")
    assert injected(fault_endpoint, "cognito-idp.CreateUserPoolClient") == 1
    again = run("cognito_user_pool_client", args)
    assert not again.failed and not again.changed
    clients = client(fault_endpoint, "cognito-idp").list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]
    assert [item["ClientId"] for item in clients] == [first["client_id"]]


# ---------------------------------------------------------------- ECS


class EcsStack:
    """A cluster, a subnet and security group, a backend task definition and its service."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.ecs = client(endpoint, "ecs")
        ec2 = client(endpoint, "ec2")
        suffix = uuid.uuid4().hex[:8]
        vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
        # moto's awsvpc RunTask crashes (HTTP 500) unless DNS hostnames are on
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.1.0/24")["Subnet"]["SubnetId"]
        self.group = ec2.create_security_group(GroupName=f"app-{suffix}", Description="app", VpcId=vpc)["GroupId"]
        self.cluster = f"faults-{suffix}"
        self.ecs.create_cluster(clusterName=self.cluster)
        self.family = f"faults-{suffix}-backend"
        self.service = f"faults-{suffix}-backend"
        arn = self.ecs.register_task_definition(
            family=self.family,
            containerDefinitions=[
                {
                    "name": "backend",
                    "image": "registry.example/caseapp/backend:1",
                    "essential": True,
                    "memoryReservation": 256,
                    "environment": [{"name": "APP_ENV", "value": "test"}],
                }
            ],
            cpu="256",
            memory="512",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            tags=[{"key": "Project", "value": "faults"}],
        )["taskDefinition"]["taskDefinitionArn"]
        self.ecs.create_service(
            cluster=self.cluster,
            serviceName=self.service,
            taskDefinition=arn,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [self.subnet], "securityGroups": [self.group]}},
        )

    def revisions(self, family=None):
        return self.ecs.list_task_definitions(familyPrefix=family or self.family, status="ACTIVE")["taskDefinitionArns"]

    def tasks(self, started_by):
        arns = self.ecs.list_tasks(cluster=self.cluster, startedBy=started_by)["taskArns"]
        return self.ecs.describe_tasks(cluster=self.cluster, tasks=arns)["tasks"] if arns else []

    def rollout_args(self, tag):
        return {"cluster": self.cluster, "services": [{"service": self.service, "image_tag": tag}], "wait": False}

    def run_task_args(self, started_by, tag="2"):
        return {
            "cluster": self.cluster,
            "task_definition": self.family,
            "image_tag": tag,
            "run_family": f"{self.family}-migrate",
            "command": ["alembic", "upgrade", "head"],
            "subnets": [self.subnet],
            "security_groups": [self.group],
            "started_by": started_by,
            "wait": False,
        }


@pytest.fixture
def stack(fault_endpoint):
    return EcsStack(fault_endpoint)


def test_register_task_definition_500_after_commit_registers_one_revision(run, fault_endpoint, stack):
    set_faults(fault_endpoint, error_after_write={"ecs.RegisterTaskDefinition": 1})
    first = run("ecs_rollout", stack.rollout_args("2"))
    assert not first.failed, first.get("msg")
    assert injected(fault_endpoint, "ecs.RegisterTaskDefinition") == 1
    assert len(stack.revisions()) == 2
    service = first["services"][0]
    assert service["new_task_definition"].endswith(f"{stack.family}:2")
    assert warned(first, "RegisterTaskDefinition answered InternalFailure")

    # The re-run registers nothing; it records revision 2 as known good (its deployment COMPLETED),
    # which the first run, not waiting, could not: that record is its only change.
    again = run("ecs_rollout", stack.rollout_args("2"))
    assert not again.failed and not again["services"][0]["changed"], again.get("msg")
    assert len(stack.revisions()) == 2
    third = run("ecs_rollout", stack.rollout_args("2"))
    assert not third.failed and not third.changed
    assert len(stack.revisions()) == 2


def test_ecs_task_definition_500_after_commit_registers_one_revision(run, fault_endpoint):
    """roles/ecs_service registers the services' task definitions with platform_ops.aws.ecs_task_definition."""
    family = unique("faults-td")
    args = {
        "family": family,
        "launch_type": "FARGATE",
        "cpu": "256",
        "memory": "512",
        "containers": [
            {
                "name": "app",
                "image": "registry.example/app:1",
                "memoryReservation": 256,
                "portMappings": [{"containerPort": 80, "hostPort": 80}],
            }
        ],
    }
    ecs = client(fault_endpoint, "ecs")
    set_faults(fault_endpoint, error_after_write={"ecs.RegisterTaskDefinition": 1})
    first = run("ecs_task_definition", args)
    assert not first.failed, first.get("msg")
    assert injected(fault_endpoint, "ecs.RegisterTaskDefinition") == 1
    assert first["taskdefinition"]["taskDefinitionArn"].endswith(f"{family}:1")
    assert len(ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]) == 1
    again = run("ecs_task_definition", args)
    assert not again.failed and not again.changed
    assert len(ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]) == 1


def test_rollout_rerun_reuses_the_identical_latest_revision(run, fault_endpoint, stack):
    """A run registered revision 2 and the service went back to revision 1 (the run failed after
    registering, or a rollback): the re-run moves the service to revision 2, it registers no revision 3."""
    first = run("ecs_rollout", stack.rollout_args("2"))
    assert not first.failed, first.get("msg")
    stack.ecs.update_service(cluster=stack.cluster, service=stack.service, taskDefinition=f"{stack.family}:1")
    again = run("ecs_rollout", stack.rollout_args("2"))
    assert not again.failed, again.get("msg")
    assert again.changed
    service = again["services"][0]
    assert service["task_definition"].endswith(f"{stack.family}:2")
    assert service["new_task_definition"] is None
    assert len(stack.revisions()) == 2


def test_run_task_500_after_commit_starts_one_task_and_registers_one_revision(run, fault_endpoint, stack):
    started_by = unique("migrate")
    set_faults(fault_endpoint, error_after_write={"ecs.RunTask": 1, "ecs.RegisterTaskDefinition": 1})
    first = run("ecs_run_task", stack.run_task_args(started_by))
    assert not first.failed, first.get("msg")
    assert injected(fault_endpoint, "ecs.RunTask") == 1
    assert injected(fault_endpoint, "ecs.RegisterTaskDefinition") == 1
    assert [task["taskArn"] for task in stack.tasks(started_by)] == [first["task_arn"]]
    assert len(stack.revisions(f"{stack.family}-migrate")) == 1

    # A re-run (after a 500 the module could not survive, or Ctrl-C) while the migration still runs
    again = run("ecs_run_task", stack.run_task_args(started_by))
    assert not again.failed, again.get("msg")
    assert again["attached"] is True and again["task_arn"] == first["task_arn"]
    assert [task["taskArn"] for task in stack.tasks(started_by)] == [first["task_arn"]]
    assert len(stack.revisions(f"{stack.family}-migrate")) == 1


def test_run_task_refuses_to_start_beside_a_different_running_run(run, fault_endpoint, stack):
    started_by = unique("migrate")
    first = run("ecs_run_task", stack.run_task_args(started_by, tag="2"))
    assert not first.failed, first.get("msg")
    other = run("ecs_run_task", stack.run_task_args(started_by, tag="3"))
    assert other.failed
    assert first["task_id"] in other["msg"] and "attach_running" in other["msg"]
    assert len(stack.tasks(started_by)) == 1
    forced = run("ecs_run_task", dict(stack.run_task_args(started_by, tag="3"), attach_running=False))
    assert not forced.failed and forced["attached"] is False
    assert len(stack.tasks(started_by)) == 2


# ---------------------------------------------------------------- throttling


def test_every_write_succeeds_exactly_once_under_throttling(run, fault_endpoint, stack):
    set_faults(fault_endpoint, throttle=0.3, seed=11)

    secret = unique("faults/throttled")
    result = run("secretsmanager_generated_secret", secret_args(secret))
    assert not result.failed, result.get("msg")

    pool_name = unique("faults-throttled")
    pool = run("cognito_user_pool", pool_args(pool_name))
    assert not pool.failed, pool.get("msg")
    app = run("cognito_user_pool_client", {"user_pool_id": pool["user_pool"]["id"], "name": "web"})
    assert not app.failed, app.get("msg")

    family = unique("faults-td")
    definition = run(
        "ecs_task_definition",
        {"family": family, "containers": [{"name": "app", "image": "app:1", "memoryReservation": 64}]},
    )
    assert not definition.failed, definition.get("msg")

    rollout = run("ecs_rollout", stack.rollout_args("5"))
    assert not rollout.failed, rollout.get("msg")

    started_by = unique("migrate")
    task = run("ecs_run_task", stack.run_task_args(started_by, tag="5"))
    assert not task.failed, task.get("msg")

    assert throttled(fault_endpoint) > 0
    set_faults(fault_endpoint)
    assert secret_count(fault_endpoint, secret) == 1 and version_count(fault_endpoint, secret) == 1
    assert pools_named(fault_endpoint, pool_name) == [pool["user_pool"]["id"]]
    clients = client(fault_endpoint, "cognito-idp").list_user_pool_clients(UserPoolId=pool["user_pool"]["id"])
    assert len(clients["UserPoolClients"]) == 1
    assert len(client(fault_endpoint, "ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"]) == 1
    assert len(stack.revisions()) == 2
    assert len(stack.revisions(f"{stack.family}-migrate")) == 1
    assert [t["taskArn"] for t in stack.tasks(started_by)] == [task["task_arn"]]


def test_aws_read_retries_the_json_protocols_throttling_code(run, fault_endpoint):
    """AWSRetry's own list lacks ``ThrottlingException`` (SSM, ECS, ECR, KMS, CloudWatch Logs answer it):
    aws_read retries it itself, also with botocore's retries off. The DR state (roles/platform/tasks/dr_state.yml)
    is read this way; as a lookup it failed under throttling ("reached max retries: 2")."""
    name = unique("/faults/dr") + "/state"
    client(fault_endpoint, "ssm").put_parameter(Name=name, Value='{"active": "primary"}', Type="String")
    set_faults(fault_endpoint, throttle=0.3, seed=7, only=["ssm.*"])
    reads = [
        {"id": f"p{i}", "service": "ssm", "operation": "get_parameter", "params": {"Name": name}} for i in range(3)
    ]
    result = run("aws_read", {"reads": reads, "aws_config": {"retries": {"mode": "standard", "total_max_attempts": 1}}})
    assert not result.failed, result.get("msg")
    assert {r["Parameter"]["Value"] for r in result["responses"].values()} == {'{"active": "primary"}'}
    assert throttled(fault_endpoint) > 0
