# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The database role's read-once plans (issue 15): the one ``aws_read`` of ``engine_version.yml`` (the instance,
its DB subnet group and parameter group with their tags and user-set parameters) against what the role would
send, so that amazon.aws's ``rds_instance``, ``rds_subnet_group`` and ``rds_instance_param_group`` run only when
they would change something. Each plan compares what its module compares, no less; anything it cannot judge
(a pending modification, a value format it does not know) counts as a difference, and the module runs."""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.parsing.convert_bool import BOOLEANS_TRUE

# rds_instance's arguments (as the role passes them) -> describe_db_instances' key, compared as equal values.
_INSTANCE_SCALARS = {
    "db_instance_class": "DBInstanceClass",
    "allocated_storage": "AllocatedStorage",
    "max_allocated_storage": "MaxAllocatedStorage",
    "storage_type": "StorageType",
    "iops": "Iops",
    "storage_throughput": "StorageThroughput",
    "multi_az": "MultiAZ",
    "deletion_protection": "DeletionProtection",
    "backup_retention_period": "BackupRetentionPeriod",
    "preferred_backup_window": "PreferredBackupWindow",
    "preferred_maintenance_window": "PreferredMaintenanceWindow",
    "auto_minor_version_upgrade": "AutoMinorVersionUpgrade",
    "enable_performance_insights": "PerformanceInsightsEnabled",
    "performance_insights_retention_period": "PerformanceInsightsRetentionPeriod",
    "publicly_accessible": "PubliclyAccessible",
    "copy_tags_to_snapshot": "CopyTagsToSnapshot",
    "storage_encrypted": "StorageEncrypted",
}


def _tags(tag_list):
    return {tag.get("Key"): tag.get("Value") for tag in (tag_list or [])}


def _missing_tags(current, wanted):
    """The wanted tags not set with their value (purge_tags: false leaves other tags alone)."""
    return sorted(key for key, value in (wanted or {}).items() if current.get(key) != str(value))


def _tag_differences(tags_read, wanted):
    """ListTagsForResource's answer (null: not read) against the wanted tags."""
    if tags_read is None:
        return ["tags unread"]
    missing = _missing_tags(_tags(tags_read.get("TagList")), wanted)
    return [f"tags {missing}"] if missing else []


def _same(wanted, current):
    if isinstance(wanted, bool) or isinstance(current, bool):
        return bool(wanted) == bool(current)
    if isinstance(current, int) and not isinstance(wanted, bool):
        try:
            return int(wanted) == current
        except (TypeError, ValueError):
            return False
    return str(wanted) == str(current)


def _key_matches(wanted, current):
    """A KMS key given as an ARN or id against the one RDS reports (an ARN)."""
    if not wanted:
        return True
    return bool(current) and (current == wanted or current.split("/")[-1] == wanted.split("/")[-1])


