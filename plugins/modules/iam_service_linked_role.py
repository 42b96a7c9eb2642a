#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_service_linked_role
version_added: 0.1.0
short_description: Ensure AWS services have their IAM service-linked roles
description:
  - Some AWS services need their service-linked role before they can act in the account, and only create it
    themselves in some cases (for example from the console). Without it, ECS refuses capacity providers, an
    OpenSearch domain cannot be placed in a VPC, Application Auto Scaling cannot scale ECS services, and
    ElastiCache and RDS cannot manage their network interfaces.
  - For every service in O(services), in one module call, the module looks for its service-linked role (any
    role under the path C(/aws-service-role/<service>/), listed with one C(ListRoles)) and creates the missing
    ones with C(CreateServiceLinkedRole). A role that turns out to exist already (C(InvalidInput) "has been
    taken", for instance created meanwhile by the service itself) counts as present.
  - B(Never deletes.) Service-linked roles belong to the whole account and are shared by everything in it;
    there is no C(state=absent).
author: Platform Ops Maintainers (@platform-ops)
options:
  services:
    description:
      - AWS service principals whose service-linked role must exist, for example V(ecs.amazonaws.com),
        V(opensearchservice.amazonaws.com), V(ecs.application-autoscaling.amazonaws.com),
        V(elasticache.amazonaws.com), V(rds.amazonaws.com).
      - An empty list does nothing.
    type: list
    elements: str
    required: true
  description:
    description:
      - Description given to the roles the module creates.
    type: str
notes:
  - Supports C(check_mode) and C(diff) (per service, whether its role exists before and after).
  - Needs C(iam:ListRoles) and C(iam:CreateServiceLinkedRole) (the latter scoped with
    C(iam:AWSServiceName) if you like).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure ECS, its autoscaling, OpenSearch, ElastiCache and RDS have their service-linked roles
  platform_ops.aws.iam_service_linked_role:
    services:
      - ecs.amazonaws.com
      - ecs.application-autoscaling.amazonaws.com
      - opensearchservice.amazonaws.com
      - elasticache.amazonaws.com
      - rds.amazonaws.com
"""

RETURN = r"""
roles:
  description: Per service, its service-linked role after the task (as predicted in check mode).
  returned: always
  type: dict
  sample:
    ecs.amazonaws.com:
      service: ecs.amazonaws.com
      exists: true
      role_name: AWSServiceRoleForECS
      arn: arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS
created:
  description: The services whose role was (or in check mode would be) created.
  returned: always
  type: list
  elements: str
  sample: [ecs.amazonaws.com]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import iam_service_linked_roles as slr


def main():
    argument_spec = dict(
        services=dict(type="list", elements="str", required=True),
        description=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    services = module.params["services"]
    errors = slr.validate_services(services)
    if errors:
        module.fail_json(msg="Invalid services: " + "; ".join(errors))
    if not services:
        module.exit_json(changed=False, roles={}, created=[])

    client = module.client("iam")
    try:
        existing = slr.roles_by_service(slr.list_service_linked_roles(client))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to list the account's service-linked roles")

    before, after, created = {}, {}, []
    for service in services:
        role = existing.get(service)
        before[service] = slr.describe(service, role)
        if role is None:
            created.append(service)
            if module.check_mode:
                role = None
            else:
                try:
                    role = slr.create_service_linked_role(client, service, module.params.get("description"))
                except botocore.exceptions.ClientError as e:
                    if not slr.already_exists(e):
                        module.fail_json_aws(e, msg=f"Failed to create the service-linked role of {service}")
                    created.remove(service)
                    role = {"RoleName": slr.KNOWN_ROLE_NAMES.get(service, ""), "Arn": ""}
                except botocore.exceptions.BotoCoreError as e:
                    module.fail_json_aws(e, msg=f"Failed to create the service-linked role of {service}")
        after[service] = slr.describe(service, role)
        if module.check_mode and service in created:
            after[service]["exists"] = True

    result = {"changed": bool(created), "roles": after, "created": created}
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
