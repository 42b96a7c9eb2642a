"""plugins/filter/monitoring_plan.py: the monitoring role's read-once plan against what community.aws.sns_topic,
platform_ops.aws.sns_topic_encryption and platform_ops.aws.cloudwatch_dashboard themselves answer in check mode,
on a topic and a dashboard made by those modules with the role's arguments (roles/monitoring/vars/main.yml, the
topic policy rendered from the role's template) on the moto server, then changed by hand with boto3. The plan's
input is what our aws_read module reads with the role's reads (``monitoring_reads``). The alarms: the alarm filters
of plugins/filter/monitoring.py on the DescribeAlarms read answer what they answer on
amazon.aws.cloudwatch_metric_alarm_info's result."""

from __future__ import annotations

import contextlib
import json
import uuid

import jinja2
import pytest
from ansible_collections.platform_ops.aws.plugins.filter import monitoring as m
from ansible_collections.platform_ops.aws.plugins.filter import monitoring_plan as plan

from tests.conftest import api_operations, operations_delta
from tests.helpers import ROOT

REGION = "us-east-1"
ACCOUNT = "123456789012"
EMAIL = "ops@example.org"
TAGS = {"Project": "caseapp", "Environment": "dev", "ManagedBy": "ansible", "DataClassification": "phi"}
TEMPLATE = ROOT / "roles" / "monitoring" / "templates" / "alarm_topic_policy.json.j2"


# ------------------------------------------------------------------------ the role's arguments


def policy(topic_arn: str, prefix: str) -> dict:
    """The alarm topic's policy, rendered from the role's template as the role renders it."""
    text = jinja2.Template(TEMPLATE.read_text()).render(
        __monitoring_topic_arn=topic_arn,
        __monitoring_topic_name=topic_arn.rsplit(":", 1)[1],
        __monitoring_prefix=prefix,
        platform_region=REGION,
    )
    return json.loads(text)


def topic_args(prefix: str, **overrides) -> dict:
    """community.aws.sns_topic's arguments as roles/monitoring/vars/main.yml gives them."""
    name = f"{prefix}-alarms"
    args = {
        "name": name,
        "display_name": f"{prefix} alarms",
        "subscriptions": m.alarm_subscriptions([EMAIL]),
        "purge_subscriptions": True,
        "policy": policy(f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}", prefix),
        "tags": TAGS,
        "purge_tags": False,
    }
    args.update(overrides)
    return args


def dashboard_body(prefix: str, topic_arn: str) -> dict:
    targets = {
        "ecs": True,
        "cluster": prefix,
        "services": [{"name": "api", "ecs_service": f"{prefix}-api", "public": False, "target_group": ""}],
        "load_balancer": "",
        "database": f"{prefix}-db",
        "cache_group": "",
        "cache_members": [],
        "search": {},
    }
    return m.dashboard_body(m.monitoring_alarms(targets, prefix, topic_arn), REGION, prefix)


# ------------------------------------------------------------------------ helpers


class Monitoring:
    """A converged alarm topic and dashboard of a fresh prefix, and what the role would pass."""

    def __init__(self, prefix: str, key: str):
        self.prefix = prefix
        self.key = key
        self.topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{prefix}-alarms"
        self.args = topic_args(prefix)
        self.dashboard = prefix
        self.body = dashboard_body(prefix, self.topic_arn)


@pytest.fixture
def key(aws):
    return aws("kms").create_key(Description="platform key")["KeyMetadata"]["Arn"]


@pytest.fixture
def sns(aws):
    return aws("sns")


@pytest.fixture
def cloudwatch(aws):
    return aws("cloudwatch")


