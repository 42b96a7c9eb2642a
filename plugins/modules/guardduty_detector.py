#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: guardduty_detector
version_added: 0.1.0
short_description: Manage the Amazon GuardDuty detector of a region
description:
  - Ensures the account's GuardDuty detector in the region exists and is enabled, with the finding
    publishing frequency and tags given, or that it is gone.
  - GuardDuty has one detector per account and region (CreateDetector refuses a second one with
    C(BadRequestException)), so the detector is found with ListDetectors, never by name; an existing
    detector (enabled by hand, by an earlier run, or suspended) is adopted and updated.
  - C(amazon.aws) and C(community.aws) have no GuardDuty module; this one fills that gap.
  - Only what the task sets is changed; the detector's data sources and features are left as they are
    (a new detector gets GuardDuty's defaults, every optional protection plan but Runtime Monitoring on).
author: Platform Ops Maintainers (@platform-ops)
options:
  state:
    description:
      - V(present) creates the detector or adopts and updates the existing one.
      - V(absent) deletes the detector. GuardDuty deletes its findings with it; in an account whose
        detector a delegated administrator manages, GuardDuty refuses (disassociate the member first).
    type: str
    choices: [present, absent]
    default: present
  enable:
    description:
      - Whether the detector is enabled (V(false) suspends it, keeping its findings).
    type: bool
    default: true
  finding_publishing_frequency:
    description:
      - How often GuardDuty publishes updates of existing findings to EventBridge (and to S3 exports).
        New findings are published within about five minutes whatever the value.
    type: str
    choices: [FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS]
    default: FIFTEEN_MINUTES
notes:
  - Supports C(check_mode) and C(diff) (enable, frequency and tags before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure GuardDuty watches the account in this region
  platform_ops.aws.guardduty_detector:
    finding_publishing_frequency: FIFTEEN_MINUTES
    tags:
      Project: caseapp
      Environment: prod
    purge_tags: false
  register: detector

- name: Ensure the GuardDuty detector is gone (its findings go with it)
  platform_ops.aws.guardduty_detector:
    state: absent
"""

RETURN = r"""
detector_id:
  description: ID of the detector; empty when there is none (after O(state=absent), or in check mode before it is created).
  returned: always
  type: str
  sample: 12abc34d567e8fa901bc2d34e56789f0
detector_arn:
  description: ARN of the detector; empty when there is none.
  returned: always
  type: str
  sample: arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0
status:
  description: V(ENABLED) or V(DISABLED); empty when there is no detector.
  returned: always
  type: str
  sample: ENABLED
finding_publishing_frequency:
  description: The finding publishing frequency; empty when there is no detector.
  returned: always
  type: str
  sample: FIFTEEN_MINUTES
service_role:
  description: The service-linked role GuardDuty uses; empty when there is no detector or in check mode before creation.
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty
tags:
  description: The detector's tags.
  returned: always
  type: dict
  sample: {Project: caseapp}
diff:
  description: Enable, frequency and tags before and after (diff mode); V({}) for no detector.
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after: {status: ENABLED, finding_publishing_frequency: FIFTEEN_MINUTES, tags: {Project: caseapp}}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.common import converge_tags

BOTO_ERRORS = ()
try:
    BOTO_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)
except NameError:
    pass


@AWSRetry.jittered_backoff()
def _list_detectors(client):
    return client.get_paginator("list_detectors").paginate().build_full_result().get("DetectorIds", [])


@AWSRetry.jittered_backoff()
def _get_detector(client, detector_id):
    return client.get_detector(DetectorId=detector_id)


@AWSRetry.jittered_backoff()
def _create_detector(client, **kwargs):
    return client.create_detector(**kwargs)


@AWSRetry.jittered_backoff()
def _update_detector(client, detector_id, **kwargs):
    return client.update_detector(DetectorId=detector_id, **kwargs)


@AWSRetry.jittered_backoff()
def _delete_detector(client, detector_id):
    return client.delete_detector(DetectorId=detector_id)


@AWSRetry.jittered_backoff()
def _caller(client):
    return client.get_caller_identity()


def _arn(module, detector_id, service_role):
    """arn:<partition>:guardduty:<region>:<account>:detector/<id>; account and partition from the service role."""
    parts = (service_role or "").split(":")
    if len(parts) >= 5 and parts[4]:
        partition, account = parts[1], parts[4]
    else:
        try:
            identity = _caller(module.client("sts"))
        except BOTO_ERRORS as e:
            module.fail_json_aws(e, msg="Failed to read the caller's account (STS GetCallerIdentity)")
        partition, account = identity["Arn"].split(":")[1], identity["Account"]
    return f"arn:{partition}:guardduty:{module.region}:{account}:detector/{detector_id}"


def find_detector(module, client):
    try:
        ids = _list_detectors(client)
    except BOTO_ERRORS as e:
        module.fail_json_aws(e, msg="Failed to list the GuardDuty detectors")
    if not ids:
        return None
    if len(ids) > 1:
        module.fail_json(msg=f"GuardDuty lists several detectors in {module.region} ({', '.join(sorted(ids))})")
    try:
        found = _get_detector(client, ids[0])
    except is_boto3_error_code("BadRequestException"):
        return None  # deleted meanwhile
    except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read GuardDuty detector {ids[0]}")
    return {
        "detector_id": ids[0],
        "detector_arn": _arn(module, ids[0], found.get("ServiceRole")),
        "status": found.get("Status", ""),
        "finding_publishing_frequency": found.get("FindingPublishingFrequency", ""),
        "service_role": found.get("ServiceRole", ""),
        "tags": found.get("Tags") or {},
    }


def _view(detector):
    if not detector:
        return {}
    return {key: detector[key] for key in ("status", "finding_publishing_frequency", "tags")}


def _empty():
    return {
        "detector_id": "",
        "detector_arn": "",
        "status": "",
        "finding_publishing_frequency": "",
        "service_role": "",
        "tags": {},
    }


def ensure_present(module, client, current):
    params = module.params
    status = "ENABLED" if params["enable"] else "DISABLED"
    frequency = params["finding_publishing_frequency"]
    wanted_tags = params["tags"]
    if current is None:
        after = {**_empty(), "status": status, "finding_publishing_frequency": frequency, "tags": wanted_tags or {}}
        if module.check_mode:
            return True, after
        kwargs = {"Enable": params["enable"], "FindingPublishingFrequency": frequency}
        if wanted_tags:
            kwargs["Tags"] = wanted_tags
        try:
            detector_id = _create_detector(client, **kwargs)["DetectorId"]
        except is_boto3_error_code("BadRequestException"):
            # Another run created it between ListDetectors and CreateDetector: adopt it.
            current = find_detector(module, client)
            if current is None:
                module.fail_json(msg="GuardDuty refused CreateDetector and lists no detector")
            return ensure_present(module, client, current)
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to create the GuardDuty detector in {module.region}")
        return True, find_detector(module, client) or {**after, "detector_id": detector_id}

    changed = False
    after = dict(current)
    update = {}
    if current["status"] != status:
        update["Enable"] = params["enable"]
    if current["finding_publishing_frequency"] != frequency:
        update["FindingPublishingFrequency"] = frequency
    if update:
        changed = True
        after.update(status=status, finding_publishing_frequency=frequency)
        if not module.check_mode:
            try:
                _update_detector(client, current["detector_id"], **update)
            except BOTO_ERRORS as e:
                module.fail_json_aws(e, msg=f"Failed to update GuardDuty detector {current['detector_id']}")
    what = f"GuardDuty detector {current['detector_id']}"
    tags_changed, after["tags"] = converge_tags(module, client, current["detector_arn"], current["tags"], what)
    changed = changed or tags_changed
    if changed and not module.check_mode:
        after = find_detector(module, client) or after
    return changed, after


def ensure_absent(module, client, current):
    if current is None:
        return False, _empty()
    if not module.check_mode:
        try:
            _delete_detector(client, current["detector_id"])
        except is_boto3_error_code("BadRequestException") as e:
            if find_detector(module, client) is not None:
                module.fail_json_aws(
                    e,
                    msg=f"GuardDuty refused to delete detector {current['detector_id']} (an account whose detector a "
                    "delegated administrator manages must be disassociated first)",
                )
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to delete GuardDuty detector {current['detector_id']}")
    return True, _empty()


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        enable=dict(type="bool", default=True),
        finding_publishing_frequency=dict(
            type="str", default="FIFTEEN_MINUTES", choices=["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"]
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("guardduty")
    current = find_detector(module, client)
    if module.params["state"] == "present":
        changed, after = ensure_present(module, client, current)
    else:
        changed, after = ensure_absent(module, client, current)
    result = dict(after)
    if module._diff:
        result["diff"] = {"before": _view(current), "after": _view(after if after.get("status") else None)}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
