"""Filters of the ecs_service role: input checks, names, task definitions, plans, listeners, WAF, CloudFront."""

from __future__ import annotations

import copy
import uuid

import pytest
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.platform_ops.aws.plugins.filter import ecs as f
from ansible_collections.platform_ops.aws.plugins.filter import monitoring

PREFIX = "caseapp-prod"
ACCOUNT = "123456789012"
CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f0e0d0c-0000-4000-8000-000000000000"
TG_API = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/caseapp-prod-api/73e2d6bc24d8a067"
TG_ADMIN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/caseapp-prod-admin/1111111111111111"
SERVICES = [
    {
        "name": "api",
        "port": 8000,
        "cpu": 512,
        "memory": 1024,
        "desired_count": 2,
        "min_count": 2,
        "max_count": 6,
        "health_path": "/health",
        "public": True,
        "command": ["uvicorn", "app.main:app", "--port", "8000"],
        "environment": {"LOG_LEVEL": "info", "WORKERS": 4, "DEBUG": False},
        "secrets": ["JWT_SECRET", "DATABASE_URL"],
    },
    # uses nothing of the platform: no wired variable but AWS_REGION and PLATFORM_ENV, no secret
    {"name": "worker", "port": 9000, "cpu": 256, "memory": 512, "read_only_root_filesystem": False, "uses": []},
]
CTX = {
    "prefix": PREFIX,
    "platform_name": "caseapp",
    "platform_env": "prod",
    "region": "us-east-1",
    "account": ACCOUNT,
    "partition": "aws",
    "repositories": {
        "api": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PREFIX}/api",
        "worker": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PREFIX}/worker",
    },
    "image_tag": "2026.11.23-abc",
    "execution_role_arn": f"arn:aws:iam::{ACCOUNT}:role/platform/{PREFIX}/{PREFIX}-task-execution",
    "task_role_arns": {
        "api": f"arn:aws:iam::{ACCOUNT}:role/platform/{PREFIX}/{PREFIX}-task-api",
        "worker": f"arn:aws:iam::{ACCOUNT}:role/platform/{PREFIX}/{PREFIX}-task-worker",
    },
    "user": "10001",
    "stop_timeout": 30,
    "log_stream_prefix": "ecs",
}
SERVICE_CTX = {
    "prefix": PREFIX,
    "cluster": PREFIX,
    "subnets": ["subnet-a", "subnet-b"],
    "security_groups": ["sg-app"],
    "target_group_arns": {"api": TG_API},
    "grace_period": 60,
    "tags": {"Project": "caseapp", "Environment": "prod"},
    "capacity_provider_strategy": [],
}
VALID = {
    "platform_env": "prod",
    "certificate_arn": CERT,
    "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "prefix": PREFIX,
    "services": SERVICES,
    "keep_images": 30,
    "cpu_target": 60,
    "memory_target": 75,
    "waf_rate_limit": 2000,
    "health_check_grace_period": 60,
    "stop_timeout": 30,
    "idle_timeout": 60,
    "deregistration_delay": 30,
    "container_user": "10001",
    "cloudfront_enabled": True,
    "cloudfront_aliases": [],
    "cloudfront_certificate_arn": "",
}


def described(entry, revision=3, **extra):
    """What DescribeTaskDefinition returns for a registered entry: AWS fills in defaults."""
    params = entry["params"]
    containers = []
    for container in copy.deepcopy(params["containers"]):
        container.setdefault("cpu", 0)
        container.setdefault("environment", [])
        container.setdefault("mountPoints", [])
        container.setdefault("volumesFrom", [])
        for port in container["portMappings"]:
            port.pop("hostPort")  # the emulator leaves it out; AWS sets it to the container port
        container["environment"] = list(reversed(container["environment"]))
        containers.append(container)
    td = {
        "taskDefinitionArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{params['family']}:{revision}",
        "family": params["family"],
        "revision": revision,
        "status": "ACTIVE",
        "containerDefinitions": containers,
        "networkMode": "awsvpc",
        "cpu": params["cpu"],
        "memory": params["memory"],
        "executionRoleArn": params["execution_role_arn"],
        "taskRoleArn": params["task_role_arn"],
        "volumes": copy.deepcopy(params["volumes"]),
        "requiresCompatibilities": ["FARGATE"],
        "compatibilities": ["EC2", "FARGATE"],
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
        "placementConstraints": [],
    }
    td.update(extra)
    return td


def existing_service(spec, task_definition, **extra):
    name = f"{PREFIX}-{spec['name']}"
    service = {
        "serviceName": name,
        "serviceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/{PREFIX}/{name}",
        "status": "ACTIVE",
        "desiredCount": spec.get("desired_count", 1),
        "taskDefinition": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{task_definition}",
        "loadBalancers": (
            [{"targetGroupArn": TG_API, "containerName": spec["name"], "containerPort": spec["port"]}]
            if spec.get("public")
            else []
        ),
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-b", "subnet-a"],
                "securityGroups": ["sg-app"],
                "assignPublicIp": "DISABLED",
            }
        },
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        },
        "propagateTags": "SERVICE",
        "enableExecuteCommand": False,
        "launchType": "FARGATE",
    }
    if spec.get("public"):
        service["healthCheckGracePeriodSeconds"] = 60
    service.update(extra)
    return service


# --- names and checks ------------------------------------------------------------------------------


def test_target_group_names_fit_the_elb_limit_and_match_the_monitoring_role():
    assert f.ecs_target_group_name("api", PREFIX) == "caseapp-prod-api"
    long_a = f.ecs_target_group_name("document-ingestion-service", "caseapp-staging")
    long_b = f.ecs_target_group_name("document-ingestion-worker", "caseapp-staging")
    assert len(long_a) <= 32 and len(long_b) <= 32 and long_a != long_b
    assert long_a == f.ecs_target_group_name("document-ingestion-service", "caseapp-staging")
    assert not long_a.startswith("-") and not long_a.endswith("-")
    for service in ("api", "document-ingestion-service", "x" * 30):
        assert f.ecs_target_group_name(service, "caseapp-staging") == monitoring.target_group_name(
            service, "caseapp-staging"
        )


def test_secret_arns_follow_the_secret_naming_contract():
    assert f.ecs_secret_arn("DATABASE_URL", "caseapp", "prod", "us-east-1", ACCOUNT) == (
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:caseapp-prod/database/url"
    )
    assert f.ecs_secret_arn("STRIPE_KEY", "caseapp", "prod", "eu-west-1", ACCOUNT, partition="aws").endswith(
        ":secret:caseapp-prod/app/stripe-key"
    )


