#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_secret_rotate
version_added: 0.2.0
short_description: Rotate a Secrets Manager secret to a new generated value, keeping the previous one
description:
  - Stores a new random value (from the Secrets Manager C(GetRandomPassword) API) as the C(AWSCURRENT) version
    of an existing secret (C(PutSecretValue)); Secrets Manager labels the value it replaces C(AWSPREVIOUS).
  - With O(previous_secret) the value being replaced is first copied into that second secret (created when
    missing, with the KMS key and the tags of the rotated secret), so that an application can accept both the
    current and the previous value during a grace window (for example a JWT signing key).
  - Tags the rotated secret (and O(previous_secret)) with O(rotated_at_tag) = the ISO 8601 UTC time of the
    rotation, the record the compliance audit (C(SECRETS.ROTATION)) reads.
  - No value is ever returned, logged or shown in the diff, not even on failure.
  - Rotation is not idempotent by nature - every run that is not in check mode stores a new value and reports
    a change. O(min_age_days) makes a run skip a secret rotated more recently than that.
  - The Secrets Manager rotation steps for a value another system must accept first (a Redis AUTH token) -
    O(state=pending) stores the new value labelled C(AWSPENDING) only (readers of C(AWSCURRENT) see no change;
    an C(AWSPENDING) version left by an interrupted run is kept, so a re-run sends the same value), the other
    system is told about it, then O(state=promoted) moves C(AWSCURRENT) to it (the replaced version becomes
    C(AWSPREVIOUS)) and removes the C(AWSPENDING) label.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - Name or ARN of the secret to rotate. It must exist and hold a string value.
    required: true
    type: str
  state:
    description:
      - V(rotated) stores a new value as the current version.
      - V(pending) stores a new value labelled C(AWSPENDING) only (nothing when a pending version exists already).
      - V(promoted) makes the C(AWSPENDING) version current (nothing when there is none).
    type: str
    choices: [rotated, pending, promoted]
    default: rotated
  password_length:
    description:
      - Length of the new value, 12 to 4096.
    type: int
    default: 64
  exclude_characters:
    description:
      - Characters the new value must not contain (for example those ElastiCache refuses in an AUTH token).
    type: str
  exclude_punctuation:
    description:
      - Generate letters and digits only.
    type: bool
    default: false
  previous_secret:
    description:
      - Name of a secret that receives the value being replaced (its new C(AWSCURRENT) version) before the
        rotation. Created when it does not exist, encrypted with the KMS key of O(name) and with its tags.
      - Only with O(state=rotated).
    type: str
  rotated_at_tag:
    description:
      - Tag key recording the time of the rotation on the rotated secret and on O(previous_secret).
    type: str
    default: PlatformRotatedAt
  min_age_days:
    description:
      - Skip the rotation (no change) when O(rotated_at_tag) says the secret was rotated less than this many
        days ago. V(0) always rotates. Not used with O(state=promoted).
    type: int
    default: 0
