#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: securityhub_hub
version_added: 0.1.0
short_description: Enable AWS Security Hub in a region with the standards and integrations given
description:
  - Ensures Security Hub is enabled for the account in the region (EnableSecurityHub with
    C(EnableDefaultStandards=false), so only the standards the task names are enabled), that the standards of
    O(standards) are enabled (BatchEnableStandards), that the findings of the product integrations of
    O(integrations) are imported (EnableImportFindingsForProduct), and the hub's tags; or that Security Hub is
    disabled.
  - A hub that is already enabled (by hand, by an organization's configuration, by an earlier run) is adopted;
    EnableSecurityHub answering C(ResourceConflictException) means it is already on.
  - Standards enabled outside the task are left alone unless O(purge_standards=true).
  - C(amazon.aws) and C(community.aws) have no Security Hub module; this one fills that gap.
author: Platform Ops Maintainers (@platform-ops)
options:
  state:
    description:
      - V(present) enables Security Hub (or adopts it) and converges standards, integrations and tags.
      - V(absent) disables Security Hub (DisableSecurityHub). AWS deletes the hub's findings, standards
        subscriptions and integrations with it; an administrator account with member accounts is refused.
    type: str
    choices: [present, absent]
    default: present
  standards:
    description:
      - ARNs of the standards to enable (DescribeStandards lists them).
      - Default (when omitted) AWS Foundational Security Best Practices v1.0.0,
        C(arn:<partition>:securityhub:<region>::standards/aws-foundational-security-best-practices/v/1.0.0).
      - An empty list enables none.
    type: list
    elements: str
  purge_standards:
    description:
      - Disable the enabled standards that O(standards) does not name.
    type: bool
    default: false
  integrations:
    description:
      - Product integrations whose findings Security Hub imports, as C(<company>/<product>) (the end of the
        product ARN C(arn:<partition>:securityhub:<region>::product/<company>/<product>)), e.g. C(aws/guardduty).
      - Security Hub turns on the integrations of AWS services itself when it is enabled; the task turns on the
        ones that are off. Integrations not listed are never turned off.
    type: list
    elements: str
    default: [aws/guardduty]
notes:
  - Supports C(check_mode) and C(diff) (enabled, standards, integrations and tags before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure Security Hub runs the AWS Foundational Security Best Practices standard
  platform_ops.aws.securityhub_hub:
    tags:
      Project: caseapp
    purge_tags: false
  register: hub

- name: Ensure Security Hub runs FSBP and CIS 1.4.0, and no other standard
  platform_ops.aws.securityhub_hub:
    standards:
      - arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0
      - arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/1.4.0
    purge_standards: true

- name: Ensure Security Hub is off (its findings go with it)
  platform_ops.aws.securityhub_hub:
    state: absent
"""

RETURN = r"""
enabled:
  description: Whether Security Hub is enabled after the task (as it would be, in check mode).
  returned: always
  type: bool
  sample: true
hub_arn:
  description: ARN of the hub; empty when Security Hub is off, or in check mode before it is enabled.
  returned: always
  type: str
  sample: arn:aws:securityhub:us-east-1:123456789012:hub/default
standards_subscriptions:
  description: The enabled standards after the task (as predicted in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    standards_arn:
      description: ARN of the standard.
      type: str
      returned: always
      sample: arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0
    standards_subscription_arn:
      description: ARN of the account's subscription to it (empty in check mode before it is enabled).
      type: str
      returned: always
      sample: arn:aws:securityhub:us-east-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0
    standards_status:
      description: V(PENDING), V(READY), V(INCOMPLETE), V(FAILED) or V(DELETING).
      type: str
      returned: always
      sample: READY
integrations:
  description: The product subscription ARNs (integrations whose findings are imported) after the task.
  returned: always
  type: list
  elements: str
  sample: [arn:aws:securityhub:us-east-1:123456789012:product-subscription/aws/guardduty]
tags:
  description: The hub's tags.
  returned: always
  type: dict
  sample: {Project: caseapp}
diff:
  description: Enabled, standards ARNs, integrations and tags before and after (diff mode).
  returned: when diff mode is on
  type: dict
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.common import converge_tags

FSBP = "arn:{partition}:securityhub:{region}::standards/aws-foundational-security-best-practices/v/1.0.0"
# Subscriptions in these states count as enabled; DELETING and FAILED ones get enabled again.
ENABLED_STATES = ("PENDING", "READY", "INCOMPLETE")
BATCH = 25  # BatchEnableStandards / BatchDisableStandards take at most 25 items


@AWSRetry.jittered_backoff()
def _describe_hub(client):
    return client.describe_hub()


@AWSRetry.jittered_backoff()
def _enable_hub(client, tags):
    kwargs = {"EnableDefaultStandards": False}
    if tags:
        kwargs["Tags"] = tags
    return client.enable_security_hub(**kwargs)


@AWSRetry.jittered_backoff()
def _disable_hub(client):
    return client.disable_security_hub()


@AWSRetry.jittered_backoff()
def _enabled_standards(client):
    paginator = client.get_paginator("get_enabled_standards")
    return paginator.paginate().build_full_result().get("StandardsSubscriptions", [])


@AWSRetry.jittered_backoff()
def _enable_standards(client, arns):
    return client.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": arn} for arn in arns])


@AWSRetry.jittered_backoff()
def _disable_standards(client, subscription_arns):
    return client.batch_disable_standards(StandardsSubscriptionArns=subscription_arns)


@AWSRetry.jittered_backoff()
def _enabled_products(client):
    paginator = client.get_paginator("list_enabled_products_for_import")
    return paginator.paginate().build_full_result().get("ProductSubscriptions", [])


@AWSRetry.jittered_backoff()
def _enable_product(client, product_arn):
    return client.enable_import_findings_for_product(ProductArn=product_arn)


@AWSRetry.jittered_backoff()
def _list_tags(client, arn):
    return client.list_tags_for_resource(ResourceArn=arn).get("Tags") or {}


def _partition(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def validate_params(module):
    problems = []
    for arn in module.params["standards"] or []:
        if (
            not arn.startswith("arn:")
            or ":securityhub:" not in arn
            or not ("::standards/" in arn or ":::ruleset/" in arn)
        ):
            problems.append(f"{arn!r} is not a Security Hub standard ARN")
    for name in module.params["integrations"] or []:
        if name.count("/") != 1 or not all(name.split("/")):
            problems.append(f"integration {name!r} is not <company>/<product> (e.g. aws/guardduty)")
    if problems:
        module.fail_json(msg="; ".join(problems))


def find_hub(module, client):
    """{hub_arn, subscribed_at} or None when Security Hub is off."""
    try:
        hub = _describe_hub(client)
    except is_boto3_error_code("InvalidAccessException"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe the Security Hub hub in {module.region}")
    return {"hub_arn": hub["HubArn"], "subscribed_at": hub.get("SubscribedAt", "")}


def read_state(module, client, hub):
    try:
        standards = _enabled_standards(client)
        products = _enabled_products(client)
        tags = _list_tags(client, hub["hub_arn"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read Security Hub {hub['hub_arn']}")
    return {
        "enabled": True,
        "hub_arn": hub["hub_arn"],
        "standards_subscriptions": [
            {
                "standards_arn": s["StandardsArn"],
                "standards_subscription_arn": s.get("StandardsSubscriptionArn", ""),
                "standards_status": s.get("StandardsStatus", ""),
            }
            for s in standards
        ],
        "integrations": sorted(products),
        "tags": tags,
    }


def _off():
    return {"enabled": False, "hub_arn": "", "standards_subscriptions": [], "integrations": [], "tags": {}}


def _view(state):
    return {
        "enabled": state["enabled"],
        "standards": sorted(
            s["standards_arn"] for s in state["standards_subscriptions"] if s["standards_status"] in ENABLED_STATES
        ),
        "integrations": state["integrations"],
        "tags": state["tags"],
    }


def _chunks(items):
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


def ensure_present(module, client, hub):
    params = module.params
    region = module.region
    partition = _partition(region)
    wanted_standards = (
        params["standards"] if params["standards"] is not None else [FSBP.format(partition=partition, region=region)]
    )
    wanted_tags = params["tags"]
    changed = False

    if hub is None:
        changed = True
        if module.check_mode:
            before = _off()
            after = {
                **_off(),
                "enabled": True,
                "standards_subscriptions": [
                    {"standards_arn": arn, "standards_subscription_arn": "", "standards_status": "PENDING"}
                    for arn in dict.fromkeys(wanted_standards)
                ],
                "integrations": [
                    f"arn:{partition}:securityhub:{region}:<account>:product-subscription/{name}"
                    for name in sorted(set(params["integrations"]))
                ],
                "tags": wanted_tags or {},
            }
            return changed, before, after
        try:
            _enable_hub(client, wanted_tags)
        except is_boto3_error_code("ResourceConflictException"):
            pass  # enabled meanwhile: adopt it
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to enable Security Hub in {region}")
        hub = find_hub(module, client)
        if hub is None:
            module.fail_json(msg=f"Security Hub accepted EnableSecurityHub but DescribeHub says it is off in {region}")
        before = _off()
    current = read_state(module, client, hub)
    if not changed:
        before = current
    after = {**current, "standards_subscriptions": list(current["standards_subscriptions"])}

    # Standards
    on = {s["standards_arn"] for s in current["standards_subscriptions"] if s["standards_status"] in ENABLED_STATES}
    missing = [arn for arn in dict.fromkeys(wanted_standards) if arn not in on]
    extra = []
    if params["purge_standards"]:
        extra = [
            s
            for s in current["standards_subscriptions"]
            if s["standards_arn"] not in wanted_standards and s["standards_status"] in ENABLED_STATES
        ]
    if missing or extra:
        changed = True
        kept = [s for s in after["standards_subscriptions"] if s not in extra and s["standards_arn"] not in missing]
        added = [
            {"standards_arn": arn, "standards_subscription_arn": "", "standards_status": "PENDING"} for arn in missing
        ]
        after["standards_subscriptions"] = kept + added
        if not module.check_mode:
            try:
                for chunk in _chunks(missing):
                    _enable_standards(client, chunk)
                subscription_arns = [s["standards_subscription_arn"] for s in extra]
                for chunk in _chunks(subscription_arns):
                    _disable_standards(client, chunk)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Failed to enable or disable Security Hub standards in {region}")

    # Integrations (product subscriptions), never turned off here
    suffixes = {arn.split(":product-subscription/", 1)[-1] for arn in current["integrations"]}
    to_enable = [name for name in sorted(set(params["integrations"])) if name not in suffixes]
    if to_enable:
        changed = True
        account = hub["hub_arn"].split(":")[4]
        after["integrations"] = sorted(
            current["integrations"]
            + [f"arn:{partition}:securityhub:{region}:{account}:product-subscription/{name}" for name in to_enable]
        )
        if not module.check_mode:
            for name in to_enable:
                product_arn = f"arn:{partition}:securityhub:{region}::product/{name}"
                try:
                    _enable_product(client, product_arn)
                except is_boto3_error_code("ResourceConflictException"):
                    pass  # turned on meanwhile
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                    module.fail_json_aws(e, msg=f"Failed to import the findings of {product_arn} into Security Hub")

    # Tags (a hub enabled by this run got its tags with EnableSecurityHub)
    tags_changed, after["tags"] = converge_tags(
        module, client, hub["hub_arn"], current["tags"], f"Security Hub {hub['hub_arn']}"
    )
    changed = changed or tags_changed

    if changed and not module.check_mode:
        after = read_state(module, client, hub)
    return changed, before, after


def ensure_absent(module, client, hub):
    if hub is None:
        return False, _off(), _off()
    before = read_state(module, client, hub)
    if not module.check_mode:
        try:
            _disable_hub(client)
        except is_boto3_error_code("InvalidAccessException"):
            pass  # disabled meanwhile
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(
                e,
                msg=f"Failed to disable Security Hub in {module.region} (an administrator account must disassociate "
                "its member accounts first)",
            )
    return True, before, _off()


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        standards=dict(type="list", elements="str"),
        purge_standards=dict(type="bool", default=False),
        integrations=dict(type="list", elements="str", default=["aws/guardduty"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    client = module.client("securityhub")
    hub = find_hub(module, client)
    if module.params["state"] == "present":
        changed, before, after = ensure_present(module, client, hub)
    else:
        changed, before, after = ensure_absent(module, client, hub)
    result = dict(after)
    if module._diff:
        result["diff"] = {"before": _view(before), "after": _view(after)}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
