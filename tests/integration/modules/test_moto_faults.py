"""scripts/moto_faults.py through a real launcher on loopback: AWS rules, always-on fixes, fault injection."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import faults, set_faults

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = ROOT / "scripts" / "moto_launcher.py"
REGION = "us-east-1"
ACCOUNT = "123456789012"
MY_RULES = "service_linked_roles,iam_propagation,waf_alb_active,ecs_image_pull"
IAM_WINDOW = 1.5
ALB_WINDOW = 3.0
ACL_WINDOW = 1.0
# botocore counts max_attempts as retries after the first call; total_max_attempts=1 really sends one request
RAW = Config(retries={"total_max_attempts": 1, "mode": "standard"})

sys.path.insert(0, str(ROOT / "scripts"))
spec = importlib.util.spec_from_file_location("moto_launcher", LAUNCHER)
launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launcher)
import moto_faults  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)


def _post(url: str, payload=None, raw: bytes | None = None) -> dict:
    data = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)


_OURS = ("PLATFORM_LOCAL_RULES", "PLATFORM_LOCAL_FAULTS", "PLATFORM_LOCAL_LATENCY")


def _start(*args: str, **env_extra: str):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in _OURS} | env_extra
    env.setdefault("MOTO_ECS_SERVICE_RUNNING", "2")
    # The rules under test need no AWS managed policy; loading them (the launcher's default) makes the first
    # IAM call take seconds, which would shift the IAM propagation window the timing tests measure.
    env.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _get(f"{endpoint}/_platform_ops/requests")
            return proc, endpoint
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def rules_endpoint():
    """A launcher with this file's rules on and short windows."""
    proc, url = _start(
        "--rules",
        MY_RULES,
        PLATFORM_LOCAL_IAM_PROPAGATION_S=str(IAM_WINDOW),
        PLATFORM_LOCAL_ALB_PROVISIONING_S=str(ALB_WINDOW),
        PLATFORM_LOCAL_WAF_ACL_PROPAGATION_S=str(ACL_WINDOW),
    )
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def rules(rules_endpoint):
    """An empty account on the rules launcher: ``rules('ecs')`` -> a boto3 client that does not retry."""
    _post(f"{rules_endpoint}/moto-api/reset")

    def make(service: str):
        return boto3.client(service, region_name=REGION, endpoint_url=rules_endpoint, config=RAW)

    return make


@pytest.fixture(scope="module")
def plain_endpoint():
    """A launcher with no rules (PLATFORM_LOCAL_RULES=none) and no faults."""
    proc, url = _start(PLATFORM_LOCAL_RULES="none")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def plain(plain_endpoint):
    """An empty account on the plain launcher: each test starts from nothing (xdist may run
    several of this module's tests in one worker, against the same launcher)."""
    _post(f"{plain_endpoint}/moto-api/reset")
    set_faults(plain_endpoint)
    _post(f"{plain_endpoint}/_platform_ops/latency", {})

    def make(service: str, config: Config = RAW):
        return boto3.client(service, region_name=REGION, endpoint_url=plain_endpoint, config=config)

    yield make
    set_faults(plain_endpoint)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _code(err: pytest.ExceptionInfo) -> tuple[str, str, int]:
    error = err.value.response["Error"]
    return error["Code"], error.get("Message", ""), err.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # moto's RunTask needs it
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName=_name("sg"), Description="t", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


