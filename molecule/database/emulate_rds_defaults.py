"""Give a DB parameter group on the moto emulator the engine-default parameters AWS has.

moto (5.2) creates DB parameter groups without parameters and returns from DescribeDBParameters
only what ModifyDBParameterGroup stored; AWS returns every engine parameter with its DataType and
IsModifiable, which amazon.aws.rds_instance_param_group needs to compare values; and it answers
DescribeDBParameterGroups for a missing name with an empty list where AWS raises
DBParameterGroupNotFound, on which that module fails to create a group. This creates the group
and stores engine-default entries (no value) for the parameters the database role sets. Usage: emulate_rds_defaults.py <group name> <family> [<region>].
"""

from __future__ import annotations

import os
import sys

import boto3

# Parameters of the RDS PostgreSQL engine the role sets, as AWS describes them.
POSTGRES_DEFAULTS = {
    "rds.force_ssl": ("boolean", "dynamic", "0,1"),
    "log_min_duration_statement": ("integer", "dynamic", "-1-2147483647"),
    "log_connections": ("boolean", "dynamic", "0,1"),
    "log_disconnections": ("boolean", "dynamic", "0,1"),
}

name, family = sys.argv[1], sys.argv[2]
rds = boto3.client(
    "rds",
    region_name=sys.argv[3] if len(sys.argv) > 3 else os.environ.get("PLATFORM_REGION", "us-east-1"),
    endpoint_url=os.environ["PLATFORM_AWS_ENDPOINT_URL"],
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
# (moto answers DescribeDBParameterGroups for a missing name with an empty list, AWS with an error)
try:
    exists = bool(rds.describe_db_parameter_groups(DBParameterGroupName=name)["DBParameterGroups"])
except rds.exceptions.DBParameterGroupNotFoundFault:
    exists = False
if not exists:
    rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description=name)
known = {p["ParameterName"] for p in rds.describe_db_parameters(DBParameterGroupName=name)["Parameters"]}
missing = [
    {
        "ParameterName": param,
        "DataType": data_type,
        "ApplyType": apply_type,
        "AllowedValues": allowed,
        "IsModifiable": True,
        "Source": "engine-default",
        "ApplyMethod": "pending-reboot",
    }
    for param, (data_type, apply_type, allowed) in POSTGRES_DEFAULTS.items()
    if param not in known
]
if missing:
    rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=missing)
    print(f"seeded {len(missing)} engine-default parameters into {name} ({rds.meta.region_name})")
else:
    print(f"{name} already has the engine-default parameters")
