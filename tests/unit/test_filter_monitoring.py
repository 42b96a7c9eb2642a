"""Filters of the monitoring role: names, dimensions, alarm and log group plans, dashboard body."""

from __future__ import annotations

import copy

import pytest
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.platform_ops.aws.plugins.filter import monitoring as m

PREFIX = "caseapp-prod"
TOPIC = "arn:aws:sns:us-east-1:123456789012:caseapp-prod-alarms"
ALB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/caseapp-prod-alb/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/caseapp-prod-api/73e2d6bc24d8a067"
TARGETS = {
    "ecs": True,
    "cluster": PREFIX,
    "services": [
        {
            "name": "api",
            "ecs_service": f"{PREFIX}-api",
            "public": True,
            "target_group": "targetgroup/caseapp-prod-api/73e2d6bc24d8a067",
        },
        {"name": "worker", "ecs_service": f"{PREFIX}-worker", "public": False, "target_group": ""},
    ],
    "load_balancer": "app/caseapp-prod-alb/50dc6c495c0c9188",
    "database": f"{PREFIX}-db",
    "cache_group": f"{PREFIX}-cache",
    "cache_members": [f"{PREFIX}-cache-001", f"{PREFIX}-cache-002"],
    "search": {"domain_name": f"{PREFIX}-search", "client_id": "123456789012"},
}


def as_described(alarm):
    """What cloudwatch_metric_alarm_info returns for an alarm the module created from ``alarm``."""
    described = {
        "AlarmName": alarm["name"],
        "AlarmDescription": alarm["description"],
        "AlarmArn": f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm['name']}",
        "ActionsEnabled": True,
        "OKActions": alarm["ok_actions"],
        "AlarmActions": alarm["alarm_actions"],
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
        "MetricName": alarm["metric_name"],
        "Namespace": alarm["namespace"],
        "Dimensions": [{"Name": k, "Value": v} for k, v in reversed(list(alarm["dimensions"].items()))],
        "Period": alarm["period"],
        "EvaluationPeriods": alarm["evaluation_periods"],
        "DatapointsToAlarm": alarm["datapoints_to_alarm"],
        "Threshold": alarm["threshold"],
        "ComparisonOperator": alarm["comparison"],
        "TreatMissingData": alarm["treat_missing_data"],
    }
    if "statistic" in alarm:
        described["Statistic"] = alarm["statistic"]
    else:
        described["ExtendedStatistic"] = alarm["extended_statistic"]
    return camel_dict_to_snake_dict(described)


def test_target_group_name_short_and_long():
    assert m.target_group_name("api", PREFIX) == "caseapp-prod-api"
    long = m.target_group_name("media-processor-with-a-long-name", "caseapp-staging")
    assert len(long) == 32
    assert long.startswith("caseapp-staging-media-pro")
    assert long == m.target_group_name("media-processor-with-a-long-name", "caseapp-staging")
    assert long != m.target_group_name("media-processor-with-a-long-other", "caseapp-staging")
    # the cut never leaves a double hyphen before the hash
    cut = m.target_group_name("abcdefghi-jklmnopqrstuvwxyz", "caseapp-prod")
    assert "--" not in cut and len(cut) <= 32


def test_dimensions_from_arns():
    assert m.load_balancer_dimension(ALB_ARN) == "app/caseapp-prod-alb/50dc6c495c0c9188"
    assert m.target_group_dimension(TG_ARN) == "targetgroup/caseapp-prod-api/73e2d6bc24d8a067"
    with pytest.raises(AnsibleFilterError, match="not an application load balancer ARN"):
        m.load_balancer_dimension(TG_ARN)
    with pytest.raises(AnsibleFilterError, match="not a target group ARN"):
        m.target_group_dimension("")


