#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_cluster_settings
version_added: 0.1.0
short_description: Set the settings of an ECS cluster (Container Insights)
description:
  - Ensures the C(containerInsights) setting of an existing ECS cluster.
  - C(community.aws.ecs_cluster) creates clusters but has no option for their settings; this module fills
    that gap and changes nothing else of the cluster.
  - The current setting (DescribeClusters with SETTINGS) is compared with the desired one; UpdateCluster is
    called only when they differ.
author: Platform Ops Maintainers (@platform-ops)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster. It must exist and be active.
    type: str
    required: true
  container_insights:
    description:
      - V(enabled) turns on CloudWatch Container Insights, V(enhanced) Container Insights with enhanced
        observability, V(disabled) turns it off.
    type: str
    required: true
    choices: [enabled, enhanced, disabled]
notes:
  - Supports C(check_mode) and C(diff) (the setting before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure Container Insights is on for the platform cluster
  platform_ops.aws.ecs_cluster_settings:
    cluster: caseapp-prod
    container_insights: enabled
"""

RETURN = r"""
cluster_arn:
  description: ARN of the cluster.
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:cluster/caseapp-prod
container_insights:
  description: The C(containerInsights) setting after the task (as predicted in check mode).
  returned: always
  type: str
  sample: enabled
"""

import re

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

CLUSTER_RE = re.compile(r"^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/[A-Za-z0-9_-]{1,255})$")


@AWSRetry.jittered_backoff()
def _describe_cluster(client, cluster):
    return client.describe_clusters(clusters=[cluster], include=["SETTINGS"])


@AWSRetry.jittered_backoff(catch_extra_error_codes=["UpdateInProgressException"])
def _update_cluster(client, cluster, value):
    return client.update_cluster(cluster=cluster, settings=[{"name": "containerInsights", "value": value}])


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        container_insights=dict(type="str", required=True, choices=["enabled", "enhanced", "disabled"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    cluster, desired = module.params["cluster"], module.params["container_insights"]
    if not CLUSTER_RE.match(cluster):
        module.fail_json(
            msg=f"cluster {cluster!r} must be a cluster name (up to 255 letters, digits, hyphens and underscores) "
            "or a cluster ARN"
        )
    client = module.client("ecs")
    try:
        found = _describe_cluster(client, cluster)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe ECS cluster {cluster}")
    active = [c for c in found.get("clusters", []) if c.get("status") == "ACTIVE"]
    if not active:
        module.fail_json(msg=f"ECS cluster {cluster} does not exist or is not active: create it first")
    current_cluster = active[0]
    settings = {s.get("name"): s.get("value") for s in current_cluster.get("settings") or []}
    current = settings.get("containerInsights", "disabled")
    changed = current != desired
    if changed and not module.check_mode:
        try:
            _update_cluster(client, current_cluster["clusterArn"], desired)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to set containerInsights={desired} on ECS cluster {cluster}")
    result = {"cluster_arn": current_cluster["clusterArn"], "container_insights": desired}
    if module._diff:
        result["diff"] = {"before": {"container_insights": current}, "after": {"container_insights": desired}}
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
