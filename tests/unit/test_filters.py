"""platform_ops.aws filters: names, tags, subnet layout, validation, plans."""

from __future__ import annotations

import ipaddress

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.filter import platform as f

VALID = {
    "platform_name": "caseapp",
    "platform_env": "prod",
    "platform_region": "eu-central-1",
    "platform_dr_region": "eu-west-1",
    "platform_dr_certificate_arn": "arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000",
    "platform_vpc_cidr": "172.20.0.0/18",
    "platform_az_count": 3,
    "platform_tags": {"CostCenter": "x"},
    "platform_image_tag": "2026.11.23-abc",
    "platform_migration_command": ["alembic", "upgrade", "head"],
    "platform_alarm_emails": ["ops@example.org"],
    "platform_services": [
        {
            "name": "api",
            "port": 8000,
            "cpu": 512,
            "memory": 1024,
            "desired_count": 2,
            "min_count": 1,
            "max_count": 4,
            "public": True,
        },
        {"name": "worker", "port": 9000, "cpu": 256, "memory": 512, "secrets": ["DATABASE_URL"]},
    ],
}


def test_names_and_tags():
    assert f.resource_name("caseapp", "prod", "db") == "caseapp-prod-db"
    assert f.resource_name("caseapp", "prod") == "caseapp-prod"
    tags = f.standard_tags("caseapp", "prod", {"CostCenter": "legal", "Project": "evil"})
    assert tags == {
        "Project": "caseapp",
        "Environment": "prod",
        "ManagedBy": "ansible",
        "DataClassification": "phi",
        "CostCenter": "legal",
    }
    assert f.tag_filters("a", "b") == {"tag:Project": "a", "tag:Environment": "b", "tag:ManagedBy": "ansible"}


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "172.16.32.0/20", "192.168.0.0/17"])
def test_subnet_layout_is_disjoint_inside_the_vpc_and_stable(cidr):
    two = f.subnet_layout(cidr, 2, ["a", "b", "c"])
    three = f.subnet_layout(cidr, 3, ["a", "b", "c"])
    vpc = ipaddress.ip_network(cidr)
    nets = [ipaddress.ip_network(s["cidr"]) for s in three]
    assert all(n.subnet_of(vpc) for n in nets)
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    assert len(three) == 9 and {s["tier"] for s in three} == {"public", "private", "database"}
    # growing the AZ count never moves an existing subnet
    assert all(entry in three for entry in two)


def test_subnet_layout_errors():
    with pytest.raises(AnsibleFilterError, match="offers 2 availability zones"):
        f.subnet_layout("10.0.0.0/16", 3, ["a", "b"])
    with pytest.raises(AnsibleFilterError, match="not a network CIDR"):
        f.subnet_layout("10.0.0.1/16", 2)


def test_valid_config_has_no_errors():
    assert f.platform_config_errors(VALID) == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"platform_name": "Bad_Name"}, "platform_name"),
        ({"platform_name": "ab"}, "platform_name"),
        ({"platform_name": "a-very-long-platform-name"}, "platform_name"),
        ({"platform_env": "qa"}, "platform_env"),
        ({"platform_region": "mars-1"}, "platform_region"),
        ({"platform_dr_region": "eu-central-1"}, "platform_dr_region"),
        ({"platform_az_count": 4}, "platform_az_count"),
        ({"platform_vpc_cidr": "8.8.0.0/16"}, "platform_vpc_cidr"),
        ({"platform_vpc_cidr": "10.0.0.0/8"}, "platform_vpc_cidr"),
        ({"platform_vpc_cidr": "10.0.0.0/24"}, "platform_vpc_cidr"),
        ({"platform_tags": {"Project": "x"}}, "platform_tags"),
        ({"platform_alarm_emails": ["not-an-email"]}, "platform_alarm_emails"),
        ({"platform_certificate_arn": "arn:aws:iam::1:cert"}, "platform_certificate_arn"),
        ({"platform_image_tag": "bad tag"}, "platform_image_tag"),
        ({"platform_services": [{"name": "API", "port": 80}]}, "platform_services[0].name"),
        ({"platform_services": [{"name": "api", "port": 0}]}, "platform_services[api].port"),
        (
            {"platform_services": [{"name": "api", "port": 80, "cpu": 256, "memory": 4096}]},
            "platform_services[api].memory",
        ),
        (
            {"platform_services": [{"name": "api", "port": 80, "desired_count": 5, "max_count": 2}]},
            "min_count <= desired_count",
        ),
        (
            {"platform_services": [{"name": "api", "port": 80, "environment": {"DB_PASSWORD": "x"}}]},
            "looks like a secret",
        ),
        ({"platform_services": [{"name": "api", "port": 80, "secrets": ["lower"]}]}, "secrets"),
        ({"platform_services": [{"name": "api", "port": 80, "colour": "red"}]}, "unknown key 'colour'"),
        ({"platform_services": [{"name": "api", "port": 80}, {"name": "api", "port": 81}]}, "duplicate"),
    ],
)
def test_bad_values_are_named(change, needle):
    errors = f.platform_config_errors(dict(VALID, **change))
    assert errors and any(needle in e for e in errors), errors


