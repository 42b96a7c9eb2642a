"""The image recipe: what the Dockerfile promises, and that the app runs from only the files it copies.

No Docker daemon is needed: the checks read the Dockerfile and run the app from a copy of exactly the
files the image contains (alembic.ini, migrations/, app/), asserting nothing is written there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from app_support import APP_DIR, alembic

DOCKERFILE = (APP_DIR / "Dockerfile").read_text()
IMAGE_FILES = ["alembic.ini", "migrations", "app"]


def test_dockerfile_contract():
    stages = re.findall(r"(?m)^FROM\s+\S+\s+AS\s+(\w+)", DOCKERFILE)
    assert stages == ["builder", "runtime"]
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    assert "pip" not in runtime  # nothing is installed in the runtime stage
    assert re.search(r"(?m)^USER 10001:10001$", runtime)
    assert "--uid 10001" in runtime
    assert re.search(r"(?m)^EXPOSE 8000$", runtime)
    assert re.search(r"(?m)^HEALTHCHECK .*", runtime) and "/health/live" in runtime
    assert re.search(r'(?m)^CMD \["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"', runtime)
    assert "PYTHONDONTWRITEBYTECODE=1" in runtime and "HOME=/tmp" in runtime
    copied = re.findall(r"(?m)^COPY (?!--from)(\S+)", runtime)
    assert sorted(copied) == sorted(IMAGE_FILES)
    # The runtime needs exactly the pinned requirements.
    pins = [
        line for line in (APP_DIR / "requirements.txt").read_text().splitlines() if line and not line.startswith("#")
    ]
    assert all("==" in pin for pin in pins)
    assert {pin.split("==")[0].split("[")[0] for pin in pins} >= {
        "fastapi",
        "uvicorn",
        "sqlalchemy",
        "alembic",
        "psycopg",
        "boto3",
    }


def test_dockerignore_keeps_the_build_context_small():
    ignored = (APP_DIR / ".dockerignore").read_text().splitlines()
    for pattern in ("**/__pycache__", ".venv", ".env", "tests"):
        assert pattern in ignored
    for needed in [*IMAGE_FILES, "requirements.txt"]:
        assert needed not in ignored


def _snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def _image_copy() -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="caseapp-image-"))
    for name in IMAGE_FILES:
        src = APP_DIR / name
        if src.is_dir():
            shutil.copytree(src, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, workdir / name)
    for path in [workdir, *workdir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return workdir


def test_runs_from_the_image_files_alone_without_writing(database_url, start_app):
    workdir = _image_copy()
    try:
        before = _snapshot(workdir)
        # The migration task runs `alembic upgrade head` in the image's WORKDIR.
        proc = alembic(
            database_url, "upgrade", "head", cwd=workdir, env={"PYTHONDONTWRITEBYTECODE": "1", "HOME": "/tmp"}
        )
        assert "Running upgrade 0001 -> 0002" in proc.stderr
        app = start_app({"DATABASE_URL": database_url, "HOME": "/tmp"}, cwd=workdir)
        assert app.get("/health")[0] == 200
        assert app.post("/cases", {"title": "from the image"})[0] == 201
        assert _snapshot(workdir) == before, "the app wrote into its WORKDIR"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _uid_can_run_python(uid: int) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import fastapi, sqlalchemy, psycopg"],
        user=uid,
        group=uid,
        extra_groups=[],
        cwd="/",
        capture_output=True,
        check=False,
        env={"HOME": "/tmp", "PATH": os.environ.get("PATH", "")},
    )
    return probe.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to uid 10001 needs root")
def test_runs_as_uid_10001_with_nothing_writable(migrated_url, start_app):
    """As in the image: uid 10001 owns nothing, so any write outside /tmp would fail."""
    try:
        usable = _uid_can_run_python(10001)
    except PermissionError:
        usable = False
    if not usable:
        pytest.skip(f"uid 10001 cannot execute this interpreter ({sys.executable}: a parent directory is private)")
    workdir = _image_copy()
    try:
        app = start_app(
            {"DATABASE_URL": migrated_url, "HOME": "/tmp"}, cwd=workdir, user=10001, group=10001, extra_groups=[]
        )
        assert app.get("/health")[0] == 200
        assert app.post("/cases", {"title": "as 10001"})[0] == 201
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
