"""plugins/filter/network_plan.py: each comparator against what the amazon.aws module itself answers in check
mode, on resources created by that module on the moto server and then changed by hand."""

from __future__ import annotations

import random
import uuid

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import network_plan as plan

TAGS = {"Project": "caseapp", "Environment": "dev"}
S3 = "com.amazonaws.us-east-1.s3"


def _strip(response):
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _cidr():
    # The moto server is shared by the whole session: a random /16 per test avoids overlaps that matter.
    return f"10.{random.randint(0, 255)}.0.0/16"  # noqa: S311 - not cryptographic


def _check(amazon, module, args):
    result = amazon(module, args, check_mode=True)
    assert not result.get("failed"), result
    return result["changed"]


def _run(amazon, module, args):
    result = amazon(module, args)
    assert not result.get("failed"), result
    return result


# ------------------------------------------------------------------------------------------------ VPC


def _vpc_wanted(cidr=None):
    return {
        "name": f"plan-{uuid.uuid4().hex[:8]}-vpc",
        "cidr_block": cidr or _cidr(),
        "dns_support": True,
        "dns_hostnames": True,
        "tenancy": "default",
        "tags": dict(TAGS),
        "purge_tags": False,
    }


def _vpc_read(ec2, name):
    vpcs = _strip(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}]))
    found = vpcs["Vpcs"][0]["VpcId"] if vpcs["Vpcs"] else None
    if not found:
        return vpcs, None, None
    support = _strip(ec2.describe_vpc_attribute(VpcId=found, Attribute="enableDnsSupport"))
    hostnames = _strip(ec2.describe_vpc_attribute(VpcId=found, Attribute="enableDnsHostnames"))
    return vpcs, support, hostnames


def _vpc_differences(ec2, wanted):
    return plan.vpc_differences(wanted, *_vpc_read(ec2, wanted["name"]))


@pytest.fixture
def vpc(aws, amazon):
    """A VPC made by ec2_vpc_net with the network role's arguments: (wanted, vpc_id)."""
    wanted = _vpc_wanted()
    vpc_id = _run(amazon, "ec2_vpc_net", wanted)["vpc"]["id"]
    return wanted, vpc_id


def test_vpc_converged(aws, amazon, vpc):
    wanted, vpc_id = vpc
    ec2 = aws("ec2")
    assert _vpc_differences(ec2, wanted) == []
    assert _check(amazon, "ec2_vpc_net", wanted) is False
    vpcs = _vpc_read(ec2, wanted["name"])[0]
    assert plan.vpc_found(vpcs, wanted["name"], wanted["cidr_block"])["VpcId"] == vpc_id
    # tenancy is only used at creation: the module does not compare it on an existing VPC.
    assert _check(amazon, "ec2_vpc_net", dict(wanted, tenancy="dedicated")) is False
    assert _vpc_differences(ec2, dict(wanted, tenancy="dedicated")) == []


def test_vpc_missing(aws, amazon):
    wanted = _vpc_wanted()
    assert _vpc_differences(aws("ec2"), wanted) == ["missing"]
    assert plan.vpc_found({"Vpcs": []}, wanted["name"], wanted["cidr_block"]) == {}
    assert _check(amazon, "ec2_vpc_net", wanted) is True


def test_vpc_other_cidr_is_another_vpc(aws, amazon, vpc):
    """The module finds a VPC by Name tag and CIDR: the same name with another CIDR makes it create one."""
    wanted, _ = vpc
    other = dict(wanted, cidr_block="10.254.0.0/16" if wanted["cidr_block"] != "10.254.0.0/16" else "10.253.0.0/16")
    assert _vpc_differences(aws("ec2"), other) == ["missing"]
    assert _check(amazon, "ec2_vpc_net", other) is True


