"""Inventory wins (issue 16): a public variable set anywhere in an inventory, or with -e, reaches the plays.

The collection's defaults are role defaults (roles/platform/defaults/main.yml), the lowest precedence
Ansible has; every play loads them by importing the platform role first. Each place an operator (or AWX)
puts a variable gets a distinctive value that the run's first checks refuse and name, before any AWS
request: had the collection's defaults outranked the place, the value would have been replaced without a
word and the run would have gone on. Every playbook an AWX template runs is checked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import api_operations, operations_delta
from tests.helpers import ROOT, playbook

pytestmark = [pytest.mark.xdist_group("preflight")]

# A platform that needs nothing from the local inventory: its name, region and CIDR are its own.
BASE = {
    "platform_name": "prec",
    "platform_env": "dev",
    "platform_region": "eu-central-1",
    "platform_vpc_cidr": "10.61.0.0/16",
    "platform_aws_access_key": "testing",
    "platform_aws_secret_key": "testing",
    "platform_image_tag": "2026.12.05-prec",
    "platform_services": [
        {"name": "api", "port": 8000, "cpu": 256, "memory": 512, "health_path": "/health", "public": True}
    ],
}
HOST = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}

# One variable per place, each with a value the checks refuse and print.
PLACES = {
    "group_vars/all": ("platform_az_count", 7),
    "group_vars/platform": ("compliance_severity_threshold", "sev-from-group-vars-platform"),
    "host_vars": ("healthcheck_wait_timeout", "hv-not-a-number"),
    "inventory variables (AWX)": ("migrate_wait_timeout", "awx-not-a-number"),
    "-e": ("rollout_poll_interval", "extra-not-a-number"),
}


def _inventory(root: Path, *, places=True, base_in="group_vars/platform", drop=(), **extra) -> Path:
    """An inventory in ``root``: hosts.yml (group platform, host control), group_vars/all,
    group_vars/platform and host_vars/control. BASE (minus ``drop``) goes in ``base_in``, ``extra`` in
    group_vars/all, and with ``places`` each PLACES value in its place."""
    value = {place: ({name: value} if places else {}) for place, (name, value) in PLACES.items()}
    gv_all = {**value["group_vars/all"], **extra}
    gv_platform = dict(value["group_vars/platform"])
    (gv_all if base_in == "group_vars/all" else gv_platform).update(
        {k: v for k, v in BASE.items() if k not in drop and k not in extra}
    )
    hosts = {"platform": {"hosts": {"control": HOST}}}
    if places:
        hosts["all"] = {"vars": value["inventory variables (AWX)"]}
    for rel, data in {
        "hosts.yml": hosts,
        "group_vars/all/main.yml": gv_all,
        "group_vars/platform/main.yml": gv_platform,
        "host_vars/control.yml": value["host_vars"],
    }.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=True))
    return root


def _refused(moto_endpoint, play, inventory, *args):
    before = api_operations(moto_endpoint)
    run = playbook(
        moto_endpoint,
        play,
        "-e",
        f"platform_aws_endpoint_url={moto_endpoint}",
        *args,
        inventory=str(inventory),
        timeout=300,
    )
    assert run.returncode != 0, run.tail()
    assert operations_delta(before, api_operations(moto_endpoint)) == {}, "must fail before any AWS request"
    return run.output


@pytest.mark.parametrize(
    "play",
    [
        "deploy.yml",
        "playbooks/rollout.yml",
        "playbooks/migrate.yml",
        "playbooks/healthcheck.yml",
        "playbooks/compliance.yml",
        "playbooks/outputs.yml",
    ],
)
def test_a_value_set_in_any_inventory_place_or_with_extra_vars_reaches_the_plays(moto_endpoint, tmp_path, play):
    inventory = _inventory(tmp_path)
    name, value = PLACES["-e"]
    output = _refused(moto_endpoint, play, inventory, "-e", f"{name}={value}")
    for place, (name, value) in PLACES.items():
        assert name in output and str(value) in output, f"{name} set in {place} did not reach {play}:\n{output[-3000:]}"


def test_the_platform_variables_may_all_live_in_group_vars_all(moto_endpoint, tmp_path):
    """The most common layout (and AWX's): everything in group_vars/all. Its CIDR, not the collection's
    default, is the one the checks see: a CIDR the platform refuses is named."""
    inventory = _inventory(tmp_path, places=False, base_in="group_vars/all", platform_vpc_cidr="10.61.0.0/12")
    output = _refused(moto_endpoint, "deploy.yml", inventory)
    assert "10.61.0.0/12" in output, output[-3000:]


def test_a_run_that_creates_or_rolls_out_services_needs_an_image_tag(moto_endpoint, tmp_path):
    """platform_image_tag has no default (no `latest`): deploy, provision, rollout and migrate refuse to
    start without it, naming the services, before any AWS request."""
    inventory = _inventory(tmp_path, places=False, drop=("platform_image_tag",))
    for play, args in [
        ("deploy.yml", ()),
        ("deploy.yml", ("--tags", "ecs_service")),
        ("deploy.yml", ("--tags", "image_gate")),
        ("playbooks/rollout.yml", ()),
        ("playbooks/migrate.yml", ()),
    ]:
        output = _refused(moto_endpoint, play, inventory, *args)
        assert "platform_image_tag is not set and api set no image_tag" in output, (play, args, output[-3000:])
    # A run that creates no service needs no tag: it gets past the checks (on to its first AWS call).
    for play, args in [("deploy.yml", ("--tags", "outputs")), ("playbooks/compliance.yml", ("--check",))]:
        run = playbook(
            moto_endpoint,
            play,
            "-e",
            f"platform_aws_endpoint_url={moto_endpoint}",
            *args,
            inventory=str(inventory),
            timeout=600,
        )
        assert "platform_image_tag is not set" not in run.output, (play, args, run.tail())
        assert "platform_ops.aws.platform : Note which region is active" in run.output, run.tail()


def test_every_play_loads_the_platform_defaults_first():
    """Each play on the platform's hosts imports platform_ops.aws.platform before anything else (its
    main entry point checks the variables; `tasks_from: defaults` only loads them)."""
    plays = 0
    for path in sorted((ROOT / "playbooks").rglob("*.yml")):
        documents = yaml.safe_load(path.read_text())
        if not isinstance(documents, list):
            continue
        for play in documents:
            if not isinstance(play, dict) or play.get("hosts") not in ("platform", "platform_dr"):
                continue
            plays += 1
            first = (play.get("pre_tasks") or play.get("tasks") or [{}])[0]
            assert first.get("ansible.builtin.import_role", {}).get("name") == "platform_ops.aws.platform", (
                f"{path.relative_to(ROOT)}: play {play.get('name')!r} does not import platform_ops.aws.platform first"
            )
    assert plays >= 20
    assert not (ROOT / "group_vars").exists() and not (ROOT / "playbooks" / "group_vars").exists(), (
        "playbook group_vars outrank the inventory's group_vars/all: the defaults belong in roles/platform/defaults"
    )
