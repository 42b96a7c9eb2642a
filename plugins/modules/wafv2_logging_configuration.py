#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: wafv2_logging_configuration
version_added: 0.1.0
short_description: Manage the logging configuration of an AWS WAF (wafv2) web ACL
description:
  - Sends the traffic logs of a WAFv2 web ACL to a CloudWatch Logs log group, an S3 bucket or an Amazon Data
    Firehose delivery stream (PutLoggingConfiguration), with the fields to redact and an optional filter of the
    requests to log; or removes the logging configuration (DeleteLoggingConfiguration).
  - Neither C(amazon.aws) nor C(community.aws) has a module for WAFv2 logging; this module fills that gap.
  - The configuration is read first (GetLoggingConfiguration) and written only when the destination, the redacted
    fields or the filter differ, so a run with nothing to change makes one request.
  - The options are checked against AWS WAF's rules before any request, each problem named with the option and the
    value (see O(log_destination_configs)).
  - A log group destination needs a log group resource policy that lets C(delivery.logs.amazonaws.com) write to
    it. AWS creates or extends that policy during PutLoggingConfiguration when the caller is allowed to; the caller
    therefore needs C(wafv2:PutLoggingConfiguration), C(logs:CreateLogDelivery), C(logs:PutResourcePolicy),
    C(logs:DescribeResourcePolicies) and C(logs:DescribeLogGroups) (the last three on
    C(arn:aws:logs:<region>:<account>:log-group:*)). An account has at most 10 log resource policies per region.
  - A log group encrypted with a customer managed KMS key needs a key policy that lets
    C(logs.<region>.amazonaws.com) use the key for that log group (C(kms:EncryptionContext:aws:logs:arn)).
author: Platform Ops Maintainers (@platform-ops)
options:
  web_acl_arn:
    description:
      - ARN of the web ACL (C(arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>), or
        C(global/webacl/...) in us-east-1 for CloudFront).
    type: str
    required: true
  log_destination_configs:
    description:
      - The one destination of the logs (AWS WAF takes exactly one), as an ARN.
      - A CloudWatch Logs log group as C(arn:<partition>:logs:<region>:<account>:log-group:<name>), B(without)
        the trailing C(:*) that DescribeLogGroups and CloudFormation report (AWS WAF refuses it as an invalid ARN),
        in the web ACL's account and region; an S3 bucket as C(arn:<partition>:s3:::<bucket>); a Firehose
        delivery stream as C(arn:<partition>:firehose:<region>:<account>:deliverystream/<name>).
      - The log group, bucket or delivery stream name must begin with C(aws-waf-logs-).
      - Required when O(state=present).
    type: list
    elements: str
  redacted_fields:
    description:
      - Parts of the requests that are replaced by C(REDACTED) in the logs (credentials, session cookies, PHI).
      - Header names are compared in lower case.
    type: dict
    default: {}
    suboptions:
      headers:
        description: Names of the headers to redact (C(SingleHeader)), e.g. C(authorization) and C(cookie).
        type: list
        elements: str
        default: []
      uri_path:
        description: Redact the URI path.
        type: bool
        default: false
      query_string:
        description: Redact the query string.
        type: bool
        default: false
      method:
        description: Redact the HTTP method.
        type: bool
        default: false
  logging_filter:
    description:
      - Which requests are logged (C(LoggingFilter)). Omitted or empty, every request is logged.
    type: dict
    suboptions:
      default_behavior:
        description: What happens to a request that no filter matches.
        type: str
        choices: [KEEP, DROP]
        default: KEEP
      filters:
        description: The filters; the first that matches a request decides.
        type: list
        elements: dict
        required: true
        suboptions:
          behavior:
            description: Keep or drop the requests this filter matches.
            type: str
            choices: [KEEP, DROP]
            required: true
          requirement:
            description: Whether a request must match all the conditions or any one.
            type: str
            choices: [MEETS_ALL, MEETS_ANY]
            required: true
          conditions:
            description: The conditions; each sets exactly one of O(logging_filter.filters[].conditions[].action) and
              O(logging_filter.filters[].conditions[].label_name).
            type: list
            elements: dict
            required: true
            suboptions:
              action:
                description: The rule action the request got.
                type: str
                choices: [ALLOW, BLOCK, COUNT, CAPTCHA, CHALLENGE, EXCLUDED_AS_COUNT]
              label_name:
                description: A label the request carries.
                type: str
  state:
    description:
      - V(present) writes the logging configuration when it differs.
      - V(absent) deletes it; nothing happens when the web ACL has none.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports C(check_mode) and C(diff) (the configuration before and after).
  - A configuration managed by AWS Firewall Manager is reported, never changed.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the web ACL logs to its log group without credentials or cookies
  platform_ops.aws.wafv2_logging_configuration:
    web_acl_arn: "{{ web_acl.arn }}"
    log_destination_configs:
      - arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-caseapp-prod
    redacted_fields:
      headers: [authorization, cookie]

- name: Ensure only blocked requests are logged
  platform_ops.aws.wafv2_logging_configuration:
    web_acl_arn: "{{ web_acl.arn }}"
    log_destination_configs:
      - arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-caseapp-prod
    logging_filter:
      default_behavior: DROP
      filters:
        - behavior: KEEP
          requirement: MEETS_ANY
          conditions:
            - action: BLOCK

- name: Ensure the web ACL no longer logs
  platform_ops.aws.wafv2_logging_configuration:
    web_acl_arn: "{{ web_acl.arn }}"
    state: absent
