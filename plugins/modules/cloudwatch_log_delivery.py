#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_log_delivery
version_added: 0.1.0
short_description: Manage a CloudWatch Logs vended-log delivery (source, destination and the delivery between them)
description:
  - Converges the three parts of a CloudWatch Logs vended-log delivery ("logging v2") in one call - the
    delivery source (C(PutDeliverySource)) for an AWS resource that emits logs, for example a CloudFront
    distribution's C(ACCESS_LOGS); the delivery destination (C(PutDeliveryDestination)) - a log group, an S3
    bucket or a Firehose stream; and the delivery that connects them (C(CreateDelivery)).
  - This is how CloudFront standard logging reaches a log group, and how it reaches a bucket whose ACLs are
    disabled (S3 Object Ownership C(BucketOwnerEnforced)), which legacy CloudFront logging refuses.
    CloudFront deliveries must be made in us-east-1 (set O(region)).
  - A delivery source cannot be pointed at another resource or log type; when O(resource_arn) or
    O(log_type) differ, the deliveries of the source are deleted and the source is created again.
    The destination's output format cannot be changed either; it is created again likewise.
  - Neither amazon.aws nor community.aws has a module for these APIs.
  - With O(state=absent) the deliveries of the source to the destination, the source and the destination
    are deleted; what does not exist is left alone.
author: Platform Ops Maintainers (@platform-ops)
options:
  name:
    description:
      - Name of the delivery source (1 to 60 characters), and of the destination unless O(destination_name)
        is set.
    type: str
    required: true
  destination_name:
    description:
      - Name of the delivery destination; defaults to O(name).
    type: str
  resource_arn:
    description:
      - ARN of the resource that sends the logs, for example a CloudFront distribution ARN.
      - Required with O(state=present).
    type: str
  log_type:
    description:
      - Type of the logs the resource sends.
    type: str
    default: ACCESS_LOGS
  destination_resource_arn:
    description:
      - ARN of the log group, S3 bucket or Firehose delivery stream the logs go to. A log group ARN may end
        in V(:*) (as DescribeLogGroups returns it); the suffix is dropped.
      - Required with O(state=present).
    type: str
  output_format:
    description:
      - Format of the delivered records (V(json), V(plain), V(w3c), V(raw) or V(parquet), as the log type
        allows). Unset leaves it to AWS on creation and unchanged afterwards.
    type: str
    choices: [json, plain, w3c, raw, parquet]
  state:
    description:
      - Whether the delivery should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the distribution's access logs go to an encrypted log group (CloudFront logging v2)
  platform_ops.aws.cloudwatch_log_delivery:
    region: us-east-1
    name: caseapp-prod-assets-access
    resource_arn: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL
    log_type: ACCESS_LOGS
    destination_resource_arn: arn:aws:logs:us-east-1:123456789012:log-group:/platform/caseapp-prod/cloudfront-access
    output_format: json
    tags:
      Project: caseapp
    purge_tags: false

- name: Ensure the distribution's log delivery is gone
  platform_ops.aws.cloudwatch_log_delivery:
    region: us-east-1
    name: caseapp-prod-assets-access
    state: absent
"""

RETURN = r"""
delivery_source:
  description: The delivery source; empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: caseapp-prod-assets-access
    arn:
      description: Its ARN.
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:delivery-source:caseapp-prod-assets-access
    resource_arns:
      description: The resource that sends the logs.
      type: list
      elements: str
      sample: [arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL]
    log_type:
      description: The log type.
      type: str
      sample: ACCESS_LOGS
delivery_destination:
  description: The delivery destination; empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
      sample: caseapp-prod-assets-access
    arn:
      description: Its ARN.
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:delivery-destination:caseapp-prod-assets-access
    delivery_destination_type:
      description: CWL, S3 or FH.
      type: str
      sample: CWL
    delivery_destination_configuration:
      description: Where the logs go.
      type: dict
      sample: {destination_resource_arn: "arn:aws:logs:us-east-1:123456789012:log-group:/platform/caseapp-prod/cloudfront-access"}
