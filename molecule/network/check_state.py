"""boto3 checks of the network role's real state on the emulator."""

from __future__ import annotations

import ipaddress
import json
import os
import sys

from checks import PREFIX, check, client, done, ec2_tag_filters, has_standard_tags, tags_of

ec2 = client("ec2")
mode = sys.argv[1]
vpcs = ec2.describe_vpcs(Filters=ec2_tag_filters(**{"tag:Name": f"{PREFIX}-vpc"}))["Vpcs"]

if mode == "absent":
    check(not vpcs, f"no VPC named {PREFIX}-vpc is left")
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/platform/{PREFIX}/")["logGroups"]
    check(not groups, "the flow log group is gone")
    done()
    sys.exit(0)

az_count = int(os.environ["PLATFORM_AZ_COUNT"])
cidr = os.environ["PLATFORM_VPC_CIDR"]
check(len(vpcs) == 1, f"exactly one VPC {PREFIX}-vpc")
vpc = vpcs[0]
vpc_id = vpc["VpcId"]
check(vpc["CidrBlock"] == cidr, f"VPC CIDR is {cidr}")
check(has_standard_tags(tags_of(vpc)), "VPC carries the standard tags")
for attr in ("enableDnsSupport", "enableDnsHostnames"):
    value = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[attr[0].upper() + attr[1:]]["Value"]
    check(value, f"VPC {attr}")

subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
by_tier: dict[str, list] = {}
for subnet in subnets:
    by_tier.setdefault(tags_of(subnet).get("Tier"), []).append(subnet)
for tier in ("public", "private", "database"):
    found = by_tier.get(tier, [])
    check(len(found) == az_count, f"{az_count} {tier} subnets")
    check(len({s["AvailabilityZone"] for s in found}) == az_count, f"{tier} subnets spread over {az_count} AZs")
    check(
        all(ipaddress.ip_network(s["CidrBlock"]).subnet_of(ipaddress.ip_network(cidr)) for s in found),
        f"{tier} subnets inside the VPC",
    )
    check(all(s["MapPublicIpOnLaunch"] == (tier == "public") for s in found), f"{tier} subnets public IP mapping")

igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
check(len(igws) == 1, "one internet gateway attached")
nats = ec2.describe_nat_gateways(
    Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "state", "Values": ["available"]}]
)["NatGateways"]
check(len(nats) == az_count, f"one NAT gateway per AZ ({az_count})")
public_ids = {s["SubnetId"] for s in by_tier.get("public", [])}
check(all(n["SubnetId"] in public_ids for n in nats), "NAT gateways sit in public subnets")

tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]


def routes_of(name):
    table = next((t for t in tables if tags_of(t).get("Name") == name), None)
    return table, {r.get("DestinationCidrBlock"): r for r in (table or {}).get("Routes", [])}


table, routes = routes_of(f"{PREFIX}-public")
check(
    table is not None and routes.get("0.0.0.0/0", {}).get("GatewayId", "").startswith("igw-"),
    "public table routes to the IGW",
)
for index in range(az_count):
    table, routes = routes_of(f"{PREFIX}-private-{index}")
    check(
        table is not None and routes.get("0.0.0.0/0", {}).get("NatGatewayId", "").startswith("nat-"),
        f"private table {index} routes to a NAT",
    )
table, routes = routes_of(f"{PREFIX}-database")
check(table is not None and "0.0.0.0/0" not in routes, "database table has no internet route")

endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
check(
    any(e["ServiceName"].endswith(".s3") and e["VpcEndpointType"] == "Gateway" for e in endpoints),
    "S3 gateway endpoint",
)

flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
check(
    len(flow_logs) == 1 and flow_logs[0]["LogGroupName"] == f"/platform/{PREFIX}/vpc-flow-logs",
    "flow logs to the platform log group",
)
groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/platform/{PREFIX}/vpc-flow-logs")["logGroups"]
check(bool(groups) and groups[0].get("retentionInDays", 0) >= 90, "flow log group has a retention of 90+ days")
flow_role = client("iam").get_role(RoleName=f"{PREFIX}-flow-logs")["Role"]
trust = flow_role["AssumeRolePolicyDocument"]
trust = json.loads(trust) if isinstance(trust, str) else trust
condition = trust["Statement"][0].get("Condition", {})
check(
    trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    and condition.get("StringEquals", {}).get("aws:SourceAccount", "").isdigit()
    and condition.get("ArnLike", {}).get("aws:SourceArn", "").endswith(":vpc-flow-log/*"),
    "flow log role: assumed by VPC Flow Logs for this account's flow logs only (aws:SourceAccount, aws:SourceArn)",
)

