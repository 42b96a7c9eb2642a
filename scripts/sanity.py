#!/usr/bin/env python3
"""Run ``ansible-test sanity`` on this checkout.

ansible-test wants the collection at ``…/ansible_collections/platform_ops/aws``; this copies the
tracked (and untracked, not ignored) files there under a temporary directory and runs the tests that
need no containers, on the current Python. Extra arguments go to ansible-test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Outside the checkout (inside it, ansible-test would list files through our git and see none),
# and one per run so that concurrent runs do not remove each other's copy.
DEST = Path(tempfile.mkdtemp(prefix="platform_ops-sanity-")) / "ansible_collections" / "platform_ops" / "aws"
TESTS = [
    "validate-modules",
    "compile",
    "import",
    "yamllint",
    "action-plugin-docs",
    "ansible-doc",
    "empty-init",
    "line-endings",
    "no-assert",
    "no-get-exception",
    "no-illegal-filenames",
    "no-smart-quotes",
    "replace-urlopen",
    "runtime-metadata",
    "shebang",
    "symlinks",
    "use-argspec-type-path",
    "use-compat-six",
]


# ansible-test bootstraps pip into each sanity venv with a get-pip script it downloads from a
# host outside the package registries this project may use. This stand-in does the same job
# with the standard library's ensurepip and then pip-installs the requested pins from PyPI.
GET_PIP_STANDIN = """\
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
"""


def provide_pip_bootstrap() -> None:
    from ansible_test._internal.python_requirements import get_venv_packages  # noqa: PLC0415

    class _Python:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"

    pip_version = get_venv_packages(_Python())["pip"]
    target = Path.home() / ".ansible" / "test" / "cache" / f"get_pip_{pip_version.replace('.', '_')}.py"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(GET_PIP_STANDIN)


def main() -> int:
    provide_pip_bootstrap()
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "plugins", "meta", "galaxy.yml", "README.md", "tests/sanity"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for rel in files:
        src = ROOT / rel
        if src.is_symlink() or not src.is_file():
            continue
        target = DEST / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    # Dependencies (amazon.aws, community.aws) beside us, from the pinned ansible package.
    import ansible_collections.amazon.aws as amazon_aws  # noqa: PLC0415

    bundled = Path(next(iter(amazon_aws.__path__))).resolve().parents[1]
    for namespace in ("amazon", "community"):
        link = DEST.parents[1] / namespace
        if not link.exists():
            link.symlink_to(bundled / namespace)
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    tests = [arg for name in TESTS for arg in ("--test", name)]
    cmd = [
        str(Path(sys.executable).with_name("ansible-test")),
        "sanity",
        "--python",
        py,
        "--color",
        "no",
        *tests,
        *sys.argv[1:],
    ]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(DEST.parents[2]))
    try:
        return subprocess.run(cmd, cwd=DEST, env=env, check=False).returncode
    finally:
        shutil.rmtree(DEST.parents[2], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
