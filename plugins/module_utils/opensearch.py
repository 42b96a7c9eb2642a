# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OpenSearch helpers shared by platform_ops.aws.opensearch_access_policy and
platform_ops.aws.opensearch_log_publishing.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors
and report them with ``module.fail_json_aws``.
"""

from __future__ import annotations

import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

DOMAIN_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,27}$")

# Error codes retried with a jittered backoff besides AWSRetry's own (Throttling,
# RequestLimitExceeded, InternalFailure, ServiceUnavailable, TooManyRequestsException, ...): the
# throttling and 5xx codes of the OpenSearch and CloudWatch Logs JSON/REST protocols.
RETRY_CODES = ["ThrottlingException", "InternalException", "ServiceUnavailableException", "InternalServerError"]

# CloudWatch Logs resource policies: at most 10 per account and region, 5120 characters each.
MAX_RESOURCE_POLICIES = 10
MAX_RESOURCE_POLICY_LENGTH = 5120

# How long UpdateDomainConfig is retried while OpenSearch does not yet see a just-written CloudWatch
# Logs resource policy (IAM-style propagation takes seconds, rarely up to a minute).
LOG_POLICY_PROPAGATION_TIMEOUT = 60


def domain_name_problem(name):
    """Why ``name`` is not an OpenSearch domain name, or None when it is one."""
    if DOMAIN_NAME_RE.match(name or ""):
        return None
    return f"domain_name {name!r} must be 3 to 28 lowercase letters, digits and hyphens, starting with a letter"


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def describe_domain(client, name):
    """The domain's DomainStatus (ResourceNotFoundException when it does not exist)."""
    return client.describe_domain(DomainName=name)["DomainStatus"]


# ConflictException: the domain is busy with another configuration change; it passes.
@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES + ["ConflictException"])
def update_domain_config(client, name, **config):
    """UpdateDomainConfig of ``name`` with the given top-level settings only."""
    return client.update_domain_config(DomainName=name, **config)


def is_log_policy_not_yet_effective(error):
    """True for OpenSearch's refusal of LogPublishingOptions whose log group resource policy it cannot see.

    ``ValidationException: The Resource Access Policy specified for the CloudWatch Logs log group
    ... does not grant sufficient permissions for Amazon OpenSearch Service to create a log stream.``
    """
    details = (getattr(error, "response", None) or {}).get("Error", {})
    if details.get("Code") != "ValidationException":
        return False
    message = details.get("Message", "") or ""
    return "Resource Access Policy" in message or "does not grant sufficient permissions" in message


def retry_while_log_policy_propagates(
    call, timeout=LOG_POLICY_PROPAGATION_TIMEOUT, *, sleep=time.sleep, clock=time.monotonic
):
    """Run ``call()``; while it fails because the log resource policy is not effective yet, retry.

    Backoff 2 s doubling to 16 s, for at most ``timeout`` seconds; then the last error is raised.
    Any other error is raised at once. Returns ``(result, attempts)``.
    """
    deadline = clock() + timeout
    delay = 2.0
    attempts = 0
    while True:
        attempts += 1
        try:
            return call(), attempts
        except is_boto3_error_code("ValidationException") as e:
            if not is_log_policy_not_yet_effective(e):
                raise
            remaining = deadline - clock()
            if remaining <= 0:
                raise
            sleep(min(delay, remaining))
            delay = min(delay * 2, 16.0)