def instance_plan(described, wanted):
    """``{'differences': [...], 'instance': {...}}``: what amazon.aws.rds_instance would change on the instance
    ``described`` (DescribeDBInstances' answer, or null) for the arguments ``wanted`` (rds_instance's, as the role
    passes them; engine_version and allow_major_version_upgrade only when an upgrade is asked); ``instance`` is the
    instance in rds_instance's own (snake_case) shape, for the tasks that read its result."""
    instances = (described or {}).get("DBInstances") or []
    if not instances:
        return {"differences": ["missing"], "instance": {}}
    current = instances[0]
    differs = []
    pending = current.get("PendingModifiedValues") or {}
    if pending:
        differs.append(f"pending modifications {sorted(pending)}")
    if current.get("DBInstanceStatus") not in ("available", "backing-up", "modifying", "storage-optimization"):
        differs.append(f"status {current.get('DBInstanceStatus')}")
    for arg in ("engine_version", "allow_major_version_upgrade"):
        if wanted.get(arg) not in (None, ""):
            differs.append(arg)
    for arg, key in _INSTANCE_SCALARS.items():
        if arg in wanted and wanted[arg] is not None and not _same(wanted[arg], current.get(key)):
            differs.append(f"{arg} {current.get(key)!r} -> {wanted[arg]!r}")
    if "port" in wanted and not _same(
        wanted["port"], (current.get("Endpoint") or {}).get("Port", current.get("DbInstancePort"))
    ):
        differs.append("port")
    if not _key_matches(wanted.get("kms_key_id"), current.get("KmsKeyId")):
        differs.append("kms_key_id")
    if wanted.get("enable_performance_insights") and not _key_matches(
        wanted.get("performance_insights_kms_key_id"), current.get("PerformanceInsightsKMSKeyId")
    ):
        differs.append("performance_insights_kms_key_id")
    if set(wanted.get("enable_cloudwatch_logs_exports") or []) != set(
        current.get("EnabledCloudwatchLogsExports") or []
    ):
        differs.append("enable_cloudwatch_logs_exports")
    if wanted.get("db_subnet_group_name") and wanted["db_subnet_group_name"] != (
        current.get("DBSubnetGroup") or {}
    ).get("DBSubnetGroupName"):
        differs.append("db_subnet_group_name")
    groups = [group.get("DBParameterGroupName") for group in current.get("DBParameterGroups") or []]
    if wanted.get("db_parameter_group_name") and wanted["db_parameter_group_name"] not in groups:
        differs.append("db_parameter_group_name")
    security_groups = {
        group.get("VpcSecurityGroupId")
        for group in current.get("VpcSecurityGroups") or []
        if group.get("Status") in ("adding", "active")
    }
    if "vpc_security_group_ids" in wanted and set(wanted["vpc_security_group_ids"] or []) != security_groups:
        differs.append("vpc_security_group_ids")
    missing = _missing_tags(_tags(current.get("TagList")), wanted.get("tags"))
    if missing:
        differs.append(f"tags {missing}")
    view = camel_dict_to_snake_dict(current, ignore_list=["TagList"])
    view["tags"] = _tags(current.get("TagList"))
    return {"differences": differs, "instance": view}


def subnet_group_differences(described, tags_read, wanted):
    """What amazon.aws.rds_subnet_group would change: a missing group, its description, its subnets (the same
    set), missing tags. ``described`` is DescribeDBSubnetGroups' answer, ``tags_read`` ListTagsForResource's."""
    groups = (described or {}).get("DBSubnetGroups") or []
    if not groups:
        return ["missing"]
    group = groups[0]
    differs = []
    if group.get("DBSubnetGroupDescription") != wanted.get("description"):
        differs.append("description")
    subnets = {subnet.get("SubnetIdentifier") for subnet in group.get("Subnets") or []}
    if subnets != set(wanted.get("subnets") or []):
        differs.append("subnets")
    return differs + _tag_differences(tags_read, wanted.get("tags"))


def _parameter_value(parameter, value):
    """The value as rds_instance_param_group sends it (its convert_parameter, without the 10M-style suffixes:
    such a value counts as different and the module judges it)."""
    data_type = parameter.get("DataType")
    if data_type == "integer" and isinstance(value, bool):
        return "1" if value else "0"
    if data_type == "boolean":
        on = value in BOOLEANS_TRUE if isinstance(value, str) else bool(value)
        return "1" if on else "0"
    return str(value)


def parameter_group_differences(described, tags_read, parameters_read, wanted):
    """What amazon.aws.rds_instance_param_group would change: a missing group, a parameter whose value differs
    from the group's (whatever its source: an engine default already equal is left alone, as the module leaves it;
    a name the group lacks counts as different, and the module, which reports unknown names, runs), missing tags.
    ``parameters_read`` is DescribeDBParameters' answer (every page)."""
    groups = (described or {}).get("DBParameterGroups") or []
    if not groups:
        return ["missing"]
    differs = []
    if groups[0].get("DBParameterGroupFamily") != wanted.get("engine"):
        differs.append("family")
    current = {p.get("ParameterName"): p for p in (parameters_read or {}).get("Parameters") or []}
    for name, value in sorted((wanted.get("params") or {}).items()):
        parameter = current.get(name)
        if parameter is None or _parameter_value(parameter, value) != parameter.get("ParameterValue"):
            differs.append(f"parameter {name}")
    return differs + _tag_differences(tags_read, wanted.get("tags"))


class FilterModule:
    """The database role's read-once plans."""

    def filters(self):
        return {
            "database_instance_plan": instance_plan,
            "database_subnet_group_differences": subnet_group_differences,
            "database_parameter_group_differences": parameter_group_differences,
        }
