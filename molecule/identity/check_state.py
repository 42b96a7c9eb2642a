"""boto3 checks of the identity role's real state on the emulator (never prints a secret value)."""

from __future__ import annotations

import json
import sys
from urllib.parse import unquote

from checks import ENV, NAME, PREFIX, REGION, check, client, done, has_standard_tags

ACCOUNT = "123456789012"
PATH = f"/platform/{PREFIX}/"
cognito = client("cognito-idp")
iam = client("iam")
secrets = client("secretsmanager")
mode = sys.argv[1]
SECRET = f"{PREFIX}/identity/jwt-secret"
DR_REGION = "us-west-2"  # converge.yml turns DR on with this region
REGIONS = (REGION, DR_REGION)
# The converge's services and the buckets each may use.
SERVICES = {
    # uses everything by default: DATABASE_URL and REDIS_URL
    "api": {"buckets": ["documents"], "write": True, "secrets": [f"{PREFIX}/database/url", f"{PREFIX}/cache/url"]},
    "worker": {"buckets": ["media"], "write": True, "secrets": [f"{PREFIX}/identity/jwt-secret"]},
    "indexer": {"buckets": ["documents", "models"], "write": False, "secrets": []},
    # uses the database only: DATABASE_URL, no bucket
    "cron": {"buckets": [], "write": False, "secrets": [f"{PREFIX}/database/url"]},
}


def pools():
    return [p for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == f"{PREFIX}-users"]


def secret():
    try:
        found = secrets.describe_secret(SecretId=SECRET)
    except secrets.exceptions.ResourceNotFoundException:
        return None
    return None if found.get("DeletedDate") else found


def roles_under_path():
    return {r["RoleName"]: r for r in iam.list_roles(PathPrefix=PATH)["Roles"]}


def inline_policies(role):
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    docs = {}
    for name in names:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        docs[name] = json.loads(unquote(doc)) if isinstance(doc, str) else doc
    return docs


def as_list(value):
    return value if isinstance(value, list) else [value]


def wildcard_problems(doc):
    problems = []
    for statement in doc.get("Statement", []):
        resources = as_list(statement.get("Resource", []))
        for action in as_list(statement.get("Action", [])):
            if action in ("*", "*:*") or (action.endswith(":*") and "*" in resources):
                problems.append(action)
        if "NotAction" in statement or "NotResource" in statement:
            problems.append("NotAction/NotResource")
    return problems


def grants(doc):
    """{action: set(resources)} of the Allow statements."""
    found: dict[str, set] = {}
    for statement in doc.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        for action in as_list(statement.get("Action", [])):
            found.setdefault(action, set()).update(as_list(statement.get("Resource", [])))
    return found


if mode == "absent":
    check(not pools(), f"no user pool {PREFIX}-users is left")
    check(secret() is None, f"the JWT secret {SECRET} is gone")
    dr_names = {s["Name"] for s in client("secretsmanager", DR_REGION).list_secrets()["SecretList"]}
    check(not any(n.startswith(f"{PREFIX}/identity/") for n in dr_names), f"no JWT replica is left in {DR_REGION}")
    check(not roles_under_path(), f"no IAM role is left under {PATH}")
    done()
    sys.exit(0)

key_arn = client("kms").describe_key(KeyId=f"alias/{NAME}-{ENV}")["KeyMetadata"]["Arn"]
bucket_names = {b["Name"] for b in client("s3").list_buckets()["Buckets"]}