def _svc(**extra):
    return {"platform_services": [dict({"name": "api", "port": 8000}, **extra)]}


ECR = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/caseapp-prod/api"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (_svc(environment={"db_password": "x"}), "platform_services[api].environment.db_password is refused"),
        (_svc(environment={"DB_PASS": "x"}), "platform_services[api].environment.DB_PASS is refused"),
        (_svc(environment={"api_key": "x"}), "environment.api_key is refused"),
        (_svc(environment={"REDIS_URL": "rediss://cache:6379"}), "environment.REDIS_URL is refused"),
        (_svc(environment={"UPSTREAM": "postgres://app:pw@db/app"}), "URL with credentials"),
        (_svc(buckets=["documnets"]), "platform_services[api].buckets lists 'documnets'"),
        (_svc(name="execution"), "platform_services[execution].name 'execution' is reserved"),
        (_svc(name="db-bootstrap"), "'db-bootstrap' is reserved"),
        (
            {"platform_name": "averylongplatformnam", "platform_env": "staging", **_svc(name="s" * 32)},
            "the IAM role name averylongplatformnam-staging-exec-ssssssssssssssssssssssssssssssss (66 characters)",
        ),
        (_svc(health_check_grace_period="60s"), "platform_services[api].health_check_grace_period '60s'"),
        (_svc(health_check_grace_period=-5), "health_check_grace_period -5"),
        (_svc(secrets=["DATABASE_MASTER"]), "platform_services[api].secrets lists DATABASE_MASTER"),
        (_svc(image="nginx:latest"), "platform_services[api].image 'nginx:latest' is outside the stack's ECR"),
        (_svc(image=ECR.replace("/api", "/worker") + ":v1"), "outside the stack's ECR"),
        (_svc(image=ECR + ":v1", image_tag="v2"), "image and image_tag are exclusive"),
        (_svc(usage=["database"]), "unknown key 'usage' (did you mean uses?)"),
        (_svc(uses=["database", "queue"]), "platform_services[api].uses lists 'queue', which is not a component"),
        (_svc(uses="database"), "platform_services[api].uses 'database' must be a list"),
        (_svc(uses=["database"], buckets=["documents"]), "platform_services[api].buckets is set but uses does not"),
        (
            _svc(uses=["cache"], secrets=["DATABASE_URL"]),
            "secrets lists DATABASE_URL but uses does not include database",
        ),
        (_svc(uses=["database"], secrets=["REDIS_URL"]), "secrets lists REDIS_URL but uses does not include cache"),
        (_svc(environment={"AWS_REGION": "us-east-1"}), "platform_services[api].environment.AWS_REGION is refused"),
        (_svc(environment={"S3_BUCKET_DOCUMENTS": "x"}), "environment.S3_BUCKET_DOCUMENTS is refused: the platform"),
        (_svc(environment={"OPENSEARCH_ENDPOINT": "https://x"}), "environment.OPENSEARCH_ENDPOINT is refused"),
        (_svc(environment={"COGNITO_REGION": "x"}), "environment.COGNITO_REGION is refused"),
        (_svc(environment={"PLATFORM_ENV": "prod"}), "environment.PLATFORM_ENV is refused"),
        (_svc(bucket_access="rw"), "bucket_access 'rw'"),
        ({"platform_dr_region": "eu-nowhere-1"}, "platform_dr_region 'eu-nowhere-1' is not an AWS region"),
        ({"platform_dr_region": "eu-central-1"}, "platform_dr_region 'eu-central-1' equals platform_region"),
        ({"platform_aws_endpoint_url": "http://127.0.0.1:5000"}, "plain http:// in prod"),
        ({"platform_env": "staging", "platform_aws_endpoint_url": "http://moto:5000"}, "plain http:// to moto"),
    ],
)
def test_every_bad_input_of_issue_12_is_named(change, needle):
    errors = f.platform_config_errors(dict(VALID, **change))
    assert any(needle in e for e in errors), errors


