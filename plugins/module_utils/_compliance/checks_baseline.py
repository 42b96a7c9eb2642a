# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's issue 13 checks: the account's security baseline (CloudTrail, GuardDuty, Security Hub,
AWS Config, AWS Backup coverage of the RDS instances and PHI buckets).
"""

from __future__ import annotations

import re

from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    BACKUP_MIN_RETENTION_DAYS,
    BASELINE_SWITCHES,
    FSBP_STANDARD_RE,
    T_BACKUP_PLAN,
    T_DETECTOR,
    T_HUB,
    T_RECORDER,
    T_TRAIL,
    check,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.client import (
    Unsupported,
    _each_closed,
    _passfail,
    result,
)


# --- issue 13: the account's security baseline --------------------------------------------------
# These controls fail closed: an API the endpoint does not answer is a FAIL (never NOT_APPLICABLE),
# and any other error (AccessDenied...) aborts the audit like every control's. A missing service is a
# FAIL on "<service>:<region>" (the account's service in the audited region: one stable id to waive).
def _baseline_note(a, control_id):
    switch = BASELINE_SWITCHES[control_id]
    if a.baseline.get(switch, True):
        return ""
    return (
        f"; security_baseline_{switch} is false: the organisation must provide it,"
        f" or waive {control_id} in compliance_waivers"
    )


def _baseline_check(control_id, rtype):
    """Register a baseline check; its FAILs name the switch, an unanswered API fails closed."""

    def register(func):
        def run(a):
            try:
                verdicts = func(a)
            except Unsupported as e:
                verdicts = [
                    result(
                        f"{BASELINE_SWITCHES[control_id]}:{a.region}",
                        "FAIL",
                        f"{e.api} did not answer (the control fails closed)",
                        rtype=rtype,
                    )
                ]
            note = _baseline_note(a, control_id)
            for verdict in verdicts:
                if verdict["status"] == "FAIL" and note:
                    verdict["detail"] += note
            return verdicts

        return check(control_id)(run)

    return register


def _service_resource(a, service):
    return f"{service}:{a.region}"


def _trail_statuses(a):
    """[(trail, status)] of the trails covering the region (GetTrailStatus by ARN: shadow trails too)."""

    def load():
        return [(t, a.call("cloudtrail", "get_trail_status", Name=t["id"])) for t in a.trails()]

    return a.memo("cloudtrail.statuses", load)


def _logging_trails(a):
    return [t for t, status in _trail_statuses(a) if status.get("IsLogging")]


def _no_trail(a):
    return result(
        _service_resource(a, "cloudtrail"),
        "FAIL",
        "no CloudTrail trail covers this region; only the 90-day event history records API calls",
        rtype=T_TRAIL,
    )


def _trail_is_baseline(trail):
    return bool(trail["data"].get("LogFileValidationEnabled")) and bool(trail["data"].get("KmsKeyId"))


@_baseline_check("CLOUDTRAIL.LOGGING", T_TRAIL)
def _cloudtrail(a):
    statuses = _trail_statuses(a)
    if not statuses:
        return [_no_trail(a)]
    logging = [t for t, status in statuses if status.get("IsLogging")]
    if logging:
        return [
            result(t, "PASS", "trail is logging" + (" (multi-region)" if t["data"].get("IsMultiRegionTrail") else ""))
            for t in logging
        ]
    return [result(t, "FAIL", "trail exists but is not logging") for t, _status in statuses]


def _logging_trail_property(a, ok, pass_detail, fail_detail):
    """A property every logging trail should have; the region passes when one logging trail has it
    together with the other baseline property (validation and KMS: one trail must be the whole record)."""
    trails = _logging_trails(a)
    if not trails:
        detail = "no trail logs this region" if _trail_statuses(a) else "no CloudTrail trail covers this region"
        return [result(_service_resource(a, "cloudtrail"), "FAIL", detail, rtype=T_TRAIL)]
    complete = [t for t in trails if _trail_is_baseline(t)]
    if complete:
        return [result(t, "PASS", pass_detail(t)) for t in complete]
    return [_passfail(t, ok(t), pass_detail(t), fail_detail(t)) for t in trails]


@_baseline_check("CLOUDTRAIL.VALIDATION", T_TRAIL)
def _cloudtrail_validation(a):
    return _logging_trail_property(
        a,
        lambda t: bool(t["data"].get("LogFileValidationEnabled")),
        lambda t: (
            "log file validation is on"
            + ("" if t["data"].get("KmsKeyId") else " (but the trail is not KMS-encrypted: CLOUDTRAIL.ENCRYPTED)")
        ),
        lambda t: "log file validation is off: tampering with delivered log files cannot be detected",
    )


@_baseline_check("CLOUDTRAIL.ENCRYPTED", T_TRAIL)
def _cloudtrail_encrypted(a):
    return _logging_trail_property(
        a,
        lambda t: bool(t["data"].get("KmsKeyId")),
        lambda t: (
            f"log files encrypted with {t['data'].get('KmsKeyId')}"
            + ("" if t["data"].get("LogFileValidationEnabled") else " (but validation is off: CLOUDTRAIL.VALIDATION)")
        ),
        lambda t: "log files are encrypted with SSE-S3 only (no KmsKeyId)",
    )


@_baseline_check("GUARDDUTY.ENABLED", T_DETECTOR)
def _guardduty(a):
    resource = _service_resource(a, "guardduty")
    ids = a.paginate("guardduty", "list_detectors").get("DetectorIds", [])
    if not ids:
        return [result(resource, "FAIL", "no GuardDuty detector in this region", rtype=T_DETECTOR)]
    statuses = {}
    for detector_id in ids:
        detector = a.call("guardduty", "get_detector", DetectorId=detector_id)
        statuses[detector_id] = detector.get("Status", "(unknown)")
    enabled = [d for d, status in statuses.items() if status == "ENABLED"]
    if enabled:
        return [result(resource, "PASS", f"detector {', '.join(enabled)} is ENABLED", rtype=T_DETECTOR)]
    found = ", ".join(f"{d} is {status}" for d, status in statuses.items())
    return [result(resource, "FAIL", f"detector {found}: no findings are generated", rtype=T_DETECTOR)]


@_baseline_check("SECURITYHUB.FSBP", T_HUB)
def _securityhub(a):
    resource = _service_resource(a, "securityhub")
    # DescribeHub: InvalidAccessException "Account is not subscribed to AWS Security Hub" when it is off.
    hub = a.call("securityhub", "describe_hub", ignore=("InvalidAccessException",))
    if not hub:
        return [result(resource, "FAIL", "Security Hub is not enabled in this region", rtype=T_HUB)]
    subscriptions = a.paginate("securityhub", "get_enabled_standards").get("StandardsSubscriptions", [])
    fsbp = [s for s in subscriptions if FSBP_STANDARD_RE.match(s.get("StandardsArn", ""))]
    ready = [s for s in fsbp if s.get("StandardsStatus") == "READY"]
    if ready:
        return [result(resource, "PASS", f"hub {hub.get('HubArn')}: {ready[0]['StandardsArn']} is READY", rtype=T_HUB)]
    if fsbp:
        states = ", ".join(sorted({s.get("StandardsStatus", "(unknown)") for s in fsbp}))
        detail = f"the AWS Foundational Security Best Practices standard is {states}, not READY"
        if "PENDING" in states:
            detail += " (enabling takes a few minutes: audit again)"
        return [result(resource, "FAIL", detail, rtype=T_HUB)]
    return [
        result(
            resource,
            "FAIL",
            "Security Hub is enabled without the AWS Foundational Security Best Practices standard",
            rtype=T_HUB,
        )
    ]


def _records_all_supported(recorder):
    group = recorder.get("recordingGroup") or {}
    strategy = (group.get("recordingStrategy") or {}).get("useOnly")
    return bool(group.get("allSupported")) and strategy in (None, "ALL_SUPPORTED_RESOURCE_TYPES")


@_baseline_check("CONFIG.RECORDING", T_RECORDER)
def _config_recording(a):
    resource = _service_resource(a, "config")
    recorders = a.call("config", "describe_configuration_recorders").get("ConfigurationRecorders", [])
    if not recorders:
        return [result(resource, "FAIL", "no AWS Config configuration recorder in this region", rtype=T_RECORDER)]
    statuses = {
        s.get("name"): s
        for s in a.call("config", "describe_configuration_recorder_status").get("ConfigurationRecordersStatus", [])
    }
    channels = a.call("config", "describe_delivery_channels").get("DeliveryChannels", [])
    problems = []
    for recorder in recorders:
        name = recorder.get("name")
        wrong = []
        if not _records_all_supported(recorder):
            wrong.append("does not record all supported resource types")
        if not statuses.get(name, {}).get("recording"):
            wrong.append("is not recording (start it)")
        if not wrong and channels:
            return [
                result(
                    resource,
                    "PASS",
                    f"recorder {name} records all supported resources, delivery channel {channels[0].get('name')}",
                    rtype=T_RECORDER,
                )
            ]
        problems.append(f"recorder {name} {' and '.join(wrong)}" if wrong else f"recorder {name} is fine")
    if not channels:
        problems.append("no delivery channel")
    return [result(resource, "FAIL", "; ".join(problems), rtype=T_RECORDER)]


def _backup_plans(a):
    """[(plan summary, rules, [selection])] of the region's backup plans."""

    def load():
        plans = []
        for summary in a.paginate("backup", "list_backup_plans").get("BackupPlansList", []):
            plan_id = summary["BackupPlanId"]
            plan = a.call("backup", "get_backup_plan", BackupPlanId=plan_id).get("BackupPlan", {})
            selections = []
            listing = a.paginate("backup", "list_backup_selections", BackupPlanId=plan_id)
            for item in listing.get("BackupSelectionsList", []):
                resp = a.call("backup", "get_backup_selection", BackupPlanId=plan_id, SelectionId=item["SelectionId"])
                selections.append(resp.get("BackupSelection", {}))
            plans.append((summary, plan.get("Rules", []), selections))
        return plans

    return a.memo("backup.plans", load)


