"""playbooks/healthcheck.yml: which components each public service's health report must list as healthy.

Default: per service, every component its spec ``uses`` among database, cache, storage and search (``uses``
unset: all four); ``healthcheck_required_components`` (a list) applies to every service instead. The real
task of the playbook runs (extracted from the file) against a local HTTP server serving the reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
TASK = "Ensure every public service reports itself healthy"

REPORTS = {
    # backend uses everything (no `uses`): its cache is not configured
    "/health": {"database": "ok", "cache": "skipped", "storage": "ok", "search": "ok"},
    # media uses database, cache and storage: search skipped is fine
    "/media/health": {"database": "ok", "cache": "ok", "storage": "ok", "search": "skipped"},
    # nothing used: every component skipped
    "/none/health": {"database": "skipped", "cache": "skipped", "storage": "skipped", "search": "skipped"},
}
SERVICES = [
    {"name": "backend", "public": True},
    {"name": "media", "public": True, "uses": ["database", "cache", "storage"]},
    {"name": "worker", "uses": ["database"]},
    {"name": "none", "public": True, "uses": []},
]


class _Reports(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = json.dumps({"status": "ok", "components": REPORTS.get(self.path, {})}).encode()
        self.send_response(200 if self.path in REPORTS else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Reports)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def playbook(tmp_path_factory):
    """A play with the healthcheck playbook's vars and its component task (the file's own expressions)."""
    play = yaml.safe_load((ROOT / "playbooks" / "healthcheck.yml").read_text())[0]
    task = next(t for t in play["tasks"] if t.get("name") == TASK)
    task = {**task, "ignore_errors": True}  # the test reads each item's result
    report = {
        "name": "Show the required components of each service",
        "ansible.builtin.debug": {
            "msg": "RESULT {{ dict(__healthcheck.results | map(attribute='item.service')"
            " | zip(__healthcheck.results | map(attribute='failed', default=false))) | to_json }}"
        },
    }
    path = tmp_path_factory.mktemp("healthcheck") / "play.yml"
    path.write_text(
        yaml.safe_dump(
            [{"hosts": "localhost", "gather_facts": False, "vars": play["vars"], "tasks": [task, report]}],
            sort_keys=False,
        )
    )
    return path


def _run(playbook: Path, base_url: str, *extra: str) -> dict:
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="default")
    extra_vars = {
        "platform_name": "caseapp",
        "platform_env": "local",
        "platform_services": SERVICES,
        "healthcheck_base_url": base_url,
        "healthcheck_urls": {},
        "healthcheck_wait_timeout": 1,
        "healthcheck_validate_certs": True,
    }
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), str(playbook), "-e", json.dumps(extra_vars), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    line = next(line for line in proc.stdout.splitlines() if "RESULT " in line)
    text = line.split("RESULT ", 1)[1]
    return json.loads(text[: text.rindex("}") + 1].replace('\\"', '"'))


def test_default_requires_what_each_service_uses(playbook, base_url):
    # backend uses the cache (uses unset: all) and reports it skipped: it fails; media does not use
    # search; a service that uses nothing requires nothing; worker is not public (not polled).
    assert _run(playbook, base_url) == {"backend": True, "media": False, "none": False}


def test_a_list_applies_to_every_service(playbook, base_url):
    assert _run(playbook, base_url, "-e", '{"healthcheck_required_components": ["database"]}') == {
        "backend": False,
        "media": False,
        "none": True,
    }
    assert _run(playbook, base_url, "-e", '{"healthcheck_required_components": []}') == {
        "backend": False,
        "media": False,
        "none": False,
    }
