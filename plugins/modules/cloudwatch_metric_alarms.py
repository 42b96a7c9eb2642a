#!/usr/bin/python
# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
version_added: 0.3.0
short_description: Converge a set of CloudWatch metric alarms in one module run
description:
  - Reads the alarms named in O(alarms) (DescribeAlarms, up to 100 names per call) and calls PutMetricAlarm only
    for those missing or differing from their item, in one module run. C(amazon.aws.cloudwatch_metric_alarm) takes
    one alarm per task, so a role converging a dozen alarms started a dozen module processes.
  - Everything an item sets is compared (metric, statistic, dimensions, threshold, periods, description,
    missing-data treatment and the three action lists), with the rule the monitoring role's plan uses.
    PutMetricAlarm replaces the whole definition of an alarm it writes.
  - Alarms not listed are left alone; deleting alarms is C(amazon.aws.cloudwatch_metric_alarm) with
    C(state=absent).
author: Platform Ops Maintainers (@platform-ops)
options:
  alarms:
    description:
      - The alarms. Each O(alarms[].name) is unique.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The alarm's name.
        type: str
        required: true
      description:
        description: The alarm's description.
        type: str
        default: ""
      namespace:
        description: The metric's namespace, for example V(AWS/ECS).
        type: str
        required: true
      metric_name:
        description: The metric's name, for example V(CPUUtilization).
        type: str
        required: true
      dimensions:
        description: The metric's dimensions, name to value.
        type: dict
        default: {}
      statistic:
        description: The statistic. Exactly one of O(alarms[].statistic) and O(alarms[].extended_statistic) is set.
        type: str
        choices: [SampleCount, Average, Sum, Minimum, Maximum]
      extended_statistic:
        description: A percentile statistic, for example V(p99).
        type: str
      comparison:
        description: How the statistic is compared with O(alarms[].threshold).
        type: str
        required: true
        choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
      threshold:
        description: The threshold.
        type: float
        required: true
      period:
        description: The period in seconds (10, 30 or a multiple of 60).
        type: int
        required: true
      evaluation_periods:
        description: How many periods are evaluated.
        type: int
        required: true
      datapoints_to_alarm:
        description: How many of the evaluated periods must breach; defaults to O(alarms[].evaluation_periods).
        type: int
      treat_missing_data:
        description: How missing data points are treated.
        type: str
        choices: [breaching, notBreaching, ignore, missing]
        default: missing
      alarm_actions:
        description: ARNs notified when the alarm enters ALARM.
        type: list
        elements: str
        default: []
      ok_actions:
        description: ARNs notified when the alarm returns to OK.
        type: list
        elements: str
        default: []
      insufficient_data_actions:
        description: ARNs notified when the alarm enters INSUFFICIENT_DATA.
        type: list
        elements: str
        default: []