def _service_role(iam, principal: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}],
    }
    return iam.create_role(RoleName=_name("role"), AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def _wait_past(started: float, window: float) -> None:
    time.sleep(max(0.0, started + window + 0.2 - time.monotonic()))


# --------------------------------------------------------------------------- rule switch


def test_rules_endpoint_lists_enabled_and_available(rules_endpoint, plain_endpoint):
    shown = _get(f"{rules_endpoint}/_platform_ops/rules")
    assert shown["enabled"] == sorted(MY_RULES.split(","))
    assert set(moto_faults.RULES) <= set(shown["available"])
    assert all(shown["available"][name] for name in moto_faults.RULES)  # a summary each
    assert _get(f"{plain_endpoint}/_platform_ops/rules")["enabled"] == []  # PLATFORM_LOCAL_RULES=none


def test_every_rule_is_on_by_default():
    proc, url = _start()
    try:
        shown = _get(f"{url}/_platform_ops/rules")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert shown["enabled"] == sorted(shown["available"])


def test_parse_rules():
    known = ["a_rule", "b_rule"]
    assert launcher.parse_rules("all", known) == known
    assert launcher.parse_rules("none", known) == []
    assert launcher.parse_rules("", known) == []
    assert launcher.parse_rules(" b_rule, a_rule ,b_rule", known) == ["a_rule", "b_rule"]
    with pytest.raises(ValueError, match=r"unknown rule\(s\) c_rule; known: all, none, a_rule, b_rule"):
        launcher.parse_rules("a_rule,c_rule", known)
    assert set(moto_faults.RULES) <= set(launcher.available_rules())


def test_unknown_rule_stops_the_launcher_with_the_known_names():
    bad = subprocess.run(
        [sys.executable, str(LAUNCHER), "--port", "1", "--rules", "service_linked_roles,no_such_rule"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in _OURS},
    )
    assert bad.returncode == 2
    assert "unknown rule(s) no_such_rule; known: all, none," in bad.stderr
    assert "service_linked_roles" in bad.stderr.split("known:")[1]


def test_rules_from_environment():
    proc, url = _start(PLATFORM_LOCAL_RULES="ecs_image_pull, waf_alb_active")
    try:
        assert _get(f"{url}/_platform_ops/rules")["enabled"] == ["ecs_image_pull", "waf_alb_active"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------- service_linked_roles


def test_service_linked_roles_have_aws_names_and_paths(rules):
    iam = rules("iam")
    assert iam.list_roles(PathPrefix="/aws-service-role/")["Roles"] == []  # a new account has none
    expected = {
        "ecs.amazonaws.com": "AWSServiceRoleForECS",
        "opensearchservice.amazonaws.com": "AWSServiceRoleForAmazonOpenSearchService",
        "es.amazonaws.com": "AWSServiceRoleForAmazonElasticsearchService",
        "ecs.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_ECSService",
        "elasticache.amazonaws.com": "AWSServiceRoleForElastiCache",
        "rds.amazonaws.com": "AWSServiceRoleForRDS",
    }
    for principal, name in expected.items():
        role = iam.create_service_linked_role(AWSServiceName=principal)["Role"]
        assert role["RoleName"] == name
        assert role["Path"] == f"/aws-service-role/{principal}/"
        assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/{principal}/{name}"
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"]["Service"] == [principal]
    with pytest.raises(ClientError) as err:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert _code(err) == (
        "InvalidInput",
        "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.",
        400,
    )


def test_ecs_capacity_providers_need_the_ecs_service_linked_role(rules):
    ecs, iam = rules("ecs"), rules("iam")
    refusal = (
        "InvalidParameterException",
        "Unable to assume the service linked role. Please verify that the ECS service linked role exists.",
        400,
    )
    with pytest.raises(ClientError) as err:
        ecs.create_cluster(clusterName="c1", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    assert _code(err) == refusal
    ecs.create_cluster(clusterName="c2")  # without capacity providers: no role needed
    with pytest.raises(ClientError) as err:
        ecs.put_cluster_capacity_providers(
            cluster="c2", capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[]
        )
    assert _code(err) == refusal
    started = time.monotonic()
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    with pytest.raises(ClientError) as err:  # with iam_propagation: not usable at once
        ecs.create_cluster(clusterName="c1", capacityProviders=["FARGATE"])
    assert _code(err) == refusal
    _wait_past(started, IAM_WINDOW)
    cluster = ecs.create_cluster(clusterName="c1", capacityProviders=["FARGATE", "FARGATE_SPOT"])["cluster"]
    assert cluster["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    ecs.put_cluster_capacity_providers(
        cluster="c2",
        capacityProviders=["FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )


def _domain(search, name, subnets=None, groups=None):
    args = {"DomainName": name, "EngineVersion": "OpenSearch_2.11"}
    if subnets:
        args["VPCOptions"] = {"SubnetIds": subnets[:1], "SecurityGroupIds": groups}
    return search.create_domain(**args)["DomainStatus"]


@pytest.mark.parametrize("principal", ["opensearchservice.amazonaws.com", "es.amazonaws.com"])
def test_opensearch_in_a_vpc_needs_its_service_linked_role(rules, principal):
    search, iam = rules("opensearch"), rules("iam")
    _vpc, subnets, group = _network(rules("ec2"))
    _domain(search, _name("public"))  # outside a VPC: no role needed
    with pytest.raises(ClientError) as err:
        _domain(search, "in-vpc", subnets, [group])
    assert _code(err) == (
        "ValidationException",
        "Before you can proceed, you must enable a service-linked role to give Amazon OpenSearch Service "
        "permissions to access your VPC.",
        400,
    )
    started = time.monotonic()
    iam.create_service_linked_role(AWSServiceName=principal)
    _wait_past(started, IAM_WINDOW)
    assert _domain(search, "in-vpc", subnets, [group])["VPCOptions"]["SubnetIds"] == subnets[:1]


# --------------------------------------------------------------------------- iam_propagation


def test_flow_logs_refuse_a_role_too_new_or_not_trusting_the_service(rules):
    ec2, iam, logs = rules("ec2"), rules("iam"), rules("logs")
    vpc, _subnets, _group = _network(ec2)
    logs.create_log_group(logGroupName="flow")
    wrong = _service_role(iam, "ec2.amazonaws.com")
    started = time.monotonic()
    role = _service_role(iam, "vpc-flow-logs.amazonaws.com")

    def create(arn):
        return ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogGroupName="flow",
            DeliverLogsPermissionArn=arn,
        )

    for arn in (role, wrong, f"arn:aws:iam::{ACCOUNT}:role/missing"):
        with pytest.raises(ClientError) as err:
            create(arn)
        assert _code(err) == ("InvalidParameter", f"Unable to assume given IAM role: '{arn}'", 400)
    _wait_past(started, IAM_WINDOW)
    assert create(role)["FlowLogIds"]


def test_rds_enhanced_monitoring_refuses_a_role_too_new(rules):
    rds, iam = rules("rds"), rules("iam")
    started = time.monotonic()
    role = _service_role(iam, "monitoring.rds.amazonaws.com")
    args = {
        "DBInstanceIdentifier": "db1",
        "Engine": "postgres",
        "DBInstanceClass": "db.t3.micro",
        "MasterUsername": "admin1",
        "MasterUserPassword": "not-a-secret-123",
        "AllocatedStorage": 20,
        "MonitoringInterval": 60,
        "MonitoringRoleArn": role,
    }
    with pytest.raises(ClientError) as err:
        rds.create_db_instance(**args)
    assert _code(err) == (
        "InvalidParameterValue",
        "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING",
        400,
    )
    _wait_past(started, IAM_WINDOW)
    assert rds.create_db_instance(**args)["DBInstance"]["MonitoringRoleArn"] == role
    fresh = _service_role(iam, "monitoring.rds.amazonaws.com")
    with pytest.raises(ClientError) as err:
        rds.modify_db_instance(DBInstanceIdentifier="db1", MonitoringInterval=30, MonitoringRoleArn=fresh)
    assert _code(err)[0] == "InvalidParameterValue"


# --------------------------------------------------------------------------- waf_alb_active


def test_waf_cannot_associate_a_provisioning_load_balancer_or_a_new_web_acl(rules):
    elb, waf = rules("elbv2"), rules("wafv2")
    _vpc, subnets, group = _network(rules("ec2"))
    started = time.monotonic()
    alb = elb.create_load_balancer(Name="alb1", Subnets=subnets, SecurityGroups=[group])["LoadBalancers"][0]
    assert alb["State"]["Code"] == "provisioning"
    acl = waf.create_web_acl(
        Name="acl1",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Rules=[],
        VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"},
    )["Summary"]["ARN"]
    unavailable = (
        "WAFUnavailableEntityException",
        "AWS WAF couldn’t retrieve the resource that you requested. Retry your request.",
        400,
    )
    acl_created = time.monotonic()
    with pytest.raises(ClientError) as err:  # the web ACL itself is too new
        waf.associate_web_acl(WebACLArn=acl, ResourceArn=alb["LoadBalancerArn"])
    assert _code(err) == unavailable
    _wait_past(acl_created, ACL_WINDOW)
    assert time.monotonic() < started + ALB_WINDOW, "the machine is too slow for this test's windows"
    (described,) = elb.describe_load_balancers(LoadBalancerArns=[alb["LoadBalancerArn"]])["LoadBalancers"]
    assert described["State"]["Code"] == "provisioning"
    with pytest.raises(ClientError) as err:
        waf.associate_web_acl(WebACLArn=acl, ResourceArn=alb["LoadBalancerArn"])
    assert _code(err) == unavailable
    missing = alb["LoadBalancerArn"].replace("alb1", "gone1")
    with pytest.raises(ClientError) as err:
        waf.associate_web_acl(WebACLArn=acl, ResourceArn=missing)
    assert _code(err)[0] == "WAFNonexistentItemException"
    _wait_past(started, ALB_WINDOW)
    (described,) = elb.describe_load_balancers(Names=["alb1"])["LoadBalancers"]
    assert described["State"]["Code"] == "active"
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=alb["LoadBalancerArn"])
    assert waf.get_web_acl_for_resource(ResourceArn=alb["LoadBalancerArn"])["WebACL"]["Name"] == "acl1"


# --------------------------------------------------------------------------- ecs_image_pull


def _ecs_setup(client, *, image: str, secret: str | None = None):
    ecs = client("ecs")
    _vpc, subnets, group = _network(client("ec2"))
    ecs.create_cluster(clusterName="apps")
    container = {"name": "app", "image": image, "essential": True, "memory": 512}
    if secret:
        container["secrets"] = [{"name": "DATABASE_URL", "valueFrom": secret}]
    family = _name("app")
    ecs.register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[container],
    )
    network = {"awsvpcConfiguration": {"subnets": subnets[:1], "securityGroups": [group]}}
    return ecs, family, network


def _push(ecr, repository: str, tag: str) -> str:
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [],
    }
    image = ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)["image"]
    return image["imageId"]["imageDigest"]