def test_vpc_dns_hostnames_off(aws, amazon, vpc):
    wanted, vpc_id = vpc
    ec2 = aws("ec2")
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": False})
    assert _vpc_differences(ec2, wanted) == ["DNS hostnames False -> True"]
    assert _check(amazon, "ec2_vpc_net", wanted) is True


def test_vpc_dns_not_read_differs(aws, vpc):
    wanted, _ = vpc
    vpcs, support, _ = _vpc_read(aws("ec2"), wanted["name"])
    assert plan.vpc_differences(wanted, vpcs, support, None) == ["DNS hostnames not read"]


def test_vpc_tag_changed(aws, amazon, vpc):
    wanted, vpc_id = vpc
    ec2 = aws("ec2")
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Environment", "Value": "prod"}])
    assert _vpc_differences(ec2, wanted) == ["tag Environment: 'prod' -> 'dev'"]
    assert _check(amazon, "ec2_vpc_net", wanted) is True


def test_vpc_tag_removed(aws, amazon, vpc):
    wanted, vpc_id = vpc
    ec2 = aws("ec2")
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "Project"}])
    assert _vpc_differences(ec2, wanted) == ["tag Project missing"]
    assert _check(amazon, "ec2_vpc_net", wanted) is True


def test_vpc_extra_tag_is_no_difference(aws, amazon, vpc):
    wanted, vpc_id = vpc
    ec2 = aws("ec2")
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "CostCenter", "Value": "42"}])
    assert _vpc_differences(ec2, wanted) == []
    assert _check(amazon, "ec2_vpc_net", wanted) is False
    # ...but with the module's default purge_tags it would be removed.
    assert _vpc_differences(ec2, dict(wanted, purge_tags=True)) == ["tag CostCenter would be purged"]
    assert _check(amazon, "ec2_vpc_net", dict(wanted, purge_tags=True)) is True


def test_vpc_two_with_same_name_and_cidr(aws, amazon, vpc):
    wanted, _ = vpc
    ec2 = aws("ec2")
    ec2.create_vpc(
        CidrBlock=wanted["cidr_block"],
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": wanted["name"]}]}],
    )
    vpcs = _vpc_read(ec2, wanted["name"])[0]
    differs = plan.vpc_differences(wanted, vpcs, None, None)
    assert len(differs) == 1 and "the module fails" in differs[0]
    assert plan.vpc_found(vpcs, wanted["name"], wanted["cidr_block"]) == {}
    assert amazon("ec2_vpc_net", wanted, check_mode=True).get("failed")


def test_vpc_unmodelled_argument():
    wanted = dict(_vpc_wanted("10.0.0.0/16"), ipv6_cidr=True)
    vpcs = {
        "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "Tags": [{"Key": "Name", "Value": wanted["name"]}]}]
    }
    assert "not modelled: ipv6_cidr" in plan.vpc_differences(wanted, vpcs, None, None)


# ------------------------------------------------------------------------------------------------ IGW


def _igw_wanted(vpc_id):
    return {"vpc_id": vpc_id, "tags": dict(TAGS, Name=f"plan-{uuid.uuid4().hex[:8]}-igw"), "purge_tags": False}


def _igws(ec2, vpc_id):
    return _strip(ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]))


@pytest.fixture
def igw(aws, amazon):
    vpc_id = aws("ec2").create_vpc(CidrBlock=_cidr())["Vpc"]["VpcId"]
    wanted = _igw_wanted(vpc_id)
    gateway_id = _run(amazon, "ec2_vpc_igw", wanted)["gateway_id"]
    return wanted, gateway_id


def test_igw_converged(aws, amazon, igw):
    wanted, _ = igw
    assert plan.igw_differences(wanted, _igws(aws("ec2"), wanted["vpc_id"])) == []
    assert _check(amazon, "ec2_vpc_igw", wanted) is False


def test_igw_missing(aws, amazon):
    wanted = _igw_wanted(aws("ec2").create_vpc(CidrBlock=_cidr())["Vpc"]["VpcId"])
    assert plan.igw_differences(wanted, _igws(aws("ec2"), wanted["vpc_id"])) == ["missing"]
    assert _check(amazon, "ec2_vpc_igw", wanted) is True


