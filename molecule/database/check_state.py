"""boto3 checks of the database role's real state on the emulator (never prints a secret value)."""

from __future__ import annotations

import json
import re
import sys
from urllib.parse import unquote, urlsplit

from checks import ENV, NAME, PREFIX, check, client, done, ec2_tag_filters, has_standard_tags, tags_of

rds = client("rds")
secrets = client("secretsmanager")
mode = sys.argv[1]
DB_ID = f"{PREFIX}-db"
PARAM_GROUP = f"{PREFIX}-db-postgres16"
SECRET_NAMES = {
    "password": f"{PREFIX}/database/master-password",
    "master": f"{PREFIX}/database/master",
    "url": f"{PREFIX}/database/url",
}
# The application's own role (issue 12): its secret and the two alternating logins' passwords.
APP_SECRETS = {
    "app": f"{PREFIX}/database/app",
    "app_a": f"{PREFIX}/database/app-password-a",
    "app_b": f"{PREFIX}/database/app-password-b",
}


def instances():
    return [d for d in rds.describe_db_instances()["DBInstances"] if d["DBInstanceIdentifier"] == DB_ID]


def secret(name):
    try:
        return secrets.describe_secret(SecretId=name)
    except secrets.exceptions.ResourceNotFoundException:
        return None


if mode in ("grow", "grown"):
    # Storage autoscaling stand-in: the instance grows past database_allocated_storage (400 in converge.yml);
    # a deploy afterwards must keep the grown size (RDS refuses a smaller one: the moto rule
    # rds_storage_never_shrinks) and change nothing.
    if mode == "grow":
        rds.modify_db_instance(DBInstanceIdentifier=DB_ID, AllocatedStorage=440, ApplyImmediately=True)
    size = instances()[0]["AllocatedStorage"]
    check(size == 440, f"the instance has the 440 GiB storage autoscaling gave it ({size})")
    done()
    sys.exit(0)

if mode == "absent":
    check(not instances(), f"no RDS instance {DB_ID} is left")
    groups = [g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]]
    check(PARAM_GROUP not in groups, "the parameter group is gone")
    subnet_groups = [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]]
    check(DB_ID not in subnet_groups, "the DB subnet group is gone")
    for kind, name in SECRET_NAMES.items():
        check(secret(name) is None, f"the {kind} secret {name} is gone")
    done()
    sys.exit(0)

key_arn = client("kms").describe_key(KeyId=f"alias/{NAME}-{ENV}")["KeyMetadata"]["Arn"]
found = instances()
check(len(found) == 1, f"exactly one RDS instance {DB_ID}")
db = found[0] if found else {}
check(db.get("DBInstanceStatus") == "available", "the instance is available")
check(
    db.get("Engine") == "postgres" and db.get("EngineVersion", "").split(".")[0] == "16",
    f'PostgreSQL 16 (database_engine_version "16"; RDS reports its minor: {db.get("EngineVersion")})',
)
check(db.get("StorageEncrypted") is True, "storage is encrypted")
check(db.get("KmsKeyId") == key_arn, "storage is encrypted with the platform KMS key")
check(db.get("BackupRetentionPeriod", 0) >= 7, "automated backups are kept 7+ days")
check(db.get("PubliclyAccessible") is False, "the instance is not publicly accessible")
check(
    db.get("MultiAZ") is False and db.get("DeletionProtection") is False,
    "single-AZ without deletion protection outside prod",
)
check(db.get("StorageType") == "gp3", "gp3 storage")
check(db.get("MaxAllocatedStorage", 0) > db.get("AllocatedStorage", 0), "storage autoscaling (max above allocated)")
check(
    {"postgresql", "upgrade"} <= set(db.get("EnabledCloudwatchLogsExports", [])), "postgresql and upgrade logs exported"
)
check(
    db.get("CopyTagsToSnapshot") is True and db.get("AutoMinorVersionUpgrade") is True,
    "tags copied to snapshots, minor upgrades on",
)
check(has_standard_tags(tags_of(db)), "the instance carries the standard tags")

ec2 = client("ec2")
vpc_id = ec2.describe_vpcs(Filters=ec2_tag_filters(**{"tag:Name": f"{PREFIX}-vpc"}))["Vpcs"][0]["VpcId"]
db_subnets = {
    s["SubnetId"]
    for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Tier", "Values": ["database"]}]
    )["Subnets"]
}
group = db.get("DBSubnetGroup", {})
check(group.get("DBSubnetGroupName") == DB_ID, f"in the DB subnet group {DB_ID}")
check(
    {s["SubnetIdentifier"] for s in group.get("Subnets", [])} == db_subnets,
    "the subnet group spans exactly the database subnets",
)
sg = ec2.describe_security_groups(
    Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [f"{PREFIX}-database"]}]
)
check(
    [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])] == [sg["SecurityGroups"][0]["GroupId"]],
    "only the database security group is attached",
)