def _run(ecs, family, network, token=None):
    args = {"cluster": "apps", "taskDefinition": family, "launchType": "FARGATE", "networkConfiguration": network}
    if token:
        args["clientToken"] = token
    return ecs.run_task(**args)["tasks"]


REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


@pytest.mark.parametrize("ref", ["app:1.0", "app:2.0", "gone:1.0", "app@sha256:" + "b" * 64])
def test_run_task_of_a_missing_ecr_image_stops_with_cannot_pull(rules, ref):
    ecr = rules("ecr")
    ecr.create_repository(repositoryName="app")
    _push(ecr, "app", "1.0")
    image = f"{REGISTRY}/{ref}"
    ecs, family, network = _ecs_setup(rules, image=image)
    (task,) = _run(ecs, family, network)
    if ref == "app:1.0":
        assert task["lastStatus"] == "RUNNING"
        assert "stopCode" not in task
        return
    reason = f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: not found"
    expected = {"lastStatus": "STOPPED", "desiredStatus": "STOPPED", "stopCode": "TaskFailedToStart"}
    assert {k: task.get(k) for k in expected} == expected
    assert task["stoppedReason"] == reason
    (described,) = ecs.describe_tasks(cluster="apps", tasks=[task["taskArn"]])["tasks"]
    assert {k: described.get(k) for k in expected} == expected
    assert described["stoppedReason"] == reason
    assert described["containers"][0]["lastStatus"] == "STOPPED"


