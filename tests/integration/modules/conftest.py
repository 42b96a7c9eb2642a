"""Run our modules in-process against the moto server, the way Ansible would."""

from __future__ import annotations

import importlib
import io
import json
from contextlib import redirect_stdout

import pytest
from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args


class ModuleResult(dict):
    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))

    @property
    def changed(self) -> bool:
        return bool(self.get("changed"))


@pytest.fixture
def run_module(moto_endpoint):
    """``run_module('cloudwatch_dashboard', {...}, check_mode=False)`` -> the module's JSON result.

    Region, endpoint and dummy credentials are added unless the test sets them.
    """

    def run(name: str, args: dict, check_mode: bool = False, diff: bool = False) -> ModuleResult:
        module = importlib.import_module(f"ansible_collections.platform_ops.aws.plugins.modules.{name}")
        full = {"region": "us-east-1", "endpoint_url": moto_endpoint, "access_key": "testing", "secret_key": "testing"}
        full.update(args)
        full["_ansible_check_mode"] = check_mode
        full["_ansible_diff"] = diff
        # ansible-core keeps module warnings in a process-wide list: forget the previous runs' warnings.
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        out = io.StringIO()
        with patch_module_args(full), redirect_stdout(out), pytest.raises(SystemExit):
            module.main()
        return ModuleResult(json.loads(out.getvalue()))

    return run


def _upstream_runner(collection: str, moto_endpoint: str):
    def run(name: str, args: dict, check_mode: bool = False) -> dict:
        module = importlib.import_module(f"ansible_collections.{collection}.aws.plugins.modules.{name}")
        full = {"region": "us-east-1", "endpoint_url": moto_endpoint, "access_key": "testing", "secret_key": "testing"}
        full.update(args, _ansible_check_mode=check_mode)
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        out = io.StringIO()
        with patch_module_args(full), redirect_stdout(out), pytest.raises(SystemExit):
            module.main()
        return json.loads(out.getvalue())

    return run


@pytest.fixture
def amazon(moto_endpoint):
    """``amazon('backup_plan_info', {...})``: an amazon.aws module's JSON result, run as run_module runs ours
    (to compare a read-once plan or view with what the upstream module itself answers)."""
    return _upstream_runner("amazon", moto_endpoint)


@pytest.fixture
def community(moto_endpoint):
    """``community('sns_topic', {...}, check_mode=True)``: a community.aws module's JSON result, run as
    ``amazon`` runs amazon.aws modules."""
    return _upstream_runner("community", moto_endpoint)
