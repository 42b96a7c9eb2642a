"""boto3 checks of the monitoring role's real state on the emulator."""

from __future__ import annotations

import json
import sys

from checks import ENV, NAME, PREFIX, check, client, done, has_standard_tags

ACCOUNT = "123456789012"
SERVICES = ("api", "worker")
logs = client("logs")
sns = client("sns")
cloudwatch = client("cloudwatch")
mode = sys.argv[1]
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:{PREFIX}-alarms"
MARKER = f"[platform_ops.aws.monitoring {PREFIX}]"


def service_groups():
    found = logs.describe_log_groups(logGroupNamePrefix=f"/platform/{PREFIX}/")["logGroups"]
    return {g["logGroupName"]: g for g in found if g["logGroupName"].count("/") == 3}


def topics():
    return [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"] == TOPIC_ARN]


def alarms():
    paginator = cloudwatch.get_paginator("describe_alarms")
    found = paginator.paginate(AlarmNamePrefix=f"{PREFIX}-").build_full_result()["MetricAlarms"]
    return {a["AlarmName"]: a for a in found}


def dashboards():
    return [
        d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"] if d["DashboardName"] == PREFIX
    ]


if mode == "absent":
    check(not service_groups(), "no service log group is left")
    check(not topics(), f"the alarm topic {PREFIX}-alarms is gone")
    check(not alarms(), f"no alarm {PREFIX}-* is left")
    check(not dashboards(), f"the dashboard {PREFIX} is gone")
    done()
    sys.exit(0)

key_arn = client("kms").describe_key(KeyId=f"alias/{NAME}-{ENV}")["KeyMetadata"]["Arn"]

groups = service_groups()
check(set(groups) == {f"/platform/{PREFIX}/{s}" for s in SERVICES}, f"one log group per service (got {sorted(groups)})")
for name, group in groups.items():
    check(group.get("retentionInDays") == 90, f"{name}: 90 days retention outside prod")
    check(group.get("kmsKeyId") == key_arn, f"{name}: encrypted with the platform key")
    tags = logs.list_tags_log_group(logGroupName=name)["tags"]
    check(
        has_standard_tags(tags) and tags.get("Service") == name.rsplit("/", 1)[1], f"{name}: standard and Service tags"
    )

check(len(topics()) == 1, f"the alarm topic {PREFIX}-alarms exists")
attributes = sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"] if topics() else {}
check(attributes.get("KmsMasterKeyId") == key_arn, "the alarm topic is encrypted with the platform key")
subscriptions = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"] if topics() else []
check(
    [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "ops@example.org")],
    "ops@example.org is subscribed by email, and nobody else",
)
topic_tags = (
    {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]} if topics() else {}
)
check(has_standard_tags(topic_tags), "the alarm topic carries the standard tags")

