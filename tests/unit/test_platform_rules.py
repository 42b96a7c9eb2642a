"""module_utils/platform_rules: the one implementation of each input rule (preflight, roles, audit)."""

from __future__ import annotations

import pytest
from ansible_collections.platform_ops.aws.plugins.filter import ecs, platform
from ansible_collections.platform_ops.aws.plugins.module_utils import compliance
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules

PREFIX = "caseapp-prod"
BUCKETS = ["documents", "media", "models", "assets", "backups", "logs"]


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "db_password",
        "DB_PASS",
        "db-pass",
        "PWD",
        "api_key",
        "ApiKey",
        "secret",
        "token",
        "AUTH_TOKEN",
        "DATABASE_URL",
        "database_url",
        "REDIS_URL",
        "DB_URL",
        "POSTGRES_DSN",
        "AWS_SECRET_ACCESS_KEY",
        "PRIVATE_KEY",
        "SMTP_CREDENTIALS",
        "MONGO_CONNECTION_STRING",
    ],
)
def test_secret_like_names(name):
    assert rules.secret_like_name(name)
    assert rules.plaintext_secret_reason(name, "x")


@pytest.mark.parametrize(
    "name",
    ["LOG_LEVEL", "JWT_SECRET_ARN", "TOKEN_TTL", "DB_PASSWORD_FILE", "PASSENGER_COUNT", "BYPASS_CACHE", "PUBLIC_URL"],
)
def test_plain_names(name):
    assert not rules.secret_like_name(name)


@pytest.mark.parametrize(
    "value", ["postgres://app:hunter2@db:5432/app", "redis://:tok3n@cache:6379/0", "https://u:p@example.org"]
)
def test_credentials_in_url_values(value):
    assert rules.credentials_in_url(value)
    reason = rules.plaintext_secret_reason("UPSTREAM", value)
    assert "credentials" in reason and value not in reason


@pytest.mark.parametrize("value", ["https://example.org/a", "ssh://git@github.com/x", "plain", 5])
def test_values_without_credentials(value):
    assert not rules.credentials_in_url(value)


def test_the_audit_and_the_deploy_share_the_secret_rule():
    assert compliance.SECRET_NAME_RE is rules.SECRET_LIKE_NAME_RE
    assert compliance.CREDENTIALS_IN_URL_RE is rules.CREDENTIALS_IN_URL_RE
    assert ecs.SECRET_LIKE_RE is rules.SECRET_LIKE_NAME_RE
    container = {"environment": [{"name": "db_pass", "value": "x"}, {"name": "U", "value": "redis://:t@h"}]}
    assert compliance.plaintext_secret_names(container) == ["db_pass", "U"]


@pytest.mark.parametrize("name", ["DATABASE_MASTER", "DATABASE_MASTER_PASSWORD", "DB_MASTER", "RDS_MASTER_USER"])
def test_master_secrets(name):
    assert rules.is_master_secret(name)
    errors = rules.secrets_errors("platform_services[api]", ["DATABASE_URL", name])
    assert errors and name in errors[0] and "master" in errors[0]


def test_master_secret_by_path_and_allowed_secrets():
    assert rules.is_master_secret("WHATEVER", "database/master-password")
    assert not rules.is_master_secret("DATABASE_URL", "database/url")
    assert rules.secrets_errors("w", ["DATABASE_URL", "REDIS_AUTH_TOKEN", "JWT_SECRET"]) == []
    assert "UPPER_CASE" in rules.secrets_errors("w", ["lower"])[0]


@pytest.mark.parametrize("name", ["execution", "migrate", "db-bootstrap", "alb", "db", "task-x", "exec-api"])
def test_reserved_service_names(name):
    errors = rules.service_name_errors("platform_services[0]", name, PREFIX)
    assert errors and "reserved" in errors[0] and repr(name) in errors[0]


