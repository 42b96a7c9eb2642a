"""plugins/callback/preload.py: the collection's filter plugins are imported in the controller's main process
once per run (so that the forked task workers inherit them), the heap is frozen before each task forks its
workers, and the repository's ansible.cfg enables it."""

from __future__ import annotations

import configparser
import pkgutil
import sys
from pathlib import Path

from ansible_collections.platform_ops.aws.plugins.callback import preload

ROOT = Path(__file__).resolve().parents[2]
FILTERS = "ansible_collections.platform_ops.aws.plugins.filter"


def test_every_filter_plugin_is_imported(monkeypatch):
    names = [f"{FILTERS}.{m.name}" for m in pkgutil.iter_modules([str(ROOT / "plugins" / "filter")])]
    assert len(names) > 5
    for name in names:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert preload.preload() == []
    assert all(name in sys.modules for name in names)


def test_a_plugin_that_does_not_import_is_named_not_raised(tmp_path, monkeypatch):
    package = tmp_path / "preload_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text("VALUE = 1\n")
    (package / "broken.py").write_text("raise ImportError('no such dependency')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert preload.preload(("preload_probe",)) == ["preload_probe.broken"]
    assert sys.modules["preload_probe.good"].VALUE == 1


def test_the_repository_configuration_enables_it():
    config = configparser.ConfigParser()
    config.read(ROOT / "ansible.cfg")
    enabled = [name.strip() for name in config["defaults"]["callbacks_enabled"].split(",")]
    assert "platform_ops.aws.preload" in enabled
    assert preload.CallbackModule.CALLBACK_NAME == "platform_ops.aws.preload"


def test_the_heap_is_frozen_before_each_task_is_forked():
    gc = preload.gc
    gc.unfreeze()
    callback = preload.CallbackModule()
    try:
        callback.v2_playbook_on_task_start(task=None, is_conditional=False)
        assert gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        more = [[i] for i in range(10)]  # lists are always tracked by the collector
        callback.v2_playbook_on_handler_task_start(task=None)
        assert gc.get_freeze_count() >= frozen + len(more)
    finally:
        gc.unfreeze()
