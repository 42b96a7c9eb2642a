"""AWX job templates as code: awx/*.yml agree with the repository, and awx_configure.yml plans them.

No test here talks to an AWX controller: the playbook's render mode writes what it would apply.
"""

from __future__ import annotations

import pytest
from awx_support import (
    BIN,
    FAKE_SECRET,
    FAKE_TOKEN,
    ROOT,
    SURVEY_TYPES,
    imported_playbooks,
    load_yaml,
    module_argument_spec,
    platform_default_keys,
    playbook_tags,
    readme_public_variables,
    run,
    usage_comment,
)
from awx_support import (
    validate_module_args as _validate,
)


def _surveys(awx_data):
    for template in awx_data["awx_job_templates"]:
        for question in template.get("survey") or []:
            yield template, question


def test_every_job_template_playbook_exists(awx_data):
    missing = [t["playbook"] for t in awx_data["awx_job_templates"] if not (ROOT / t["playbook"]).is_file()]
    assert not missing, f"job templates run playbooks that do not exist: {missing}"


def test_the_required_job_templates_exist(awx_data):
    names = [t["name"] for t in awx_data["awx_job_templates"]]
    required = {"deploy", "rollout", "migrate", "healthcheck", "compliance", "rollback", "outputs", "destroy"}
    assert required <= set(names), f"missing: {sorted(required - set(names))}"
    assert len(names) == len(set(names)), "job template names must be unique"


def test_every_environment_is_an_inventory_of_that_stack(awx_data):
    """Each AWX inventory syncs inventories/<env>/ and is named after its stack <platform_name>-<platform_env>."""
    names = [e["name"] for e in awx_data["awx_environments"]]
    assert len(names) == len(set(names))
    for env in awx_data["awx_environments"]:
        inventory = ROOT / env["inventory"]
        assert (inventory / "hosts.yml").is_file(), f"{env['inventory']}/hosts.yml is missing"
        platform_vars: dict = {}
        for path in sorted((inventory / "group_vars" / "platform").glob("*.yml")):
            platform_vars.update(load_yaml(path) or {})
        stack = f"{platform_vars['platform_name']}-{platform_vars['platform_env']}"
        assert env["name"] == stack, f"{env['inventory']} is the stack {stack}, not {env['name']}"
        assert platform_vars.get("platform_aws_endpoint_url", "") == "", "AWX targets real AWS, not an emulator"


def test_every_survey_variable_is_documented(awx_data):
    """A survey variable is documented when at least one of these holds:

    1. it is a row of README.md's "Public variables" table (first cell `` `name` ``);
    2. it is a top-level key of roles/platform/defaults/main.yml (the commented platform-wide defaults);
    3. it appears as ``-e <name>=`` in the usage lines (leading comment block) of the template's
       playbook or of a playbook that playbook imports.
    """
    public = readme_public_variables()
    defaults = platform_default_keys()
    assert "platform_image_tag" in public, "README.md's public variables table was not found"
    undocumented = []
    for template, question in _surveys(awx_data):
        var = question["variable"]
        usage = "\n".join(usage_comment(p) for p in imported_playbooks(ROOT / template["playbook"]))
        if var not in public and var not in defaults and f"-e {var}=" not in usage:
            undocumented.append(f"{template['name']}: {var}")
    assert not undocumented, f"survey variables without documentation: {undocumented}"