def test_service_names_and_the_iam_limit():
    assert rules.service_name_errors("w", "backend", PREFIX) == []
    assert "DNS-safe" in rules.service_name_errors("w", "Bad_Name", PREFIX)[0]
    assert "DNS-safe" in rules.service_name_errors("w", "a--b", PREFIX)[0]
    prefix = "averylongplatformnam-staging"  # 20 + 8 characters, the longest prefix
    longest = "s" * (64 - len(f"{prefix}-exec-"))
    assert rules.service_name_errors("w", longest, prefix) == []
    errors = rules.service_name_errors("w", longest + "x", prefix)
    assert len(errors) == 2 and all("longer than IAM's 64" in e for e in errors)
    assert f"{prefix}-exec-{longest}x" in errors[0] and f"at most {len(longest)} characters" in errors[0]
    # the ecs filter's rule is this one
    assert ecs.ecs_iam_role_errors([{"name": longest + "x"}], prefix) == [
        e.replace("w.name", f"platform_services[{longest}x].name") for e in errors
    ]


def test_name_limits():
    assert rules.name_length_errors("v", "x" * 63, "s3_bucket") == []
    assert "63" in rules.name_length_errors("v", "x" * 64, "s3_bucket")[0]
    assert rules.NAME_LIMITS["elb_target_group"] == ecs.ELB_NAME_MAX == 32
    assert rules.NAME_LIMITS["iam_role"] == ecs.IAM_ROLE_NAME_MAX == 64


def test_unknown_keys_name_the_closest_known_key():
    errors = rules.unknown_key_errors("platform_services[api]", {"name": "api", "secret": [], "colour": 1})
    assert len(errors) == 2
    assert "unknown key 'secret' (did you mean secrets?)" in errors[1]
    assert "unknown key 'colour'" in errors[0] and "health_check_grace_period" in errors[0]


def test_buckets():
    assert rules.buckets_errors("w", ["documents", "media"], BUCKETS) == []
    errors = rules.buckets_errors("w", ["documnets"], BUCKETS)
    assert errors == [
        "w.buckets lists 'documnets', which is not one of the storage buckets "
        "(storage_buckets: documents, media, models, assets, backups, logs)"
    ]
    assert rules.buckets_errors("w", "documents", BUCKETS)
    assert platform._default_storage_buckets() == BUCKETS  # the storage role's default, read, not copied


@pytest.mark.parametrize("value", ["60s", -1, 1.5, True, "abc", 2**31])
def test_bad_grace_periods(value):
    assert "health_check_grace_period" in rules.grace_period_errors("w", value)[0]


@pytest.mark.parametrize("value", [None, 0, 60, "120"])
def test_good_grace_periods(value):
    assert rules.grace_period_errors("w", value) == []


def test_images_come_from_the_stacks_ecr():
    good = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{PREFIX}/api:v1"
    assert rules.image_errors("w", None, PREFIX, "api", "us-east-1") == []
    assert rules.image_errors("w", good, PREFIX, "api", "us-east-1") == []
    assert rules.image_errors("w", good, PREFIX, "api", "us-east-1", account="123456789012") == []
    digest = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{PREFIX}/api@sha256:{'a' * 64}"
    assert rules.image_errors("w", digest, PREFIX, "api", "us-east-1") == []
    fips = good.replace(".dkr.ecr.", ".dkr.ecr-fips.")
    assert rules.image_errors("w", fips, PREFIX, "api", "us-east-1") == []
    china = f"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/{PREFIX}/api:v1"
    assert rules.image_errors("w", china, PREFIX, "api", "cn-north-1") == []
    for bad in (
        "nginx:latest",
        "docker.io/library/postgres:16",
        "public.ecr.aws/docker/library/postgres:16",
        good.replace("us-east-1", "eu-west-1"),
        good.replace(f"{PREFIX}/api", f"{PREFIX}/worker"),
        good.replace(f"{PREFIX}/api", "other-prod/api"),
        good.replace(":v1", ""),
    ):
        errors = rules.image_errors("w", bad, PREFIX, "api", "us-east-1")
        assert errors and "outside the stack's ECR" in errors[0], bad
    assert rules.image_errors("w", good, PREFIX, "api", "us-east-1", account="111122223333")


