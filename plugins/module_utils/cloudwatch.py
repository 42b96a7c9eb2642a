# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudWatch helpers for platform_ops.aws modules (dashboards).

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
