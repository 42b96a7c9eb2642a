#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: stack_lock
short_description: Take or release a stack's deploy lock, held in an Amazon DynamoDB table
version_added: 0.1.0
description:
  - A lock per stack (O(name), for example V(caseapp-prod)) that holds across machines, so that an AWX job
    and an operator's laptop that run a playbook which writes to the same stack exclude each other.
  - The lock is an item of the DynamoDB table O(table), created on first use when missing
    (on-demand capacity, deletion protection on, encrypted at rest with the AWS owned key, tagged
    C(ManagedBy=ansible) only).
  - O(state=acquired) takes the lock with one conditional write
    (C(attribute_not_exists(lock_id) OR owner = :me)); the owner that already holds it renews its
    lease (reentrant, so each play of one run may acquire again). A lock held by another owner fails
    the task in one request, naming the holder (O(holder) of that run), since when, and how to
    break it. A lock whose lease has expired is reported as stale but still refuses; only
    O(break_lock=true) takes over a lock held by another owner, and the result names whom it broke.
  - O(state=released) deletes the item only if O(owner) holds the lock (conditional delete). Releasing
    a lock that nobody or another owner holds is not an error, and the result says who holds it.
  - In check mode the module only reads the lock, and warns (instead of failing) when another owner
    holds it.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - The lock's name, one per stack (C(<platform_name>-<platform_env>)).
    required: true
    type: str
  state:
    description:
      - V(acquired) takes (or renews) the lock, V(released) gives it back.
    type: str
    choices: [acquired, released]
    default: acquired
  owner:
    description:
      - Opaque identifier of the run that takes the lock, unique per run (one C(ansible-playbook)
        invocation). The same owner acquiring again renews its lease.
    required: true
    type: str
  holder:
    description:
      - Who the owner is, stored with the lock and shown to any other run that is refused, for example
        C(user), C(host), C(pid), C(awx_job_id), C(awx_job_template), C(playbook), C(tags).
      - C(user) and C(host) default to the user and host name the module runs as and on.
      - Values are stored as strings, numbers or booleans; a value that is empty or null is left out.
    type: dict
    default: {}
  lease_seconds:
    description:
      - How long the lock holds without being renewed. After it, the lock is reported as stale (the
        run that took it was probably killed), but still refuses other owners until it is broken.
    type: int
    default: 14400
  break_lock:
    description:
      - Take the lock over even when another owner holds it (stale or not), reporting whom it broke.
      - Only for a run known to be dead (killed, a lost laptop), since the other run, if alive, would
        keep writing to the stack.
    type: bool
    default: false
  table:
    description:
      - The DynamoDB table that holds the locks (one item per stack), in the module's region.
    type: str
    default: platform-ops-locks
  create_table:
    description:
      - Create O(table) when it does not exist (on O(state=acquired) only), and wait until it is active.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - The lock is advisory. It excludes the runs that take it, not other writers to the stack.
  - The table is not removed by this module; it is shared by every stack of the account and region.
"""

EXAMPLES = r"""
- name: Ensure this run holds the deploy lock of the stack
  platform_ops.aws.stack_lock:
    name: caseapp-prod
    owner: "alice@laptop/4242/x7k2p9q1m3z8"
    holder:
      user: alice
      pid: 4242
      playbook: deploy.yml
      tags: rollout

- name: Break a stale lock left by a killed run, and take it
  platform_ops.aws.stack_lock:
    name: caseapp-prod
    owner: "alice@laptop/4343/p0o9i8u7y6t5"
    break_lock: true

- name: Ensure this run no longer holds the deploy lock
  platform_ops.aws.stack_lock:
    name: caseapp-prod
    owner: "alice@laptop/4242/x7k2p9q1m3z8"
    state: released
"""

RETURN = r"""
held:
  description: Whether O(owner) holds the lock after the task (as it would, in check mode).
  returned: always
  type: bool
  sample: true
