"""meta/runtime.yml's action group `aws` (the plays' `module_defaults: group/platform_ops.aws.aws`) lists every
module the roles, playbooks and molecule scenarios call: a module left out would run without the play's region,
endpoint and credentials. And every entry is a module that exists."""

from __future__ import annotations

import re
from pathlib import Path

import ansible_collections.amazon.aws as amazon_aws
import ansible_collections.community.aws as community_aws
import yaml

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = re.compile(r"^(amazon|community)\.aws\.([a-z0-9_]+)$")
OURS = re.compile(r"^platform_ops\.aws\.([a-z0-9_]+)$")
# Our modules that make no AWS call (an HTTP GET, local report files): not in the group.
NOT_AWS = {"http_health_check", "report_files"}
COLLECTIONS = {"amazon": Path(next(iter(amazon_aws.__path__))), "community": Path(next(iter(community_aws.__path__)))}


def _group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    return [entry for entry in runtime["action_groups"]["aws"] if isinstance(entry, str)]


def _keys(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            if key == "action" and isinstance(value, str):
                yield value
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def _used_modules():
    files = [*ROOT.glob("roles/*/tasks/*.yml"), *ROOT.glob("roles/*/handlers/*.yml"), *ROOT.glob("playbooks/**/*.yml")]
    files += [*ROOT.glob("molecule/*/*.yml"), *ROOT.glob("*.yml")]
    used = set()
    for path in files:
        for document in yaml.safe_load_all(path.read_text()):
            for key in _keys(document):
                if isinstance(key, str) and (UPSTREAM.match(key) or OURS.match(key)):
                    used.add(key)
    return used


def test_every_module_the_collection_calls_is_in_the_group():
    group = set(_group())
    ours = {path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__"}
    missing = set()
    for name in _used_modules():
        short = OURS.match(name)
        if short:
            if short.group(1) in ours - NOT_AWS and short.group(1) not in group:
                missing.add(name)
        elif name not in group:
            missing.add(name)
    assert not missing, f"add to meta/runtime.yml action_groups.aws: {sorted(missing)}"
    assert len(_used_modules()) > 40


def test_every_module_of_ours_is_in_the_group():
    ours = {path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__"}
    assert ours - NOT_AWS - set(_group()) == set()


def test_every_entry_is_a_module_that_exists():
    for entry in _group():
        match = UPSTREAM.match(entry)
        if match:
            assert (COLLECTIONS[match.group(1)] / "plugins" / "modules" / f"{match.group(2)}.py").is_file(), entry
        else:
            assert (ROOT / "plugins" / "modules" / f"{entry}.py").is_file(), entry
