#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
version_added: 0.1.0
short_description: Manage a CloudWatch dashboard
description:
  - Create, update or delete a CloudWatch dashboard from its JSON body.
  - The current body (GetDashboard) and the desired one are compared as parsed JSON, so key order and
    whitespace do not matter; PutDashboard is called only when they differ.
  - The body is validated before any AWS call; it must be a JSON object with a C(widgets) list.
  - Validation messages AWS returns with a successful PutDashboard are warnings (the dashboard was saved);
    they are returned in RV(validation_messages) and shown as warnings. When AWS rejects the body
    (error C(InvalidParameterInput)), the module fails and lists AWS's validation messages.
author: Platform Ops Maintainers (@platform-ops)
options:
  state:
    description:
      - Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - Name of the dashboard (letters, digits, V(-) and V(_), at most 255 characters).
    type: str
    required: true
    aliases: [dashboard_name]
  body:
    description:
      - The dashboard body, as a dict or as JSON text of an object. It must contain a C(widgets) list.
      - See U(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
      - Required when O(state=present).
      - The whole body is replaced when it differs (PutDashboard has no partial update).
    type: raw
notes:
  - Supports C(check_mode) and C(diff) (the body before and after, as parsed JSON).
  - CloudWatch dashboards are global; the API is called in the configured region.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the platform dashboard shows ECS CPU
  platform_ops.aws.cloudwatch_dashboard:
    name: caseapp-prod
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: ECS CPU
            region: us-east-1
            stat: Average
            period: 300
            metrics:
              - [AWS/ECS, CPUUtilization, ClusterName, caseapp-prod]

- name: Ensure a dashboard from a JSON file
  platform_ops.aws.cloudwatch_dashboard:
    dashboard_name: caseapp-prod-db
    body: "{{ lookup('ansible.builtin.file', 'dashboard.json') }}"

- name: Ensure the dashboard is absent
  platform_ops.aws.cloudwatch_dashboard:
    name: caseapp-prod
    state: absent
"""

RETURN = r"""
dashboard_name:
  description: Name of the dashboard.
  returned: always
  type: str
  sample: caseapp-prod
dashboard_arn:
  description: ARN of the dashboard.
  returned: when the dashboard exists (or existed, for O(state=absent)); not when it would be created in check mode
  type: str
  sample: arn:aws:cloudwatch::123456789012:dashboard/caseapp-prod
body:
  description: The dashboard body after the task, parsed (as predicted in check mode); empty when O(state=absent).
  returned: always
  type: dict
  sample: {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "Managed by Ansible"}}]}
validation_messages:
  description:
    - Warnings AWS returned with PutDashboard (the dashboard was saved but parts may not render).
    - Empty when PutDashboard was not called.
  returned: when O(state=present)
  type: list
  elements: dict
  contains:
    data_path:
      description: JSON path of the element the message is about.
      type: str
      sample: /widgets/0/properties/metrics/0
    message:
      description: The message.
      type: str
      sample: Should NOT have more than 4 items
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

# AnsibleModule.warn's own recorder: AnsibleAWSModule.warn would also pass warnings= to exit_json, which
# ansible-core 2.19 reports as a deprecation.
from ansible.module_utils.common.warnings import warn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import cloudwatch as cw


def _get(module, client, name):
    try:
        return cw.get_dashboard(client, name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to get dashboard {name}")


def _exit(module, changed, before, after, **result):
    if module._diff:
        result["diff"] = {"before": before or {}, "after": after or {}}
    module.exit_json(changed=changed, body=after or {}, **result)


def ensure_present(module, client, name, desired):
    current = _get(module, client, name)
    result = {"dashboard_name": name, "validation_messages": []}
    current_body = None
    if current:
        result["dashboard_arn"] = current.get("DashboardArn")
        current_body = cw.parse_current_body(current.get("DashboardBody"))
        if cw.bodies_equal(current_body, desired):
            _exit(module, False, current_body, current_body, **result)

    if module.check_mode:
        _exit(module, True, current_body, desired, **result)

    try:
        messages = cw.validation_messages(cw.put_dashboard(client, name, cw.dump_body(desired)))
    except is_boto3_error_code("InvalidParameterInput") as e:
        messages = cw.validation_messages_from_error(e)
        detail = f": {cw.format_validation_messages(messages)}" if messages else ""
        module.fail_json_aws(e, msg=f"AWS rejected the body of dashboard {name}{detail}", validation_messages=messages)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to put dashboard {name}")
    for message in messages:
        warn(f"Dashboard {name}: {message.get('data_path') or '/'}: {message.get('message')}")
    result["validation_messages"] = messages

    if "dashboard_arn" not in result:
        created = _get(module, client, name)
        if created:
            result["dashboard_arn"] = created.get("DashboardArn")
    _exit(module, True, current_body, desired, **result)


def ensure_absent(module, client, name):
    current = _get(module, client, name)
    if not current:
        _exit(module, False, None, None, dashboard_name=name)
    current_body = cw.parse_current_body(current.get("DashboardBody"))
    if not module.check_mode:
        try:
            cw.delete_dashboard(client, name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to delete dashboard {name}")
    _exit(module, True, current_body, None, dashboard_name=name, dashboard_arn=current.get("DashboardArn"))


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str", required=True, aliases=["dashboard_name"]),
        body=dict(type="raw"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["body"]]],
        supports_check_mode=True,
    )
    name = module.params["name"]
    problem = cw.validate_dashboard_name(name)
    if problem:
        module.fail_json(msg=problem)

    desired = None
    if module.params["state"] == "present":
        try:
            desired = cw.parse_body(module.params["body"])
        except cw.DashboardBodyError as e:
            module.fail_json(msg=f"Invalid body for dashboard {name}: {e}")

    client = module.client("cloudwatch")
    if module.params["state"] == "present":
        ensure_present(module, client, name, desired)
    else:
        ensure_absent(module, client, name)


if __name__ == "__main__":
    main()