alb = client("elbv2").describe_load_balancers(Names=[f"{PREFIX}-alb"])["LoadBalancers"][0]
lb_dimension = alb["LoadBalancerArn"].split(":loadbalancer/")[1]
target_group = client("elbv2").describe_target_groups(LoadBalancerArn=alb["LoadBalancerArn"])["TargetGroups"][0]
tg_dimension = target_group["TargetGroupArn"].split(":")[-1]
expected = {
    "ecs-api-cpu": ("AWS/ECS", "CPUUtilization", {"ClusterName": PREFIX, "ServiceName": f"{PREFIX}-api"}),
    "ecs-api-memory": ("AWS/ECS", "MemoryUtilization", {"ClusterName": PREFIX, "ServiceName": f"{PREFIX}-api"}),
    "ecs-worker-cpu": ("AWS/ECS", "CPUUtilization", {"ClusterName": PREFIX, "ServiceName": f"{PREFIX}-worker"}),
    "ecs-worker-memory": ("AWS/ECS", "MemoryUtilization", {"ClusterName": PREFIX, "ServiceName": f"{PREFIX}-worker"}),
    "alb-5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": lb_dimension}),
    "alb-api-5xx": (
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        {"LoadBalancer": lb_dimension, "TargetGroup": tg_dimension},
    ),
    "alb-api-latency": (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        {"LoadBalancer": lb_dimension, "TargetGroup": tg_dimension},
    ),
    "alb-api-unhealthy": (
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        {"LoadBalancer": lb_dimension, "TargetGroup": tg_dimension},
    ),
    "rds-cpu": ("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": f"{PREFIX}-db"}),
    "rds-free-storage": ("AWS/RDS", "FreeStorageSpace", {"DBInstanceIdentifier": f"{PREFIX}-db"}),
    "rds-freeable-memory": ("AWS/RDS", "FreeableMemory", {"DBInstanceIdentifier": f"{PREFIX}-db"}),
    "rds-connections": ("AWS/RDS", "DatabaseConnections", {"DBInstanceIdentifier": f"{PREFIX}-db"}),
    "cache-001-cpu": ("AWS/ElastiCache", "CPUUtilization", {"CacheClusterId": f"{PREFIX}-cache-001"}),
    "cache-001-evictions": ("AWS/ElastiCache", "Evictions", {"CacheClusterId": f"{PREFIX}-cache-001"}),
    "cache-002-cpu": ("AWS/ElastiCache", "CPUUtilization", {"CacheClusterId": f"{PREFIX}-cache-002"}),
    "cache-002-evictions": ("AWS/ElastiCache", "Evictions", {"CacheClusterId": f"{PREFIX}-cache-002"}),
    "cache-003-cpu": ("AWS/ElastiCache", "CPUUtilization", {"CacheClusterId": f"{PREFIX}-cache-003"}),
    "cache-003-evictions": ("AWS/ElastiCache", "Evictions", {"CacheClusterId": f"{PREFIX}-cache-003"}),
    "search-red": ("AWS/ES", "ClusterStatus.red", {"DomainName": f"{PREFIX}-search", "ClientId": ACCOUNT}),
    "search-free-storage": ("AWS/ES", "FreeStorageSpace", {"DomainName": f"{PREFIX}-search", "ClientId": ACCOUNT}),
}
found = alarms()
check(set(found) == {f"{PREFIX}-{k}" for k in expected}, f"{len(expected)} alarms (got {sorted(found)})")
for short, (namespace, metric, dimensions) in expected.items():
    alarm = found.get(f"{PREFIX}-{short}", {})
    dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    check(
        alarm.get("Namespace") == namespace and alarm.get("MetricName") == metric and dims == dimensions,
        f"{short}: {namespace} {metric} {dimensions}",
    )
    check(
        alarm.get("AlarmActions") == [TOPIC_ARN] and alarm.get("OKActions") == [TOPIC_ARN],
        f"{short}: notifies the alarm topic on ALARM and OK",
    )
    check(alarm.get("AlarmDescription", "").endswith(MARKER), f"{short}: carries the role's marker")
check(found.get(f"{PREFIX}-ecs-api-cpu", {}).get("Threshold") == 80.0, "ECS CPU threshold 80%")
check(
    found.get(f"{PREFIX}-rds-free-storage", {}).get("ComparisonOperator") == "LessThanThreshold",
    "RDS free storage alarms when low",
)

check(len(dashboards()) == 1, f"the dashboard {PREFIX} exists")
body = json.loads(cloudwatch.get_dashboard(DashboardName=PREFIX)["DashboardBody"]) if dashboards() else {}
widgets = body.get("widgets", [])
alarm_widget = [w for w in widgets if w.get("type") == "alarm"]
check(
    len(alarm_widget) == 1 and len(alarm_widget[0]["properties"]["alarms"]) == len(expected),
    "an alarm status widget lists every alarm",
)
graphed = {(m[0], m[1]) for w in widgets if w.get("type") == "metric" for m in w["properties"]["metrics"]}
check(graphed == {(ns, metric) for ns, metric, _ in expected.values()}, "one graph per alarmed metric")
done()
