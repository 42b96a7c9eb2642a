# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's action: with ``reuse_run_reads``, the answers this run's aws_read tasks registered go to
the module as ``reads`` (the audit then asks AWS only what the run has not read). The controller holds the run's
registered results; the module, run as its own process, cannot see them."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


def _is_read(value):
    """An aws_read result: its calls (as sent) and their answers."""
    return isinstance(value, dict) and isinstance(value.get("calls"), list) and isinstance(value.get("responses"), dict)


def run_reads(task_vars):
    """The calls and answers of every aws_read result registered so far (a looped task's items too)."""
    reads = []
    for value in task_vars.values():
        if not isinstance(value, dict):
            continue
        for item in [value, *(value.get("results") or [] if isinstance(value.get("results"), list) else [])]:
            if _is_read(item):
                reads.append({"calls": item["calls"], "responses": item["responses"]})
    return reads


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        if boolean(args.get("reuse_run_reads", False), strict=False):
            args["reads"] = list(args.get("reads") or []) + run_reads(task_vars or {})
        result.update(self._execute_module(module_args=args, task_vars=task_vars))
        # The answers are in the run already: the result keeps how many were passed, not a second copy.
        module_args = (result.get("invocation") or {}).get("module_args")
        if isinstance(module_args, dict) and module_args.get("reads"):
            module_args["reads"] = f"{len(module_args['reads'])} aws_read results"
        return result