def test_every_survey_question_is_well_formed(awx_data):
    for template in awx_data["awx_job_templates"]:
        questions = template.get("survey") or []
        variables = [q["variable"] for q in questions]
        assert len(variables) == len(set(variables)), f"{template['name']}: a variable is asked twice"
        assert template.get("ask_variables_on_launch") is False, f"{template['name']}: free-form extra vars"
        assert template.get("job_type", "run") in ("run", "check")
        for q in questions:
            where = f"{template['name']}.{q.get('variable')}"
            assert {"question_name", "question_description", "variable", "type", "required"} <= q.keys(), where
            assert q["type"] in SURVEY_TYPES, where
            assert isinstance(q["required"], bool), where
            # AWX's own survey_spec checks: a non-empty default has the question's type, min and
            # max are integers, a choice question lists its choices and defaults to one of them.
            default = q.get("default", "")
            if default != "":
                assert isinstance(default, {"integer": int, "float": float}.get(q["type"], str)), where
            if q["type"] in ("multiplechoice", "multiselect"):
                assert q["choices"] and default in q["choices"], where
            if q["type"] in ("text", "textarea", "integer"):
                assert isinstance(q["min"], int) and isinstance(q["max"], int), where
                assert 0 <= q["min"] <= q["max"], where


def test_survey_choices_match_what_the_playbooks_accept(awx_data):
    """The severity threshold question offers exactly the compliance_audit module's choices."""
    from ansible_collections.platform_ops.aws.plugins.module_utils.compliance import SEVERITIES

    (question,) = [q for _, q in _surveys(awx_data) if q["variable"] == "compliance_severity_threshold"]
    assert sorted(question["choices"]) == sorted(SEVERITIES)
    assert question["default"] == load_yaml(ROOT / "roles/platform/defaults/main.yml")["compliance_severity_threshold"]


def test_every_job_tag_exists_in_deploy(awx_data):
    """job_tags name tags of deploy.yml's playbooks (deploy.yml's imports and their plays and tasks)."""
    tags = playbook_tags(ROOT / "deploy.yml")
    assert {"provision", "rollout", "migrate", "healthcheck"} <= tags, f"tag collection is broken: {sorted(tags)}"
    unknown = []
    for template in awx_data["awx_job_templates"]:
        for tag in filter(None, (t.strip() for t in template.get("job_tags", "").split(","))):
            if tag not in tags:
                unknown.append(f"{template['name']}: {tag}")
    assert not unknown, f"job_tags that deploy.yml does not have: {unknown} (known: {sorted(tags)})"


