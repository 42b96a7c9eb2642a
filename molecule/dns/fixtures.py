"""The dns scenario's fixtures, with boto3 on the emulator: `up` creates the hosted zone and one ALB
per region (its own VPC and two subnets each); `down` deletes them. Idempotent both ways."""

from __future__ import annotations

import os
import sys

from checks import PREFIX, client

REGIONS = (os.environ.get("PLATFORM_REGION", "us-east-1"), os.environ["PLATFORM_DR_REGION"])
ZONE = os.environ["PLATFORM_DNS_ZONE"].rstrip(".") + "."
ALB = f"{PREFIX}-alb"
TAG = [{"Key": "Suite", "Value": f"molecule-{PREFIX}"}]


def zone_id():
    found = client("route53").list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"]
    return next((z["Id"] for z in found if z["Name"] == ZONE), None)


def up() -> None:
    if zone_id() is None:
        client("route53").create_hosted_zone(Name=ZONE, CallerReference=f"molecule-{PREFIX}")
    for region in REGIONS:
        elb = client("elbv2", region)
        if any(lb["LoadBalancerName"] == ALB for lb in elb.describe_load_balancers()["LoadBalancers"]):
            continue
        ec2 = client("ec2", region)
        spec = [{"ResourceType": "vpc", "Tags": TAG}]
        vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=spec)["Vpc"]["VpcId"]
        zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
            for i, az in enumerate(zones)
        ]
        elb.create_load_balancer(Name=ALB, Subnets=subnets, Scheme="internet-facing", Type="application", Tags=TAG)
    print(f"zone {ZONE} and ALB {ALB} in {', '.join(REGIONS)}")


def down() -> None:
    for region in REGIONS:
        elb, ec2 = client("elbv2", region), client("ec2", region)
        for lb in elb.describe_load_balancers()["LoadBalancers"]:
            if lb["LoadBalancerName"] == ALB:
                elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        for vpc in ec2.describe_vpcs(Filters=[{"Name": "tag:Suite", "Values": [TAG[0]["Value"]]}])["Vpcs"]:
            for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]:
                ec2.delete_subnet(SubnetId=subnet["SubnetId"])
            ec2.delete_vpc(VpcId=vpc["VpcId"])
    found = zone_id()
    if found:
        r53 = client("route53")
        rest = [
            r
            for r in r53.list_resource_record_sets(HostedZoneId=found)["ResourceRecordSets"]
            if r["Type"] not in ("NS", "SOA")
        ]
        if rest:
            sys.exit(f"the zone {ZONE} still has records: {rest}")
        r53.delete_hosted_zone(Id=found)
    print(f"zone {ZONE} and ALB {ALB} removed")


{"up": up, "down": down}[sys.argv[1]]()
