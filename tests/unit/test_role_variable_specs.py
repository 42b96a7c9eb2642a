"""role_variable_specs: the preflight's view of the roles' argument specs."""

from __future__ import annotations

import pathlib

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.platform_ops.aws.plugins.filter import roles as f

ROLES = pathlib.Path(__file__).resolve().parents[2] / "roles"


def _validate(check, values):
    return ArgumentSpecValidator(check["spec"]).validate({k: values[k] for k in check["keys"]})


def test_every_role_with_a_spec_is_known():
    with_specs = {p.parent.parent.name for p in ROLES.glob("*/meta/argument_specs.yml")}
    assert set(f._role_options()) == with_specs and with_specs


def test_only_the_variables_set_are_checked_without_required_or_default():
    checks = f.role_variable_specs(
        ["monitoring_log_retention_days", "platform_name", "unrelated", "database_app_username", "ansible_connection"]
    )
    assert [(c["role"], c["keys"]) for c in checks] == [
        ("database", ["database_app_username"]),
        ("monitoring", ["monitoring_log_retention_days"]),
    ]
    for check in checks:
        for option in check["spec"].values():
            assert "required" not in option and "default" not in option


def test_a_value_outside_the_choices_is_an_error_and_a_valid_one_passes():
    (check,) = f.role_variable_specs(["monitoring_log_retention_days"])
    assert _validate(check, {"monitoring_log_retention_days": 2000}).error_messages
    assert not _validate(check, {"monitoring_log_retention_days": "365"}).error_messages


def test_sub_options_keep_their_own_rules():
    """A dict option's sub-options stay as the role declares them (required ones too)."""
    specs = yaml.safe_load((ROLES / "ecs_service" / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]
    nested = [name for name, option in options.items() if option.get("options") and not name.startswith("platform_")]
    assert nested, "ecs_service declares a dict/list option with sub-options"
    (check,) = f.role_variable_specs([nested[0]], roles=["ecs_service"])
    assert check["spec"][nested[0]]["options"] == options[nested[0]]["options"]


def test_no_spec_directory_means_no_checks(monkeypatch, tmp_path):
    f._role_options.cache_clear()
    monkeypatch.setattr(f, "ROLES_DIR", str(tmp_path / "missing"))
    try:
        assert f.role_variable_specs(["monitoring_log_retention_days"]) == []
    finally:
        f._role_options.cache_clear()
