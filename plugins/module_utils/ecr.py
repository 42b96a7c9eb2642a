# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ECR image helpers for platform_ops.aws.ecr_image_check.

Image references are parsed and grouped by pure functions; every boto3 call sits behind
``AWSRetry.jittered_backoff()`` and callers report botocore errors with ``module.fail_json_aws``.

Which tags exist is asked with DescribeImages and the wanted image IDs (at most 100 per request),
which returns metadata only (no manifest, so no media-type negotiation and no pull). ECR fails
that request as a whole when one ID is missing (``ImageNotFoundException``), so only then are the
repository's images listed to tell which ones are missing.
"""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils.waivers import waiver_terms

# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>(:<tag>|@<digest>)
IMAGE_URI_RE = re.compile(
    r"^(?P<registry>(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r"\.amazonaws\.com(?:\.cn)?)/(?P<repository>[^:@]+)(?::(?P<tag>[^:@/]+))?(?:@(?P<digest>[^@]+))?$"
)
# ECR's repositoryName pattern (botocore's model): path components joined by "/".
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_NAME_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
REPOSITORY_NAME_MAX = 256
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
IDS_PER_REQUEST = 100  # DescribeImages takes at most 100 imageIds
LIST_PAGE_SIZE = 1000

PRESENT = "present"
MISSING = "missing"
REPOSITORY_MISSING = "repository_missing"


class ImageReferenceError(ValueError):
    """An image reference the module cannot check (bad URI, bad tag, ...)."""


def registry_host(account, region):
    """``<account>.dkr.ecr.<region>.amazonaws.com`` (``.com.cn`` in the China regions)."""
    return f"{account}.dkr.ecr.{region}.amazonaws.com" + (".cn" if region.startswith("cn-") else "")


def _check_parts(where, repository, tag, digest):
    if not (2 <= len(repository) <= REPOSITORY_NAME_MAX and REPOSITORY_NAME_RE.match(repository)):
        raise ImageReferenceError(
            f"{where}: {repository!r} is not an ECR repository name (2 to {REPOSITORY_NAME_MAX} characters: "
            "lowercase letters and digits separated by '.', '_', '__' or '-', in components joined by '/')"
        )
    if bool(tag) == bool(digest):
        raise ImageReferenceError(f"{where}: give exactly one of a tag or a digest")
    if tag and not TAG_RE.match(tag):
        raise ImageReferenceError(
            f"{where}: {tag!r} is not an image tag (1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-')"
        )
    if digest and not DIGEST_RE.match(digest):
        raise ImageReferenceError(f"{where}: {digest!r} is not an image digest (sha256:<64 hex digits>)")


def parse_image(entry, default_region, position=0):
    """One entry of the module's ``images`` as a dict: image (URI or None), registry (host or None),
    account (or None: the caller's), region, repository, tag, digest. Raises ImageReferenceError."""
    where = f"images[{position}]"
    if isinstance(entry, str):
        match = IMAGE_URI_RE.match(entry.strip())
        if not match:
            raise ImageReferenceError(
                f"{where}: {entry!r} is not a private ECR image URI "
                "(<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>)"
            )
        parts = match.groupdict()
        _check_parts(where, parts["repository"], parts["tag"], parts["digest"])
        return {
            "image": entry.strip(),
            "registry": parts["registry"],
            "account": parts["account"],
            "region": parts["region"],
            "repository": parts["repository"],
            "tag": parts["tag"],
            "digest": parts["digest"],
        }
    if isinstance(entry, dict):
        unknown = sorted(set(entry) - {"repository", "tag", "digest", "registry_id"})
        if unknown:
            raise ImageReferenceError(
                f"{where}: unknown key(s) {', '.join(unknown)} (repository, tag, digest, registry_id)"
            )
        repository = str(entry.get("repository") or "")
        tag = str(entry["tag"]) if entry.get("tag") not in (None, "") else None
        digest = str(entry["digest"]) if entry.get("digest") not in (None, "") else None
        account = str(entry["registry_id"]) if entry.get("registry_id") not in (None, "") else None
        if not repository:
            raise ImageReferenceError(f"{where}: repository is required")
        _check_parts(where, repository, tag, digest)
        if account is not None and not ACCOUNT_RE.match(account):
            raise ImageReferenceError(f"{where}: registry_id {account!r} is not a 12-digit account ID")
        registry = registry_host(account, default_region) if account else None
        return {
            "image": image_uri(registry, repository, tag, digest) if registry else None,
            "registry": registry,
            "account": account,
            "region": default_region,
            "repository": repository,
            "tag": tag,
            "digest": digest,
        }
    raise ImageReferenceError(f"{where}: expected an image URI or a dict with repository and tag, got {entry!r}")


def image_uri(registry, repository, tag=None, digest=None):
    return f"{registry}/{repository}" + (f":{tag}" if tag else f"@{digest}")


def group_by_repository(images):
    """``{(region, account or None, repository): [image, ...]}`` in the order given."""
    groups = {}
    for image in images:
        groups.setdefault((image["region"], image["account"], image["repository"]), []).append(image)
    return groups


def image_id(image):
    return {"imageTag": image["tag"]} if image["tag"] else {"imageDigest": image["digest"]}


# ---------------------------------------------------------------- boto3 calls


@AWSRetry.jittered_backoff()
def describe_image_ids(client, repository, image_ids, registry_id=None):
    """DescribeImages of these IDs (one request; ECR refuses the whole request when one is missing)."""
    kwargs = {"repositoryName": repository, "imageIds": image_ids}
    if registry_id:
        kwargs["registryId"] = registry_id
    return client.describe_images(**kwargs).get("imageDetails", [])


@AWSRetry.jittered_backoff()
def list_images(client, repository, registry_id=None):
    """Every image of the repository (tags and digests), all pages."""
    kwargs = {"repositoryName": repository, "PaginationConfig": {"PageSize": LIST_PAGE_SIZE}}
    if registry_id:
        kwargs["registryId"] = registry_id
    paginator = client.get_paginator("describe_images")
    return paginator.paginate(**kwargs).build_full_result().get("imageDetails", [])


@AWSRetry.jittered_backoff()
def caller_account(sts_client):
    return sts_client.get_caller_identity()["Account"]


# ---------------------------------------------------------------- classification


def classify(images, details):
    """Mark each image present or missing from the repository's image details (DescribeImages)."""
    tags, digests = {}, {}
    for detail in details:
        digests[detail.get("imageDigest")] = detail
        for tag in detail.get("imageTags") or []:
            tags[tag] = detail
    for image in images:
        found = tags.get(image["tag"]) if image["tag"] else digests.get(image["digest"])
        if found:
            image["status"] = PRESENT
            image["image_digest"] = found.get("imageDigest")
            image["account"] = image["account"] or found.get("registryId")
        else:
            image["status"] = MISSING


def push_commands(missing):
    """Shell lines that push the missing images: one login per registry, then tag and push each.

    ``docker tag`` assumes the image was built locally as ``<repository>:<tag>``."""
    lines, logged_in = [], set()
    for image in missing:
        registry = image["registry"]
        if registry not in logged_in:
            logged_in.add(registry)
            lines.append(
                f"aws ecr get-login-password --region {image['region']} | "
                f"docker login --username AWS --password-stdin {registry}"
            )
        if image["tag"]:
            lines.append(f"docker tag {image['repository']}:{image['tag']} {image['image']}")
            lines.append(f"docker push {image['image']}")
        else:
            lines.append(
                f"# {image['image']}: push the build whose digest is {image['digest']} with a tag "
                f"(docker push {registry}/{image['repository']}:<tag>)"
            )
    return lines


# ---------------------------------------------------------------- the scan gate
#
# DescribeImageScanFindings answers for basic scanning (findings in imageScanFindings.findings) and
# for enhanced scanning with Amazon Inspector (imageScanFindings.enhancedFindings), paginated (at most
# 1000 findings a page). ScanNotFoundException means the image was never scanned. Basic scanning
# allows one scan per image per 24 hours (a scan on push counts), so only a never-scanned image is
# scanned by the gate (StartImageScan); a FAILED scan is reported, not retried.

# Highest first; UNDEFINED (basic) and UNTRIAGED (enhanced) rank lowest.
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
SEVERITY_RANK["UNTRIAGED"] = SEVERITY_RANK["UNDEFINED"]
SCAN_DONE = ("COMPLETE", "ACTIVE")  # findings available (ACTIVE: enhanced continuous scanning)
SCAN_RUNNING = ("IN_PROGRESS", "PENDING")
NOT_SCANNED = "NOT_SCANNED"  # ScanNotFoundException: no scan ever started for the image
WAIVABLE_STATUSES = ("UNSUPPORTED_IMAGE", "SCAN_ELIGIBILITY_EXPIRED", "FINDINGS_UNAVAILABLE", "IMAGE_ARCHIVED")
FINDINGS_PAGE_SIZE = 1000


def blocks(severity, threshold):
    """True when ``severity`` is at or above ``threshold`` (CRITICAL > HIGH > ... > UNDEFINED)."""
    rank = SEVERITY_RANK.get(str(severity or "UNDEFINED").upper(), SEVERITY_RANK["UNDEFINED"])
    return rank <= SEVERITY_RANK[threshold]


def validate_waivers(waivers, today):
    """(waivers with their expiry parsed, error messages). A waiver is ``{id, expires, reason,
    repository?}`` (the shape of the compliance audit's waivers: a reason, and a YYYY-MM-DD date
    after which it no longer applies)."""
    errors, parsed = [], []
    for index, waiver in enumerate(waivers or []):
        where = f"waivers[{index}]"
        if not isinstance(waiver, dict):
            errors.append(f"{where}: expected a dict with id, expires and reason, got {waiver!r}")
            continue
        unknown = sorted(set(waiver) - {"id", "expires", "reason", "repository"})
        if unknown:
            errors.append(f"{where}: unknown key(s) {', '.join(unknown)} (id, expires, reason, repository)")
        finding_id = str(waiver.get("id") or "").strip()
        if not finding_id:
            errors.append(f"{where}: id is required (the CVE or finding name, e.g. CVE-2026-12345)")
        reason, expiry = waiver_terms(waiver, where, errors)
        if expiry is None:
            continue
        parsed.append(
            {
                "id": finding_id,
                "repository": str(waiver.get("repository") or "").strip() or None,
                "reason": reason,
                "expires": expiry.isoformat(),
                "expired": expiry < today,
            }
        )
    return parsed, errors


def normalize_findings(scan_findings):
    """The findings of a DescribeImageScanFindings answer as ``[{id, severity, package, version, uri}]``.

    Basic findings carry the CVE in ``name`` and the package in attributes; enhanced (Inspector)
    findings in ``packageVulnerabilityDetails``. Enhanced findings that are SUPPRESSED or CLOSED are
    left out (Inspector no longer reports them as open)."""
    out = []
    for finding in (scan_findings or {}).get("findings") or []:
        attributes = {a.get("key"): a.get("value") for a in finding.get("attributes") or []}
        out.append(
            {
                "id": finding.get("name") or "",
                "severity": str(finding.get("severity") or "UNDEFINED").upper(),
                "package": attributes.get("package_name"),
                "version": attributes.get("package_version"),
                "uri": finding.get("uri"),
            }
        )
    for finding in (scan_findings or {}).get("enhancedFindings") or []:
        if str(finding.get("status") or "ACTIVE").upper() != "ACTIVE":
            continue
        details = finding.get("packageVulnerabilityDetails") or {}
        packages = details.get("vulnerablePackages") or []
        out.append(
            {
                "id": details.get("vulnerabilityId") or finding.get("title") or finding.get("findingArn") or "",
                "severity": str(finding.get("severity") or "UNTRIAGED").upper(),
                "package": ", ".join(p["name"] for p in packages if p.get("name")) or None,
                "version": ", ".join(p["version"] for p in packages if p.get("version")) or None,
                "uri": details.get("sourceUrl"),
            }
        )
    return out


def _waiver_for(waivers, finding_id, repository):
    matches = [w for w in waivers if w["id"].upper() == finding_id.upper() and w["repository"] in (None, repository)]
    current = [w for w in matches if not w["expired"]]
    return (current or matches or [None])[0]


def judge(findings, threshold, waivers, repository, used):
    """(blocking, waived) findings of one image: those at or above ``threshold``, less the ones a
    current waiver covers. A finding an expired waiver matches stays blocking and says so
    (``waiver_expired``). ``used`` collects the indices of the waivers that matched."""
    blocking, waived = [], []
    for finding in findings:
        if not blocks(finding["severity"], threshold):
            continue
        waiver = _waiver_for(waivers, finding["id"], repository)
        if waiver is not None:
            used.add(waivers.index(waiver))
        if waiver is not None and not waiver["expired"]:
            waived.append(dict(finding, waiver={k: waiver[k] for k in ("reason", "expires", "repository")}))
        elif waiver is not None:
            blocking.append(dict(finding, waiver_expired=waiver["expires"], waiver_reason=waiver["reason"]))
        else:
            blocking.append(finding)
    return blocking, waived


@AWSRetry.jittered_backoff()
def describe_scan_findings(client, repository, image_ident, registry_id=None):
    """DescribeImageScanFindings of one image, every page merged (raises ScanNotFoundException when
    the image was never scanned)."""
    kwargs = {
        "repositoryName": repository,
        "imageId": image_ident,
        "PaginationConfig": {"PageSize": FINDINGS_PAGE_SIZE},
    }
    if registry_id:
        kwargs["registryId"] = registry_id
    paginator = client.get_paginator("describe_image_scan_findings")
    return paginator.paginate(**kwargs).build_full_result()


@AWSRetry.jittered_backoff()
def start_image_scan(client, repository, image_ident, registry_id=None):
    kwargs = {"repositoryName": repository, "imageId": image_ident}
    if registry_id:
        kwargs["registryId"] = registry_id
    return client.start_image_scan(**kwargs).get("imageScanStatus") or {}


# ---------------------------------------------------------------- registry replication

REPLICATION_MAX_RULES = 10  # PutReplicationConfiguration: at most 10 rules per registry
REPLICATION_MAX_FILTERS = 100  # repositoryFilters per rule
# RepositoryFilter.filter pattern (ECR API reference, RepositoryFilter)
REPLICATION_FILTER_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]*)*/*$")


@AWSRetry.jittered_backoff()
def describe_registry(client):
    return client.describe_registry()


@AWSRetry.jittered_backoff()
def put_replication_configuration(client, rules):
    return client.put_replication_configuration(replicationConfiguration={"rules": rules})


def replication_rule(prefixes, destinations):
    """An ECR replication rule: PREFIX_MATCH filters for ``prefixes``, ``destinations`` [(region, registry)]."""
    return {
        "destinations": [{"region": region, "registryId": registry} for region, registry in destinations],
        "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"} for prefix in prefixes],
    }


def rule_prefixes(rule):
    """The set of PREFIX_MATCH filters of a rule (a rule without filters matches every repository)."""
    return frozenset(
        f["filter"]
        for f in rule.get("repositoryFilters") or []
        if f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH"
    )


def rule_destinations(rule):
    return frozenset((d["region"], d["registryId"]) for d in rule.get("destinations") or [])


def merge_replication_rule(rules, prefixes, destinations):
    """(rules after, index of our rule or None): our rule is the one whose filters are exactly ``prefixes``.

    With ``destinations`` None our rule is removed; otherwise it is set to exactly those destinations,
    in place when it exists, appended otherwise. Every other rule is kept as it is, in its order.
    """
    wanted = frozenset(prefixes)
    after, ours = [], None
    for rule in rules:
        if rule_prefixes(rule) == wanted and ours is None and len(rule.get("repositoryFilters") or []) == len(wanted):
            if destinations is None:
                continue
            ours = len(after)
            if rule_destinations(rule) == frozenset(destinations):
                after.append(rule)
            else:
                after.append(dict(rule, destinations=replication_rule(prefixes, destinations)["destinations"]))
            continue
        after.append(rule)
    if destinations is not None and ours is None:
        ours = len(after)
        after.append(replication_rule(prefixes, destinations))
    return after, ours


def same_rules(before, after):
    """Whether two rule lists are the same configuration (order of destinations and filters ignored)."""
    if len(before) != len(after):
        return False
    return all(
        rule_prefixes(before[i]) == rule_prefixes(after[i])
        and rule_destinations(before[i]) == rule_destinations(after[i])
        and len(before[i].get("repositoryFilters") or []) == len(after[i].get("repositoryFilters") or [])
        for i in range(len(before))
    )