@pytest.fixture
def monitoring(run_module, community, sns, cloudwatch, key):
    """The topic, its encryption and the dashboard as the role's modules make them."""
    mon = Monitoring(f"plan-{uuid.uuid4().hex[:8]}", key)
    created = community("sns_topic", mon.args)
    assert not created.get("failed") and created["changed"] and created["sns_arn"] == mon.topic_arn, created
    encrypted = run_module("sns_topic_encryption", {"topic_arn": mon.topic_arn, "kms_master_key_id": key})
    assert not encrypted.failed and encrypted.changed, encrypted
    dashboard = run_module("cloudwatch_dashboard", {"name": mon.dashboard, "body": mon.body})
    assert not dashboard.failed and dashboard.changed, dashboard
    yield mon
    for sub in sns.list_subscriptions_by_topic(TopicArn=mon.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    sns.delete_topic(TopicArn=mon.topic_arn)
    with contextlib.suppress(cloudwatch.exceptions.ResourceNotFound):
        cloudwatch.delete_dashboards(DashboardNames=[mon.dashboard])


def read(run_module, mon: Monitoring) -> dict:
    """The aws_read ``responses`` of the role's reads."""
    result = run_module(
        "aws_read", {"reads": plan.monitoring_reads(mon.topic_arn, f"{mon.prefix}-", mon.dashboard)}, check_mode=True
    )
    assert not result.failed and not result.changed, result
    return result["responses"]


def agreed_plan(run_module, community, mon: Monitoring, args: dict | None = None, body: dict | None = None) -> dict:
    """The plan of the topic, its encryption and the dashboard, after checking that each part is [] exactly when
    its module, run in check mode with the same arguments, reports changed=false."""
    args = args or mon.args
    body = body or mon.body
    responses = read(run_module, mon)
    topic = plan.monitoring_topic_plan(responses, args, mon.key)
    dashboard = plan.monitoring_dashboard_differences(responses, body)
    checked_topic = community("sns_topic", args, check_mode=True)
    assert not checked_topic.get("failed"), checked_topic
    assert bool(topic["topic"]) == checked_topic["changed"], (topic, checked_topic)
    checked_key = run_module(
        "sns_topic_encryption", {"topic_arn": mon.topic_arn, "kms_master_key_id": mon.key}, check_mode=True
    )
    assert not checked_key.failed and bool(topic["encryption"]) == checked_key.changed, (topic, checked_key)
    checked_dashboard = run_module("cloudwatch_dashboard", {"name": mon.dashboard, "body": body}, check_mode=True)
    assert not checked_dashboard.failed and bool(dashboard) == checked_dashboard.changed, (dashboard, checked_dashboard)
    return {"topic": topic["topic"], "encryption": topic["encryption"], "dashboard": dashboard}


CONVERGED = {"topic": [], "encryption": [], "dashboard": []}


# ------------------------------------------------------------------------ converged and missing


def test_a_converged_topic_and_dashboard_have_no_difference_in_one_read(
    run_module, community, moto_endpoint, monitoring
):
    before = api_operations(moto_endpoint)
    responses = read(run_module, monitoring)
    assert operations_delta(before, api_operations(moto_endpoint)) == {
        "sns.GetTopicAttributes": 1,
        "sns.ListSubscriptionsByTopic": 1,
        "sns.ListTagsForResource": 1,
        "monitoring.DescribeAlarms": 1,
        "monitoring.GetDashboard": 1,
    }
    assert plan.monitoring_topic_plan(responses, monitoring.args, monitoring.key)["topic_arn"] == monitoring.topic_arn
    assert agreed_plan(run_module, community, monitoring) == CONVERGED


def test_a_missing_topic_and_dashboard_are_missing(run_module, community, sns, cloudwatch, key):
    mon = Monitoring(f"plan-{uuid.uuid4().hex[:8]}", key)
    responses = read(run_module, mon)
    assert plan.monitoring_topic_plan(responses, mon.args, key) == {
        "topic": ["missing"],
        "encryption": ["topic missing"],
        "topic_arn": "",
    }
    assert plan.monitoring_dashboard_differences(responses, mon.body) == ["missing"]
    # community.aws 10.0's sns_topic fails in check mode on a missing topic (the role reports it with a debug
    # task instead); the dashboard module agrees in check mode, and the topic module creates it for real.
    assert run_module("cloudwatch_dashboard", {"name": mon.dashboard, "body": mon.body}, check_mode=True).changed
    created = community("sns_topic", mon.args)
    assert created["changed"] and created["sns_arn"] == mon.topic_arn
    try:
        responses = read(run_module, mon)
        # a new topic has no KMS key: sns_topic_encryption runs after sns_topic
        assert plan.monitoring_topic_plan(responses, mon.args, key) == {
            "topic": [],
            "encryption": [f"KMS key (none) -> {key}"],
            "topic_arn": mon.topic_arn,
        }
    finally:
        for sub in sns.list_subscriptions_by_topic(TopicArn=mon.topic_arn)["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
        sns.delete_topic(TopicArn=mon.topic_arn)


# ------------------------------------------------------------------------ drift


def _other_policy(mon):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": mon.topic_arn}
            ],
        }
    )