notes:
  - Supports C(check_mode) and C(diff) (each written alarm's definition before and after).
  - Each call is retried with jittered backoff on throttling.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the service alarms notify the alarm topic
  platform_ops.aws.cloudwatch_metric_alarms:
    alarms:
      - name: caseapp-prod-ecs-api-cpu
        description: CPU of caseapp-prod-api above 80 %
        namespace: AWS/ECS
        metric_name: CPUUtilization
        dimensions: {ClusterName: caseapp-prod, ServiceName: caseapp-prod-api}
        statistic: Average
        comparison: GreaterThanOrEqualToThreshold
        threshold: 80
        period: 300
        evaluation_periods: 3
        alarm_actions: [arn:aws:sns:us-east-1:123456789012:caseapp-prod-alarms]
        ok_actions: [arn:aws:sns:us-east-1:123456789012:caseapp-prod-alarms]
"""

RETURN = r"""
written:
  description: The names of the alarms that were created or updated (that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: ["caseapp-prod-ecs-api-cpu"]
differences:
  description: For each written alarm, the fields that differed (C(missing) for an alarm that did not exist).
  returned: always
  type: dict
  sample: {"caseapp-prod-ecs-api-cpu": ["threshold"]}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils import cloudwatch as cw

ALARM_OPTIONS = dict(
    name=dict(type="str", required=True),
    description=dict(type="str", default=""),
    namespace=dict(type="str", required=True),
    metric_name=dict(type="str", required=True),
    dimensions=dict(type="dict", default={}),
    statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
    extended_statistic=dict(type="str"),
    comparison=dict(
        type="str",
        required=True,
        choices=[
            "GreaterThanOrEqualToThreshold",
            "GreaterThanThreshold",
            "LessThanThreshold",
            "LessThanOrEqualToThreshold",
        ],
    ),
    threshold=dict(type="float", required=True),
    period=dict(type="int", required=True),
    evaluation_periods=dict(type="int", required=True),
    datapoints_to_alarm=dict(type="int"),
    treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"),
    alarm_actions=dict(type="list", elements="str", default=[]),
    ok_actions=dict(type="list", elements="str", default=[]),
    insufficient_data_actions=dict(type="list", elements="str", default=[]),
)


def validate(module):
    """Refuse bad input before any AWS call; returns the alarms with datapoints_to_alarm filled in."""
    alarms, seen = [], set()
    for index, alarm in enumerate(module.params["alarms"]):
        name = alarm["name"]
        if not name or name in seen:
            module.fail_json(msg=f"alarms[{index}]: name {name!r} is empty or used twice")
        seen.add(name)
        if bool(alarm.get("statistic")) == bool(alarm.get("extended_statistic")):
            module.fail_json(msg=f"alarms[{index}] ({name}): set exactly one of statistic and extended_statistic")
        if alarm["period"] not in (10, 20, 30) and (alarm["period"] < 60 or alarm["period"] % 60):
            module.fail_json(msg=f"alarms[{index}] ({name}): period must be 10, 20, 30 or a multiple of 60")
        if alarm["evaluation_periods"] < 1:
            module.fail_json(msg=f"alarms[{index}] ({name}): evaluation_periods must be at least 1")
        datapoints = alarm.get("datapoints_to_alarm") or alarm["evaluation_periods"]
        if not 1 <= datapoints <= alarm["evaluation_periods"]:
            module.fail_json(msg=f"alarms[{index}] ({name}): datapoints_to_alarm must be 1 to evaluation_periods")
        alarms.append(dict(alarm, datapoints_to_alarm=datapoints))
    return alarms


def _definition(alarm):
    """The part of an alarm (snake_case, as DescribeAlarms gives it once converted) a diff shows."""
    keys = (
        "alarm_description",
        "namespace",
        "metric_name",
        "dimensions",
        "statistic",
        "extended_statistic",
        "comparison_operator",
        "threshold",
        "period",
        "evaluation_periods",
        "datapoints_to_alarm",
        "treat_missing_data",
        "alarm_actions",
        "ok_actions",
        "insufficient_data_actions",
    )
    return {key: alarm[key] for key in keys if alarm.get(key) not in (None, "")}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(alarms=dict(type="list", elements="dict", required=True, options=ALARM_OPTIONS)),
        supports_check_mode=True,
    )
    alarms = validate(module)
    client = module.client("cloudwatch")
    names = [alarm["name"] for alarm in alarms]
    try:
        found = cw.describe_metric_alarms(client, names) if names else []
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to read the alarms")
    existing = {alarm["AlarmName"]: camel_dict_to_snake_dict(alarm) for alarm in found}

    written, differences, before, after = [], {}, {}, {}
    for alarm in alarms:
        have = existing.get(alarm["name"])
        differs = cw.alarm_differences(alarm, have)
        if not differs:
            continue
        params = cw.put_metric_alarm_params(alarm)
        if not module.check_mode:
            try:
                cw.put_metric_alarm(client, params)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Failed to put alarm {alarm['name']}", written=written)
        written.append(alarm["name"])
        differences[alarm["name"]] = differs
        before[alarm["name"]] = _definition(have or {})
        after[alarm["name"]] = _definition(camel_dict_to_snake_dict(params))

    result = dict(changed=bool(written), written=written, differences=differences)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
