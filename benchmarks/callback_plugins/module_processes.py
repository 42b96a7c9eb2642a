"""Bench-only callback: counts the module processes of a run (benchmarks/bench.py enables it).

A module process is a task result (per loop item) of an action that runs a module on the target: a Python
process with its start-up and imports. Controller-side actions (set_fact, assert, debug, includes, ...)
do not count. Writes {"total": N, "by_role": {...}, "by_task": {...}} as JSON to the file named by
PLATFORM_BENCH_MODULES_FILE when the run ends.
"""

from __future__ import annotations

import json
import os
from collections import Counter

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: module_processes
type: aggregate
short_description: count the module processes of a run (bench only)
description: Counts task results of actions that run a module process; writes JSON to PLATFORM_BENCH_MODULES_FILE.
"""

CONTROLLER_SIDE = {
    "add_host",
    "assert",
    "debug",
    "fail",
    "group_by",
    "import_role",
    "import_tasks",
    "include_role",
    "include_tasks",
    "include_vars",
    "meta",
    "pause",
    "set_fact",
    "set_stats",
    "validate_argument_spec",
}


def runs_a_module(action: str) -> bool:
    return action.rsplit(".", 1)[-1] not in CONTROLLER_SIDE


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "module_processes"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.by_task: Counter[str] = Counter()
        self.by_role: Counter[str] = Counter()

    def _count(self, result) -> None:
        task = result._task  # noqa: SLF001 - the callback API hands the task this way
        if not runs_a_module(task.action):
            return
        role = task._role.get_name() if task._role else "(playbook)"  # noqa: SLF001
        self.by_role[role] += 1
        self.by_task[f"{role} : {task.get_name()}"] += 1

    def _result(self, result, *_args, **_kwargs) -> None:
        if "results" not in result._result:  # noqa: SLF001 - a loop's summary: its items were counted
            self._count(result)

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_unreachable = _result
    v2_runner_item_on_ok = v2_runner_item_on_failed = _count

    def v2_playbook_on_stats(self, stats) -> None:
        path = os.environ.get("PLATFORM_BENCH_MODULES_FILE")
        if not path:
            return
        payload = {
            "total": sum(self.by_role.values()),
            "by_role": dict(self.by_role.most_common()),
            "by_task": dict(self.by_task.most_common()),
        }
        with open(path, "w", encoding="utf-8") as out:
            json.dump(payload, out, indent=1)