lock:
  description: The lock as O(owner) holds it after the task; empty when it does not hold it.
  returned: always
  type: dict
  contains:
    name:
      description: The lock's name.
      type: str
      sample: caseapp-prod
    owner:
      description: The owner that holds it.
      type: str
    holder:
      description: Who the owner is (O(holder) with C(user) and C(host) filled in).
      type: dict
      sample: {user: alice, host: laptop, pid: "4242", playbook: deploy.yml}
    acquired_at:
      description: When the owner took the lock (ISO 8601, UTC); kept when it renews the lease.
      type: str
      sample: "2026-12-03T20:15:00Z"
    expires_at:
      description: When the lease ends unless renewed (ISO 8601, UTC).
      type: str
      sample: "2026-12-04T00:15:00Z"
    lease_seconds:
      description: The lease.
      type: int
      sample: 14400
held_by:
  description:
    - The lock of another owner, when another owner holds it (refused in check mode, or a release by
      an owner that does not hold it); same keys as RV(lock), plus C(stale).
  returned: when another owner holds the lock
  type: dict
broken:
  description: The lock that O(break_lock=true) took over from another owner (same keys as RV(held_by)).
  returned: when a lock was broken
  type: dict
renewed:
  description: Whether O(owner) already held the lock and only its lease was renewed.
  returned: when O(state=acquired)
  type: bool
table:
  description: The DynamoDB table of the locks.
  returned: always
  type: str
  sample: platform-ops-locks
table_arn:
  description:
    - The ARN of the lock table. Its account and partition are those the run deploys to, so the plays take them
      from it instead of asking STS.
    - Empty in check mode when the table does not exist yet.
  returned: when O(state=acquired)
  type: str
  sample: arn:aws:dynamodb:us-east-1:123456789012:table/platform-ops-locks
table_created:
  description: Whether the table was created (would be, in check mode).
  returned: always
  type: bool
msg:
  description: What happened, in words.
  returned: always
  type: str
  sample: The deploy lock of caseapp-prod is held by this run (alice@laptop, pid 4242) until 2026-12-04T00:15:00Z.