def _unsubscribe_ops(sns, cw, mon):
    (sub,) = sns.list_subscriptions_by_topic(TopicArn=mon.topic_arn)["Subscriptions"]
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])


DRIFTS = {
    "subscription removed": (_unsubscribe_ops, {"topic": [f"subscribe email {EMAIL}"]}),
    "subscription added": (
        lambda sns, cw, mon: sns.subscribe(TopicArn=mon.topic_arn, Protocol="email", Endpoint="intruder@example.org"),
        {"topic": ["unsubscribe email intruder@example.org"]},
    ),
    "policy changed": (
        lambda sns, cw, mon: sns.set_topic_attributes(
            TopicArn=mon.topic_arn, AttributeName="Policy", AttributeValue=_other_policy(mon)
        ),
        {"topic": ["policy"]},
    ),
    "display name changed": (
        lambda sns, cw, mon: sns.set_topic_attributes(
            TopicArn=mon.topic_arn, AttributeName="DisplayName", AttributeValue="someone else's"
        ),
        {"topic": ["display name"]},
    ),
    "tag removed": (
        lambda sns, cw, mon: sns.untag_resource(ResourceArn=mon.topic_arn, TagKeys=["DataClassification"]),
        {"topic": ["tags"]},
    ),
    "tag value changed": (
        lambda sns, cw, mon: sns.tag_resource(ResourceArn=mon.topic_arn, Tags=[{"Key": "Project", "Value": "x"}]),
        {"topic": ["tags"]},
    ),
    "KMS key removed": (
        lambda sns, cw, mon: sns.set_topic_attributes(
            TopicArn=mon.topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=""
        ),
        {"encryption": ["KMS key (none) -> {key}"]},
    ),
    "KMS key replaced by the AWS managed key": (
        lambda sns, cw, mon: sns.set_topic_attributes(
            TopicArn=mon.topic_arn, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns"
        ),
        {"encryption": ["KMS key alias/aws/sns -> {key}"]},
    ),
    "dashboard body changed": (
        lambda sns, cw, mon: cw.put_dashboard(
            DashboardName=mon.dashboard,
            DashboardBody=json.dumps({"widgets": mon.body["widgets"][:1]}),
        ),
        {"dashboard": ["body"]},
    ),
    "dashboard deleted": (
        lambda sns, cw, mon: cw.delete_dashboards(DashboardNames=[mon.dashboard]),
        {"dashboard": ["missing"]},
    ),
}


@pytest.mark.parametrize("drift", list(DRIFTS))
def test_each_kind_of_drift_is_a_difference_of_its_part(run_module, community, aws, monitoring, drift):
    change, expected = DRIFTS[drift]
    change(aws("sns"), aws("cloudwatch"), monitoring)
    expected = {part: [r.format(key=monitoring.key) for r in reasons] for part, reasons in expected.items()}
    assert agreed_plan(run_module, community, monitoring) == dict(CONVERGED, **expected)


def test_what_the_modules_leave_alone_is_no_difference(run_module, community, sns, cloudwatch, monitoring):
    # purge_tags false: another tag stays; a body with other key order or spacing is the same dashboard
    sns.tag_resource(ResourceArn=monitoring.topic_arn, Tags=[{"Key": "Owner", "Value": "someone"}])
    cloudwatch.put_dashboard(
        DashboardName=monitoring.dashboard,
        DashboardBody=json.dumps(
            {"widgets": [dict(reversed(list(w.items()))) for w in monitoring.body["widgets"]]}, indent=2
        ),
    )
    # the policy's statements and actions in another order
    current = json.loads(sns.get_topic_attributes(TopicArn=monitoring.topic_arn)["Attributes"]["Policy"])
    current["Statement"].reverse()
    current["Statement"][-1]["Action"].reverse()
    sns.set_topic_attributes(TopicArn=monitoring.topic_arn, AttributeName="Policy", AttributeValue=json.dumps(current))
    assert agreed_plan(run_module, community, monitoring) == CONVERGED
    # purged only when the task asks for it
    purging = dict(monitoring.args, purge_tags=True)
    assert agreed_plan(run_module, community, monitoring, args=purging)["topic"] == ["tags"]