def test_config_errors():
    good = {
        "retention_days": 90,
        "thresholds": {"ecs_cpu_percent": 70},
        "period": 300,
        "evaluation_periods": 3,
        "components": ["ecs", "alb"],
        "emails": ["ops@example.org"],
        "services": [{"name": "api"}],
    }
    assert m.monitoring_config_errors(good) == []
    bad = dict(
        good,
        retention_days=100,
        thresholds={"ecs_cpu": 70, "rds_connections": -1, "cache_evictions": "many"},
        period=90,
        evaluation_periods=0,
        components=["ecs", "lambda"],
        emails=["not-an-email"],
        services=[{"name": "api"}, {"name": "api"}],
    )
    errors = " | ".join(m.monitoring_config_errors(bad))
    for fragment in (
        "monitoring_log_retention_days 100",
        "unknown keys ecs_cpu",
        "rds_connections -1",
        "cache_evictions 'many'",
        "monitoring_alarm_period 90",
        "monitoring_alarm_evaluation_periods 0",
        "monitoring_components",
        "platform_alarm_emails",
        "duplicate service names",
    ):
        assert fragment in errors


def test_alarms_cover_every_component():
    alarms = m.monitoring_alarms(TARGETS, PREFIX, TOPIC)
    names = {a["name"].removeprefix(PREFIX + "-") for a in alarms}
    assert names == {
        "ecs-api-cpu", "ecs-api-memory", "ecs-worker-cpu", "ecs-worker-memory",
        "alb-5xx", "alb-api-5xx", "alb-api-latency", "alb-api-unhealthy",
        "rds-cpu", "rds-free-storage", "rds-freeable-memory", "rds-connections",
        "cache-001-cpu", "cache-001-evictions", "cache-002-cpu", "cache-002-evictions",
        "search-red", "search-free-storage",
    }  # fmt: skip
    for alarm in alarms:
        assert alarm["alarm_actions"] == [TOPIC] and alarm["ok_actions"] == [TOPIC]
        assert alarm["description"].endswith(f"[platform_ops.aws.monitoring {PREFIX}]")
    by_name = {a["name"]: a for a in alarms}
    cpu = by_name[f"{PREFIX}-ecs-api-cpu"]
    assert cpu["dimensions"] == {"ClusterName": PREFIX, "ServiceName": f"{PREFIX}-api"}
    assert (cpu["threshold"], cpu["statistic"], cpu["evaluation_periods"]) == (80.0, "Average", 3)
    latency = by_name[f"{PREFIX}-alb-api-latency"]
    assert latency["extended_statistic"] == "p95" and "statistic" not in latency
    assert latency["dimensions"] == {
        "LoadBalancer": TARGETS["load_balancer"],
        "TargetGroup": TARGETS["services"][0]["target_group"],
    }
    assert by_name[f"{PREFIX}-alb-5xx"]["dimensions"] == {"LoadBalancer": TARGETS["load_balancer"]}
    assert by_name[f"{PREFIX}-rds-free-storage"]["comparison"] == "LessThanThreshold"
    red = by_name[f"{PREFIX}-search-red"]
    assert red["dimensions"] == {"DomainName": f"{PREFIX}-search", "ClientId": "123456789012"}
    assert (red["period"], red["evaluation_periods"], red["treat_missing_data"]) == (60, 1, "notBreaching")


def test_alarms_follow_thresholds_and_components():
    targets = dict(TARGETS, ecs=False, load_balancer="", database="", cache_members=[], search={})
    assert m.monitoring_alarms(targets, PREFIX, TOPIC) == []
    alarms = m.monitoring_alarms(TARGETS, PREFIX, TOPIC, {"ecs_cpu_percent": 65}, period=60, evaluation_periods=5)
    cpu = next(a for a in alarms if a["name"] == f"{PREFIX}-ecs-api-cpu")
    assert (cpu["threshold"], cpu["period"], cpu["evaluation_periods"], cpu["datapoints_to_alarm"]) == (65.0, 60, 5, 5)
    with pytest.raises(AnsibleFilterError, match="unknown monitoring_thresholds keys: cpu"):
        m.monitoring_alarms(TARGETS, PREFIX, TOPIC, {"cpu": 1})
    with pytest.raises(AnsibleFilterError, match="topic ARN"):
        m.monitoring_alarms(TARGETS, PREFIX, "")