def test_igw_tag_changed(aws, amazon, igw):
    wanted, gateway_id = igw
    ec2 = aws("ec2")
    ec2.create_tags(Resources=[gateway_id], Tags=[{"Key": "Name", "Value": "renamed"}])
    assert plan.igw_differences(wanted, _igws(ec2, wanted["vpc_id"])) == [
        f"tag Name: 'renamed' -> '{wanted['tags']['Name']}'"
    ]
    assert _check(amazon, "ec2_vpc_igw", wanted) is True


def test_igw_extra_tag_is_no_difference(aws, amazon, igw):
    wanted, gateway_id = igw
    ec2 = aws("ec2")
    ec2.create_tags(Resources=[gateway_id], Tags=[{"Key": "CostCenter", "Value": "42"}])
    assert plan.igw_differences(wanted, _igws(ec2, wanted["vpc_id"])) == []
    assert _check(amazon, "ec2_vpc_igw", wanted) is False


def test_igw_detached_is_missing_and_the_module_creates_another(aws, amazon, igw):
    wanted, gateway_id = igw
    ec2 = aws("ec2")
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=wanted["vpc_id"])
    assert plan.igw_differences(wanted, _igws(ec2, wanted["vpc_id"])) == ["missing"]
    assert _check(amazon, "ec2_vpc_igw", wanted) is True
    # The module looks the gateway up by its attachment only: it creates a second gateway, the detached
    # one stays behind.
    assert _run(amazon, "ec2_vpc_igw", wanted)["gateway_id"] != gateway_id
    assert plan.igw_differences(wanted, _igws(ec2, wanted["vpc_id"])) == []


def test_igw_detaching_state_differs():
    igws = {
        "InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "detaching"}]}]
    }
    assert plan.igw_differences({"vpc_id": "vpc-1"}, igws) == ["attachment detaching"]


# ----------------------------------------------------------------------------------------- route tables


@pytest.fixture
def network(aws, amazon):
    """A VPC with an attached internet gateway, three subnets and two NAT gateways."""
    ec2 = aws("ec2")
    cidr = _cidr()
    prefix = cidr.rsplit(".", 2)[0]
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{prefix}.{i}.0/24", AvailabilityZone="us-east-1a")["Subnet"][
            "SubnetId"
        ]
        for i in range(3)
    ]
    nats = []
    for _ in range(2):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nats.append(ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"])
    return {"vpc_id": vpc_id, "igw_id": igw_id, "subnets": subnets, "nats": nats, "ec2": ec2}


def _rt_wanted(network, suffix, subnets, routes):
    return {
        "vpc_id": network["vpc_id"],
        "lookup": "tag",
        "tags": dict(TAGS, Name=f"plan-{uuid.uuid4().hex[:8]}-{suffix}"),
        "purge_tags": False,
        "subnets": subnets,
        "routes": routes,
    }


def _tables(network):
    return _strip(network["ec2"].describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [network["vpc_id"]]}]))


def _rt_differences(network, wanted):
    return plan.route_table_differences(wanted, _tables(network))


@pytest.fixture
def public_rt(network, amazon):
    """The public table: two subnets, 0.0.0.0/0 to the internet gateway: (wanted, route table id)."""
    wanted = _rt_wanted(
        network, "public", network["subnets"][:2], [{"dest": "0.0.0.0/0", "gateway_id": network["igw_id"]}]
    )
    table_id = _run(amazon, "ec2_vpc_route_table", wanted)["route_table"]["id"]
    return wanted, table_id


def test_route_table_converged(network, amazon, public_rt):
    wanted, table_id = public_rt
    tables = _tables(network)
    assert plan.route_table_found(tables, network["vpc_id"], wanted["tags"])["RouteTableId"] == table_id
    assert plan.route_table_differences(wanted, tables) == []
    assert _check(amazon, "ec2_vpc_route_table", wanted) is False


