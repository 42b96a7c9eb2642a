"""boto3 checks of the cache role's real state on the emulator (never prints the auth token)."""

from __future__ import annotations

import re
import sys
from urllib.parse import quote

from botocore.exceptions import ClientError
from checks import PREFIX, check, client, done, has_standard_tags, tags_of

ec = client("elasticache")
secrets = client("secretsmanager")
mode = sys.argv[1]
RG_ID = f"{PREFIX}-cache"
SECRET = f"{PREFIX}/cache/auth-token"
URL_SECRET = f"{PREFIX}/cache/url"


def replication_group():
    try:
        return ec.describe_replication_groups(ReplicationGroupId=RG_ID)["ReplicationGroups"][0]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ReplicationGroupNotFoundFault":
            return None
        raise


def secret(name=SECRET):
    try:
        return secrets.describe_secret(SecretId=name)
    except secrets.exceptions.ResourceNotFoundException:
        return None


group = replication_group()
described = secret()
described_url = secret(URL_SECRET)

if mode == "absent":
    # moto never finishes a deletion: "deleting" is as far as it gets (AWS then removes the group).
    check(group is None or group["Status"] == "deleting", f"replication group {RG_ID} is gone or being deleted")
    check(described is None or "DeletedDate" in described, f"secret {SECRET} is gone or scheduled for deletion")
    check(described_url is None, f"secret {URL_SECRET} is gone (derived: deleted at once)")
    done()
    sys.exit(0)

kms_key_arn = client("kms").describe_key(KeyId=f"alias/{PREFIX}")["KeyMetadata"]["Arn"]

check(group is not None, f"replication group {RG_ID} exists")
if group is None:
    done()
check(group["Status"] == "available", "the group is available")
check(group.get("Engine") == "redis", "engine is redis")
check(group.get("CacheNodeType") == "cache.t4g.small", "node type cache.t4g.small")
check(group.get("AtRestEncryptionEnabled") is True, "encrypted at rest")
check(group.get("KmsKeyId") == kms_key_arn, "at-rest encryption uses the platform KMS key")
check(group.get("TransitEncryptionEnabled") is True, "encrypted in transit (TLS)")
check(group.get("AuthTokenEnabled") is True, "AUTH token required")
check(group.get("SnapshotRetentionLimit") == 7, "automatic snapshots kept 7 days")
check(group.get("SnapshotWindow") == "03:00-04:00", "snapshot window 03:00-04:00 UTC")
check(group.get("AutomaticFailover") == "enabled", "automatic failover enabled")
check(group.get("MultiAZ") == "enabled", "Multi-AZ enabled")
check(len(group.get("MemberClusters", [])) == 2, "two nodes (primary + 1 replica)")
endpoint = group["NodeGroups"][0].get("PrimaryEndpoint", {})
check(endpoint.get("Port") == 6379 and bool(endpoint.get("Address")), "primary endpoint on port 6379")
tags = tags_of(ec.list_tags_for_resource(ResourceName=group["ARN"]))
check(has_standard_tags(tags) and tags.get("Name") == RG_ID, "the group carries the standard tags and its Name")

ec2 = client("ec2")
vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"][0]
subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
database_subnets = {s["SubnetId"] for s in subnets if tags_of(s).get("Tier") == "database"}
cache_sg = ec2.describe_security_groups(
    Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "group-name", "Values": [f"{PREFIX}-cache"]}]
)["SecurityGroups"][0]["GroupId"]
subnet_group = ec.describe_cache_subnet_groups(CacheSubnetGroupName=f"{PREFIX}-cache")["CacheSubnetGroups"][0]
check(subnet_group.get("VpcId") == vpc["VpcId"], "the subnet group is in the platform's VPC")
check(
    {s["SubnetIdentifier"] for s in subnet_group["Subnets"]} == database_subnets and len(database_subnets) == 2,
    "the subnet group spans the two database subnets",
)

# The subnet group and security groups of a group are reported on its member cache clusters.
try:
    member = ec.describe_cache_clusters(CacheClusterId=group["MemberClusters"][0])["CacheClusters"][0]
except ClientError as e:
    if e.response["Error"]["Code"] != "CacheClusterNotFound":
        raise
    member = None
if member is None:
    print("skip the group's subnet group and security group: moto creates no member cache clusters to report them")
else:
    check(member.get("CacheSubnetGroupName") == f"{PREFIX}-cache", "the group uses the cache subnet group")
    check(
        [g["SecurityGroupId"] for g in member.get("SecurityGroups", [])] == [cache_sg],
        "the group uses the cache security group only",
    )

check(described is not None and "DeletedDate" not in described, f"secret {SECRET} exists")
if described is not None:
    check(described.get("KmsKeyId") == kms_key_arn, "the secret is encrypted with the platform KMS key")
    check(has_standard_tags(tags_of(described)), "the secret carries the standard tags")
    token = secrets.get_secret_value(SecretId=SECRET)["SecretString"]
    check(len(token) == 64, "the auth token has 64 characters")
    check(
        re.fullmatch(r"[A-Za-z0-9!&#$^<>-]{16,128}", token) is not None,
        "the auth token has only characters ElastiCache accepts (letters, digits, ! & # $ ^ < > -)",
    )
    check(described_url is not None and "DeletedDate" not in described_url, f"secret {URL_SECRET} exists")
    if described_url is not None:
        check(described_url.get("KmsKeyId") == kms_key_arn, "REDIS_URL is encrypted with the platform KMS key")
        check(has_standard_tags(tags_of(described_url)), "REDIS_URL carries the standard tags")
        url = secrets.get_secret_value(SecretId=URL_SECRET)["SecretString"]
        wanted = f"rediss://:{quote(token, safe='')}@{endpoint.get('Address')}:{endpoint.get('Port')}/0"
        check(url == wanted, "REDIS_URL is rediss://:<url-encoded current token>@<primary endpoint>:6379/0")
done()
