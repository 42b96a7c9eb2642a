#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: http_health_check
short_description: Poll an HTTP(S) health endpoint until it and its components are healthy
version_added: 0.1.0
description:
  - Requests O(url) until the response has an expected HTTP status and, with O(expect_json=true),
    its JSON report says every component is healthy, or until O(wait_timeout) passes.
  - >-
    The report looks like C({"status": "ok", "components": {"database": {"status": "ok", "latency_ms": 3}}}).
    A component is healthy when its status (or its value, when it is a plain string) is one of
    C(ok), C(healthy), C(pass), C(passing), C(up) (any case). A top-level C(status) outside that
    set makes the report unhealthy too.
  - Retries back off exponentially from O(delay) with jitter.
  - "Fails naming the unhealthy components, e.g. C(unhealthy: database (connection refused), cache)."
  - Read-only, so it also runs in check mode.
  - This module talks to no AWS API; do not put it under an AWS C(module_defaults) group.
author: Platform Ops Maintainers (@platform-ops)
options:
  url:
    description:
      - HTTP or HTTPS URL of the health endpoint.
    required: true
    type: str
  method:
    description:
      - HTTP method.
    type: str
    default: GET
    choices: [GET, HEAD, POST]
  expected_status:
    description:
      - HTTP status codes that count as healthy.
    type: list
    elements: int
    default: [200]
  timeout:
    description:
      - Seconds allowed for each request.
    type: float
    default: 10
  retries:
    description:
      - Maximum number of retries after the first attempt (the O(wait_timeout) may end polling earlier).
    type: int
    default: 60
  delay:
    description:
      - Seconds before the first retry; each later delay is 1.5 times longer (capped at O(max_delay)), with jitter.
    type: float
    default: 2
  max_delay:
    description:
      - Longest delay between two attempts, in seconds.
    type: float
    default: 30
  wait_timeout:
    description:
      - Total seconds to keep polling before failing.
    type: float
    default: 300
  validate_certs:
    description:
      - Verify the server's TLS certificate.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of CA certificates to verify the server's certificate with (e.g. a private CA).
    type: path
  headers:
    description:
      - Extra request headers.
    type: dict
    default: {}
  expect_json:
    description:
      - Require a JSON object body and check its component report.
      - With V(false) only the HTTP status is checked.
    type: bool
    default: true
  components_key:
    description:
      - Key of the JSON report holding the components (a mapping of name to status or to an object with C(status)).
    type: str
    default: components
  required_components:
    description:
      - Components that must be in the report and healthy.
      - Other components may report themselves C(skipped), C(not_configured) or C(disabled)
        (not used by this deployment); they are listed with C(skipped=true) and do not fail the check.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Ensure the backend reports every component healthy
  platform_ops.aws.http_health_check:
    url: "https://api.caseapp.example.org/health"
    expected_status: [200]
    wait_timeout: 300
  register: health

- name: Check an internal endpoint signed by a private CA
  platform_ops.aws.http_health_check:
    url: "https://backend.internal:8443/health"
    ca_path: /etc/pki/caseapp/ca.pem
    headers:
      Accept: application/json
"""

RETURN = r"""
status:
  description: C(healthy) or C(unhealthy) (the latter only in a failure result).
  returned: always
  type: str
  sample: healthy
http_status:
  description: HTTP status of the last response (-1 when no response was received).
  returned: always
  type: int
  sample: 200
attempts:
  description: Number of requests made.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds spent polling.
  returned: always
  type: float
  sample: 4.2
components:
  description: Per component of the last report, its status and (when reported) latency and error.
  returned: always
  type: dict
  sample: {"database": {"status": "ok", "latency_ms": 3, "healthy": true}, "cache": {"status": "fail", "healthy": false, "error": "timeout"}}
unhealthy:
  description: Names of the unhealthy components of the last report.
  returned: always
  type: list
  elements: str
  sample: ["cache"]
report:
  description: The last JSON report as received (when O(expect_json=true) and the body was JSON).
  returned: when the body was JSON
  type: dict
  sample: {"status": "ok", "components": {"database": {"status": "ok", "latency_ms": 3}}}
