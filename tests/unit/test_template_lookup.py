"""plugins/lookup/template.py: renders exactly what ansible.builtin.template renders (same search path, options
and added variables), never deep-copies the host's variables, and leaves them as they were."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from ansible_collections.platform_ops.aws.plugins.lookup import template

ROOT = Path(__file__).resolve().parents[2]

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    stack_name: platform
    parts: [a, b]
  tasks:
    - name: Render with both lookups
      ansible.builtin.set_fact:
        ours: "{{ lookup('platform_ops.aws.template', 'doc.json.j2', template_vars={'extra': 'x'}) | from_json }}"
        builtin: "{{ lookup('ansible.builtin.template', 'doc.json.j2', template_vars={'extra': 'x'}) | from_json }}"
        trimmed: "{{ lookup('platform_ops.aws.template', 'doc.json.j2', variable_start_string='[[', variable_end_string=']]') }}"
    - name: Write what the host has afterwards
      ansible.builtin.copy:
        dest: "{{ out }}"
        content: "{{ {'ours': ours, 'builtin': builtin, 'trimmed': trimmed,
                      'template_path_leaked': template_path is defined, 'extra_leaked': extra is defined,
                      'search_path': ansible_search_path} | to_json }}"
"""


def test_it_renders_what_the_builtin_lookup_renders_and_leaks_nothing(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "doc.json.j2").write_text(
        '{"name": "{{ stack_name }}", "parts": {{ parts | to_json }}, "extra": "{{ extra | default("none") }}",'
        ' "file": "{{ template_path | basename }}", "raw": "[[ stack_name ]]"}\n'
    )
    (tmp_path / "play.yml").write_text(PLAYBOOK)
    out = tmp_path / "out.json"
    (tmp_path / "ansible.cfg").write_text(f"[defaults]\ncollections_path = {ROOT / '.local' / 'collections'}\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"))
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "localhost,",
            "-c",
            "local",
            "play.yml",
            "-e",
            f"out={out}",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    got = json.loads(out.read_text())
    assert got["ours"] == got["builtin"]
    assert got["ours"] == {
        "name": "platform",
        "parts": ["a", "b"],
        "extra": "x",
        "file": "doc.json.j2",
        "raw": "[[ stack_name ]]",
    }
    assert '"raw": "platform"' in got["trimmed"] and "{{ stack_name }}" in got["trimmed"]
    assert not got["template_path_leaked"] and not got["extra_leaked"]
    assert str(tmp_path / "templates") not in got["search_path"]


class _NoCopy:
    """A variable whose deep copy fails the test."""

    def __deepcopy__(self, memo):
        raise AssertionError("a host variable was deep-copied")


def test_the_copy_is_a_layer_over_the_variables_not_a_copy_of_them():
    host = {"big": _NoCopy(), "ansible_search_path": ["/roles/x"]}
    variables = template._Layered(host)
    layered = copy.deepcopy(variables)
    layered.update({"template_path": "/t.j2"})
    layered["ansible_search_path"].insert(0, "/roles/x/templates")
    assert layered["big"] is host["big"]
    assert layered["template_path"] == "/t.j2" and "template_path" not in host
    assert host["ansible_search_path"] == ["/roles/x"]
