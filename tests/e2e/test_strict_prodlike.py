"""A production-shaped stack under AWS's rules, with 10 % of requests throttled.

One module-scoped stack on its OWN moto launcher (``PLATFORM_LOCAL_RULES=all``, throttling 0.1),
its own PostgreSQL and reference app, and the inventory ``tests/e2e/inventories/prodlike``:
prod, three AZs, a DR region, an imported ACM certificate, three services. Tests run in file order:
the emulator is strict -> deploy, second run changed=0 -> full deploy of a new image tag -> no
duplicate resources -> destroy finishes in bounded time and leaves nothing tagged.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections import Counter

import boto3
import pytest

from tests.conftest import faults, moto_server
from tests.e2e.stack import RETRIES, LocalStack, local_ecr, tagged
from tests.helpers import self_signed_certificate

NAME, ENV = "clinic", "prod"
STACK = f"{NAME}-{ENV}"
REGION, DR_REGION = "eu-west-1", "eu-central-1"
INVENTORY = "tests/e2e/inventories/prodlike"
DR_DB_SUBNET_GROUP = f"{STACK}-db"  # the DR pilot light's network (issue 14)
ACCOUNT = "123456789012"  # moto's account
FIRST_TAG, SECOND_TAG = "2026.12.01-aaa111", "2026.12.02-bbb222"
SERVICES = ("api", "portal", "scanner")
THROTTLE = 0.1
# Destroy must not hang on what the emulator never finishes: bounded well under the 900 s run limit.
DESTROY_BOUND_S = 600
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("strict")]


def _prerequisites(endpoint: str) -> dict[str, str]:
    """What an operator has before the first deploy (docs/aws-first-deploy.md): an ISSUED ACM
    certificate in the region and one in the DR region for the pilot light's load balancer (the DR
    network, its DB subnet group and the replica in it are the platform's). Returns the inventory's env."""
    arns = {}
    for region in (REGION, DR_REGION):
        cert, key = self_signed_certificate("app.clinic.example.org")
        acm = boto3.client("acm", region_name=region, endpoint_url=endpoint, config=RETRIES)
        arns[region] = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
        assert acm.describe_certificate(CertificateArn=arns[region])["Certificate"]["Status"] == "ISSUED"
    return {"PLATFORM_IT_CERTIFICATE_ARN": arns[REGION], "PLATFORM_IT_DR_CERTIFICATE_ARN": arns[DR_REGION]}


@pytest.fixture(scope="module")
def strict_endpoint(tmp_path_factory):
    """Our own launcher: every AWS rule on and 10 % of the requests throttled."""
    log = tmp_path_factory.mktemp("moto-strict") / "moto.log"
    # Services reach steady state with 3 running tasks (the inventory's largest desired_count): the
    # rollout waits for COMPLETED and the health check wants running >= desired for every service.
    with moto_server(
        log, PLATFORM_LOCAL_RULES="all", PLATFORM_LOCAL_FAULTS=f"throttle={THROTTLE}", MOTO_ECS_SERVICE_RUNNING="3"
    ) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def stack(strict_endpoint):
    env = _prerequisites(strict_endpoint)
    local = LocalStack(strict_endpoint, inventory=INVENTORY, region=REGION, env=env)
    try:
        yield local
    finally:
        local.close()


def _push(stack: LocalStack, tag: str) -> None:
    """The operator's `docker push` of every service's image with ``tag`` (scripts/local_ecr.py)."""
    repositories = [f"{STACK}/{name}" for name in SERVICES]
    local_ecr.push_images(stack.endpoint, REGION, repositories, tag)


def _migration_tasks(stack: LocalStack) -> list[dict]:
    ecs = stack.client("ecs")
    arns = []
    for status in ("RUNNING", "STOPPED"):
        arns += ecs.list_tasks(cluster=STACK, startedBy="ansible-migrate", desiredStatus=status)["taskArns"]
    return ecs.describe_tasks(cluster=STACK, tasks=arns)["tasks"] if arns else []


def test_the_emulator_enforces_the_rules_and_throttles(strict_endpoint):
    with urllib.request.urlopen(f"{strict_endpoint}/_platform_ops/rules", timeout=5) as resp:  # noqa: S310
        rules = json.load(resp)
    assert rules["available"] and sorted(rules["enabled"]) == sorted(rules["available"]), rules
    assert faults(strict_endpoint)["config"].get("throttle") == THROTTLE, faults(strict_endpoint)


def test_deploy_under_throttling_then_second_run_changes_nothing(stack):
    # First install (docs/aws-first-deploy.md): the repositories, the images, then everything.
    repositories = stack.run("deploy.yml", "--tags", "repositories")
    assert repositories.returncode == 0, repositories.tail(150)
    _push(stack, FIRST_TAG)
    first = stack.run("deploy.yml", timeout=1200)
    assert first.returncode == 0, first.tail(150)
    assert first.recap["changed"] > 0
    second = stack.run("deploy.yml")
    assert second.returncode == 0, second.tail(150)
    assert second.recap["changed"] == 0, f"second run changed: {second.changed_tasks()}"
    assert f"Migration skipped: image {FIRST_TAG} already migrated" in second.output


def test_deploy_of_a_new_image_tag_rolls_every_service(stack):
    _push(stack, SECOND_TAG)
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={SECOND_TAG}")
    assert run.returncode == 0, run.tail(150)
    ecs = stack.client("ecs")
    names = [f"{STACK}-{name}" for name in SERVICES]
    for svc in ecs.describe_services(cluster=STACK, services=names)["services"]:
        taskdef = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
        assert taskdef["containerDefinitions"][0]["image"].endswith(f":{SECOND_TAG}"), svc["serviceName"]


def _one_each(found: list[str], what: str) -> None:
    dupes = {name: n for name, n in Counter(found).items() if n > 1}
    assert not dupes, f"duplicate {what}: {dupes}"


def test_throttled_retries_left_no_duplicate_resources(stack):
    cognito = stack.client("cognito-idp")
    pools = [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"].startswith(STACK)]
    assert len(pools) == 1, pools
    clients = cognito.list_user_pool_clients(UserPoolId=pools[0]["Id"], MaxResults=60)["UserPoolClients"]
    assert len(clients) == 1, clients

    # Two migrations: the first image and the new one (the second run skipped it), one task each.
    tasks = _migration_tasks(stack)
    assert len(tasks) == 2, [(t["taskArn"], t.get("taskDefinitionArn")) for t in tasks]

    secrets = [
        s["Name"]
        for page in stack.client("secretsmanager").get_paginator("list_secrets").paginate()
        for s in page["SecretList"]
        if s["Name"].startswith(f"{STACK}/")
    ]
    assert secrets
    _one_each(secrets, "secrets")

    for region in (REGION, DR_REGION):
        buckets = [b["Name"] for b in stack.client("s3", region).list_buckets()["Buckets"]]
        purposes = [b[len(STACK) + 1 :].split("-")[0] for b in buckets if b.startswith(f"{STACK}-")]
        _one_each(
            [p + ("-dr" if b.endswith("-dr") else "") for p, b in zip(purposes, buckets, strict=False)], "buckets"
        )
    mine = [b["Name"] for b in stack.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{STACK}-")]
    trail = [b for b in mine if b.startswith(f"{STACK}-trail-")]  # the security baseline's CloudTrail bucket
    assert len(trail) == 1, mine
    primary = [b for b in mine if not b.endswith("-dr") and b not in trail]
    assert len(primary) == 6, primary
    # The replicas of the PHI, models and backups buckets, and the DR region's own ALB logs bucket.
    dr_purposes = sorted(b[len(STACK) + 1 :].split("-")[0] for b in mine if b.endswith("-dr"))
    assert dr_purposes == ["backups", "documents", "logs", "media", "models"], mine

    domains = [d["DomainName"] for d in stack.client("opensearch").list_domain_names()["DomainNames"]]
    assert len([d for d in domains if d.startswith(NAME)]) == 1, domains
    groups = stack.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    assert [g["ReplicationGroupId"] for g in groups] == [f"{STACK}-cache"], groups
    instances = stack.client("rds").describe_db_instances()["DBInstances"]
    assert [i["DBInstanceIdentifier"] for i in instances] == [f"{STACK}-db"], instances
    replicas = stack.client("rds", DR_REGION).describe_db_instances()["DBInstances"]
    assert [i["DBInstanceIdentifier"] for i in replicas] == [f"{STACK}-db-dr"], replicas
    assert replicas[0]["DBSubnetGroup"]["DBSubnetGroupName"] == DR_DB_SUBNET_GROUP

    ec2 = stack.client("ec2")
    mine_filter = [{"Name": "tag:Project", "Values": [NAME]}, {"Name": "tag:Environment", "Values": [ENV]}]
    assert len(ec2.describe_vpcs(Filters=mine_filter)["Vpcs"]) == 1
    assert len(ec2.describe_subnets(Filters=mine_filter)["Subnets"]) == 9
    nats = ec2.describe_nat_gateways(Filters=[*mine_filter, {"Name": "state", "Values": ["pending", "available"]}])
    assert len(nats["NatGateways"]) == 3, nats["NatGateways"]
    # The harness allocates no address in the region: every Elastic IP is a NAT gateway's.
    assert len(ec2.describe_addresses()["Addresses"]) == 3

    elbv2 = stack.client("elbv2")
    albs = [lb["LoadBalancerName"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    assert albs == [f"{STACK}-alb"], albs
    target_groups = [tg["TargetGroupName"] for tg in elbv2.describe_target_groups()["TargetGroups"]]
    assert len(target_groups) == 2, target_groups
    distributions = stack.client("cloudfront").list_distributions()["DistributionList"].get("Items") or []
    assert len(distributions) == 1, [d["Id"] for d in distributions]
    controls = stack.client("cloudfront").list_origin_access_controls()["OriginAccessControlList"].get("Items") or []
    assert len(controls) == 1, controls
    topics = [t["TopicArn"] for t in stack.client("sns").list_topics()["Topics"] if STACK in t["TopicArn"]]
    assert len(topics) == 1, topics
    subscriptions = stack.client("sns").list_subscriptions_by_topic(TopicArn=topics[0])["Subscriptions"]
    assert len(subscriptions) == 1, subscriptions
    acls = [a["Name"] for a in stack.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]]
    assert len(acls) == 1, acls

    # The DR pilot light (issue 14): one cluster with every service at 0 tasks, one HTTPS load balancer.
    ecs = stack.client("ecs", DR_REGION)
    assert [c.rsplit("/", 1)[-1] for c in ecs.list_clusters()["clusterArns"]] == [STACK]
    services = ecs.describe_services(cluster=STACK, services=[f"{STACK}-{s}" for s in SERVICES])["services"]
    assert {s["serviceName"]: s["desiredCount"] for s in services} == {f"{STACK}-{s}": 0 for s in SERVICES}
    dr_elbv2 = stack.client("elbv2", DR_REGION)
    dr_albs = dr_elbv2.describe_load_balancers()["LoadBalancers"]
    assert [lb["LoadBalancerName"] for lb in dr_albs] == [f"{STACK}-alb"], dr_albs
    listeners = dr_elbv2.describe_listeners(LoadBalancerArn=dr_albs[0]["LoadBalancerArn"])["Listeners"]
    assert any(listener["Protocol"] == "HTTPS" for listener in listeners), listeners
    dr_vpcs = stack.client("ec2", DR_REGION).describe_vpcs(Filters=mine_filter)["Vpcs"]
    assert [v["CidrBlock"] for v in dr_vpcs] == ["10.43.0.0/16"]


def test_destroy_of_the_prodlike_stack_finishes_and_leaves_nothing(stack):
    started = time.monotonic()
    # The data too (a plain destroy keeps it: tests/e2e/test_destroy_keeps_data.py).
    destroyed = stack.run(
        "playbooks/destroy.yml",
        *("-e", f"confirm_destroy={STACK}", "-e", "destroy_data=true", "-e", f"confirm_account={ACCOUNT}"),
        timeout=DESTROY_BOUND_S,
    )
    elapsed = time.monotonic() - started
    assert destroyed.returncode == 0, destroyed.tail(150)
    assert elapsed < DESTROY_BOUND_S
    assert not stack.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [NAME]}])["Vpcs"]
    # With destroy_data nothing tagged as the platform's is left, the final snapshots included.
    left = tagged(stack, NAME, ENV, (DR_REGION,))
    assert left == [], left
    assert [
        p
        for p in stack.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
        if p["Name"].startswith(STACK)
    ] == []
