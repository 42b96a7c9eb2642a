#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudfront_origin_access_control
version_added: 0.1.0
short_description: Manage a CloudFront origin access control (OAC)
description:
  - Creates, updates or deletes a CloudFront origin access control, the successor of the origin access
    identity that lets a distribution sign its requests to an S3 (or MediaStore, Lambda URL, MediaPackage v2)
    origin.
  - C(community.aws) has a module for origin access identities (M(community.aws.cloudfront_origin_access_identity))
    but none for origin access controls; this module fills that gap. Attach the control to an origin with
    M(community.aws.cloudfront_distribution) or the distribution's own tooling.
  - Origin access control names are unique in an account, so the control is found by O(name)
    (ListOriginAccessControls). UpdateOriginAccessControl is called only when the description, the signing
    behavior, the signing protocol or the origin type differ.
  - CloudFront is a global service; the region options are accepted but do not select where the control lives.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - Name of the origin access control (1 to 64 characters), unique in the account.
    type: str
    required: true
  description:
    description:
      - Description of the origin access control (up to 256 characters).
    type: str
    default: ""
  origin_type:
    description:
      - The type of origin the control is used with (C(OriginAccessControlOriginType)).
    type: str
    choices: [s3, mediastore, lambda, mediapackagev2]
    default: s3
  signing_behavior:
    description:
      - V(always) signs every origin request (and replaces the viewer's C(Authorization) header),
        V(never) signs none, V(no-override) signs a request unless the viewer sent an C(Authorization) header.
    type: str
    choices: [always, never, no-override]
    default: always
  signing_protocol:
    description:
      - How CloudFront signs (authenticates) the origin requests.
    type: str
    choices: [sigv4]
    default: sigv4
  state:
    description:
      - V(present) creates the control or updates it to match the options.
      - V(absent) deletes the control. CloudFront refuses while an origin of a distribution still uses it;
        detach it from the distribution (or delete the distribution) first.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports C(check_mode) and C(diff) (the control's configuration before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the assets bucket has an origin access control
  platform_ops.aws.cloudfront_origin_access_control:
    name: caseapp-prod-assets
    description: CloudFront reads the caseapp-prod-assets bucket
    origin_type: s3
    signing_behavior: always
  register: assets_oac

- name: Ensure the origin access control is gone
  platform_ops.aws.cloudfront_origin_access_control:
    name: caseapp-prod-assets
    state: absent
"""

RETURN = r"""
origin_access_control:
  description:
    - The origin access control after the task (as predicted in check mode).
    - Empty after it was deleted, or when O(state=absent) and it did not exist.
  returned: always
  type: dict
  contains:
    id:
      description: ID of the origin access control (not returned in check mode when it would be created).
      returned: when the control exists
      type: str
      sample: E2QWRUHAPOMQZL
    name:
      description: Name of the origin access control.
      returned: when the control exists or would be created
      type: str
      sample: caseapp-prod-assets
    description:
      description: Description of the origin access control.
      returned: when the control exists or would be created
      type: str
      sample: CloudFront reads the caseapp-prod-assets bucket
    signing_protocol:
      description: The signing protocol.
      returned: when the control exists or would be created
      type: str
      sample: sigv4
    signing_behavior:
      description: The signing behavior.
      returned: when the control exists or would be created
      type: str
      sample: always
    origin_access_control_origin_type:
      description: The type of origin the control is used with.
      returned: when the control exists or would be created
      type: str
      sample: s3
diff:
  description: The control's configuration before and after (diff mode); V({}) for a control that does not exist.
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after:
      name: caseapp-prod-assets
      description: ""
      origin_access_control_origin_type: s3
      signing_behavior: always
      signing_protocol: sigv4
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.cloudfront_oac import (
    CONFIG_KEYS,
    converged,
    desired_config,
    named,
    normalise,
)

NAME_MAX = 64
DESCRIPTION_MAX = 256

# AWSRetry retries throttling (Throttling, TooManyRequestsException, RequestLimitExceeded) and 5xx codes
# by default.


@AWSRetry.jittered_backoff()
def _list_controls(client):
    paginator = client.get_paginator("list_origin_access_controls")
    return paginator.paginate().build_full_result().get("OriginAccessControlList", {}).get("Items", [])


@AWSRetry.jittered_backoff()
def _get_control(client, control_id):
    return client.get_origin_access_control(Id=control_id)


@AWSRetry.jittered_backoff()
def _create_control(client, config):
    return client.create_origin_access_control(OriginAccessControlConfig=config)


@AWSRetry.jittered_backoff()
def _update_control(client, control_id, etag, config):
    return client.update_origin_access_control(Id=control_id, IfMatch=etag, OriginAccessControlConfig=config)


@AWSRetry.jittered_backoff()
def _delete_control(client, control_id, etag):
    return client.delete_origin_access_control(Id=control_id, IfMatch=etag)


def validate_params(module):
    params = module.params
    problems = []
    if not 1 <= len(params["name"]) <= NAME_MAX:
        problems.append(f"name must be 1 to {NAME_MAX} characters (got {len(params['name'])})")
    if len(params["description"] or "") > DESCRIPTION_MAX:
        problems.append(f"description must be at most {DESCRIPTION_MAX} characters (got {len(params['description'])})")
    if problems:
        module.fail_json(msg="; ".join(problems))


def _from_response(response):
    control = response["OriginAccessControl"]
    return normalise({"Id": control["Id"], **control.get("OriginAccessControlConfig", {})})


def _config(control):
    """The snake_case configuration (no ID) used for the diff."""
    return camel_dict_to_snake_dict({key: control[key] for key in CONFIG_KEYS}) if control else {}


def find_control(module, client, name):
    try:
        items = _list_controls(client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to list the CloudFront origin access controls")
    found = named(items, name)
    if len(found) > 1:
        ids = ", ".join(sorted(item["Id"] for item in found))
        module.fail_json(msg=f"Several CloudFront origin access controls are named {name} ({ids}); remove the extras")
    return found[0] if found else None


def _etag(module, client, control):
    try:
        return _get_control(client, control["Id"])["ETag"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(
            e, msg=f"Failed to get CloudFront origin access control {control['Name']} ({control['Id']})"
        )


def ensure_present(module, client, current):
    params = module.params
    desired = desired_config(
        params["name"],
        params["description"],
        params["signing_protocol"],
        params["signing_behavior"],
        params["origin_type"],
    )
    if current is None:
        after = desired
        if not module.check_mode:
            try:
                after = _from_response(_create_control(client, desired))
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Failed to create CloudFront origin access control {params['name']}")
        return True, after
    if converged(current, desired):
        return False, current
    after = {"Id": current["Id"], **desired}
    if not module.check_mode:
        etag = _etag(module, client, current)
        try:
            after = _from_response(_update_control(client, current["Id"], etag, desired))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(
                e, msg=f"Failed to update CloudFront origin access control {params['name']} ({current['Id']})"
            )
    return True, after


def ensure_absent(module, client, current):
    if current is None:
        return False, None
    if not module.check_mode:
        etag = _etag(module, client, current)
        try:
            _delete_control(client, current["Id"], etag)
        except is_boto3_error_code("OriginAccessControlInUse"):
            module.fail_json(
                msg=f"CloudFront origin access control {current['Name']} ({current['Id']}) is still used by a "
                "distribution: detach it from the distribution's origins (or delete the distribution) first"
            )
        except is_boto3_error_code("NoSuchOriginAccessControl"):
            pass  # deleted meanwhile
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(
                e, msg=f"Failed to delete CloudFront origin access control {current['Name']} ({current['Id']})"
            )
    return True, None


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str", default=""),
        origin_type=dict(type="str", default="s3", choices=["s3", "mediastore", "lambda", "mediapackagev2"]),
        signing_behavior=dict(type="str", default="always", choices=["always", "never", "no-override"]),
        signing_protocol=dict(type="str", default="sigv4", choices=["sigv4"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("cloudfront")
    current = find_control(module, client, module.params["name"])
    if module.params["state"] == "present":
        changed, after = ensure_present(module, client, current)
    else:
        changed, after = ensure_absent(module, client, current)
    result = {"origin_access_control": camel_dict_to_snake_dict(after) if after else {}}
    if module._diff:
        result["diff"] = {"before": _config(current), "after": _config(after)}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