def test_alarms_to_converge_only_what_differs():
    desired = m.monitoring_alarms(TARGETS, PREFIX, TOPIC)
    existing = [as_described(a) for a in desired]
    assert m.alarms_to_converge(desired, existing) == []
    changed = copy.deepcopy(existing)
    changed[0]["threshold"] = 95.0
    changed[1]["ok_actions"] = []
    changed[2]["dimensions"][0]["value"] = "other"
    del changed[3]
    todo = [a["name"] for a in m.alarms_to_converge(desired, changed)]
    assert todo == [a["name"] for a in desired[:4]]


def test_stale_alarms_are_only_ours():
    desired = m.monitoring_alarms(TARGETS, PREFIX, TOPIC)
    existing = [as_described(a) for a in desired]
    gone = dict(existing[0], alarm_name=f"{PREFIX}-ecs-retired-cpu")
    foreign = dict(existing[0], alarm_name=f"{PREFIX}-custom", alarm_description="someone else's")
    other_platform = dict(
        existing[0],
        alarm_name=f"{PREFIX}-x-ecs-api-cpu",
        alarm_description="x [platform_ops.aws.monitoring caseapp-prod-x]",
    )
    found = existing + [gone, foreign, other_platform]
    assert m.stale_alarms(found, desired, PREFIX) == [f"{PREFIX}-ecs-retired-cpu"]
    assert set(m.managed_alarm_names(found, PREFIX)) == {a["name"] for a in desired} | {f"{PREFIX}-ecs-retired-cpu"}


def test_dashboard_body():
    alarms = m.monitoring_alarms(TARGETS, PREFIX, TOPIC)
    body = m.dashboard_body(alarms, "us-east-1", PREFIX)
    status, *graphs = body["widgets"]
    assert status["type"] == "alarm"
    assert status["properties"]["alarms"][0] == f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{PREFIX}-ecs-api-cpu"
    assert len(status["properties"]["alarms"]) == len(alarms)
    cpu = next(g for g in graphs if g["properties"]["title"] == "ECS CPU utilization (%)")
    assert cpu["properties"]["metrics"] == [
        ["AWS/ECS", "CPUUtilization", "ClusterName", PREFIX, "ServiceName", f"{PREFIX}-api"],
        ["AWS/ECS", "CPUUtilization", "ClusterName", PREFIX, "ServiceName", f"{PREFIX}-worker"],
    ]
    assert cpu["properties"]["annotations"]["horizontal"][0]["value"] == 80.0
    assert {(g["properties"]["metrics"][0][0], g["properties"]["metrics"][0][1]) for g in graphs} == {
        (a["namespace"], a["metric_name"]) for a in alarms
    }
    positions = {(g["x"], g["y"]) for g in body["widgets"]}
    assert len(positions) == len(body["widgets"])  # no two widgets on the same spot
    empty = m.dashboard_body([], "us-east-1", PREFIX)
    assert [w["type"] for w in empty["widgets"]] == ["text"]


def test_log_group_plan():
    tags = {"Project": "caseapp", "Environment": "prod", "ManagedBy": "ansible", "DataClassification": "phi"}
    key = "arn:aws:kms:us-east-1:123456789012:key/k"
    existing = [
        {
            "log_group_name": f"/platform/{PREFIX}/api",
            "retention_in_days": 365,
            "kms_key_id": key,
            "tags": dict(tags, Service="api"),
        },
        {
            "log_group_name": f"/platform/{PREFIX}/worker",
            "retention_in_days": 90,
            "kms_key_id": key,
            "tags": dict(tags, Service="worker"),
        },
        {
            "log_group_name": f"/platform/{PREFIX}/legacy",
            "retention_in_days": 365,
            "tags": dict(tags, Service="legacy"),
        },
    ]
    plan = m.log_group_plan(
        ["api", "worker", "legacy", "new"], existing, PREFIX, retention_days=365, kms_key_arn=key, tags=tags
    )
    assert [g["name"] for g in plan["converge"]] == [f"/platform/{PREFIX}/worker", f"/platform/{PREFIX}/new"]
    assert plan["converge"][1]["tags"]["Service"] == "new"
    assert plan["kms_mismatch"] == [f"/platform/{PREFIX}/legacy"]
    assert plan["names"]["api"] == f"/platform/{PREFIX}/api"
    assert m.log_group_plan(["api"], existing, PREFIX, retention_days=365, kms_key_arn=key, tags=tags)["converge"] == []