notes:
  - In check mode nothing is read but the metadata and nothing is written; RV(rotated) says whether the
    secret would rotate.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the Redis AUTH token secret holds a new token (ElastiCache's characters only)
  platform_ops.aws.secretsmanager_secret_rotate:
    name: caseapp-prod/cache/auth-token
    password_length: 64
    exclude_characters: "\"%'()*+,./:;=?@[\\]_`{|}~ "

- name: Ensure a new Redis AUTH token is pending (AWSPENDING), then current once ElastiCache accepts it
  platform_ops.aws.secretsmanager_secret_rotate:
    name: caseapp-prod/cache/auth-token
    state: pending
    exclude_characters: "\"%'()*+,./:;=?@[\\]_`{|}~ "

- name: Ensure the pending Redis AUTH token is the current one
  platform_ops.aws.secretsmanager_secret_rotate:
    name: caseapp-prod/cache/auth-token
    state: promoted

- name: Ensure the JWT signing key is new and the old one stays valid as JWT_SECRET_PREVIOUS
  platform_ops.aws.secretsmanager_secret_rotate:
    name: caseapp-prod/identity/jwt-secret
    previous_secret: caseapp-prod/identity/jwt-secret-previous
    exclude_punctuation: true
"""

RETURN = r"""
name:
  description: The name of the rotated secret.
  returned: always
  type: str
  sample: caseapp-prod/identity/jwt-secret
arn:
  description: The ARN of the rotated secret.
  returned: always
  type: str
rotated:
  description:
    - Whether the secret was (in check mode, would be) rotated by this run - for O(state=pending), whether a new
      pending value was (would be) stored; for O(state=promoted), whether the pending value was (would be) made current.
  returned: always
  type: bool
version_id:
  description: The C(AWSCURRENT) version after the run (null in check mode when it would rotate).
  returned: always
  type: str
previous_version_id:
  description: The C(AWSCURRENT) version before the run (C(AWSPREVIOUS) after a rotation).
  returned: always
  type: str
rotated_at:
  description: The value of O(rotated_at_tag) after the run (null when the secret has never been rotated).
  returned: always
  type: str
  sample: "2026-12-03T23:59:00Z"
pending_version_id:
  description: The version labelled C(AWSPENDING) after the run (null when none).
  returned: always
  type: str
previous_secret_arn:
  description: The ARN of O(previous_secret) (null when not set, or in check mode before its creation).
  returned: when O(previous_secret) is set
  type: str
"""

import datetime
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.secretsmanager import (
    BOTO_ERRORS,
    create_secret,
    current_version_id,
    describe_secret,
    get_random_password,
    get_secret_string,
    put_secret_value,
    tag_secret,
    tags_of,
    update_secret_version_stage,
)

UTC = datetime.timezone.utc  # noqa: UP017 - datetime.UTC needs Python 3.11 on the target


def now_iso():
    return datetime.datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value):
    """A datetime from an ISO 8601 tag value, or None when it is not one."""
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def validate_params(module):
    p = module.params
    if not p["name"].strip():
        module.fail_json(msg="name must not be empty")
    if not 12 <= p["password_length"] <= 4096:
        module.fail_json(msg=f"password_length must be between 12 and 4096 (got {p['password_length']})")
    if p["min_age_days"] < 0:
        module.fail_json(msg=f"min_age_days must be 0 or more (got {p['min_age_days']})")
    if not p["rotated_at_tag"].strip():
        module.fail_json(msg="rotated_at_tag must not be empty")
    if p["previous_secret"] is not None and p["previous_secret"].strip() in ("", p["name"].strip()):
        module.fail_json(msg="previous_secret must name another secret than name")
    if p["previous_secret"] is not None and p["state"] != "rotated":
        module.fail_json(msg=f"previous_secret is only used with state=rotated (got state={p['state']})")


def pending_version_id(described):
    """The version labelled AWSPENDING that is not also the current one, or None."""
    for version_id, stages in (described.get("VersionIdsToStages") or {}).items():
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            return version_id
    return None


def promote(module, client, described, result, *, extra, rotated_at):
    """Move AWSCURRENT to the AWSPENDING version and drop the AWSPENDING label."""
    pending = pending_version_id(described)
    if pending is None:
        module.exit_json(changed=False, **result)
    result.update(rotated=True, rotated_at=rotated_at)
    if module.check_mode:
        module.exit_json(changed=True, **result, **extra)
    tag = module.params["rotated_at_tag"]
    try:
        update_secret_version_stage(
            client, described["ARN"], "AWSCURRENT", move_to=pending, remove_from=result["previous_version_id"]
        )
        update_secret_version_stage(client, described["ARN"], "AWSPENDING", remove_from=pending)
        tag_secret(client, described["ARN"], {tag: rotated_at})
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to make the pending value of secret {described['Name']} current")
    result.update(version_id=pending, pending_version_id=None)
    module.exit_json(changed=True, **result, **extra)


def describe(module, client, secret_id):
    try:
        return describe_secret(client, secret_id)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to describe secret {secret_id}")


def read_current(module, client, secret_id):
    try:
        value = get_secret_string(client, secret_id)
    except ValueError as e:
        module.fail_json(msg=str(e))
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to read the current value of secret {secret_id}")
    if value is None:
        module.fail_json(msg=f"Secret {secret_id} has no current value to rotate")
    module.no_log_values.add(value)
    return value


def copy_to_previous(module, client, described, value, rotated_at):
    """Store ``value`` as the current version of previous_secret (create it when missing); its ARN."""
    name = module.params["previous_secret"].strip()
    tag = module.params["rotated_at_tag"]
    existing = describe(module, client, name)
    try:
        if existing is None or existing.get("DeletedDate"):
            if existing is not None:
                module.fail_json(msg=f"previous_secret {name} is scheduled for deletion; restore it first")
            params = {
                "Name": name,
                "Description": f"Previous value of {described['Name']} (valid during the grace window)",
                "SecretString": value,
                "Tags": [{"Key": k, "Value": v} for k, v in {**tags_of(described), tag: rotated_at}.items()],
                "ClientRequestToken": str(uuid.uuid4()),
            }
            if described.get("KmsKeyId"):
                params["KmsKeyId"] = described["KmsKeyId"]
            return create_secret(client, params)["ARN"]
        put_secret_value(client, existing["ARN"], value)
        tag_secret(client, existing["ARN"], {tag: rotated_at})
        return existing["ARN"]
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to store the previous value of {described['Name']} in {name}")


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="rotated", choices=["rotated", "pending", "promoted"]),
        password_length=dict(type="int", default=64, no_log=False),
        exclude_characters=dict(type="str"),
        exclude_punctuation=dict(type="bool", default=False),
        previous_secret=dict(type="str", no_log=False),
        rotated_at_tag=dict(type="str", default="PlatformRotatedAt", no_log=False),
        min_age_days=dict(type="int", default=0),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    p = module.params
    client = module.client("secretsmanager")

    described = describe(module, client, p["name"])
    if described is None:
        module.fail_json(msg=f"Secret {p['name']} does not exist; deploy the stack before rotating its secrets")
    if described.get("DeletedDate"):
        module.fail_json(msg=f"Secret {p['name']} is scheduled for deletion; restore it before rotating it")

    tags = tags_of(described)
    last = tags.get(p["rotated_at_tag"])
    before_version = current_version_id(described)
    result = {
        "name": described["Name"],
        "arn": described["ARN"],
        "rotated": False,
        "version_id": before_version,
        "previous_version_id": before_version,
        "rotated_at": last,
        "pending_version_id": pending_version_id(described),
    }
    if p["previous_secret"] is not None:
        previous = describe(module, client, p["previous_secret"].strip())
        result["previous_secret_arn"] = previous["ARN"] if previous else None

    rotated_at = now_iso()
    diff = {
        "before": {"name": described["Name"], "version_id": before_version, "rotated_at": last},
        "after": {"name": described["Name"], "version_id": "<new version>", "rotated_at": rotated_at},
    }
    extra = {"diff": diff} if module._diff else {}
    if p["state"] == "promoted":
        promote(module, client, described, result, extra=extra, rotated_at=rotated_at)
    if p["state"] == "pending" and result["pending_version_id"]:
        module.exit_json(changed=False, **result)  # an interrupted run's pending value: sent again as it is

    last_time = parse_iso(last) if last else None
    now = datetime.datetime.now(UTC)
    if p["min_age_days"] and last_time and now - last_time < datetime.timedelta(days=p["min_age_days"]):
        module.exit_json(changed=False, **result)

    result["rotated"] = True
    if module.check_mode:
        if p["state"] == "rotated":
            result.update(version_id=None, rotated_at=rotated_at)
        module.exit_json(changed=True, **result, **extra)

    if p["previous_secret"] is not None:
        current = read_current(module, client, described["ARN"])
        result["previous_secret_arn"] = copy_to_previous(module, client, described, current, rotated_at)
    try:
        value = get_random_password(
            client,
            p["password_length"],
            exclude_characters=p["exclude_characters"],
            exclude_punctuation=p["exclude_punctuation"],
        )
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to generate a new value (GetRandomPassword)")
    module.no_log_values.add(value)
    try:
        if p["state"] == "pending":
            response = put_secret_value(client, described["ARN"], value, stages=["AWSPENDING"])
            result["pending_version_id"] = response.get("VersionId")
            module.exit_json(changed=True, **result, **extra)
        response = put_secret_value(client, described["ARN"], value)
        tag_secret(client, described["ARN"], {p["rotated_at_tag"]: rotated_at})
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg=f"Failed to store the new value of secret {described['Name']}")
    result["version_id"] = response.get("VersionId")
    result["rotated_at"] = rotated_at
    module.exit_json(changed=True, **result, **extra)


if __name__ == "__main__":
    main()
