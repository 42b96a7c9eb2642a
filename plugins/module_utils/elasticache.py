# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ElastiCache helpers for platform_ops.aws.elasticache_replication_group.

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; callers catch botocore errors and
report them with ``module.fail_json_aws``.  The comparison helpers are pure functions.

DescribeReplicationGroups does not report the engine version, security groups, parameter group,
subnet group or maintenance window of a group: those live on its member cache clusters, so the
module reads ONE member cluster (DescribeCacheClusters) to compare them.
"""

from __future__ import annotations

import re
import time

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)

# Statuses during which ElastiCache rejects ModifyReplicationGroup / DeleteReplicationGroup.
TRANSITIONAL_STATUSES = ("creating", "modifying", "snapshotting")
# Statuses from which a group never becomes available by itself.
FAILED_STATUSES = ("create-failed", "deleting", "deleted")

SNAPSHOT_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
MAINTENANCE_WINDOW_RE = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$",
    re.IGNORECASE,
)


class ElastiCacheWaitError(Exception):
    """A wait ended without reaching the wanted state (timeout or a failed state)."""

    def __init__(self, message, replication_group=None):
        super().__init__(message)
        self.message = message
        self.replication_group = replication_group


# ---------------------------------------------------------------- boto3 calls

# Error codes retried with a jittered backoff besides AWSRetry's own (RequestLimitExceeded,
# Throttling, InternalFailure, InternalError, ServiceUnavailable, Unavailable,
# TooManyRequestsException): the throttling and 5xx codes of the JSON protocols. botocore's
# standard retry mode (the playbooks' aws_config) retries them too; this covers a module run with
# legacy retries and a throttling burst longer than botocore's attempts.
RETRY_CODES = ["ThrottlingException", "ServiceUnavailableException", "InternalServerError", "InternalServiceError"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _describe_replication_groups(client, replication_group_id):
    return client.describe_replication_groups(ReplicationGroupId=replication_group_id)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _describe_cache_clusters(client, cache_cluster_id):
    return client.describe_cache_clusters(CacheClusterId=cache_cluster_id)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def _list_tags_for_resource(client, arn):
    return client.list_tags_for_resource(ResourceName=arn)


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def add_tags(client, arn, tags):
    return client.add_tags_to_resource(ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(tags))


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def remove_tags(client, arn, keys):
    return client.remove_tags_from_resource(ResourceName=arn, TagKeys=list(keys))


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def create_replication_group(client, params):
    return client.create_replication_group(**params)["ReplicationGroup"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def modify_replication_group(client, params):
    return client.modify_replication_group(**params)["ReplicationGroup"]


@AWSRetry.jittered_backoff(catch_extra_error_codes=RETRY_CODES)
def delete_replication_group(client, params):
    return client.delete_replication_group(**params)["ReplicationGroup"]


def get_replication_group(client, replication_group_id):
    """The group's description, or None when it does not exist."""
    try:
        groups = _describe_replication_groups(client, replication_group_id)["ReplicationGroups"]
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None
    return groups[0] if groups else None


def get_member_cluster(client, replication_group):
    """Describe one member cache cluster (the primary when known).

    Returns ``(cluster, cluster_id)``; ``cluster`` is None when the group has no member yet or the
    member cannot be found (the local emulator does not create member clusters).
    """
    cluster_id = primary_cluster_id(replication_group)
    if not cluster_id:
        return None, None
    try:
        clusters = _describe_cache_clusters(client, cluster_id)["CacheClusters"]
    except is_boto3_error_code("CacheClusterNotFound"):
        return None, cluster_id
    return (clusters[0] if clusters else None), cluster_id


def get_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(_list_tags_for_resource(client, arn).get("TagList", []))


def wait_for_replication_group(
    client, replication_group_id, target, timeout, *, sleep=time.sleep, clock=time.monotonic
):
    """Poll with exponential backoff (2 s doubling to 30 s) until the group is ``available`` or gone.

    ``target`` is ``available`` or ``deleted``.  Returns the final description (None once deleted);
    raises ElastiCacheWaitError on timeout or when the group reaches a state it cannot leave.
    """
    deadline = clock() + timeout
    delay = 2.0
    while True:
        group = get_replication_group(client, replication_group_id)
        status = group.get("Status") if group else None
        if target == "deleted":
            if group is None:
                return None
        else:
            if group is None:
                raise ElastiCacheWaitError(
                    f"Replication group {replication_group_id} disappeared while waiting for it to become available"
                )
            if status == "available":
                return group
            if status in FAILED_STATUSES:
                raise ElastiCacheWaitError(
                    f"Replication group {replication_group_id} is {status}; it will not become available", group
                )
        remaining = deadline - clock()
        if remaining <= 0:
            raise ElastiCacheWaitError(
                f"Timed out after {timeout} s waiting for replication group {replication_group_id} to be {target}"
                f" (last status: {status or 'absent'})",
                group,
            )
        sleep(min(delay, remaining))
        delay = min(delay * 2, 30.0)