def _wildcard_match(pattern, value):
    """AWS's string wildcard: * any run of characters, ? one character (case sensitive)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


_TAG_KEY_PREFIX = "aws:ResourceTag/"


def _tag_condition(tags, condition, operator):
    key = condition.get("ConditionKey", "")
    value = condition.get("ConditionValue", "")
    if not key.startswith(_TAG_KEY_PREFIX):
        return False  # a condition key the audit cannot evaluate never counts as covering
    actual = tags.get(key[len(_TAG_KEY_PREFIX) :])
    if operator == "StringEquals":
        return actual == value
    if operator == "StringNotEquals":
        return actual != value
    if operator == "StringLike":
        return actual is not None and _wildcard_match(value, actual)
    if operator == "StringNotLike":
        return actual is None or not _wildcard_match(value, actual)
    return False


def selection_covers(selection, arn, tags):
    """Whether an AWS Backup selection assigns the resource (``arn`` with ``tags``) to its plan.

    AWS Backup: (Resources OR ListOfTags) AND every Conditions entry, minus NotResources; neither
    Resources nor ListOfTags means every supported resource. ListOfTags is StringEquals on a tag key
    (any of them matches); Conditions take ``aws:ResourceTag/<key>`` with StringEquals, StringNotEquals,
    StringLike and StringNotLike (all must match).
    """
    if any(_wildcard_match(p, arn) for p in selection.get("NotResources") or []):
        return False
    resources = selection.get("Resources") or []
    list_of_tags = selection.get("ListOfTags") or []
    included = not resources and not list_of_tags
    included = included or any(_wildcard_match(p, arn) for p in resources)
    for entry in list_of_tags:
        if str(entry.get("ConditionType", "STRINGEQUALS")).upper() != "STRINGEQUALS":
            continue
        key = entry.get("ConditionKey", "")
        key = key[len(_TAG_KEY_PREFIX) :] if key.startswith(_TAG_KEY_PREFIX) else key
        if tags.get(key) == entry.get("ConditionValue"):
            included = True
    if not included:
        return False
    conditions = selection.get("Conditions") or {}
    for operator in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike"):
        for condition in conditions.get(operator) or []:
            if not _tag_condition(tags, condition, operator):
                return False
    return True


def _rule_retention(rule):
    """Days a rule keeps its recovery points (None: forever)."""
    return (rule.get("Lifecycle") or {}).get("DeleteAfterDays")


def _phi_buckets(a):
    out = []
    for bucket in a.buckets():
        name = bucket["name"]
        if not any(name == f"{a.prefix}-{p}" or name.startswith(f"{a.prefix}-{p}-") for p in a.phi_buckets):
            continue
        if name.endswith("-dr") or a.bucket_region(name) != a.region:
            continue  # a DR copy: backed up (if at all) by a plan of its own region
        out.append(bucket)
    return out


@_baseline_check("BACKUP.PLAN_COVERAGE", T_BACKUP_PLAN)
def _backup_coverage(a):
    plans = _backup_plans(a)
    if not plans:
        return [
            result(_service_resource(a, "backup"), "FAIL", "no AWS Backup plan in this region", rtype=T_BACKUP_PLAN)
        ]
    minimum = BACKUP_MIN_RETENTION_DAYS.get(a.platform_env, BACKUP_MIN_RETENTION_DAYS["default"])
    resources = [db for db in a.db_instances() if not db["data"].get("ReadReplicaSourceDBInstanceIdentifier")]
    resources += _phi_buckets(a)

    def evaluate(resource):
        covering = []
        for summary, rules, selections in plans:
            if any(selection_covers(sel, resource["id"], resource["tags"]) for sel in selections):
                days = [_rule_retention(rule) for rule in rules]
                longest = None if not days or None in days else max(days)
                covering.append((summary.get("BackupPlanName", summary["BackupPlanId"]), rules, longest))
        if not covering:
            return result(
                resource,
                "FAIL",
                "no backup plan of the region selects it (tag it PlatformBackup=true for the stack's selection)",
            )
        kept = [(name, days) for name, rules, days in covering if rules and (days is None or days >= minimum)]
        if kept:
            name, days = kept[0]
            return result(
                resource, "PASS", f"plan {name} keeps it {'indefinitely' if days is None else f'{days} days'}"
            )
        found = ", ".join(f"{name}: {'no rule' if not rules else f'{days} days'}" for name, rules, days in covering)
        return result(resource, "FAIL", f"covered, but no rule keeps recovery points {minimum} days or more ({found})")

    verdicts = _each_closed(resources, evaluate)
    if not verdicts:
        return [
            result(
                a.prefix,
                "NOT_APPLICABLE",
                f"no RDS DB instances or PHI buckets of {a.prefix} found in {a.region}",
                rtype=T_BACKUP_PLAN,
            )
        ]
    return verdicts
