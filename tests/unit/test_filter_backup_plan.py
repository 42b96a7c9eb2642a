"""platform_ops.aws.backup_plan_differs against amazon.aws's own backup_plan and backup_plan_info on the moto
server: the filter must answer what the module itself decides outside check mode."""

from __future__ import annotations

import importlib
import io
import json
import uuid
from contextlib import redirect_stdout

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args
from ansible_collections.platform_ops.aws.plugins.filter.platform import backup_plan_differs


@pytest.fixture
def amazon(moto_endpoint):
    def run(name: str, args: dict, check_mode: bool = False) -> dict:
        module = importlib.import_module(f"ansible_collections.amazon.aws.plugins.modules.{name}")
        full = {"region": "us-east-1", "endpoint_url": moto_endpoint, "access_key": "testing", "secret_key": "testing"}
        full.update(args, _ansible_check_mode=check_mode)
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        out = io.StringIO()
        with patch_module_args(full), redirect_stdout(out), pytest.raises(SystemExit):
            module.main()
        return json.loads(out.getvalue())

    return run


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
