# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's role argument specs, for the preflight (roles/platform/tasks/main.yml).

A role validates its ``meta/argument_specs.yml`` only when it starts: a bad ``monitoring_*`` value in
an inventory would fail after the network, storage and data tier exist. The preflight checks every
role variable the inventory (or ``-e``) sets against its role's spec first.
"""

from __future__ import annotations

import copy
import functools
import os

import yaml
from ansible.errors import AnsibleFilterError

ROLES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "roles")
# What the preflight must not enforce: a variable the inventory leaves out is the role's default.
_DROPPED = ("required", "default")


@functools.lru_cache(maxsize=1)
def _role_options() -> dict:
    """``{role: {option: spec}}`` of every role's ``main`` entry point."""
    found = {}
    if not os.path.isdir(ROLES_DIR):
        return found
    for role in sorted(os.listdir(ROLES_DIR)):
        path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
        options = ((document.get("argument_specs") or {}).get("main") or {}).get("options") or {}
        found[role] = options
    return found


def _loose(option: dict) -> dict:
    """The option without ``required`` or ``default`` at its top level (sub-options keep theirs)."""
    spec = {k: copy.deepcopy(v) for k, v in option.items() if k not in _DROPPED and k != "description"}
    return spec


def role_variable_specs(names, roles=None):
    """``[{role, keys, spec}]`` for the role variables among ``names`` (the variables an inventory sets).

    ``spec`` holds only those variables' options, without ``required``/``default``: a variable left out
    keeps its role default, one that is set must match its type, choices and sub-options.
    ``roles``: limit to these roles (default every role of the collection).
    """
    if not isinstance(names, (list, tuple, set)) and not hasattr(names, "__iter__"):
        raise AnsibleFilterError(f"role_variable_specs expects a list of variable names, got {type(names).__name__}")
    wanted = {str(n) for n in names}
    result = []
    for role, options in _role_options().items():
        if roles is not None and role not in roles:
            continue
        if role == "platform":  # the platform role checks its own variables first in every play
            continue
        keys = sorted(k for k in options if k in wanted and not k.startswith("platform_"))
        if keys:
            result.append({"role": role, "keys": keys, "spec": {k: _loose(options[k]) for k in keys}})
    return result


class FilterModule:
    """platform_ops.aws role spec filters."""

    def filters(self):
        return {"platform_role_variable_specs": role_variable_specs}
