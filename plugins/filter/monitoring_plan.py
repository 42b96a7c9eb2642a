# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plan of the monitoring role (roles/monitoring/tasks/present.yml): whether community.aws.sns_topic,
platform_ops.aws.sns_topic_encryption and platform_ops.aws.cloudwatch_dashboard would change anything, from the
answers of one ``platform_ops.aws.aws_read`` run, so that a converged monitoring starts one read instead of
those modules (and cloudwatch_metric_alarm_info: the alarms come from the same read).

Reads (``monitoring_reads(topic_arn, alarm_prefix, dashboard_name)`` answers this list; the ids are the ones
the filters look for), all made at once::

    - {id: topic, service: sns, operation: get_topic_attributes, params: {TopicArn: <topic ARN>},
       missing_ok: [NotFound]}
    - {id: subscriptions, service: sns, operation: list_subscriptions_by_topic, params: {TopicArn: <topic ARN>},
       paginate: true, missing_ok: [NotFound]}
    - {id: topic_tags, service: sns, operation: list_tags_for_resource, params: {ResourceArn: <topic ARN>},
       missing_ok: [ResourceNotFound, NotFound]}
    - {id: alarms, service: cloudwatch, operation: describe_alarms, params: {AlarmNamePrefix: <prefix>-},
       paginate: true}
    - {id: dashboard, service: cloudwatch, operation: get_dashboard, params: {DashboardName: <name>},
       missing_ok: [ResourceNotFound]}

