"""The database role's read-once plans (plugins/filter/database_plan.py) against moto: each agrees with the
amazon.aws module it lets the role skip (no difference exactly when the module would change nothing)."""

from __future__ import annotations

import uuid

from ansible_collections.platform_ops.aws.plugins.filter import database_plan


def _read(run_module, name, group, parameter_group):
    """The reads of roles/database/tasks/engine_version.yml for these names."""
    reads = [
        {
            "id": "instance",
            "service": "rds",
            "operation": "describe_db_instances",
            "params": {"DBInstanceIdentifier": name},
            "missing_ok": ["DBInstanceNotFound"],
        },
        {
            "id": "subnet_group",
            "service": "rds",
            "operation": "describe_db_subnet_groups",
            "params": {"DBSubnetGroupName": group},
            "missing_ok": ["DBSubnetGroupNotFoundFault"],
        },
        {
            "id": "subnet_group_tags",
            "service": "rds",
            "operation": "list_tags_for_resource",
            "params_from": {"ResourceName": "subnet_group.DBSubnetGroups.0.DBSubnetGroupArn"},
        },
        {
            "id": "parameter_group",
            "service": "rds",
            "operation": "describe_db_parameter_groups",
            "params": {"DBParameterGroupName": parameter_group},
            "missing_ok": ["DBParameterGroupNotFound"],
        },
        {
            "id": "parameter_group_tags",
            "service": "rds",
            "operation": "list_tags_for_resource",
            "params_from": {"ResourceName": "parameter_group.DBParameterGroups.0.DBParameterGroupArn"},
        },
        {
            "id": "parameters",
            "service": "rds",
            "operation": "describe_db_parameters",
            "params": {"DBParameterGroupName": parameter_group},
            "params_from": {"DBParameterGroupName": "parameter_group.DBParameterGroups.0.DBParameterGroupName"},
            "paginate": True,
        },
    ]
    read = run_module("aws_read", {"reads": reads})
    assert not read.failed, read
    return read["responses"]


def _network(aws):
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones)
    ]
    security_group = ec2.create_security_group(GroupName=f"db-{uuid.uuid4().hex[:6]}", Description="db", VpcId=vpc)[
        "GroupId"
    ]
    return subnets, security_group


def test_subnet_and_parameter_group_plans_agree_with_their_modules(run_module, amazon, aws):
    name = f"plan-{uuid.uuid4().hex[:8]}"
    pgroup = f"{name}-postgres16"
    subnets, _sg = _network(aws)
    tags = {"Project": "caseapp", "Environment": "prod"}
    subnet_args = {
        "name": name,
        "description": "caseapp PostgreSQL",
        "subnets": subnets,
        "tags": tags,
        "purge_tags": False,
        "state": "present",
    }
    params = {"rds.force_ssl": 1, "log_connections": 1, "log_min_duration_statement": 500}
    param_args = {
        "name": pgroup,
        "engine": "postgres16",
        "description": "caseapp",
        "params": params,
        "immediate": True,
        "tags": tags,
        "purge_tags": False,
        "state": "present",
    }
    wanted_subnet = {"description": "caseapp PostgreSQL", "subnets": subnets, "tags": tags}
    wanted_params = {"engine": "postgres16", "params": params, "tags": tags}

    def plans():
        read = _read(run_module, name, name, pgroup)
        return (
            database_plan.subnet_group_differences(read["subnet_group"], read["subnet_group_tags"], wanted_subnet),
            database_plan.parameter_group_differences(
                read["parameter_group"], read["parameter_group_tags"], read["parameters"], wanted_params
            ),
        )

    assert plans() == (["missing"], ["missing"])
    assert amazon("rds_subnet_group", subnet_args)["changed"]
    assert amazon("rds_instance_param_group", param_args)["changed"]
    assert plans() == ([], [])
    assert not amazon("rds_subnet_group", subnet_args, check_mode=True)["changed"]
    assert not amazon("rds_instance_param_group", param_args)["changed"]

    rds = aws("rds")
    rds.modify_db_subnet_group(
        DBSubnetGroupName=name, SubnetIds=subnets[:1] + subnets[1:], DBSubnetGroupDescription="x"
    )
    group_arn = rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]["DBSubnetGroupArn"]
    rds.remove_tags_from_resource(ResourceName=group_arn, TagKeys=["Environment"])
    rds.modify_db_parameter_group(
        DBParameterGroupName=pgroup,
        Parameters=[{"ParameterName": "log_connections", "ParameterValue": "0", "ApplyMethod": "immediate"}],
    )
    subnet_plan, param_plan = plans()
    assert "description" in subnet_plan and any(d.startswith("tags") for d in subnet_plan), subnet_plan
    assert param_plan == ["parameter log_connections"], param_plan
    assert amazon("rds_subnet_group", subnet_args, check_mode=True)["changed"]
    assert amazon("rds_instance_param_group", param_args)["changed"]  # its check mode never reports parameters
    assert amazon("rds_subnet_group", subnet_args)["changed"]
    assert plans() == ([], [])
    assert database_plan.parameter_group_differences(
        {"DBParameterGroups": [{"DBParameterGroupFamily": "postgres16"}]},
        {"TagList": []},
        {"Parameters": []},
        {"engine": "postgres16", "params": {"no_such_parameter": 1}, "tags": {}},
    ) == ["parameter no_such_parameter"]  # an unknown name runs the module, which reports it


