"""platform_ops.aws.report_files on a real temporary directory."""

from __future__ import annotations

import importlib
import io
import json
import os
import stat
from contextlib import redirect_stdout

import pytest
from ansible.module_utils.testing import patch_module_args


def run(args: dict, check_mode: bool = False, diff: bool = False) -> dict:
    module = importlib.import_module("ansible_collections.platform_ops.aws.plugins.modules.report_files")
    out = io.StringIO()
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with redirect_stdout(out), pytest.raises(SystemExit):
            module.main()
    return json.loads(out.getvalue())


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_the_files_and_their_directories_then_changes_nothing(tmp_path):
    reports = tmp_path / "reports" / "compliance"
    files = [
        {"path": str(reports / "a.json"), "content": '{"a": 1}\n'},
        {"path": str(reports / "a.md"), "content": "# A\n", "mode": "0640"},
    ]
    first = run({"files": files})
    assert first["changed"]
    assert first["directories_created"] == [str(tmp_path / "reports"), str(reports)]
    assert [f["created"] for f in first["files"]] == [True, True]
    assert (reports / "a.json").read_text() == '{"a": 1}\n' and (reports / "a.md").read_text() == "# A\n"
    assert mode(reports / "a.json") == 0o600 and mode(reports / "a.md") == 0o640 and mode(reports) == 0o700
    written = os.stat(reports / "a.json").st_mtime_ns

    second = run({"files": files})
    assert not second["changed"] and second["directories_created"] == []
    assert os.stat(reports / "a.json").st_mtime_ns == written
    assert not list(reports.glob(".report_files-*"))


def test_check_mode_reports_the_change_with_its_diff_and_writes_nothing(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old\n")
    path.chmod(0o600)
    files = [{"path": str(path), "content": "new\n"}, {"path": str(tmp_path / "d" / "x"), "content": "x"}]
    result = run({"files": files}, check_mode=True, diff=True)
    assert result["changed"] and result["directories_created"] == [str(tmp_path / "d")]
    assert result["diff"][0] == {
        "before_header": str(path),
        "after_header": str(path),
        "before": "old\n",
        "after": "new\n",
    }
    assert result["diff"][1]["before"] == "" and result["diff"][1]["after"] == "x"
    assert path.read_text() == "old\n" and not (tmp_path / "d").exists()


def test_a_wrong_mode_alone_is_corrected(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("same")
    path.chmod(0o644)
    result = run({"files": [{"path": str(path), "content": "same"}]}, diff=True)
    assert result["changed"] and result["files"][0] == {"path": str(path), "changed": True, "created": False}
    assert result["diff"] == [] and mode(path) == 0o600


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([{"path": "a", "content": "x", "mode": "rw"}], "files[0].mode must be an octal string"),
        ([{"path": "a", "content": "x", "mode": "17777"}], "files[0].mode must be between"),
        ([{"path": "a", "content": "x"}, {"path": "./a", "content": "y"}], "is given twice"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(tmp_path, monkeypatch, files, message):
    monkeypatch.chdir(tmp_path)
    result = run({"files": files})
    assert result["failed"] and message in result["msg"]
    assert not list(tmp_path.iterdir())


def test_a_directory_in_the_way_is_named(tmp_path):
    (tmp_path / "report.json").mkdir()
    result = run({"files": [{"path": str(tmp_path / "report.json"), "content": "{}"}]})
    assert result["failed"] and "is a directory" in result["msg"]