# ---------------------------------------------------------------- pure helpers


def primary_cluster_id(replication_group):
    for node_group in replication_group.get("NodeGroups") or []:
        for member in node_group.get("NodeGroupMembers") or []:
            if member.get("CurrentRole") == "primary" and member.get("CacheClusterId"):
                return member["CacheClusterId"]
    members = replication_group.get("MemberClusters") or []
    return members[0] if members else None


def endpoints(replication_group):
    """Primary, reader and configuration endpoints as ``{address, port}`` dicts (None when unknown)."""
    primary = reader = None
    node_groups = replication_group.get("NodeGroups") or []
    if node_groups:
        first = node_groups[0]
        if first.get("PrimaryEndpoint"):
            primary = {"address": first["PrimaryEndpoint"].get("Address"), "port": first["PrimaryEndpoint"].get("Port")}
        if first.get("ReaderEndpoint"):
            reader = {"address": first["ReaderEndpoint"].get("Address"), "port": first["ReaderEndpoint"].get("Port")}
    configuration = None
    if replication_group.get("ConfigurationEndpoint"):
        cfg = replication_group["ConfigurationEndpoint"]
        configuration = {"address": cfg.get("Address"), "port": cfg.get("Port")}
    return primary, reader, configuration


def current_port(replication_group):
    primary, _reader, configuration = endpoints(replication_group)
    for endpoint in (configuration, primary):
        if endpoint and endpoint.get("port"):
            return int(endpoint["port"])
    return None


def topology(replication_group):
    """``(num_node_groups, replicas_per_node_group, num_cache_clusters)`` as ElastiCache reports them."""
    node_groups = replication_group.get("NodeGroups") or []
    members = replication_group.get("MemberClusters") or []
    replicas = None
    if node_groups:
        replicas = max(len(node_groups[0].get("NodeGroupMembers") or []) - 1, 0)
    return len(node_groups), replicas, len(members)


def version_matches(wanted, current):
    """True when ``current`` (e.g. ``7.1.0``) satisfies ``wanted`` (``7.1``, ``7.x``, ``7.1.0``)."""
    if current is None:
        return False
    wanted_parts = str(wanted).lower().split(".")
    current_parts = str(current).lower().split(".")
    if len(wanted_parts) > len(current_parts):
        return False
    return all(w in ("x", c) for w, c in zip(wanted_parts, current_parts, strict=False))


def kms_key_matches(wanted, current):
    """Compare a key id / key ARN / alias with the key ARN ElastiCache reports.

    An alias cannot be resolved without KMS; it is treated as matching any key (not compared).
    """
    if not current:
        return False
    if wanted == current:
        return True
    if wanted.startswith("alias/") or ":alias/" in wanted:
        return True
    return current.endswith("/" + wanted) or wanted.endswith("/" + current)


# ElastiCache AUTH tokens (CreateReplicationGroup / ModifyReplicationGroup ``AuthToken``): 16 to 128
# printable ASCII characters; the only non-alphanumeric characters allowed are ! & # $ ^ < > -.
# Anything else is refused with "InvalidParameterValue: Invalid AuthToken provided".
AUTH_TOKEN_MIN_LENGTH = 16
AUTH_TOKEN_MAX_LENGTH = 128
AUTH_TOKEN_SPECIAL_CHARACTERS = "!&#$^<>-"  # noqa: S105 - a character class, not a secret
_AUTH_TOKEN_RE = re.compile(r"^[A-Za-z0-9!&#$^<>-]*$")
# The punctuation Secrets Manager's GetRandomPassword can produce (ASCII string.punctuation) minus
# the characters ElastiCache allows, plus the space: pass it as ExcludeCharacters to generate a
# valid token.
GET_RANDOM_PASSWORD_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"  # noqa: S105 - documented alphabet
AUTH_TOKEN_EXCLUDE_CHARACTERS = (
    "".join(ch for ch in GET_RANDOM_PASSWORD_PUNCTUATION if ch not in AUTH_TOKEN_SPECIAL_CHARACTERS) + " "
)


def auth_token_problem(token):
    """A reason the auth token is invalid (never containing the token or any of its characters), or None."""
    if not AUTH_TOKEN_MIN_LENGTH <= len(token) <= AUTH_TOKEN_MAX_LENGTH:
        return (
            f"auth_token must be {AUTH_TOKEN_MIN_LENGTH} to {AUTH_TOKEN_MAX_LENGTH} characters long (got {len(token)})"
        )
    if not _AUTH_TOKEN_RE.match(token):
        bad = sum(1 for ch in token if not _AUTH_TOKEN_RE.match(ch))
        return (
            "auth_token may contain only ASCII letters, digits and the characters "
            + " ".join(AUTH_TOKEN_SPECIAL_CHARACTERS)
            + f" ({bad} character{'s' if bad != 1 else ''} of it {'are' if bad != 1 else 'is'} not allowed)"
        )
    return None