@pytest.mark.parametrize(
    ("region", "dr", "needle"),
    [
        ("mars-east-1", "", "platform_region 'mars-east-1' is not an AWS region"),
        ("us-east-1", "us-weast-2", "platform_dr_region 'us-weast-2' is not an AWS region"),
        ("us-east-1", "eu-central-9", "platform_dr_region 'eu-central-9' is not an AWS region"),
        ("us-east-1", "us-east-1", "equals platform_region"),
        ("us-east-1", "cn-north-1", "one partition"),
    ],
)
def test_bad_regions(region, dr, needle):
    errors = rules.region_errors(region, dr)
    assert any(needle in e for e in errors), errors


def test_good_regions():
    assert rules.region_errors("us-east-1", "us-west-2") == []
    assert rules.region_errors("eu-central-1", "") == []
    assert rules.region_errors("us-gov-west-1", "us-gov-east-1") == []


@pytest.mark.parametrize(
    ("url", "env", "allow", "needle"),
    [
        ("http://moto.internal:5000", "local", False, "plain http:// to moto.internal"),
        ("http://10.0.0.5:5000", "staging", False, "plain http://"),
        ("http://127.0.0.1:5000", "prod", False, "plain http:// in prod"),
        ("http://example.org", "prod", True, "plain http:// to example.org"),
        ("ftp://127.0.0.1", "local", False, "must be an http(s) URL"),
        ("127.0.0.1:5000", "local", False, "must be an http(s) URL"),
        ("https://u:p@vpce.example.org", "prod", False, "must not carry credentials"),
    ],
)
def test_bad_endpoints(url, env, allow, needle):
    errors = rules.endpoint_url_errors(url, env, allow)
    assert errors and needle in errors[0], errors


@pytest.mark.parametrize(
    ("url", "env", "allow"),
    [
        ("", "prod", False),
        ("https://vpce-1.s3.us-east-1.vpce.amazonaws.com", "prod", False),
        ("http://127.0.0.1:5000", "local", False),
        ("http://localhost:5000", "dev", False),
        ("http://[::1]:5000", "staging", False),
        ("http://127.0.0.1:5000", "prod", True),
    ],
)
def test_good_endpoints(url, env, allow):
    assert rules.endpoint_url_errors(url, env, allow) == []


def test_bucket_names_fit_the_s3_limit():
    assert rules.bucket_name_errors(PREFIX, BUCKETS, "-{account_id}") == []
    prefix = "averylongplatformnam-staging"
    assert rules.bucket_name_errors(prefix, BUCKETS, "-{account_id}") == []  # 28+1+9+13+3 = 54
    errors = rules.bucket_name_errors(prefix, ["documents", "x" * 20], "-{account_id}")
    assert len(errors) == 1 and "longer than S3's 63" in errors[0] and "'xxxxxxxxxxxxxxxxxxxx'" in errors[0]
    assert "storage_bucket_suffix '-A'" in rules.bucket_name_errors(PREFIX, BUCKETS, "-A")[0]
    assert "storage_buckets: 'Docs'" in rules.bucket_name_errors(PREFIX, ["Docs"], "")[0]
    assert platform._storage_default("storage_bucket_suffix") == "-{account_id}"


# --- the platform wiring contract (issue 13) ---------------------------------------------------

WIRING = {
    "region": "eu-central-1",
    "platform_env": "prod",
    "buckets": {"documents": "caseapp-prod-documents-123456789012", "ml-models": "caseapp-prod-ml-models-1"},
    "search_endpoint": "vpc-caseapp-prod-search-abc.eu-central-1.es.amazonaws.com",
    "user_pool_id": "eu-central-1_AbC",
    "user_pool_client_id": "client123",
}


def test_a_service_using_everything_gets_the_whole_wiring():
    spec = {"name": "api", "buckets": ["documents", "ml-models"], "secrets": ["JWT_SECRET", "DATABASE_URL"]}
    assert rules.service_uses(spec) == list(rules.COMPONENTS)
    assert rules.service_environment(spec, WIRING) == {
        "AWS_REGION": "eu-central-1",
        "PLATFORM_ENV": "prod",
        "S3_BUCKET_DOCUMENTS": "caseapp-prod-documents-123456789012",
        "S3_BUCKET_ML_MODELS": "caseapp-prod-ml-models-1",
        "OPENSEARCH_ENDPOINT": "https://vpc-caseapp-prod-search-abc.eu-central-1.es.amazonaws.com",
        "COGNITO_USER_POOL_ID": "eu-central-1_AbC",
        "COGNITO_CLIENT_ID": "client123",
    }
    # listed and given by the platform: once
    assert rules.service_secret_names(spec) == ["DATABASE_URL", "JWT_SECRET", "REDIS_URL"]