found = pools()
check(len(found) == 1, f"exactly one user pool {PREFIX}-users")
pool_id = found[0]["Id"] if found else ""
pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"] if pool_id else {}
check(pool.get("MfaConfiguration") == "ON", "MFA is required (ON)")
mfa = cognito.get_user_pool_mfa_config(UserPoolId=pool_id) if pool_id else {}
check(mfa.get("SoftwareTokenMfaConfiguration", {}).get("Enabled") is True, "TOTP (software token) MFA is enabled")
policy = pool.get("Policies", {}).get("PasswordPolicy", {})
check(policy.get("MinimumLength", 0) >= 12, f"password minimum length >= 12 (got {policy.get('MinimumLength')})")
check(
    all(policy.get(k) for k in ("RequireUppercase", "RequireLowercase", "RequireNumbers", "RequireSymbols")),
    "passwords need upper case, lower case, numbers and symbols",
)
check(pool.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly") is True, "self sign-up is disabled")
check(pool.get("UsernameAttributes") == ["email"], "users sign in with their email")
check(pool.get("AutoVerifiedAttributes") == ["email"], "email is verified automatically")
recovery = [m["Name"] for m in pool.get("AccountRecoverySetting", {}).get("RecoveryMechanisms", [])]
check(recovery == ["verified_email"], "account recovery by verified email only")
check(has_standard_tags(pool.get("UserPoolTags", {})), "the pool carries the standard tags")
groups = {g["GroupName"]: g for g in cognito.list_groups(UserPoolId=pool_id)["Groups"]} if pool_id else {}
check(set(groups) == {"admins", "staff"}, f"groups admins and staff (got {sorted(groups)})")
check(
    groups.get("admins", {}).get("Precedence") == 0 and groups.get("staff", {}).get("Precedence") == 10,
    "group precedence admins 0, staff 10",
)

clients = (
    [c for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]] if pool_id else []
)
app = [c for c in clients if c["ClientName"] == f"{PREFIX}-app"]
check(len(app) == 1, f"exactly one app client {PREFIX}-app")
detail = (
    cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=app[0]["ClientId"])["UserPoolClient"] if app else {}
)
check("ClientSecret" not in detail, "the app client has no secret (public SPA client)")
check(
    set(detail.get("ExplicitAuthFlows", [])) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
    "SRP and refresh token flows only",
)
check(detail.get("PreventUserExistenceErrors") == "ENABLED", "user existence errors are hidden")
check(detail.get("AccessTokenValidity") == 60 and detail.get("IdTokenValidity") == 60, "access and ID tokens last 60")
check(detail.get("RefreshTokenValidity") == 30, "refresh tokens last 30")
units = detail.get("TokenValidityUnits", {})
check(
    units == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "token units minutes/minutes/days",
)
check(detail.get("EnableTokenRevocation") is True, "token revocation is enabled")

jwt = secret()
check(jwt is not None, f"the JWT secret {SECRET} exists")
if jwt:
    check(jwt.get("KmsKeyId") == key_arn, "the JWT secret is encrypted with the platform key")
    value = secrets.get_secret_value(SecretId=SECRET)["SecretString"]
    check(len(value) == 64 and value.isalnum(), "the JWT secret is 64 letters and digits (value not shown)")
    replicas = {r["Region"]: r for r in jwt.get("ReplicationStatus", [])}
    check(
        set(replicas) == {DR_REGION} and replicas[DR_REGION]["Status"] == "InSync",
        f"the JWT secret is replicated to {DR_REGION} (InSync)",
    )
    dr_arn = jwt["ARN"].replace(f":{REGION}:", f":{DR_REGION}:")
    replica = client("secretsmanager", DR_REGION).get_secret_value(SecretId=dr_arn)["SecretString"]
    check(replica == value, f"the replica {dr_arn} holds the same value (not shown)")

