# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's report as Markdown."""

from __future__ import annotations

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    SEVERITY_RANK,
)

_STATUS_ORDER = {"FAIL": 0, "WAIVED": 1, "PASS": 2, "NOT_APPLICABLE": 3}


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report):
    summary = report["summary"]
    lines = [
        f"# HIPAA compliance audit: {report['platform']}-{report['environment']}",
        "",
        f"- Region: {report['region']}" + (f" (DR region {report['dr_region']})" if report.get("dr_region") else ""),
        f"- Generated: {report['timestamp']}",
        f"- Result: {'COMPLIANT' if report['compliant'] else 'NOT COMPLIANT'} at threshold **{report['severity_threshold']}**"
        f" ({summary['fail_at_or_above_threshold']} blocking finding(s))",
        f"- Findings: {summary['total']} - {summary['pass']} pass, {summary['fail']} fail, {summary['waived']} waived,"
        f" {summary['not_applicable']} not applicable; {summary['controls_evaluated']} controls",
    ]
    if summary["could_not_evaluate"]:
        lines.append(
            f"- Could not be evaluated (API unsupported by the endpoint): {summary['could_not_evaluate']} finding(s)"
        )
    failing = ", ".join(f"{count} {sev}" for sev, count in summary["fail_by_severity"].items() if count)
    if failing:
        lines.append(f"- Failures by severity: {failing}")
    if report["waivers"]["expired"]:
        expired = ", ".join(f"{w['control']} on {w['resource']} ({w['expires']})" for w in report["waivers"]["expired"])
        lines.append(f"- Expired waivers (not applied): {expired}")
    lines += [
        "",
        "| Status | Severity | Control | HIPAA | Resource | Detail |",
        "|---|---|---|---|---|---|",
    ]
    ordered = sorted(
        report["findings"],
        key=lambda f: (_STATUS_ORDER[f["status"]], -SEVERITY_RANK[f["severity"]], f["control"], f["resource"]),
    )
    for f in ordered:
        lines.append(
            f"| {f['status']} | {f['severity']} | {_cell(f['control'])} | {_cell(f['hipaa'])} | {_cell(f['resource'])} | {_cell(f['detail'])} |"
        )
    if report["failed"]:
        lines += ["", "## Remediation", ""]
        seen = set()
        for f in ordered:
            if f["status"] == "FAIL" and f["control"] not in seen:
                seen.add(f["control"])
                lines.append(f"- **{f['control']}** ({f['title']}): {f['remediation']}")
    return "\n".join(lines) + "\n"