def test_route_table_nat_and_empty_routes_converged(network, amazon):
    private = _rt_wanted(
        network, "private-0", [network["subnets"][2]], [{"dest": "0.0.0.0/0", "nat_gateway_id": network["nats"][0]}]
    )
    database = _rt_wanted(network, "database", [], [])
    for wanted in (private, database):
        _run(amazon, "ec2_vpc_route_table", wanted)
    for wanted in (private, database):
        assert _rt_differences(network, wanted) == []
        assert _check(amazon, "ec2_vpc_route_table", wanted) is False


def test_route_table_gateway_endpoint_routes_are_ignored(network, amazon, public_rt):
    """The prefix-list route a gateway endpoint adds has no DestinationCidrBlock: the module never purges it."""
    wanted, table_id = public_rt
    network["ec2"].create_vpc_endpoint(VpcId=network["vpc_id"], ServiceName=S3, RouteTableIds=[table_id])
    tables = _tables(network)
    routes = plan.route_table_found(tables, network["vpc_id"], wanted["tags"])["Routes"]
    assert any(r.get("DestinationPrefixListId") for r in routes), routes
    assert plan.route_table_differences(wanted, tables) == []
    assert _check(amazon, "ec2_vpc_route_table", wanted) is False


def test_route_table_missing(network, amazon):
    wanted = _rt_wanted(network, "public", network["subnets"][:1], [])
    assert _rt_differences(network, wanted) == ["missing"]
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_route_removed(network, amazon, public_rt):
    wanted, table_id = public_rt
    network["ec2"].delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    assert _rt_differences(network, wanted) == [f"route 0.0.0.0/0 -> {network['igw_id']} missing"]
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_route_target_changed(network, amazon, public_rt):
    wanted, table_id = public_rt
    network["ec2"].replace_route(
        RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=network["nats"][0]
    )
    differs = _rt_differences(network, wanted)
    assert len(differs) == 1 and differs[0].endswith(f"would become 0.0.0.0/0 -> {network['igw_id']}"), differs
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_nat_target_changed(network, amazon):
    wanted = _rt_wanted(
        network, "private-0", [network["subnets"][2]], [{"dest": "0.0.0.0/0", "nat_gateway_id": network["nats"][0]}]
    )
    table_id = _run(amazon, "ec2_vpc_route_table", wanted)["route_table"]["id"]
    network["ec2"].replace_route(
        RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=network["nats"][1]
    )
    assert _rt_differences(network, wanted)
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_extra_route(network, amazon, public_rt):
    wanted, table_id = public_rt
    network["ec2"].create_route(
        RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16", GatewayId=network["igw_id"]
    )
    assert _rt_differences(network, wanted) == [f"route 192.168.0.0/16 -> {network['igw_id']} would be purged"]
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True
    # purge_routes false keeps it.
    assert _rt_differences(network, dict(wanted, purge_routes=False)) == []
    assert _check(amazon, "ec2_vpc_route_table", dict(wanted, purge_routes=False)) is False