roles = roles_under_path()
expected = (
    {f"{PREFIX}-exec-{s}" for s in SERVICES} | {f"{PREFIX}-task-{s}" for s in SERVICES} | {f"{PREFIX}-task-foreign"}
)
check(
    set(roles) == expected,
    "roles under "
    f"{PATH}: an execution and a task role per service, the untagged foreign one kept, the retired one and "
    f"the former shared execution role gone (got {sorted(roles)})",
)
for name in sorted(set(roles) - {f"{PREFIX}-task-foreign"}):
    role = iam.get_role(RoleName=name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    statement = trust["Statement"][0]
    check(
        len(trust["Statement"]) == 1
        and statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        and statement.get("Condition", {}).get("StringEquals", {}).get("aws:SourceAccount") == ACCOUNT
        and "aws:SourceArn" in statement.get("Condition", {}).get("ArnLike", {}),
        f"{name}: only ECS tasks of this account may assume it",
    )
    tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
    check(has_standard_tags(tags), f"{name}: standard tags")
    check(not iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"], f"{name}: no managed policies")
    for policy_name, doc in inline_policies(name).items():
        check(not wildcard_problems(doc), f"{name}/{policy_name}: no * action and no service:* on *")

for service, spec in SERVICES.items():
    name = f"{PREFIX}-exec-{service}"
    execution = inline_policies(name) if name in roles else {}
    check(list(execution) == ["execution"], f"{name}: one inline policy")
    granted = grants(execution.get("execution", {}))
    secret_arns = {f"arn:aws:secretsmanager:{r}:{ACCOUNT}:secret:{s}-??????" for r in REGIONS for s in spec["secrets"]}
    check(
        granted.get("secretsmanager:GetSecretValue", set()) == secret_arns,
        f"{name}: reads only the secrets its spec lists ({sorted(secret_arns)})",
    )
    check(
        not any("database/master" in r for r in granted.get("secretsmanager:GetSecretValue", [])),
        f"{name}: never the database master secret",
    )
    if spec["secrets"]:
        check(granted.get("kms:Decrypt") == {key_arn}, f"{name}: decrypts with the platform key only")
    log_groups = [f"arn:aws:logs:{r}:{ACCOUNT}:log-group:/platform/{PREFIX}/{service}" for r in REGIONS]
    check(
        set(granted.get("logs:PutLogEvents", [])) == {a for g in log_groups for a in (g, f"{g}:log-stream:*")},
        f"{name}: writes to its own log group only (in both regions)",
    )
    check(
        set(granted.get("ecr:BatchGetImage", []))
        == {f"arn:aws:ecr:{r}:{ACCOUNT}:repository/{PREFIX}/{service}" for r in REGIONS},
        f"{name}: pulls its own repository only (in both regions)",
    )
    check(
        set(granted)
        <= {
            "ecr:GetAuthorizationToken",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchGetImage",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "secretsmanager:GetSecretValue",
            "kms:Decrypt",
        },
        f"{name}: grants nothing else (got {sorted(granted)})",
    )

for service, spec in SERVICES.items():
    name = f"{PREFIX}-task-{service}"
    policies = inline_policies(name) if name in roles else {}
    if not spec["buckets"]:
        check(not policies, f"{name}: no bucket, no policy")
        continue
    granted = grants(policies.get("service-access", {}))
    # The storage role's default storage_bucket_suffix: "-{account_id}" (bucket names are global).
    arns = {f"arn:aws:s3:::{PREFIX}-{purpose}-{ACCOUNT}" for purpose in spec["buckets"]}
    check(all(a.split(":::")[1] in bucket_names for a in arns), f"{name}: its buckets exist")
    objects = {a + "/*" for a in arns}
    object_actions = {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} if spec["write"] else {"s3:GetObject"}
    kms_actions = {"kms:Decrypt", "kms:GenerateDataKey"} if spec["write"] else {"kms:Decrypt"}
    check(
        set(granted) == object_actions | {"s3:ListBucket"} | kms_actions,
        f"{name}: grants {sorted(object_actions | kms_actions)} and s3:ListBucket only (got {sorted(granted)})",
    )
    check(
        all(granted.get(a) == objects for a in object_actions),
        f"{name}: object access to exactly {sorted(spec['buckets'])}",
    )
    check(granted.get("s3:ListBucket") == arns, f"{name}: lists exactly its buckets")
    check(all(granted.get(a) == {key_arn} for a in kms_actions), f"{name}: the platform key only")
done()