def test_other_wanted_arguments_are_compared_as_the_module_compares_them(run_module, community, monitoring):
    more = dict(
        monitoring.args,
        subscriptions=[*monitoring.args["subscriptions"], {"protocol": "email", "endpoint": "b@example.org"}],
    )
    assert agreed_plan(run_module, community, monitoring, args=more)["topic"] == ["subscribe email b@example.org"]
    assert agreed_plan(run_module, community, monitoring, args=dict(monitoring.args, subscriptions=[]))["topic"] == [
        f"unsubscribe email {EMAIL}"
    ]
    kept = dict(monitoring.args, subscriptions=[], purge_subscriptions=False)
    assert agreed_plan(run_module, community, monitoring, args=kept)["topic"] == []
    other_body = dashboard_body(monitoring.prefix + "x", monitoring.topic_arn)
    assert agreed_plan(run_module, community, monitoring, body=other_body)["dashboard"] == ["body"]


# ------------------------------------------------------------------------ what moto cannot show


def _responses(subscriptions, **attributes):
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:p-alarms"
    return {
        "topic": {
            "Attributes": dict(
                {"TopicArn": arn, "DisplayName": "p alarms", "Policy": json.dumps(policy(arn, "p"))}, **attributes
            )
        },
        "subscriptions": {"Subscriptions": subscriptions},
        "topic_tags": {"Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]},
    }


def _sub(endpoint, arn="arn:aws:sns:us-east-1:123456789012:p-alarms:1111", protocol="email"):
    return {"Protocol": protocol, "Endpoint": endpoint, "SubscriptionArn": arn}


def test_pending_confirmations_count_as_subscribed_and_are_never_purged():
    wanted = topic_args("p")
    # sns_topic subscribes only what is not listed at all, and unsubscribes only confirmed subscriptions
    pending = _responses([_sub(EMAIL, "PendingConfirmation")])
    assert plan.topic_differences(pending, wanted) == []
    foreign_pending = _responses(
        [_sub(EMAIL), _sub("x@example.org", "PendingConfirmation"), _sub("y@example.org", "Deleted")]
    )
    assert plan.topic_differences(foreign_pending, wanted) == []
    foreign = _responses([_sub(EMAIL), _sub("x@example.org")])
    assert plan.topic_differences(foreign, wanted) == ["unsubscribe email x@example.org"]
    # sms endpoints are canonicalised as sns_topic canonicalises them
    sms = dict(wanted, subscriptions=[*wanted["subscriptions"], {"protocol": "sms", "endpoint": "+1 (555) 010-0000"}])
    assert plan.topic_differences(_responses([_sub(EMAIL), _sub("+15550100000", protocol="sms")]), sms) == []


def test_what_the_plan_does_not_compare_or_could_not_read_goes_to_the_module():
    wanted = topic_args("p")
    converged = _responses([_sub(EMAIL)])
    assert plan.topic_differences(converged, wanted) == []
    assert plan.topic_differences(converged, dict(wanted, delivery_policy={"http": {}})) == [
        "not planned: delivery_policy"
    ]
    assert plan.topic_differences(converged, dict(wanted, topic_type="fifo")) == ["not planned: topic_type"]
    assert plan.topic_differences(converged, dict(wanted, name="other-alarms")) == [
        "the topic read is not other-alarms"
    ]
    with_attributes = dict(wanted, subscriptions=[{"protocol": "email", "endpoint": EMAIL, "attributes": {"a": 1}}])
    assert plan.topic_differences(converged, with_attributes) == ["subscription attributes not planned"]
    assert plan.topic_differences(dict(converged, subscriptions=None), wanted) == ["subscriptions not read"]
    assert plan.topic_differences(dict(converged, topic_tags=None), wanted) == ["tags not read"]
    no_policy = _responses([_sub(EMAIL)])
    del no_policy["topic"]["Attributes"]["Policy"]
    assert plan.topic_differences(no_policy, wanted) == ["policy"]
    assert plan.monitoring_dashboard_differences({"dashboard": {"DashboardBody": "{}"}}, {"no": "widgets"}) == [
        'the module fails: body must have a "widgets" list.'
    ]
    assert plan.monitoring_dashboard_differences({"dashboard": {"DashboardBody": "not json"}}, {"widgets": []}) == [
        "body"
    ]


# ------------------------------------------------------------------------ the alarms from the same read


def test_the_alarm_filters_answer_the_same_on_the_describe_alarms_read(run_module, amazon, cloudwatch, monitoring):
    targets = {
        "ecs": True,
        "cluster": monitoring.prefix,
        "services": [{"name": "api", "ecs_service": f"{monitoring.prefix}-api", "public": False, "target_group": ""}],
        "load_balancer": "",
        "database": f"{monitoring.prefix}-db",
        "cache_group": "",
        "cache_members": [],
        "search": {},
    }
    desired = m.monitoring_alarms(targets, monitoring.prefix, monitoring.topic_arn)
    for alarm in desired:
        result = amazon(
            "cloudwatch_metric_alarm",
            {
                "name": alarm["name"],
                "description": alarm["description"],
                "namespace": alarm["namespace"],
                "metric_name": alarm["metric_name"],
                "dimensions": alarm["dimensions"],
                "comparison": alarm["comparison"],
                "threshold": alarm["threshold"],
                "period": alarm["period"],
                "evaluation_periods": alarm["evaluation_periods"],
                "datapoints_to_alarm": alarm["datapoints_to_alarm"],
                "treat_missing_data": alarm["treat_missing_data"],
                "alarm_actions": alarm["alarm_actions"],
                "ok_actions": alarm["ok_actions"],
                "insufficient_data_actions": alarm["insufficient_data_actions"],
                # the role passes omit for the one it does not set
                **{k: alarm[k] for k in ("statistic", "extended_statistic") if k in alarm},
            },
        )
        assert not result.get("failed"), result
    try:

        def both():
            described = read(run_module, monitoring)["alarms"]["MetricAlarms"]
            info = amazon("cloudwatch_metric_alarm_info", {"alarm_name_prefix": f"{monitoring.prefix}-"})[
                "metric_alarms"
            ]
            assert [a["AlarmName"] for a in described] == [a["alarm_name"] for a in info]
            # the filters convert DescribeAlarms' CamelCase as cloudwatch_metric_alarm_info converts it
            assert m._as_info(described) == info
            return described, info

        described, info = both()
        assert m.alarms_to_converge(desired, described) == m.alarms_to_converge(desired, info) == []
        assert m.stale_alarms(described, desired, monitoring.prefix) == []

        cloudwatch.put_metric_alarm(
            **{
                k: v
                for k, v in cloudwatch.describe_alarms(AlarmNames=[desired[0]["name"]])["MetricAlarms"][0].items()
                if k
                in {
                    "AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
                    "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
                    "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator", "TreatMissingData",
                }
            },
            Threshold=99.0,
        )  # fmt: skip
        retired = dict(desired[1], name=f"{monitoring.prefix}-ecs-retired-cpu")
        cloudwatch.put_metric_alarm(
            AlarmName=retired["name"],
            AlarmDescription=retired["description"],
            MetricName=retired["metric_name"],
            Namespace=retired["namespace"],
            Statistic=retired["statistic"],
            Period=retired["period"],
            EvaluationPeriods=retired["evaluation_periods"],
            Threshold=retired["threshold"],
            ComparisonOperator=retired["comparison"],
        )
        described, info = both()
        assert [a["name"] for a in m.alarms_to_converge(desired, described)] == [desired[0]["name"]]
        assert m.alarms_to_converge(desired, described) == m.alarms_to_converge(desired, info)
        assert m.stale_alarms(described, desired, monitoring.prefix) == [retired["name"]]
        assert m.stale_alarms(info, desired, monitoring.prefix) == [retired["name"]]
        assert m.managed_alarm_names(described, monitoring.prefix) == m.managed_alarm_names(info, monitoring.prefix)
    finally:
        cloudwatch.delete_alarms(AlarmNames=[a["name"] for a in desired] + [f"{monitoring.prefix}-ecs-retired-cpu"])


def test_the_filters_are_exported():
    filters = plan.FilterModule().filters()
    assert filters["monitoring_reads"] is plan.monitoring_reads
    assert filters["monitoring_topic_plan"] is plan.monitoring_topic_plan
    assert filters["monitoring_dashboard_differences"] is plan.monitoring_dashboard_differences
