"""Loaders shared by the tests of the AWX job templates (awx/*.yml), the EE and the compliance playbook."""

from __future__ import annotations

import importlib
import io
import os
import re
import subprocess
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from tests.helpers import BIN, ROOT

# A closed loopback port: if the render mode made any AWX call, it would fail.
NO_AWX = "http://127.0.0.1:9"
FAKE_TOKEN = "tok-3f9a7c1d-not-a-real-token"
FAKE_SECRET = "sk-8d2e6b4a-not-a-real-secret"

SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text())


def awx_data() -> dict:
    """Every variable of awx/*.yml, as playbooks/awx_configure.yml loads them (vars_files)."""
    data: dict = {}
    for name in ("project.yml", "inventories.yml", "job_templates.yml", "workflows.yml"):
        data.update(load_yaml(ROOT / "awx" / name))
    return data


def imported_playbooks(playbook: Path) -> list[Path]:
    """The playbook and every playbook it imports, recursively (import_playbook)."""
    seen: list[Path] = []

    def walk(path: Path) -> None:
        path = path.resolve()
        if path in seen:
            return
        seen.append(path)
        for entry in load_yaml(path) or []:
            target = entry.get("ansible.builtin.import_playbook") or entry.get("import_playbook")
            if target:
                walk(path.parent / target)

    walk(playbook)
    return seen


def _collect_tags(node, tags: set[str]) -> None:
    """Tags of plays, imports, blocks, tasks and role entries in one parsed playbook."""
    if isinstance(node, list):
        for item in node:
            _collect_tags(item, tags)
        return
    if not isinstance(node, dict):
        return
    value = node.get("tags")
    if isinstance(value, str):
        tags.update(t.strip() for t in value.split(","))
    elif isinstance(value, list):
        tags.update(str(t) for t in value)
    for key in ("pre_tasks", "tasks", "post_tasks", "handlers", "roles", "block", "rescue", "always"):
        _collect_tags(node.get(key), tags)


def playbook_tags(playbook: Path) -> set[str]:
    """Every tag that exists in the playbook and the playbooks it imports."""
    tags: set[str] = set()
    for path in imported_playbooks(playbook):
        _collect_tags(load_yaml(path), tags)
    tags.discard("always")
    return tags


def usage_comment(playbook: Path) -> str:
    """The leading comment block of a playbook: its usage lines."""
    lines = []
    for line in playbook.read_text().splitlines():
        if line.strip() == "---":
            continue
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines)


def readme_public_variables() -> set[str]:
    """First-column names of the table under README.md's "## Public variables" heading."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n## Public variables", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_][a-z0-9_]*)` \|", section, re.M))


def platform_default_keys() -> set[str]:
    """The public variables with a collection default (roles/platform/defaults/main.yml)."""
    return set((load_yaml(ROOT / "roles" / "platform" / "defaults" / "main.yml") or {}).keys())


def ansible_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
    )
    for key in ("CONTROLLER_HOST", "CONTROLLER_OAUTH_TOKEN", "TOWER_HOST", "TOWER_OAUTH_TOKEN"):
        env.pop(key, None)
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path = ROOT, timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd, cwd=cwd, env=ansible_env(**env), capture_output=True, text=True, timeout=timeout, check=False
    )


# --- The awx.awx modules' own argument validation, run in-process without a controller ---------


class _Stop(Exception):
    """Raised instead of the first HTTP request: the module accepted its arguments."""


def _awx_module(name: str):
    return importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{name}")


def module_argument_spec(name: str) -> dict:
    """The module's full argument spec (its own options plus the controller auth options)."""
    from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerModule

    module = _awx_module(name)
    captured: dict = {}

    def capture(self, argument_spec=None, **kwargs):
        captured.update(ControllerModule.AUTH_ARGSPEC)
        captured.update(argument_spec)
        raise _Stop

    with mock.patch.object(module.ControllerAPIModule, "__init__", capture), pytest.raises(_Stop):
        module.main()
    return captured


def validate_module_args(name: str, args: dict) -> None:
    """Run the module with these arguments up to its first request to the controller."""
    module = _awx_module(name)
    full = {"controller_host": NO_AWX, "controller_oauthtoken": FAKE_TOKEN, "validate_certs": True, **args}
    out = io.StringIO()
    with (
        patch_module_args(full),
        mock.patch.object(module.ControllerAPIModule, "make_request", side_effect=_Stop),
        redirect_stdout(out),
    ):
        try:
            module.main()
        except _Stop:
            return
        except SystemExit:
            pytest.fail(f"awx.awx.{name} refused {sorted(args)}: {out.getvalue()}")
    pytest.fail(f"awx.awx.{name} returned without calling the controller: {out.getvalue()}")
