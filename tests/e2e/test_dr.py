"""The DR region's pilot light (issue 14, docs/dr.md) on the local emulator: one moto server serves both
regions. ``provision.yml --tags network,storage,identity,database,ecs_service,dr`` with
``tests/e2e/inventories/dr`` (primary eu-west-1, DR eu-central-1) provisions in the DR region the
network (derived, non-overlapping CIDR, same layout), its DB subnet group, the ECS cluster with every service
at 0 tasks, the load balancer, and the database replica in the DR network with the DR key; a second run
changes nothing, nor does a check-mode run. The app's name in the operator's hosted zone gets the Route 53 health
check of the primary ALB and the failover records PRIMARY (primary ALB) and SECONDARY (DR ALB).

The module-scoped stack is the ``dr_stack`` fixture; the failover tests (tests/e2e/dr_failover_cases.py,
imported at the end) run on it after these.
"""

from __future__ import annotations

import ipaddress

import pytest

from tests.conftest import moto_server
from tests.e2e.stack import LocalStack
from tests.helpers import push_images

INVENTORY = "tests/e2e/inventories/dr"
STACK = "drill-local"
REGION = "eu-west-1"
DR_REGION = "eu-central-1"
PRIMARY_CIDR = "10.60.0.0/16"
DR_CIDR = "10.61.0.0/16"
SERVICES = ("web", "worker")
TAG = "2026.12.04-dr01"
TAGS = "network,storage,identity,database,ecs_service,dr,dns"
ZONE, NAME = "drill.example.org", "app.drill.example.org"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dr")]


@pytest.fixture(scope="module")
def dr_endpoint(tmp_path_factory):
    log = tmp_path_factory.mktemp("moto-dr") / "moto.log"
    # Services report running min(2, desired): the failover waits for web at 2 tasks, worker at 1.
    with moto_server(log, PLATFORM_LOCAL_RULES="all", MOTO_ECS_SERVICE_RUNNING="2") as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def dr_stack(dr_endpoint):
    # Provision only: the database is never migrated, so the reference app could never pass its deep health check.
    # The local Fargate does not serve the services; the health checks poll a stand-in (dr_failover_cases.app_url).
    local = LocalStack(dr_endpoint, inventory=INVENTORY, region=REGION, env={"PLATFORM_LOCAL_SERVE": "0"})
    # The operator's hosted zone (the platform never creates or deletes it).
    local.client("route53").create_hosted_zone(Name=ZONE, CallerReference="drill-zone")
    try:
        yield local
    finally:
        local.close()


def _vpc(stack: LocalStack, region: str) -> dict:
    vpcs = stack.client("ec2", region).describe_vpcs(
        Filters=[{"Name": "tag:Project", "Values": ["drill"]}, {"Name": "tag:Environment", "Values": ["local"]}]
    )["Vpcs"]
    assert len(vpcs) == 1, vpcs
    return vpcs[0]