delivery:
  description: The delivery from the source to the destination; empty when absent.
  returned: always
  type: dict
  contains:
    id:
      description: Its ID.
      type: str
      sample: AbCdEf0123456789
    arn:
      description: Its ARN.
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:delivery:AbCdEf0123456789
    delivery_source_name:
      description: The source.
      type: str
      sample: caseapp-prod-assets-access
    delivery_destination_arn:
      description: The destination.
      type: str
      sample: arn:aws:logs:us-east-1:123456789012:delivery-destination:caseapp-prod-assets-access
actions:
  description: What the run did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create delivery source caseapp-prod-assets-access", "create delivery"]
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError

    BOTO_ERRORS = (BotoCoreError, ClientError)
except ImportError:
    BOTO_ERRORS = ()  # AnsibleAWSModule reports the missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

# A delivery's resources may be unknown for a moment right after they were written.
RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ConflictException"])


@AWSRetry.jittered_backoff()
def _get_source(client, name):
    try:
        return client.get_delivery_source(name=name)["deliverySource"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def _get_destination(client, name):
    try:
        return client.get_delivery_destination(name=name)["deliveryDestination"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def _describe_deliveries_page(client, **kwargs):
    return client.describe_deliveries(**kwargs)


def _deliveries(client, source_name):
    found, token = [], None
    while True:
        page = _describe_deliveries_page(client, **({"nextToken": token} if token else {}))
        found.extend(d for d in page.get("deliveries", []) if d.get("deliverySourceName") == source_name)
        token = page.get("nextToken")
        if not token:
            return found


@AWSRetry.jittered_backoff()
def _tags(client, arn):
    return client.list_tags_for_resource(resourceArn=arn).get("tags") or {}


class LogDelivery:
    def __init__(self, module):
        self.module = module
        self.client = module.client("logs")
        self.params = module.params
        self.source_name = self.params["name"]
        self.destination_name = self.params["destination_name"] or self.params["name"]
        self.actions = []
        self.check = module.check_mode

    def call(self, action, method, **kwargs):
        """Record ``action``; outside check mode make the call (retried) and return its response."""
        self.actions.append(action)
        if self.check:
            return {}
        try:
            return RETRY(getattr(self.client, method))(**kwargs)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to {action}")

    def read(self):
        try:
            source = _get_source(self.client, self.source_name)
            destination = _get_destination(self.client, self.destination_name)
            deliveries = _deliveries(self.client, self.source_name) if source else []
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to read the log delivery {self.source_name}")
        return source, destination, deliveries

    def converge_tags(self, arn, kind):
        wanted = self.params["tags"]
        if wanted is None or not arn:
            return
        try:
            current = _tags(self.client, arn)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=f"Failed to read the tags of {arn}")
        to_set, to_unset = compare_aws_tags(current, wanted, self.params["purge_tags"])
        if to_set:
            self.call(f"tag {kind} {', '.join(sorted(to_set))}", "tag_resource", resourceArn=arn, tags=to_set)
        if to_unset:
            self.call(
                f"untag {kind} {', '.join(sorted(to_unset))}", "untag_resource", resourceArn=arn, tagKeys=to_unset
            )

    def present(self, current):
        p = self.params
        target = p["destination_resource_arn"]
        if target.endswith(":*"):
            target = target[:-2]
        source, destination, deliveries = current
        tags = p["tags"] or {}

        if source and (source.get("resourceArns") != [p["resource_arn"]] or source.get("logType") != p["log_type"]):
            for delivery in deliveries:
                self.call(
                    f"delete delivery {delivery['id']} of the replaced source", "delete_delivery", id=delivery["id"]
                )
            self.call(
                f"delete delivery source {self.source_name} (other resource or log type)",
                "delete_delivery_source",
                name=self.source_name,
            )
            source, deliveries = None, []
        if source is None:
            kwargs = dict(name=self.source_name, resourceArn=p["resource_arn"], logType=p["log_type"])
            if tags:
                kwargs["tags"] = tags
            source = self.call(f"create delivery source {self.source_name}", "put_delivery_source", **kwargs).get(
                "deliverySource"
            ) or {"name": self.source_name, "resourceArns": [p["resource_arn"]], "logType": p["log_type"]}
        else:
            self.converge_tags(source.get("arn"), "delivery source")

        current_target = ((destination or {}).get("deliveryDestinationConfiguration") or {}).get(
            "destinationResourceArn"
        )
        format_differs = (
            bool(p["output_format"]) and destination and destination.get("outputFormat") != p["output_format"]
        )
        if destination and format_differs:
            for delivery in [d for d in deliveries if d.get("deliveryDestinationArn") == destination.get("arn")]:
                self.call(
                    f"delete delivery {delivery['id']} (destination output format)",
                    "delete_delivery",
                    id=delivery["id"],
                )
                deliveries = [d for d in deliveries if d is not delivery]
            self.call(
                f"delete delivery destination {self.destination_name} (output format)",
                "delete_delivery_destination",
                name=self.destination_name,
            )
            destination = None
        if destination is None or current_target != target:
            kwargs = dict(
                name=self.destination_name, deliveryDestinationConfiguration={"destinationResourceArn": target}
            )
            if p["output_format"]:
                kwargs["outputFormat"] = p["output_format"]
            if destination is None and tags:
                kwargs["tags"] = tags
            verb = "create" if destination is None else "point"
            response = self.call(
                f"{verb} delivery destination {self.destination_name} to {target}", "put_delivery_destination", **kwargs
            )
            existed = destination is not None
            destination = response.get("deliveryDestination") or dict(
                destination or {},
                name=self.destination_name,
                deliveryDestinationConfiguration={"destinationResourceArn": target},
            )
            if existed:
                self.converge_tags(destination.get("arn"), "delivery destination")
        else:
            self.converge_tags(destination.get("arn"), "delivery destination")

        destination_arn = destination.get("arn")
        delivery = next(
            (d for d in deliveries if destination_arn and d.get("deliveryDestinationArn") == destination_arn), None
        )
        if delivery is None:
            kwargs = dict(deliverySourceName=self.source_name, deliveryDestinationArn=destination_arn or "")
            if tags:
                kwargs["tags"] = tags
            delivery = self.call("create delivery", "create_delivery", **kwargs).get("delivery") or {
                "deliverySourceName": self.source_name,
                "deliveryDestinationArn": destination_arn or "",
            }
        else:
            self.converge_tags(delivery.get("arn"), "delivery")
        return source, destination, delivery

    def absent(self, current):
        source, destination, deliveries = current
        destination_arn = (destination or {}).get("arn")
        for delivery in deliveries:
            if destination is None or delivery.get("deliveryDestinationArn") == destination_arn:
                self.call(f"delete delivery {delivery['id']}", "delete_delivery", id=delivery["id"])
        if source:
            self.call(f"delete delivery source {self.source_name}", "delete_delivery_source", name=self.source_name)
        if destination:
            self.call(
                f"delete delivery destination {self.destination_name}",
                "delete_delivery_destination",
                name=self.destination_name,
            )
        return source, destination


def _view(item):
    item = dict(item or {})
    item.pop("tags", None)
    return camel_dict_to_snake_dict(item)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        destination_name=dict(type="str"),
        resource_arn=dict(type="str"),
        log_type=dict(type="str", default="ACCESS_LOGS"),
        destination_resource_arn=dict(type="str"),
        output_format=dict(type="str", choices=["json", "plain", "w3c", "raw", "parquet"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["resource_arn", "destination_resource_arn"])],
    )
    for key in ("name", "destination_name"):
        value = module.params[key]
        if value is not None and not 1 <= len(value) <= 60:
            module.fail_json(msg=f"{key} {value!r} must be 1 to 60 characters long")

    manager = LogDelivery(module)
    before = manager.read()
    if module.params["state"] == "present":
        source, destination, delivery = manager.present(before)
        after = {
            "delivery_source": _view(source),
            "delivery_destination": _view(destination),
            "delivery": _view(delivery),
        }
        before_view = {
            "delivery_source": _view(before[0]),
            "delivery_destination": _view(before[1]),
            "delivery": _view(
                next((d for d in before[2] if (before[1] or {}).get("arn") == d.get("deliveryDestinationArn")), None)
            ),
        }
    else:
        source, destination = manager.absent(before)
        before_view = {"delivery_source": _view(source), "delivery_destination": _view(destination), "delivery": {}}
        after = {"delivery_source": {}, "delivery_destination": {}, "delivery": {}}

    result = dict(changed=bool(manager.actions), actions=manager.actions, **after)
    if module._diff:
        result["diff"] = {"before": before_view, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
