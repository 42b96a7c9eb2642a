#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_health
short_description: Check that ECS services run healthy tasks of their current revision
version_added: 0.1.0
description:
  - Polls the listed services of one cluster until every one is healthy, then returns their state. When
    one is still unhealthy after O(wait_timeout), or unhealthy in a way waiting cannot mend, the module
    fails naming each unhealthy service and why.
  - A service is healthy when it exists and is C(ACTIVE); its PRIMARY deployment has not C(FAILED); its
    running count, and the running count of its PRIMARY deployment (the tasks of the revision it should run),
    reach its desired count; none of its running tasks reports C(healthStatus) C(UNHEALTHY); its running tasks
    of the current revision report C(HEALTHY) when that revision defines a container health check (C(UNKNOWN)
    is accepted when it defines none); and no task of its current revision stopped because it failed since
    the PRIMARY deployment was created (and within O(stopped_task_window)).
  - A stopped task counts as failed when its stop code is C(TaskFailedToStart) or C(EssentialContainerExited),
    or when a container exited with a non-zero code and the task was not stopped by a user, the service
    scheduler or a Spot interruption. Tasks the scheduler replaced after a failed ELB or container health
    check do not count (a flaky start would fail the check for an hour); an unhealthy running task does.
  - A missing cluster reports every service as not found.
  - A failed deployment, a failed task of the current revision or a missing service does not mend by
    waiting; the module then fails at once.
  - Reads only. Per poll it calls DescribeServices (10 services per call), ListTasks of the cluster for the
    RUNNING and the STOPPED tasks (paginated) and DescribeTasks (100 tasks per call) for the running tasks
    and the stopped ones not seen before; DescribeTaskDefinition once per revision, only when a task of
    it reports C(UNKNOWN). Service tasks are recognised by their C(group), C(service:<name>).
author: Platform Ops Maintainers (@platform-ops)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster running the services.
    required: true
    type: str
  services:
    description:
      - Names of the ECS services to check.
    required: true
    type: list
    elements: str
  wait_timeout:
    description:
      - Seconds to wait for every service to become healthy. V(0) checks once.
    type: int
    default: 300
  poll_interval:
    description:
      - Seconds before the second check; later checks back off exponentially (up to 30 seconds) with jitter.
    type: float
    default: 5
  stopped_task_window:
    description:
      - Only tasks that stopped at most this many seconds before the module started count as recent failures
        (and only those since the PRIMARY deployment was created). ECS lists stopped tasks for about an hour.
    type: int
    default: 3600
  fail_on_unhealthy:
    description:
      - Fail when a service is not healthy. With V(false) the module returns the results and RV(healthy=false).
    type: bool
    default: true
notes:
  - Supports C(check_mode); it makes the same reads and never changes anything (RV(ignore:changed) is always V(false)).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure every service runs healthy tasks of its current revision
  platform_ops.aws.ecs_service_health:
    cluster: caseapp-prod
    services:
      - caseapp-prod-backend
      - caseapp-prod-media-processor
    wait_timeout: 300
  register: ecs_health

- name: Report the services
  ansible.builtin.debug:
    msg: "{{ item.service }}: {{ item.running }}/{{ item.desired }} running, healthy={{ item.healthy }}"
  loop: "{{ ecs_health.services }}"
"""

RETURN = r"""
healthy:
  description: Whether every service is healthy.
  returned: always
  type: bool
  sample: true
unhealthy:
  description: Names of the services that are not healthy.
  returned: always
  type: list
  elements: str
  sample: [caseapp-prod-media-processor]
failures:
  description: "One line per unhealthy service, C(<service>: <reasons> (last events: ...)), as in the failure message."
  returned: always
  type: list
  elements: str
  sample: ["caseapp-prod-worker: running 0/1 tasks (1 pending) (last events: (service caseapp-prod-worker) ...)"]
attempts:
  description: Number of checks made.
  returned: always
  type: int
  sample: 1
services:
  description: One entry per requested service, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: Name of the service.
      type: str
      sample: caseapp-prod-backend
    healthy:
      description: Whether the service is healthy.
      type: bool
      sample: true
    running:
      description: Running count of the service (tasks of every revision); V(0) for a missing service.
      type: int
      sample: 2
    desired:
      description: Desired count of the service.
      type: int
      sample: 2
    pending:
      description: Pending count of the service.
      type: int
      sample: 0
    task_definition:
      description: ARN of the task definition the service runs; V(null) for a missing service.
      type: str
      sample: arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:5
    rollout_state:
      description: C(rolloutState) of the PRIMARY deployment (C(COMPLETED), C(IN_PROGRESS), C(FAILED)), V(null) when unknown.
      type: str
      sample: COMPLETED
    reasons:
      description: Why the service is not healthy; empty when it is.
      type: list
      elements: str
      sample: ["running 0/1 tasks (1 pending)"]
    unhealthy_tasks:
      description: IDs of running tasks that report C(UNHEALTHY).
      type: list
      elements: str
      sample: []
    failed_tasks:
      description: Number of recently stopped failed tasks of the current revision.
      type: int
      sample: 0
    events:
      description: The last service events (newest first, at most 3).
      type: list
      elements: str
      sample: ["(service caseapp-prod-backend) has reached a steady state."]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs_health import (
    ServiceHealthChecker,
    describe_failure,
)


def validate_params(module):
    params = module.params
    if not params["cluster"].strip():
        module.fail_json(msg="cluster must not be empty")
    names = params["services"]
    if not names:
        module.fail_json(msg="services must name at least one service")
    empty = [index for index, name in enumerate(names) if not str(name).strip()]
    if empty:
        module.fail_json(msg=f"services must not contain empty names (positions {empty})")
    if params["wait_timeout"] < 0:
        module.fail_json(msg=f"wait_timeout must be 0 or more, got {params['wait_timeout']}")
    if params["poll_interval"] <= 0:
        module.fail_json(msg=f"poll_interval must be greater than 0, got {params['poll_interval']}")
    if params["stopped_task_window"] < 0:
        module.fail_json(msg=f"stopped_task_window must be 0 or more, got {params['stopped_task_window']}")


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        services=dict(type="list", elements="str", required=True),
        wait_timeout=dict(type="int", default=300),
        poll_interval=dict(type="float", default=5),
        stopped_task_window=dict(type="int", default=3600),
        fail_on_unhealthy=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    params = module.params
    client = module.client("ecs")
    checker = ServiceHealthChecker(
        client, params["cluster"], params["services"], stopped_task_window=params["stopped_task_window"]
    )
    try:
        results, attempts = checker.wait(params["wait_timeout"], params["poll_interval"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the services of ECS cluster {params['cluster']}")

    for result in results:
        result.pop("terminal", None)
    unhealthy = [result for result in results if not result["healthy"]]
    output = dict(
        changed=False,
        healthy=not unhealthy,
        unhealthy=[result["service"] for result in unhealthy],
        failures=[describe_failure(result) for result in unhealthy],
        attempts=attempts,
        services=results,
    )
    if unhealthy and params["fail_on_unhealthy"]:
        module.fail_json(
            msg=f"{len(unhealthy)} of {len(results)} ECS service(s) in cluster {params['cluster']} not healthy "
            f"after {attempts} check(s): " + " || ".join(output["failures"]),
            **output,
        )
    module.exit_json(**output)


if __name__ == "__main__":
    main()
