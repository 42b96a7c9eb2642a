#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_task_definition
version_added: 0.1.0
short_description: Ensure the latest revision of an ECS task definition family is the given definition, registering it once
description:
  - Compares the given task definition with the latest C(ACTIVE) revision of O(family) and registers a new
    revision only when they differ (values ECS fills in by itself, such as a container's C(cpu) of V(0),
    C(essential=true) or the C(tcp) protocol of a port mapping, do not count as a difference).
  - C(RegisterTaskDefinition) takes no idempotency token, so a retry of a request that AWS applied but
    answered with an error (HTTP 5xx, a timeout) registers a second, identical revision. This module sends
    it without automatic retries; after an error whose outcome is unknown it reads the family again and
    uses the revision its request registered, sending the request again only when there is none.
    Throttling is retried with backoff. A re-run after a failed run reuses the revision instead of
    registering an identical one.
  - Takes the same arguments as the registering part of C(community.aws.ecs_taskdefinition) (containers
    are camelCase container definitions) and returns the revision as RV(taskdefinition) like it does.
author: Platform Ops Maintainers (@platform-ops)
options:
  family:
    description:
      - Name of the task definition family.
    type: str
    required: true
  containers:
    description:
      - Container definitions, with the keys of the ECS API (C(name), C(image), C(portMappings), ...).
    type: list
    elements: dict
    required: true
  network_mode:
    description:
      - Docker networking mode of the containers.
    type: str
    choices: [bridge, host, awsvpc, none]
    default: awsvpc
  launch_type:
    description:
      - Launch type the task definition is validated against (C(requiresCompatibilities)).
    type: str
    choices: [FARGATE, EC2, EXTERNAL]
  cpu:
    description:
      - Task-level CPU units (for example V(256)) or vCPU (V(0.25 vCPU)).
    type: str
  memory:
    description:
      - Task-level memory in MiB (for example V(512)) or GB (V(0.5GB)).
    type: str
  execution_role_arn:
    description:
      - ARN of the role the ECS agent uses to pull images and read secrets.
    type: str
  task_role_arn:
    description:
      - ARN of the role the containers assume. An empty string means none.
    type: str
  volumes:
    description:
      - Volumes of the task, with the keys of the ECS API.
    type: list
    elements: dict
  runtime_platform:
    description:
      - Operating system family and CPU architecture (C(operatingSystemFamily), C(cpuArchitecture)).
    type: dict
  tags:
    description:
      - Tags of a newly registered revision. Tags are part of the comparison.
      - Not compared when unset.
    type: dict
    aliases: ["resource_tags"]
notes:
  - Supports check mode and diff mode (the family's latest revision and the definition that would be registered).
  - Revisions are never deregistered here.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the backend task definition is registered
  platform_ops.aws.ecs_task_definition:
    family: caseapp-prod-backend
    network_mode: awsvpc
    launch_type: FARGATE
    cpu: "512"
    memory: "1024"
    execution_role_arn: arn:aws:iam::123456789012:role/caseapp-prod-ecs-execution
    task_role_arn: arn:aws:iam::123456789012:role/caseapp-prod-backend-task
    containers:
      - name: backend
        image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123
        essential: true
        memoryReservation: 512
        portMappings:
          - containerPort: 8000
    runtime_platform:
      operatingSystemFamily: LINUX
      cpuArchitecture: ARM64
  register: backend_task_definition
"""

RETURN = r"""
taskdefinition:
  description:
    - The revision the family's latest ACTIVE revision now is (as C(DescribeTaskDefinition) returns it).
    - Not returned in check mode when a revision would be registered.
  returned: unless a revision would be registered in check mode
  type: dict
  sample: {"taskDefinitionArn": "arn:aws:ecs:us-east-1:123456789012:task-definition/caseapp-prod-backend:7",
           "family": "caseapp-prod-backend", "revision": 7, "status": "ACTIVE"}
registered:
  description: Whether a new revision was (or, in check mode, would be) registered.
  returned: always
  type: bool
  sample: true
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    comparable_registration,
    describe_task_definition,
    register_task_definition,
    registrable_task_definition,
    same_registration,
    short_task_definition,
)

