#!/usr/bin/python

# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_image_check
version_added: 0.1.0
short_description: Check that container images exist in Amazon ECR before anything starts a task from them
description:
  - Checks that every image of O(images) exists in its Amazon ECR repository, and reports which are
    present and which are missing. ECS would otherwise accept a task definition, a service or a
    RunTask for an image that does not exist, and every task would stop with C(CannotPullContainerError).
  - With O(fail_on_missing=true) (the default) the module fails when an image is missing, naming
    each one and giving the shell commands that push it to that account and region
    (C(aws ecr get-login-password | docker login), C(docker tag), C(docker push)).
  - A repository that does not exist makes its images missing too; the message says so and that
    C(ansible-playbook deploy.yml -i inventories/<env> --tags repositories) creates the platform's
    repositories.
  - One DescribeImages request per repository (up to 100 images each) answers the usual case, where
    every image exists. Only when one is missing are the repository's images listed, to tell which.
    No image manifest is downloaded and nothing is pulled.
  - With O(max_severity) the module is also the release's image gate. For each image that exists it
    reads the image's vulnerability scan (C(DescribeImageScanFindings), every page; basic scanning's
    C(findings) and enhanced scanning's, Amazon Inspector's, C(enhancedFindings)), waits up to
    O(scan_wait_timeout) for a scan that is C(IN_PROGRESS) or C(PENDING), and fails when the scan did
    not finish, did not succeed, or reports a finding at or above O(max_severity) that no current
    waiver (O(waivers)) covers. The message names the image, and each blocking finding with its
    severity and package.
  - An image that was never scanned (C(ScanNotFoundException), for example pushed before scan on push
    was enabled) gets a basic scan (C(StartImageScan)) with O(start_scan=true), outside check mode.
    Basic scanning allows one scan per image per 24 hours (a scan on push counts), so a scan that
    C(FAILED) is reported, not started again.
  - Read-only, except that C(StartImageScan) reports a change.
