#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: compliance_audit
short_description: Audit one platform's AWS resources against HIPAA Security Rule controls
version_added: 0.1.0
description:
  - Finds every resource of one platform by the naming and tagging contract (tags
    C(Project=platform_name) and C(Environment=platform_env); names beginning with
    C({platform_name}-{platform_env})) and evaluates more than 50 controls mapped to sections of the
    HIPAA Security Rule (45 CFR 164.308 and 164.312) - encryption at rest and in transit, audit
    logging, contingency (backups, Multi-AZ, versioning, replication), access control (MFA,
    password policy, public access, open ports, least privilege, secrets handling).
  - A resource that lacks the platform's tags, or carries another platform's, is never evaluated.
  - Read-only; never changes anything (C(changed) is always false) and behaves the same in check mode.
  - Each resource is read once per run (describe, list and get calls, throttling retried with a jittered backoff).
    Up to 8 controls are evaluated at once, and a control's resources at once (up to 8), so that the requests
    overlap instead of adding up; the findings are reported in the order of the controls all the same.
  - Each finding is PASS, FAIL, WAIVED (a FAIL covered by a current waiver) or NOT_APPLICABLE (no
    resource of that type, a prod-only control outside prod).
  - "An API the endpoint does not answer (HTTP 404, 500 or 501) fails closed: a FAIL with the detail
    C(could not be evaluated: <API> unsupported), unless O(allow_unsupported_apis) (an emulator) makes it
    NOT_APPLICABLE."
  - The module fails, with the full report still in the result, when a FAIL finding at or above
    O(severity_threshold) exists and O(fail_on_findings) is true.
  - The controls are listed in C(docs/compliance-controls.md) of this collection.
