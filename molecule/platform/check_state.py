"""boto3 side of the platform scenario (the role creates nothing).

``prepare``: what an operator has before a run: an imported (ISSUED) ACM certificate for
``{prefix}.example.org``, its ARN written to ``$MOLECULE_EPHEMERAL_DIRECTORY/certificate_arn``, and the DR
state parameter ``/platform/{prefix}/dr/state`` in the DR region saying the secondary region serves.
``present``: both are as prepare left them (the role wrote nothing) and nothing of the stack exists.
``cleanup``: deletes the fixtures. ``absent``: nothing of the scenario is left.
Usage: check_state.py prepare|present|cleanup|absent
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from botocore.exceptions import ClientError
from checks import NAME, PREFIX, check, client, done

DR_REGION = os.environ.get("PLATFORM_DR_REGION") or "us-west-2"
DOMAIN = f"{PREFIX}.example.org"
PARAMETER = f"/platform/{PREFIX}/dr/state"
DR_STATE = {"active": "secondary", "changed_at": "2026-12-06T00:00:00Z", "by": "molecule", "rpo_seconds": 0}

mode = sys.argv[1]
acm = client("acm")
ssm = client("ssm", DR_REGION)


def certificates() -> list[dict]:
    return [c for c in acm.list_certificates()["CertificateSummaryList"] if c["DomainName"] == DOMAIN]


def parameter() -> dict | None:
    try:
        return ssm.get_parameter(Name=PARAMETER)["Parameter"]
    except ClientError as e:
        if e.response["Error"]["Code"] == "ParameterNotFound":
            return None
        raise


def nothing_of_the_stack() -> None:
    """The role made nothing: no bucket, key alias, VPC, log group, IAM role or cluster of the stack."""
    buckets = [b["Name"] for b in client("s3").list_buckets()["Buckets"] if b["Name"].startswith(PREFIX)]
    check(not buckets, f"no S3 bucket named {PREFIX}* ({buckets})")
    aliases = [
        a["AliasName"] for a in client("kms").list_aliases()["Aliases"] if a["AliasName"].startswith(f"alias/{PREFIX}")
    ]
    check(not aliases, f"no KMS alias alias/{PREFIX}* ({aliases})")
    vpcs = client("ec2").describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [NAME]}])["Vpcs"]
    check(not vpcs, f"no VPC tagged Project={NAME}")
    groups = client("logs").describe_log_groups(logGroupNamePrefix=f"/platform/{PREFIX}")["logGroups"]
    check(not groups, f"no log group under /platform/{PREFIX}")
    roles = [r["RoleName"] for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)]
    check(not roles, f"no IAM role named {PREFIX}* ({roles})")
    clusters = client("ecs").describe_clusters(clusters=[PREFIX])["clusters"]
    check(not [c for c in clusters if c.get("status") == "ACTIVE"], f"no ECS cluster {PREFIX}")


if mode == "prepare":
    issued = [c for c in certificates() if c.get("Status") == "ISSUED"]
    if issued:
        arn = issued[0]["CertificateArn"]
    else:
        sys.path.insert(0, os.environ["MOLECULE_PROJECT_DIRECTORY"])
        from tests.helpers import self_signed_certificate  # noqa: PLC0415

        body, key = self_signed_certificate(DOMAIN)
        arn = acm.import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
        print(f"created the certificate {arn}")
    Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "certificate_arn").write_text(arn)
    if parameter() is None:
        ssm.put_parameter(Name=PARAMETER, Type="String", Value=json.dumps(DR_STATE))
        print(f"created the DR state parameter {PARAMETER} in {DR_REGION}")
    sys.exit(0)

if mode == "cleanup":
    for cert in certificates():
        acm.delete_certificate(CertificateArn=cert["CertificateArn"])
    if parameter() is not None:
        ssm.delete_parameter(Name=PARAMETER)
    print("removed the certificate and the DR state parameter")
    sys.exit(0)

if mode == "present":
    found = parameter()
    check(found is not None and json.loads(found["Value"]) == DR_STATE, f"{PARAMETER} holds the DR state prepare wrote")
    check(found is not None and found["Version"] == 1, f"{PARAMETER} was never written again (version 1)")
    check(
        [c.get("Status") for c in certificates()] == ["ISSUED"], f"the certificate for {DOMAIN} is still there, ISSUED"
    )
    nothing_of_the_stack()
elif mode == "absent":
    check(parameter() is None, f"no {PARAMETER} in {DR_REGION}")
    check(not certificates(), f"no certificate for {DOMAIN}")
    nothing_of_the_stack()
else:
    raise SystemExit(f"usage: {sys.argv[0]} prepare|present|cleanup|absent")
done()
