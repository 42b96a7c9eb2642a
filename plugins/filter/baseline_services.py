# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-once plans (issue 15) of the security baseline's GuardDuty, Security Hub, AWS Config and AWS Backup
parts: roles/security_baseline/tasks/read_services.yml reads their state with one ``aws_read`` run, a plan here
compares it with what the role wants as the writing module would, and each writing module runs only when its
part differs. Where our own or amazon.aws's modules have their comparison in a function, it is imported and
called, not copied: the plan compares what the module converges, no less."""

from __future__ import annotations

import datetime
import json

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict, snake_dict_to_camel_dict
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.amazon.aws.plugins.modules.backup_selection import check_for_update
from ansible_collections.platform_ops.aws.plugins.filter.plans import _tag_dict
from ansible_collections.platform_ops.aws.plugins.filter.platform import backup_plan_differs
from ansible_collections.platform_ops.aws.plugins.modules.backup_vault_lock import current_lock
from ansible_collections.platform_ops.aws.plugins.modules.config_recorder import (
    channel_differs,
    recorder_differs,
    wanted_channel,
    wanted_recorder,
)
from ansible_collections.platform_ops.aws.plugins.modules.securityhub_hub import ENABLED_STATES


def _plain(value):
    """``value`` as plain dicts and lists (Ansible passes lazy template containers, which the amazon.aws
    helpers cannot copy)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _got(state, rid):
    """The response of read ``rid`` (None when it is missing or was not made)."""
    return (state or {}).get(rid)


def _tags_differ(current, wanted, purge=False):
    """What compare_aws_tags (the modules' own tag comparison) would set or remove."""
    if wanted is None:
        return False
    to_set, to_remove = compare_aws_tags(dict(current or {}), {k: str(v) for k, v in wanted.items()}, purge)
    return bool(to_set or to_remove)