author: Platform Ops Maintainers (@platform-ops)
options:
  platform_name:
    description:
      - Short lowercase name of the platform, the first part of every resource name and the value
        of the C(Project) tag.
    type: str
    required: true
  platform_env:
    description:
      - Environment of the platform, the value of the C(Environment) tag. C(prod) turns on the
        prod-only controls (Multi-AZ, deletion protection, automatic failover, zone awareness) and
        the longer log retention.
    type: str
    required: true
    choices: [local, dev, staging, prod]
  dr_region:
    description:
      - The platform's disaster-recovery region. When set, S3 buckets must replicate to it.
    type: str
  waivers:
    description:
      - Accepted risks. A FAIL finding of O(waivers[].control) on O(waivers[].resource) becomes
        WAIVED until the waiver expires. An expired waiver is not applied and is reported.
    type: list
    elements: dict
    default: []
    suboptions:
      control:
        description: The control id, for example C(S3.REPLICATION).
        type: str
        required: true
      resource:
        description: The exact resource id or ARN of the finding, or C(*) for every resource.
        type: str
        required: true
      reason:
        description: Why the risk is accepted (who decided, the compensating control). Must not be empty.
        type: str
        required: true
      expires:
        description: Last day the waiver applies, C(YYYY-MM-DD).
        type: str
        required: true
  severity_threshold:
    description:
      - FAIL findings of this severity or higher make the module fail (when O(fail_on_findings)).
    type: str
    default: high
    choices: [critical, high, medium, low, info]
  controls:
    description:
      - Evaluate only these controls. Exact ids (C(S3.ENCRYPTION)) or shell patterns (C(S3.*)).
        All controls when omitted.
    type: list
    elements: str
  fail_on_findings:
    description:
      - Fail the task when a FAIL finding at or above O(severity_threshold) exists. When false the
        module only reports.
    type: bool
    default: true
  allow_unsupported_apis:
    description:
      - Report a control whose API the endpoint does not answer (HTTP 404, 500 or 501) as NOT_APPLICABLE
        instead of FAIL. For an AWS emulator that lacks some APIs (the local stack's inventory sets it);
        never on real AWS, where such an answer must not let a control pass unseen.
    type: bool
    default: false
  secret_max_age_days:
    description:
      - C(SECRETS.ROTATION) fails a secret last rotated more than this many days ago. The last rotation is the
        later of the C(PlatformRotatedAt) tag (written by C(playbooks/rotate_secrets.yml)) and Secrets Manager's
        C(LastRotatedDate); for a secret never rotated, its C(LastChangedDate), else its C(CreatedDate).
    type: int
    default: 90
  security_baseline:
    description:
      - The C(security_baseline) role's switches (C(security_baseline_cloudtrail), ...), as the deploy set them.
        The baseline controls (C(CLOUDTRAIL.*), C(GUARDDUTY.ENABLED), C(SECURITYHUB.FSBP), C(CONFIG.RECORDING),
        C(BACKUP.PLAN_COVERAGE)) check the account either way and fail C(high) when the service is missing;
        when its switch is false, the finding's detail says that the organisation must provide the service or the
        control be waived in C(compliance_waivers).
    type: dict
    default: {}
    suboptions:
      cloudtrail:
        description: C(security_baseline_cloudtrail) - the role creates the multi-region trail.
        type: bool
        default: true
      guardduty:
        description: C(security_baseline_guardduty) - the role enables the GuardDuty detector.
        type: bool
        default: true
      securityhub:
        description: C(security_baseline_securityhub) - the role enables Security Hub and its standard.
        type: bool
        default: true
      config:
        description: C(security_baseline_config) - the role creates the AWS Config recorder.
        type: bool
        default: true
      backup:
        description: C(security_baseline_backup) - the role creates the AWS Backup vault and plan.
        type: bool
        default: true
  phi_buckets:
    description:
      - Purposes of the buckets holding PHI (C({platform_name}-{platform_env}-{purpose}), optionally followed by a
        suffix). C(BACKUP.PLAN_COVERAGE) requires each such bucket of the audited region, and every RDS DB instance
        of the platform (read replicas excepted), to be selected by an AWS Backup plan of the region whose rule keeps
        recovery points 35 days or more in prod (7 elsewhere).
    type: list
    elements: str
    default: [documents, media, models, backups]
  reads:
    description:
      - Answers already read in this run by M(platform_ops.aws.aws_read), each item one of its results (its
        C(calls) and C(responses); other keys are ignored). A call of the audit with the same service, region,
        operation, pagination and parameters takes its answer from here instead of asking AWS again. An answer is
        evidence only while nothing has changed since it was read, so pass them only then.
      - Usually filled by O(reuse_run_reads) rather than by hand.
    type: list
    elements: dict
    default: []
  reuse_run_reads:
    description:
      - Reuse the answers of every M(platform_ops.aws.aws_read) task this run has registered so far (the action
        plugin collects them into O(reads)). Set it only when no task of the run has changed anything since those
        reads; C(playbooks/compliance.yml) sets it when no task of the run reported a change (the C(platform run
        changed) handler of the platform role was not notified).
    type: bool
    default: false
notes:
  - Regional services are audited in the module's region; S3, IAM and CloudFront are global.
  - Candidates are narrowed by name where the naming contract fixes names (S3 buckets begin with
    C({platform_name}-{platform_env}-), IAM roles and SNS topics too, log group names contain
    C({platform_name}-{platform_env}), ECS task definition families begin with it and the cluster is
    C({platform_name}-{platform_env})) and are then confirmed by tags.
  - Other errors than an unimplemented API (for example access denied) fail the module; a control
    that could not be read is never reported as passing.
  - The account's security baseline controls (C(CLOUDTRAIL.*), C(GUARDDUTY.ENABLED), C(SECURITYHUB.FSBP),
    C(CONFIG.RECORDING), C(BACKUP.PLAN_COVERAGE)) fail closed - an API the endpoint does not answer is a FAIL, never
    NOT_APPLICABLE. A missing service is a FAIL on the resource C(<service>:<region>), for example
    C(guardduty:us-east-1).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Audit the prod platform; fail on high or critical findings
  platform_ops.aws.compliance_audit:
    platform_name: caseapp
    platform_env: prod
    dr_region: us-west-2
  register: audit

- name: Audit staging, report only, with an accepted risk
  platform_ops.aws.compliance_audit:
    platform_name: caseapp
    platform_env: staging
    fail_on_findings: false
    waivers:
      - control: S3.REPLICATION
        resource: arn:aws:s3:::caseapp-staging-media
        reason: Media is re-creatable from the documents bucket (risk acceptance RA-12, J. Doe)
        expires: "2027-03-31"

