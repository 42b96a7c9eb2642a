# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes that must take effect exactly once, even when AWS answers an error after applying them.

AWS can apply a write and still answer HTTP 500 (or time out, or drop the connection). botocore
then retries the request (the playbooks run every client in ``standard`` retry mode) and
``AWSRetry`` retries ``InternalFailure`` once more on top: a create without an idempotency token
(CreateUserPool, CreateUserPoolClient, RegisterTaskDefinition) then makes a second resource.

``create_once`` sends such a write through a client that makes exactly one attempt
(``single_attempt_client``) and decides itself what to do with an error:

* throttling - the request was refused, not applied: wait (jittered exponential backoff) and send it again;
* an error whose outcome is unknown (5xx, read timeout, dropped connection) - look for what the
  write would have made (``find``; a few times, since AWS reads are eventually consistent) and
  adopt it, or send the write again when it is not there;
* anything else - raised to the caller, unchanged.

Writes that take an idempotency token (CreateSecret, PutSecretValue, RunTask) need none of this:
they pass an explicit token (``idempotency_token``) so that every retry, by botocore or by
``AWSRetry``, carries the same one and AWS applies the request once.
"""

from __future__ import annotations

import json
import random
import time
import uuid

try:
    import botocore.config
    import botocore.exceptions
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

# Error codes AWS services use for "slow down, nothing was applied".
THROTTLING_CODES = frozenset(
    (
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    )
)

# A namespace of our own for the uuid5 tokens (never changes: tokens must stay stable across releases).
TOKEN_NAMESPACE = uuid.UUID("5d1c9a3e-6f0b-5b7e-9a51-2f0c8e4d7a10")

DEFAULT_ATTEMPTS = 10
# Seconds between the looks for the result of a write whose outcome is unknown (eventual consistency).
DEFAULT_RECHECK_DELAYS = (1.0, 2.0, 4.0)


def idempotency_token(*parts):
    """A UUID (36 characters) derived from ``parts``: the same request always gets the same token."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return str(uuid.uuid5(TOKEN_NAMESPACE, text))


def single_attempt_client(module, service, **extra):
    """A client of ``service`` on the module's connection settings that never retries a request itself.

    The module's ``aws_config`` (timeouts, proxies, ...) is kept; only the retry policy is replaced.
    """
    config = dict(module.params.get("aws_config") or {})
    retries = dict(config.get("retries") or {})
    config["retries"] = {"mode": retries.get("mode") or "standard", "total_max_attempts": 1}
    return module.client(service, aws_config=botocore.config.Config(**config), **extra)


def error_code(error):
    response = getattr(error, "response", None) or {}
    return (response.get("Error") or {}).get("Code")


def http_status(error):
    response = getattr(error, "response", None) or {}
    return (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")


def is_throttling(error):
    """Whether AWS refused the request because of its rate (the write was not applied)."""
    if not isinstance(error, botocore.exceptions.ClientError):
        return False
    return error_code(error) in THROTTLING_CODES or http_status(error) == 429


def outcome_unknown(error):
    """Whether the write may have been applied although it failed: 5xx, timeout or lost connection."""
    if isinstance(error, botocore.exceptions.ClientError):
        status = http_status(error) or 0
        return status >= 500 or error_code(error) in ("InternalFailure", "InternalError", "InternalErrorException")
    return isinstance(
        error,
        (
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.ConnectionClosedError,
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError,
        ),
    )


def backoff_delay(attempt, base=0.5, maximum=20.0):
    """Full-jitter exponential backoff: attempt 0 -> up to ``base`` seconds, doubling up to ``maximum``."""
    return random.uniform(base / 2, min(maximum, base * (2**attempt)))  # noqa: S311 - jitter, not cryptography


class WriteOutcome:
    """What ``create_once`` did: ``value`` (the create response or what ``find`` returned),
    ``adopted`` (True when the resource was found after an error instead of being returned by the
    create call) and ``errors`` (the error codes that were retried, for the module's warnings)."""

    def __init__(self, value, adopted, errors):
        self.value = value
        self.adopted = adopted
        self.errors = errors


def create_once(
    create,
    find,
    attempts=DEFAULT_ATTEMPTS,
    recheck_delays=DEFAULT_RECHECK_DELAYS,
    sleep=time.sleep,
):
    """Make ``create()`` take effect exactly once.

    ``create()`` sends the write ONCE (through a ``single_attempt_client``) and returns its result.
    ``find()`` returns what the write would have made (or ``None``); it may fail the module itself,
    e.g. when it finds two resources. Any error other than throttling and an unknown outcome is
    raised unchanged, as is the last one when ``attempts`` run out.
    """
    errors = []
    for attempt in range(attempts):
        try:
            return WriteOutcome(create(), False, errors)
        except Exception as e:  # noqa: BLE001 - classified below, re-raised when not ours
            if is_throttling(e):
                errors.append(error_code(e))
                if attempt + 1 == attempts:
                    raise
                sleep(backoff_delay(attempt))
                continue
            if not outcome_unknown(e):
                raise
            errors.append(error_code(e) or type(e).__name__)
            found = find()
            for delay in recheck_delays:
                if found is not None:
                    break
                sleep(delay)
                found = find()
            if found is not None:
                return WriteOutcome(found, True, errors)
            if attempt + 1 == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