sgs = {
    g["GroupName"]: g
    for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
}
alb, app = sgs.get(f"{PREFIX}-alb"), sgs.get(f"{PREFIX}-app")
check(alb is not None and app is not None, "alb and app security groups")
check({p["FromPort"] for p in alb["IpPermissions"]} == {80, 443}, "ALB admits 80 and 443 only")
app_sources = {pair["GroupId"] for p in app["IpPermissions"] for pair in p.get("UserIdGroupPairs", [])}
check(app_sources == {alb["GroupId"]}, "app admits the ALB security group only")
check(not any(r.get("CidrIp") for p in app["IpPermissions"] for r in p.get("IpRanges", [])), "app admits no CIDR")
for tier, port in (("database", 5432), ("cache", 6379), ("search", 443)):
    group = sgs.get(f"{PREFIX}-{tier}")
    check(group is not None, f"{tier} security group")
    if group:
        perms = group["IpPermissions"]
        check([p["FromPort"] for p in perms] == [port], f"{tier} admits port {port} only")
        check(
            {pair["GroupId"] for p in perms for pair in p.get("UserIdGroupPairs", [])} == {app["GroupId"]},
            f"{tier} admits the app only",
        )
        check(not any(r for p in perms for r in p.get("IpRanges", [])), f"{tier} admits no CIDR (no 0.0.0.0/0)")
        check(group["IpPermissionsEgress"] == [], f"{tier} has no egress")

# App egress: HTTPS to the interface endpoints and to S3 through its prefix list, the data-tier ports to their
# groups; nothing to 0.0.0.0/0 (converge sets network_app_internet_egress: false), no all-traffic rule.
egress = app["IpPermissionsEgress"]
check(all(p["IpProtocol"] == "tcp" for p in egress), "app egress is TCP only (no all-traffic rule)")
check(
    not any(r.get("CidrIp") == "0.0.0.0/0" for p in egress for r in p.get("IpRanges", [])),
    "app egress has no 0.0.0.0/0 rule",
)
endpoint_group = sgs.get(f"{PREFIX}-endpoints")
check(endpoint_group is not None, "endpoints security group")
targets = {(p["FromPort"], p["ToPort"], pair["GroupId"]) for p in egress for pair in p.get("UserIdGroupPairs", [])}
expected = {
    (5432, 5432, sgs[f"{PREFIX}-database"]["GroupId"]),
    (6379, 6379, sgs[f"{PREFIX}-cache"]["GroupId"]),
    (443, 443, sgs[f"{PREFIX}-search"]["GroupId"]),
    (443, 443, (endpoint_group or {}).get("GroupId")),
}
check(targets == expected, "app egress: 5432 to database, 6379 to cache, 443 to search and to the endpoints")
s3_list = ec2.describe_prefix_lists(
    Filters=[{"Name": "prefix-list-name", "Values": [f"com.amazonaws.{os.environ['PLATFORM_REGION']}.s3"]}]
)["PrefixLists"][0]["PrefixListId"]
check(
    {(p["FromPort"], pl["PrefixListId"]) for p in egress for pl in p.get("PrefixListIds", [])} == {(443, s3_list)},
    "app egress: 443 to the S3 prefix list (gateway endpoint)",
)
if endpoint_group:
    perms = endpoint_group["IpPermissions"]
    check(
        [(p["FromPort"], p["ToPort"]) for p in perms] == [(443, 443)]
        and {pair["GroupId"] for p in perms for pair in p.get("UserIdGroupPairs", [])} == {app["GroupId"]},
        "endpoints admit 443 from the app only",
    )
    check(endpoint_group["IpPermissionsEgress"] == [], "endpoints group has no egress")
check(
    sorted((p["IpProtocol"], p["FromPort"], p["ToPort"]) for p in alb["IpPermissionsEgress"])
    == [("tcp", 8000, 8000), ("tcp", 9000, 9000)],
    "ALB egress: the app ports only",
)

interface = [e for e in endpoints if e["VpcEndpointType"] == "Interface" and e["State"] == "available"]
region = os.environ["PLATFORM_REGION"]
wanted = {f"com.amazonaws.{region}.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "secretsmanager")}
check(sorted(e["ServiceName"] for e in interface) == sorted(wanted), "one interface endpoint per service, no duplicate")
private_ids = {s["SubnetId"] for s in by_tier.get("private", [])}
for e in interface:
    check(set(e.get("SubnetIds", [])) == private_ids, f"{e['ServiceName']} in every private subnet")
    check(e.get("PrivateDnsEnabled") is True, f"{e['ServiceName']} has private DNS")
    check(
        [g["GroupId"] for g in e.get("Groups", [])] == [(endpoint_group or {}).get("GroupId")],
        f"{e['ServiceName']} uses the endpoints security group",
    )
    check(has_standard_tags(tags_of(e)), f"{e['ServiceName']} carries the standard tags")
done()