def test_route_table_subnet_association_removed(network, amazon, public_rt):
    wanted, table_id = public_rt
    ec2 = network["ec2"]
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    association = next(a for a in table["Associations"] if a.get("SubnetId") == network["subnets"][1])
    ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    assert _rt_differences(network, wanted) == [f"subnet {network['subnets'][1]} not associated"]
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_subnet_moved_to_another_table(network, amazon, public_rt):
    wanted, table_id = public_rt
    ec2 = network["ec2"]
    other = ec2.create_route_table(VpcId=network["vpc_id"])["RouteTable"]["RouteTableId"]
    table = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    association = next(a for a in table["Associations"] if a.get("SubnetId") == network["subnets"][1])
    ec2.replace_route_table_association(AssociationId=association["RouteTableAssociationId"], RouteTableId=other)
    assert _rt_differences(network, wanted) == [f"subnet {network['subnets'][1]} associated with {other}"]
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_module_moves_a_subnet_in_two_runs(network, amazon, public_rt):
    """Upstream behaviour: a subnet associated with another table is only disassociated by a run (the module
    returns without associating it); the next run associates it."""
    wanted, _ = public_rt
    other = _rt_wanted(network, "other", [network["subnets"][1]], [])
    _run(amazon, "ec2_vpc_route_table", other)
    assert _rt_differences(network, other) == [f"subnet {network['subnets'][1]} not associated"]
    assert _rt_differences(network, wanted) == [f"subnet {network['subnets'][1]} not associated"]
    assert _check(amazon, "ec2_vpc_route_table", other) is True
    _run(amazon, "ec2_vpc_route_table", other)
    assert _rt_differences(network, other) == []
    assert _check(amazon, "ec2_vpc_route_table", other) is False


def test_route_table_extra_subnet_associated(network, amazon, public_rt):
    wanted, table_id = public_rt
    network["ec2"].associate_route_table(RouteTableId=table_id, SubnetId=network["subnets"][2])
    assert _rt_differences(network, wanted) == [f"subnet {network['subnets'][2]} associated (would be purged)"]
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_tag_changed_means_a_new_table(network, amazon, public_rt):
    """The lookup matches every wanted tag: with one changed the module does not find the table and creates
    another (it does not fix the tag)."""
    wanted, table_id = public_rt
    network["ec2"].create_tags(Resources=[table_id], Tags=[{"Key": "Environment", "Value": "prod"}])
    assert _rt_differences(network, wanted) == ["missing"]
    assert plan.route_table_found(_tables(network), network["vpc_id"], wanted["tags"]) == {}
    assert _check(amazon, "ec2_vpc_route_table", wanted) is True


def test_route_table_extra_tag_is_no_difference(network, amazon, public_rt):
    wanted, table_id = public_rt
    network["ec2"].create_tags(Resources=[table_id], Tags=[{"Key": "CostCenter", "Value": "42"}])
    assert _rt_differences(network, wanted) == []
    assert _check(amazon, "ec2_vpc_route_table", wanted) is False


def test_route_table_local_propagated_and_ipv6_routes_are_kept():
    table = {
        "RouteTableId": "rtb-1",
        "VpcId": "vpc-1",
        "Tags": [{"Key": "Name", "Value": "t"}],
        "Associations": [{"Main": True, "RouteTableAssociationId": "rtbassoc-1"}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
            {"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"},
            {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1", "Origin": "CreateRoute"},
            {"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1", "Origin": "CreateRoute"},
        ],
    }
    wanted = {
        "vpc_id": "vpc-1",
        "lookup": "tag",
        "tags": {"Name": "t"},
        "purge_tags": False,
        "subnets": [],
        "routes": [],
    }
    assert plan.route_table_differences(wanted, {"RouteTables": [table]}) == []
    assert plan.route_table_differences(dict(wanted, gateway_id="igw-1"), {"RouteTables": [table]}) == [
        "not modelled: gateway_id"
    ]


# ------------------------------------------------------------------------------------------- endpoints


@pytest.fixture
def endpoint(network, amazon):
    """An S3 gateway endpoint made by ec2_vpc_endpoint for two route tables: (wanted, endpoint id, table ids)."""
    ec2 = network["ec2"]
    tables = [ec2.create_route_table(VpcId=network["vpc_id"])["RouteTable"]["RouteTableId"] for _ in range(2)]
    wanted = {
        "vpc_id": network["vpc_id"],
        "service": S3,
        "vpc_endpoint_type": "Gateway",
        "route_table_ids": tables,
        "tags": dict(TAGS, Name=f"plan-{uuid.uuid4().hex[:8]}-s3"),
        "purge_tags": False,
    }
    endpoint_id = _run(amazon, "ec2_vpc_endpoint", wanted)["result"]["vpc_endpoint_id"]
    return wanted, endpoint_id, tables


def _endpoints(network):
    return _strip(network["ec2"].describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [network["vpc_id"]]}]))


