"""platform_ops.aws.cloudwatch_metric_alarms against the moto server: the monitoring role's alarms in one module
run, written only where they differ, with the rule the role's plan uses; state asserted with boto3."""

from __future__ import annotations

import uuid

from ansible_collections.platform_ops.aws.plugins.filter import monitoring as m

from tests.conftest import api_operations, operations_delta

MODULE = "cloudwatch_metric_alarms"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms"


def _alarms(prefix):
    targets = {
        "ecs": True,
        "cluster": prefix,
        "services": [
            {"name": "api", "ecs_service": f"{prefix}-api", "public": True, "target_group": "targetgroup/a/1"}
        ],
        "load_balancer": "app/alb/1",
        "database": f"{prefix}-db",
        "cache_group": "",
        "cache_members": [],
        "search": {},
    }
    return m.monitoring_alarms(targets, prefix, TOPIC)


def test_the_set_is_written_once_then_only_what_differs(run_module, aws, moto_endpoint):
    prefix = f"al-{uuid.uuid4().hex[:6]}"
    alarms = _alarms(prefix)
    names = sorted(a["name"] for a in alarms)
    cloudwatch = aws("cloudwatch")

    preview = run_module(MODULE, {"alarms": alarms}, check_mode=True, diff=True)
    assert preview.changed and sorted(preview["written"]) == names, preview
    assert cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"] == []

    created = run_module(MODULE, {"alarms": alarms})
    assert created.changed and sorted(created["written"]) == names, created
    found = cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in found) == names
    latency = next(a for a in found if a["AlarmName"] == f"{prefix}-alb-api-latency")
    assert latency["ExtendedStatistic"] == "p95" and "Statistic" not in latency
    # The role's plan agrees: nothing left to converge.
    assert m.alarms_to_converge(alarms, found) == []

    before = api_operations(moto_endpoint)
    again = run_module(MODULE, {"alarms": alarms})
    assert not again.changed and again["written"] == [], again
    assert operations_delta(before, api_operations(moto_endpoint)) == {"monitoring.DescribeAlarms": 1}

    # Changed by hand: only that alarm is written back.
    cpu = next(a for a in found if a["AlarmName"] == f"{prefix}-ecs-api-cpu")
    drifted = {k: cpu[k] for k in ("AlarmName", "MetricName", "Namespace", "Statistic", "Period", "EvaluationPeriods")}
    cloudwatch.put_metric_alarm(
        **drifted, Threshold=99.0, ComparisonOperator="GreaterThanThreshold", Dimensions=cpu["Dimensions"]
    )
    assert [
        a["name"]
        for a in m.alarms_to_converge(alarms, cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"])
    ] == [f"{prefix}-ecs-api-cpu"]
    fixed = run_module(MODULE, {"alarms": alarms}, diff=True)
    assert fixed.changed and fixed["written"] == [f"{prefix}-ecs-api-cpu"], fixed
    assert "threshold" in fixed["differences"][f"{prefix}-ecs-api-cpu"]
    assert fixed["diff"]["before"][f"{prefix}-ecs-api-cpu"]["threshold"] == 99.0
    (cpu,) = cloudwatch.describe_alarms(AlarmNames=[f"{prefix}-ecs-api-cpu"])["MetricAlarms"]
    assert (cpu["Threshold"], cpu["AlarmActions"], cpu["OKActions"]) == (80.0, [TOPIC], [TOPIC])


def test_bad_input_is_refused_before_any_call(run_module, moto_endpoint):
    prefix = f"al-{uuid.uuid4().hex[:6]}"
    (alarm, *_) = _alarms(prefix)
    before = api_operations(moto_endpoint)
    cases = [
        ([alarm, alarm], "used twice"),
        ([dict(alarm, extended_statistic="p99")], "exactly one of statistic and extended_statistic"),
        ([dict(alarm, period=90)], "period must be 10, 20, 30 or a multiple of 60"),
        ([dict(alarm, datapoints_to_alarm=9)], "datapoints_to_alarm must be 1 to evaluation_periods"),
    ]
    for alarms, message in cases:
        result = run_module(MODULE, {"alarms": alarms})
        assert result.failed and message in result["msg"], result
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
