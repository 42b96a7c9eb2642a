"""boto3 checks of the search role's real state on the emulator."""

from __future__ import annotations

import json
import sys

from checks import ENV, NAME, PREFIX, REGION, check, client, done, ec2_tag_filters, has_standard_tags

opensearch = client("opensearch")
logs = client("logs")
mode = sys.argv[1]
DOMAIN = f"{PREFIX}-search"
LOG_GROUPS = [
    f"/platform/{PREFIX}/search/{kind}" for kind in ("search-slow-logs", "index-slow-logs", "es-application-logs")
]
SERVICES = ["api", "worker"]  # molecule/shared/group_vars platform_services


def log_groups():
    return {
        g["logGroupName"]: g
        for g in logs.describe_log_groups(logGroupNamePrefix=f"/platform/{PREFIX}/search/")["logGroups"]
    }


if mode == "absent":
    names = [d["DomainName"] for d in opensearch.list_domain_names()["DomainNames"]]
    check(DOMAIN not in names, f"no OpenSearch domain {DOMAIN} is left")
    check(not log_groups(), "the search log groups are gone")
    policies = [p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]]
    check(f"{DOMAIN}-logs" not in policies, "the log resource policy is gone")
    done()
    sys.exit(0)

key_arn = client("kms").describe_key(KeyId=f"alias/{NAME}-{ENV}")["KeyMetadata"]["Arn"]
account = client("sts").get_caller_identity()["Account"]
domain = opensearch.describe_domain(DomainName=DOMAIN)["DomainStatus"]
config = {k: v.get("Options") for k, v in opensearch.describe_domain_config(DomainName=DOMAIN)["DomainConfig"].items()}
check(domain["EngineVersion"].startswith("OpenSearch_2."), "OpenSearch 2.x")
check(domain["Created"] and not domain["Processing"], "the domain is created and not processing")
check(
    bool(domain.get("Endpoints", {}).get("vpc")) and not domain.get("Endpoint"),
    "a VPC endpoint only (no public endpoint)",
)

encryption = domain.get("EncryptionAtRestOptions", {})
check(
    encryption.get("Enabled") is True and encryption.get("KmsKeyId") == key_arn,
    "encrypted at rest with the platform KMS key",
)
check(domain.get("NodeToNodeEncryptionOptions", {}).get("Enabled") is True, "node-to-node encryption")
endpoint_options = domain.get("DomainEndpointOptions", {})
check(endpoint_options.get("EnforceHTTPS") is True, "HTTPS enforced")
check(endpoint_options.get("TLSSecurityPolicy", "").startswith("Policy-Min-TLS-1-2"), "TLS 1.2+ policy")

cluster = domain.get("ClusterConfig", {})
check(
    cluster.get("InstanceCount") == 1 and cluster.get("ZoneAwarenessEnabled") is False,
    "one node without zone awareness outside prod",
)
ebs = domain.get("EBSOptions", {})
check(
    ebs.get("EBSEnabled") is True and ebs.get("VolumeType") == "gp3" and ebs.get("VolumeSize", 0) >= 10,
    "gp3 EBS volume",
)

ec2 = client("ec2")
vpc_id = ec2.describe_vpcs(Filters=ec2_tag_filters(**{"tag:Name": f"{PREFIX}-vpc"}))["Vpcs"][0]["VpcId"]
private = sorted(
    ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Tier", "Values": ["private"]}])[
        "Subnets"
    ],
    key=lambda s: s["AvailabilityZone"],
)
search_sg = ec2.describe_security_groups(
    Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [f"{PREFIX}-search"]}]
)
vpc = domain.get("VPCOptions", {})
check(vpc.get("SubnetIds") == [private[0]["SubnetId"]], "in the first private subnet")
check(
    vpc.get("SecurityGroupIds") == [search_sg["SecurityGroups"][0]["GroupId"]], "behind the search security group only"
)

policy = json.loads(config.get("AccessPolicies") or "{}")
statements = policy.get("Statement", [])
expected = sorted(f"arn:aws:iam::{account}:role/platform/{PREFIX}/{PREFIX}-task-{service}" for service in SERVICES)
check(len(statements) == 1 and statements[0].get("Effect") == "Allow", "one Allow statement in the access policy")
statement = statements[0] if statements else {}
principals = statement.get("Principal", {}).get("AWS", [])
check(
    sorted([principals] if isinstance(principals, str) else principals) == expected,
    "only the platform's task roles are allowed",
)
check(statement.get("Action") == "es:ESHttp*", "HTTP API actions only (es:ESHttp*)")
check(statement.get("Resource") == f"{domain['ARN']}/*", "on this domain only")
check(
    config.get("AdvancedSecurityOptions", {}).get("Enabled") is False,
    "fine-grained access control off (IAM policy only)",
)

tags = {t["Key"]: t["Value"] for t in opensearch.list_tags(ARN=domain["ARN"])["TagList"]}
check(has_standard_tags(tags), "the domain carries the standard tags")

groups = log_groups()
for name in LOG_GROUPS:
    group = groups.get(name, {})
    check(bool(group), f"log group {name}")
    check(
        group.get("retentionInDays", 0) >= 90 and group.get("kmsKeyId") == key_arn,
        f"{name}: 90+ days retention, platform KMS key",
    )
    check(
        has_standard_tags(
            logs.list_tags_for_resource(resourceArn=group.get("arn", "x").removesuffix(":*")).get("tags", {})
        )
        if group
        else False,
        f"{name} carries the standard tags",
    )
publishing = config.get("LogPublishingOptions") or {}
for name, kind in zip(LOG_GROUPS, ("SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS", "ES_APPLICATION_LOGS"), strict=True):
    option = publishing.get(kind, {})
    check(
        option.get("Enabled") is True
        and option.get("CloudWatchLogsLogGroupArn") == f"arn:aws:logs:{REGION}:{account}:log-group:{name}",
        f"the domain publishes {kind} to {name}",
    )
resource_policies = {p["policyName"]: p for p in logs.describe_resource_policies()["resourcePolicies"]}
log_policy = json.loads(resource_policies.get(f"{DOMAIN}-logs", {}).get("policyDocument", "{}"))
log_statement = (log_policy.get("Statement") or [{}])[0]
check(
    log_statement.get("Principal") == {"Service": "es.amazonaws.com"}
    and sorted(log_statement.get("Resource", [])) == sorted(f"{groups[n]['arn']}" for n in LOG_GROUPS if n in groups)
    and log_statement.get("Condition", {}).get("ArnLike", {}).get("aws:SourceArn") == domain["ARN"],
    "the log resource policy lets only this domain write into its log groups",
)
done()
