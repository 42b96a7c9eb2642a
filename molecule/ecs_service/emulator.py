"""Give the moto emulator what AWS would have for the ecs_service scenario.

``prepare``:
* imports a self-signed ACM certificate for ``{prefix}.example.org`` (moto checks that a listener's
  certificate exists) and writes its ARN to ``$MOLECULE_EPHEMERAL_DIRECTORY/certificate_arn``, so
  the scenario exercises the HTTPS listener and the HTTP -> HTTPS redirect;
* creates the load balancer ``{prefix}-alb`` (public subnets, alb security group) and gives it the
  attributes AWS reports for every new ALB: moto (5.2) leaves ``access_logs.s3.enabled``,
  ``idle_timeout.timeout_seconds`` and ``routing.http.drop_invalid_header_fields.enabled`` out of
  DescribeLoadBalancerAttributes until they are modified, and amazon.aws.elb_application_lb then
  fails with a KeyError on a load balancer it has just created. The role finds this one by name
  and converges it (listeners, attributes, tags) exactly as it would on AWS.

* creates the ECS cluster ``{prefix}`` with an empty tag list (and empty capacity provider lists, as
  AWS describes a new cluster): moto answers ListTagsForResource of a cluster created without
  tags (community.aws.ecs_cluster cannot pass any) without the ``tags`` key AWS always returns,
  and community.aws.ecs_tag then fails with a KeyError. The role converges the cluster's capacity
  providers and tags as on AWS.

``cleanup``: deletes the certificate. Usage: emulator.py prepare|cleanup

Once scripts/moto_fixes.py gives new ALBs and clusters these AWS defaults, only the certificate
is needed here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checks import PREFIX, client

AWS_ALB_DEFAULTS = {
    "access_logs.s3.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http.drop_invalid_header_fields.enabled": "false",
}
DOMAIN = f"{PREFIX}.example.org"
acm = client("acm")
mode = sys.argv[1]
certs = [c for c in acm.list_certificates()["CertificateSummaryList"] if c["DomainName"] == DOMAIN]

if mode == "cleanup":
    for cert in certs:
        acm.delete_certificate(CertificateArn=cert["CertificateArn"])
        print(f"deleted the certificate {cert['CertificateArn']}")
    sys.exit(0)


def _import_certificate() -> str:
    """An operator's certificate is ISSUED before the first deploy; an imported one is ISSUED at once
    (a requested one stays PENDING_VALIDATION, which the emulator's acm_certificates rule refuses)."""
    sys.path.insert(0, os.environ["MOLECULE_PROJECT_DIRECTORY"])
    from tests.helpers import self_signed_certificate  # noqa: PLC0415

    body, key = self_signed_certificate(DOMAIN)
    return acm.import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]


issued = [c for c in certs if c.get("Status") == "ISSUED"]
arn = issued[0]["CertificateArn"] if issued else _import_certificate()
Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "certificate_arn").write_text(arn)
print(f"certificate {arn}")

ecs = client("ecs")
if not [c for c in ecs.describe_clusters(clusters=[PREFIX])["clusters"] if c["status"] == "ACTIVE"]:
    ecs.create_cluster(clusterName=PREFIX, tags=[], capacityProviders=[], defaultCapacityProviderStrategy=[])
    print(f"created the cluster {PREFIX}")

ec2, elbv2 = client("ec2"), client("elbv2")
try:
    lb = elbv2.describe_load_balancers(Names=[f"{PREFIX}-alb"])["LoadBalancers"][0]
except elbv2.exceptions.LoadBalancerNotFoundException:
    subnets = ec2.describe_subnets(
        Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-public-*"]}, {"Name": "tag:Tier", "Values": ["public"]}]
    )["Subnets"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-alb"]}])[
        "SecurityGroups"
    ]
    lb = elbv2.create_load_balancer(
        Name=f"{PREFIX}-alb",
        Subnets=[s["SubnetId"] for s in subnets],
        SecurityGroups=[g["GroupId"] for g in groups],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    print(f"created the load balancer {PREFIX}-alb")
have = {a["Key"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
missing = [{"Key": k, "Value": v} for k, v in AWS_ALB_DEFAULTS.items() if k not in have]
if missing:
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"], Attributes=missing)
    print(f"seeded the AWS default attributes {', '.join(a['Key'] for a in missing)}")
