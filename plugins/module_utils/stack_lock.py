# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""DynamoDB helpers for platform_ops.aws.stack_lock: one item per stack in a lock table.

The item (key ``lock_id`` = the stack, ``<platform_name>-<platform_env>``) exists while a run holds
the lock. Acquiring is one conditional write (``attribute_not_exists(lock_id) OR owner = :me``) that
also renews the lease; releasing is a conditional delete (``owner = :me``). Both ask DynamoDB for the
item that failed the condition (``ReturnValuesOnConditionCheckFailure=ALL_OLD``), so a refusal names
the holder without a second request; when the error carries no item, it is read (consistent read).

Every boto3 call sits behind ``AWSRetry.jittered_backoff()``; ConditionalCheckFailedException is not
retried (it is an answer, not a transient error). Callers catch botocore errors.
"""

from __future__ import annotations

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

KEY = "lock_id"
CONDITION_FAILED = "ConditionalCheckFailedException"
# "owner" is a DynamoDB reserved word: every expression names it through #owner.
NAMES = {"#owner": "owner"}
TABLE_TAGS = [{"Key": "ManagedBy", "Value": "ansible"}]


class LockHeld(Exception):
    """The conditional write failed: ``item`` is the lock as DynamoDB holds it (None: no item)."""

    def __init__(self, item):
        super().__init__("the lock is held by another owner")
        self.item = item


# ---------------------------------------------------------------- attribute values


def to_attribute(value):
    """A Python value (str, int, bool, None, dict of those) as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, dict):
        return {"M": {str(k): to_attribute(v) for k, v in value.items() if v is not None}}
    if value is None:
        return {"NULL": True}
    return {"S": str(value)}


def from_attribute(attribute):
    """The Python value of a DynamoDB attribute value (the types ``to_attribute`` writes)."""
    if "S" in attribute:
        return attribute["S"]
    if "N" in attribute:
        number = attribute["N"]
        return int(number) if number.lstrip("-").isdigit() else float(number)
    if "BOOL" in attribute:
        return attribute["BOOL"]
    if "M" in attribute:
        return {k: from_attribute(v) for k, v in attribute["M"].items()}
    if "L" in attribute:
        return [from_attribute(v) for v in attribute["L"]]
    return None


def from_item(item):
    """A lock item as a plain dict, or None."""
    if not item:
        return None
    return {k: from_attribute(v) for k, v in item.items()}


# ---------------------------------------------------------------- the table


@AWSRetry.jittered_backoff()
def _describe_table(client, table):
    return client.describe_table(TableName=table)["Table"]


def describe_table(client, table):
    """The table's description, or None when it does not exist."""
    try:
        return _describe_table(client, table)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def _create_table(client, table):
    return client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        # Encrypted at rest with the AWS owned key (DynamoDB's default); the items hold no secret.
        DeletionProtectionEnabled=True,
        Tags=TABLE_TAGS,
    )


def ensure_table(client, table, delay=2, max_attempts=150):
    """Create the lock table unless it exists, and wait until it is ACTIVE. Returns ``(created, table ARN)``.

    Two runs creating it at once: the loser's CreateTable fails with ResourceInUseException, and it
    waits for the winner's table like any other.
    """
    found = describe_table(client, table)
    created = False
    arn = (found or {}).get("TableArn")
    if found is None:
        try:
            arn = _create_table(client, table)["TableDescription"].get("TableArn")
            created = True
        except is_boto3_error_code("ResourceInUseException"):
            pass
    if found is None or found.get("TableStatus") != "ACTIVE":
        client.get_waiter("table_exists").wait(
            TableName=table, WaiterConfig={"Delay": delay, "MaxAttempts": max_attempts}
        )
    if not arn:
        arn = (describe_table(client, table) or {}).get("TableArn")
    return created, arn or ""


# ---------------------------------------------------------------- the lock item


@AWSRetry.jittered_backoff()
def _get_item(client, table, name):
    return client.get_item(TableName=table, Key={KEY: {"S": name}}, ConsistentRead=True)


def get_lock(client, table, name):
    """The lock item of stack ``name`` as a dict (consistent read), or None (free, or no table)."""
    try:
        return from_item(_get_item(client, table, name).get("Item"))
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def _update_item(client, params):
    return client.update_item(**params)


@AWSRetry.jittered_backoff()
def _delete_item(client, params):
    return client.delete_item(**params)


def _held_by(client, table, name, error):
    item = error.response.get("Item")
    return from_item(item) if item else get_lock(client, table, name)


def write_lock(client, table, name, *, owner, holder, now, lease_seconds, expected_owner=None):
    """Take or renew the lock of ``name`` for ``owner``; returns the previous item (dict or None).

    Condition: the lock is free or already ``owner``'s; with ``expected_owner`` (breaking a lock),
    the lock must still be held by that owner, so a break never takes over a lock that changed hands
    since it was read. ``acquired_at`` is kept on a renewal and reset when the lock changes hands.
    Raises LockHeld with the item that failed the condition.
    """
    values = {
        ":me": {"S": owner},
        ":holder": to_attribute(holder),
        ":now": {"N": str(int(now))},
        ":expires": {"N": str(int(now) + int(lease_seconds))},
        ":lease": {"N": str(int(lease_seconds))},
    }
    if expected_owner is None:
        condition = f"attribute_not_exists({KEY}) OR #owner = :me"
        acquired = "acquired_at = if_not_exists(acquired_at, :now)"
    else:
        condition = "#owner = :them"
        values[":them"] = {"S": expected_owner}
        acquired = "acquired_at = :now"
    params = dict(
        TableName=table,
        Key={KEY: {"S": name}},
        UpdateExpression=(
            f"SET #owner = :me, holder = :holder, {acquired}, renewed_at = :now, expires_at = :expires, "
            "lease_seconds = :lease"
        ),
        ConditionExpression=condition,
        ExpressionAttributeNames=NAMES,
        ExpressionAttributeValues=values,
        ReturnValues="ALL_OLD",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    try:
        return from_item(_update_item(client, params).get("Attributes"))
    except is_boto3_error_code(CONDITION_FAILED) as e:
        raise LockHeld(_held_by(client, table, name, e)) from None


def delete_lock(client, table, name, owner):
    """Release the lock of ``name`` if ``owner`` holds it; returns the deleted item.

    Raises LockHeld (item None when nobody holds it, or the table does not exist) when ``owner`` does
    not hold it.
    """
    params = dict(
        TableName=table,
        Key={KEY: {"S": name}},
        ConditionExpression="#owner = :me",
        ExpressionAttributeNames=NAMES,
        ExpressionAttributeValues={":me": {"S": owner}},
        ReturnValues="ALL_OLD",
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
    try:
        return from_item(_delete_item(client, params).get("Attributes"))
    except is_boto3_error_code(CONDITION_FAILED) as e:
        raise LockHeld(_held_by(client, table, name, e)) from None
    except is_boto3_error_code("ResourceNotFoundException"):  # pylint: disable=duplicate-except
        raise LockHeld(None) from None  # no table: nobody holds the lock
