"""Every module's documented return keys survive Ansible's result handling.

ansible-core renames a module's top-level ``results`` to ``ansible_module_results`` unless it is a list (the key
is a loop's), with only a warning: a task reading ``register.results`` then finds nothing. aws_read once
returned its responses there and every plan built on it saw an empty state."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[2] / "plugins" / "modules").glob("*.py"))


def _returns(path: Path) -> dict:
    namespace: dict = {}
    source = path.read_text(encoding="utf-8")
    start = source.index('RETURN = r"""')
    end = source.index('"""', start + len('RETURN = r"""'))
    exec(source[start : end + 3], namespace)  # noqa: S102 - the module's own RETURN string literal
    return yaml.safe_load(namespace["RETURN"]) or {}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_no_module_returns_a_results_key_ansible_would_rename(path):
    returns = _returns(path)
    if "results" in returns:
        assert returns["results"].get("type") == "list", f"{path.stem}: a 'results' that is not a list is renamed"
