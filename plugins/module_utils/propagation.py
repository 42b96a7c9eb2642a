# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting out eventual consistency: a new IAM role another service must assume, a setting just changed.

IAM is eventually consistent: a role created (or given a trust policy) a moment ago may not be
usable yet by the service that is to assume it, which then refuses the request, e.g. EC2
CreateFlowLogs with 400 ``InvalidParameter`` "Unable to assume given IAM role". AWS's advice (IAM
user guide, "Changes that I make are not always immediately visible") is to retry; it usually takes
seconds, rarely up to a minute. ``retry_while`` retries only the error a caller names, so a real
misconfiguration still fails within ``timeout``.
"""

import time

# Seconds a service may keep refusing a new role before the error is taken as real.
DEFAULT_TIMEOUT = 60.0


def _sleep(seconds):
    time.sleep(seconds)


def _clock():
    return time.monotonic()


def error_code_and_message(error):
    """(code, message) of a botocore ClientError, ("", str(error)) for anything else."""
    response = getattr(error, "response", None) or {}
    details = response.get("Error") or {}
    return details.get("Code", "") or "", details.get("Message", "") or str(error)


def error_matches(error, code, *fragments):
    """True when ``error`` has error code ``code`` (any when None) and its message contains a fragment."""
    found_code, message = error_code_and_message(error)
    if code is not None and found_code != code:
        return False
    return any(fragment in message for fragment in fragments)


def retry_while(call, is_transient, *, timeout=DEFAULT_TIMEOUT, sleep=None, clock=None):
    """``call()``, retried while it raises an error ``is_transient(error)`` accepts.

    Other errors are raised at once. The delay grows from 2 s to 10 s; after ``timeout`` seconds the
    last error is raised. ``sleep`` and ``clock`` are injectable so that tests do not wait.
    Returns (result, number of retries).
    """
    sleep = sleep or _sleep
    clock = clock or _clock
    deadline = clock() + timeout
    delay = 2.0
    retries = 0
    while True:
        try:
            return call(), retries
        except Exception as error:  # pylint: disable=broad-except
            if not is_transient(error):
                raise
            remaining = deadline - clock()
            if remaining <= 0:
                raise
            sleep(min(delay, remaining))
            retries += 1
            delay = min(delay * 1.5, 10.0)