def test_a_component_not_used_gives_nothing():
    spec = {"name": "media", "uses": ["database", "cache", "storage"], "buckets": ["documents"]}
    env = rules.service_environment(spec, WIRING)
    assert "OPENSEARCH_ENDPOINT" not in env
    assert not [n for n in env if n.startswith("COGNITO_")]
    assert env["S3_BUCKET_DOCUMENTS"] == "caseapp-prod-documents-123456789012"
    assert rules.service_secret_names(spec) == ["DATABASE_URL", "REDIS_URL"]
    bare = {"name": "bare", "uses": []}
    assert rules.service_environment(bare, WIRING) == {"AWS_REGION": "eu-central-1", "PLATFORM_ENV": "prod"}
    assert rules.service_secret_names(bare) == []
    assert rules.service_secret_names({"name": "s", "uses": ["search"], "secrets": ["JWT_SECRET"]}) == ["JWT_SECRET"]


def test_unknown_values_are_left_out_and_endpoints_get_https():
    env = rules.service_environment({"name": "api", "buckets": ["documents"]}, {"region": "r", "platform_env": "dev"})
    assert env == {"AWS_REGION": "r", "PLATFORM_ENV": "dev"}
    assert rules.https_endpoint("https://x") == "https://x"
    assert rules.https_endpoint("") == ""
    assert rules.bucket_env_name("ml-models") == "S3_BUCKET_ML_MODELS"


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"uses": ["database", "queue"]}, "w.uses lists 'queue', which is not a component: use any of database, cache"),
        ({"uses": "database"}, "w.uses 'database' must be a list"),
        ({"uses": ["database"], "buckets": ["documents"]}, "w.buckets is set but uses does not include storage"),
        (
            {"uses": ["cache"], "secrets": ["DATABASE_URL"]},
            "w.secrets lists DATABASE_URL but uses does not include database",
        ),
        ({"uses": ["database"], "secrets": ["REDIS_URL"]}, "w.secrets lists REDIS_URL but uses does not include cache"),
        ({"environment": {"AWS_REGION": "x"}}, "w.environment.AWS_REGION is refused: the platform sets"),
        ({"environment": {"s3_bucket_media": "x"}}, "w.environment.s3_bucket_media is refused"),
        ({"environment": {"COGNITO_USER_POOL_ID": "x"}}, "w.environment.COGNITO_USER_POOL_ID is refused"),
    ],
)
def test_uses_errors(spec, needle):
    errors = rules.uses_errors("w", spec)
    assert any(needle in e for e in errors), errors


def test_uses_that_stay_valid():
    assert rules.uses_errors("w", {}) == []
    assert rules.uses_errors("w", {"uses": [], "environment": {"LOG_LEVEL": "x"}}) == []
    assert rules.uses_errors("w", {"uses": ["database", "cache"], "secrets": ["DATABASE_URL", "REDIS_URL"]}) == []
    assert rules.uses_errors("w", {"uses": ["storage"], "buckets": ["media"]}) == []
    assert "uses" in rules.SERVICE_KEYS


def test_bucket_names_from_the_storage_facts():
    facts = {"documents": {"name": "caseapp-prod-documents-1", "arn": "arn:aws:s3:::caseapp-prod-documents-1"}}
    env = rules.service_environment({"name": "api", "buckets": ["documents"]}, {"region": "r", "buckets": facts})
    assert env["S3_BUCKET_DOCUMENTS"] == "caseapp-prod-documents-1"


# --- disaster recovery (issue 14) ------------------------------------------------------------------

DR_BASE = {
    "platform_env": "prod",
    "platform_region": "eu-west-1",
    "platform_dr_region": "eu-central-1",
    "platform_vpc_cidr": "10.60.0.0/16",
    "platform_dr_certificate_arn": "arn:aws:acm:eu-central-1:111122223333:certificate/x",
}


