"""deploy.yml refuses bad certificates and a missing health check URL before it touches anything.

Syntax-level problems (no certificate in staging/prod, an ARN in the wrong region, a certificate
without a health check URL) fail before the emulator sees a single request. Existence and status
(``ISSUED``) are the run's first AWS calls: a missing or pending certificate stops the run before
any network or storage resource exists.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import api_operations, operations_delta
from tests.helpers import playbook, self_signed_certificate

pytestmark = [pytest.mark.xdist_group("preflight")]

ACCOUNT = "123456789012"  # moto's account
PLACEHOLDER = "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"
WELL_FORMED = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{uuid.UUID(int=7)}"
HOST = "app.preflight.example.org"
# A tag no task carries: only the `always` tasks run (validation and the certificate check).
PREFLIGHT_ONLY = ("--tags", "preflight-only")


def _no_request(moto_endpoint, *args, inventory="inventories/local"):
    """Run deploy.yml, expecting it to fail before any AWS request; returns its output."""
    before = api_operations(moto_endpoint)
    run = playbook(moto_endpoint, "deploy.yml", *args, inventory=inventory, timeout=300)
    assert run.returncode != 0, run.tail()
    assert operations_delta(before, api_operations(moto_endpoint)) == {}, "must fail before any AWS request"
    return run.output


def _real_inventory(moto_endpoint):
    """A real-AWS inventory pointed at the emulator (its own files never name an endpoint); prod
    accepts the emulator's plain http:// on loopback only with platform_allow_insecure_endpoint."""
    return ("-e", f"platform_aws_endpoint_url={moto_endpoint}", "-e", "platform_allow_insecure_endpoint=true")


def test_prod_without_a_certificate_is_refused_before_any_aws_call(moto_endpoint):
    for env in ("prod", "staging"):
        output = _no_request(
            moto_endpoint,
            *_real_inventory(moto_endpoint),
            "-e",
            "platform_certificate_arn=",
            inventory=f"inventories/{env}",
        )
        assert f"platform_certificate_arn is empty: {env} must serve HTTPS" in output


def test_a_bad_role_variable_is_refused_before_any_aws_call(moto_endpoint):
    """A role checks its own spec when it starts, after earlier roles ran: the preflight checks it first."""
    output = _no_request(moto_endpoint, "-e", "monitoring_log_retention_days=2000")
    assert "value of monitoring_log_retention_days must be one of" in output and "got: 2000" in output
    output = _no_request(moto_endpoint, "-e", "database_bootstrap_cpu=lots")
    assert "database_bootstrap_cpu" in output and "lots" in output


def test_a_certificate_in_another_region_is_refused_before_any_aws_call(moto_endpoint):
    elsewhere = WELL_FORMED.replace("us-east-1", "eu-west-1")
    output = _no_request(
        moto_endpoint, "-e", f"platform_certificate_arn={elsewhere}", "-e", f"healthcheck_base_url=https://{HOST}"
    )
    assert "platform_certificate_arn is in eu-west-1, but the load balancer is in platform_region us-east-1" in output
    output = _no_request(
        moto_endpoint,
        "-e",
        f"ecs_service_cloudfront_certificate_arn={elsewhere}",
        "-e",
        '{"ecs_service_cloudfront_aliases": ["cdn.example.org"]}',
    )
    assert "ecs_service_cloudfront_certificate_arn is in eu-west-1" in output
    output = _no_request(moto_endpoint, "-e", "platform_certificate_arn=arn:aws:acm:us-east-1:1:certificate/x")
    assert "platform_certificate_arn 'arn:aws:acm:us-east-1:1:certificate/x' is not an ACM certificate ARN" in output


