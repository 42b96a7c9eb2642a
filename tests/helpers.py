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


def self_signed_certificate(name: str, sans: list[str] | tuple[str, ...] = (), key=None) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) of a fresh self-signed certificate for ``name`` (and ``sans``).

    Stands for the operator's ISSUED ACM certificate: an imported certificate is ISSUED at once, a
    requested one stays PENDING_VALIDATION (which ELB and CloudFront refuse). ``key`` defaults to RSA 2048.
    """
    import datetime  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in (name, *sans)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


class FakeClock:
    """Injected sleep/clock for waiters: time passes only when the code under test sleeps.
    ``clock()`` and calling the instance both read it; ``sleeps`` records every sleep."""

    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now

    __call__ = clock