def _policy(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def iam_role_differs(role, attached, wanted):
    """What amazon.aws.iam_role would change on the role ``role`` (GetRole's Role, None when missing) with the
    managed policies ``attached`` (ListAttachedRolePolicies' answer): the trust policy, the description, the
    tags (purge_tags false) and, with ``managed_policies`` given, a policy to attach or (purge_policies) detach.

    ``wanted``: trust (dict or JSON), description, tags, managed_policies (ARNs or None), purge_policies."""
    if not role:
        return True
    if compare_policies(_policy(role.get("AssumeRolePolicyDocument")), _policy(wanted["trust"])):
        return True
    if wanted.get("description") is not None and role.get("Description") != wanted["description"]:
        return True
    if _tags_differ(_tag_dict(role.get("Tags")), wanted.get("tags")):
        return True
    managed = wanted.get("managed_policies")
    if managed is None:
        return False
    current = {p["PolicyArn"] for p in (attached or {}).get("AttachedPolicies") or []}
    if set(managed) - current:
        return True
    return bool(wanted.get("purge_policies")) and bool(current - set(managed))


def inline_policy_differs(found, wanted):
    """What amazon.aws.iam_policy would change: a missing inline policy or another document."""
    document = (found or {}).get("PolicyDocument")
    return not document or bool(compare_policies(_policy(document), _policy(wanted)))


def _event_pattern(value):
    """The rule's event pattern as amazon.aws.cloudwatchevent_rule holds it (a json option: a string stripped,
    a structure dumped) - the module compares that string with AWS's."""
    if value is None or isinstance(value, str):
        return value.strip() if value else value
    return json.dumps(value)


def findings_rule_differs(rule, targets, wanted):
    """What amazon.aws.cloudwatchevent_rule would change (it has no check mode): with ``present`` a missing rule,
    one of its fields (name, event pattern, schedule, description, role), a target to remove, to put (not listed
    as asked) or the rule not ENABLED; without, an existing rule.

    ``rule``: DescribeRule's answer (None when missing); ``targets``: ListTargetsByRule's; ``wanted``: present,
    name, description, event_pattern, targets ([{id, arn}])."""
    if not wanted.get("present", True):
        return bool(rule)
    if not rule:
        return True
    found = camel_dict_to_snake_dict(rule)
    asked = {
        "name": wanted["name"],
        "event_pattern": _event_pattern(wanted.get("event_pattern")),
        "schedule_expression": wanted.get("schedule_expression"),
        "description": wanted.get("description"),
        "role_arn": wanted.get("role_arn"),
    }
    if any(found.get(field) != value for field, value in asked.items()):
        return True
    remote = [camel_dict_to_snake_dict(t) for t in (targets or {}).get("Targets") or []]
    wanted_targets = [{k: v for k, v in t.items() if v is not None} for t in wanted.get("targets") or []]
    ids = {t["id"] for t in wanted_targets}
    if any(t.get("id") not in ids for t in remote):
        return True
    if any(t not in remote for t in wanted_targets):
        return True
    return found.get("state") != "ENABLED"


def guardduty_plan(state, wanted):
    """Which of GuardDuty's detector and findings rule differ, and the detector's id and ARN as read.

    ``state``: aws_read's results (detectors, detector, findings_rule, findings_targets). ``wanted``: enable,
    finding_publishing_frequency, tags (purge_tags false), region, account, partition, rule (see
    findings_rule_differs). platform_ops.aws.guardduty_detector fails on several detectors: that converges too,
    so the module says so. Returns {"converge": [...], "detector_id", "detector_arn"}."""
    state, wanted = _plain(state), _plain(wanted)
    converge = []
    ids = (_got(state, "detectors") or {}).get("DetectorIds") or []
    detector = _got(state, "detector")
    detector_id, detector_arn = "", ""
    if len(ids) != 1 or not detector:
        converge.append("detector")
    else:
        detector_id = ids[0]
        parts = (detector.get("ServiceRole") or "").split(":")
        partition, account = (
            (parts[1], parts[4]) if len(parts) >= 5 and parts[4] else (wanted["partition"], wanted["account"])
        )
        detector_arn = f"arn:{partition}:guardduty:{wanted['region']}:{account}:detector/{detector_id}"
        status = "ENABLED" if wanted.get("enable", True) else "DISABLED"
        if (
            detector.get("Status") != status
            or detector.get("FindingPublishingFrequency") != wanted["finding_publishing_frequency"]
            or _tags_differ(detector.get("Tags"), wanted.get("tags"))
        ):
            converge.append("detector")
    if findings_rule_differs(_got(state, "findings_rule"), _got(state, "findings_targets"), wanted["rule"]):
        converge.append("rule")
    return {"converge": converge, "detector_id": detector_id, "detector_arn": detector_arn}


def securityhub_plan(state, wanted):
    """Whether platform_ops.aws.securityhub_hub would change Security Hub: off, a standard asked not enabled
    (PENDING, READY, INCOMPLETE count as enabled), with ``purge_standards`` an enabled one not asked, an
    integration (``<company>/<product>``) not on, a tag (purge_tags false).

    ``state``: aws_read's results (hub, hub_standards, hub_products, hub_tags). Returns {"converge": [] or
    ["hub"], "hub_arn", "standards" (the subscriptions' standard ARNs, as the module returns them)}."""
    state, wanted = _plain(state), _plain(wanted)
    hub = _got(state, "hub")
    if not hub:
        return {"converge": ["hub"], "hub_arn": "", "standards": []}
    subscriptions = (_got(state, "hub_standards") or {}).get("StandardsSubscriptions") or []
    standards = [s["StandardsArn"] for s in subscriptions]
    on = {s["StandardsArn"] for s in subscriptions if s.get("StandardsStatus", "") in ENABLED_STATES}
    asked = list(wanted.get("standards") or [])
    differs = any(arn not in on for arn in asked)
    if wanted.get("purge_standards"):
        differs = differs or any(arn not in asked for arn in on)
    products = (_got(state, "hub_products") or {}).get("ProductSubscriptions") or []
    suffixes = {arn.split(":product-subscription/", 1)[-1] for arn in products}
    differs = differs or any(name not in suffixes for name in wanted.get("integrations") or [])
    tags = (_got(state, "hub_tags") or {}).get("Tags")
    differs = differs or tags is None or _tags_differ(tags, wanted.get("tags"))
    return {"converge": ["hub"] if differs else [], "hub_arn": hub["HubArn"], "standards": standards}


def config_plan(state, wanted):
    """Which of AWS Config's role, its delivery policy and the recorder (with its delivery channel and its
    recording) differ.

    ``state``: aws_read's results (config_role, config_role_policies, config_policy, recorders, channels,
    recorder_status). ``wanted``: role (see iam_role_differs), policy (the inline policy document) and recorder:
    platform_ops.aws.config_recorder's parameters (name, role_arn, all_supported, include_global_types,
    resource_types, delivery_channel with all its options, recording). The module's own comparisons
    (recorder_differs, channel_differs) decide; another customer managed recorder, or another delivery channel
    without ours, converges (the module fails naming it). Returns {"converge": [...] of role, policy, recorder;
    "role_exists"}."""
    state, wanted = _plain(state), _plain(wanted)
    converge = []
    role = (_got(state, "config_role") or {}).get("Role")
    if iam_role_differs(role, _got(state, "config_role_policies"), wanted["role"]):
        converge.append("role")
    if inline_policy_differs(_got(state, "config_policy"), wanted["policy"]):
        converge.append("policy")
    params = wanted["recorder"]
    name = params["name"]
    recorders = (_got(state, "recorders") or {}).get("ConfigurationRecorders")
    channels = (_got(state, "channels") or {}).get("DeliveryChannels")
    if recorders is None or channels is None:
        converge.append("recorder")
        return {"converge": converge, "role_exists": bool(role)}
    recorder = next((r for r in recorders if r.get("name") == name), None)
    channel = next((c for c in channels if c.get("name") == name), None)
    others = [r for r in recorders if r.get("name") != name and not r.get("servicePrincipal")]
    other_channels = [c for c in channels if c.get("name") != name]
    statuses = (_got(state, "recorder_status") or {}).get("ConfigurationRecordersStatus") or []
    status = next((s for s in statuses if s.get("name") == name), None)
    recording = bool(status and status.get("recording")) if recorder else False
    if (
        others
        or (other_channels and channel is None)
        or recorder_differs(recorder, wanted_recorder(params))
        or channel_differs(channel, wanted_channel(params))
        or bool(params.get("recording", True)) != recording
    ):
        converge.append("recorder")
    return {"converge": converge, "role_exists": bool(role)}


def kms_key_differs(key, policy, rotation, tags, wanted):
    """What amazon.aws.kms_key would change on the key found by its alias: a missing key, a key pending
    deletion, its state (Enabled), description, tags (purge_tags false), policy and rotation.

    ``key``: DescribeKey's answer; ``policy``: GetKeyPolicy's; ``rotation``: GetKeyRotationStatus's; ``tags``:
    ListResourceTags'. ``wanted``: enabled, description, tags, policy (dict or JSON), enable_key_rotation."""
    meta = (key or {}).get("KeyMetadata")
    if not meta:
        return True
    if meta.get("KeyState") != ("Enabled" if wanted.get("enabled", True) else "Disabled"):
        return True
    if wanted.get("description") is not None and meta.get("Description") != wanted["description"]:
        return True
    current_tags = {t["TagKey"]: t["TagValue"] for t in (tags or {}).get("Tags") or []}
    if tags is None or _tags_differ(current_tags, wanted.get("tags")):
        return True
    if wanted.get("policy") is not None:
        if not policy or compare_policies(_policy(policy.get("Policy")), _policy(wanted["policy"])):
            return True
    if wanted.get("enable_key_rotation") is not None:
        if not rotation or rotation.get("KeyRotationEnabled") != wanted["enable_key_rotation"]:
            return True
    return False


def vault_lock_differs(vault, wanted, now=None):
    """What platform_ops.aws.backup_vault_lock would change (its own current_lock decides the mode): a lock of
    other retention bounds or another mode with ``present`` (an immutable lock too: the module then fails
    saying so), any lock without. A missing vault converges (the module fails)."""
    if not vault:
        return True
    vault = dict(vault)
    if isinstance(vault.get("LockDate"), str):
        vault["LockDate"] = datetime.datetime.fromisoformat(vault["LockDate"])
    before = current_lock(vault, now or datetime.datetime.now(datetime.timezone.utc))  # noqa: UP017
    if not wanted.get("present", True):
        return before["locked"]
    changeable = wanted.get("changeable_for_days")
    mode = "compliance" if changeable not in (None, "") else "governance"
    low, high = wanted.get("min_retention_days"), wanted.get("max_retention_days")
    same = [before["min_retention_days"], before["max_retention_days"]] == [
        None if low is None else int(low),
        None if high is None else int(high),
    ]
    return not (same and (before["mode"] == mode or (mode == "compliance" and before["mode"] == "immutable")))


def vault_policy_differs(vault, found, wanted):
    """What platform_ops.aws.backup_vault_access_policy would change: with ``present`` another document (or
    none, or a missing vault: the module fails), without it an existing policy. ``found``:
    GetBackupVaultAccessPolicy's answer (None when the vault has none)."""
    current = _policy((found or {}).get("Policy")) if found else {}
    if wanted.get("present", True):
        return not vault or bool(compare_policies(current, _policy(wanted["policy"])))
    return bool(current)


def _vault_differs(vault, tags, wanted_tags):
    """What amazon.aws.backup_vault would change: a missing vault, tags (purge_tags false)."""
    if not vault:
        return True
    return tags is None or _tags_differ((tags or {}).get("Tags"), wanted_tags)


def backup_plan_found(plan, tags):
    """GetBackupPlan's answer with ListTags' as amazon.aws.backup_plan_info returns it (snake case, the tags
    kept as they are), for platform_ops.aws.security_baseline_backup_plan_differs; None when there is no plan."""
    if not plan:
        return None
    found = camel_dict_to_snake_dict(plan, ignore_list=["tags"])
    found["tags"] = (tags or {}).get("Tags") or {}
    found["backup_plan_name"] = (found.get("backup_plan") or {}).get("backup_plan_name")
    return found


def backup_selection_differs(selection, wanted):
    """What amazon.aws.backup_selection would change (its own check_for_update): a missing selection, the
    role, the resources, the tags, the excluded resources, the conditions. ``selection``: GetBackupSelection's
    answer; ``wanted``: the module's iam_role_arn, resources, conditions (snake case), not_resources,
    list_of_tags."""
    if not selection:
        return True
    current = dict(selection, **(selection.get("BackupSelection") or {}))
    current.pop("BackupSelection", None)
    data = {"IamRoleArn": wanted["iam_role_arn"]}
    if wanted.get("resources"):
        data["Resources"] = wanted["resources"]
    if wanted.get("list_of_tags"):
        data["ListOfTags"] = snake_dict_to_camel_dict(wanted["list_of_tags"], capitalize_first=True)
    if wanted.get("not_resources"):
        data["NotResources"] = wanted["not_resources"]
    if wanted.get("conditions"):
        conditions = {
            key: wanted["conditions"].get(key) or []
            for key in ("string_equals", "string_like", "string_not_equals", "string_not_like")
        }
        data["Conditions"] = snake_dict_to_camel_dict(conditions, capitalize_first=True)
    return check_for_update([current], data, wanted["iam_role_arn"])


def backup_plan(state, wanted):
    """Which of AWS Backup's parts differ, and the ARNs and ids read.

    ``state``: aws_read's results (dr_key, dr_key_policy, dr_key_rotation, dr_key_tags, backup_role,
    backup_role_policies, vault, vault_tags, vault_policy, dr_vault, dr_vault_tags, dr_vault_policy, plan,
    plan_tags, selection). ``wanted``: dr (bool), dr_key (see kms_key_differs), role (see iam_role_differs),
    vault_tags, regions ([primary, DR]), policy ({present, policy}), lock ({present, min_retention_days,
    max_retention_days, changeable_for_days}), rules and plan_tags (as amazon.aws.backup_plan takes them),
    selection (see backup_selection_differs).

    Returns {"converge": [...] of dr_key, role, vault, dr_vault, plan, selection; "policy_regions" and
    "lock_regions": the vault regions whose access policy or lock differ; "missing_vault_regions"; dr_key_arn,
    plan_arn, plan_id}."""
    state, wanted = _plain(state), _plain(wanted)
    converge = []
    if wanted.get("dr") and kms_key_differs(
        _got(state, "dr_key"),
        _got(state, "dr_key_policy"),
        _got(state, "dr_key_rotation"),
        _got(state, "dr_key_tags"),
        wanted["dr_key"],
    ):
        converge.append("dr_key")
    if iam_role_differs(
        (_got(state, "backup_role") or {}).get("Role"), _got(state, "backup_role_policies"), wanted["role"]
    ):
        converge.append("role")
    regions = list(wanted["regions"])
    prefixes = {regions[0]: ""}
    if wanted.get("dr") and len(regions) > 1:
        prefixes[regions[1]] = "dr_"
    policy_regions, lock_regions, missing_vaults = [], [], []
    for region, prefix in prefixes.items():
        vault = _got(state, prefix + "vault")
        if _vault_differs(vault, _got(state, prefix + "vault_tags"), wanted["vault_tags"]):
            converge.append(prefix + "vault")
        if not vault:
            missing_vaults.append(region)
        if vault_policy_differs(vault, _got(state, prefix + "vault_policy"), wanted["policy"]):
            policy_regions.append(region)
        if vault_lock_differs(vault, wanted["lock"]):
            lock_regions.append(region)
    plan = _got(state, "plan")
    found = backup_plan_found(plan, _got(state, "plan_tags"))
    if found is None or _got(state, "plan_tags") is None:
        converge.append("plan")
    elif backup_plan_differs(found, wanted["rules"], wanted["plan_tags"], wanted.get("plan_purge_tags", True)):
        converge.append("plan")
    if backup_selection_differs(_got(state, "selection"), wanted["selection"]):
        converge.append("selection")
    return {
        "converge": converge,
        "policy_regions": policy_regions,
        "lock_regions": lock_regions,
        "missing_vault_regions": missing_vaults,
        "dr_key_arn": ((_got(state, "dr_key") or {}).get("KeyMetadata") or {}).get("Arn", ""),
        "plan_arn": (plan or {}).get("BackupPlanArn", ""),
        "plan_id": (plan or {}).get("BackupPlanId", ""),
    }


def security_baseline_facts(state, wanted):
    """platform_security_baseline as a converging run publishes it, from one ``aws_read`` of the stack
    (roles/security_baseline/tasks/facts.yml, for the runs that do not converge the role: outputs.yml and
    tag-scoped runs). The keys are those each part's file publishes, for the parts switched on; what is not
    found is published empty.

    ``state``: aws_read's results: key (DescribeKey of the baseline key), detectors (ListDetectors),
    hub and hub_standards (DescribeHub, GetEnabledStandards), plans (ListBackupPlans). ``wanted``: the
    switches cloudtrail, guardduty, securityhub, config, backup; names (the role's derived names, as
    names.yml and backup_names.yml set them): trail_name, trail_arn, trail_bucket, trail_log_group,
    config_recorder, findings_rule ('' when findings do not go to the alarm topic), alarm_topic_arn,
    region, account, partition, backup_vault, backup_vault_arn, backup_dr_vault_arn, backup_plan,
    backup_selection, backup_role_arn, backup_retention_days."""
    state, wanted = _plain(state), _plain(wanted)
    names = wanted["names"]
    out = {}
    key_arn = ((_got(state, "key") or {}).get("KeyMetadata") or {}).get("Arn", "")
    if wanted.get("cloudtrail"):
        out.update(
            kms_key_arn=key_arn,
            **{k: names[k] for k in ("trail_name", "trail_arn", "trail_bucket", "trail_log_group")},
        )
    if wanted.get("guardduty"):
        ids = (_got(state, "detectors") or {}).get("DetectorIds") or []
        detector_id = ids[0] if len(ids) == 1 else ""
        out.update(
            guardduty_detector_id=detector_id,
            guardduty_detector_arn=(
                f"arn:{names['partition']}:guardduty:{names['region']}:{names['account']}:detector/{detector_id}"
                if detector_id
                else ""
            ),
            guardduty_findings_rule=names["findings_rule"],
            alarm_topic_arn=names["alarm_topic_arn"],
        )
    if wanted.get("securityhub"):
        hub = _got(state, "hub") or {}
        subscriptions = (_got(state, "hub_standards") or {}).get("StandardsSubscriptions") or []
        out.update(
            securityhub_hub_arn=hub.get("HubArn", ""),
            securityhub_standards=[s["StandardsArn"] for s in subscriptions] if hub else [],
        )
    if wanted.get("config"):
        out.update(kms_key_arn=key_arn, trail_bucket=names["trail_bucket"], config_recorder=names["config_recorder"])
    if wanted.get("backup"):
        plans = (_got(state, "plans") or {}).get("BackupPlansList") or []
        plan = next((p for p in plans if p.get("BackupPlanName") == names["backup_plan"]), {})
        out.update(
            backup_vault_name=names["backup_vault"],
            backup_vault_arn=names["backup_vault_arn"],
            backup_dr_vault_arn=names["backup_dr_vault_arn"],
            backup_plan_name=names["backup_plan"],
            backup_plan_arn=plan.get("BackupPlanArn", ""),
            backup_selection_name=names["backup_selection"],
            backup_role_arn=names["backup_role_arn"],
            backup_retention_days=int(names["backup_retention_days"]),
            backup_tag={"PlatformBackup": "true"},
        )
    return out


class FilterModule:
    """Read-once plans of the security baseline's services."""

    def filters(self):
        return {
            "security_baseline_guardduty_plan": guardduty_plan,
            "security_baseline_securityhub_plan": securityhub_plan,
            "security_baseline_config_plan": config_plan,
            "security_baseline_backup_services_plan": backup_plan,
            "security_baseline_facts": security_baseline_facts,
        }