def test_valid_input_has_no_errors():
    assert f.ecs_service_errors(VALID) == []
    assert f.ecs_service_errors(dict(VALID, platform_env="local", certificate_arn="")) == []
    assert f.ecs_service_errors(dict(VALID, platform_env="dev", certificate_arn="")) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"certificate_arn": ""}, "never in prod"),
        ({"platform_env": "staging", "certificate_arn": ""}, "never in staging"),
        ({"certificate_arn": "arn:aws:iam::1:server-certificate/x"}, "is not an ACM certificate ARN"),
        ({"ssl_policy": "ELBSecurityPolicy-2016-08"}, "TLS 1.2+"),
        ({"prefix": "averyveryverylongname-staging"}, "longer than 32"),
        ({"services": []}, "at least one service"),
        ({"services": [dict(SERVICES[0], environment={"DB_PASSWORD": "x"})]}, "looks like a secret"),
        ({"services": [dict(SERVICES[0], environment={"DATABASE_URL": "x"})]}, "looks like a secret"),
        ({"services": [dict(SERVICES[0], secrets=["lower"])]}, "UPPER_CASE"),
        ({"services": [SERVICES[0], SERVICES[0]]}, "duplicate"),
        ({"services": [dict(SERVICES[0], min_count=3, desired_count=2)]}, "min_count <= desired_count"),
        ({"services": [dict(SERVICES[0], read_only_root_filesystem="yes")]}, "true or false"),
        ({"keep_images": 0}, "ecs_service_ecr_keep_images"),
        ({"cpu_target": 101}, "ecs_service_cpu_target"),
        ({"waf_rate_limit": 5}, "ecs_service_waf_rate_limit"),
        ({"stop_timeout": True}, "ecs_service_stop_timeout"),
        ({"container_user": "0"}, "non-root"),
        ({"container_user": "root:root"}, "non-root"),
        ({"cloudfront_aliases": ["assets.example.org"]}, "need ecs_service_cloudfront_certificate_arn"),
        ({"cloudfront_certificate_arn": CERT.replace("us-east-1", "eu-west-1")}, "in us-east-1"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(change, message):
    errors = f.ecs_service_errors(dict(VALID, **change))
    assert any(message in e for e in errors), errors


def test_reference_names_are_not_secrets():
    svc = dict(SERVICES[0], environment={"JWT_SECRET_ARN": "arn:...", "TOKEN_TTL": "3600"})
    assert f.ecs_service_errors(dict(VALID, services=[svc])) == []


def test_scaling_defaults():
    assert f.ecs_scaling({"name": "x"}) == {"min": 1, "desired": 1, "max": 1}
    assert f.ecs_scaling({"name": "x", "desired_count": 3}) == {"min": 3, "desired": 3, "max": 3}
    assert f.ecs_scaling(SERVICES[0]) == {"min": 2, "desired": 2, "max": 6}


def test_role_arns_from_iam_role_info_results():
    results = [
        {"iam_roles": [{"role_name": f"{PREFIX}-exec-api", "arn": "arn:exec-api"}]},
        {"iam_roles": [{"role_name": f"{PREFIX}-task-api", "arn": "arn:api"}]},
        {"iam_roles": []},
    ]
    assert f.ecs_role_arns(results, PREFIX, ["api", "worker"]) == {
        "execution_role_arns": {"api": "arn:exec-api", "worker": ""},
        "task_role_arns": {"api": "arn:api", "worker": ""},
    }


def test_iam_role_names_and_the_64_character_limit():
    assert f.ecs_iam_role_name("api", PREFIX) == f"{PREFIX}-exec-api"
    assert f.ecs_iam_role_name("api", PREFIX, "task") == f"{PREFIX}-task-api"
    assert f.ecs_iam_role_names([{"name": "api"}], PREFIX) == {
        "api": {"execution": f"{PREFIX}-exec-api", "task": f"{PREFIX}-task-api"}
    }
    with pytest.raises(AnsibleFilterError, match="kind"):
        f.ecs_iam_role_name("api", PREFIX, "admin")
    assert f.ecs_iam_role_errors([{"name": "api"}], PREFIX) == []
    longest_ok = "s" * (64 - len(f"{PREFIX}-exec-"))
    assert f.ecs_iam_role_errors([{"name": longest_ok}], PREFIX) == []
    errors = f.ecs_iam_role_errors([{"name": longest_ok + "x"}], PREFIX)
    assert len(errors) == 2 and all("longer than IAM's 64" in e for e in errors)
    assert f"at most {len(longest_ok)} characters" in errors[0]
    assert "reserved" in f.ecs_iam_role_errors(["execution"], PREFIX)[0]


def test_master_secrets_are_recognised():
    assert f.ecs_is_master_secret("DATABASE_MASTER", "caseapp", "prod")
    assert f.ecs_is_master_secret("DB_MASTER_PASSWORD", "caseapp", "prod")  # the shared rule's spellings
    assert not f.ecs_is_master_secret("DATABASE_URL", "caseapp", "prod")
    assert not f.ecs_is_master_secret("JWT_SECRET", "caseapp", "prod")


POLICY_CTX = {
    "prefix": PREFIX,
    "platform_name": "caseapp",
    "platform_env": "prod",
    "region": "us-east-1",
    "account": ACCOUNT,
    "partition": "aws",
    "kms_key_arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234",
}


def _grants(doc):
    out = {}
    for st in doc["Statement"]:
        assert st["Effect"] == "Allow"
        for action in st["Action"]:
            out.setdefault(action, set()).update(
                [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
            )
    return out


def test_execution_role_policy_grants_only_the_services_own_things():
    doc = f.ecs_execution_role_policy(SERVICES[0], POLICY_CTX)
    granted = _grants(doc)
    assert granted["ecr:GetAuthorizationToken"] == {"*"}
    assert granted["ecr:BatchGetImage"] == {f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{PREFIX}/api"}
    group = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/platform/{PREFIX}/api"
    assert granted["logs:PutLogEvents"] == {group, f"{group}:log-stream:*"}
    assert granted["secretsmanager:GetSecretValue"] == {
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/cache/url-??????",
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/database/url-??????",
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/identity/jwt-secret-??????",
    }
    assert granted["kms:Decrypt"] == {POLICY_CTX["kms_key_arn"]}
    decrypt = next(s for s in doc["Statement"] if s["Sid"] == "DecryptItsSecrets")
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}


def test_execution_role_policy_never_grants_the_master_secret():
    svc = {"name": "api", "secrets": ["DATABASE_MASTER", "DATABASE_URL"]}
    resources = _grants(f.ecs_execution_role_policy(svc, POLICY_CTX))["secretsmanager:GetSecretValue"]
    assert not any("database/master" in r for r in resources)
    # only the master listed: no secret statement and no key statement at all
    doc = f.ecs_execution_role_policy({"name": "api", "secrets": ["DATABASE_MASTER"], "uses": []}, POLICY_CTX)
    assert {s["Sid"] for s in doc["Statement"]} == {"EcrAuthorization", "PullItsImages", "WriteItsLogs"}


def test_task_definitions_use_each_services_execution_role():
    ctx = dict(CTX, execution_role_arns={"api": "arn:exec-api", "worker": "arn:exec-worker"})
    by_service = {e["service"]: e["params"] for e in f.ecs_task_definitions(SERVICES, ctx)}
    assert by_service["api"]["execution_role_arn"] == "arn:exec-api"
    assert by_service["worker"]["execution_role_arn"] == "arn:exec-worker"


# --- task definitions --------------------------------------------------------------------------------


def test_task_definition_of_a_public_service():
    api = f.ecs_task_definitions(SERVICES, CTX)[0]
    params = api["params"]
    assert api["family"] == params["family"] == f"{PREFIX}-api"
    assert params["network_mode"] == "awsvpc" and params["launch_type"] == "FARGATE"
    assert (params["cpu"], params["memory"]) == ("512", "1024")
    assert params["execution_role_arn"] == CTX["execution_role_arn"]
    assert params["task_role_arn"] == CTX["task_role_arns"]["api"]
    assert params["volumes"] == [{"name": "tmp"}]
    (container,) = params["containers"]
    assert container["name"] == "api"
    assert container["image"] == f"{CTX['repositories']['api']}:2026.11.23-abc"
    assert container["user"] == "10001" and container["readonlyRootFilesystem"] is True
    assert container["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert container["essential"] is True and container["memoryReservation"] == 1024 and container["stopTimeout"] == 30
    assert container["portMappings"] == [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}]
    assert container["command"] == ["uvicorn", "app.main:app", "--port", "8000"]
    # the platform's AWS_REGION and PLATFORM_ENV (nothing else is known without ctx's wiring)
    assert container["environment"] == [
        {"name": "AWS_REGION", "value": "us-east-1"},
        {"name": "DEBUG", "value": "false"},
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "PLATFORM_ENV", "value": "prod"},
        {"name": "WORKERS", "value": "4"},
    ]
    # DATABASE_URL (listed and given: once) and REDIS_URL from the platform, JWT_SECRET from the spec
    assert container["secrets"] == [
        {
            "name": "DATABASE_URL",
            "valueFrom": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/database/url",
        },
        {
            "name": "JWT_SECRET",
            "valueFrom": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/identity/jwt-secret",
        },
        {
            "name": "REDIS_URL",
            "valueFrom": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/cache/url",
        },
    ]
    assert not {e["name"] for e in container["environment"]} & {s["name"] for s in container["secrets"]}
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": f"/platform/{PREFIX}/api",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": "ecs",
        },
    }
    assert "healthCheck" not in container