author: Platform Ops Maintainers (@platform-ops)
options:
  images:
    description:
      - The images to check. Each is either a full private ECR image URI
        (C(<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>) or C(...@sha256:<digest>)),
        or a dictionary with C(repository), C(tag) or C(digest), and optionally C(registry_id) (the
        12-digit account of the registry; defaults to the caller's account).
      - A URI names its own account and region; a dictionary uses the module's region.
      - At least one. Duplicates are checked once.
    type: list
    elements: raw
    required: true
  fail_on_missing:
    description:
      - Fail when an image is missing (the message names each one and the push commands).
      - With V(false) the module only warns and reports RV(missing) and RV(push_commands), for
        example in check mode, where a run that creates the repositories has not created them.
    type: bool
    default: true
  hint:
    description:
      - Text added at the end of the failure message (or warning), for example what the caller does
        next once the images are pushed.
    type: str
    default: ""
  max_severity:
    description:
      - The lowest finding severity that blocks. V(HIGH) blocks C(CRITICAL) and C(HIGH) findings; V(UNDEFINED)
        blocks every finding (C(UNDEFINED) and enhanced scanning's C(UNTRIAGED) rank lowest).
      - When unset (the default) scans are not read, and the module only checks that the images exist.
    type: str
    choices: [CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED]
  waivers:
    description:
      - Accepted findings, like the compliance audit's waivers. A waiver applies to every checked image
        (or only to the images of O(waivers[].repository)) until its date has passed.
      - An expired waiver no longer applies; the finding it matches blocks and the message says the
        waiver expired. Every waiver is reported in RV(waivers) as applied, expired or unused.
      - Only read with O(max_severity).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description:
          - The CVE or finding name (C(CVE-2026-12345)), compared without regard to case.
          - Or a scan status that otherwise blocks an image (C(UNSUPPORTED_IMAGE), C(SCAN_ELIGIBILITY_EXPIRED),
            C(FINDINGS_UNAVAILABLE), C(IMAGE_ARCHIVED)), to accept an image that cannot be scanned.
        type: str
        required: true
      expires:
        description: Last day (C(YYYY-MM-DD), UTC) on which the waiver applies.
        type: str
        required: true
      reason:
        description: Why the finding is accepted (reported with it); must not be empty.
        type: str
        required: true
      repository:
        description: Only images of this repository; every image when omitted.
        type: str
  scan_wait_timeout:
    description:
      - Seconds to wait, for all images together, for scans that are C(IN_PROGRESS) or C(PENDING) (or that
        the module started) to finish. V(0) does not wait.
    type: int
    default: 600
  scan_poll_interval:
    description: Seconds between two reads of a scan that is still running.
    type: float
    default: 5
  start_scan:
    description:
      - Start a basic scan (C(StartImageScan)) of an image that was never scanned, then wait for it.
        Never in check mode, where such an image blocks.
    type: bool
    default: true
notes:
  - Supports C(check_mode); the module is read-only and behaves the same in check mode.
  - The IAM permissions needed are C(ecr:DescribeImages) and, only when an image is missing and a
    dictionary entry gives no C(registry_id), C(sts:GetCallerIdentity) (for the registry's URI); with
    O(max_severity) also C(ecr:DescribeImageScanFindings), C(ecr:StartImageScan) (only with O(start_scan)), and
    for enhanced scanning the Amazon Inspector permissions ECR's documentation lists for it
    (C(inspector2:ListFindings), C(inspector2:ListCoverage)).
  - C(docker tag) in RV(push_commands) assumes the image was built locally as C(<repository>:<tag>).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Fail before the services start when an image has not been pushed
  platform_ops.aws.ecr_image_check:
    images:
      - 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123
      - repository: caseapp-prod/worker
        tag: 2026.11.23-abc123
    hint: Push the images, then run deploy.yml again.

- name: Report the missing images without failing (check mode)
  platform_ops.aws.ecr_image_check:
    images:
      - repository: caseapp-prod/backend
        tag: "{{ platform_image_tag }}"
    fail_on_missing: "{{ not ansible_check_mode }}"
  register: image_check

- name: Stop the release when an image has a HIGH or CRITICAL finding that is not waived
  platform_ops.aws.ecr_image_check:
    images:
      - repository: caseapp-prod/backend
        tag: 2026.11.23-abc123
    max_severity: HIGH
    waivers:
      - id: CVE-2026-12345
        expires: "2026-12-31"
        reason: Not reachable (the vulnerable parser is never called); fix in the January base image.
    scan_wait_timeout: 300

- name: Show the push commands
  ansible.builtin.debug:
    msg: "{{ image_check.push_commands }}"
  when: image_check.missing | length > 0
"""

RETURN = r"""
images:
  description: Every image checked, in the order given (duplicates once).
  returned: always
  type: list
  elements: dict
  contains:
    image:
      description: Full image URI.
      type: str
      returned: always
      sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123
    repository:
      description: Repository name.
      type: str
      returned: always
      sample: caseapp-prod/backend
    tag:
      description: Image tag, V(null) when the image is given by digest.
      type: str
      returned: always
      sample: 2026.11.23-abc123
    digest:
      description: Image digest asked for, V(null) when the image is given by tag.
      type: str
      returned: always
      sample: null
    registry_id:
      description: Account of the registry.
      type: str
      returned: always
      sample: "123456789012"
    region:
      description: Region of the registry.
      type: str
      returned: always
      sample: us-east-1
    status:
      description: V(present), V(missing) (the repository has no such image) or V(repository_missing).
      type: str
      returned: always
      sample: present
    image_digest:
      description: Digest of the image found (V(null) when missing).
      type: str
      returned: always
      sample: sha256:3f1c0e7a3c6b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6
    scan_status:
      description:
        - The image's scan status as ECR reports it (C(COMPLETE), C(ACTIVE), C(IN_PROGRESS), C(PENDING),
          C(FAILED), C(UNSUPPORTED_IMAGE), ...), V(NOT_SCANNED) when no scan exists, V(null) when the scan
          was not read (no O(max_severity), or the image is missing).
      type: str
      returned: always
      sample: COMPLETE
    scan_description:
      description: ECR's description of the scan status (or why the scan could not be started).
      type: str
      returned: always
      sample: The scan was completed successfully.
    scan_completed_at:
      description: When the scan completed (ISO 8601), when ECR says.
      type: str
      returned: always
      sample: "2026-11-23T10:04:00+00:00"
    scan_started:
      description: Whether the module started a scan of this image (C(StartImageScan)).
      type: bool
      returned: always
      sample: false
    finding_counts:
      description: Number of findings by severity (ECR's C(findingSeverityCounts)).
      type: dict
      returned: always
      sample: {CRITICAL: 1, MEDIUM: 4}
    blocking:
      description:
        - Findings at or above O(max_severity) that no current waiver covers, each with C(id), C(severity),
          C(package), C(version), C(uri), and C(waiver_expired)/C(waiver_reason) when an expired waiver
          matched; or one entry with the scan status as C(id) when the scan itself blocks.
      type: list
      elements: dict
      returned: always
      sample: [{id: CVE-2026-0001, severity: CRITICAL, package: openssl, version: 3.0.1, uri: "https://nvd.nist.gov/vuln/detail/CVE-2026-0001"}]
    waived:
      description: Findings at or above O(max_severity) that a current waiver covers, each with its C(waiver).
      type: list
      elements: dict
      returned: always
      sample: []
present:
  description: URIs of the images that exist.
  returned: always
  type: list
  elements: str
  sample: [123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:2026.11.23-abc123]
missing:
  description: URIs of the images that do not exist (including those whose repository does not exist).
  returned: always
  type: list
  elements: str
  sample: [123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/worker:2026.11.23-abc123]
missing_repositories:
  description: Repositories that do not exist.
  returned: always
  type: list
  elements: str
  sample: []
push_commands:
  description: Shell commands that push the missing images (empty when none is missing).
  returned: always
  type: list
  elements: str
  sample:
    - aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com
    - docker tag caseapp-prod/worker:2026.11.23-abc123 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/worker:2026.11.23-abc123
    - docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/worker:2026.11.23-abc123
max_severity:
  description: The lowest blocking severity the gate applied (V(null) without O(max_severity)).
  returned: always
  type: str
  sample: HIGH
blocking:
  description: Every blocking finding of every image, each with C(image), C(id), C(severity), C(package).
  returned: always
  type: list
  elements: dict
  sample: [{image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/caseapp-prod/backend:v2, id: CVE-2026-0001, severity: CRITICAL, package: openssl}]
waivers:
  description: The waivers, sorted into C(applied) (covered a finding), C(expired) (past their date) and C(unused).
  returned: always
  type: dict
  sample: {applied: [], expired: [], unused: []}
msg:
  description: What is missing and how to push it, and what the image gate refused; empty when every image passes.
  returned: always
  type: str
  sample: ""
"""

import datetime
import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.platform_ops.aws.plugins.module_utils.ecr import (
    IDS_PER_REQUEST,
    NOT_SCANNED,
    PRESENT,
    REPOSITORY_MISSING,
    SCAN_DONE,
    SCAN_RUNNING,
    SEVERITIES,
    WAIVABLE_STATUSES,
    ImageReferenceError,
    caller_account,
    classify,
    describe_image_ids,
    describe_scan_findings,
    group_by_repository,
    image_id,
    image_uri,
    judge,
    list_images,
    normalize_findings,
    parse_image,
    push_commands,
    registry_host,
    start_image_scan,
    validate_waivers,
)

# Injected in tests (tests/helpers.FakeClock): the scan waiter's clock and sleep.
CLOCK = time.monotonic
SLEEP = time.sleep

REPOSITORIES_HINT = (
    "the platform's repositories are created by `ansible-playbook deploy.yml -i inventories/<env> --tags repositories`"
)


def parse_images(module):
    images, seen = [], set()
    for position, entry in enumerate(module.params["images"] or []):
        try:
            image = parse_image(entry, module.region, position)
        except ImageReferenceError as e:
            module.fail_json(msg=f"Invalid image reference: {e}")
        key = (image["region"], image["account"], image["repository"], image["tag"], image["digest"])
        if key not in seen:
            seen.add(key)
            images.append(image)
    if not images:
        module.fail_json(msg="images must list at least one image")
    return images


def check_repository(module, client, key, images):
    """Set the status of each image of one repository: one DescribeImages per 100 images; the
    repository's images are listed only when one is missing."""
    region, account, repository = key
    for start in range(0, len(images), IDS_PER_REQUEST):
        chunk = images[start : start + IDS_PER_REQUEST]
        try:
            classify(chunk, describe_image_ids(client, repository, [image_id(i) for i in chunk], account))
            continue
        except is_boto3_error_code("RepositoryNotFoundException"):
            for image in images:
                image["status"] = REPOSITORY_MISSING
            return
        except is_boto3_error_code("ImageNotFoundException"):
            pass  # ECR fails the request as a whole: list the repository to tell which are missing
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Failed to describe the images of ECR repository {repository} in {region}")
        try:
            classify(chunk, list_images(client, repository, account))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Failed to list the images of ECR repository {repository} in {region}")


def complete_uris(module, images):
    """Give the dictionary entries without registry_id their registry: the account DescribeImages
    answered with, else the caller's (one GetCallerIdentity, only when such an image is missing)."""
    unresolved = [i for i in images if i["registry"] is None]
    account = next((i["account"] for i in unresolved if i["account"]), None)
    for image in unresolved:
        if not image["account"]:
            if account is None:
                try:
                    account = caller_account(module.client("sts"))
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                    module.fail_json_aws(e, msg="Failed to look up the caller's account (for the registry's URI)")
            image["account"] = account
        image["registry"] = registry_host(image["account"], image["region"])
        image["image"] = image_uri(image["registry"], image["repository"], image["tag"], image["digest"])


def message(images, missing, commands, hint):
    if not missing:
        return ""
    lines = [f"{len(missing)} of {len(images)} image(s) are not in Amazon ECR, so no task can start from them:"]
    for image in missing:
        if image["status"] == REPOSITORY_MISSING:
            why = f"the repository {image['repository']} does not exist ({REPOSITORIES_HINT})"
        else:
            why = f"no image {'tagged ' + image['tag'] if image['tag'] else image['digest']} in {image['repository']}"
        lines.append(f"  - {image['image']}: {why}")
    lines.append("Push them (build each image locally as <repository>:<tag> first):")
    lines.extend(f"  {line}" for line in commands)
    if hint:
        lines.append(hint.strip())
    return "\n".join(lines)


# ---------------------------------------------------------------- the image gate


def today():
    """The UTC date, against which waivers expire (the module runs on Pythons before 3.11: no datetime.UTC)."""
    return datetime.datetime.now(datetime.timezone.utc).date()  # noqa: UP017


def _scan_ident(image):
    """The image as the scan knows it: by the digest found (a tag could move), else as given."""
    return {"imageDigest": image["image_digest"]} if image.get("image_digest") else image_id(image)


def read_scan(module, client, image):
    """Read the image's scan into image["scan"]: {status, description, completed_at, counts, findings}."""
    try:
        answer = describe_scan_findings(client, image["repository"], _scan_ident(image), image["account"])
    except is_boto3_error_code("ScanNotFoundException"):
        image["scan"] = {"status": NOT_SCANNED, "description": "No scan exists for the image.", "findings": []}
        return
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to read the scan findings of {image['image']}")
    status = answer.get("imageScanStatus") or {}
    findings = answer.get("imageScanFindings") or {}
    completed = findings.get("imageScanCompletedAt")
    image["scan"] = {
        "status": status.get("status") or "UNKNOWN",
        "description": status.get("description") or "",
        "completed_at": completed.isoformat() if hasattr(completed, "isoformat") else completed,
        "counts": dict(findings.get("findingSeverityCounts") or {}),
        "findings": normalize_findings(findings),
    }


def start_scan(module, client, image):
    """StartImageScan of a never-scanned image (not in check mode); a refusal is kept as the reason."""
    try:
        status = start_image_scan(client, image["repository"], _scan_ident(image), image["account"])
    except is_boto3_error_code("LimitExceededException") as e:
        # The image's one basic scan of the day exists already (a scan on push that DescribeImageScanFindings
        # does not show yet): wait for it like for a scan in progress.
        image["scan_expected"] = True
        image["scan_note"] = f"StartImageScan refused: {e.response['Error'].get('Message') or e}"
        return
    except is_boto3_error_code(["UnsupportedImageTypeException", "ValidationException", "ImageArchivedException"]) as e:  # pylint: disable=duplicate-except
        image["scan_note"] = f"StartImageScan refused: {e.response['Error'].get('Message') or e}"
        return
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Failed to start a scan of {image['image']}")
    image["scan_started"] = True
    image["scan_expected"] = True  # a new scan may not be visible at once
    image["scan"].update(status=status.get("status") or "IN_PROGRESS", description=status.get("description") or "")


def scan_gate(module, clients, images):
    """Read (and wait for) the scan of every present image; returns (blocking images, waiver report)."""
    params = module.params
    waivers, _errors = validate_waivers(params["waivers"], today())
    present = [i for i in images if i["status"] == PRESENT]
    for image in present:
        image["scan_started"] = False
        client = clients[image["region"]]
        read_scan(module, client, image)
        if image["scan"]["status"] == NOT_SCANNED and params["start_scan"] and not module.check_mode:
            start_scan(module, client, image)
    deadline = CLOCK() + params["scan_wait_timeout"]
    while True:
        running = [
            i
            for i in present
            if i["scan"]["status"] in SCAN_RUNNING or (i["scan"]["status"] == NOT_SCANNED and i.get("scan_expected"))
        ]
        if not running or CLOCK() >= deadline:
            break
        SLEEP(max(0.0, min(params["scan_poll_interval"], deadline - CLOCK())))
        for image in running:
            read_scan(module, clients[image["region"]], image)

    used = set()
    for image in present:
        scan = image["scan"]
        image["blocking"], image["waived"] = [], []
        if scan["status"] in SCAN_DONE:
            image["blocking"], image["waived"] = judge(
                scan["findings"], params["max_severity"], waivers, image["repository"], used
            )
            continue
        reason = scan_reason(image, params)
        entry = {
            "id": scan["status"],
            "severity": None,
            "package": None,
            "version": None,
            "uri": None,
            "reason": reason,
        }
        if scan["status"] in WAIVABLE_STATUSES:
            blocking, waived = judge(
                [dict(entry, severity="CRITICAL")], "UNDEFINED", waivers, image["repository"], used
            )
            image["blocking"] = [dict(b, severity=None) for b in blocking]
            image["waived"] = [dict(w, severity=None) for w in waived]
        else:
            image["blocking"] = [entry]
    report = {
        "applied": [strip(w) for i, w in enumerate(waivers) if i in used and not w["expired"]],
        "expired": [strip(w) for w in waivers if w["expired"]],
        "unused": [strip(w) for i, w in enumerate(waivers) if i not in used and not w["expired"]],
    }
    return [i for i in present if i["blocking"]], report


def strip(waiver):
    return {k: waiver[k] for k in ("id", "repository", "reason", "expires")}


def scan_reason(image, params):
    scan, status = image["scan"], image["scan"]["status"]
    if status in SCAN_RUNNING:
        return f"the scan is still {status} after {params['scan_wait_timeout']} s (scan_wait_timeout)"
    if status == NOT_SCANNED:
        if image.get("scan_expected"):
            return f"no scan of the image appeared within {params['scan_wait_timeout']} s (scan_wait_timeout)" + (
                f"; {image['scan_note']}" if image.get("scan_note") else ""
            )
        if image.get("scan_note"):
            return f"the image was never scanned; {image['scan_note']}"
        if params["start_scan"]:
            return "the image was never scanned (check mode does not start a scan)"
        return "the image was never scanned (start_scan is false)"
    if status == "FAILED":
        return (
            f"the scan FAILED ({scan['description'] or 'no reason given'}); basic scanning allows one scan per image "
            "per 24 hours: start one with `aws ecr start-image-scan` once allowed, or push a new build"
        )
    return f"the scan ended {status} ({scan['description'] or 'no reason given'})"


def describe_finding(finding):
    if finding.get("reason"):
        return f"{finding['id']}: {finding['reason']}"
    package = " ".join(p for p in (finding.get("package"), finding.get("version")) if p)
    text = f"{finding['id']} {finding['severity']}" + (f" in {package}" if package else "")
    if finding.get("waiver_expired"):
        text += f" (waiver expired {finding['waiver_expired']}: {finding['waiver_reason']})"
    return text


def gate_message(blocked, total, threshold, report, hint):
    if not blocked:
        return ""
    lines = [
        f"Image gate: {len(blocked)} of {total} image(s) refused (findings at or above {threshold}, "
        "or a scan that did not complete):"
    ]
    for image in blocked:
        lines.append(f"  - {image['image']}:")
        lines.extend(f"      {describe_finding(f)}" for f in image["blocking"])
    if report["expired"]:
        lines.append(
            "Expired waivers (no longer applied): "
            + ", ".join(f"{w['id']} (expired {w['expires']})" for w in report["expired"])
        )
    lines.append(
        "Rebuild the image on fixed packages and push it with a new tag, or waive an accepted finding "
        "with a dated waiver ({id: <CVE>, expires: YYYY-MM-DD, reason: ...})."
    )
    if hint:
        lines.append(hint.strip())
    return "\n".join(lines)


def main():
    argument_spec = dict(
        images=dict(type="list", elements="raw", required=True),
        fail_on_missing=dict(type="bool", default=True),
        hint=dict(type="str", default=""),
        max_severity=dict(type="str", choices=list(SEVERITIES)),
        waivers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                id=dict(type="str", required=True),
                expires=dict(type="str", required=True),
                reason=dict(type="str", required=True),
                repository=dict(type="str"),
            ),
        ),
        scan_wait_timeout=dict(type="int", default=600),
        scan_poll_interval=dict(type="float", default=5),
        start_scan=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["scan_wait_timeout"] < 0:
        module.fail_json(msg="scan_wait_timeout must be 0 or a positive number of seconds")
    if module.params["scan_poll_interval"] <= 0:
        module.fail_json(msg="scan_poll_interval must be a positive number of seconds")
    if module.params["max_severity"]:
        _, errors = validate_waivers(module.params["waivers"], today())
        if errors:
            module.fail_json(msg="Invalid waivers: " + "; ".join(errors))
    images = parse_images(module)

    clients = {}
    for key, group in group_by_repository(images).items():
        region = key[0]
        if region not in clients:
            clients[region] = module.client("ecr", region=region)
        check_repository(module, clients[region], key, group)

    blocked, report = [], {"applied": [], "expired": [], "unused": []}
    if module.params["max_severity"]:
        blocked, report = scan_gate(module, clients, images)

    complete_uris(module, images)
    missing = [i for i in images if i["status"] != PRESENT]
    commands = push_commands(missing)
    msg = message(images, missing, commands, module.params["hint"] if not blocked else "")
    gate = gate_message(blocked, len(images), module.params["max_severity"], report, module.params["hint"])
    msg = "\n".join(m for m in (msg, gate) if m)

    result = {
        "changed": False,
        "images": [
            {
                "image": i["image"],
                "repository": i["repository"],
                "tag": i["tag"],
                "digest": i["digest"],
                "registry_id": i["account"],
                "region": i["region"],
                "status": i["status"],
                "image_digest": i.get("image_digest"),
                "scan_status": i.get("scan", {}).get("status"),
                "scan_description": i.get("scan_note") or i.get("scan", {}).get("description"),
                "scan_completed_at": i.get("scan", {}).get("completed_at"),
                "scan_started": i.get("scan_started", False),
                "finding_counts": i.get("scan", {}).get("counts", {}),
                "blocking": i.get("blocking", []),
                "waived": i.get("waived", []),
            }
            for i in images
        ],
        "present": [i["image"] for i in images if i["status"] == PRESENT],
        "missing": [i["image"] for i in missing],
        "missing_repositories": sorted({i["repository"] for i in missing if i["status"] == REPOSITORY_MISSING}),
        "push_commands": commands,
        "max_severity": module.params["max_severity"],
        "blocking": [
            {"image": i["image"], "id": f["id"], "severity": f["severity"], "package": f.get("package")}
            for i in blocked
            for f in i["blocking"]
        ],
        "waivers": report,
    }
    result["changed"] = any(i.get("scan_started") for i in images)
    if blocked or (missing and module.params["fail_on_missing"]):
        module.fail_json(msg=msg, **result)
    if missing:
        module.warn(msg)
    module.exit_json(msg=msg, **result)


if __name__ == "__main__":
    main()
