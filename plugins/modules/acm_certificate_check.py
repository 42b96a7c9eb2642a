#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: acm_certificate_check
version_added: 0.1.0
short_description: Check that ACM certificates exist, are issued and cover the names they serve
description:
  - Reads each listed AWS Certificate Manager certificate with C(DescribeCertificate) in the region the
    certificate lives in (an ALB takes certificates from its own region, CloudFront from us-east-1 only)
    and reports what would make AWS refuse it later, when a listener or a distribution is created.
  - A certificate is a problem when it does not exist (or this account may not read it), when its status is
    not C(ISSUED) (pending DNS validation, expired, revoked, failed, inactive) or when a name in its
    O(certificates[].domains) is covered neither by its domain name nor by a subject alternative name
    (a wildcard C(*.example.org) covers C(app.example.org), not C(example.org) or C(a.app.example.org)).
  - With O(fail_on_problems) (the default) the module fails and its message names the variable of every
    certificate with a problem, so a deploy stops before it provisions anything.
  - C(community.aws.acm_certificate_info) cannot serve as this check - it finds certificates through
    C(ListCertificates), whose default filter returns RSA 1024/2048 certificates only, so an ECDSA or RSA 4096
    certificate would be reported missing; it also fetches every certificate body.
  - Reads only; never changes anything, so check mode behaves like a normal run.
author: Platform Ops Maintainers (@platform-ops)
options:
  certificates:
    description:
      - The certificates to check.
    type: list
    elements: dict
    required: true
    suboptions:
      arn:
        description:
          - ARN of the certificate.
        type: str
        required: true
      variable:
        description:
          - Name of the variable that set the ARN, used in the messages.
        type: str
        default: certificate
      region:
        description:
          - Region whose ACM holds the certificate. Defaults to the region in the ARN.
        type: str
      domains:
        description:
          - Host names the certificate must cover (its domain name or a subject alternative name, wildcards
            included).
        type: list
        elements: str
        default: []
  fail_on_problems:
    description:
      - Fail when a certificate has a problem. V(false) only reports the problems.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check the listener and CloudFront certificates before provisioning
  platform_ops.aws.acm_certificate_check:
    certificates:
      - variable: platform_certificate_arn
        arn: arn:aws:acm:eu-west-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000
        domains: [app.example.org]
      - variable: ecs_service_cloudfront_certificate_arn
        arn: arn:aws:acm:us-east-1:123456789012:certificate/1f0e0d0c-0000-4000-8000-000000000000
        region: us-east-1
        domains: [cdn.example.org]

- name: Only report certificate problems
  platform_ops.aws.acm_certificate_check:
    certificates:
      - arn: "{{ platform_certificate_arn }}"
    fail_on_problems: false
  register: certificate_check
"""

RETURN = r"""
certificates:
  description: What was found for each certificate, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    variable:
      description: The variable that set the ARN.
      type: str
      sample: platform_certificate_arn
    arn:
      description: The certificate ARN.
      type: str
      sample: arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000
    region:
      description: The region it was looked up in.
      type: str
      sample: us-east-1
    exists:
      description: Whether DescribeCertificate found it.
      type: bool
      sample: true
    status:
      description: Its ACM status; empty when it does not exist.
      type: str
      sample: ISSUED
    domain_name:
      description: Its domain name.
      type: str
      sample: app.example.org
    subject_alternative_names:
      description: Its subject alternative names.
      type: list
      elements: str
      sample: [app.example.org, "*.app.example.org"]
    key_algorithm:
      description: Its key algorithm.
      type: str
      sample: RSA_2048
    not_after:
      description: End of its validity period (ISO 8601); empty when unknown.
      type: str
      sample: "2027-11-23T00:00:00+00:00"
    problems:
      description: What is wrong with it; empty when it can be used.
      type: list
      elements: str
      sample: []
problems:
  description: Every problem of every certificate, each naming the variable.
  returned: always
  type: list
  elements: str
  sample: ["platform_certificate_arn arn:aws:acm:...: status PENDING_VALIDATION, not ISSUED"]
"""

import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d):\d{12}:certificate/.+$")
STATUS_HINTS = {
    "PENDING_VALIDATION": "complete its DNS validation first",
    "EXPIRED": "renew or replace it",
    "REVOKED": "replace it",
    "FAILED": "request a new one",
    "VALIDATION_TIMED_OUT": "request a new one",
    "INACTIVE": "replace it",
}


@AWSRetry.jittered_backoff()
def describe_certificate(client, arn):
    return client.describe_certificate(CertificateArn=arn)["Certificate"]


def covers(names, host):
    """Whether one of the certificate's ``names`` covers ``host`` (one wildcard label at most)."""
    host = host.lower().rstrip(".")
    for raw in names:
        name = raw.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False


def check_certificate(module, clients, spec):
    arn = spec["arn"]
    variable = spec["variable"]
    match = ARN_RE.match(arn or "")
    region = spec.get("region") or (match.group("region") if match else module.region)
    found = {
        "variable": variable,
        "arn": arn,
        "region": region,
        "exists": False,
        "status": "",
        "domain_name": "",
        "subject_alternative_names": [],
        "key_algorithm": "",
        "not_after": "",
        "problems": [],
    }
    if not match:
        found["problems"].append(f"{variable} {arn!r} is not an ACM certificate ARN")
        return found
    if region not in clients:
        clients[region] = module.client("acm", region=region)
    try:
        cert = describe_certificate(clients[region], arn)
    except is_boto3_error_code(["ResourceNotFoundException", "AccessDeniedException", "ValidationException"]) as e:
        code = e.response["Error"]["Code"]
        reason = "does not exist" if code == "ResourceNotFoundException" else f"cannot be read ({code})"
        found["problems"].append(
            f"{variable} {arn} {reason} in ACM in {region}: request or import the certificate in {region} "
            "in this account and set its ARN"
        )
        return found
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to describe the certificate {arn} ({variable}) in {region}")
    names = [cert.get("DomainName", "")] + list(cert.get("SubjectAlternativeNames") or [])
    not_after = cert.get("NotAfter")
    found.update(
        exists=True,
        status=cert.get("Status", ""),
        domain_name=cert.get("DomainName", ""),
        subject_alternative_names=list(cert.get("SubjectAlternativeNames") or []),
        key_algorithm=cert.get("KeyAlgorithm", ""),
        not_after=not_after.isoformat() if hasattr(not_after, "isoformat") else str(not_after or ""),
    )
    if found["status"] != "ISSUED":
        hint = STATUS_HINTS.get(found["status"], "use an issued certificate")
        found["problems"].append(f"{variable} {arn}: status {found['status']}, not ISSUED ({hint})")
    uncovered = [d for d in spec.get("domains") or [] if not covers(names, d)]
    if uncovered:
        found["problems"].append(
            f"{variable} {arn} does not cover {', '.join(uncovered)} "
            f"(it covers {', '.join(n for n in dict.fromkeys(names) if n)})"
        )
    return found


def main():
    argument_spec = dict(
        certificates=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                arn=dict(type="str", required=True),
                variable=dict(type="str", default="certificate"),
                region=dict(type="str"),
                domains=dict(type="list", elements="str", default=[]),
            ),
        ),
        fail_on_problems=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    clients = {}
    results = [check_certificate(module, clients, spec) for spec in module.params["certificates"]]
    problems = [problem for result in results for problem in result["problems"]]
    if problems and module.params["fail_on_problems"]:
        module.fail_json(
            msg="Certificate check failed: " + "; ".join(problems), certificates=results, problems=problems
        )
    module.exit_json(changed=False, certificates=results, problems=problems)


if __name__ == "__main__":
    main()