def test_task_definition_options():
    worker = f.ecs_task_definitions(SERVICES, CTX)[1]["params"]
    assert worker["volumes"] == [] and "mountPoints" not in worker["containers"][0]
    assert worker["containers"][0]["readonlyRootFilesystem"] is False
    assert "command" not in worker["containers"][0] and worker["containers"][0]["secrets"] == []
    own_tag = f.ecs_task_definitions([dict(SERVICES[1], image_tag="v2")], CTX)[0]["params"]["containers"][0]
    assert own_tag["image"].endswith("/worker:v2")
    image = f.ecs_task_definitions([dict(SERVICES[1], image="public.ecr.aws/nginx/nginx:1.27")], CTX)[0]
    assert image["params"]["containers"][0]["image"] == "public.ecr.aws/nginx/nginx:1.27"
    checked = f.ecs_task_definitions(
        [SERVICES[0]], dict(CTX, container_health_check=True, health_check_grace_period=90)
    )[0]
    health = checked["params"]["containers"][0]["healthCheck"]
    assert health["command"] == ["CMD-SHELL", "curl -fsS http://127.0.0.1:8000/health || exit 1"]
    assert health["startPeriod"] == 90


def test_a_described_task_definition_with_aws_defaults_matches():
    for entry in f.ecs_task_definitions(SERVICES, CTX):
        have = described(entry)
        assert f.ecs_task_definition_differences(entry, have) == []
        # ecs_taskdefinition_info returns it snake_cased
        assert f.ecs_task_definition_differences(entry, camel_dict_to_snake_dict(have)) == []


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda td: td["containerDefinitions"][0].update(image="x:old"), "container.image"),
        (lambda td: td.update(cpu="1024"), "cpu"),
        (lambda td: td.update(memory="4096"), "memory"),
        (lambda td: td.update(executionRoleArn="arn:other"), "executionRoleArn"),
        (lambda td: td.update(taskRoleArn=""), "taskRoleArn"),
        (lambda td: td.update(requiresCompatibilities=["EC2"]), "requiresCompatibilities"),
        (lambda td: td.update(volumes=[]), "volumes"),
        (lambda td: td.update(status="INACTIVE"), "status"),
        (lambda td: td["containerDefinitions"][0].update(user="0"), "container.user"),
        (
            lambda td: td["containerDefinitions"][0].update(readonlyRootFilesystem=False),
            "container.readonlyRootFilesystem",
        ),
        (
            lambda td: td["containerDefinitions"][0]["environment"].append({"name": "X", "value": "1"}),
            "container.environment",
        ),
        (lambda td: td["containerDefinitions"][0]["secrets"].pop(), "container.secrets"),
        (lambda td: td["containerDefinitions"][0].update(command=["other"]), "container.command"),
        (
            lambda td: td["containerDefinitions"][0]["portMappings"][0].update(containerPort=81),
            "container.portMappings",
        ),
        (
            lambda td: td["containerDefinitions"][0]["logConfiguration"]["options"].update({"awslogs-group": "/x"}),
            "container.logConfiguration",
        ),
        (
            lambda td: td["containerDefinitions"][0].update(healthCheck={"command": ["CMD", "true"]}),
            "container.healthCheck",
        ),
        (lambda td: td["containerDefinitions"].append({"name": "sidecar"}), "containerDefinitions"),
    ],
)
def test_a_difference_asks_for_a_new_revision(mutate, reason):
    entry = f.ecs_task_definitions(SERVICES, CTX)[0]
    have = described(entry)
    mutate(have)
    assert reason in f.ecs_task_definition_differences(entry, have)


