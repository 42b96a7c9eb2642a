"""platform_ops.aws.acm_certificate_check against the moto server: existence, status, region and names."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import api_operations, operations_delta
from tests.helpers import self_signed_certificate

MODULE = "acm_certificate_check"
MISSING = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"


@pytest.fixture
def imported(aws):
    """An imported (hence ISSUED) certificate in us-east-1 for app.<random>.example.org and *.app..."""
    host = f"app.{uuid.uuid4().hex[:8]}.example.org"
    body, key = self_signed_certificate(host, [f"*.{host}"])
    arn = aws("acm").import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    return arn, host


def test_an_issued_certificate_covering_its_names_passes(run_module, imported, moto_endpoint):
    arn, host = imported
    before = api_operations(moto_endpoint)
    result = run_module(
        MODULE,
        {"certificates": [{"arn": arn, "variable": "platform_certificate_arn", "domains": [host, f"www.{host}"]}]},
        check_mode=True,
    )
    assert not result.failed and not result.changed, result
    (found,) = result["certificates"]
    assert found["exists"] and found["status"] == "ISSUED" and found["region"] == "us-east-1"
    assert found["problems"] == [] and result["problems"] == []
    assert host in [found["domain_name"], *found["subject_alternative_names"]]
    # one DescribeCertificate, no ListCertificates (its default filter hides ECDSA and RSA 4096 certificates)
    assert operations_delta(before, api_operations(moto_endpoint)) == {"acm.DescribeCertificate": 1}


def test_a_missing_certificate_fails_naming_the_variable(run_module):
    result = run_module(MODULE, {"certificates": [{"arn": MISSING, "variable": "platform_certificate_arn"}]})
    assert result.failed
    assert (
        "platform_certificate_arn" in result["msg"] and MISSING in result["msg"] and "does not exist" in result["msg"]
    )
    assert result["certificates"][0]["exists"] is False


def test_the_certificate_is_read_in_its_own_region(run_module, aws):
    body, key = self_signed_certificate("cdn.example.org", [])
    arn = aws("acm", region="eu-west-1").import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    ok = run_module(MODULE, {"certificates": [{"arn": arn}]})  # module region us-east-1, ARN eu-west-1
    assert not ok.failed and ok["certificates"][0]["region"] == "eu-west-1", ok
    # the same ARN looked up in another region does not exist there
    wrong = run_module(MODULE, {"certificates": [{"arn": arn, "region": "us-east-1", "variable": "x_arn"}]})
    assert wrong.failed and "x_arn" in wrong["msg"] and "in ACM in us-east-1" in wrong["msg"]


def test_an_ecdsa_certificate_is_found(run_module, aws):
    body, key = self_signed_certificate("ec.example.org", [], key=ec.generate_private_key(ec.SECP256R1()))
    arn = aws("acm").import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    result = run_module(MODULE, {"certificates": [{"arn": arn}]})
    assert not result.failed and result["certificates"][0]["exists"], result


def test_a_pending_certificate_and_uncovered_names_are_problems(run_module, aws, imported):
    arn, host = imported
    pending = aws("acm").request_certificate(DomainName="pending.example.org", ValidationMethod="DNS")["CertificateArn"]
    result = run_module(
        MODULE,
        {
            "certificates": [
                {"arn": pending, "variable": "ecs_service_cloudfront_certificate_arn"},
                {"arn": arn, "variable": "platform_certificate_arn", "domains": [host.split(".", 1)[1], f"a.b.{host}"]},
            ],
            "fail_on_problems": False,
        },
    )
    assert not result.failed and not result.changed, result
    first, second = result["certificates"]
    assert first["status"] == "PENDING_VALIDATION"
    assert first["problems"] == [
        f"ecs_service_cloudfront_certificate_arn {pending}: status PENDING_VALIDATION, not ISSUED "
        "(complete its DNS validation first)"
    ]
    (problem,) = second["problems"]
    assert problem.startswith(f"platform_certificate_arn {arn} does not cover {host.split('.', 1)[1]}, a.b.{host}")
    assert len(result["problems"]) == 2
    failing = run_module(
        MODULE, {"certificates": [{"arn": pending, "variable": "ecs_service_cloudfront_certificate_arn"}]}
    )
    assert failing.failed and "ecs_service_cloudfront_certificate_arn" in failing["msg"]


def test_a_malformed_arn_is_refused_without_a_call(run_module, moto_endpoint):
    before = api_operations(moto_endpoint)
    result = run_module(
        MODULE, {"certificates": [{"arn": "arn:aws:iam::123456789012:server-certificate/x", "variable": "v"}]}
    )
    assert (
        result.failed
        and "v 'arn:aws:iam::123456789012:server-certificate/x' is not an ACM certificate ARN" in result["msg"]
    )
    assert operations_delta(before, api_operations(moto_endpoint)) == {}
