#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_scale
version_added: 0.1.0
short_description: Set the desired count and autoscaling bounds of a set of ECS services
description:
  - Ensures that each ECS service of O(services) has the given desired count (UpdateService with
    C(desiredCount) only; the task definition, network and load balancers are left as they are) and,
    when O(services[].min_count) and O(services[].max_count) are given, that its Application Auto
    Scaling scalable target (C(ecs:service:DesiredCount)) has those bounds (RegisterScalableTarget;
    the scaling policies are kept).
  - The DR failover scales the DR region's pilot-light services (0 tasks) to their production counts
    and the failback scales them back to 0, in one call each.
  - M(community.aws.ecs_service) needs the whole service specification to change the count, and
    M(community.aws.application_autoscaling_policy) registers a target only together with a policy.
  - Only the bounds are compared on an existing scalable target; a service without one gets one when
    min and max are given.
author: Platform Ops Maintainers (@platform-ops)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster.
    type: str
    required: true
  services:
    description:
      - The services and their counts.
    type: list
    elements: dict
    required: true
    suboptions:
      service:
        description: Name of the service.
        type: str
        required: true
      desired_count:
        description: Tasks the service runs (0 or more; between min and max when they are given).
        type: int
        required: true
      min_count:
        description: Lower bound of the scalable target. Given together with O(services[].max_count).
        type: int
      max_count:
        description: Upper bound of the scalable target. Given together with O(services[].min_count).
        type: int
notes:
  - Supports C(check_mode) and C(diff) (C(before)/C(after) map each service to its desired, min and max count).
  - It does not wait for the deployment; use M(platform_ops.aws.ecs_service_health) or M(platform_ops.aws.ecs_rollout).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the DR services run their production counts
  platform_ops.aws.ecs_service_scale:
    region: us-west-2
    cluster: caseapp-prod
    services:
      - service: caseapp-prod-backend
        desired_count: 2
        min_count: 2
        max_count: 6
"""

RETURN = r"""
services:
  description: Each service with its counts after the run (would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: Name of the service.
      type: str
      sample: caseapp-prod-backend
    desired_count:
      description: The desired count.
      type: int
      sample: 2
    min_count:
      description: The scalable target's lower bound (null without a scalable target).
      type: int
      sample: 2
    max_count:
      description: The scalable target's upper bound (null without a scalable target).
      type: int
      sample: 6
    changed:
      description: Whether this service changed.
      type: bool
      sample: true
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

DIMENSION = "ecs:service:DesiredCount"
BATCH = 10  # DescribeServices takes at most 10 services per call


@AWSRetry.jittered_backoff()
def _describe_services(client, cluster, names):
    return client.describe_services(cluster=cluster, services=names)


@AWSRetry.jittered_backoff()
def _update_service(client, cluster, service, count):
    return client.update_service(cluster=cluster, service=service, desiredCount=count)


@AWSRetry.jittered_backoff()
def _describe_scalable_targets(client, resource_ids):
    paginator = client.get_paginator("describe_scalable_targets")
    return (
        paginator.paginate(ServiceNamespace="ecs", ResourceIds=resource_ids, ScalableDimension=DIMENSION)
        .build_full_result()
        .get("ScalableTargets", [])
    )


@AWSRetry.jittered_backoff()
def _register_scalable_target(client, resource_id, minimum, maximum):
    return client.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension=DIMENSION,
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


def validate(module, services):
    names = [s["service"] for s in services]
    if not services or len(set(names)) != len(names):
        module.fail_json(msg=f"services must be a non-empty list of distinct services, got {names}")
    for svc in services:
        bounds = (svc.get("min_count"), svc.get("max_count"))
        if svc["desired_count"] < 0:
            module.fail_json(msg=f"{svc['service']}: desired_count must be 0 or more, got {svc['desired_count']}")
        if (bounds[0] is None) != (bounds[1] is None):
            module.fail_json(msg=f"{svc['service']}: min_count and max_count are given together")
        if bounds[0] is not None and not 0 <= bounds[0] <= svc["desired_count"] <= bounds[1]:
            module.fail_json(
                msg=f"{svc['service']}: 0 <= min_count <= desired_count <= max_count is required, got "
                f"{bounds[0]} <= {svc['desired_count']} <= {bounds[1]}"
            )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            services=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    service=dict(type="str", required=True),
                    desired_count=dict(type="int", required=True),
                    min_count=dict(type="int"),
                    max_count=dict(type="int"),
                ),
            ),
        ),
        supports_check_mode=True,
    )
    cluster = module.params["cluster"]
    services = module.params["services"]
    validate(module, services)
    cluster_name = cluster.split("/")[-1]
    ecs = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    scaling = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    names = [s["service"] for s in services]

    try:
        existing = {}
        for i in range(0, len(names), BATCH):
            answer = _describe_services(ecs, cluster, names[i : i + BATCH])
            existing.update({s["serviceName"]: s for s in answer["services"] if s.get("status") == "ACTIVE"})
        missing = [n for n in names if n not in existing]
        if missing:
            module.fail_json(msg=f"No active ECS service {', '.join(missing)} in cluster {cluster_name}")
        resource_ids = [f"service/{cluster_name}/{n}" for n in names]
        targets = {t["ResourceId"]: t for t in _describe_scalable_targets(scaling, resource_ids)}
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the ECS services of {cluster_name} and their scalable targets")

    results, before, after = [], {}, {}
    for svc in services:
        name = svc["service"]
        resource_id = f"service/{cluster_name}/{name}"
        target = targets.get(resource_id)
        have = {
            "desired_count": existing[name]["desiredCount"],
            "min_count": target["MinCapacity"] if target else None,
            "max_count": target["MaxCapacity"] if target else None,
        }
        want = dict(have, desired_count=svc["desired_count"])
        if svc.get("min_count") is not None:
            want.update(min_count=svc["min_count"], max_count=svc["max_count"])
        bounds_change = (want["min_count"], want["max_count"]) != (have["min_count"], have["max_count"])
        count_change = want["desired_count"] != have["desired_count"]
        if not module.check_mode:
            try:
                # Bounds first: Application Auto Scaling would otherwise move the count back into the old bounds.
                if bounds_change:
                    _register_scalable_target(scaling, resource_id, want["min_count"], want["max_count"])
                if count_change:
                    _update_service(ecs, cluster, name, want["desired_count"])
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Failed to scale {name} in {cluster_name}")
        before[name], after[name] = have, want
        results.append(dict(want, service=name, changed=bounds_change or count_change))

    module.exit_json(
        changed=any(r["changed"] for r in results), services=results, diff={"before": before, "after": after}
    )


if __name__ == "__main__":
    main()
