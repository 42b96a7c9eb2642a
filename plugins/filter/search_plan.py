# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The search role's policy plans (issue 15): the domain's log publishing options with the CloudWatch Logs
resource policy that lets it publish, and the domain's access policy, compared from the role's one read as
``platform_ops.aws.opensearch_log_publishing`` and ``platform_ops.aws.opensearch_access_policy`` compare them
(``module_utils/opensearch_plan.py``, which those modules run), so that neither module runs on a converged domain.
A parameter the module would refuse, or a domain the read did not find, counts as a difference: the module runs."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils.opensearch_plan import (
    access_policy_differences,
    log_publishing_differences,
)


def search_policy_reads(domain):
    """The reads ``search_policies_plan`` needs besides the domain (``search_state_reads``' ``domain``): the
    domain's configuration (its log publishing options) and the region's CloudWatch Logs resource policies (all of
    them: the module reads them all, to check the quota of ten)."""
    return [
        {
            "id": "domain_config",
            "service": "opensearch",
            "operation": "describe_domain_config",
            "params": {"DomainName": domain},
            "missing_ok": ["ResourceNotFoundException"],
        },
        {
            "id": "resource_policies",
            "service": "logs",
            "operation": "describe_resource_policies",
            "paginate": True,
        },
    ]


def search_policies_plan(responses, domain, log_groups, policy_name, access_policy):
    """``{"log_publishing": [...], "access_policy": [...]}``: what each module would change (as short reasons;
    empty when nothing) on the domain ``domain`` as the read ``responses`` found it, for the log groups
    ``log_groups`` ({log type: name}), the resource policy ``policy_name`` and the access policy
    ``access_policy`` (a dict; None: that module is not run)."""
    responses = responses or {}
    status = (responses.get("domain") or {}).get("DomainStatus")
    config = (responses.get("domain_config") or {}).get("DomainConfig")
    policies = (responses.get("resource_policies") or {}).get("resourcePolicies") or []
    params = {
        "state": "present",
        "domain_name": domain,
        "log_groups": dict(log_groups or {}),
        "purge": True,
        "resource_policy_name": policy_name,
        "policy_propagation_timeout": 60,
    }
    return {
        "log_publishing": log_publishing_differences(status, config, policies, params),
        "access_policy": [] if access_policy is None else access_policy_differences(domain, status, access_policy),
    }


class FilterModule:
    def filters(self):
        return {"search_policy_reads": search_policy_reads, "search_policies_plan": search_policies_plan}
