# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's run: selecting controls, validating and applying waivers, ``run_audit`` (which runs
the checks registered in ``CHECKS``; importing this module imports every ``checks_*`` module).
"""

from __future__ import annotations

import fnmatch
from concurrent.futures import ThreadPoolExecutor

# Importing a check module registers its checks in CHECKS: all of them, so that CHECKS is complete.
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance import (  # noqa: F401
    checks_baseline,
    checks_cache_search,
    checks_issue12,
    checks_lb_waf_cloudfront,
    checks_network_identity,
    checks_rds,
    checks_s3,
    checks_sns_logs_ecr_kms,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    CHECKS,
    CONTROLS,
    RESOURCE_NOUNS,
    SEVERITIES,
    SEVERITY_RANK,
    UNEVALUATED,
    control_severity,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    AuditError,
    Unsupported,
    result,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.waivers import waiver_terms


# --- the audit ----------------------------------------------------------------------------------
def select_controls(patterns):
    """Control ids matching ``patterns`` (exact ids or shell patterns such as ``S3.*``); all when empty."""
    if not patterns:
        return list(CONTROLS), []
    selected, unknown = [], []
    for pattern in patterns:
        matches = [cid for cid in CONTROLS if fnmatch.fnmatchcase(cid, pattern.upper())]
        if not matches:
            unknown.append(pattern)
        selected.extend(m for m in matches if m not in selected)
    return [cid for cid in CONTROLS if cid in selected], unknown


def validate_waivers(waivers, today):
    """(valid waivers with a parsed date, error messages)."""
    errors, parsed = [], []
    for index, waiver in enumerate(waivers or []):
        where = f"waivers[{index}]"
        control = (waiver.get("control") or "").strip().upper()
        if control not in CONTROLS:
            errors.append(f"{where}: unknown control {waiver.get('control')!r}")
        if not (waiver.get("resource") or "").strip():
            errors.append(f'{where}: resource is required (an exact resource id/ARN or "*")')
        reason, expiry = waiver_terms(waiver, where, errors)
        if expiry is None:
            continue
        parsed.append(
            {
                "control": control,
                "resource": waiver["resource"].strip(),
                "reason": reason,
                "expires": expiry.isoformat(),
                "expired": expiry < today,
            }
        )
    return parsed, errors


def _apply_waivers(findings, waivers):
    """Turn FAIL into WAIVED where a current waiver matches; returns the indices of matching waivers."""
    used = set()
    for finding in findings:
        if finding["status"] != "FAIL":
            continue
        for index, waiver in enumerate(waivers):
            if waiver["control"] != finding["control"] or waiver["resource"] not in ("*", finding["resource"]):
                continue
            used.add(index)
            if waiver["expired"]:
                finding["detail"] += f" (waiver expired {waiver['expires']}: {waiver['reason']})"
                continue
            finding["status"] = "WAIVED"
            finding["waiver"] = {
                "reason": waiver["reason"],
                "expires": waiver["expires"],
                "resource": waiver["resource"],
            }
            finding["detail"] += f" (waived until {waiver['expires']}: {waiver['reason']})"
            break
    return used


# Controls evaluated at once: each waits on AWS (a few requests, one after the other), so that a stack's hundred-odd
# requests overlap instead of adding up (at real-AWS latency, seconds per audit). Few enough for AWS's request rates.
WORKERS = 8


def _check(auditor, cid):
    """The verdicts of control ``cid``, or the AuditError that stopped it (raised by the engine, in order)."""
    try:
        return CHECKS[cid](auditor)
    except Unsupported as e:
        return [result(auditor.prefix, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported")]
    except AuditError as e:
        e.control = cid
        return e


def _evaluate(auditor, control_ids, workers=WORKERS):
    """Each control's verdicts, in ``control_ids``' order, evaluated on ``workers`` threads (the auditor loads each
    resource once: memo). The first control, in that order, that met an AWS error raises it."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(control_ids)))) as pool:
        outcomes = list(pool.map(lambda cid: _check(auditor, cid), control_ids))
    for outcome in outcomes:
        if isinstance(outcome, AuditError):
            raise outcome
    return outcomes


def run_audit(auditor, control_ids, waivers, severity_threshold, now, *, allow_unsupported=False):
    """Evaluate the controls; returns the report (a JSON-able dict). Raises AuditError on AWS errors.

    A control whose API the endpoint does not answer fails closed (FAIL, its detail still "could not be
    evaluated: ..."); ``allow_unsupported`` (an emulator lacking APIs) keeps it NOT_APPLICABLE."""
    findings = []
    outcomes = _evaluate(auditor, control_ids)
    for index, cid in enumerate(control_ids):
        verdicts = outcomes[index]
        control = CONTROLS[cid]
        if not verdicts:
            noun = RESOURCE_NOUNS.get(control["resource_type"], "resources")
            verdicts = [result(auditor.prefix, "NOT_APPLICABLE", f"no {noun} of {auditor.prefix} found")]
        default_severity = control_severity(cid, auditor.platform_env)
        for verdict in verdicts:
            findings.append(
                {
                    "control": cid,
                    "title": control["title"],
                    "hipaa": control["hipaa"],
                    "resource": verdict["resource"],
                    "resource_type": verdict["resource_type"] or control["resource_type"],
                    "status": verdict["status"],
                    "severity": verdict["severity"] or default_severity,
                    "remediation": control["remediation"],
                    "detail": verdict["detail"],
                }
            )
    if not allow_unsupported:
        for finding in findings:
            if finding["status"] == "NOT_APPLICABLE" and finding["detail"].startswith(UNEVALUATED):
                finding["status"] = "FAIL"
                finding["detail"] += " (fails closed: only an emulator's inventory allows unsupported APIs)"
    used = _apply_waivers(findings, waivers)
    threshold = SEVERITY_RANK[severity_threshold]
    failed = [f for f in findings if f["status"] == "FAIL"]
    blocking = [f for f in failed if SEVERITY_RANK[f["severity"]] >= threshold]
    summary = {
        "total": len(findings),
        "pass": sum(f["status"] == "PASS" for f in findings),
        "fail": len(failed),
        "waived": sum(f["status"] == "WAIVED" for f in findings),
        "not_applicable": sum(f["status"] == "NOT_APPLICABLE" for f in findings),
        "could_not_evaluate": sum(f["detail"].startswith(UNEVALUATED) for f in findings),
        "fail_by_severity": {s: sum(f["severity"] == s for f in failed) for s in reversed(SEVERITIES)},
        "fail_at_or_above_threshold": len(blocking),
        "controls_evaluated": len(control_ids),
    }
    return {
        "platform": auditor.platform_name,
        "environment": auditor.platform_env,
        "region": auditor.region,
        "dr_region": auditor.dr_region,
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "severity_threshold": severity_threshold,
        "compliant": not blocking,
        "controls": control_ids,
        "summary": summary,
        "findings": findings,
        "failed": failed,
        "blocking": blocking,
        "waivers": {
            "applied": [w for i, w in enumerate(waivers) if i in used and not w["expired"]],
            "expired": [w for w in waivers if w["expired"]],
            "unused": [w for i, w in enumerate(waivers) if i not in used and not w["expired"]],
        },
    }