"""

import json
import random
import ssl
import time
import urllib.error

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url

HEALTHY_STATES = ("ok", "healthy", "pass", "passing", "up")
# A component the app does not use in this deployment (e.g. no search configured) reports
# itself skipped: it is listed, not failed, unless it is one of required_components.
SKIPPED_STATES = ("skipped", "not_configured", "disabled")


def is_healthy_state(value):
    return isinstance(value, str) and value.strip().lower() in HEALTHY_STATES


def evaluate_report(report, components_key, required=()):
    """``(components, unhealthy, problems)`` for a parsed JSON report.

    ``problems`` is a list of readable reasons (empty when healthy).
    """
    components = {}
    unhealthy = []
    problems = []
    if not isinstance(report, dict):
        return components, unhealthy, ["the response is not a JSON object"]
    raw = report.get(components_key) or {}
    if isinstance(raw, list):  # [{"name": "database", "status": "ok"}, ...]
        raw = {str(item.get("name", i)): item for i, item in enumerate(raw) if isinstance(item, dict)}
    if not isinstance(raw, dict):
        return components, unhealthy, [f"'{components_key}' is not a mapping of components"]
    for name, value in raw.items():
        if isinstance(value, dict):
            state = value.get("status")
            entry = {"status": state}
            for key in ("latency_ms", "latency", "error", "message"):
                if key in value:
                    entry[key] = value[key]
        else:
            state = value
            entry = {"status": state}
        skipped = isinstance(state, str) and state.strip().lower() in SKIPPED_STATES
        entry["healthy"] = is_healthy_state(state) or (skipped and name not in required)
        if skipped:
            entry["skipped"] = True
        components[name] = entry
        if not entry["healthy"]:
            unhealthy.append(name)
            detail = entry.get("error") or entry.get("message")
            problems.append(f"{name} ({detail})" if detail else name)
    for name in required:
        if name not in raw:
            unhealthy.append(name)
            problems.append(f"{name} (missing from the report)")
    overall = report.get("status")
    if overall is not None and not is_healthy_state(overall) and not unhealthy:
        problems.append(f"overall status '{overall}'")
    return components, unhealthy, problems


def request(module):
    """One request: ``(http_status, body, error)``; error is set when no usable response came."""
    params = module.params
    try:
        response = open_url(
            params["url"],
            method=params["method"],
            headers=params["headers"],
            timeout=params["timeout"],
            validate_certs=params["validate_certs"],
            ca_path=params["ca_path"],
            follow_redirects="safe",
            http_agent="platform_ops.aws.http_health_check",
            use_netrc=False,
        )
        with response:
            return response.getcode(), response.read(), None
    except urllib.error.HTTPError as e:
        try:
            body = e.read()
        except Exception:  # pylint: disable=broad-except
            body = b""
        return e.code, body, None
    except urllib.error.URLError as e:
        return -1, b"", f"request failed: {to_native(e.reason)}"
    except ssl.SSLError as e:
        return -1, b"", f"TLS error: {to_native(e)}"
    except (OSError, ValueError) as e:
        return -1, b"", f"request failed: {to_native(e)}"


def is_certificate_error(error):
    text = (error or "").lower()
    return "certificate verify failed" in text or "certificate_verify_failed" in text


def check_once(module, status, body, error):
    """``(healthy, details)`` for one response."""
    params = module.params
    details = {"http_status": status, "components": {}, "unhealthy": [], "problems": []}
    if error:
        details["problems"] = [error]
        return False, details
    if params["expect_json"] and params["method"] != "HEAD":
        try:
            report = json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
        except (ValueError, UnicodeDecodeError):
            report = None
            details["problems"].append("the response is not JSON")
        if report is not None:
            details["report"] = report
            components, unhealthy, problems = evaluate_report(
                report, params["components_key"], params["required_components"]
            )
            details.update(components=components, unhealthy=unhealthy)
            details["problems"].extend(problems)
    if status not in params["expected_status"]:
        details["problems"].insert(
            0, f"HTTP {status} (expected {', '.join(str(s) for s in params['expected_status'])})"
        )
    return not details["problems"], details


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            method=dict(type="str", default="GET", choices=["GET", "HEAD", "POST"]),
            expected_status=dict(type="list", elements="int", default=[200]),
            timeout=dict(type="float", default=10),
            retries=dict(type="int", default=60),
            delay=dict(type="float", default=2),
            max_delay=dict(type="float", default=30),
            wait_timeout=dict(type="float", default=300),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
            headers=dict(type="dict", default={}),
            expect_json=dict(type="bool", default=True),
            components_key=dict(type="str", default="components", no_log=False),
            required_components=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["url"].lower().startswith(("http://", "https://")):
        module.fail_json(msg=f"url must be an http:// or https:// URL, got '{params['url']}'")
    if not params["expected_status"]:
        module.fail_json(msg="expected_status must list at least one HTTP status code")
    for name in ("timeout", "wait_timeout"):
        if params[name] <= 0:
            module.fail_json(msg=f"{name} must be a positive number of seconds")
    if params["retries"] < 0 or params["delay"] < 0 or params["max_delay"] < 0:
        module.fail_json(msg="retries, delay and max_delay must not be negative")

    start = time.monotonic()
    deadline = start + params["wait_timeout"]
    nominal = params["delay"]
    attempts = 0
    details = {}
    while True:
        attempts += 1
        status, body, error = request(module)
        healthy, details = check_once(module, status, body, error)
        elapsed = round(time.monotonic() - start, 3)
        result = dict(
            changed=False,
            status="healthy" if healthy else "unhealthy",
            http_status=details["http_status"],
            attempts=attempts,
            elapsed=elapsed,
            components=details["components"],
            unhealthy=details["unhealthy"],
        )
        if "report" in details:
            result["report"] = details["report"]
        if healthy:
            module.exit_json(**result)
        if params["validate_certs"] and is_certificate_error(error):
            # A certificate that does not verify will not start verifying by waiting.
            module.fail_json(msg=f"{params['url']}: {error} (set ca_path to the issuing CA bundle)", **result)
        remaining = deadline - time.monotonic()
        if attempts > params["retries"] or remaining <= 0:
            break
        pause = min(nominal * random.uniform(0.75, 1.25), remaining)  # noqa: S311 - jitter only
        time.sleep(max(pause, 0))
        nominal = min(nominal * 1.5, params["max_delay"])

    problems = details.get("problems") or ["unknown problem"]
    if details.get("unhealthy"):
        reason = "unhealthy: " + ", ".join(p for p in problems if not p.startswith(("HTTP ", "overall status")))
        extra = [p for p in problems if p.startswith(("HTTP ", "overall status"))]
        if extra:
            reason += " [" + "; ".join(extra) + "]"
    else:
        reason = "; ".join(problems)
    module.fail_json(
        msg=f"{params['url']} is not healthy after {attempts} attempts in {result['elapsed']}s: {reason}",
        **result,
    )


if __name__ == "__main__":
    main()
