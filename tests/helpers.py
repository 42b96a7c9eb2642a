"""Run ansible-playbook / molecule from tests and read their results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "scripts"))
import local_ecr  # noqa: E402
import local_stack  # noqa: E402

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass
class Run:
    returncode: int
    output: str

    @property
    def recap(self) -> dict:
        matches = RECAP.findall(self.output)
        if not matches:
            return {}
        _, ok, changed, unreachable, failed = matches[-1]
        return {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed)}

    def changed_tasks(self) -> list[str]:
        """Names of tasks that reported changed (for a readable idempotence failure)."""
        names, current = [], None
        for line in self.output.splitlines():
            if line.startswith("TASK ["):
                current = line[6 : line.rfind("]")]
            elif line.startswith("changed:") and current and current not in names:
                names.append(current)
        return names

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def ansible_env(endpoint: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        PLATFORM_AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    env.update(extra)
    return env


def playbook(
    endpoint: str,
    playbook_path: str,
    *args: str,
    inventory: str = "inventories/local",
    cwd: Path = ROOT,
    timeout: int = 900,
    env: dict | None = None,
) -> Run:
    cmd = [str(BIN / "ansible-playbook"), playbook_path, "-i", str(ROOT / inventory), *args]
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=ansible_env(endpoint, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr)


def push_images(endpoint: str, inventory_or_names: str | list[str], tag: str, region: str | None = None) -> list[str]:
    """The local `docker push` (scripts/local_ecr.py, as `local_stack.py push-images`): the image ``tag``
    into every service repository of an inventory (a path, relative to the checkout), or into the
    repositories named. The repositories must exist (`deploy.yml --tags repositories`); tags already
    pushed are skipped. ``region`` defaults to the inventory's (us-east-1 for names)."""
    if isinstance(inventory_or_names, str):
        inventory_region, names, _ = local_stack.inventory_images(inventory_or_names)
        region = region or inventory_region
    else:
        names = list(inventory_or_names)
    return local_ecr.push_images(endpoint, region or "us-east-1", names, tag)
