"""The search role's domain plan (``search_domain_differences``, plugins/filter/search_plan.py) against moto: from
the role's one read it says "nothing to do" exactly when community.aws.opensearch, given the role's arguments and
run in check mode, reports no change, and names what differs when a change made by hand would make it write."""

from __future__ import annotations

import time
import uuid

import botocore.exceptions
import pytest
from ansible_collections.platform_ops.aws.plugins.filter import plans
from ansible_collections.platform_ops.aws.plugins.filter import search_plan as p


@pytest.fixture
def network(aws):
    """Subnets, a security group, the platform key and OpenSearch's service-linked role (AWS refuses a VPC domain
    without it)."""
    try:
        aws("iam").create_service_linked_role(AWSServiceName="opensearchservice.amazonaws.com")
    except botocore.exceptions.ClientError as e:  # already there: the moto server is shared by the session
        if e.response["Error"]["Code"] not in ("InvalidInput", "EntityAlreadyExists"):
            raise
    keys = [aws("kms").create_key(Description="search")["KeyMetadata"]["Arn"] for _ in range(2)]
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName=f"sg-{uuid.uuid4().hex[:8]}", Description="search", VpcId=vpc)
    return {"subnets": subnets, "security_groups": [group["GroupId"]], "keys": keys}


def _wanted(name, network, **changes):
    wanted = {
        "engine_version": "OpenSearch_2.19",
        "cluster": {
            "instance_type": "m6g.large.search",
            "instance_count": 2,
            "zone_awareness": True,
            "availability_zone_count": 2,
            "dedicated_master": False,
        },
        "ebs": {"volume_type": "gp3", "volume_size": 20},
        "subnets": network["subnets"],
        "security_groups": network["security_groups"],
        "kms_key_id": network["keys"][0],
        "tls_security_policy": "Policy-Min-TLS-1-2-PFS-2023-10",
        "advanced_security": {"enabled": False, "internal_user_database_enabled": False, "master_user_arn": None},
        "auto_tune": "ENABLED",
        "tags": {"Project": "sd", "Environment": "test", "Name": name},
    }
    wanted.update(changes)
    return wanted


def _module_args(name, wanted):
    """community.aws.opensearch's arguments as roles/search/tasks/present.yml passes them."""
    cluster = wanted["cluster"]
    security = wanted["advanced_security"]
    return {
        "domain_name": name,
        "engine_version": wanted["engine_version"],
        "cluster_config": {
            "instance_type": cluster["instance_type"],
            "instance_count": cluster["instance_count"],
            "zone_awareness": cluster["zone_awareness"],
            "availability_zone_count": cluster["availability_zone_count"],
            "dedicated_master": cluster["dedicated_master"],
        },
        "ebs_options": {"ebs_enabled": True, **wanted["ebs"]},
        "vpc_options": {"subnets": wanted["subnets"], "security_groups": wanted["security_groups"]},
        "encryption_at_rest_options": {"enabled": True, "kms_key_id": wanted["kms_key_id"]},
        "node_to_node_encryption_options": {"enabled": True},
        "domain_endpoint_options": {"enforce_https": True, "tls_security_policy": wanted["tls_security_policy"]},
        "advanced_security_options": (
            {
                "enabled": True,
                "internal_user_database_enabled": security["internal_user_database_enabled"],
                "master_user_options": {"master_user_arn": security["master_user_arn"]},
            }
            if security["enabled"]
            else {"enabled": False}
        ),
        "auto_tune_options": (
            {"desired_state": "ENABLED", "maintenance_schedules": []}
            if wanted["auto_tune"] == "ENABLED"
            else {"desired_state": "DISABLED"}
        ),
        "access_policies": {"Version": "2012-10-17", "Statement": []},
        "tags": wanted["tags"],
        "purge_tags": False,
        "wait": False,
    }


@pytest.fixture
def domain(community, network):
    """A domain created by community.aws.opensearch with the role's arguments."""
    name = f"sd-{uuid.uuid4().hex[:10]}"
    deadline = time.monotonic() + 30
    while True:  # a new service-linked role takes a few seconds to be usable, as on AWS
        created = community("opensearch", _module_args(name, _wanted(name, network)))
        if "service-linked role" not in str(created.get("error", {}).get("message")) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert created.get("changed") and not created.get("failed"), created
    return name


def _plan(run_module, name, wanted):
    reads = plans.search_state_reads(name, {}, name) + p.search_policy_reads(name)
    read = run_module("aws_read", {"reads": reads}, check_mode=True)
    assert not read.failed, read
    return p.search_domain_differences(read["responses"], wanted)


def _module_changes(community, name, wanted):
    args = _module_args(name, wanted)
    args.pop("access_policies")  # the role sends it only when it creates the domain
    result = community("opensearch", args, check_mode=True)
    assert not result.get("failed"), result
    return bool(result["changed"])


def test_a_converged_domain_needs_no_module_run(run_module, community, network, domain):
    wanted = _wanted(domain, network)
    assert _plan(run_module, domain, wanted) == []
    assert _module_changes(community, domain, wanted) is False


@pytest.mark.parametrize(
    "case",
    [
        ({"engine_version": "OpenSearch_2.11"}, "engine version"),
        ({"ebs": {"volume_type": "gp3", "volume_size": 30}}, "EBS"),
        ({"tls_security_policy": "Policy-Min-TLS-1-0-2019-07"}, "endpoint options"),
        ({"auto_tune": "DISABLED"}, "auto-tune"),
        ({"kms_key_id": "other key"}, "encryption at rest"),
    ],
)
def test_a_wanted_change_is_a_difference(run_module, community, network, domain, case):
    change, reason = case
    if change.get("kms_key_id"):
        change = {"kms_key_id": network["keys"][1]}
    wanted = _wanted(domain, network, **change)
    assert reason in _plan(run_module, domain, wanted)
    if reason != "engine version":  # the module upgrades through GetCompatibleVersions, which moto lacks
        assert _module_changes(community, domain, wanted) is True


def test_changes_made_by_hand_are_differences(run_module, community, aws, network, domain):
    wanted = _wanted(domain, network)
    opensearch = aws("opensearch")
    config = opensearch.describe_domain_config(DomainName=domain)["DomainConfig"]
    endpoint = dict(config["DomainEndpointOptions"]["Options"], EnforceHTTPS=False)
    opensearch.update_domain_config(
        DomainName=domain,
        ClusterConfig=dict(config["ClusterConfig"]["Options"], InstanceCount=4),
        DomainEndpointOptions=endpoint,
    )
    arn = opensearch.describe_domain(DomainName=domain)["DomainStatus"]["ARN"]
    opensearch.remove_tags(ARN=arn, TagKeys=["Environment"])
    assert {"cluster", "endpoint options", "tags"} <= set(_plan(run_module, domain, wanted))
    assert _module_changes(community, domain, wanted) is True


def test_a_missing_domain_is_created(run_module, network):
    name = f"sd-{uuid.uuid4().hex[:10]}"
    assert _plan(run_module, name, _wanted(name, network)) == ["domain missing"]
