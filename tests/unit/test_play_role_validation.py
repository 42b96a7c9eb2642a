"""The playbooks import and include the roles with `rolespec_validate: false`: the run's first play checks the
public variables' types (the platform role's spec) and every role variable the inventory sets (each against its
role's spec) once, in roles/platform/tasks/checks.yml, before any AWS call (tests/e2e/test_preflight.py). Ansible's
own check in front of every role import would repeat it some twenty times a run, each a forked worker."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLE_ACTIONS = {"import_role", "include_role", "ansible.builtin.import_role", "ansible.builtin.include_role"}


def _role_tasks(node, where):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ROLE_ACTIONS and isinstance(value, dict):
                yield where, value
            else:
                yield from _role_tasks(value, where)
    elif isinstance(node, list):
        for item in node:
            yield from _role_tasks(item, where)


def test_every_play_imports_its_roles_without_ansible_s_per_import_check():
    found, unchecked = 0, []
    for path in sorted(ROOT.glob("playbooks/**/*.yml")):
        for where, args in _role_tasks(yaml.safe_load(path.read_text()), path.relative_to(ROOT)):
            found += 1
            if args.get("rolespec_validate") is not False:
                unchecked.append(f"{where}: {args.get('name')}")
    assert found > 50
    assert unchecked == [], f"set rolespec_validate: false (checks.yml checks once per run): {unchecked}"


def test_the_run_s_first_check_validates_the_public_variables_against_the_platform_spec():
    checks = yaml.safe_load((ROOT / "roles/platform/tasks/checks.yml").read_text())
    first = checks[0]
    assert first["ansible.builtin.validate_argument_spec"]["argument_spec"].endswith(
        "argument_specs.main.options }}"
    ), first
    assert "always" in first["tags"]
    # and the role variables the inventory sets, against their roles' specs
    assert any(
        "ansible.builtin.validate_argument_spec" in task and "__platform_role_checks" in str(task.get("loop", ""))
        for task in checks
    )