def test_managed_log_groups_and_subscriptions():
    owner = {"Project": "caseapp", "Environment": "prod", "ManagedBy": "ansible"}
    groups = [
        {"log_group_name": f"/platform/{PREFIX}/api", "tags": dict(owner, Service="api")},
        {"log_group_name": f"/platform/{PREFIX}/vpc-flow-logs", "tags": dict(owner)},
        {"log_group_name": f"/platform/{PREFIX}/search/audit-logs", "tags": dict(owner, Service="x")},
        {"log_group_name": f"/platform/{PREFIX}/other", "tags": {"Service": "other"}},
    ]
    assert m.managed_log_groups(groups, PREFIX, owner) == [f"/platform/{PREFIX}/api"]
    assert m.alarm_subscriptions(["a@example.org"]) == [{"protocol": "email", "endpoint": "a@example.org"}]
    assert m.alarm_subscriptions(None) == []


def test_filter_module_exports():
    exported = m.FilterModule().filters()
    assert {
        "monitoring_alarms",
        "monitoring_alarms_to_converge",
        "monitoring_dashboard_body",
        "monitoring_log_group_plan",
        "monitoring_targets",
    } <= set(exported)


# ---------------------------------------------------------------- ElastiCache nodes of a replication group

# DescribeReplicationGroups of a 3-AZ prod cache (cluster mode disabled, one primary, two replicas).
PROD_GROUP = {
    "ReplicationGroupId": f"{PREFIX}-cache",
    "Status": "available",
    "MemberClusters": [f"{PREFIX}-cache-002", f"{PREFIX}-cache-001", f"{PREFIX}-cache-003"],
    "NodeGroups": [
        {
            "NodeGroupId": "0001",
            "NodeGroupMembers": [
                {"CacheClusterId": f"{PREFIX}-cache-001", "CurrentRole": "primary", "PreferredAvailabilityZone": "us-east-1a"},
                {"CacheClusterId": f"{PREFIX}-cache-002", "CurrentRole": "replica", "PreferredAvailabilityZone": "us-east-1b"},
                {"CacheClusterId": f"{PREFIX}-cache-003", "CurrentRole": "replica", "PreferredAvailabilityZone": "us-east-1c"},
            ],
        }
    ],
    "MultiAZ": "enabled",
    "AutomaticFailover": "enabled",
}  # fmt: skip
PROD_MEMBERS = [f"{PREFIX}-cache-001", f"{PREFIX}-cache-002", f"{PREFIX}-cache-003"]


def test_cache_members_come_from_the_replication_group():
    assert m.cache_member_clusters(PROD_GROUP) == PROD_MEMBERS
    # the module's snake_case output (what the cache role publishes from)
    assert m.cache_member_clusters(camel_dict_to_snake_dict(PROD_GROUP)) == PROD_MEMBERS
    # without MemberClusters, the members of the node groups
    no_list = {k: v for k, v in PROD_GROUP.items() if k != "MemberClusters"}
    assert m.cache_member_clusters(no_list) == PROD_MEMBERS
    assert m.cache_member_clusters(camel_dict_to_snake_dict(no_list)) == PROD_MEMBERS
    # a check run before creation, or no group at all
    assert m.cache_member_clusters({}) == []
    assert m.cache_member_clusters(None) == []
    with pytest.raises(AnsibleFilterError, match="expects a replication group"):
        m.cache_member_clusters(["x"])


def test_a_three_node_prod_cache_gets_alarms_on_every_node():
    targets = dict(TARGETS, cache_members=m.cache_member_clusters(PROD_GROUP))
    alarms = {a["name"]: a for a in m.monitoring_alarms(targets, PREFIX, TOPIC)}
    cache = {name for name in alarms if "-cache-" in name}
    assert cache == {f"{PREFIX}-cache-{n}-{what}" for n in ("001", "002", "003") for what in ("cpu", "evictions")}
    for n in ("001", "002", "003"):
        assert alarms[f"{PREFIX}-cache-{n}-cpu"]["dimensions"] == {"CacheClusterId": f"{PREFIX}-cache-{n}"}
        assert alarms[f"{PREFIX}-cache-{n}-evictions"]["metric_name"] == "Evictions"