@pytest.mark.parametrize("playbook", ["playbooks/awx_configure.yml", "playbooks/compliance.yml"])
def test_playbook_syntax(playbook):
    proc = run([str(BIN / "ansible-playbook"), playbook, "--syntax-check"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_render_plans_every_template_in_every_environment(plan, awx_data):
    templates = {t["name"]: t for t in plan["data"]["job_templates"]}
    envs = awx_data["awx_environments"]
    assert len(templates) == len(envs) * len(awx_data["awx_job_templates"])
    for env in envs:
        for spec in awx_data["awx_job_templates"]:
            t = templates[f"{env['name']} {spec['name']}"]
            assert t["inventory"] == env["name"]
            assert t["playbook"] == spec["playbook"]
            assert t["job_tags"] == spec["job_tags"]
            assert t["credentials"] == ([env["aws_credential"]] if env["aws_credential"] else [])
            assert t["project"] == awx_data["awx_project"]["name"]
            assert t["execution_environment"] == awx_data["awx_execution_environment"]["name"]
            assert t["ask_variables_on_launch"] is False
            asked = [q["variable"] for q in t["survey_spec"].get("spec", [])]
            assert asked == [q["variable"] for q in spec.get("survey") or []]
            assert t["survey_enabled"] is bool(asked)


def test_render_names_the_stack_in_the_destroy_confirmation(plan):
    for env in ("caseapp-staging", "caseapp-prod"):
        destroy = next(t for t in plan["data"]["job_templates"] if t["name"] == f"{env} destroy")
        (question,) = destroy["survey_spec"]["spec"]
        assert question["variable"] == "confirm_destroy" and question["required"] is True
        assert f"Type {env} to destroy it" in question["question_description"]


def test_render_plans_scm_inventories_and_credentials(plan):
    sources = {s["inventory"]: s for s in plan["data"]["inventory_sources"]}
    assert sources["caseapp-prod"]["source"] == "scm"
    assert sources["caseapp-prod"]["source_path"] == "inventories/prod/hosts.yml"
    assert sources["caseapp-staging"]["source_path"] == "inventories/staging/hosts.yml"
    assert all(s["overwrite"] and s["update_on_launch"] for s in sources.values())
    credentials = {c["name"]: c for c in plan["data"]["credentials"]}
    assert credentials["caseapp-prod-aws"]["managed_here"] is True  # its keys were given
    assert credentials["caseapp-staging-aws"]["managed_here"] is False  # must exist in AWX
    assert {c["credential_type"] for c in credentials.values()} == {"Amazon Web Services"}


def test_render_never_shows_the_token_or_the_keys(plan):
    for secret in (FAKE_TOKEN, FAKE_SECRET):
        assert secret not in plan["output"]
        assert secret not in plan["text"]


def test_configure_refuses_without_a_controller(tmp_path):
    proc = run([str(BIN / "ansible-playbook"), "playbooks/awx_configure.yml"])
    assert proc.returncode != 0
    assert "CONTROLLER_HOST and CONTROLLER_OAUTH_TOKEN" in proc.stdout + proc.stderr


def test_docs_describe_every_template_and_survey_variable(awx_data):
    doc = (ROOT / "docs" / "awx.md").read_text()
    for template in awx_data["awx_job_templates"]:
        assert f"`{template['name']}`" in doc, f"docs/awx.md does not describe the {template['name']} template"
    for _, question in _surveys(awx_data):
        assert f"`{question['variable']}`" in doc, f"docs/awx.md does not describe {question['variable']}"


# --- The awx.awx modules' own argument validation, run in-process without a controller ---------


def _tasks(nodes):
    for node in nodes or []:
        yield node
        yield from _tasks(node.get("block"))


def test_configure_tasks_use_existing_awx_module_options():
    play = load_yaml(ROOT / "playbooks" / "awx_configure.yml")[0]
    auth = play["module_defaults"]["group/awx.awx.controller"]
    from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerModule

    assert set(auth) <= set(ControllerModule.AUTH_ARGSPEC)
    used = 0
    for task in _tasks(play["tasks"]):
        module = next((k for k in task if k.startswith("awx.awx.")), None)
        if not module:
            continue
        used += 1
        spec = module_argument_spec(module.split(".")[-1])
        known = set(spec) | {alias for option in spec.values() for alias in option.get("aliases", [])}
        unknown = set(task[module]) - known
        assert not unknown, f"{task['name']}: {module} has no option(s) {sorted(unknown)}"
    assert used >= 7


def _task_args(module: str) -> dict:
    play = load_yaml(ROOT / "playbooks" / "awx_configure.yml")[0]
    (task,) = [t for t in _tasks(play["tasks"]) if module in t]
    return task[module]


@pytest.mark.parametrize(
    ("module", "plan_key"), [("job_template", "job_templates"), ("inventory_source", "inventory_sources")]
)
def test_planned_objects_pass_the_awx_modules_validation(plan, module, plan_key):
    """Each planned object, passed field for field as the playbook does, is accepted by its module."""
    args = _task_args(f"awx.awx.{module}")
    passed = {k for k, v in args.items() if v == f"{{{{ item.{k} }}}}"}
    for item in plan["data"][plan_key]:
        assert passed == set(item), f"the task must pass every planned field as is: {set(item) ^ passed}"
        fixed = {k: v for k, v in args.items() if k not in passed}  # literal values (state, ...)
        _validate(module, {**item, **fixed})


def test_planned_credentials_pass_the_awx_modules_validation(plan):
    args = _task_args("awx.awx.credential")
    for item in plan["data"]["credentials"]:
        _validate(
            "credential",
            {
                "name": item["name"],
                "description": item["description"],
                "organization": item["organization"],
                "credential_type": item["credential_type"],
                "inputs": {"username": "AKIAEXAMPLE", "password": FAKE_SECRET},
                "update_secrets": False,
                "state": args["state"],
            },
        )
