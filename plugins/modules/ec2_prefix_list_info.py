#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_prefix_list_info
version_added: 0.1.0
short_description: Find the AWS-managed prefix list of a gateway endpoint service (S3, DynamoDB)
description:
  - Reads the AWS-managed prefix lists (DescribePrefixLists) named after AWS services, for example
    V(com.amazonaws.us-east-1.s3), so that a security group egress rule can allow traffic to the
    service through its gateway endpoint without opening the internet.
  - Give O(services) (short names, the region's full name is derived) or O(names) (full prefix list names).
  - Fails, naming what is missing, when a requested prefix list does not exist in the region.
author: Platform Ops Maintainers (@platform-ops)
options:
  services:
    description:
      - Short AWS service names, V(s3) or V(dynamodb); the prefix list name is
        V(com.amazonaws.<region>.<service>) (V(cn.com.amazonaws.<region>.<service>) in China regions).
    type: list
    elements: str
    default: []
  names:
    description:
      - Full prefix list names, for example V(com.amazonaws.us-east-1.s3).
    type: list
    elements: str
    default: []
notes:
  - Read-only; supports C(check_mode).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the S3 prefix list of the region
  platform_ops.aws.ec2_prefix_list_info:
    services: [s3]
  register: s3_prefix_list

- name: Ensure the app may reach S3 through the gateway endpoint only
  amazon.aws.ec2_security_group:
    name: caseapp-prod-app
    description: caseapp-prod application tasks
    vpc_id: vpc-0123456789abcdef0
    rules_egress:
      - proto: tcp
        ports: [443]
        ip_prefix: ["{{ s3_prefix_list.prefix_list_ids.s3 }}"]
"""

RETURN = r"""
prefix_lists:
  description: The prefix lists found, in the order requested (O(services) first, then O(names)).
  returned: always
  type: list
  elements: dict
  contains:
    prefix_list_id:
      description: ID of the prefix list.
      type: str
      sample: pl-63a5400a
    prefix_list_name:
      description: Name of the prefix list.
      type: str
      sample: com.amazonaws.us-east-1.s3
    cidrs:
      description: Address ranges of the prefix list.
      type: list
      elements: str
      sample: ["54.231.0.0/17"]
prefix_list_ids:
  description: Prefix list ID by the requested short service name or full name.
  returned: always
  type: dict
  sample: {"s3": "pl-63a5400a"}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import ec2_prefix_lists as pl


def main():
    argument_spec = dict(
        services=dict(type="list", elements="str", default=[]),
        names=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    services, names = module.params["services"], module.params["names"]
    if not services and not names:
        module.fail_json(msg="Give services (e.g. [s3]) or names (e.g. [com.amazonaws.us-east-1.s3]).")
    blank = [value for value in services + names if not str(value).strip()]
    if blank:
        module.fail_json(msg="services and names must not contain empty strings.")

    region = module.region
    if services and not region:
        module.fail_json(msg="A region is required to derive the prefix list name of services.")
    wanted = [(service, pl.service_name(region, service)) for service in services] + [(name, name) for name in names]

    client = module.client("ec2")
    try:
        found = pl.describe_prefix_lists(client, sorted({full for _, full in wanted}))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to describe the prefix lists")
    by_name = {p.get("PrefixListName"): p for p in found}
    missing = [full for _, full in wanted if full not in by_name]
    if missing:
        module.fail_json(
            msg=(
                f"No AWS-managed prefix list named {', '.join(sorted(set(missing)))} in {region}: "
                "check the service name (a gateway endpoint service such as s3 or dynamodb) and the region."
            )
        )
    module.exit_json(
        changed=False,
        prefix_lists=[pl.to_ansible(by_name[full]) for _, full in wanted],
        prefix_list_ids={key: by_name[full]["PrefixListId"] for key, full in wanted},
    )


if __name__ == "__main__":
    main()