def test_task_definition_plan_keeps_matching_revisions_and_registers_the_rest():
    desired = f.ecs_task_definitions(SERVICES, CTX)
    current = {"api": described(desired[0], revision=7), "worker": {}}
    plan = f.ecs_task_definition_plan(desired, current)
    assert plan["keep"] == {"api": f"{PREFIX}-api:7"}
    assert plan["arns"] == {"api": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{PREFIX}-api:7"}
    assert [(e["service"], e["reasons"]) for e in plan["register"]] == [("worker", ["missing"])]
    (worker,) = plan["register"]
    assert worker["current"] == "" and worker["image_before"] == ""
    assert worker["image_after"] == f"{CTX['repositories']['worker']}:2026.11.23-abc"
    assert worker["changes"] == [f"new task definition family {PREFIX}-worker"]


def test_registered_revisions_and_revision_ranges():
    results = [
        {
            "item": {"service": "api"},
            "taskdefinition": {"taskDefinitionArn": "arn:aws:ecs:r:1:task-definition/p-api:4"},
        },
        {"item": {"service": "worker"}},  # check mode: nothing registered
    ]
    assert f.ecs_registered_task_definitions(results) == {"api": "p-api:4"}
    assert f.ecs_task_definition_revisions([{"family": "p-api", "revision": 3}, {"item": "x"}]) == [
        ["p-api", 1],
        ["p-api", 2],
        ["p-api", 3],
    ]


def test_round_trip_through_the_emulator_matches(aws):
    """A task definition registered from ecs_task_definitions and described back compares equal."""
    ecs = aws("ecs")
    ctx = dict(CTX, prefix=f"t{uuid.uuid4().hex[:8]}")
    for entry in f.ecs_task_definitions(SERVICES, ctx):
        params = entry["params"]
        ecs.register_task_definition(
            family=params["family"],
            networkMode=params["network_mode"],
            requiresCompatibilities=[params["launch_type"]],
            cpu=params["cpu"],
            memory=params["memory"],
            executionRoleArn=params["execution_role_arn"],
            taskRoleArn=params["task_role_arn"],
            containerDefinitions=params["containers"],
            volumes=params["volumes"],
            runtimePlatform=params["runtime_platform"],
        )
        have = ecs.describe_task_definition(taskDefinition=params["family"])["taskDefinition"]
        assert f.ecs_task_definition_differences(entry, have) == []
        assert f.ecs_task_definition_differences(entry, camel_dict_to_snake_dict(have)) == []
        changed = copy.deepcopy(entry)
        changed["params"]["containers"][0]["image"] += "-next"
        assert f.ecs_task_definition_differences(changed, have) == ["container.image"]


# --- services -------------------------------------------------------------------------------------------


def test_new_services_are_created_with_the_deployment_safeguards():
    plan = f.ecs_service_plan(SERVICES, {"api": f"{PREFIX}-api:1"}, {}, SERVICE_CTX)
    api, worker = plan
    assert api["reasons"] == ["missing"] and worker["reasons"] == ["missing"]
    params = api["params"]
    assert params["name"] == f"{PREFIX}-api" and params["cluster"] == PREFIX
    assert params["task_definition"] == f"{PREFIX}-api:1"
    assert worker["params"]["task_definition"] == f"{PREFIX}-worker"  # check mode: the family's latest
    assert params["desired_count"] == 2
    assert params["network_configuration"] == {
        "subnets": ["subnet-a", "subnet-b"],
        "security_groups": ["sg-app"],
        "assign_public_ip": False,
    }
    assert params["deployment_configuration"] == {
        "minimum_healthy_percent": 100,
        "maximum_percent": 200,
        "deployment_circuit_breaker": {"enable": True, "rollback": True},
    }
    assert params["load_balancers"] == [{"targetGroupArn": TG_API, "containerName": "api", "containerPort": 8000}]
    assert params["health_check_grace_period_seconds"] == 60
    assert params["launch_type"] == "FARGATE" and "capacity_provider_strategy" not in params
    assert params["propagate_tags"] == "SERVICE" and params["enable_execute_command"] is False
    assert params["tags"] == SERVICE_CTX["tags"] and params["force_new_deployment"] is False
    assert worker["params"]["load_balancers"] == [] and "health_check_grace_period_seconds" not in worker["params"]


def test_matching_services_need_no_call_and_keep_their_desired_count():
    existing = {
        "api": existing_service(SERVICES[0], f"{PREFIX}-api:3", desiredCount=5),  # autoscaled to 5
        "worker": existing_service(SERVICES[1], f"{PREFIX}-worker:2"),
    }
    defs = {"api": f"{PREFIX}-api:3", "worker": f"{PREFIX}-worker:2"}
    assert f.ecs_service_plan(SERVICES, defs, existing, SERVICE_CTX) == []


def test_a_new_revision_or_an_out_of_range_count_updates_the_service():
    existing = {
        "api": existing_service(SERVICES[0], f"{PREFIX}-api:3", desiredCount=9),
        "worker": existing_service(SERVICES[1], f"{PREFIX}-worker:2"),
    }
    plan = f.ecs_service_plan(
        SERVICES, {"api": f"{PREFIX}-api:3", "worker": f"{PREFIX}-worker:3"}, existing, SERVICE_CTX
    )
    assert [(p["service"], p["reasons"]) for p in plan] == [("api", ["desiredCount"]), ("worker", ["taskDefinition"])]
    assert plan[0]["params"]["desired_count"] == 6  # clamped to max_count
    assert "tags" not in plan[0]["params"]  # ecs_service refuses to change tags of an existing service
    assert plan[1]["params"]["force_new_deployment"] is False


def test_drift_the_module_does_not_compare_forces_an_update():
    drifted = existing_service(
        SERVICES[1], f"{PREFIX}-worker:2", deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 50}
    )
    (entry,) = f.ecs_service_plan([SERVICES[1]], {"worker": f"{PREFIX}-worker:2"}, {"worker": drifted}, SERVICE_CTX)
    assert entry["reasons"] == ["deploymentConfiguration"] and entry["params"]["force_new_deployment"] is True
    public_ip = existing_service(SERVICES[1], f"{PREFIX}-worker:2")
    public_ip["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] = "ENABLED"
    (entry,) = f.ecs_service_plan([SERVICES[1]], {"worker": f"{PREFIX}-worker:2"}, {"worker": public_ip}, SERVICE_CTX)
    assert entry["reasons"] == ["networkConfiguration"] and entry["params"]["force_new_deployment"] is True


def test_fields_the_emulator_leaves_out_are_not_compared():
    bare = existing_service(SERVICES[0], f"{PREFIX}-api:3")
    for key in ("deploymentConfiguration", "healthCheckGracePeriodSeconds", "enableExecuteCommand"):
        bare.pop(key)
    assert f.ecs_service_plan([SERVICES[0]], {"api": f"{PREFIX}-api:3"}, {"api": bare}, SERVICE_CTX) == []


def test_capacity_provider_strategy_replaces_the_launch_type():
    ctx = dict(
        SERVICE_CTX, capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": None}]
    )
    (entry, _) = f.ecs_service_plan(SERVICES, {}, {}, ctx)
    assert "launch_type" not in entry["params"]
    assert entry["params"]["capacity_provider_strategy"] == [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]


def test_existing_services_and_arns():
    described_services = [
        existing_service(SERVICES[0], "x:1"),
        dict(existing_service(SERVICES[1], "y:1"), status="INACTIVE"),
        {"serviceName": "other-prod-api", "status": "ACTIVE"},
    ]
    existing = f.ecs_existing_services(described_services, PREFIX)
    assert list(existing) == ["api"]
    created = [{"item": {"service": "worker"}, "service": {"serviceArn": "arn:worker"}}, {"item": {"service": "x"}}]
    assert f.ecs_service_arns(existing, created) == {"api": existing["api"]["serviceArn"], "worker": "arn:worker"}


# --- load balancing ---------------------------------------------------------------------------------------

TG_CTX = {
    "prefix": PREFIX,
    "vpc_id": "vpc-1",
    "tags": {"Project": "caseapp"},
    "interval": 15,
    "timeout": 5,
    "healthy_threshold": 2,
    "unhealthy_threshold": 3,
    "deregistration_delay": 30,
}


def found_group(want, **extra):
    have = {
        "target_group_name": want["name"],
        "target_group_arn": TG_API,
        "port": want["port"],
        "protocol": "HTTP",
        "vpc_id": "vpc-1",
        "target_type": "ip",
        "health_check_protocol": "HTTP",
        "health_check_port": "traffic-port",
        "health_check_path": want["health_check_path"],
        "health_check_interval_seconds": 15,
        "health_check_timeout_seconds": 5,
        "healthy_threshold_count": 2,
        "unhealthy_threshold_count": 3,
        "matcher": {"http_code": "200"},
        "deregistration_delay_timeout_seconds": "30",
        "tags": dict(want["tags"], Extra="kept"),
    }
    have.update(extra)
    return have


def test_target_groups_of_the_public_services_only():
    (group,) = f.ecs_target_groups(SERVICES, TG_CTX)
    assert group["service"] == "api" and group["name"] == "caseapp-prod-api"
    assert (group["protocol"], group["port"], group["target_type"], group["vpc_id"]) == ("HTTP", 8000, "ip", "vpc-1")
    assert group["health_check_path"] == "/health" and group["successful_response_codes"] == "200"
    assert group["deregistration_delay_timeout"] == 30
    assert group["tags"] == {"Project": "caseapp", "Name": "caseapp-prod-api", "Service": "api"}


def test_target_group_plan_and_arns():
    groups = f.ecs_target_groups(SERVICES, TG_CTX)
    assert f.ecs_target_group_plan(groups, []) == groups
    assert f.ecs_target_group_plan(groups, [found_group(groups[0])]) == []
    assert f.ecs_target_group_plan(groups, [found_group(groups[0], health_check_path="/")]) == groups
    assert (
        f.ecs_target_group_plan(groups, [found_group(groups[0], deregistration_delay_timeout_seconds="300")]) == groups
    )
    assert f.ecs_target_group_arns(groups, [found_group(groups[0])]) == {"api": TG_API}
    converged = [{"item": groups[0], "target_group_name": "caseapp-prod-api", "target_group_arn": "arn:new"}]
    assert f.ecs_target_group_arns(groups, [], converged) == {"api": "arn:new"}
    assert f.ecs_target_group_arns(groups, [], [{"item": groups[0]}]) == {}  # check mode


def test_listeners_with_a_certificate_serve_https_and_redirect_http():
    services = [*SERVICES, {"name": "admin", "port": 8100, "public": True}]
    https, http = f.ecs_listeners(services, {"api": TG_API, "admin": TG_ADMIN}, CERT)
    assert (https["Protocol"], https["Port"], https["SslPolicy"]) == (
        "HTTPS",
        443,
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
    )
    assert https["Certificates"] == [{"CertificateArn": CERT}]
    assert https["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG_API}]
    assert https["Rules"] == [
        {
            "Priority": 10,
            "Conditions": [{"Field": "path-pattern", "Values": ["/admin/*"]}],
            "Actions": [{"Type": "forward", "TargetGroupArn": TG_ADMIN}],
        }
    ]
    assert (http["Protocol"], http["Port"]) == ("HTTP", 80)
    redirect = http["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS" and redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert all(
        "Rules" not in listener
        for listener in f.ecs_listeners(services, {"api": TG_API, "admin": TG_ADMIN}, CERT, with_rules=False)
    )


def test_listeners_without_a_certificate_forward_plain_http():
    (http,) = f.ecs_listeners(SERVICES, {"api": TG_API})
    assert (http["Protocol"], http["Port"], http["DefaultActions"][0]["Type"]) == ("HTTP", 80, "forward")
    assert f.ecs_listeners([SERVICES[1]], {}) == []
    with pytest.raises(AnsibleFilterError, match="no target group ARN for the public services api"):
        f.ecs_listeners(SERVICES, {})


def test_listener_rules_plan():
    services = [*SERVICES, {"name": "admin", "port": 8100, "public": True}]
    want = f.ecs_listeners(services, {"api": TG_API, "admin": TG_ADMIN}, CERT)
    current = [
        {
            "port": 443,
            "rules": [
                {
                    "priority": "default",
                    "is_default": True,
                    "actions": [{"type": "forward", "target_group_arn": TG_API}],
                }
            ],
        },
        {"port": 80, "rules": [{"priority": "default", "is_default": True}]},
    ]
    assert f.ecs_listener_rules_plan(current, want) == want
    current[0]["rules"].append(
        {
            "priority": "10",
            "is_default": False,
            "conditions": [
                {"field": "path-pattern", "values": ["/admin/*"], "path_pattern_config": {"values": ["/admin/*"]}}
            ],
            "actions": [{"type": "forward", "target_group_arn": TG_ADMIN}],
        }
    )
    assert f.ecs_listener_rules_plan(current, want) == []
    # a public service removed: its rule is stale and is purged
    fewer = f.ecs_listeners(SERVICES, {"api": TG_API}, CERT)
    assert f.ecs_listener_rules_plan(current, fewer) == fewer


# --- autoscaling, WAF, ECR ----------------------------------------------------------------------------


def test_scaling_policies_track_cpu_and_memory_between_min_and_max():
    ctx = {"cluster": PREFIX, "prefix": PREFIX, "cpu_target": 60, "memory_target": 75}
    cpu, memory, *_ = f.ecs_scaling_policies(SERVICES, ctx)
    assert cpu["policy_name"] == f"{PREFIX}-api-cpu" and memory["policy_name"] == f"{PREFIX}-api-memory"
    assert cpu["resource_id"] == f"service/{PREFIX}/{PREFIX}-api"
    assert (cpu["minimum_tasks"], cpu["maximum_tasks"]) == (2, 6)
    assert cpu["configuration"] == {
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        "TargetValue": 60.0,
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
    }
    assert (
        memory["configuration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]
        == "ECSServiceAverageMemoryUtilization"
    )
    assert memory["configuration"]["TargetValue"] == 75.0
    assert len(f.ecs_scaling_policies(SERVICES, ctx)) == 4


def test_fingerprint_is_stable_and_sensitive():
    ctx = {"cluster": PREFIX, "prefix": PREFIX, "cpu_target": 60, "memory_target": 75}
    one = f.ecs_fingerprint(f.ecs_scaling_policies(SERVICES, ctx))
    assert one == f.ecs_fingerprint(f.ecs_scaling_policies(copy.deepcopy(SERVICES), dict(ctx)))
    assert one != f.ecs_fingerprint(f.ecs_scaling_policies(SERVICES, dict(ctx, cpu_target=61)))
    assert len(one) == 16


def test_waf_rules():
    rules = f.ecs_waf_rules(PREFIX, 2000, {"AWSManagedRulesCommonRuleSet": ["SizeRestrictions_BODY"]})
    assert [r["priority"] for r in rules] == [0, 1, 2, 3, 4]
    rate = rules[0]
    assert rate["action"] == {"block": {}}
    assert rate["statement"] == {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP"}}
    managed = {r["name"]: r for r in rules[1:]}
    assert set(managed) == set(f.WAF_MANAGED_RULE_GROUPS)
    common = managed["AWSManagedRulesCommonRuleSet"]
    assert common["override_action"] == {"none": {}}
    assert common["statement"]["managed_rule_group_statement"]["rule_action_overrides"] == [
        {"name": "SizeRestrictions_BODY", "action_to_use": {"count": {}}}
    ]
    assert (
        "rule_action_overrides"
        not in managed["AWSManagedRulesSQLiRuleSet"]["statement"]["managed_rule_group_statement"]
    )
    assert all(r["visibility_config"]["cloud_watch_metrics_enabled"] for r in rules)
    with pytest.raises(AnsibleFilterError, match="unknown rule groups AWSManagedRulesBogus"):
        f.ecs_waf_rules(PREFIX, 2000, {"AWSManagedRulesBogus": ["x"]})


def test_lifecycle_policy_keeps_the_last_images():
    (rule,) = f.ecs_lifecycle_policy(30)["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30}
    assert rule["action"] == {"type": "expire"}


# --- CloudFront -------------------------------------------------------------------------------------------

CF_CTX = {
    "prefix": PREFIX,
    "bucket": f"{PREFIX}-assets",
    "region": "us-east-1",
    "logs_bucket": f"{PREFIX}-logs",
    "origin_access_control_id": "E3OAC1",
    "tags": {"Project": "caseapp"},
}


def as_config(want):
    """The DistributionConfig CloudFront returns for ``want`` (plus fields the role does not set)."""
    cert = want["viewer_certificate"]
    return {
        "CallerReference": want["caller_reference"],
        "Comment": want["comment"],
        "Enabled": True,
        "DefaultRootObject": want["default_root_object"],
        "PriceClass": want["price_class"],
        "HttpVersion": "http2",
        "IsIPV6Enabled": True,
        "Aliases": {"Quantity": 0},
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": want["origins"][0]["id"],
                    "DomainName": want["origins"][0]["domain_name"],
                    "OriginPath": "",
                    "S3OriginConfig": {
                        "OriginAccessIdentity": want["origins"][0]["s3_origin_config"]["origin_access_identity"]
                    },
                    "OriginAccessControlId": want["origins"][0]["origin_access_control_id"],
                    "ConnectionAttempts": 3,
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": want["default_cache_behavior"]["target_origin_id"],
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": {
                "Quantity": 2,
                "Items": ["HEAD", "GET"],
                "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]},
            },
            "CachePolicyId": f.CACHING_OPTIMIZED,
            "Compress": True,
        },
        "Logging": {
            "Enabled": want["logging"]["enabled"],
            "IncludeCookies": want["logging"]["include_cookies"],
            "Bucket": want["logging"]["bucket"],
            "Prefix": want["logging"]["prefix"],
        },
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"}
        if cert.get("cloudfront_default_certificate")
        else {
            "ACMCertificateArn": cert["acm_certificate_arn"],
            "MinimumProtocolVersion": cert["minimum_protocol_version"],
        },
        "WebACLId": "",
    }


def test_cloudfront_distribution_arguments():
    want = f.ecs_cloudfront_distribution(CF_CTX)
    assert want["caller_reference"] == f"{PREFIX}-assets"
    assert want["origins"][0]["domain_name"] == f"{PREFIX}-assets.s3.us-east-1.amazonaws.com"
    # read through the origin access control, never a (legacy) origin access identity
    assert want["origins"][0]["origin_access_control_id"] == "E3OAC1"
    assert want["origins"][0]["s3_origin_config"] == {"origin_access_identity": ""}
    assert want["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"
    # legacy S3 logging off (the logs bucket has ACLs disabled): logging v2 delivers the access logs
    assert want["logging"] == {"enabled": False, "include_cookies": False, "bucket": "", "prefix": ""}
    assert want["viewer_certificate"]["cloudfront_default_certificate"] is True
    custom = f.ecs_cloudfront_distribution(dict(CF_CTX, aliases=["assets.example.org"], certificate_arn=CERT))
    assert custom["viewer_certificate"] == {
        "acm_certificate_arn": CERT,
        "ssl_support_method": "sni-only",
        "minimum_protocol_version": "TLSv1.2_2021",
    }


def test_cloudfront_differences():
    want = f.ecs_cloudfront_distribution(CF_CTX)
    assert f.ecs_cloudfront_differences(want, {}) == ["missing"]
    have = as_config(want)
    assert f.ecs_cloudfront_differences(want, have) == []
    have["DefaultCacheBehavior"]["ViewerProtocolPolicy"] = "allow-all"
    have["Logging"] = {
        "Enabled": True,
        "IncludeCookies": False,
        "Bucket": f"{PREFIX}-logs.s3.amazonaws.com",
        "Prefix": "cf/",
    }
    assert f.ecs_cloudfront_differences(want, have) == ["DefaultCacheBehavior", "Logging"]
    # disabled legacy logging: whatever bucket and prefix the endpoint echoes (or no Logging at all) is equal
    have = as_config(want)
    have["Logging"] = {"Enabled": False, "IncludeCookies": False, "Bucket": "old.s3.amazonaws.com", "Prefix": "x/"}
    assert f.ecs_cloudfront_differences(want, have) == []
    del have["Logging"]
    assert f.ecs_cloudfront_differences(want, have) == []
    # an endpoint that leaves S3OriginConfig and OriginAccessControlId out reads as "none"
    bare = f.ecs_cloudfront_distribution(dict(CF_CTX, origin_access_control_id=""))
    have = as_config(bare)
    del have["Origins"]["Items"][0]["S3OriginConfig"]
    del have["Origins"]["Items"][0]["OriginAccessControlId"]
    assert f.ecs_cloudfront_differences(bare, have) == []
    assert f.ecs_cloudfront_differences(want, have) == ["Origins.OriginAccessControlId"]
    # a distribution still reading through a legacy origin access identity is moved to the control
    have = as_config(want)
    have["Origins"]["Items"][0]["S3OriginConfig"]["OriginAccessIdentity"] = "origin-access-identity/cloudfront/E2ABC"
    have["Origins"]["Items"][0]["OriginAccessControlId"] = ""
    assert f.ecs_cloudfront_differences(want, have) == ["Origins.S3OriginConfig", "Origins.OriginAccessControlId"]
    custom = f.ecs_cloudfront_distribution(dict(CF_CTX, aliases=["a.example.org"], certificate_arn=CERT))
    assert f.ecs_cloudfront_differences(custom, as_config(want)) == ["Aliases", "ViewerCertificate"]


def test_cloudfront_find_by_the_assets_origin():
    ours = {"Id": "E1", "Origins": {"Items": [{"DomainName": f"{PREFIX}-assets.s3.us-east-1.amazonaws.com"}]}}
    other = {"Id": "E2", "Origins": {"Items": [{"DomainName": "elsewhere.s3.us-east-1.amazonaws.com"}]}}
    assert f.ecs_cloudfront_find([other, ours], f"{PREFIX}-assets", "us-east-1") == ours
    assert (
        f.ecs_cloudfront_find({"E2": other, "E1": ours, "alias.example.org": ours}, f"{PREFIX}-assets", "us-east-1")
        == ours
    )
    assert f.ecs_cloudfront_find([other], f"{PREFIX}-assets", "us-east-1") == {}


# --- facts -----------------------------------------------------------------------------------------------


def test_platform_ecs_has_exactly_the_contract_keys():
    facts = f.ecs_facts(
        SERVICES,
        {
            "prefix": PREFIX,
            "region": "us-east-1",
            "account": ACCOUNT,
            "cluster_name": PREFIX,
            "cluster_arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/{PREFIX}",
            "alb": {
                "arn": "arn:alb",
                "dns_name": "alb.example",
                "zone_id": "Z35SXDOTRQ7X7K",
                "ip_address_type": "ipv4",
            },
            "target_group_arns": {"api": TG_API},
            "task_definitions": {"api": f"{PREFIX}-api:3"},
            "service_arns": {"api": "arn:api"},
            "repositories": CTX["repositories"],
            "web_acl_arn": "arn:waf",
            "cloudfront_domain_name": "d1.cloudfront.net",
            "cloudfront_distribution_arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1",
        },
    )
    assert set(facts) == {
        "cluster_name",
        "cluster_arn",
        "alb_arn",
        "alb_dns_name",
        "alb_zone_id",
        "alb_ip_address_type",
        "target_group_arns",
        "services",
        "repositories",
        "web_acl_arn",
        "cloudfront_domain_name",
        "cloudfront_distribution_arn",
    }
    assert facts["cloudfront_distribution_arn"] == f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1"
    assert facts["services"]["api"] == {
        "name": f"{PREFIX}-api",
        "arn": "arn:api",
        "task_definition_arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{PREFIX}-api:3",
    }
    assert facts["services"]["worker"]["arn"] == f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/{PREFIX}/{PREFIX}-worker"
    assert facts["services"]["worker"]["task_definition_arn"] == ""
    assert facts["alb_dns_name"] == "alb.example" and facts["web_acl_arn"] == "arn:waf"
    assert facts["alb_zone_id"] == "Z35SXDOTRQ7X7K" and facts["alb_ip_address_type"] == "ipv4"


# --- full secret ARNs -----------------------------------------------------------------------------

FULL_JWT = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/identity/jwt-secret-AbCdEf"
FULL_DB = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/database/url-Zy9XwV"


def test_secret_references_name_every_secret_once():
    refs = f.ecs_secret_references(
        SERVICES + [{"name": "x", "secrets": ["DATABASE_URL", "STRIPE_KEY"]}], "caseapp", "prod"
    )
    assert refs == {
        "DATABASE_URL": f"{PREFIX}/database/url",
        "JWT_SECRET": f"{PREFIX}/identity/jwt-secret",
        "REDIS_URL": f"{PREFIX}/cache/url",
        "STRIPE_KEY": f"{PREFIX}/app/stripe-key",
    }
    assert f.ecs_secret_references([{"name": "x", "uses": ["storage"]}], "caseapp", "prod") == {}
    assert f.ecs_secret_references([{"name": "x", "uses": ["cache"]}], "caseapp", "prod") == {
        "REDIS_URL": f"{PREFIX}/cache/url"
    }


def test_task_definitions_reference_the_full_secret_arns():
    """``.../jwt-secret`` ends in "-" and six characters: Secrets Manager would read it as a full ARN."""
    ctx = dict(CTX, secret_arns={"JWT_SECRET": FULL_JWT, "DATABASE_URL": FULL_DB})
    container = f.ecs_task_definitions(SERVICES, ctx)[0]["params"]["containers"][0]
    assert container["secrets"][:2] == [
        {"name": "DATABASE_URL", "valueFrom": FULL_DB},
        {"name": "JWT_SECRET", "valueFrom": FULL_JWT},
    ]
    # a revision registered with partial ARNs differs from the plan: it is replaced
    old = f.ecs_task_definitions(SERVICES, CTX)[0]["params"]["containers"][0]
    assert "secrets" in f._container_differences(container, old)


# --- preflight: certificates and the health check URL ----------------------------------------------

PREFLIGHT = {
    "platform_env": "prod",
    "platform_region": "us-east-1",
    "platform_dr_region": "",
    "certificate_arn": CERT,
    "cloudfront_enabled": True,
    "cloudfront_certificate_arn": "",
    "cloudfront_aliases": [],
    "healthcheck_base_url": "https://app.example.org",
    "healthcheck_urls": {},
    "dns_name": "",
    "services": SERVICES,
    "healthcheck": True,
}


def test_preflight_accepts_a_valid_configuration():
    assert f.ecs_preflight_errors(PREFLIGHT) == []
    assert (
        f.ecs_preflight_errors(dict(PREFLIGHT, platform_env="local", certificate_arn="", healthcheck_base_url="")) == []
    )
    assert f.ecs_preflight_errors(dict(PREFLIGHT, platform_env="dev", certificate_arn="")) == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"certificate_arn": ""}, "platform_certificate_arn is empty: prod must serve HTTPS"),
        ({"platform_env": "staging", "certificate_arn": ""}, "platform_certificate_arn is empty: staging"),
        ({"certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"}, "is not an ACM certificate ARN"),
        ({"certificate_arn": CERT.replace("us-east-1", "eu-west-1")}, "platform_certificate_arn is in eu-west-1"),
        (
            {"cloudfront_certificate_arn": CERT.replace("us-east-1", "eu-west-1")},
            "ecs_service_cloudfront_certificate_arn is in eu-west-1",
        ),
        ({"cloudfront_certificate_arn": "not-an-arn"}, "ecs_service_cloudfront_certificate_arn 'not-an-arn'"),
        ({"cloudfront_aliases": ["cdn.example.org"]}, "need ecs_service_cloudfront_certificate_arn"),
        ({"healthcheck_base_url": ""}, "healthcheck_base_url is empty"),
        ({"healthcheck_base_url": "app.example.org"}, "must be an http(s) URL"),
        (
            {"platform_dr_region": "us-west-2", "dr_certificate_arn": CERT},
            "platform_dr_certificate_arn is in us-east-1",
        ),
    ],
)
def test_preflight_names_the_variable(change, needle):
    errors = f.ecs_preflight_errors(dict(PREFLIGHT, **change))
    assert any(needle in e for e in errors), errors


def test_preflight_health_check_url_alternatives():
    no_url = dict(PREFLIGHT, healthcheck_base_url="")
    assert f.ecs_preflight_errors(dict(no_url, dns_name="app.example.org")) == []
    assert f.ecs_preflight_errors(dict(no_url, healthcheck_urls={"api": "https://api.example.org/health"})) == []
    # a run without the health check stage (--tags rollout, destroy) does not need it
    assert f.ecs_preflight_errors(dict(no_url, healthcheck=False)) == []
    # CloudFront disabled: its certificate is not looked at
    assert f.ecs_preflight_errors(dict(PREFLIGHT, cloudfront_enabled=False, cloudfront_certificate_arn="x")) == []


def test_certificate_checks_list_each_certificate_with_its_region_and_names():
    cf_cert = CERT.replace("0f0e0d0c", "1f0e0d0c")
    checks = f.ecs_certificate_checks(
        dict(
            PREFLIGHT,
            cloudfront_certificate_arn=cf_cert,
            cloudfront_aliases=["CDN.example.org"],
            dns_name="www.example.org",
        )
    )
    assert checks == [
        {
            "variable": "platform_certificate_arn",
            "arn": CERT,
            "region": "us-east-1",
            "domains": ["app.example.org", "www.example.org"],
        },
        {
            "variable": "ecs_service_cloudfront_certificate_arn",
            "arn": cf_cert,
            "region": "us-east-1",
            "domains": ["cdn.example.org"],
        },
    ]
    assert f.ecs_certificate_checks(dict(PREFLIGHT, certificate_arn="", cloudfront_certificate_arn="bad")) == []
    # a plain-HTTP health check URL is not served with the certificate
    (plain,) = f.ecs_certificate_checks(dict(PREFLIGHT, healthcheck_base_url="http://127.0.0.1:8000"))
    assert plain["domains"] == []
    dr = CERT.replace("us-east-1", "us-west-2")
    assert f.ecs_certificate_checks(dict(PREFLIGHT, platform_dr_region="us-west-2", dr_certificate_arn=dr))[1] == {
        "variable": "platform_dr_certificate_arn",
        "arn": dr,
        "region": "us-west-2",
        "domains": [],
    }


def _running(service, revision, image_tag="2026.11.20-old", **ctx):
    """The task definition a service runs: the spec's task definition with an older image."""
    entry = next(
        e for e in f.ecs_task_definitions(SERVICES, dict(CTX, image_tag=image_tag, **ctx)) if e["service"] == service
    )
    return described(entry, revision=revision)


def test_task_definition_plan_shows_old_and_new_image_and_spec_changes():
    desired = f.ecs_task_definitions(SERVICES, CTX)
    api = _running("api", 4)
    api["cpu"] = "256"
    api["containerDefinitions"][0]["environment"].append({"name": "EXTRA", "value": "1"})
    api["containerDefinitions"][0]["secrets"] = [{"name": "JWT_SECRET", "valueFrom": "arn:old"}]
    api["containerDefinitions"][0]["command"] = ["old"]
    plan = f.ecs_task_definition_plan(desired, {"api": camel_dict_to_snake_dict(api), "worker": _running("worker", 2)})
    assert plan["keep"] == {}
    api_entry, worker_entry = plan["register"]
    assert api_entry["current"] == f"{PREFIX}-api:4"
    assert api_entry["image_before"].endswith(":2026.11.20-old")
    assert api_entry["image_after"].endswith(":2026.11.23-abc")
    changes = api_entry["changes"]
    assert "cpu: 256 -> 512" in changes
    assert any(c.startswith("image: ") and c.endswith(":2026.11.23-abc") for c in changes)
    assert "environment: EXTRA" in changes
    assert any(c.startswith("secrets: ") and "DATABASE_URL" in c for c in changes)
    assert "command: old -> uvicorn app.main:app --port 8000" in changes
    # secret and environment values never show, only names
    assert not any("arn:old" in c or "info" in c for c in changes)
    assert worker_entry["reasons"] == ["container.image"]
    lines = f.ecs_release_changes(plan["register"], PREFIX)
    assert lines[1] == f"{PREFIX}-worker: image: {worker_entry['image_before']} -> {worker_entry['image_after']}"


def test_provision_plan_keeps_what_existing_services_run_and_registers_only_new_services():
    desired = f.ecs_task_definitions(SERVICES, CTX)
    running = _running("api", 4)
    plan = f.ecs_task_definition_plan(desired, {"api": running, "worker": {}})
    existing = {"api": {"serviceName": f"{PREFIX}-api", "taskDefinition": running["taskDefinitionArn"]}}
    split = f.ecs_provision_plan(plan, existing)
    assert [e["service"] for e in split["pending"]] == ["api"]
    assert [e["service"] for e in split["register"]] == ["worker"]
    assert split["keep"] == {"api": f"{PREFIX}-api:4"}
    assert split["arns"] == {"api": running["taskDefinitionArn"]}
    # the service plan then changes nothing of what the existing service runs
    assert (
        "taskDefinition"
        not in (
            f.ecs_service_plan(
                [SERVICES[0]], split["keep"], {"api": dict(existing["api"], desiredCount=2)}, SERVICE_CTX
            )
            or [{"reasons": []}]
        )[0]["reasons"]
    )
    # nothing pending: the plan's own keep stays
    same = f.ecs_task_definition_plan(desired, {"api": described(desired[0], revision=5), "worker": {}})
    assert f.ecs_provision_plan(same, {})["keep"] == {"api": f"{PREFIX}-api:5"}


def test_release_plan_and_rollout_targets_name_every_service():
    desired = f.ecs_task_definitions(SERVICES, CTX)
    api_arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{PREFIX}-api:7"
    worker_new = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{PREFIX}-worker:3"
    plan = f.ecs_task_definition_plan(
        desired, {"api": described(desired[0], revision=7), "worker": _running("worker", 2)}
    )
    release = f.ecs_release_plan(plan, ["api", "worker"])
    assert [e["service"] for e in release["register"]] == ["worker"]
    registered = [{"item": release["register"][0], "taskdefinition": {"taskDefinitionArn": worker_new}}]
    assert f.ecs_rollout_targets(release, registered, PREFIX) == [
        {"service": f"{PREFIX}-api", "task_definition": api_arn},
        {"service": f"{PREFIX}-worker", "task_definition": worker_new},
    ]
    # check mode: the revision to register does not exist, the service is left out
    assert f.ecs_rollout_targets(release, [{"item": release["register"][0]}], PREFIX) == [
        {"service": f"{PREFIX}-api", "task_definition": api_arn}
    ]
    # from provisioning's split: pending entries are registered, the running ARN is not a target for them
    running = _running("worker", 2)
    split = f.ecs_provision_plan(plan, {"worker": {"taskDefinition": running["taskDefinitionArn"]}})
    handed = f.ecs_release_plan(split, ["api", "worker"])
    assert [e["service"] for e in handed["register"]] == ["worker"]
    assert f.ecs_rollout_targets(handed, [], PREFIX) == [{"service": f"{PREFIX}-api", "task_definition": api_arn}]
    # a service that does not exist is never a target
    assert f.ecs_rollout_targets(f.ecs_release_plan(plan, ["worker"]), registered, PREFIX) == [
        {"service": f"{PREFIX}-worker", "task_definition": worker_new}
    ]
    assert f.ecs_registered_task_definitions(registered, full=True) == {"worker": worker_new}


def test_facts_follow_what_the_rollout_moved_the_services_to():
    facts = {
        "cluster_name": PREFIX,
        "services": {
            "api": {"name": f"{PREFIX}-api", "arn": "arn:svc/api", "task_definition_arn": "arn:td/api:1"},
            "worker": {"name": f"{PREFIX}-worker", "arn": "arn:svc/worker", "task_definition_arn": "arn:td/worker:1"},
        },
    }
    rolled = f.ecs_facts_rolled_out(
        facts,
        [
            {"service": f"{PREFIX}-api", "task_definition": "arn:td/api:2"},
            {"service": f"{PREFIX}-worker", "task_definition": None},  # check mode
        ],
    )
    assert rolled["services"]["api"]["task_definition_arn"] == "arn:td/api:2"
    assert rolled["services"]["worker"] == facts["services"]["worker"]
    assert facts["services"]["api"]["task_definition_arn"] == "arn:td/api:1", "the input is not changed"
    assert f.ecs_facts_rolled_out(None, []) is None


# --- the platform wiring contract (issue 13) -------------------------------------------------------

WIRING = {
    "buckets": {"documents": "caseapp-prod-documents-123", "media": "caseapp-prod-media-123"},
    "search_endpoint": "vpc-caseapp-prod-search-x.us-east-1.es.amazonaws.com",
    "user_pool_id": "us-east-1_Pool",
    "user_pool_client_id": "client1",
}


def _container(svc, **ctx):
    return f.ecs_task_definitions([svc], dict(CTX, **{"wiring": WIRING, **ctx}))[0]["params"]["containers"][0]


def test_every_container_gets_the_platform_wiring():
    api = dict(SERVICES[0], buckets=["documents", "media"])
    env = {e["name"]: e["value"] for e in _container(api)["environment"]}
    assert env == {
        "AWS_REGION": "us-east-1",
        "PLATFORM_ENV": "prod",
        "S3_BUCKET_DOCUMENTS": "caseapp-prod-documents-123",
        "S3_BUCKET_MEDIA": "caseapp-prod-media-123",
        "OPENSEARCH_ENDPOINT": "https://vpc-caseapp-prod-search-x.us-east-1.es.amazonaws.com",
        "COGNITO_USER_POOL_ID": "us-east-1_Pool",
        "COGNITO_CLIENT_ID": "client1",
        "DEBUG": "false",
        "LOG_LEVEL": "info",
        "WORKERS": "4",
    }


def test_a_service_gets_only_what_it_uses():
    media = {"name": "worker", "port": 9000, "uses": ["database", "cache", "storage"], "buckets": ["media"]}
    container = _container(media)
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env == {"AWS_REGION": "us-east-1", "PLATFORM_ENV": "prod", "S3_BUCKET_MEDIA": "caseapp-prod-media-123"}
    assert [s["name"] for s in container["secrets"]] == ["DATABASE_URL", "REDIS_URL"]
    policy = f.ecs_execution_role_policy(media, POLICY_CTX)
    assert _grants(policy)["secretsmanager:GetSecretValue"] == {
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/cache/url-??????",
        f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{PREFIX}/database/url-??????",
    }
    # no database: no DATABASE_URL and no read on it
    search_only = {"name": "worker", "port": 1, "uses": ["search"], "secrets": ["JWT_SECRET"]}
    assert [s["name"] for s in _container(search_only)["secrets"]] == ["JWT_SECRET"]
    granted = _grants(f.ecs_execution_role_policy(search_only, POLICY_CTX))["secretsmanager:GetSecretValue"]
    assert not any("database/url" in r or "cache/url" in r for r in granted)


def test_a_changed_endpoint_is_a_new_revision():
    """The environment is part of the task definition: a new domain endpoint is a difference the rollout registers."""
    api = f.ecs_task_definitions(SERVICES[:1], dict(CTX, wiring=WIRING))[0]
    moved = dict(WIRING, search_endpoint="vpc-new.us-east-1.es.amazonaws.com")
    new = f.ecs_task_definitions(SERVICES[:1], dict(CTX, wiring=moved))[0]
    have = dict(_camel_params(api["params"]), containerDefinitions=api["params"]["containers"])
    assert f.ecs_task_definition_differences(api, have) == []
    assert f.ecs_task_definition_differences(new, have) == ["container.environment"]


def test_a_replaced_database_or_cache_is_a_new_revision_without_exposing_it():
    """DATABASE_URL and REDIS_URL are secrets (the ARN stays): their endpoints reach the task definition as a
    digest label, so a replaced database or cache is a difference; a service not using it is not affected."""
    wired = dict(WIRING, database_endpoint="db-a.rds.amazonaws.com:5432", cache_endpoint="master.c-a.cache:6379")
    api = f.ecs_task_definitions(SERVICES[:1], dict(CTX, wiring=wired))[0]
    container = api["params"]["containers"][0]
    label = container["dockerLabels"]["platform-ops.wiring"]
    assert len(label) == 16 and "db-a" not in label
    assert "db-a" not in str(container["environment"]) and "c-a" not in str(container["environment"])
    have = dict(_camel_params(api["params"]), containerDefinitions=[container])
    assert f.ecs_task_definition_differences(api, have) == []
    for key, value in (
        ("database_endpoint", "db-b.rds.amazonaws.com:5432"),
        ("cache_endpoint", "master.c-b.cache:6379"),
    ):
        new = f.ecs_task_definitions(SERVICES[:1], dict(CTX, wiring=dict(wired, **{key: value})))[0]
        assert f.ecs_task_definition_differences(new, have) == ["container.dockerLabels"], key
        plan = f.ecs_task_definition_plan([new], {new["service"]: have})
        assert plan["register"][0]["changes"] == [
            "dockerLabels: the database or cache endpoint behind DATABASE_URL/REDIS_URL changed"
        ]
    # a service using neither has no label, and the cache's endpoint does not move a database-only service
    assert "dockerLabels" not in _container({"name": "worker", "port": 1, "uses": ["search"]}, wiring=wired)
    db_only = {"name": "worker", "port": 1, "uses": ["database"]}
    before = _container(db_only, wiring=wired)["dockerLabels"]
    after = _container(db_only, wiring=dict(wired, cache_endpoint="master.c-b.cache:6379"))["dockerLabels"]
    assert before == after
    # endpoints not known yet (a --check run before the database exists): no label
    assert "dockerLabels" not in _container(SERVICES[0])


def _camel_params(params):
    return {
        "family": params["family"],
        "cpu": params["cpu"],
        "memory": params["memory"],
        "networkMode": params["network_mode"],
        "executionRoleArn": params["execution_role_arn"],
        "taskRoleArn": params["task_role_arn"],
        "volumes": params["volumes"],
        "runtimePlatform": params["runtime_platform"],
        "requiresCompatibilities": ["FARGATE"],
    }


def test_the_role_refuses_a_bad_uses():
    errors = f.ecs_service_errors(
        {
            "platform_env": "dev",
            "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "prefix": PREFIX,
            "services": [{"name": "api", "port": 1, "uses": ["db"], "environment": {"AWS_REGION": "x"}}],
        }
    )
    assert any("platform_services[api].uses lists 'db'" in e for e in errors), errors
    assert any("environment.AWS_REGION is refused" in e for e in errors), errors


def test_execution_role_policy_extends_to_the_dr_region():
    ctx = dict(POLICY_CTX, dr_region="us-west-2", dr_kms_key_arn=f"arn:aws:kms:us-west-2:{ACCOUNT}:key/dr")
    doc = f.ecs_execution_role_policy(SERVICES[0], ctx)
    granted = _grants(doc)
    assert granted["ecr:BatchGetImage"] == {
        f"arn:aws:ecr:{r}:{ACCOUNT}:repository/{PREFIX}/api" for r in ("us-east-1", "us-west-2")
    }
    dr_group = f"arn:aws:logs:us-west-2:{ACCOUNT}:log-group:/platform/{PREFIX}/api"
    assert {dr_group, f"{dr_group}:log-stream:*"} <= granted["logs:PutLogEvents"]
    assert granted["secretsmanager:GetSecretValue"] == {
        f"arn:aws:secretsmanager:{r}:{ACCOUNT}:secret:{PREFIX}/{s}-??????"
        for r in ("us-east-1", "us-west-2")
        for s in ("cache/url", "database/url", "identity/jwt-secret")
    }
    dr_decrypt = next(s for s in doc["Statement"] if s["Sid"] == "DecryptItsSecretsInTheDrRegion")
    assert dr_decrypt["Resource"] == [ctx["dr_kms_key_arn"]]
    assert dr_decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-west-2.amazonaws.com"}}
    # without DR: the primary region only, as before
    assert f.ecs_execution_role_policy(SERVICES[0], dict(POLICY_CTX, dr_region="")) == f.ecs_execution_role_policy(
        SERVICES[0], POLICY_CTX
    )