- name: Only the encryption controls of S3 and RDS
  platform_ops.aws.compliance_audit:
    platform_name: caseapp
    platform_env: dev
    controls: ["S3.*", RDS.ENCRYPTION]
    severity_threshold: medium

- name: Audit an account whose organisation provides GuardDuty (the baseline role's switch is off)
  platform_ops.aws.compliance_audit:
    platform_name: caseapp
    platform_env: prod
    security_baseline:
      guardduty: false
    waivers:
      - control: GUARDDUTY.ENABLED
        resource: guardduty:us-east-1
        reason: The organisation's delegated administrator runs GuardDuty (security team, ticket SEC-42)
        expires: "2027-06-30"

- name: Save the readable report
  ansible.builtin.copy:
    content: "{{ audit.markdown }}"
    dest: "reports/compliance-{{ audit.report.timestamp }}.md"
    mode: "0644"
  delegate_to: localhost
"""

RETURN = r"""
summary:
  description: Counts of the findings.
  returned: always
  type: dict
  sample:
    total: 120
    pass: 90
    fail: 4
    waived: 1
    not_applicable: 25
    could_not_evaluate: 0
    fail_by_severity: {critical: 0, high: 1, medium: 2, low: 1, info: 0}
    fail_at_or_above_threshold: 1
    controls_evaluated: 48
findings:
  description: Every finding, one per control and resource.
  returned: always
  type: list
  elements: dict
  contains:
    control:
      description: Control id.
      type: str
      sample: S3.ENCRYPTION
    title:
      description: What the control requires.
      type: str
      sample: S3 buckets encrypt by default with SSE-KMS
    hipaa:
      description: HIPAA Security Rule section (45 CFR).
      type: str
      sample: 164.312(a)(2)(iv)
    resource:
      description: ARN or id of the resource; the platform prefix when no resource applies.
      type: str
      sample: arn:aws:s3:::caseapp-prod-documents
    resource_type:
      description: CloudFormation-style type of the resource.
      type: str
      sample: AWS::S3::Bucket
    status:
      description: PASS, FAIL, WAIVED or NOT_APPLICABLE.
      type: str
      sample: FAIL
    severity:
      description: critical, high, medium, low or info.
      type: str
      sample: high
    remediation:
      description: How to fix a failure.
      type: str
    detail:
      description: What was found (never a secret value).
      type: str
      sample: no default encryption configuration
    waiver:
      description: The waiver applied (WAIVED findings only).
      type: dict
      returned: when waived
failed_findings:
  description:
    - The FAIL findings (any severity), also in C(report.failed). Not named C(failed) at the top
      level because Ansible reads a top-level C(failed) as the task's own failure flag.
  returned: always
  type: list
  elements: dict
report:
  description:
    - The full JSON report - platform, environment, region, dr_region, timestamp (UTC),
      severity_threshold, compliant, controls, summary, findings, failed, blocking (FAIL at or above
      the threshold) and waivers (applied, expired, unused).
  returned: always
  type: dict
markdown:
  description: A readable report with a table of the findings (failures first) and remediations.
  returned: always
  type: str
reused_reads:
  description: How many of the audit's AWS calls were answered from O(reads) instead of AWS.
  returned: always
  type: int
  sample: 48
"""

import datetime
import re

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.compliance import (
    BASELINE_SERVICES,
    PHI_BUCKET_PURPOSES,
    SEVERITIES,
    UNEVALUATED,
    AuditError,
    Auditor,
    client_factory,
    render_markdown,
    run_audit,
    select_controls,
    validate_waivers,
)

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def _failure_message(report):
    blocking = report["blocking"]
    items = [f"{f['control']} on {f['resource']}" for f in blocking]
    controls = sorted({f["control"] for f in blocking})
    return (
        f"Compliance audit of {report['platform']}-{report['environment']} found {len(blocking)} FAIL finding(s) "
        f"at or above severity '{report['severity_threshold']}' in control(s) {', '.join(controls)}: {'; '.join(items)}"
    )


def main():
    argument_spec = dict(
        platform_name=dict(type="str", required=True),
        platform_env=dict(type="str", required=True, choices=["local", "dev", "staging", "prod"]),
        dr_region=dict(type="str"),
        waivers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                control=dict(type="str", required=True),
                resource=dict(type="str", required=True),
                reason=dict(type="str", required=True),
                expires=dict(type="str", required=True),
            ),
        ),
        severity_threshold=dict(type="str", default="high", choices=list(reversed(SEVERITIES))),
        controls=dict(type="list", elements="str"),
        fail_on_findings=dict(type="bool", default=True),
        allow_unsupported_apis=dict(type="bool", default=False),
        secret_max_age_days=dict(type="int", default=90, no_log=False),
        security_baseline=dict(
            type="dict",
            default={},
            options={service: dict(type="bool", default=True) for service in BASELINE_SERVICES},
        ),
        phi_buckets=dict(type="list", elements="str", default=list(PHI_BUCKET_PURPOSES)),
        reads=dict(type="list", elements="dict", default=[]),
        reuse_run_reads=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    # Validate everything before any AWS call.
    errors = []
    if not NAME_RE.match(params["platform_name"]):
        errors.append(
            f"platform_name {params['platform_name']!r} must be 3-20 lowercase letters, digits or hyphens, starting with a letter"
        )
    if params["secret_max_age_days"] < 1:
        errors.append(f"secret_max_age_days must be 1 or more (got {params['secret_max_age_days']})")
    bad_purposes = [p for p in params["phi_buckets"] if not re.match(r"^[a-z0-9][a-z0-9-]*$", p or "")]
    if bad_purposes:
        errors.append(
            f"phi_buckets: {', '.join(map(repr, bad_purposes))} are not bucket purposes (lowercase, digits, hyphens)"
        )
    if params["dr_region"] and not REGION_RE.match(params["dr_region"]):
        errors.append(f"dr_region {params['dr_region']!r} is not an AWS region name")
    control_ids, unknown = select_controls(params["controls"])
    if unknown:
        errors.append(f"controls: unknown control(s) {', '.join(unknown)}")
    now = datetime.datetime.now(datetime.timezone.utc)  # noqa: UP017 - datetime.UTC needs Python 3.11 on the target
    waivers, waiver_errors = validate_waivers(params["waivers"], now.date())
    errors.extend(waiver_errors)
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors))

    region = module.region
    if not region:
        module.fail_json(msg="The compliance audit requires a region (region option or AWS_REGION)")
    if params["dr_region"] and params["dr_region"] == region:
        module.fail_json(msg=f"dr_region must differ from the audited region {region}")

    auditor = Auditor(
        client_factory(module),
        params["platform_name"],
        params["platform_env"],
        region,
        params["dr_region"],
        now=now,
        secret_max_age_days=params["secret_max_age_days"],
        baseline=params["security_baseline"],
        phi_buckets=params["phi_buckets"],
        reads=params["reads"],
    )
    try:
        report = run_audit(
            auditor,
            control_ids,
            waivers,
            params["severity_threshold"],
            now,
            allow_unsupported=params["allow_unsupported_apis"],
        )
    except AuditError as e:
        module.fail_json_aws(e.exception, msg=f"Compliance audit could not evaluate {e.control}: {e.api} failed")
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg="Compliance audit failed")

    for waiver in report["waivers"]["expired"]:
        module.warn(
            f"Waiver for {waiver['control']} on {waiver['resource']} expired on {waiver['expires']} and was not applied"
        )

    unevaluated = sorted({f["control"] for f in report["findings"] if f["detail"].startswith(UNEVALUATED)})
    if unevaluated:
        module.warn(f"Controls that could not be evaluated (API unsupported by the endpoint): {', '.join(unevaluated)}")

    output = dict(
        changed=False,
        summary=report["summary"],
        findings=report["findings"],
        failed_findings=report["failed"],
        report=report,
        markdown=render_markdown(report),
        reused_reads=auditor.reused,
    )
    if report["blocking"] and params["fail_on_findings"]:
        module.fail_json(msg=_failure_message(report), **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
