"""The collection as a collection: ansible-test sanity, a clean build, module docs."""

from __future__ import annotations

import subprocess
import sys
import tarfile

import pytest

from tests.helpers import BIN, ROOT


@pytest.mark.slow
def test_ansible_test_sanity():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sanity.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = proc.stdout + proc.stderr
    errors = [line for line in output.splitlines() if line.startswith(("ERROR", "FATAL"))]
    assert proc.returncode == 0, "\n".join(errors or output.splitlines()[-40:])


def test_build_is_clean(tmp_path):
    proc = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (tarball,) = tmp_path.glob("platform_ops-aws-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    for forbidden in (".venv", ".local", ".git/", "__pycache__", ".pytest_cache", ".ansible/"):
        assert not any(forbidden in name for name in names), f"{forbidden} leaked into the tarball"
    for required in ("MANIFEST.json", "meta/runtime.yml", "roles/network/meta/argument_specs.yml", "deploy.yml"):
        assert any(name.endswith(required) for name in names), f"{required} missing from the tarball"


def test_every_module_renders_with_ansible_doc():
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    proc = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", *[f"platform_ops.aws.{m}" for m in modules]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for module in modules:
        assert f"platform_ops.aws.{module}" in proc.stdout


def test_every_role_renders_its_argument_specs():
    roles = sorted(p.parent.parent.name for p in (ROOT / "roles").glob("*/meta/argument_specs.yml"))
    assert "network" in roles
    for role in roles:
        proc = subprocess.run(
            [str(BIN / "ansible-doc"), "-t", "role", f"platform_ops.aws.{role}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0 and "ENTRY POINT: main" in proc.stdout.replace("\x1b[1m", "").replace(
            "\x1b[0m", ""
        ), proc.stderr


def test_action_group_lists_every_aws_module():
    import yaml

    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    entries = {entry for entry in runtime["action_groups"]["aws"] if isinstance(entry, str)}
    # Our entries are exactly the modules that talk to AWS (AnsibleAWSModule): http_health_check talks to an app and
    # report_files writes local files, so region/endpoint defaults must not reach them. The others are the
    # amazon.aws and community.aws modules the collection calls, by name (tests/unit/test_action_group.py).
    group = {entry for entry in entries if "." not in entry}
    upstream = entries - group
    assert upstream and all(entry.startswith(("amazon.aws.", "community.aws.")) for entry in upstream), upstream
    modules = {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if "AnsibleAWSModule(" in p.read_text()}
    assert group == modules
    assert {"http_health_check", "report_files"}.isdisjoint(group)