def test_run_task_of_a_pushed_digest_and_of_other_registries_runs(rules):
    ecr = rules("ecr")
    ecr.create_repository(repositoryName="app")
    digest = _push(ecr, "app", "1.0")
    for image in (f"{REGISTRY}/app@{digest}", "public.ecr.aws/docker/library/nginx:missing", "nginx:latest"):
        ecs, family, network = _ecs_setup(rules, image=image)
        (task,) = _run(ecs, family, network)
        assert task["lastStatus"] == "RUNNING", image


def test_run_task_with_an_unresolvable_secret_stops_with_resource_initialization_error(rules):
    secrets = rules("secretsmanager")
    arn = secrets.create_secret(Name="caseapp-prod-db-url", SecretString="postgres://x")["ARN"]
    partial = arn.rsplit("-", 1)[0]  # the name without its random suffix
    assert partial.endswith(":secret:caseapp-prod-db-url")
    # a name ending in "-" + 6 characters: its partial ARN looks like a full one, and does not resolve either
    six = secrets.create_secret(Name="caseapp-prod-abcdef", SecretString="x")["ARN"]
    cases = ((arn, True), (arn + ":url::", True), (six, True), (partial, False), (six.rsplit("-", 1)[0], False))
    for value_from, ok in cases + ((arn + "x", False),):
        ecs, family, network = _ecs_setup(rules, image="nginx:latest", secret=value_from)
        (task,) = _run(ecs, family, network)
        if ok:
            assert task["lastStatus"] == "RUNNING", value_from
            continue
        assert task["lastStatus"] == "STOPPED", value_from
        assert task["stopCode"] == "TaskFailedToStart"
        assert task["stoppedReason"].startswith(
            "ResourceInitializationError: unable to pull secrets or registry auth: "
        )
        assert (
            f"failed to fetch secret {value_from} from secrets manager: ResourceNotFoundException"
            in task["stoppedReason"]
        )