check(
    [g["DBParameterGroupName"] for g in db.get("DBParameterGroups", [])] == [PARAM_GROUP],
    f"parameter group {PARAM_GROUP} attached",
)
params = {
    p["ParameterName"]: p.get("ParameterValue")
    for p in rds.describe_db_parameters(DBParameterGroupName=PARAM_GROUP)["Parameters"]
}
check(params.get("rds.force_ssl") == "1", "rds.force_ssl=1 (TLS only)")
check(
    params.get("log_connections") == "1" and params.get("log_disconnections") == "1",
    "connections and disconnections logged",
)
check(params.get("log_min_duration_statement") == "500", "statements slower than 500 ms logged")

described = {kind: secret(name) for kind, name in SECRET_NAMES.items()}
described_app = {kind: secret(name) for kind, name in APP_SECRETS.items()}
for kind, meta in {**described, **described_app}.items():
    check(meta is not None, f"the {kind} secret exists")
    check(
        meta is not None and meta.get("KmsKeyId") in (key_arn, key_arn.split("/")[-1]),
        f"the {kind} secret is encrypted with the platform key",
    )
    check(meta is not None and has_standard_tags(tags_of(meta)), f"the {kind} secret carries the standard tags")

# Test code may read the values; it compares them and prints only the verdicts.
password = secrets.get_secret_value(SecretId=SECRET_NAMES["password"])["SecretString"]
check(len(password) == 32 and password.isalnum(), "the master password is 32 letters and digits")
master = json.loads(secrets.get_secret_value(SecretId=SECRET_NAMES["master"])["SecretString"])
check(
    set(master) == {"username", "password", "engine", "host", "port", "dbname"},
    "the master secret holds username, password, engine, host, port, dbname",
)
endpoint = db.get("Endpoint", {})
check(master.get("password") == password, "the master secret's password is the generated one")
check(
    master.get("host") == endpoint.get("Address") and master.get("port") == endpoint.get("Port"),
    "the master secret names the instance endpoint",
)
check(
    master.get("username") == db.get("MasterUsername") and master.get("dbname") == db.get("DBName"),
    "the master secret names the master user and database",
)
url = secrets.get_secret_value(SecretId=SECRET_NAMES["url"])["SecretString"]
parts = urlsplit(url)
check(
    parts.scheme == "postgresql" and parts.query == "sslmode=require",
    "DATABASE_URL is a postgresql:// URL with sslmode=require",
)
check(
    parts.hostname == endpoint.get("Address")
    and parts.port == endpoint.get("Port")
    and parts.path == f"/{db.get('DBName')}",
    "DATABASE_URL points at the instance endpoint and database",
)
app = json.loads(secrets.get_secret_value(SecretId=APP_SECRETS["app"])["SecretString"])
app_password = secrets.get_secret_value(SecretId=APP_SECRETS["app_a"])["SecretString"]
check(
    set(app) == {"username", "password", "engine", "host", "port", "dbname", "login", "group"},
    "the application secret holds username, password, engine, host, port, dbname, login, group",
)
check(
    app.get("username") == "app_a" and app.get("login") == "a" and app.get("group") == "app",
    "the application secret names the current login app_a of the group app",
)
check(app.get("password") == app_password and app_password != password, "the application login has its own password")
check(
    tags_of(secrets.describe_secret(SecretId=APP_SECRETS["app"])).get("PlatformDbAppLogin") == "a",
    "the application secret is tagged with its current login",
)
check(
    unquote(parts.username or "") == "app_a" and unquote(parts.password or "") == app_password,
    "DATABASE_URL carries the application login's credentials",
)
check(
    unquote(parts.username or "") != db.get("MasterUsername") and unquote(parts.password or "") != password,
    "DATABASE_URL never carries the master credentials",
)
iam = client("iam")
role = iam.get_role(RoleName=f"{PREFIX}-db-bootstrap-execution")["Role"]
trust = role["AssumeRolePolicyDocument"]
trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
condition = trust["Statement"][0].get("Condition", {})
check(
    trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    and "aws:SourceAccount" in condition.get("StringEquals", {})
    and "aws:SourceArn" in condition.get("ArnLike", {}),
    "the bootstrap execution role trusts ECS tasks of this account only",
)
policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName="db-bootstrap-execution")["PolicyDocument"]
policy = json.loads(unquote(policy)) if isinstance(policy, str) else policy
readable = next(st["Resource"] for st in policy["Statement"] if st["Action"] == "secretsmanager:GetSecretValue")
check(
    sorted(readable) == sorted([described["master"]["ARN"], *(described_app[k]["ARN"] for k in ("app_a", "app_b"))]),
    "the bootstrap execution role reads exactly the master and the two login password secrets",
)
logs = client("logs").describe_log_groups(logGroupNamePrefix=f"/platform/{PREFIX}/db-bootstrap")["logGroups"]
check(len(logs) == 1 and logs[0].get("kmsKeyId") == key_arn, "the bootstrap log group exists, encrypted")
check(
    re.fullmatch(r"postgresql://[^:]+:[^@]+@[^:/]+:\d+/\w+\?sslmode=require", url) is not None,
    "DATABASE_URL is well formed",
)
done()