INT_CONTAINER_FIELDS = ("cpu", "memory", "memoryReservation", "startTimeout", "stopTimeout")


def validate_params(module):
    params = module.params
    if not params["family"].strip():
        module.fail_json(msg="family must not be empty")
    if not params["containers"]:
        module.fail_json(msg="containers must list at least one container definition")
    names = []
    for index, container in enumerate(params["containers"]):
        if not container.get("name") or not container.get("image"):
            module.fail_json(msg=f"containers[{index}] needs a name and an image")
        names.append(container["name"])
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        module.fail_json(msg=f"containers: these names are used more than once: {', '.join(duplicates)}")


def _integers(container):
    """Numbers as the API wants them (Jinja may render them as strings); awsvpc host ports checked."""
    container = copy.deepcopy(container)
    for field in INT_CONTAINER_FIELDS:
        if container.get(field) is not None:
            container[field] = int(container[field])
    for mapping in container.get("portMappings") or []:
        for port in ("containerPort", "hostPort"):
            if mapping.get(port) is not None:
                mapping[port] = int(mapping[port])
    return container


def build_request(module):
    params = module.params
    network_mode = params["network_mode"]
    containers = [_integers(container) for container in params["containers"]]
    for container in containers:
        for mapping in container.get("portMappings") or []:
            if network_mode == "awsvpc" and mapping.get("hostPort") not in (None, mapping.get("containerPort")):
                module.fail_json(
                    msg=f"container {container['name']}: in awsvpc network mode the host port must equal the "
                    f"container port or be left out (got {mapping['hostPort']} for {mapping.get('containerPort')})"
                )
    request = {"family": params["family"].strip(), "containerDefinitions": containers, "networkMode": network_mode}
    optional = {
        "cpu": params["cpu"],
        "memory": params["memory"],
        "executionRoleArn": params["execution_role_arn"],
        "taskRoleArn": params["task_role_arn"],
        "volumes": params["volumes"],
        "runtimePlatform": params["runtime_platform"],
    }
    for field, value in optional.items():
        if value not in (None, "", [], {}):
            request[field] = copy.deepcopy(value)
    if params["launch_type"]:
        request["requiresCompatibilities"] = [params["launch_type"]]
    if params["tags"]:
        request["tags"] = [{"key": str(k), "value": str(v)} for k, v in sorted(params["tags"].items())]
    return request


def main():
    argument_spec = dict(
        family=dict(type="str", required=True),
        containers=dict(type="list", elements="dict", required=True),
        network_mode=dict(type="str", default="awsvpc", choices=["bridge", "host", "awsvpc", "none"]),
        launch_type=dict(type="str", choices=["FARGATE", "EC2", "EXTERNAL"]),
        cpu=dict(type="str"),
        memory=dict(type="str"),
        execution_role_arn=dict(type="str"),
        task_role_arn=dict(type="str"),
        volumes=dict(type="list", elements="dict"),
        runtime_platform=dict(type="dict"),
        tags=dict(type="dict", aliases=["resource_tags"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate_params(module)
    request = build_request(module)
    family = request["family"]
    client = module.client("ecs")

    try:
        latest, latest_tags = describe_task_definition(client, family)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe task definition family {family}")
    compare_tags = module.params["tags"] is not None  # unset: tags are not managed here
    up_to_date = same_registration(latest, latest_tags, request, compare_tags)

    result = {"changed": not up_to_date, "registered": not up_to_date}
    if module._diff:
        before = {}
        if latest is not None:
            before = comparable_registration(
                registrable_task_definition(
                    latest, latest_tags if compare_tags else [], latest.get("containerDefinitions") or []
                )
            )
            before["revision"] = short_task_definition(latest["taskDefinitionArn"])
        after = dict(before) if up_to_date else dict(comparable_registration(request), revision="(new revision)")
        result["diff"] = {"before": before, "after": after}
    if up_to_date:
        module.exit_json(taskdefinition=latest, **result)
    if module.check_mode:
        module.exit_json(**result)

    try:
        task_definition, registered = register_task_definition(module, client, request, compare_tags)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to register task definition {family}")
    result.update(changed=registered, registered=registered)
    module.exit_json(taskdefinition=task_definition, **result)


if __name__ == "__main__":
    main()