"""

import getpass
import os
import socket
import time
from datetime import datetime, timezone

try:
    import botocore  # noqa: F401  (AnsibleAWSModule reports a missing botocore)
except ImportError:
    pass

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.stack_lock import (
    BOTO_ERRORS,
    LockHeld,
    delete_lock,
    describe_table,
    ensure_table,
    get_lock,
    write_lock,
)

BREAK_HINT = "-e platform_lock_break=true"


def iso(epoch):
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: UP017 - Python 3.11 on the target


def public_lock(item, now):
    """The lock item as returned to the user (ISO times, stale flag)."""
    if not item:
        return {}
    expires = item.get("expires_at")
    return dict(
        name=item.get("lock_id"),
        owner=item.get("owner"),
        holder=item.get("holder") or {},
        acquired_at=iso(item.get("acquired_at")),
        renewed_at=iso(item.get("renewed_at")),
        expires_at=iso(expires),
        lease_seconds=item.get("lease_seconds"),
        stale=expires is not None and int(expires) <= now,
    )


def _process_gone(holder):
    """True when the holder ran on this host and its process no longer exists (a hint, never a decision)."""
    pid = str(holder.get("pid") or "")
    if holder.get("host") != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def describe_holder(holder, owner):
    """'alice@laptop (pid 4242, AWX job 17 "caseapp-prod deploy"), in play "Roll out" with --tags rollout'."""
    who = f"{holder.get('user') or 'unknown user'}@{holder.get('host') or 'unknown host'}"
    details = []
    if holder.get("pid"):
        details.append(f"pid {holder['pid']}")
    if holder.get("awx_job_id"):
        job = f"AWX job {holder['awx_job_id']}"
        if holder.get("awx_job_template"):
            job += f' "{holder["awx_job_template"]}"'
        details.append(job)
    if not details:
        details.append(f"owner {owner}")
    text = f"{who} ({', '.join(details)})"
    if holder.get("playbook"):
        text += f', in play "{holder["playbook"]}"'
    if holder.get("tags") and holder["tags"] != "all":
        text += f" with --tags {holder['tags']}"
    return text


def refusal(name, held, now):
    holder = held.get("holder") or {}
    text = (
        f"The deploy lock of {name} is held by {describe_holder(holder, held.get('owner'))}"
        f", since {held.get('acquired_at')}"
    )
    if held.get("stale"):
        text += (
            f". The lock is stale since {held.get('expires_at')} (its lease was not renewed: the run that took "
            "it was probably killed or interrupted)"
        )
    else:
        text += f", lease until {held.get('expires_at')}"
    if _process_gone(holder):
        text += f"; process {holder.get('pid')} no longer runs on this host"
    text += (
        f". Wait for that run to finish; if it is dead (killed, interrupted, a lost machine), break the lock "
        f"with {BREAK_HINT}."
    )
    return text


def holder_info(module):
    holder = {k: v for k, v in (module.params["holder"] or {}).items() if v not in (None, "")}
    holder.setdefault("user", getpass.getuser())
    holder.setdefault("host", socket.gethostname())
    for key, value in list(holder.items()):
        if not isinstance(value, (str, int, bool)) or isinstance(value, float):
            holder[key] = str(value)
    return holder


def ensure_acquired(module, client):
    name, owner, table = module.params["name"], module.params["owner"], module.params["table"]
    lease = module.params["lease_seconds"]
    holder = holder_info(module)
    now = int(time.time())
    planned = dict(
        name=name,
        owner=owner,
        holder=holder,
        acquired_at=iso(now),
        renewed_at=iso(now),
        expires_at=iso(now + lease),
        lease_seconds=lease,
        stale=False,
    )
    result = dict(table=table, table_arn="", table_created=False, renewed=False, held=True)

    if module.check_mode:
        try:
            found = describe_table(client, table)
            exists = found is not None
            result["table_arn"] = (found or {}).get("TableArn", "")
            current = public_lock(get_lock(client, table, name), now) if exists else {}
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg=f"Failed to read the deploy lock of {name} in DynamoDB table {table}")
        if not exists and not module.params["create_table"]:
            module.fail_json(msg=f"DynamoDB table {table} of the deploy locks does not exist (create_table is false)")
        result["table_created"] = not exists
        if current and current["owner"] == owner:
            current_holder_lock = dict(planned, acquired_at=current["acquired_at"])
            module.exit_json(
                changed=False,
                lock=current_holder_lock,
                **dict(result, renewed=True),
                msg=f"The deploy lock of {name} is held by this run; its lease would be renewed.",
            )
        if current:
            if module.params["break_lock"]:
                module.warn(f"Would break the deploy lock of {name}: {refusal(name, current, now)}")
                module.exit_json(
                    changed=True,
                    lock=planned,
                    broken=current,
                    **result,
                    msg=f"Would break the deploy lock of {name} and take it.",
                )
            message = refusal(name, current, now)
            module.warn(f"{message} (check mode: nothing is written; a real run would stop here.)")
            module.exit_json(changed=False, lock={}, held_by=current, **dict(result, held=False), msg=message)
        module.exit_json(changed=True, lock=planned, **result, msg=f"The deploy lock of {name} would be taken.")

    try:
        if module.params["create_table"]:
            result["table_created"], result["table_arn"] = ensure_table(client, table)
        else:
            found = describe_table(client, table)
            if found is None:
                module.fail_json(
                    msg=f"DynamoDB table {table} of the deploy locks does not exist (create_table is false)"
                )
            result["table_arn"] = found.get("TableArn", "")
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to create DynamoDB table {table} for the deploy locks")

    broken = None
    try:
        try:
            previous = write_lock(client, table, name, owner=owner, holder=holder, now=now, lease_seconds=lease)
        except LockHeld as held:
            current = public_lock(held.item, now)
            if not current:
                # Released between the write and the read: one more try, as a fresh acquisition.
                previous = write_lock(client, table, name, owner=owner, holder=holder, now=now, lease_seconds=lease)
            elif not module.params["break_lock"]:
                module.fail_json(msg=refusal(name, current, now), held_by=current, held=False, table=table)
            else:
                previous = write_lock(
                    client,
                    table,
                    name,
                    owner=owner,
                    holder=holder,
                    now=now,
                    lease_seconds=lease,
                    expected_owner=current["owner"],
                )
                broken = current
    except LockHeld as held:
        current = public_lock(held.item, now)
        module.fail_json(
            msg=f"The deploy lock of {name} changed hands while it was being taken: "
            + (refusal(name, current, now) if current else "try again."),
            held_by=current,
            held=False,
            table=table,
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to take the deploy lock of {name} in DynamoDB table {table}")

    renewed = bool(previous) and previous.get("owner") == owner and broken is None
    lock = dict(planned, acquired_at=iso(previous.get("acquired_at")) if renewed else iso(now))
    result.update(renewed=renewed)
    if broken:
        result["broken"] = broken
        message = f"Broke the deploy lock of {name} held by {describe_holder(broken['holder'], broken['owner'])} since {broken['acquired_at']}; this run holds it now."
        module.warn(message)
    elif renewed:
        message = f"The deploy lock of {name} is held by this run; lease renewed until {lock['expires_at']}."
    else:
        message = f"Took the deploy lock of {name} until {lock['expires_at']}."
    module.exit_json(changed=not renewed, lock=lock, msg=message, **result)


def ensure_released(module, client):
    name, owner, table = module.params["name"], module.params["owner"], module.params["table"]
    now = int(time.time())
    result = dict(table=table, table_created=False, held=False, lock={})
    released = None
    try:
        if module.check_mode:
            current = public_lock(get_lock(client, table, name), now)
            if current and current["owner"] == owner:
                released = current
        else:
            released = public_lock(delete_lock(client, table, name, owner), now)
    except LockHeld as held:
        current = public_lock(held.item, now)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to release the deploy lock of {name} in DynamoDB table {table}")
    if released:
        verb = "would be released" if module.check_mode else "released"
        module.exit_json(
            changed=True,
            msg=f"The deploy lock of {name} (held since {released['acquired_at']}) {verb}.",
            **result,
        )
    if current:
        message = (
            f"Did not release the deploy lock of {name}: this run does not hold it; "
            f"{describe_holder(current['holder'], current['owner'])} does, since {current['acquired_at']}."
        )
        module.warn(message)
        module.exit_json(changed=False, held_by=current, msg=message, **result)
    module.exit_json(changed=False, msg=f"The deploy lock of {name} is not held: nothing to release.", **result)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="acquired", choices=["acquired", "released"]),
        owner=dict(type="str", required=True),
        holder=dict(type="dict", default={}),
        lease_seconds=dict(type="int", default=14400),
        break_lock=dict(type="bool", default=False),
        table=dict(type="str", default="platform-ops-locks"),
        create_table=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not params["name"].strip():
        module.fail_json(msg="name must not be empty: pass the stack, <platform_name>-<platform_env>")
    if not params["owner"].strip():
        module.fail_json(msg="owner must not be empty: pass an identifier unique to this run")
    if params["lease_seconds"] < 60:
        module.fail_json(msg=f"lease_seconds must be at least 60, got {params['lease_seconds']}")
    if not (3 <= len(params["table"]) <= 255) or not all(c.isalnum() or c in "_.-" for c in params["table"]):
        module.fail_json(msg=f"table {params['table']!r} is not a valid DynamoDB table name ([a-zA-Z0-9_.-], 3-255)")
    client = module.client("dynamodb")
    if params["state"] == "acquired":
        ensure_acquired(module, client)
    ensure_released(module, client)


if __name__ == "__main__":
    main()
