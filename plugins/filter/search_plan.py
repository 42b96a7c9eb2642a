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
    """The reads ``search_policies_plan`` and ``search_domain_differences`` need besides the domain
    (``search_state_reads``' ``domain``): the domain's configuration (its options, its log publishing options), the
    region's CloudWatch Logs resource policies (all of them: the module reads them all, to check the quota of ten)
    and the domain's tags."""
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
        {
            "id": "domain_tags",
            "service": "opensearch",
            "operation": "list_tags",
            "params": {},
            "params_from": {"ARN": "domain.DomainStatus.ARN"},
            "missing_ok": ["ResourceNotFoundException"],
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


def _options(config):
    """DescribeDomainConfig's ``{option: {"Options": value, "Status": ...}}`` as ``{option: value}`` (what
    community.aws.opensearch compares against: its ``get_domain_config``)."""
    return {
        key: value["Options"] for key, value in (config or {}).items() if isinstance(value, dict) and "Options" in value
    }


def _cluster_config(current, wanted):
    config = dict(current)
    config.update(
        InstanceType=wanted["instance_type"],
        InstanceCount=wanted["instance_count"],
        ZoneAwarenessEnabled=wanted["zone_awareness"],
        DedicatedMasterEnabled=wanted["dedicated_master"],
    )
    if config["ZoneAwarenessEnabled"] and wanted.get("availability_zone_count") is not None:
        config["ZoneAwarenessConfig"] = {"AvailabilityZoneCount": wanted["availability_zone_count"]}
    if config["DedicatedMasterEnabled"]:
        for key, name in (
            ("DedicatedMasterType", "dedicated_master_instance_type"),
            ("DedicatedMasterCount", "dedicated_master_instance_count"),
        ):
            if wanted.get(name) is not None:
                config[key] = wanted[name]
    return config


def _advanced_security(current, wanted):
    if not wanted["enabled"]:
        return {"Enabled": False}
    config = dict(current, Enabled=True, InternalUserDatabaseEnabled=wanted["internal_user_database_enabled"])
    config["MasterUserOptions"] = dict(current.get("MasterUserOptions") or {}, MasterUserARN=wanted["master_user_arn"])
    return config


def search_domain_differences(responses, wanted):
    """What ``community.aws.opensearch`` would change on the domain as the role's read (``search_state_reads`` +
    ``search_policy_reads``) found it, compared as that module compares (its ``set_*_options`` functions, 10.x):
    each option it is given, set over a copy of the current one, against the current one. ``wanted`` holds the
    role's module arguments as data: ``engine_version``, ``cluster`` (instance_type, instance_count, zone_awareness,
    availability_zone_count, dedicated_master, dedicated_master_instance_type, dedicated_master_instance_count),
    ``ebs`` (volume_type, volume_size), ``subnets``, ``security_groups``, ``kms_key_id``, ``tls_security_policy``,
    ``advanced_security`` (enabled, internal_user_database_enabled, master_user_arn), ``auto_tune`` (ENABLED or
    DISABLED) and ``tags`` (kept, never purged). A list of short reasons; empty: the module would change nothing, so
    it need not run. A domain the read did not find (or is deleting) is ``["domain missing"]``."""
    responses = responses or {}
    status = (responses.get("domain") or {}).get("DomainStatus")
    config = _options((responses.get("domain_config") or {}).get("DomainConfig"))
    if not status or status.get("Deleted") or not config:
        return ["domain missing"]
    reasons = []

    def differs(reason, current, desired):
        if current != desired:
            reasons.append(reason)

    differs("engine version", config.get("EngineVersion"), wanted["engine_version"])
    cluster = config.get("ClusterConfig") or {}
    differs("cluster", cluster, _cluster_config(cluster, wanted["cluster"]))
    ebs = config.get("EBSOptions") or {}
    differs(
        "EBS",
        ebs,
        dict(ebs, EBSEnabled=True, VolumeType=wanted["ebs"]["volume_type"], VolumeSize=wanted["ebs"]["volume_size"]),
    )
    encryption = config.get("EncryptionAtRestOptions") or {}
    differs("encryption at rest", encryption, dict(encryption, Enabled=True, KmsKeyId=wanted["kms_key_id"]))
    node_to_node = config.get("NodeToNodeEncryptionOptions") or {}
    differs("node-to-node encryption", node_to_node, dict(node_to_node, Enabled=True))
    vpc = config.get("VPCOptions") or {}
    if not vpc.get("SubnetIds"):
        reasons.append("VPC")
    else:
        differs("subnets", set(vpc.get("SubnetIds") or []), set(wanted["subnets"]))
        differs("security groups", set(vpc.get("SecurityGroupIds") or []), set(wanted["security_groups"]))
    security = config.get("AdvancedSecurityOptions") or {}
    differs("advanced security", security, _advanced_security(security, wanted["advanced_security"]))
    endpoint = config.get("DomainEndpointOptions") or {}
    if "CustomEndpointEnabled" not in endpoint:
        reasons.append("endpoint options")  # the module reads that key: let it run (and answer) for itself
    else:
        differs(
            "endpoint options",
            endpoint,
            dict(endpoint, EnforceHTTPS=True, TLSSecurityPolicy=wanted["tls_security_policy"]),
        )
    auto_tune = config.get("AutoTuneOptions") or {}
    desired_schedules = [] if wanted["auto_tune"] == "ENABLED" else auto_tune.get("MaintenanceSchedules")
    if (
        auto_tune.get("DesiredState") != wanted["auto_tune"]
        or auto_tune.get("MaintenanceSchedules") != desired_schedules
    ):
        reasons.append("auto-tune")
    tags = {tag["Key"]: tag["Value"] for tag in (responses.get("domain_tags") or {}).get("TagList") or []}
    if any(tags.get(key) != value for key, value in (wanted.get("tags") or {}).items()):
        reasons.append("tags")
    return reasons


class FilterModule:
    def filters(self):
        return {
            "search_policy_reads": search_policy_reads,
            "search_policies_plan": search_policies_plan,
            "search_domain_differences": search_domain_differences,
        }
