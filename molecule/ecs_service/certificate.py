"""The listener certificate an operator has before the first deploy (docs/aws-first-deploy.md), for the
ecs_service scenario.

``prepare``: imports a self-signed ACM certificate for ``{prefix}.example.org`` (an imported one is
ISSUED at once, as an operator's is; a requested one stays PENDING_VALIDATION, which the emulator's
acm_certificates rule refuses) and writes its ARN to ``$MOLECULE_EPHEMERAL_DIRECTORY/certificate_arn``,
so the scenario exercises the HTTPS listener and the HTTP -> HTTPS redirect.
``cleanup``: deletes the certificate. Usage: certificate.py prepare|cleanup

The AWS defaults moto lacks (a new ALB's attributes, a new cluster's empty lists) are given by the
emulator itself (scripts/moto_fixes.py), as for every other scenario and test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from checks import PREFIX, client

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
    sys.path.insert(0, os.environ["MOLECULE_PROJECT_DIRECTORY"])
    from tests.helpers import self_signed_certificate  # noqa: PLC0415

    body, key = self_signed_certificate(DOMAIN)
    return acm.import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]


issued = [c for c in certs if c.get("Status") == "ISSUED"]
arn = issued[0]["CertificateArn"] if issued else _import_certificate()
Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "certificate_arn").write_text(arn)
print(f"certificate {arn}" if issued else f"created the certificate {arn}")
