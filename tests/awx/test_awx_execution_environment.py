"""execution-environment.yml: ansible-builder renders a build context that installs this collection.

No image is built (no container runtime, no registry here): `ansible-builder create` renders the
Containerfile and the build context, and ansible-builder's own introspection script computes the
Python requirements the image would install from the collections it would hold.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from awx_support import BIN, ROOT, load_yaml, run

BUILDER = BIN / "ansible-builder"
COLLECTIONS = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections"  # the bundled collections


def _requirements_pins() -> dict:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).split("[")[0].lower()] = match.group(2)
    return pins


@pytest.fixture(scope="module")
def ee() -> dict:
    return load_yaml(ROOT / "execution-environment.yml")


@pytest.fixture(scope="module")
def version() -> str:
    return load_yaml(ROOT / "galaxy.yml")["version"]


@pytest.fixture(scope="module")
def build(tmp_path_factory, version):
    """The collection tarball built into a scratch copy's .local/dist, then `ansible-builder create`."""
    if not BUILDER.exists():
        pytest.fail("ansible-builder is not installed in .venv: requirements-dev.txt must pin ansible-builder==3.2.0")
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(ROOT / "execution-environment.yml", work / "execution-environment.yml")
    dist = work / ".local" / "dist"
    proc = run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(ROOT)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarball = dist / f"platform_ops-aws-{version}.tar.gz"
    assert tarball.is_file(), sorted(p.name for p in dist.iterdir())
    proc = run(
        [
            str(BUILDER),
            "create",
            "-f",
            "execution-environment.yml",
            "-c",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        cwd=work,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"work": work, "context": work / "context", "tarball": tarball, "output": proc.stdout + proc.stderr}


def test_ee_definition_is_schema_v3(ee):
    from ansible_builder.ee_schema import validate_schema

    assert ee["version"] == 3
    validate_schema(json.loads(json.dumps(ee)))  # raises DefinitionError on a bad key or type


def test_containerfile_installs_and_checks_our_collection(build, version):
    containerfile = (build["context"] / "Containerfile").read_text()
    requirements = load_yaml(build["context"] / "_build" / "requirements.yml")
    ours = [c for c in requirements["collections"] if c.get("type") == "file"]
    assert ours == [{"name": f"/build/platform_ops/platform_ops-aws-{version}.tar.gz", "type": "file"}]
    # The tarball is in the context where the galaxy stage (COPY _build /build) finds it.
    copied = build["context"] / "_build" / "platform_ops" / f"platform_ops-aws-{version}.tar.gz"
    assert copied.read_bytes() == build["tarball"].read_bytes()
    assert "COPY _build /build" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "RUN ansible-doc platform_ops.aws.compliance_audit" in containerfile
    assert "No matches" not in build["output"]


def test_ee_pins_agree_with_the_control_node(ee, version):
    """The EE runs what the CLI runs: requirements.txt's ansible-core and boto3, the bundled collections."""
    pins = _requirements_pins()
    deps = ee["dependencies"]
    assert deps["ansible_core"]["package_pip"] == f"ansible-core=={pins['ansible-core']}"
    assert f"boto3=={pins['boto3']}" in deps["python"]
    assert f"botocore=={pins['botocore']}" in deps["python"]
    assert re.fullmatch(r"ansible-runner==\d+\.\d+\.\d+", deps["ansible_runner"]["package_pip"])
    galaxy = {c["name"]: c.get("version") for c in deps["galaxy"]["collections"]}
    for name in ("amazon.aws", "community.aws", "community.postgresql", "awx.awx"):
        namespace, collection = name.split(".")
        bundled = json.loads((COLLECTIONS / namespace / collection / "MANIFEST.json").read_text())
        assert galaxy[name] == f"=={bundled['collection_info']['version']}", name
    tarball = f"platform_ops-aws-{version}.tar.gz"
    assert f"/build/platform_ops/{tarball}" in galaxy, "bump the tarball name with galaxy.yml's version"
    assert ee["additional_build_files"] == [{"src": f".local/dist/{tarball}", "dest": "platform_ops"}]


def test_image_python_requirements(build, tmp_path):
    """ansible-builder's introspection over the collections the image would hold: boto3 pinned, and
    nothing of the control node's requirements.txt (the ansible bundle, moto) leaks in."""
    collections = tmp_path / "collections"
    proc = run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "-p",
            str(collections),
            str(build["tarball"]),
        ]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("amazon/aws", "community/aws", "community/postgresql", "awx/awx"):
        target = collections / "ansible_collections" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(COLLECTIONS / name)
    context = build["context"] / "_build"
    out = tmp_path / "requirements.txt"
    proc = run(
        [
            sys.executable,
            str(context / "scripts" / "introspect.py"),
            "introspect",
            str(collections),
            f"--user-pip={context / 'requirements.txt'}",
            f"--exclude-pip-reqs={context / 'exclude-requirements.txt'}",
            f"--exclude-collection-reqs={context / 'exclude-collections.txt'}",
            f"--write-pip={out}",
        ]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = yaml.safe_load(proc.stdout)
    reqs = [line.split("#")[0].strip() for line in data["python"]]
    assert "boto3==1.44.5" in reqs and "botocore==1.44.5" in reqs
    assert "awxkit" in reqs  # awx.awx's own requirement still comes through
    leaked = [r for r in reqs if re.match(r"^(ansible|moto|werkzeug|pytest)\b", r, re.I)]
    assert not leaked, f"the image would install {leaked}"
