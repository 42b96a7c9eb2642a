"""Every play a deploy runs before its compliance audit marks the run as changed when any of its tasks changes
something: the audit reuses the run's earlier reads only when no task did (playbooks/compliance.yml,
roles/platform/handlers/main.yml). A task left without the notify could write after a read the audit then takes as
current, so each top-level task of those plays must notify "platform run changed" (a block's or an import's
notify reaches every task inside it)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
HANDLER = "platform run changed"
SECTIONS = ("pre_tasks", "tasks", "post_tasks", "handlers")


def _plays(path, seen=None):
    """The plays ``path`` runs, imports followed, up to the compliance audit (which reads, never writes)."""
    seen = seen if seen is not None else []
    for entry in yaml.safe_load(path.read_text()) or []:
        imported = entry.get("ansible.builtin.import_playbook") or entry.get("import_playbook")
        if imported:
            if Path(imported).name == "compliance.yml":
                return seen, True
            _, stop = _plays((path.parent / imported).resolve(), seen)
            if stop:
                return seen, True
            continue
        seen.append((path, entry))
    return seen, False


def _notifies(task):
    notify = task.get("notify") or []
    return HANDLER in ([notify] if isinstance(notify, str) else notify)


def test_every_play_before_the_audit_marks_the_run_changed():
    plays, reached_audit = _plays(PLAYBOOKS / "deploy.yml")
    assert reached_audit, "deploy.yml no longer imports compliance.yml"
    assert len(plays) >= 6
    missing = []
    for path, play in plays:
        assert "roles" not in play, f"{path.name}: {play['name']} uses roles:, which cannot notify"
        imports = [t for t in play.get("pre_tasks") or [] if "ansible.builtin.import_role" in t]
        assert any(t["ansible.builtin.import_role"]["name"] == "platform_ops.aws.platform" for t in imports), (
            f"{path.name}: {play['name']} does not import the platform role, whose handler marks the run"
        )
        for section in ("pre_tasks", "tasks", "post_tasks"):
            for task in play.get(section) or []:
                if not _notifies(task):
                    missing.append(f"{path.name}: {play['name']} / {section} / {task.get('name')}")
    assert not missing, "tasks that do not notify '" + HANDLER + "':\n" + "\n".join(missing)


def test_the_handler_marks_the_primary_host_for_every_tag():
    handlers = yaml.safe_load((ROOT / "roles/platform/handlers/main.yml").read_text())
    (handler,) = [h for h in handlers if h.get("listen") == HANDLER]
    assert handler["ansible.builtin.set_fact"] == {"platform_run_changed": True}
    assert handler["delegate_facts"] is True and "platform_dr_primary_host" in handler["delegate_to"]
    assert "always" in handler["tags"]


def test_the_audit_reuses_reads_only_when_the_run_is_not_marked():
    (play,) = yaml.safe_load((PLAYBOOKS / "compliance.yml").read_text())
    (audit,) = [t for t in play["tasks"] if "platform_ops.aws.compliance_audit" in t]
    assert audit["platform_ops.aws.compliance_audit"]["reuse_run_reads"] == (
        "{{ not (platform_run_changed | default(false) | bool) and 'always' not in ansible_skip_tags }}"
    )


def test_the_audit_action_collects_every_registered_aws_read_result():
    from ansible_collections.platform_ops.aws.plugins.action.compliance_audit import run_reads

    read = {"changed": False, "calls": [{"id": "a"}], "responses": {"a": {"X": 1}}, "missing": [], "invocation": {}}
    looped = {"results": [dict(read, item="one"), {"skipped": True}], "changed": False}
    task_vars = {
        "__storage_bucket_read": read,
        "__services": looped,
        "platform_name": "caseapp",
        "__other": {"responses": {"a": 1}},  # not an aws_read result (no calls)
        "hostvars": object(),
    }
    assert run_reads(task_vars) == [
        {"calls": [{"id": "a"}], "responses": {"a": {"X": 1}}},
        {"calls": [{"id": "a"}], "responses": {"a": {"X": 1}}},
    ]