def test_instance_plan_agrees_with_rds_instance(run_module, amazon, aws):
    name = f"plan-{uuid.uuid4().hex[:8]}"
    subnets, security_group = _network(aws)
    key = aws("kms").create_key(Description="db")["KeyMetadata"]["Arn"]
    assert amazon("rds_subnet_group", {"name": name, "description": "db", "subnets": subnets, "state": "present"})[
        "changed"
    ]
    wanted = {
        "db_instance_class": "db.t4g.micro",
        "port": 5432,
        "allocated_storage": 20,
        "max_allocated_storage": 100,
        "storage_type": "gp3",
        "storage_encrypted": True,
        "kms_key_id": key,
        "multi_az": False,
        "deletion_protection": False,
        "backup_retention_period": 7,
        "preferred_backup_window": "03:00-04:00",
        "preferred_maintenance_window": "sun:05:00-sun:06:00",
        "auto_minor_version_upgrade": True,
        "enable_cloudwatch_logs_exports": ["postgresql"],
        "publicly_accessible": False,
        "db_subnet_group_name": name,
        "vpc_security_group_ids": [security_group],
        "copy_tags_to_snapshot": True,
        "tags": {"Project": "caseapp", "Name": name},
    }
    module_args = dict(
        wanted,
        db_instance_identifier=name,
        engine="postgres",
        engine_version="16.8",
        master_username="platform",
        master_user_password="Zq8-not-a-real-password-1",  # noqa: S106 - the emulator only
        purge_tags=False,
        wait=False,
    )

    def plan():
        return database_plan.instance_plan(_read(run_module, name, name, "none")["instance"], wanted)

    assert plan()["differences"] == ["missing"]
    created = amazon("rds_instance", module_args)
    assert created.get("changed"), created
    converged = plan()
    assert converged["differences"] == [], converged["differences"]
    assert converged["instance"]["db_instance_identifier"] == name and converged["instance"]["endpoint"]["address"]
    assert converged["instance"]["tags"]["Project"] == "caseapp"
    no_create = {k: v for k, v in module_args.items() if k not in ("master_user_password", "engine_version")}
    assert not amazon("rds_instance", no_create, check_mode=True)["changed"]

    rds = aws("rds")
    rds.modify_db_instance(DBInstanceIdentifier=name, BackupRetentionPeriod=3, ApplyImmediately=True)
    arn = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceArn"]
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["Project"])
    drifted = plan()["differences"]
    assert any(d.startswith("backup_retention_period") for d in drifted) and any(d.startswith("tags") for d in drifted)
    assert amazon("rds_instance", no_create, check_mode=True)["changed"]
    assert amazon("rds_instance", no_create)["changed"]
    assert plan()["differences"] == []
    # An upgrade asked for always runs the module.
    assert (
        "engine_version"
        in database_plan.instance_plan(
            {"DBInstances": [rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]]},
            dict(wanted, engine_version="17.2"),
        )["differences"]
    )
