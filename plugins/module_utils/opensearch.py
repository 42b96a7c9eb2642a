# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""OpenSearch helpers shared by platform_ops.aws.opensearch_access_policy and
platform_ops.aws.opensearch_log_publishing.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors
and report them with ``module.fail_json_aws``.
"""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

DOMAIN_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,27}$")


def domain_name_problem(name):
    """Why ``name`` is not an OpenSearch domain name, or None when it is one."""
    if DOMAIN_NAME_RE.match(name or ""):
        return None
    return f"domain_name {name!r} must be 3 to 28 lowercase letters, digits and hyphens, starting with a letter"


@AWSRetry.jittered_backoff()
def describe_domain(client, name):
    """The domain's DomainStatus (ResourceNotFoundException when it does not exist)."""
    return client.describe_domain(DomainName=name)["DomainStatus"]


# ConflictException: the domain is busy with another configuration change; it passes.
@AWSRetry.jittered_backoff(catch_extra_error_codes=["ConflictException"])
def update_domain_config(client, name, **config):
    """UpdateDomainConfig of ``name`` with the given top-level settings only."""
    return client.update_domain_config(DomainName=name, **config)
