#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_inline_policies
version_added: 0.3.0
short_description: Converge a set of IAM roles' inline policies in one call
description:
  - Ensures that each listed inline policy of an IAM role has exactly the given document (O(policies[].state=present))
    or does not exist (O(policies[].state=absent)). One call converges the whole set where
    M(amazon.aws.iam_policy) takes one module run per policy.
  - The current documents are read concurrently (C(GetRolePolicy)); a policy is written (C(PutRolePolicy)) only when
    its document differs, compared as M(amazon.aws.iam_policy) compares them (statement order, single values and
    lists, the default C(Version) do not count). A policy to remove is deleted only when it exists.
  - Bad input fails before any AWS call, among it an inline policy set of a role over IAM's limit of 10,240
    characters (whitespace not counted) and policy names IAM refuses.
author: Platform Ops Maintainers (@platform-ops)
options:
  policies:
    description:
      - The inline policies to converge. A role and policy name pair may appear once.
    type: list
    elements: dict
    required: true
    suboptions:
      role:
        description: The role's name (not its ARN).
        type: str
        required: true
      name:
        description: The inline policy's name, 1 to 128 characters of letters, digits and C(+=,.@_-).
        type: str
        required: true
      document:
        description:
          - The policy document, a dict or its JSON text. Required with O(policies[].state=present).
        type: raw
      state:
        description: Whether the policy should exist.
        type: str
        choices: ["present", "absent"]
        default: present
notes:
  - Supports C(check_mode) and C(diff) (the documents that change, before and after, by role and policy name).
  - The role must exist; a role created moments ago that IAM does not know yet is retried for up to 15 seconds.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure each role's inline policy, and remove one it should no longer carry
  platform_ops.aws.iam_inline_policies:
    policies:
      - role: caseapp-prod-task-backend
        name: backend
        document:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["s3:GetObject"]
              Resource: ["arn:aws:s3:::caseapp-prod-documents-123456789012/*"]
      - role: caseapp-prod-task-backend
        name: legacy
        state: absent
"""

RETURN = r"""
policies:
  description: Each policy of O(policies) with what the run did to it (in check mode, what it would do).
  returned: always
  type: list
  elements: dict
  contains:
    role:
      description: The role's name.
      type: str
    name:
      description: The policy's name.
      type: str
    state:
      description: V(present) or V(absent), as asked.
      type: str
    action:
      description: V(created), V(updated), V(deleted) or V(none).
      type: str
  sample: [{"role": "caseapp-prod-task-backend", "name": "backend", "state": "present", "action": "none"}]
"""

import json
import re
from concurrent.futures import ThreadPoolExecutor

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.iam_inline import plan

NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
ROLE_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
# IAM quota: the inline policies of one role together, whitespace not counted.
ROLE_INLINE_LIMIT = 10240
READ_WORKERS = 8


@AWSRetry.jittered_backoff()
def _get(client, role, name):
    return client.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


# A role created moments ago may be unknown to IAM for a few seconds (NoSuchEntity): retried, bounded.
@AWSRetry.jittered_backoff(retries=4, delay=1, max_delay=8, catch_extra_error_codes=["NoSuchEntity"])
def _put(client, role, name, document):
    client.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)


@AWSRetry.jittered_backoff()
def _delete(client, role, name):
    client.delete_role_policy(RoleName=role, PolicyName=name)


def _document(module, index, spec):
    raw = spec.get("document")
    if raw is None or raw == "":
        module.fail_json(
            msg=f"policies[{index}] ({spec['role']}: {spec['name']}): document is required with state=present"
        )
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as e:
            module.fail_json(msg=f"policies[{index}] ({spec['role']}: {spec['name']}): document is not JSON: {e}")
    if not isinstance(raw, dict) or not raw.get("Statement"):
        module.fail_json(
            msg=f"policies[{index}] ({spec['role']}: {spec['name']}): document must be a policy with a Statement"
        )
    return raw


def validate(module):
    """The policies as a list of dicts with a parsed document; fails on bad input before any AWS call."""
    seen, wanted, sizes = set(), [], {}
    for index, spec in enumerate(module.params["policies"]):
        role, name = spec["role"], spec["name"]
        if not ROLE_RE.match(role or ""):
            module.fail_json(msg=f"policies[{index}]: role {role!r} is not an IAM role name (an ARN is not accepted)")
        if not NAME_RE.match(name or ""):
            module.fail_json(
                msg=f"policies[{index}]: name {name!r} is not an IAM policy name (1 to 128 of letters, digits, +=,.@_-)"
            )
        if (role, name) in seen:
            module.fail_json(msg=f"policies[{index}]: {role}: {name} is listed twice")
        seen.add((role, name))
        item = {"role": role, "name": name, "state": spec["state"], "document": None}
        if spec["state"] == "present":
            item["document"] = _document(module, index, spec)
            compact = json.dumps(item["document"], separators=(",", ":"))
            sizes[role] = sizes.get(role, 0) + len(re.sub(r"\s", "", compact))
        wanted.append(item)
    over = {role: size for role, size in sizes.items() if size > ROLE_INLINE_LIMIT}
    if over:
        module.fail_json(
            msg="IAM allows at most 10,240 characters (whitespace not counted) of inline policies per role: "
            + ", ".join(f"{role} would have {size}" for role, size in sorted(over.items()))
        )
    return wanted


def read_current(module, client, wanted):
    """The current document of each wanted policy (None when it does not exist), read concurrently."""

    def one(item):
        try:
            return _get(client, item["role"], item["name"])
        except is_boto3_error_code("NoSuchEntity"):
            return None

    try:
        with ThreadPoolExecutor(max_workers=min(READ_WORKERS, max(len(wanted), 1))) as pool:
            return list(pool.map(one, wanted))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to read the roles' inline policies")


def main():
    argument_spec = dict(
        policies=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                role=dict(type="str", required=True),
                name=dict(type="str", required=True),
                document=dict(type="raw"),
                state=dict(type="str", default="present", choices=["present", "absent"]),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    wanted = validate(module)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    current = read_current(module, client, wanted) if wanted else []
    planned = plan(wanted, current)

    if not module.check_mode:
        for item in planned:
            what = f"{item['role']}: {item['name']}"
            try:
                if item["action"] in ("created", "updated"):
                    _put(client, item["role"], item["name"], json.dumps(item["document"]))
                elif item["action"] == "deleted":
                    _delete(client, item["role"], item["name"])
            except is_boto3_error_code("NoSuchEntity") as e:
                module.fail_json_aws(e, msg=f"Failed to write the inline policy {what}: the role does not exist")
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                module.fail_json_aws(e, msg=f"Failed to write the inline policy {what}")

    changed = any(item["action"] != "none" for item in planned)
    result = {
        "policies": [
            {"role": item["role"], "name": item["name"], "state": item["state"], "action": item["action"]}
            for item in planned
        ]
    }
    if module._diff:
        before, after = {}, {}
        for item in planned:
            key = f"{item['role']}: {item['name']}"
            if item["action"] != "none" and item["found"] is not None:
                before[key] = item["found"]
            if item["action"] in ("created", "updated"):
                after[key] = item["document"]
        result["diff"] = {"before": before, "after": after}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
