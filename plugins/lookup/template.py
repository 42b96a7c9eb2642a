# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: template
author: Platform Ops Maintainers (@platform-ops)
version_added: 0.1.0
short_description: Render a template file, as ansible.builtin.template does, without copying every host variable
description:
  - Returns, for each template file given, its content rendered with Jinja2 and the host's variables, with the
    same search path (the role's C(templates/) first), options and result as the P(ansible.builtin.template#lookup)
    lookup, which this plugin runs.
  - The builtin lookup deep-copies all of the host's variables (every fact and registered result) before each
    render, so that the variables it adds for the template (C(template_path), O(template_vars), ...) do not leak.
    On a host carrying a few large AWS reads that copy costs a tenth of a second or more per call, and the
    platform's roles render their policy documents this way in every run. This lookup gives the builtin one a
    variable mapping whose copy is a new empty layer over the host's variables (a C(ChainMap)). What the lookup
    adds goes into that layer; the host's variables are read, never copied or changed.
options:
  _terms:
    description: The template files to render, found like the builtin lookup finds them.
    type: list
    elements: str
    required: true
  template_vars:
    description: A dictionary, the keys become additional variables available for templating.
    type: dict
    default: {}
  variable_start_string:
    description: The string marking the beginning of a print statement.
    type: str
    default: '{{'
  variable_end_string:
    description: The string marking the end of a print statement.
    type: str
    default: '}}'
  comment_start_string:
    description: The string marking the beginning of a comment statement.
    type: str
    default: '{#'
  comment_end_string:
    description: The string marking the end of a comment statement.
    type: str
    default: '#}'
  trim_blocks:
    description: Whether the first newline after a block is removed (block, not variable tag).
    type: bool
    default: true
seealso:
  - plugin: ansible.builtin.template
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Render a key policy from the role's templates/ directory
  ansible.builtin.set_fact:
    key_policy: "{{ lookup('platform_ops.aws.template', 'key_policy.json.j2') | from_json }}"

- name: Render with extra variables for this template only
  ansible.builtin.debug:
    msg: "{{ lookup('platform_ops.aws.template', 'trust.json.j2', template_vars={'service': 'ecs-tasks.amazonaws.com'}) }}"
"""

RETURN = r"""
_raw:
  description: The content of each file after templating.
  type: list
  elements: raw
"""

from collections import ChainMap

from ansible.plugins.lookup.template import LookupModule as BuiltinTemplateLookup


class _Layered(ChainMap):
    """The host's variables as the builtin lookup sees them. Its deep copy (the builtin lookup's first step)
    is a plain ``ChainMap`` (the type Ansible's templar accepts) with a new writable layer over the same
    variables; ``ansible_search_path`` is copied into that layer, as the builtin lookup may insert into the
    list it reads."""

    def __deepcopy__(self, memo):
        return ChainMap({"ansible_search_path": list(self.get("ansible_search_path") or [])}, *self.maps)


class LookupModule(BuiltinTemplateLookup):
    def run(self, terms, variables=None, **kwargs):
        return super().run(terms, variables=_Layered(variables if variables is not None else {}), **kwargs)