def test_inputs_that_stay_valid():
    # the platform's secrets may still be listed (deduplicated) when the component is used
    assert f.platform_config_errors(dict(VALID, **_svc(secrets=["DATABASE_URL", "REDIS_URL", "JWT_SECRET"]))) == []
    assert f.platform_config_errors(dict(VALID, **_svc(uses=[], environment={"LOG_LEVEL": "info"}))) == []
    assert f.platform_config_errors(dict(VALID, **_svc(uses=["storage"], buckets=["documents"]))) == []
    assert f.platform_config_errors(dict(VALID, **_svc(image=ECR + ":v1", buckets=["documents"]))) == []
    assert f.platform_config_errors(dict(VALID, **_svc(health_check_grace_period=120))) == []
    insecure = {"platform_aws_endpoint_url": "http://127.0.0.1:5000", "platform_allow_insecure_endpoint": True}
    assert f.platform_config_errors(dict(VALID, **insecure)) == []
    assert (
        f.platform_config_errors(dict(VALID, platform_env="dev", platform_aws_endpoint_url="http://localhost:1")) == []
    )
    # the inventory's storage_buckets replace the storage role's default
    assert f.platform_config_errors(dict(VALID, **_svc(buckets=["scans"])), known_buckets=["scans"]) == []
    # bucket names within S3's 63 characters, with the inventory's storage_buckets and suffix
    errors = f.platform_config_errors(VALID, known_buckets=["documents", "x" * 50], bucket_suffix="")
    assert any("longer than S3's 63" in e for e in errors), errors
    # the certificate's account pins the image's account
    cert = "arn:aws:acm:eu-central-1:111122223333:certificate/x"
    errors = f.platform_config_errors(dict(VALID, platform_certificate_arn=cert, **_svc(image=ECR + ":v1")))
    assert any("account 111122223333" in e for e in errors), errors


def test_service_spec_errors_of_the_identity_role():
    assert f.service_spec_errors([{"name": "api"}, {"name": "worker", "bucket_access": "read"}], "caseapp-prod") == []
    errors = f.service_spec_errors([{"name": "execution"}, {"name": "execution", "bucket_access": "x"}], "c-prod")
    assert any("reserved" in e for e in errors) and any("bucket_access" in e for e in errors)
    assert "platform_services has duplicate service names" in errors


def test_subnets_to_converge_skips_matching_subnets():
    layout = f.subnet_layout("10.0.0.0/16", 2, ["a", "b"])
    tags = f.standard_tags("p", "dev")
    todo = f.subnets_to_converge(layout, [], "p-dev", tags)
    assert len(todo) == 6 and todo[0]["tags"]["Name"] == "p-dev-public-a"
    existing = [
        {
            "cidr_block": t["cidr"],
            "availability_zone": t["az"],
            "map_public_ip_on_launch": t["tier"] == "public",
            "tags": t["tags"],
            "id": f"subnet-{i}",
        }
        for i, t in enumerate(todo)
    ]
    assert f.subnets_to_converge(layout, existing, "p-dev", tags) == []
    existing[0]["tags"] = {}
    assert [t["cidr"] for t in f.subnets_to_converge(layout, existing, "p-dev", tags)] == [layout[0]["cidr"]]
    by_tier = f.subnets_by_tier(existing, layout)
    assert by_tier["public"] == ["subnet-0", "subnet-1"] and len(by_tier["database"]) == 2


def test_nat_gateway_plan():
    tags = f.standard_tags("p", "prod")
    plan = f.nat_gateway_plan(["s1", "s2"], [], "p-prod", tags)
    assert [c["subnet_id"] for c in plan["create"]] == ["s1", "s2"] and plan["ids"] == [None, None]
    existing = [
        {"subnet_id": "s1", "state": "available", "nat_gateway_id": "nat-1", "tags": dict(tags, Name="p-prod-nat-0")}
    ]
    plan = f.nat_gateway_plan(["s1", "s2"], existing, "p-prod", tags)
    assert [c["subnet_id"] for c in plan["create"]] == ["s2"] and plan["ids"] == ["nat-1", None]
    assert f.pick_nat_id(("nat-1", 0), []) == "nat-1"
    assert f.pick_nat_id((None, 1), [{"item": {"index": 1}, "nat_gateway_id": "nat-2"}]) == "nat-2"


def test_secret_names():
    assert f.secret_name("DATABASE_URL", "caseapp", "prod") == "caseapp-prod/database/url"
    assert f.secret_name("REDIS_AUTH_TOKEN", "caseapp", "prod") == "caseapp-prod/cache/auth-token"
    assert f.secret_name("STRIPE_API_KEY", "caseapp", "prod") == "caseapp-prod/app/stripe-api-key"


