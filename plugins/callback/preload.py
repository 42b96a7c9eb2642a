# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Prepare the controller for its forked workers (filters imported once, the heap frozen)
version_added: 0.1.0
description:
  - Ansible runs every task in a worker process forked from the controller's main process, and a worker imports
    the filter plugins (and what they import, such as botocore) the first time a template uses one. The main
    process never templates them itself, so without this plugin every task that uses a C(platform_ops.aws) filter
    paid that import again (about half a second on a 2-core machine; the platform's roles run a few hundred
    such tasks).
  - This callback imports them in the main process when the playbook starts; each worker then inherits them
    already imported. It changes nothing else and prints nothing.
  - Before each task it also freezes the main process's heap (Python's C(gc.freeze())), as the Python documentation
    advises before a C(fork()) without C(exec()). A worker's cyclic garbage collector then never walks the objects
    it inherited (some 200,000 on this collection's deploy), so it no longer copies the pages that hold them. A
    no-op deploy of the local stack ran 8-9 % faster with it, in user and system time alike. The frozen objects are
    still freed when nothing refers to them; only a reference cycle among them stays until the run ends (a few MB
    per run).
  - Enable it with C(callbacks_enabled = platform_ops.aws.preload) in C(ansible.cfg) (the collection's own
    C(ansible.cfg) does) or C(ANSIBLE_CALLBACKS_ENABLED).
author: Platform Ops Maintainers (@platform-ops)
requirements:
  - Enabled in the configuration (it is not on by default).
"""

import gc
import importlib
import pkgutil

from ansible.plugins.callback import CallbackBase

PACKAGES = ("ansible_collections.platform_ops.aws.plugins.filter",)


def preload(packages=PACKAGES):
    """Import every module of ``packages``; the names of those that failed to import (their error is raised
    again, where it belongs, by the task that uses them)."""
    failed = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            try:
                importlib.import_module(f"{package_name}.{info.name}")
            except Exception:  # noqa: BLE001 - a broken plugin fails its own task, not the run's start
                failed.append(f"{package_name}.{info.name}")
    return failed


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "platform_ops.aws.preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        for name in preload():
            self._display.vvv(f"platform_ops.aws.preload: {name} did not import; its tasks will say why")
        gc.freeze()

    # Called in the main process right before the workers of the task are forked.
    def v2_playbook_on_task_start(self, task, is_conditional):
        gc.freeze()

    def v2_playbook_on_handler_task_start(self, task):
        gc.freeze()