def test_a_certificate_without_a_health_check_url_is_refused_before_any_aws_call(moto_endpoint):
    output = _no_request(moto_endpoint, "-e", f"platform_certificate_arn={WELL_FORMED}", "-e", "healthcheck_base_url=")
    assert "healthcheck_base_url is empty" in output
    # a run without the health check stage (--tags ...) needs no URL; the certificate is still checked
    rollout = playbook(
        moto_endpoint,
        "deploy.yml",
        "-e",
        f"platform_certificate_arn={WELL_FORMED}",
        "-e",
        "healthcheck_base_url=",
        "--tags",
        "preflight-only",
        timeout=300,
    )
    assert "healthcheck_base_url is empty" not in rollout.output
    assert f"platform_certificate_arn {WELL_FORMED} does not exist in ACM in us-east-1" in rollout.output, (
        rollout.tail()
    )


@pytest.mark.parametrize("env", ["prod", "staging"])
def test_the_placeholder_certificate_of_the_real_inventories_fails_first(moto_endpoint, aws, env):
    """The first AWS request is the certificate check; nothing is provisioned after it fails."""
    before = api_operations(moto_endpoint)
    run = playbook(
        moto_endpoint, "deploy.yml", *_real_inventory(moto_endpoint), inventory=f"inventories/{env}", timeout=300
    )
    assert run.returncode != 0
    assert f"platform_certificate_arn {PLACEHOLDER} does not exist in ACM in us-east-1" in run.output, run.tail()
    # prod also names the DR load balancer's certificate (the pilot light): both are checked in that one step
    certificates = 2 if env == "prod" else 1
    assert operations_delta(before, api_operations(moto_endpoint)) == {"acm.DescribeCertificate": certificates}
    assert not aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Project", "Values": ["caseapp"]}])["Vpcs"]