def test_operations_targets():
    services = VALID["platform_services"] + [
        {"name": "admin", "port": 7000, "public": True, "image_tag": "pinned", "health_path": "/ready"}
    ]
    assert f.rollback_targets(["api"], "c", "prod") == [{"service": "c-prod-api", "revision": "previous"}]
    assert f.rollback_targets(["api"], "c", "prod", "7") == [
        {"service": "c-prod-api", "task_definition": "c-prod-api:7"}
    ]
    # the first service (spec order) that uses the database: api uses everything by default
    assert f.migration_service(services) == "api"
    no_db = [dict(svc, uses=["storage"]) for svc in VALID["platform_services"]]
    assert f.migration_service(no_db + [dict(services[-1], uses=["cache", "database"])]) == "admin"
    assert f.migration_service(services, "worker") == "worker"
    with pytest.raises(AnsibleFilterError, match="no service uses the database"):
        f.migration_service(no_db)
    with pytest.raises(AnsibleFilterError, match="not one of"):
        f.migration_service(services, "nope")
    targets = f.health_check_targets(services, "https://alb.example/", {})
    assert targets == [
        {"service": "api", "url": "https://alb.example/health"},
        {"service": "admin", "url": "https://alb.example/admin/ready"},
    ]
    assert (
        f.health_check_targets(services, "x", {"api": "http://127.0.0.1:8000/health"})[0]["url"]
        == "http://127.0.0.1:8000/health"
    )


def test_outputs_table():
    lines = f.outputs_table(
        {"network": {"vpc_id": "vpc-1", "subnets": ["a", "b"], "sg": {"app": "sg-1"}}}, "c", "dev", "us-east-1"
    )
    assert lines[0] == "c-dev in us-east-1"
    assert any(line.startswith("network.subnets") and line.endswith("a, b") for line in lines)
    assert any(line.startswith("network.sg.app") for line in lines)


def test_uses_filters():
    api = {"name": "api", "port": 1, "secrets": ["JWT_SECRET", "DATABASE_URL"]}
    worker = {"name": "worker", "port": 2, "uses": ["storage", "database"]}
    none = {"name": "lone", "port": 3, "uses": []}
    assert f.service_uses(api) == ["database", "cache", "storage", "search", "identity"]
    assert f.service_uses(worker) == ["database", "storage"]
    assert f.service_uses(none) == []
    assert f.services_using([api, worker, none], "search") == ["api"]
    assert f.services_using([api, worker, none], "database") == ["api", "worker"]
    with pytest.raises(AnsibleFilterError, match="not one of"):
        f.services_using([api], "queue")
    assert f.service_secrets(api) == ["DATABASE_URL", "JWT_SECRET", "REDIS_URL"]
    assert f.service_secrets(worker) == ["DATABASE_URL"]
    assert f.service_secrets(none) == []
    assert f.secret_name("REDIS_URL", "caseapp", "prod") == "caseapp-prod/cache/url"


def test_merge_reads_prefixes_ids_and_the_ids_reads_name():
    merged = f.merge_reads(
        {
            "storage": [{"id": "key", "service": "kms", "operation": "describe_key", "params": {"KeyId": "alias/x"}}],
            "cache": [
                {"id": "key", "service": "secretsmanager", "operation": "describe_secret"},
                {"id": "p", "service": "kms", "operation": "get_key_policy", "params_from": {"KeyId": "key.ARN"}},
                {"id": "f", "service": "kms", "operation": "list_keys", "only_if_missing": ["key", "p"]},
            ],
        }
    )
    assert [r["id"] for r in merged] == ["storage__key", "cache__key", "cache__p", "cache__f"]
    assert merged[2]["params_from"] == {"KeyId": "cache__key.ARN"}
    assert merged[3]["only_if_missing"] == ["cache__key", "cache__p"]
    assert merged[0]["params"] == {"KeyId": "alias/x"}
    responses = {"storage__key": {"a": 1}, "cache__key": None, "cache__p": {"b": 2}}
    assert f.role_responses(responses) == {"storage": {"key": {"a": 1}}, "cache": {"key": None, "p": {"b": 2}}}
    assert f.role_responses(responses, "cache") == {"key": None, "p": {"b": 2}}
    assert f.role_responses(responses, "search") == {} and f.merge_reads({}) == []
    with pytest.raises(AnsibleFilterError, match="must not hold"):
        f.merge_reads({"a__b": []})