Each ``*_differences`` answers short reasons, [] when the module would report changed=false. The comparisons are
the modules' own: sns_topic's (display name; the subscriptions with purge_subscriptions, a pending confirmation
counting as subscribed and never purged; the policy with amazon.aws's ``compare_policies``; the tags with
amazon.aws's ``compare_aws_tags``), sns_topic_encryption's (``KmsMasterKeyId`` as a string) and
cloudwatch_dashboard's (module_utils/cloudwatch: the parsed bodies). What the plan does not compare (a delivery
policy, a FIFO topic, subscription attributes, another topic than the one read) or could not read is a reason
too, so the module runs and decides. The alarms are planned by ``monitoring_alarms_to_converge`` and
``monitoring_stale_alarms`` (plugins/filter/monitoring.py), which take the ``alarms`` read's ``MetricAlarms``.
"""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.community.aws.plugins.module_utils.sns import canonicalize_endpoint
from ansible_collections.platform_ops.aws.plugins.module_utils import cloudwatch as cw

# What sns_topic does not send to AWS for a subscription it does not manage (purge_subscriptions).
_UNMANAGED_SUBSCRIPTIONS = ("PendingConfirmation", "Deleted")
# sns_topic options the plan compares; any other option given (delivery_policy, topic_type fifo,
# content_based_deduplication, ...) sends the topic to the module.
_TOPIC_OPTIONS = {
    "name",
    "state",
    "display_name",
    "subscriptions",
    "purge_subscriptions",
    "policy",
    "tags",
    "purge_tags",
}
_TOPIC_DEFAULTS = {"state": "present", "topic_type": "standard"}


def monitoring_reads(topic_arn, alarm_prefix, dashboard_name):
    """The ``reads`` of the monitoring role's one ``platform_ops.aws.aws_read`` task: the alarm topic
    ``topic_arn`` (attributes, subscriptions, tags), the alarms whose names start with ``alarm_prefix`` and the dashboard
    ``dashboard_name``, all at once; a missing topic or dashboard answers null (plugins/filter/monitoring_plan.py)."""
    return [
        {
            "id": "topic",
            "service": "sns",
            "operation": "get_topic_attributes",
            "params": {"TopicArn": topic_arn},
            "missing_ok": ["NotFound"],
        },
        {
            "id": "subscriptions",
            "service": "sns",
            "operation": "list_subscriptions_by_topic",
            "params": {"TopicArn": topic_arn},
            "paginate": True,
            "missing_ok": ["NotFound"],
        },
        {
            "id": "topic_tags",
            "service": "sns",
            "operation": "list_tags_for_resource",
            "params": {"ResourceArn": topic_arn},
            # ResourceNotFound is the model's code; NotFound (the topic reads' code) is accepted too, so a
            # first deploy never fails on the read of a topic that does not exist yet.
            "missing_ok": ["ResourceNotFound", "NotFound"],
        },
        {
            "id": "alarms",
            "service": "cloudwatch",
            "operation": "describe_alarms",
            "params": {"AlarmNamePrefix": alarm_prefix},
            "paginate": True,
        },
        {
            "id": "dashboard",
            "service": "cloudwatch",
            "operation": "get_dashboard",
            "params": {"DashboardName": dashboard_name},
            "missing_ok": ["ResourceNotFound"],
        },
    ]


def _response(responses, read_id):
    response = (responses or {}).get(read_id)
    return response if isinstance(response, dict) else None


def _attributes(responses):
    return (_response(responses, "topic") or {}).get("Attributes") or None


def _subscription_differences(listed, wanted, purge):
    """sns_topic's _set_topic_subs: a wanted (protocol, endpoint) not listed is subscribed; with purge, a listed
    one not wanted is unsubscribed unless its confirmation is pending (or it is being deleted)."""
    desired = {(str(s["protocol"]), canonicalize_endpoint(str(s["protocol"]), str(s["endpoint"]))) for s in wanted}
    existing = {(s.get("Protocol"), s.get("Endpoint")) for s in listed}
    reasons = [f"subscribe {protocol} {endpoint}" for protocol, endpoint in sorted(desired - existing)]
    if purge:
        reasons += [
            f"unsubscribe {s.get('Protocol')} {s.get('Endpoint')}"
            for s in listed
            if (s.get("Protocol"), s.get("Endpoint")) not in desired
            and s.get("SubscriptionArn") not in _UNMANAGED_SUBSCRIPTIONS
        ]
    return reasons


def topic_differences(responses, wanted):
    """Why community.aws.sns_topic would change the topic for the task arguments ``wanted`` (name,
    display_name, subscriptions, purge_subscriptions, policy as a dict, tags, purge_tags), from the aws_read
    ``responses`` of ``monitoring_reads``; [] when it would report changed=false."""
    wanted = dict(_TOPIC_DEFAULTS, **(wanted or {}))
    others = sorted(k for k, v in wanted.items() if k not in _TOPIC_OPTIONS and v != _TOPIC_DEFAULTS.get(k))
    if others or wanted["state"] != "present":
        return [f"not planned: {', '.join(others) or 'state ' + str(wanted['state'])}"]
    attributes = _attributes(responses)
    if attributes is None:
        return ["missing"]
    if str(attributes.get("TopicArn", "")).rsplit(":", 1)[-1] != str(wanted["name"]):
        return [f"the topic read is not {wanted['name']}"]
    reasons = []
    if wanted.get("display_name") and wanted["display_name"] != attributes.get("DisplayName"):
        reasons.append("display name")
    if wanted.get("policy"):
        try:
            current_policy = json.loads(attributes["Policy"])
        except (KeyError, TypeError, ValueError):
            current_policy = None
        if current_policy is None or compare_policies(wanted["policy"], current_policy):
            reasons.append("policy")
    subscriptions = wanted.get("subscriptions") or []
    if any(s.get("attributes") for s in subscriptions):
        reasons.append("subscription attributes not planned")
    listed = _response(responses, "subscriptions")
    if listed is None:
        reasons.append("subscriptions not read")
    else:
        purge = wanted.get("purge_subscriptions")
        reasons += _subscription_differences(listed.get("Subscriptions") or [], subscriptions, purge is None or purge)
    if wanted.get("tags") is not None:
        tags = _response(responses, "topic_tags")
        if tags is None:
            reasons.append("tags not read")
        else:
            purge = wanted.get("purge_tags")
            current = boto3_tag_list_to_ansible_dict(tags.get("Tags") or [])
            to_set, to_unset = compare_aws_tags(current, wanted["tags"], purge is None or purge)
            if to_set or to_unset:
                reasons.append("tags")
    return reasons


def topic_encryption_differences(responses, kms_master_key_id):
    """Why platform_ops.aws.sns_topic_encryption would change the topic's KMS key to ``kms_master_key_id``, from
    the ``topic`` read: it compares ``KmsMasterKeyId`` (absent: '') with the key as given, as strings."""
    attributes = _attributes(responses)
    if attributes is None:
        return ["topic missing"]
    current = attributes.get("KmsMasterKeyId", "")
    if current != str(kms_master_key_id or ""):
        return [f"KMS key {current or '(none)'} -> {kms_master_key_id or '(none)'}"]
    return []


def monitoring_topic_plan(responses, wanted, kms_master_key_id):
    """The alarm topic's plan from the aws_read ``responses`` of ``monitoring_reads``: ``{topic: [reasons
    community.aws.sns_topic would change it for its arguments wanted], encryption: [reasons
    platform_ops.aws.sns_topic_encryption would set kms_master_key_id], topic_arn: the ARN read ('' when the
    topic does not exist)}``."""
    return {
        "topic": topic_differences(responses, wanted),
        "encryption": topic_encryption_differences(responses, kms_master_key_id),
        "topic_arn": str((_attributes(responses) or {}).get("TopicArn") or ""),
    }


def monitoring_dashboard_differences(responses, body):
    """Why platform_ops.aws.cloudwatch_dashboard (state present) would write ``body`` to the dashboard the
    ``dashboard`` read answered (module_utils/cloudwatch: the module's own parsing and comparison); [] when it
    would report changed=false."""
    try:
        desired = cw.parse_body(body)
    except cw.DashboardBodyError as e:
        return [f"the module fails: {e}"]
    current = _response(responses, "dashboard")
    if current is None:
        return ["missing"]
    if not cw.bodies_equal(cw.parse_current_body(current.get("DashboardBody")), desired):
        return ["body"]
    return []


class FilterModule:
    """Read-once plan of the monitoring role: alarm topic, its KMS key, dashboard."""

    def filters(self):
        return {
            "monitoring_reads": monitoring_reads,
            "monitoring_topic_plan": monitoring_topic_plan,
            "monitoring_dashboard_differences": monitoring_dashboard_differences,
        }
