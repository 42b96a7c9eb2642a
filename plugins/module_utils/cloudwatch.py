# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch helpers for platform_ops.aws modules and filters (dashboards, metric alarms).

boto3 calls behind AWSRetry, plus the pure functions that parse, validate and compare
dashboard bodies.
"""

import json
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

DASHBOARD_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class DashboardBodyError(ValueError):
    """The dashboard body given to the module is not a valid dashboard document."""


# --------------------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def _get_dashboard(client, name):
    return client.get_dashboard(DashboardName=name)


def get_dashboard(client, name):
    """GetDashboard result (DashboardName, DashboardArn, DashboardBody) or None when it does not exist."""
    try:
        return _get_dashboard(client, name)
    except is_boto3_error_code("ResourceNotFound"):
        return None


@AWSRetry.jittered_backoff()
def put_dashboard(client, name, body_text):
    """PutDashboard; returns the DashboardValidationMessages of a successful call (warnings)."""
    result = client.put_dashboard(DashboardName=name, DashboardBody=body_text)
    return result.get("DashboardValidationMessages") or []


@AWSRetry.jittered_backoff()
def _delete_dashboards(client, names):
    return client.delete_dashboards(DashboardNames=names)


def delete_dashboard(client, name):
    """Delete one dashboard. Returns False when it was already gone."""
    try:
        _delete_dashboards(client, [name])
    except is_boto3_error_code("ResourceNotFound"):
        return False
    return True


# --------------------------------------------------------------------------- pure logic


def validate_dashboard_name(name):
    """None when ``name`` is a valid dashboard name, else the reason it is not."""
    if not name or not DASHBOARD_NAME_RE.match(name):
        return (
            f"Dashboard name {name!r} is invalid: use 1 to 255 characters, "
            "only letters, digits, dash (-) and underscore (_)."
        )
    return None


def parse_body(body):
    """A dashboard body (dict, or JSON text of an object) -> dict. Raises DashboardBodyError."""
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as e:
            raise DashboardBodyError(f"body is not valid JSON: {e}") from e
    if not isinstance(body, dict):
        raise DashboardBodyError(f"body must be a JSON object (a dict), got {type(body).__name__}.")
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        raise DashboardBodyError('body must have a "widgets" list.')
    for index, widget in enumerate(widgets):
        if not isinstance(widget, dict):
            raise DashboardBodyError(f"body.widgets[{index}] must be an object, got {type(widget).__name__}.")
    try:
        # Round-trip so the body compared and returned is exactly what AWS will store.
        return json.loads(dump_body(body))
    except (TypeError, ValueError) as e:
        raise DashboardBodyError(f"body cannot be serialized to JSON: {e}") from e


def dump_body(body):
    """Compact JSON text for PutDashboard (AWS caps bodies at 1 MB)."""
    return json.dumps(body, separators=(",", ":"), allow_nan=False)


def parse_current_body(text):
    """The DashboardBody AWS returns, parsed; None when it is not JSON (it then differs from any desired body)."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return None


def bodies_equal(current, desired):
    """Semantic comparison: parsed JSON, key order irrelevant (list order matters: it is the widget order)."""
    return current is not None and current == desired


def validation_messages(messages):
    """boto3 DashboardValidationMessages -> [{data_path, message}]."""
    return [{"data_path": m.get("DataPath"), "message": m.get("Message")} for m in messages or []]


def format_validation_messages(messages):
    return "; ".join(f"{m.get('data_path') or '/'}: {m.get('message')}" for m in messages)


def validation_messages_from_error(error):
    """The validation messages carried by a PutDashboard InvalidParameterInput error, if any."""
    response = getattr(error, "response", None) or {}
    messages = response.get("dashboardValidationMessages") or response.get("DashboardValidationMessages")
    if messages is None:
        messages = (response.get("Error") or {}).get("dashboardValidationMessages") or []
    return validation_messages(messages)


# --------------------------------------------------------------------------- metric alarms
# One rule, used by the monitoring role's plan (plugins/filter/monitoring.py) and by the
# cloudwatch_metric_alarms module: an alarm as DescribeAlarms returns it, converted to snake_case the way
# amazon.aws.cloudwatch_metric_alarm_info converts it, compared with an alarm as the module takes it.


