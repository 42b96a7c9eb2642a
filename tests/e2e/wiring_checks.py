"""The platform wiring contract (issue 13), checked on the deployed local stack.

``check_wiring(stack)`` asserts, with boto3 against the emulator, that what runs is wired as the
README's service-spec section promises (inventories/local):

- ``backend`` (uses everything): its task definition carries ``AWS_REGION``, ``PLATFORM_ENV``,
  ``S3_BUCKET_DOCUMENTS`` / ``S3_BUCKET_MEDIA`` (the real bucket names), ``OPENSEARCH_ENDPOINT``
  (``https://`` + the domain's endpoint), ``COGNITO_USER_POOL_ID`` / ``COGNITO_CLIENT_ID`` (the pool
  and app client), and the ECS secrets ``DATABASE_URL`` / ``REDIS_URL`` by their full Secrets
  Manager ARNs (never in the plain environment); its execution role may read both.
- ``media-processor`` (``uses: [database, cache, storage]``): no ``OPENSEARCH_ENDPOINT``, no
  ``COGNITO_*``, no IAM permission on ``es:*`` in its task role and no place in the search domain's
  access policy; it still gets its bucket, ``DATABASE_URL`` and ``REDIS_URL``.

Called by tests/e2e/test_platform.py after the first deploy.
"""

from __future__ import annotations

import fnmatch
import json
from urllib.parse import unquote

STACK = "caseapp-local"  # inventories/local
SEARCH_ENV = "OPENSEARCH_ENDPOINT"


def _container(stack, service: str) -> dict:
    """The container definition of the task definition the service runs."""
    ecs = stack.client("ecs")
    (svc,) = ecs.describe_services(cluster=STACK, services=[f"{STACK}-{service}"])["services"]
    taskdef = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    (container,) = taskdef["containerDefinitions"]
    return dict(container, taskRoleArn=taskdef.get("taskRoleArn", ""), executionRoleArn=taskdef["executionRoleArn"])


def _bucket(stack, purpose: str) -> str:
    (name,) = [
        b["Name"] for b in stack.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{STACK}-{purpose}-")
    ]
    return name


def _secret_arn(stack, name: str) -> str:
    return stack.client("secretsmanager").describe_secret(SecretId=f"{STACK}/{name}")["ARN"]


def _statements(document) -> list[dict]:
    doc = json.loads(unquote(document)) if isinstance(document, str) else document
    statements = doc.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _listed(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _role_actions(stack, role_arn: str) -> list[tuple[str, list[str]]]:
    """``[(action, resources)]`` every Allow statement of the role grants (inline and attached)."""
    iam = stack.client("iam")
    role = role_arn.rsplit("/", 1)[1]
    documents = [
        iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
        documents.append(
            iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        )
    granted = []
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") == "Allow":
                granted.extend((a, _listed(statement.get("Resource"))) for a in _listed(statement.get("Action")))
    return granted


def check_wiring(stack) -> None:
    """Assert the wiring contract on the deployed local stack (see the module docstring)."""
    region = stack.region
    idp = stack.client("cognito-idp")
    (pool,) = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == f"{STACK}-users"]
    (app_client,) = [
        c
        for c in idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]
        if c["ClientName"] == f"{STACK}-app"
    ]
    domain = stack.client("opensearch").describe_domain(DomainName=f"{STACK}-search")["DomainStatus"]
    endpoint = (domain.get("Endpoints") or {}).get("vpc") or domain.get("Endpoint") or ""
    assert endpoint, f"the search domain {STACK}-search has no endpoint: {domain}"
    database_url, redis_url = _secret_arn(stack, "database/url"), _secret_arn(stack, "cache/url")

    # backend: everything, with the real values
    backend = _container(stack, "backend")
    env = {e["name"]: e["value"] for e in backend.get("environment", [])}
    want = {
        "AWS_REGION": region,
        "PLATFORM_ENV": "local",
        "S3_BUCKET_DOCUMENTS": _bucket(stack, "documents"),
        "S3_BUCKET_MEDIA": _bucket(stack, "media"),
        SEARCH_ENV: f"https://{endpoint}",
        "COGNITO_USER_POOL_ID": pool["Id"],
        "COGNITO_CLIENT_ID": app_client["ClientId"],
    }
    assert {k: env.get(k) for k in want} == want, f"backend environment: {env}"
    secrets = {s["name"]: s["valueFrom"] for s in backend.get("secrets", [])}
    assert secrets.get("DATABASE_URL") == database_url, secrets
    assert secrets.get("REDIS_URL") == redis_url, secrets
    assert not {"DATABASE_URL", "REDIS_URL", "REDIS_AUTH_TOKEN"} & set(env), f"a secret in plain environment: {env}"
    readable = [
        r
        for a, rs in _role_actions(stack, backend["executionRoleArn"])
        for r in rs
        if a.lower() in ("secretsmanager:getsecretvalue", "secretsmanager:*")
    ]
    for arn in (database_url, redis_url):
        assert any(fnmatch.fnmatchcase(arn, r) for r in readable), f"backend's execution role cannot read {arn}"

    # media-processor: uses database, cache and storage only
    media = _container(stack, "media-processor")
    env = {e["name"]: e["value"] for e in media.get("environment", [])}
    assert SEARCH_ENV not in env, f"media-processor does not use search, yet has {SEARCH_ENV}: {env}"
    assert not [k for k in env if k.startswith("COGNITO_")], f"media-processor does not use identity: {env}"
    assert env.get("S3_BUCKET_MEDIA") == _bucket(stack, "media"), env
    assert "S3_BUCKET_DOCUMENTS" not in env, env
    assert {"AWS_REGION": region, "PLATFORM_ENV": "local"}.items() <= env.items(), env
    secrets = {s["name"]: s["valueFrom"] for s in media.get("secrets", [])}
    assert secrets.get("DATABASE_URL") == database_url and secrets.get("REDIS_URL") == redis_url, secrets
    role_arn = media["taskRoleArn"]
    assert role_arn, "media-processor's task definition has no task role"
    es_actions = [a for a, _ in _role_actions(stack, role_arn) if a.lower().startswith("es:") or a == "*"]
    assert not es_actions, f"media-processor's task role may call OpenSearch: {es_actions}"
    principals = [
        p
        for statement in _statements(domain.get("AccessPolicies") or "{}")
        if statement.get("Effect") == "Allow"
        for p in _listed(
            (statement.get("Principal") or {}).get("AWS")
            if isinstance(statement.get("Principal"), dict)
            else statement.get("Principal")
        )
    ]
    assert role_arn not in principals, (
        f"media-processor's task role is in the search domain's access policy: {principals}"
    )
    assert backend["taskRoleArn"] in principals, (
        f"backend's task role is not in the domain's access policy: {principals}"
    )
