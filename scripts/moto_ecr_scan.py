"""Amazon ECR basic image scanning for the local emulator (installed by moto_launcher.py).

moto 5.2.5 never scans on push, and once an image has been scanned (StartImageScan) it answers
DescribeImageScanFindings with a made-up HIGH finding (``CVE-9999-9999``) for every image. This
module makes the emulator behave like AWS basic scanning instead:

* PutImage into a repository with ``scanOnPush`` (or a registry scanning rule with the frequency
  ``SCAN_ON_PUSH``) scans the image: its scan is ``COMPLETE`` with no findings, unless findings were
  set for that image (below). As on AWS that push counts as the image's one basic scan of the day.
* StartImageScan answers ``IN_PROGRESS`` and scans the image the same way (once a day per image:
  LimitExceededException, as on AWS and in moto).
* DescribeImageScanFindings answers the image's scan: ``ScanNotFoundException`` when it never was
  scanned, otherwise its status, ``findingSeverityCounts`` and the findings, paginated with
  ``maxResults`` (1 to 1000, default 100) and ``nextToken`` as on AWS.

Control endpoint (served by the launcher beside ``/_platform_ops/faults``):

* ``POST /_platform_ops/ecr_findings`` with ``{"repository": "caseapp-local/backend", "tag": "v2"}``
  (or ``"digest"``), optionally ``"region"`` (default us-east-1), ``"account"`` (default moto's),
  ``"findings": [{"name": "CVE-2026-0001", "severity": "CRITICAL", "uri"?, "description"?,
  "package"?, "version"?, "attributes"?: [{"key", "value"}]}]``, ``"status"`` (default COMPLETE; FAILED,
  UNSUPPORTED_IMAGE, ... to emulate a scan that ended so), ``"in_progress_polls"`` (the next N
  DescribeImageScanFindings answer IN_PROGRESS first) and ``"enhanced": true`` (findings as Amazon
  Inspector's ``enhancedFindings``, status ACTIVE by default) sets the scan result of that image, now
  or when it is pushed later. Answers what is set. ``GET`` lists what is set.
* ``POST /moto-api/reset`` forgets all of it with the rest of moto's state (kept in the ECR backends).

``set_ecr_findings(endpoint, repository, tag, findings, **extra)`` posts to the control endpoint
(for tests).
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED", "UNTRIAGED")
STATUSES = (
    "IN_PROGRESS",
    "COMPLETE",
    "FAILED",
    "UNSUPPORTED_IMAGE",
    "ACTIVE",
    "PENDING",
    "SCAN_ELIGIBILITY_EXPIRED",
    "FINDINGS_UNAVAILABLE",
    "LIMIT_EXCEEDED",
    "IMAGE_ARCHIVED",
)
DESCRIPTIONS = {
    "COMPLETE": "The scan was completed successfully.",
    "ACTIVE": "Continuous scan is selected for image.",
    "IN_PROGRESS": "The scan is in progress.",
    "PENDING": "The image is pending a scan.",
    "FAILED": "The scan failed.",
    "UNSUPPORTED_IMAGE": "UnsupportedImageError: The operating system and/or package manager are not supported.",
}
DEFAULT_PAGE, MAX_PAGE = 100, 1000
_STATE = "_platform_ops_ecr_scan"  # attribute of an ECR backend: {(repository, "tag:v1"|"digest:..."): spec}
_SCAN = "_platform_ops_scan"  # attribute of a moto Image: when it was scanned (datetime)
_installed = False


class ControlError(ValueError):
    """A control request the emulator cannot apply."""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _overrides(backend) -> dict:
    if not hasattr(backend, _STATE):
        setattr(backend, _STATE, {})
    return getattr(backend, _STATE)


def _override_for(backend, repository: str, image) -> dict | None:
    state = _overrides(backend)
    tags = [image.image_tag, *(getattr(image, "image_tags", None) or [])]
    keys = [f"tag:{tag}" for tag in tags if tag] + [f"digest:{image.get_image_digest()}"]
    return next((state[(repository, key)] for key in keys if (repository, key) in state), None)


def _scans_on_push(repository) -> bool:
    if (repository.image_scanning_configuration or {}).get("scanOnPush"):
        return True
    return (repository.scanning_config or {}).get("scanFrequency") == "SCAN_ON_PUSH"


# --------------------------------------------------------------------------- the answers


def _basic(finding: dict) -> dict:
    attributes = list(finding.get("attributes") or [])
    keys = {a.get("key") for a in attributes}
    if finding.get("package") and "package_name" not in keys:
        attributes.append({"key": "package_name", "value": finding["package"]})
    if finding.get("version") and "package_version" not in keys:
        attributes.append({"key": "package_version", "value": finding["version"]})
    out = {"name": finding["name"], "severity": finding["severity"], "attributes": attributes}
    out["uri"] = finding.get("uri") or f"https://nvd.nist.gov/vuln/detail/{finding['name']}"
    if finding.get("description"):
        out["description"] = finding["description"]
    return out


def _enhanced(finding: dict, account: str, region: str, when: str) -> dict:
    packages = [{"name": finding["package"], "version": finding.get("version", "")}] if finding.get("package") else []
    return {
        "awsAccountId": account,
        "description": finding.get("description") or finding["name"],
        "findingArn": f"arn:aws:inspector2:{region}:{account}:finding/{abs(hash(finding['name'])):032x}",
        "firstObservedAt": when,
        "lastObservedAt": when,
        "packageVulnerabilityDetails": {
            "vulnerabilityId": finding["name"],
            "source": "NVD",
            "sourceUrl": finding.get("uri") or f"https://nvd.nist.gov/vuln/detail/{finding['name']}",
            "vendorSeverity": finding["severity"],
            "vulnerablePackages": packages,
        },
        "severity": finding["severity"],
        "status": finding.get("status", "ACTIVE"),
        "title": f"{finding['name']} - {finding.get('package') or 'package'}",
        "type": "PACKAGE_VULNERABILITY",
        "updatedAt": when,
    }


def describe(backend, repository_name: str, image_id: dict, *, registry_id=None, max_results=None, next_token=None):
    """The DescribeImageScanFindings answer for one image (raises moto's ECR exceptions)."""
    from moto.ecr.exceptions import InvalidParameterException, ScanNotFoundException  # noqa: PLC0415

    repo = backend._get_repository(repository_name, registry_id)
    image = repo._get_image((image_id or {}).get("imageTag"), (image_id or {}).get("imageDigest"))
    scanned = getattr(image, _SCAN, None)
    if scanned is None:
        digest, tag = (image_id or {}).get("imageDigest") or "null", (image_id or {}).get("imageTag") or "null"
        raise ScanNotFoundException(
            image_id=f"{{imageDigest:'{digest}', imageTag:'{tag}'}}",
            repository_name=repository_name,
            registry_id=repo.registry_id,
        )
    if max_results is not None and not 1 <= int(max_results) <= MAX_PAGE:
        raise InvalidParameterException(f"maxResults must be between 1 and {MAX_PAGE}")
    spec = _override_for(backend, repo.name, image) or {}
    enhanced = bool(spec.get("enhanced"))
    status = spec.get("status") or ("ACTIVE" if enhanced else "COMPLETE")
    if spec.get("in_progress_polls", 0) > 0:
        spec["in_progress_polls"] -= 1
        status = "PENDING" if enhanced else "IN_PROGRESS"
    answer = {
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "imageId": {"imageDigest": image.get_image_digest(), "imageTag": image.image_tag},
        "imageScanStatus": {"status": status, "description": DESCRIPTIONS.get(status, status)},
    }
    if status not in ("COMPLETE", "ACTIVE"):
        return answer
    findings = list(spec.get("findings") or [])
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
    start = int(next_token or 0)
    size = int(max_results or DEFAULT_PAGE)
    page = findings[start : start + size]
    when = _iso(scanned)
    body: dict = {
        "imageScanCompletedAt": when,
        "vulnerabilitySourceUpdatedAt": when,
        "findingSeverityCounts": counts,
    }
    if enhanced:
        body["enhancedFindings"] = [_enhanced(f, repo.registry_id, backend.region_name, when) for f in page]
    else:
        body["findings"] = [_basic(f) for f in page]
    answer["imageScanFindings"] = body
    if start + size < len(findings):
        answer["nextToken"] = str(start + size)
    return answer


# --------------------------------------------------------------------------- the control endpoint


def _validate(payload: dict) -> tuple[str, str, str, str, dict]:
    if not isinstance(payload, dict):
        raise ControlError("expected a JSON object")
    repository = str(payload.get("repository") or "")
    tag, digest = payload.get("tag"), payload.get("digest")
    if not repository or bool(tag) == bool(digest):
        raise ControlError("give repository and exactly one of tag or digest")
    status = payload.get("status")
    if status is not None and status not in STATUSES:
        raise ControlError(f"status must be one of {', '.join(STATUSES)}")
    findings = []
    for index, finding in enumerate(payload.get("findings") or []):
        if not isinstance(finding, dict) or not finding.get("name"):
            raise ControlError(f"findings[{index}]: name is required")
        severity = str(finding.get("severity") or "").upper()
        if severity not in SEVERITIES:
            raise ControlError(f"findings[{index}]: severity must be one of {', '.join(SEVERITIES)}")
        findings.append(dict(finding, severity=severity))
    polls = int(payload.get("in_progress_polls") or 0)
    if polls < 0:
        raise ControlError("in_progress_polls must not be negative")
    key = f"tag:{tag}" if tag else f"digest:{digest}"
    spec = {
        "findings": findings,
        "status": status,
        "in_progress_polls": polls,
        "enhanced": bool(payload.get("enhanced")),
    }
    return str(payload.get("region") or "us-east-1"), str(payload.get("account") or ""), repository, key, spec


def handle(environ, start_response, respond):
    """``/_platform_ops/ecr_findings``: GET lists, POST sets the scan result of one image."""
    from moto.core import DEFAULT_ACCOUNT_ID  # noqa: PLC0415
    from moto.ecr.models import ecr_backends  # noqa: PLC0415

    if environ.get("REQUEST_METHOD", "GET") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        try:
            region, account, repository, key, spec = _validate(json.loads(raw or b"{}"))
        except (ValueError, TypeError) as exc:  # ControlError and bad JSON
            return respond(start_response, {"error": str(exc)}, "400 Bad Request")
        _overrides(ecr_backends[account or DEFAULT_ACCOUNT_ID][region])[(repository, key)] = spec
        return respond(start_response, {"repository": repository, "image": key, **spec})
    listed = []
    for account, regions in ecr_backends.items():
        for region, backend in regions.items():
            for (repository, key), spec in getattr(backend, _STATE, {}).items():
                listed.append({"account": account, "region": region, "repository": repository, "image": key, **spec})
    return respond(start_response, {"ecr_findings": listed})


def set_ecr_findings(endpoint: str, repository: str, tag: str | None, findings: list, **extra) -> dict:
    """Set the scan result of ``repository:tag`` on a launcher (``extra``: digest, status,
    in_progress_polls, enhanced, region, account). Returns the launcher's answer."""
    payload = {"repository": repository, "findings": findings, **extra}
    if tag:
        payload["tag"] = tag
    req = urllib.request.Request(  # noqa: S310 - loopback only
        f"{endpoint}/_platform_ops/ecr_findings",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
        return json.load(resp)


# --------------------------------------------------------------------------- installation


def _patch_moto() -> None:
    from moto.ecr import models, responses  # noqa: PLC0415
    from moto.ecr.exceptions import LimitExceededException  # noqa: PLC0415

    original_put_image = models.ECRBackend.put_image

    def put_image(self, repository_name, *args, **kwargs):
        image = original_put_image(self, repository_name, *args, **kwargs)
        repo = self.repositories.get(repository_name)
        if repo is not None and _scans_on_push(repo) and getattr(image, _SCAN, None) is None:
            setattr(image, _SCAN, _now())
            image.last_scan = datetime.now()  # moto's once-a-day check on StartImageScan counts it
        return image

    def start_image_scan(self, registry_id, repository_name, image_id):
        repo = self._get_repository(repository_name, registry_id)
        image = repo._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
        if image.last_scan and image.last_scan.date() == datetime.now().date():
            raise LimitExceededException()
        image.last_scan = datetime.now()
        setattr(image, _SCAN, _now())
        return {
            "registryId": repo.registry_id,
            "repositoryName": repository_name,
            "imageId": {"imageDigest": image.get_image_digest(), "imageTag": image.image_tag},
            "imageScanStatus": {"status": "IN_PROGRESS", "description": DESCRIPTIONS["IN_PROGRESS"]},
        }

    def describe_response(self):
        return responses.ActionResult(
            describe(
                self.ecr_backend,
                self._get_param("repositoryName"),
                self._get_param("imageId"),
                registry_id=self._get_param("registryId"),
                max_results=self._get_param("maxResults"),
                next_token=self._get_param("nextToken"),
            )
        )

    models.ECRBackend.put_image = put_image
    models.ECRBackend.start_image_scan = start_image_scan
    responses.ECRResponse.describe_image_scan_findings = describe_response


def install(app) -> None:
    """Patch moto's ECR scanning and serve ``/_platform_ops/ecr_findings`` on the launcher ``app``
    (a CountingMiddleware)."""
    global _installed  # noqa: PLW0603 - patch moto once per process
    if not _installed:
        _patch_moto()
        _installed = True
    control = app._control

    def _control(environ, start_response, path):
        if path == "ecr_findings":
            return handle(environ, start_response, app._json)
        return control(environ, start_response, path)

    app._control = _control