def test_an_issued_certificate_passes_and_a_pending_one_stops_the_deploy(moto_endpoint, aws):
    body, key = self_signed_certificate(HOST)
    issued = aws("acm").import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    args = ("-e", f"platform_certificate_arn={issued}", "-e", f"healthcheck_base_url=https://{HOST}")

    before = api_operations(moto_endpoint)
    run = playbook(moto_endpoint, "deploy.yml", *args, *PREFLIGHT_ONLY, timeout=300)
    assert run.returncode == 0, run.tail()
    # checked once for the whole run, although every play of deploy.yml validates
    assert operations_delta(before, api_operations(moto_endpoint)).get("acm.DescribeCertificate") == 1

    # a health check host the certificate does not cover
    uncovered = playbook(
        moto_endpoint, "deploy.yml", *args, "-e", "healthcheck_base_url=https://other.example.org", timeout=300
    )
    assert uncovered.returncode != 0 and f"platform_certificate_arn {issued} does not cover other.example.org" in (
        uncovered.output
    ), uncovered.tail()

    pending = aws("acm").request_certificate(DomainName="cdn.example.org", ValidationMethod="DNS")["CertificateArn"]
    before = api_operations(moto_endpoint)
    run = playbook(
        moto_endpoint,
        "deploy.yml",
        *args,
        "-e",
        f"ecs_service_cloudfront_certificate_arn={pending}",
        "-e",
        '{"ecs_service_cloudfront_aliases": ["cdn.example.org"]}',
        timeout=300,
    )
    assert run.returncode != 0
    assert f"ecs_service_cloudfront_certificate_arn {pending}: status PENDING_VALIDATION, not ISSUED" in run.output, (
        run.tail()
    )
    assert set(operations_delta(before, api_operations(moto_endpoint))) == {"acm.DescribeCertificate"}
    assert not aws("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["caseapp-local-vpc"]}])["Vpcs"]


# --- every bad input of issue 12, refused by the rules (module_utils/platform_rules) -------------

SERVICE = {"name": "backend", "port": 8000, "public": True, "secrets": ["DATABASE_URL"], "buckets": ["documents"]}
ECR_IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/caseapp-local/backend:v1"


def _services(**change):
    return ("-e", json.dumps({"platform_services": [dict(SERVICE, **change)]}))


BAD_INPUTS = {
    "lowercase secret name in environment": (
        _services(environment={"db_password": "hunter2"}),
        "platform_services[backend].environment.db_password is refused: its name looks like a secret",
    ),
    "DB_PASS in environment": (
        _services(environment={"DB_PASS": "hunter2"}),
        "platform_services[backend].environment.DB_PASS is refused: its name looks like a secret",
    ),
    "REDIS_URL in environment": (
        _services(environment={"REDIS_URL": "rediss://:t0ken@cache:6379/0"}),
        "platform_services[backend].environment.REDIS_URL is refused",
    ),
    "credentials in a URL value": (
        _services(environment={"UPSTREAM": "postgres://app:hunter2@db:5432/app"}),
        "platform_services[backend].environment.UPSTREAM is refused: its value is a URL with credentials in it",
    ),
    "typo in buckets": (
        _services(buckets=["documnets"]),
        "platform_services[backend].buckets lists 'documnets', which is not one of the storage buckets "
        "(storage_buckets: documents, media, models, assets, backups, logs)",
    ),
    "reserved service name": (
        _services(name="db-bootstrap"),
        "platform_services[db-bootstrap].name 'db-bootstrap' is reserved",
    ),
    "non-integer grace period": (
        _services(health_check_grace_period="60s"),
        "platform_services[backend].health_check_grace_period '60s' must be a whole number of seconds",
    ),
    "negative grace period": (
        _services(health_check_grace_period=-1),
        "platform_services[backend].health_check_grace_period -1 must be a whole number of seconds",
    ),
    "master secret in secrets": (
        _services(secrets=["DATABASE_URL", "DATABASE_MASTER"]),
        "platform_services[backend].secrets lists DATABASE_MASTER: the database master credentials are never "
        "given to a service",
    ),
    "image outside the stack's ECR": (
        _services(image="docker.io/library/nginx:latest"),
        "platform_services[backend].image 'docker.io/library/nginx:latest' is outside the stack's ECR",
    ),
    "image of another service's repository": (
        _services(image=ECR_IMAGE.replace("/backend:", "/worker:")),
        "is outside the stack's ECR",
    ),
    "unknown key in a service spec": (
        _services(helth_path="/health"),
        "platform_services[backend]: unknown key 'helth_path' (did you mean health_path?)",
    ),
    "unknown DR region": (
        ("-e", "platform_dr_region=us-weast-2"),
        "platform_dr_region 'us-weast-2' is not an AWS region name",
    ),
    "DR region equal to the region": (
        ("-e", "platform_dr_region=us-east-1"),
        "platform_dr_region 'us-east-1' equals platform_region",
    ),
    "http endpoint to another host": (
        ("-e", "platform_aws_endpoint_url=http://moto.example.org:5000"),
        "platform_aws_endpoint_url 'http://moto.example.org:5000' is plain http:// to moto.example.org",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_each_bad_input_is_refused_before_any_aws_call(moto_endpoint, case):
    args, message = BAD_INPUTS[case]
    output = _no_request(moto_endpoint, *args, *PREFLIGHT_ONLY)
    assert message in output, output[-3000:]
    assert "hunter2" not in output and "t0ken" not in output  # a refused secret is never echoed


def test_a_long_service_name_breaking_the_iam_limit_is_refused_before_any_aws_call(moto_endpoint):
    name = "s" * 32
    output = _no_request(
        moto_endpoint,
        *_real_inventory(moto_endpoint),
        "-e",
        "platform_name=averylongplatformnam",
        *_services(name=name),
        *PREFLIGHT_ONLY,
        inventory="inventories/staging",
    )
    assert f"the IAM role name averylongplatformnam-staging-exec-{name} (66 characters) is longer than IAM's 64" in (
        output
    )


def test_an_http_endpoint_in_prod_is_refused_before_any_aws_call(moto_endpoint):
    output = _no_request(
        moto_endpoint, "-e", f"platform_aws_endpoint_url={moto_endpoint}", *PREFLIGHT_ONLY, inventory="inventories/prod"
    )
    assert f"platform_aws_endpoint_url '{moto_endpoint}' is plain http:// in prod" in output


def test_an_image_of_the_stacks_ecr_passes_the_rules(moto_endpoint):
    run = playbook(moto_endpoint, "deploy.yml", *_services(image=ECR_IMAGE), *PREFLIGHT_ONLY, timeout=300)
    assert run.returncode == 0, run.tail()


def test_bad_dr_settings_are_refused_before_any_aws_call(moto_endpoint):
    """The DR variables (issue 14): the DR network may not overlap the primary's, the pilot light in
    prod needs its own certificate in the DR region, the DNS name lies inside its zone."""
    dr = ("-e", "platform_dr_region=us-west-2")
    output = _no_request(moto_endpoint, *dr, "-e", "platform_dr_vpc_cidr=10.20.128.0/17")
    assert "platform_dr_vpc_cidr 10.20.128.0/17 overlaps platform_vpc_cidr 10.20.0.0/16" in output
    output = _no_request(moto_endpoint, *dr, "-e", "platform_vpc_cidr=10.255.0.0/16")
    assert "platform_dr_vpc_cidr cannot be derived from platform_vpc_cidr 10.255.0.0/16" in output
    output = _no_request(moto_endpoint, "-e", "platform_dr_pilot_light=true")
    assert "platform_dr_pilot_light is true but platform_dr_region is empty" in output
    output = _no_request(
        moto_endpoint,
        *_real_inventory(moto_endpoint),
        "-e",
        "platform_dr_certificate_arn=",
        inventory="inventories/prod",
    )
    assert "platform_dr_certificate_arn is empty: the DR pilot light's load balancer in us-west-2" in output
    output = _no_request(
        moto_endpoint,
        *_real_inventory(moto_endpoint),
        "-e",
        f"platform_dr_certificate_arn={WELL_FORMED}",
        inventory="inventories/prod",
    )
    assert (
        "platform_dr_certificate_arn is in us-east-1, but the DR load balancer is in platform_dr_region us-west-2"
        in (output)
    )
    output = _no_request(
        moto_endpoint, "-e", "platform_dns_zone=example.org", "-e", "platform_dns_name=app.example.com"
    )
    assert "platform_dns_name 'app.example.com' is not inside platform_dns_zone 'example.org'" in output
    output = _no_request(moto_endpoint, "-e", "platform_dns_zone=example.org")
    assert "platform_dns_zone and platform_dns_name go together" in output


def test_dr_without_the_pilot_light_still_needs_a_db_subnet_group(moto_endpoint):
    output = _no_request(
        moto_endpoint, "-e", "platform_dr_region=us-west-2", "-e", "platform_dr_pilot_light=false", *PREFLIGHT_ONLY
    )
    assert "platform_dr_pilot_light is false, but" in output and "database_dr_subnet_group_name is empty" in output


def test_the_dr_state_is_read_once_with_a_module_in_the_dr_region(moto_endpoint, aws):
    """roles/platform/tasks/dr_state.yml: one ssm.GetParameter in the DR region (aws_read, so module_defaults'
    endpoint and retries apply); its JSON becomes platform_dr_state, and a missing parameter means {}."""
    dr = ("-e", "platform_name=drstate", "-e", "platform_dr_region=us-west-2", "-e", "platform_dr_pilot_light=false")
    dr += ("-e", "database_dr_subnet_group_name=preflight-dr-db", "-v", *PREFLIGHT_ONLY)
    before = api_operations(moto_endpoint)
    missing = playbook(moto_endpoint, "deploy.yml", *dr, timeout=300)
    assert missing.returncode == 0, missing.tail()
    assert "platform_dr_state: {}" in missing.output and "platform_dr_active: primary" in missing.output
    assert operations_delta(before, api_operations(moto_endpoint)).get("ssm.GetParameter") == 1

    state = {"active": "secondary", "changed_at": "2026-12-05T00:00:00Z", "by": "preflight"}
    names = aws("ssm", "us-west-2")
    name = "/platform/drstate-local/dr/state"  # platform_name-platform_env (inventories/local)
    names.put_parameter(Name=name, Value=json.dumps(state), Type="String", Overwrite=True)
    try:
        active = playbook(moto_endpoint, "deploy.yml", *dr, timeout=300)
    finally:
        names.delete_parameter(Name=name)
    assert active.returncode == 0, active.tail()
    assert "platform_dr_active: secondary" in active.output and "by: preflight" in active.output