def test_service_with_a_missing_image_never_runs_and_the_circuit_breaker_fails_it(rules):
    ecr = rules("ecr")
    ecr.create_repository(repositoryName="app")
    _push(ecr, "app", "good")
    ecs, bad_family, network = _ecs_setup(rules, image=f"{REGISTRY}/app:bad")
    good = ecs.register_task_definition(
        family=_name("good"),
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": f"{REGISTRY}/app:good", "essential": True, "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster="apps",
        serviceName="web",
        taskDefinition=bad_family,
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=network,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )["service"]
    (deployment,) = service["deployments"]
    assert (service["runningCount"], deployment["runningCount"]) == (0, 0)
    assert deployment["failedTasks"] >= 2
    assert deployment["rolloutState"] == "FAILED"
    assert deployment["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    (described,) = ecs.describe_services(cluster="apps", services=["web"])["services"]
    assert described["runningCount"] == 0
    assert described["deployments"][0]["rolloutState"] == "FAILED"
    assert "deployment failed: tasks failed to start" in described["events"][0]["message"]
    updated = ecs.update_service(cluster="apps", service="web", taskDefinition=good)["service"]
    assert updated["runningCount"] == 2
    assert updated["deployments"][0]["rolloutState"] == "COMPLETED"
    assert updated["deployments"][0]["taskDefinition"] == good
    # without the circuit breaker the deployment stays in progress with no running task
    ecs.create_service(
        cluster="apps",
        serviceName="worker",
        taskDefinition=bad_family,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
    )
    (worker,) = ecs.describe_services(cluster="apps", services=["worker"])["services"]
    assert worker["runningCount"] == 0
    assert worker["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert worker["deployments"][0]["failedTasks"] >= 1


# --------------------------------------------------------------------------- always-on fixes


def test_run_task_client_token_is_idempotent(plain):
    ecs, family, network = _ecs_setup(plain, image="nginx:latest")
    first = _run(ecs, family, network, token="deploy-42")
    again = _run(ecs, family, network, token="deploy-42")
    other = _run(ecs, family, network, token="deploy-43")
    assert [t["taskArn"] for t in again] == [t["taskArn"] for t in first]
    assert other[0]["taskArn"] != first[0]["taskArn"]
    assert len(ecs.list_tasks(cluster="apps")["taskArns"]) == 2


def _replication_group(cache, name):
    cache.create_replication_group(
        ReplicationGroupId=name,
        ReplicationGroupDescription="prod-like",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=3,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
    )


def test_elasticache_deletion_finishes_at_once_without_latency(plain):
    cache = plain("elasticache")
    name = _name("rg")
    _replication_group(cache, name)
    deleted = cache.delete_replication_group(ReplicationGroupId=name, FinalSnapshotIdentifier=f"{name}-final")
    assert deleted["ReplicationGroup"]["Status"] == "deleting"
    with pytest.raises(ClientError) as err:
        cache.describe_replication_groups(ReplicationGroupId=name)
    assert _code(err)[0] == "ReplicationGroupNotFoundFault"
    (snapshot,) = cache.describe_snapshots(SnapshotName=f"{name}-final")["Snapshots"]
    assert snapshot["ReplicationGroupId"] == name
    _replication_group(cache, name)  # the id is free again


def test_elasticache_deletion_takes_the_latency_window(plain_endpoint, plain):
    _post(f"{plain_endpoint}/_platform_ops/latency", {"elasticache": 1.5})
    cache = plain("elasticache")
    name = _name("rg")
    _replication_group(cache, name)
    started = time.monotonic()
    cache.delete_replication_group(ReplicationGroupId=name)
    statuses = []
    while True:
        try:
            statuses.append(
                cache.describe_replication_groups(ReplicationGroupId=name)["ReplicationGroups"][0]["Status"]
            )
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "ReplicationGroupNotFoundFault"
            break
        assert time.monotonic() - started < 10, "the replication group never finished deleting"
        time.sleep(0.2)
    assert statuses and set(statuses) == {"deleting"}
    assert time.monotonic() - started >= 1.4
    assert [s for s in cache.describe_snapshots()["Snapshots"] if s.get("ReplicationGroupId") == name] == []


# --------------------------------------------------------------------------- faults: configuration


def test_parse_faults():
    assert moto_faults.parse_faults("") == {}
    assert moto_faults.parse_faults("none") == {}
    assert moto_faults.parse_faults({}) == {}
    assert moto_faults.parse_faults("throttle=0.2,seed=7") == {"throttle": 0.2, "seed": 7}
    assert moto_faults.parse_faults(
        "error_after_write=secretsmanager.CreateSecret:1+ecs.RunTask:2,only=ecs.*+secretsmanager.*,except=ecs.List*"
    ) == {
        "error_after_write": {"secretsmanager.CreateSecret": 1, "ecs.RunTask": 2},
        "only": ["ecs.*", "secretsmanager.*"],
        "except": ["ecs.List*"],
    }
    assert moto_faults.parse_faults('{"throttle": 0.5, "error_after_write": {"ecs.RunTask": 1}}') == {
        "throttle": 0.5,
        "error_after_write": {"ecs.RunTask": 1},
    }
    assert moto_faults.parse_faults({"error_after_write_share": "0.25", "throttle": 0}) == {
        "error_after_write_share": 0.25
    }
    for bad, message in (
        ("throttle=2", "between 0 and 1"),
        ("throttle=lots", "number"),
        ("throttle", "throttle=0.2,seed=7"),
        ("rate=0.2", "unknown fault setting"),
        ("error_after_write=RunTask:1", "look like ecs.RunTask"),
        ("error_after_write=ecs.RunTask:x", "integer"),
        ("seed=abc", "seed"),
        ("{not json", "invalid JSON"),
        ('["throttle"]', "must be an object"),
    ):
        with pytest.raises(ValueError, match=message):
            moto_faults.parse_faults(bad)


def test_mutating_operations():
    for op in (
        "CreateSecret",
        "PutBucketPolicy",
        "RunTask",
        "RegisterTaskDefinition",
        "TagResource",
        "ModifyDBInstance",
    ):
        assert moto_faults.is_mutating(op), op
    for op in ("DescribeTasks", "GetSecretValue", "ListTagsForResource", "BatchGetImage", "Creator"):
        assert not moto_faults.is_mutating(op), op


def test_faults_control_endpoint(plain_endpoint):
    shown = set_faults(plain_endpoint, throttle=0.5, seed=3, only=["ecs.*"])
    assert shown["config"] == {"throttle": 0.5, "seed": 3, "only": ["ecs.*"]}
    assert shown["injected"] == {"throttle": {}, "error_after_write": {}}
    assert _post(f"{plain_endpoint}/_platform_ops/faults", raw=b"error_after_write=ecs.RunTask:2")["remaining"] == {
        "ecs.RunTask": 2
    }
    for bad in (b'{"throttle": 7}', b"rate=1", b"[1]"):
        with pytest.raises(urllib.error.HTTPError) as err:
            _post(f"{plain_endpoint}/_platform_ops/faults", raw=bad)
        assert err.value.code == 400
        assert json.load(err.value)["error"]
    assert faults(plain_endpoint)["config"] == {"error_after_write": {"ecs.RunTask": 2}}  # unchanged by bad input
    assert set_faults(plain_endpoint)["config"] == {}


def test_faults_from_environment_and_bad_option():
    proc, url = _start(PLATFORM_LOCAL_FAULTS="throttle=0.25,seed=9")
    try:
        assert faults(url)["config"] == {"throttle": 0.25, "seed": 9}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run(
        [sys.executable, str(LAUNCHER), "--port", "1", "--faults", "throttle=3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in _OURS},
    )
    assert bad.returncode == 2
    assert "throttle must be between 0 and 1" in bad.stderr


# --------------------------------------------------------------------------- faults: throttling

# (service, call, expected error code, expected HTTP status) per protocol family
FAMILIES = {
    "json": ("ecs", lambda c: c.list_clusters(), "ThrottlingException", 400),
    "query": ("iam", lambda c: c.list_roles(), "Throttling", 400),
    "ec2": ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
    "s3": ("s3", lambda c: c.list_buckets(), "SlowDown", 503),
    "rest-json": ("opensearch", lambda c: c.list_domain_names(), "TooManyRequestsException", 429),
    "rest-xml": ("cloudfront", lambda c: c.list_distributions(), "Throttling", 400),
    "json-query-compatible": ("cloudwatch", lambda c: c.describe_alarms(), "Throttling", 400),
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_throttling_answers_each_protocol_shape(plain_endpoint, plain, family):
    service, call, code, status = FAMILIES[family]
    set_faults(plain_endpoint, throttle=1)
    with pytest.raises(ClientError) as err:
        call(plain(service))
    assert _code(err)[0] == code
    assert _code(err)[2] == status
    assert sum(faults(plain_endpoint)["injected"]["throttle"].values()) == 1


@pytest.mark.parametrize("kind", ["throttle", "error_after_write"])
def test_rpc_v2_cbor_shape_parses_as_botocore_does(kind):
    """botocore sends CloudWatch as query-compatible JSON today; a smithy-rpc-v2-cbor client gets this."""
    import botocore.parsers  # noqa: PLC0415
    import botocore.session  # noqa: PLC0415

    status, headers, body = moto_faults.error_response("cbor", kind)
    model = botocore.session.get_session().get_service_model("cloudwatch")
    parsed = botocore.parsers.RpcV2CBORParser().parse(
        {"status_code": int(status.split()[0]), "headers": dict(headers), "body": body},
        model.operation_model("DescribeAlarms").output_shape,
    )
    expected = ("Throttling", 400) if kind == "throttle" else ("InternalFailure", 500)
    assert (parsed["Error"]["Code"], int(status.split()[0])) == expected
    assert (
        moto_faults.protocol_of(
            {"PATH_INFO": "/service/GraniteServiceVersion20100801/operation/DescribeAlarms"}, "monitoring"
        )
        == "cbor"
    )


def test_throttling_never_touches_the_control_endpoints(plain_endpoint, plain):
    set_faults(plain_endpoint, throttle=1)
    assert _get(f"{plain_endpoint}/_platform_ops/requests")["total"] >= 0
    _post(f"{plain_endpoint}/moto-api/reset")  # would raise on an error status
    assert faults(plain_endpoint)["total"] == 0


def test_throttling_only_and_except(plain_endpoint, plain):
    set_faults(plain_endpoint, throttle=1, only=["ecs.*"], except_=["ecs.ListClusters"])
    plain("ecs").list_clusters()
    plain("sts").get_caller_identity()
    with pytest.raises(ClientError):
        plain("ecs").list_task_definitions()
    assert faults(plain_endpoint)["injected"]["throttle"] == {"ecs.ListTaskDefinitions": 1}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_standard_retries_get_through_half_throttling(plain_endpoint, plain, family):
    service, call, _code_, _status = FAMILIES[family]
    set_faults(plain_endpoint, throttle=0.5, seed=11)
    client = plain(service, Config(retries={"max_attempts": 10, "mode": "standard"}))
    for _ in range(4):
        call(client)
    assert sum(faults(plain_endpoint)["injected"]["throttle"].values()) > 0


def test_seeded_throttling_is_reproducible(plain_endpoint, plain):
    def pattern():
        set_faults(plain_endpoint, throttle=0.5, seed=5)
        outcome = []
        for _ in range(12):
            try:
                plain("sts").get_caller_identity()
                outcome.append(True)
            except ClientError:
                outcome.append(False)
        return outcome

    first = pattern()
    assert first == pattern()
    assert True in first and False in first


# --------------------------------------------------------------------------- faults: error after write


def test_error_after_write_applies_the_write_and_answers_500(plain_endpoint, plain):
    set_faults(plain_endpoint, error_after_write={"secretsmanager.CreateSecret": 1, "cognito-idp.CreateUserPool": 1})
    secrets = plain("secretsmanager")
    name = _name("secret")
    with pytest.raises(ClientError) as err:
        secrets.create_secret(Name=name, SecretString="x")
    assert _code(err)[0] == "InternalFailure"
    assert _code(err)[2] == 500
    assert secrets.describe_secret(SecretId=name)["Name"] == name  # the write took effect
    with pytest.raises(ClientError) as err:  # what a retrying client then meets
        secrets.create_secret(Name=name, SecretString="x")
    assert _code(err)[0] == "ResourceExistsException"
    secrets.create_secret(Name=_name("secret"), SecretString="x")  # the count is used up
    cognito = plain("cognito-idp")
    with pytest.raises(ClientError) as err:
        cognito.create_user_pool(PoolName="pool-a")
    assert _code(err)[2] == 500
    assert [p["Name"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]].count("pool-a") == 1
    shown = faults(plain_endpoint)
    assert shown["injected"]["error_after_write"] == {
        "cognito-idp.CreateUserPool": 1,
        "secretsmanager.CreateSecret": 1,
    }
    assert shown["remaining"] == {}


def test_error_after_write_in_ecs_and_the_other_protocols(plain_endpoint, plain):
    ecs, family, network = _ecs_setup(plain, image="nginx:latest")
    set_faults(
        plain_endpoint,
        error_after_write={
            "ecs.RegisterTaskDefinition": 1,
            "ecs.RunTask": 1,
            "iam.CreateRole": 1,
            "ec2.CreateVpc": 1,
            "s3.CreateBucket": 1,
        },
    )
    with pytest.raises(ClientError) as err:
        ecs.register_task_definition(
            family=family, containerDefinitions=[{"name": "a", "image": "nginx", "memory": 64}]
        )
    assert _code(err)[:1] == ("InternalFailure",)
    assert ecs.describe_task_definition(taskDefinition=f"{family}:2")["taskDefinition"]["revision"] == 2
    with pytest.raises(ClientError) as err:
        _run(ecs, family, network)
    assert _code(err)[2] == 500
    assert len(ecs.list_tasks(cluster="apps")["taskArns"]) == 1
    with pytest.raises(ClientError) as err:
        plain("iam").create_role(RoleName="r500", AssumeRolePolicyDocument="{}")
    assert _code(err)[:1] == ("InternalFailure",)
    assert plain("iam").get_role(RoleName="r500")["Role"]["RoleName"] == "r500"
    with pytest.raises(ClientError) as err:
        plain("ec2").create_vpc(CidrBlock="10.99.0.0/16")
    assert _code(err)[0] == "InternalError"
    bucket = _name("bucket")
    with pytest.raises(ClientError) as err:
        plain("s3").create_bucket(Bucket=bucket)
    assert _code(err)[0] == "InternalError"
    plain("s3").head_bucket(Bucket=bucket)


def test_error_after_write_share_hits_only_mutating_operations(plain_endpoint, plain):
    set_faults(plain_endpoint, error_after_write_share=1, only=["logs.*"])
    logs = plain("logs")
    with pytest.raises(ClientError) as err:
        logs.create_log_group(logGroupName="g500")
    assert _code(err)[2] == 500
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="g500")["logGroups"]] == ["g500"]
    assert faults(plain_endpoint)["injected"]["error_after_write"] == {"logs.CreateLogGroup": 1}


def test_error_after_write_passes_moto_errors_through(plain_endpoint, plain):
    set_faults(plain_endpoint, error_after_write={"secretsmanager.DeleteSecret": 1})
    with pytest.raises(ClientError) as err:
        plain("secretsmanager").delete_secret(SecretId="no-such-secret")
    assert _code(err)[0] == "ResourceNotFoundException"
    assert faults(plain_endpoint)["remaining"] == {"secretsmanager.DeleteSecret": 1}  # not consumed


# --------------------------------------------------------------------------- faults: ECS deployments


def test_parse_ecs_deployment_faults():
    assert moto_faults.parse_faults("ecs_deployment_fail=*:B+*/backend:2.0,ecs_deployment_seconds=2.5") == {
        "ecs_deployment_fail": ["*:B", "*/backend:2.0"],
        "ecs_deployment_seconds": 2.5,
    }
    assert moto_faults.parse_faults({"ecs_deployment_fail": ["*:B"], "ecs_deployment_seconds": 0}) == {
        "ecs_deployment_fail": ["*:B"]
    }
    for bad, message in (
        ({"ecs_deployment_fail": [""]}, "image globs"),
        ({"ecs_deployment_fail": 3}, "image globs"),
        ("ecs_deployment_seconds=soon", "number of seconds"),
        ("ecs_deployment_seconds=-1", "between 0 and 3600"),
    ):
        with pytest.raises(ValueError, match=message):
            moto_faults.parse_faults(bad)


def _ecs_service(plain, *, image: str, breaker: bool = True):
    """A service (desiredCount 1, running on the plain launcher) and a function registering more images."""
    ecs, family, network = _ecs_setup(plain, image=image)

    def register(other: str) -> str:
        return ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "app", "image": other, "essential": True, "memory": 512}],
        )["taskDefinition"]["taskDefinitionArn"]

    args = {"deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}}
    ecs.create_service(
        cluster="apps",
        serviceName="web",
        taskDefinition=family,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
        **(args if breaker else {}),
    )
    return ecs, register


def _web(ecs) -> dict:
    return ecs.describe_services(cluster="apps", services=["web"])["services"][0]


def test_ecs_deployment_fail_fails_matching_images(plain_endpoint, plain):
    set_faults(plain_endpoint, ecs_deployment_fail=["*:B", "*/backend:2.0"])
    ecs, register = _ecs_service(plain, image="registry.example/app:A")
    first = _web(ecs)
    assert first["deployments"][0]["rolloutState"] == "COMPLETED"
    bad, good = register("registry.example/app:B"), register("registry.example/app:A2")

    updated = ecs.update_service(cluster="apps", service="web", taskDefinition=bad)["service"]
    (deployment,) = updated["deployments"]
    assert deployment["id"] != first["deployments"][0]["id"]
    assert deployment["taskDefinition"] == bad
    assert deployment["rolloutState"] == "FAILED"
    assert deployment["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert deployment["failedTasks"] >= 1 and deployment["runningCount"] == 0
    described = _web(ecs)
    assert described["runningCount"] == 0 and described["deployments"][0]["rolloutState"] == "FAILED"
    assert "deployment failed: tasks failed to start" in described["events"][0]["message"]

    back = ecs.update_service(cluster="apps", service="web", taskDefinition=good)["service"]
    assert back["deployments"][0]["rolloutState"] == "COMPLETED"
    assert back["deployments"][0]["taskDefinition"] == good
    assert back["runningCount"] == 1
    # another image path matching the second glob; RunTask is not affected
    other = register("123456789012.dkr.ecr.us-east-1.amazonaws.com/backend:2.0")
    assert (
        ecs.update_service(cluster="apps", service="web", taskDefinition=other)["service"]["deployments"][0][
            "rolloutState"
        ]
        == "FAILED"
    )


def test_ecs_deployment_fail_without_circuit_breaker_stays_in_progress(plain_endpoint, plain):
    set_faults(plain_endpoint, ecs_deployment_fail=["*:B"])
    ecs, register = _ecs_service(plain, image="registry.example/app:B", breaker=False)
    service = _web(ecs)
    assert service["runningCount"] == 0
    assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert "failed to launch a task" in service["events"][0]["message"]


def test_ecs_deployment_seconds_keeps_a_new_deployment_in_progress(plain_endpoint, plain):
    _post(
        f"{plain_endpoint}/_platform_ops/faults", raw=b"ecs_deployment_seconds=1,ecs_deployment_fail=*:B"
    )  # string form
    assert faults(plain_endpoint)["config"] == {"ecs_deployment_fail": ["*:B"], "ecs_deployment_seconds": 1.0}
    ecs, register = _ecs_service(plain, image="registry.example/app:A")
    assert _web(ecs)["deployments"][0]["rolloutState"] == "IN_PROGRESS"  # a new service deploys too
    time.sleep(1.1)
    first = _web(ecs)
    assert first["deployments"][0]["rolloutState"] == "COMPLETED" and first["runningCount"] == 1

    good = register("registry.example/app:A2")
    started = time.monotonic()
    updated = ecs.update_service(cluster="apps", service="web", taskDefinition=good)["service"]
    primary, old = updated["deployments"]
    assert (primary["status"], primary["rolloutState"], primary["runningCount"]) == ("PRIMARY", "IN_PROGRESS", 0)
    assert primary["taskDefinition"] == good and primary["id"] != first["deployments"][0]["id"]
    assert old["status"] == "ACTIVE" and old["id"] == first["deployments"][0]["id"]
    # a desiredCount-only update is no new deployment: it stays in progress with the same id
    same = ecs.update_service(cluster="apps", service="web", desiredCount=1)["service"]
    assert same["deployments"][0]["id"] == primary["id"]
    assert same["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    _wait_past(started, 1.0)
    done = _web(ecs)
    assert [d["id"] for d in done["deployments"]] == [primary["id"]]
    assert done["deployments"][0]["rolloutState"] == "COMPLETED" and done["runningCount"] == 1
    assert "has reached a steady state" in done["events"][0]["message"]

    bad = register("registry.example/app:B")
    started = time.monotonic()
    ecs.update_service(cluster="apps", service="web", taskDefinition=bad)
    assert _web(ecs)["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    _wait_past(started, 1.0)
    failed = _web(ecs)
    assert failed["deployments"][0]["rolloutState"] == "FAILED" and failed["runningCount"] == 0
