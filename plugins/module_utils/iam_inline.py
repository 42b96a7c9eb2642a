# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rule for a role's inline policies: what the iam_inline_policies module writes and what the identity
role's read-once plan compares (plugins/filter/plans.py identity_inline_policy_changes)."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies


def plan(wanted, current):
    """Each wanted policy with its current document (``found``) and the action: created, updated, deleted or none."""
    planned = []
    for index, item in enumerate(wanted):
        found = current[index]
        if item.get("state", "present") == "absent":
            action = "deleted" if found is not None else "none"
        elif found is None:
            action = "created"
        else:
            action = "updated" if compare_policies(found, item["document"]) else "none"
        planned.append(dict(item, found=found, action=action))
    return planned