def _subnets(stack: LocalStack, region: str, vpc_id: str) -> list[tuple[str, str]]:
    """(tier tag or name, CIDR relative to the VPC) of every subnet, sorted."""
    subnets = stack.client("ec2", region).describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    vpc = ipaddress.ip_network(stack.client("ec2", region).describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"])
    found = []
    for subnet in subnets:
        tags = {t["Key"]: t["Value"] for t in subnet.get("Tags", [])}
        net = ipaddress.ip_network(subnet["CidrBlock"])
        offset = int(net.network_address) - int(vpc.network_address)
        found.append((tags.get("Tier", tags.get("Name", "").replace(region, "")), f"+{offset}/{net.prefixlen}"))
    return sorted(found)


def test_deploy_with_the_pilot_light(dr_stack):
    repositories = dr_stack.run("deploy.yml", "--tags", "repositories")
    assert repositories.returncode == 0, repositories.tail(150)
    push_images(dr_stack.endpoint, [f"{STACK}/{s}" for s in SERVICES], TAG, region=REGION)
    run = dr_stack.run("playbooks/provision.yml", "--tags", TAGS)
    assert run.returncode == 0, run.tail(200)
    assert "control-dr" in run.output  # the DR region's host ran


def test_the_dr_network_has_the_derived_cidr_and_the_same_layout(dr_stack):
    primary, dr = _vpc(dr_stack, REGION), _vpc(dr_stack, DR_REGION)
    assert primary["CidrBlock"] == PRIMARY_CIDR
    assert dr["CidrBlock"] == DR_CIDR
    assert not ipaddress.ip_network(dr["CidrBlock"]).overlaps(ipaddress.ip_network(primary["CidrBlock"]))
    primary_layout = _subnets(dr_stack, REGION, primary["VpcId"])
    dr_layout = _subnets(dr_stack, DR_REGION, dr["VpcId"])
    assert len(dr_layout) == len(primary_layout) >= 6
    assert [offset for _, offset in dr_layout] == [offset for _, offset in primary_layout]


def test_the_dr_network_has_the_db_subnet_group(dr_stack):
    dr = _vpc(dr_stack, DR_REGION)
    (group,) = dr_stack.client("rds", DR_REGION).describe_db_subnet_groups(DBSubnetGroupName=f"{STACK}-db")[
        "DBSubnetGroups"
    ]
    assert group["VpcId"] == dr["VpcId"]
    assert len(group["Subnets"]) == 2


def test_the_dr_cluster_runs_every_service_at_zero(dr_stack):
    ecs = dr_stack.client("ecs", DR_REGION)
    (cluster,) = ecs.describe_clusters(clusters=[STACK])["clusters"]
    assert cluster["status"] == "ACTIVE"
    services = ecs.describe_services(cluster=STACK, services=[f"{STACK}-{s}" for s in SERVICES])["services"]
    assert sorted(s["serviceName"] for s in services) == sorted(f"{STACK}-{s}" for s in SERVICES)
    assert {s["serviceName"]: s["desiredCount"] for s in services} == {f"{STACK}-{s}": 0 for s in SERVICES}
    # autoscaling never scales the pilot light up
    targets = dr_stack.client("application-autoscaling", DR_REGION).describe_scalable_targets(ServiceNamespace="ecs")[
        "ScalableTargets"
    ]
    assert targets
    assert {(t["MinCapacity"], t["MaxCapacity"]) for t in targets} == {(0, 0)}
    # the primary's services keep their counts
    primary = dr_stack.client("ecs", REGION).describe_services(cluster=STACK, services=[f"{STACK}-web"])["services"]
    assert primary[0]["desiredCount"] == 2


def test_the_dr_load_balancer_listens_and_logs_in_its_region(dr_stack):
    elb = dr_stack.client("elbv2", DR_REGION)
    (alb,) = [lb for lb in elb.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"].startswith(STACK)]
    assert alb["VpcId"] == _vpc(dr_stack, DR_REGION)["VpcId"]
    assert elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    attributes = {
        a["Key"]: a["Value"]
        for a in elb.describe_load_balancer_attributes(LoadBalancerArn=alb["LoadBalancerArn"])["Attributes"]
    }
    bucket = attributes["access_logs.s3.bucket"]
    assert bucket.endswith("-dr")
    location = dr_stack.client("s3", DR_REGION).get_bucket_location(Bucket=bucket)["LocationConstraint"]
    assert location == DR_REGION


def test_the_replica_is_in_the_dr_network_with_the_dr_key(dr_stack):
    rds = dr_stack.client("rds", DR_REGION)
    (replica,) = rds.describe_db_instances(DBInstanceIdentifier=f"{STACK}-db-dr")["DBInstances"]
    assert replica["DBSubnetGroup"]["DBSubnetGroupName"] == f"{STACK}-db"
    assert replica["DBSubnetGroup"]["VpcId"] == _vpc(dr_stack, DR_REGION)["VpcId"]
    assert replica.get("ReadReplicaSourceDBInstanceIdentifier", "").endswith(f":db:{STACK}-db")
    dr_key = dr_stack.client("kms", DR_REGION).describe_key(KeyId="alias/drill-local")["KeyMetadata"]["Arn"]
    assert replica["KmsKeyId"] == dr_key
    dr_sgs = dr_stack.client("ec2", DR_REGION).describe_security_groups(
        GroupIds=[g["VpcSecurityGroupId"] for g in replica["VpcSecurityGroups"]]
    )["SecurityGroups"]
    assert {g["VpcId"] for g in dr_sgs} == {_vpc(dr_stack, DR_REGION)["VpcId"]}


def _zone_id(stack: LocalStack) -> str:
    zones = stack.client("route53").list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"]
    return next(z["Id"] for z in zones if z["Name"] == f"{ZONE}.")


def alias_targets(stack: LocalStack) -> dict[str, str]:
    """{failover role or SIMPLE: the ALB DNS name it aliases} of the app's A records."""
    records = stack.client("route53").list_resource_record_sets(HostedZoneId=_zone_id(stack))["ResourceRecordSets"]
    return {
        r.get("Failover", "SIMPLE"): r["AliasTarget"]["DNSName"].rstrip(".").lower()
        for r in records
        if r["Name"] == f"{NAME}." and r["Type"] == "A"
    }


def alb_dns_name(stack: LocalStack, region: str) -> str:
    (alb,) = [
        lb
        for lb in stack.client("elbv2", region).describe_load_balancers()["LoadBalancers"]
        if lb["LoadBalancerName"].startswith(STACK)
    ]
    return alb["DNSName"].lower()


def test_the_zone_has_the_failover_records_and_the_health_check(dr_stack):
    assert alias_targets(dr_stack) == {
        "PRIMARY": alb_dns_name(dr_stack, REGION),
        "SECONDARY": alb_dns_name(dr_stack, DR_REGION),
    }
    route53 = dr_stack.client("route53")
    records = route53.list_resource_record_sets(HostedZoneId=_zone_id(dr_stack))["ResourceRecordSets"]
    (primary,) = [r for r in records if r.get("Failover") == "PRIMARY"]
    check = route53.get_health_check(HealthCheckId=primary["HealthCheckId"])["HealthCheck"]["HealthCheckConfig"]
    assert check["ResourcePath"] == "/health"
    assert check["FullyQualifiedDomainName"].lower() == alb_dns_name(dr_stack, REGION)


def test_a_second_run_changes_nothing(dr_stack):
    run = dr_stack.run("playbooks/provision.yml", "--tags", TAGS)
    assert run.returncode == 0, run.tail(150)
    assert run.changed_tasks() == [], run.changed_tasks()


def test_a_check_mode_run_changes_nothing(dr_stack):
    run = dr_stack.run("playbooks/provision.yml", "--tags", TAGS, "--check", "--diff")
    assert run.returncode == 0, run.tail(150)
    assert run.changed_tasks() == [], run.changed_tasks()


# The failover engineer's cases run on dr_stack after the pilot light's (they own that file's content).
from tests.e2e.dr_failover_cases import *  # noqa: E402, F403