def test_dr_errors_accepts_a_complete_dr_setup():
    assert rules.dr_errors(DR_BASE) == []
    assert rules.dr_errors({**DR_BASE, "platform_dr_vpc_cidr": "10.61.0.0/16"}) == []
    assert (
        rules.dr_errors({**DR_BASE, "platform_dns_zone": "example.org", "platform_dns_name": "app.example.org"}) == []
    )


def test_dr_errors_without_dr_region_needs_nothing():
    assert rules.dr_errors({"platform_env": "prod", "platform_vpc_cidr": "10.60.0.0/16"}) == []


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("10.60.128.0/17", "overlaps platform_vpc_cidr"),
        ("10.0.0.0/8", "/16 to /24"),
        ("10.61.0.0/25", "/16 to /24"),
        ("8.8.0.0/16", "private"),
        ("10.61.0.1/16", "must be a /16 to /24"),
        ("nonsense", "must be a /16 to /24"),
    ],
)
def test_dr_errors_refuses_a_bad_dr_cidr(cidr, message):
    errors = rules.dr_errors({**DR_BASE, "platform_dr_vpc_cidr": cidr})
    assert len(errors) == 1
    assert "platform_dr_vpc_cidr" in errors[0]
    assert message in errors[0]


def test_dr_errors_refuses_an_underivable_dr_cidr():
    (error,) = rules.dr_errors({**DR_BASE, "platform_vpc_cidr": "10.255.0.0/16"})
    assert "cannot be derived" in error
    assert (
        rules.dr_errors({**DR_BASE, "platform_vpc_cidr": "10.255.0.0/16", "platform_dr_vpc_cidr": "10.1.0.0/16"}) == []
    )
    # without the pilot light there is no DR network
    assert rules.dr_errors({**DR_BASE, "platform_vpc_cidr": "10.255.0.0/16", "platform_dr_pilot_light": False}) == []


def test_dr_errors_pilot_light_needs_a_dr_region_and_a_certificate_in_staging_and_prod():
    (error,) = rules.dr_errors({**DR_BASE, "platform_dr_region": "", "platform_dr_pilot_light": True})
    assert "platform_dr_region is empty" in error
    for env in ("staging", "prod"):
        (error,) = rules.dr_errors({**DR_BASE, "platform_env": env, "platform_dr_certificate_arn": ""})
        assert "platform_dr_certificate_arn is empty" in error
    assert rules.dr_errors({**DR_BASE, "platform_env": "dev", "platform_dr_certificate_arn": ""}) == []
    assert rules.dr_errors({**DR_BASE, "platform_dr_certificate_arn": "", "platform_dr_pilot_light": "false"}) == []


@pytest.mark.parametrize(
    ("zone", "name", "message"),
    [
        ("example.org", "", "go together"),
        ("", "app.example.org", "go together"),
        ("example.org", "app.example.com", "not inside platform_dns_zone"),
        ("example.org", "example.org", "not inside platform_dns_zone"),
        ("example.org", "app..example.org", "is not a DNS name"),
        ("example", "app.example", "is not a DNS zone name"),
    ],
)
def test_dr_errors_dns_name_inside_its_zone(zone, name, message):
    errors = rules.dr_errors({**DR_BASE, "platform_dns_zone": zone, "platform_dns_name": name})
    assert any(message in e for e in errors), errors


@pytest.mark.parametrize(
    ("path", "valid"),
    [
        ("/", True),
        ("/platform/", True),
        ("/platform/caseapp-prod/", True),
        ("/a+b=c,d.e@f_g-h/", True),
        ("platform/", False),
        ("/platform", False),
        ("//", False),
        ("/with space/", False),
        ("/" + "a/" * 256, False),
        (None, False),
    ],
)
def test_iam_paths_one_rule_for_identity_and_search(path, valid):
    from ansible_collections.platform_ops.aws.plugins.filter import identity_plan

    assert rules.is_iam_path(path) is valid
    assert platform.is_iam_path(path) is valid
    # The identity role's check uses the same rule.
    errors = identity_plan.identity_input_errors({"role_path": path, "services": [], "prefix": "caseapp-prod"})
    assert any("identity_role_path" in e for e in errors) is not valid