def test_endpoint_converged(network, amazon, endpoint):
    wanted, _, tables = endpoint
    assert plan.vpc_endpoint_differences(wanted, _endpoints(network)) == []
    assert _check(amazon, "ec2_vpc_endpoint", wanted) is False
    # The route tables are compared sorted.
    reordered = dict(wanted, route_table_ids=list(reversed(tables)))
    assert plan.vpc_endpoint_differences(reordered, _endpoints(network)) == []
    assert _check(amazon, "ec2_vpc_endpoint", reordered) is False


def test_endpoint_missing(network, amazon):
    wanted = {
        "vpc_id": network["vpc_id"],
        "service": S3,
        "vpc_endpoint_type": "Gateway",
        "route_table_ids": [],
        "tags": TAGS,
    }
    assert plan.vpc_endpoint_differences(wanted, _endpoints(network)) == ["missing"]
    assert _check(amazon, "ec2_vpc_endpoint", wanted) is True


def test_endpoint_route_table_removed_means_another_endpoint(network, amazon, endpoint):
    """The module never modifies an endpoint's route tables: it looks one up by the exact set and, finding
    none, creates a second endpoint (moto accepts it; AWS refuses it with RouteAlreadyExists for the table
    that still routes to S3 through the first endpoint)."""
    wanted, endpoint_id, tables = endpoint
    ec2 = network["ec2"]
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, RemoveRouteTableIds=[tables[1]])
    differs = plan.vpc_endpoint_differences(wanted, _endpoints(network))
    assert len(differs) == 1 and "would create another endpoint" in differs[0], differs
    assert _check(amazon, "ec2_vpc_endpoint", wanted) is True
    created = _run(amazon, "ec2_vpc_endpoint", wanted)
    assert created["changed"] and created["result"]["vpc_endpoint_id"] != endpoint_id
    endpoints = _endpoints(network)["VpcEndpoints"]
    assert sorted(e["VpcEndpointId"] for e in endpoints) == sorted([endpoint_id, created["result"]["vpc_endpoint_id"]])
    # The new endpoint serves exactly the wanted tables: converged by the module's measure, with a duplicate.
    assert plan.vpc_endpoint_differences(wanted, _endpoints(network)) == []


def test_endpoint_tag_changed(network, amazon, endpoint):
    wanted, endpoint_id, _ = endpoint
    network["ec2"].create_tags(Resources=[endpoint_id], Tags=[{"Key": "Environment", "Value": "prod"}])
    assert plan.vpc_endpoint_differences(wanted, _endpoints(network)) == ["tag Environment: 'prod' -> 'dev'"]
    assert _check(amazon, "ec2_vpc_endpoint", wanted) is True


def test_endpoint_extra_tag_is_no_difference(network, amazon, endpoint):
    wanted, endpoint_id, _ = endpoint
    network["ec2"].create_tags(Resources=[endpoint_id], Tags=[{"Key": "CostCenter", "Value": "42"}])
    assert plan.vpc_endpoint_differences(wanted, _endpoints(network)) == []
    assert _check(amazon, "ec2_vpc_endpoint", wanted) is False


def test_endpoint_deleted_differs_although_the_module_keeps_it(network, amazon, endpoint):
    """The module matches a deleted endpoint (DescribeVpcEndpoints lists them for a while) and reports no
    change: answered as a difference here (a false "differs" only costs a run)."""
    wanted, endpoint_id, _ = endpoint
    network["ec2"].delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])
    assert plan.vpc_endpoint_differences(wanted, _endpoints(network)) == [
        f"endpoint {endpoint_id} is deleted (the module would keep it)"
    ]
    assert _check(amazon, "ec2_vpc_endpoint", wanted) is False
