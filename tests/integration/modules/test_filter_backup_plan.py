"""platform_ops.aws.security_baseline_backup_plan_differs against amazon.aws's own backup_plan and backup_plan_info on the moto
server: the filter must answer what the module itself decides outside check mode."""

from __future__ import annotations

import uuid

from ansible_collections.platform_ops.aws.plugins.filter.platform import backup_plan_differs


def _rules(vault: str, days=7, copy_to: str | None = None) -> list[dict]:
    rule = {
        "rule_name": "daily",
        "target_backup_vault_name": vault,
        "schedule_expression": "cron(0 3 * * ? *)",
        "schedule_expression_timezone": "Etc/UTC",
        "start_window_minutes": 60,
        "completion_window_minutes": "1440",  # as a template may hand it over
        "lifecycle": {"delete_after_days": days},
    }
    if copy_to:
        rule["copy_actions"] = [{"destination_backup_vault_arn": copy_to, "lifecycle": {"delete_after_days": 14}}]
    return [rule]


def test_differs_answers_what_backup_plan_decides(amazon, aws):
    vault, plan = f"v-{uuid.uuid4().hex[:8]}", f"p-{uuid.uuid4().hex[:8]}"
    aws("backup").create_backup_vault(BackupVaultName=vault)
    tags = {"Project": "caseapp", "Name": plan}
    dr = "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"
    created = amazon("backup_plan", {"backup_plan_name": plan, "rules": _rules(vault, copy_to=dr), "tags": tags})
    assert created["changed"], created
    found = amazon("backup_plan_info", {"backup_plan_names": [plan]})["backup_plans"][0]

    # Outside check mode the module changes nothing: neither does the filter see a difference ...
    same = amazon("backup_plan", {"backup_plan_name": plan, "rules": _rules(vault, copy_to=dr), "tags": tags})
    assert not same["changed"], same
    assert not backup_plan_differs(found, _rules(vault, copy_to=dr), tags)
    # ... where check mode reports the unchanged plan as changed (amazon.aws 10.1): why the filter exists.
    check = amazon("backup_plan", {"backup_plan_name": plan, "rules": _rules(vault, copy_to=dr), "tags": tags}, True)
    assert check["changed"] and not check["backup_plan_arn"], check

    assert backup_plan_differs(found, _rules(vault, days=30, copy_to=dr), tags)
    assert backup_plan_differs(found, _rules(vault), tags)  # the DR copy dropped
    assert backup_plan_differs(found, _rules(vault, copy_to=dr), {**tags, "Owner": "ops"})
    assert backup_plan_differs(found, _rules(vault, copy_to=dr), {"Project": "caseapp"})  # purged tag
    assert not backup_plan_differs(found, _rules(vault, copy_to=dr), {"Project": "caseapp"}, purge_tags=False)
    assert backup_plan_differs(None, _rules(vault), tags)