def _dimension_set(dimensions):
    if isinstance(dimensions, dict):
        return {(str(k), str(v)) for k, v in dimensions.items()}
    pairs = set()
    for dim in dimensions or []:
        pairs.add((str(dim.get("name", dim.get("Name"))), str(dim.get("value", dim.get("Value")))))
    return pairs


def alarm_differences(want, have):
    """The fields in which ``have`` (an existing alarm, snake_case) differs from ``want`` (the module's
    ``alarms[]`` item): metric, statistic, dimensions, threshold, periods, description, missing-data
    treatment and the ALARM / OK / INSUFFICIENT_DATA actions. ``["missing"]`` when ``have`` is empty."""
    if not have:
        return ["missing"]
    checks = (
        ("namespace", want["namespace"], have.get("namespace")),
        ("metric_name", want["metric_name"], have.get("metric_name")),
        ("statistic", want.get("statistic"), have.get("statistic")),
        ("extended_statistic", want.get("extended_statistic"), have.get("extended_statistic")),
        ("comparison", want["comparison"], have.get("comparison_operator")),
        ("period", want["period"], have.get("period")),
        ("evaluation_periods", want["evaluation_periods"], have.get("evaluation_periods")),
        ("datapoints_to_alarm", want["datapoints_to_alarm"], have.get("datapoints_to_alarm")),
        ("description", want["description"], have.get("alarm_description")),
        ("treat_missing_data", want["treat_missing_data"], have.get("treat_missing_data") or "missing"),
        ("alarm_actions", sorted(want["alarm_actions"]), sorted(have.get("alarm_actions") or [])),
        ("ok_actions", sorted(want["ok_actions"]), sorted(have.get("ok_actions") or [])),
        (
            "insufficient_data_actions",
            sorted(want["insufficient_data_actions"]),
            sorted(have.get("insufficient_data_actions") or []),
        ),
        ("dimensions", _dimension_set(want["dimensions"]), _dimension_set(have.get("dimensions"))),
    )
    out = [field for field, a, b in checks if a != b]
    try:
        if float(have.get("threshold")) != float(want["threshold"]):
            out.append("threshold")
    except (TypeError, ValueError):
        out.append("threshold")
    return out


def put_metric_alarm_params(want):
    """PutMetricAlarm's parameters for an alarm as the module takes it (the whole definition: PutMetricAlarm
    replaces the alarm)."""
    params = {
        "AlarmName": want["name"],
        "AlarmDescription": want["description"],
        "Namespace": want["namespace"],
        "MetricName": want["metric_name"],
        "Dimensions": [{"Name": str(k), "Value": str(v)} for k, v in sorted((want.get("dimensions") or {}).items())],
        "ComparisonOperator": want["comparison"],
        "Threshold": float(want["threshold"]),
        "Period": int(want["period"]),
        "EvaluationPeriods": int(want["evaluation_periods"]),
        "DatapointsToAlarm": int(want["datapoints_to_alarm"]),
        "TreatMissingData": want["treat_missing_data"],
        "AlarmActions": list(want["alarm_actions"]),
        "OKActions": list(want["ok_actions"]),
        "InsufficientDataActions": list(want["insufficient_data_actions"]),
    }
    if want.get("extended_statistic"):
        params["ExtendedStatistic"] = want["extended_statistic"]
    else:
        params["Statistic"] = want["statistic"]
    return params


@AWSRetry.jittered_backoff()
def describe_metric_alarms(client, names):
    """The metric alarms named ``names`` (DescribeAlarms takes at most 100 names per call)."""
    found = []
    paginator = client.get_paginator("describe_alarms")
    for start in range(0, len(names), 100):
        result = paginator.paginate(
            AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm"]
        ).build_full_result()
        found.extend(result.get("MetricAlarms") or [])
    return found


@AWSRetry.jittered_backoff()
def put_metric_alarm(client, params):
    return client.put_metric_alarm(**params)