"""

RETURN = r"""
logging_configuration:
  description:
    - The logging configuration after the task (as predicted in check mode); empty when there is none.
  returned: always
  type: dict
  contains:
    resource_arn:
      description: ARN of the web ACL.
      returned: when the configuration exists
      type: str
      sample: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/caseapp-prod-waf/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111
    log_destination_configs:
      description: The destination ARNs.
      returned: when the configuration exists
      type: list
      elements: str
      sample: [arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-caseapp-prod]
    redacted_fields:
      description: The redacted fields, as AWS WAF's C(FieldToMatch) in snake case.
      returned: when the configuration exists
      type: list
      elements: dict
      sample: [{single_header: {name: authorization}}, {single_header: {name: cookie}}]
    logging_filter:
      description: The filter of the requests logged, in snake case.
      returned: when the configuration has one
      type: dict
      sample: {default_behavior: DROP, filters: [{behavior: KEEP, requirement: MEETS_ANY,
               conditions: [{action_condition: {action: BLOCK}}]}]}
    managed_by_firewall_manager:
      description: Whether AWS Firewall Manager manages the configuration.
      returned: when the configuration exists
      type: bool
      sample: false
diff:
  description: The managed parts of the configuration before and after (diff mode); V({}) when there is none.
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after:
      resource_arn: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/caseapp-prod-waf/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111
      log_destination_configs: [arn:aws:logs:us-east-1:123456789012:log-group:aws-waf-logs-caseapp-prod]
      redacted_fields: [{single_header: {name: authorization}}, {single_header: {name: cookie}}]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import wafv2

PERMISSION_HINT = (
    "AWS WAF could not make the log group's resource policy: the caller needs logs:CreateLogDelivery, "
    "logs:PutResourcePolicy, logs:DescribeResourcePolicies and logs:DescribeLogGroups (on "
    "arn:aws:logs:<region>:<account>:log-group:*), and the account at most 10 log resource policies in the region"
)


def _snake(config):
    return camel_dict_to_snake_dict(config) if config else {}


def read_current(module, client, arn):
    try:
        return wafv2.get_logging_configuration(client, arn)
    except is_boto3_error_code("WAFNonexistentItemException"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the logging configuration of web ACL {arn}")


def ensure_present(module, client, current):
    desired = wafv2.desired_configuration(module.params)
    if wafv2.canonical(current) == wafv2.canonical(desired):
        return False, current
    if current and current.get("ManagedByFirewallManager"):
        module.fail_json(
            msg=f"The logging configuration of web ACL {desired['ResourceArn']} is managed by AWS Firewall Manager: "
            "change it in the Firewall Manager policy"
        )
    after = {**desired, "ManagedByFirewallManager": False}
    if not desired["RedactedFields"]:
        after.pop("RedactedFields")
    if not module.check_mode:
        config = dict(desired)
        if not config["RedactedFields"]:
            config.pop("RedactedFields")
        try:
            after = wafv2.put_logging_configuration(client, config)
        except is_boto3_error_code("WAFNonexistentItemException"):
            module.fail_json(msg=f"web_acl_arn: the web ACL {desired['ResourceArn']} does not exist")
        except is_boto3_error_code("WAFLogDestinationPermissionIssueException") as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=PERMISSION_HINT)
        except is_boto3_error_code("WAFInvalidParameterException") as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(
                e,
                msg=f"AWS WAF refused the logging configuration of {desired['ResourceArn']} "
                f"(destination {', '.join(desired['LogDestinationConfigs'])})",
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to put the logging configuration of web ACL {desired['ResourceArn']}")
    return True, after


def ensure_absent(module, client, current):
    if not current:
        return False, None
    if not module.check_mode:
        try:
            wafv2.delete_logging_configuration(client, module.params["web_acl_arn"])
        except is_boto3_error_code("WAFNonexistentItemException"):
            pass  # deleted meanwhile
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(
                e, msg=f"Failed to delete the logging configuration of web ACL {module.params['web_acl_arn']}"
            )
    return True, None


def main():
    condition = dict(
        action=dict(type="str", choices=list(wafv2.ACTIONS)),
        label_name=dict(type="str"),
    )
    log_filter = dict(
        behavior=dict(type="str", required=True, choices=["KEEP", "DROP"]),
        requirement=dict(type="str", required=True, choices=["MEETS_ALL", "MEETS_ANY"]),
        conditions=dict(type="list", elements="dict", required=True, options=condition),
    )
    argument_spec = dict(
        web_acl_arn=dict(type="str", required=True),
        log_destination_configs=dict(type="list", elements="str"),
        redacted_fields=dict(
            type="dict",
            default={},
            options=dict(
                headers=dict(type="list", elements="str", default=[]),
                uri_path=dict(type="bool", default=False),
                query_string=dict(type="bool", default=False),
                method=dict(type="bool", default=False),
            ),
        ),
        logging_filter=dict(
            type="dict",
            options=dict(
                default_behavior=dict(type="str", default="KEEP", choices=["KEEP", "DROP"]),
                filters=dict(type="list", elements="dict", required=True, options=log_filter),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["log_destination_configs"])],
    )
    problems = wafv2.validate(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    client = module.client("wafv2")
    current = read_current(module, client, module.params["web_acl_arn"])
    if module.params["state"] == "present":
        changed, after = ensure_present(module, client, current)
    else:
        changed, after = ensure_absent(module, client, current)
    result = {"logging_configuration": _snake(after)}
    if module._diff:
        result["diff"] = {"before": _snake(wafv2.canonical(current)), "after": _snake(wafv2.canonical(after))}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
