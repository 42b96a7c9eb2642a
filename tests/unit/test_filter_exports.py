"""The filters the collection exports (issue 16): only what a role or a playbook uses, each named after the
role that uses it (``platform_`` when several roles or the playbooks share it), each documented, and
docs/filters.md current."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import filter_docs  # noqa: E402


def _users() -> dict[str, set[str]]:
    """{filter: the roles (or "playbooks") whose tasks, templates or plays use it}."""
    filters = filter_docs.exported()
    users = {name: set() for name in filters}
    files = [p for p in (ROOT / "roles").rglob("*") if p.suffix in (".yml", ".yaml", ".j2")]
    files += [p for p in (ROOT / "playbooks").rglob("*") if p.suffix in (".yml", ".yaml", ".j2")]
    files.append(ROOT / "deploy.yml")
    pattern = re.compile(r"platform_ops\.aws\.(\w+)")
    for path in files:
        where = path.relative_to(ROOT).parts[1] if path.relative_to(ROOT).parts[0] == "roles" else "playbooks"
        for name in pattern.findall(path.read_text()):
            if name in users:
                users[name].add(where)
    return users


def test_every_exported_filter_is_used_by_a_role_or_a_playbook():
    unused = sorted(name for name, where in _users().items() if not where)
    assert unused == [], f"exported but used by no role or playbook: {unused}"


def test_every_filter_is_named_after_the_role_that_uses_it():
    wrong = {}
    for name, where in _users().items():
        role = filter_docs.owner(name)
        expected = next(iter(where)) if len(where) == 1 and "playbooks" not in where else "platform"
        if role != expected:
            wrong[name] = sorted(where)
    assert wrong == {}, f"filters not named <role>_ after their one role, or platform_ when shared: {wrong}"


def test_every_filter_is_documented_and_the_docs_are_current():
    undocumented = sorted(name for name, (_, function) in filter_docs.exported().items() if not function.__doc__)
    assert undocumented == []
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "filter_docs.py"), "--check"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert (ROOT / "docs" / "filters.md").read_text().count("- **`platform_ops.aws.") == len(filter_docs.exported())
