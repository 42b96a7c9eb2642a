"""The AWX job templates run the way AWX runs them (issue 16): through ansible-runner, the engine AWX and the
execution environment use, with each template's playbook, job tags, job type (check), diff mode and survey
answers (their defaults; the image tag, which has none, is a tag pushed for this test), against the local
stack's inventory.

The stack is ``app_stack`` (tests/e2e/conftest.py), shared with test_db_app_role.py and
test_rotate_secrets.py, which run before this module on the same worker (xdist group ``app_stack``). Run
alone, the module makes the ECR repositories and pushes its image first; the deploy template does the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import ansible_runner
import pytest
import yaml

from tests.helpers import ROOT, ansible_env, push_images

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("app_stack")]

TAG = "awx-runner"
STACK = "caseapp-local"  # inventories/local
TEMPLATES = {
    t["name"]: t for t in yaml.safe_load((ROOT / "awx" / "job_templates.yml").read_text())["awx_job_templates"]
}


@pytest.fixture(scope="module")
def stack(app_stack):
    """The shared stack, with this module's image pushed (and the repositories made, when it runs alone)."""
    ecr = app_stack.client("ecr")
    repositories = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    if f"{STACK}/backend" not in repositories:
        run = app_stack.run("deploy.yml", "--tags", "repositories")
        assert run.returncode == 0, run.tail()
    push_images(app_stack.endpoint, "inventories/local", TAG)
    return app_stack


def _launch(stack, tmp_path, name: str, **answers):
    """Run the job template ``name`` as AWX does: ansible-runner in a private data dir, the project checkout as
    its project, the inventory, the job tags, --check for a check job, --diff in diff mode, and the survey's
    answers (defaults unless given) as extra variables."""
    template = TEMPLATES[name]
    extravars = {q["variable"]: q.get("default") for q in template["survey"]}
    extravars.update(answers)
    cmdline = []
    if template.get("job_type") == "check":
        cmdline.append("--check")
    if template.get("diff_mode"):
        cmdline.append("--diff")
    private = tmp_path / name.replace(" ", "-")
    private.mkdir()
    result = ansible_runner.run(
        private_data_dir=str(private),
        project_dir=str(ROOT),
        playbook=template["playbook"],
        inventory=str(ROOT / "inventories" / "local"),
        extravars=extravars,
        tags=template.get("job_tags") or None,
        cmdline=" ".join(cmdline) or None,
        envvars=ansible_env(stack.endpoint, **stack.env),
        quiet=True,
        timeout=1500,
    )
    output = result.stdout.read() if result.stdout else ""
    assert result.status == "successful" and result.rc == 0, f"{name}: {result.status} rc={result.rc}\n{output[-4000:]}"
    return result, output


def _recap(result) -> dict:
    stats = result.stats or {}
    return {key: sum((stats.get(key) or {}).values()) for key in ("ok", "changed", "failures", "skipped")}


def test_the_release_templates_run_through_ansible_runner(stack, tmp_path):
    """deploy (a release of a new image), then rollout and migrate of the same image, healthcheck, compliance
    (its survey default threshold) and outputs, each as its own AWX job. (The diff template, a check job, is the
    same playbook with --check --diff: test_platform.py checks that run; it is left out here for CI time.)"""
    _, output = _launch(stack, tmp_path, "deploy", platform_image_tag=TAG)
    assert "backend: healthy" in output, output[-4000:]
    services = stack.client("ecs").describe_services(
        cluster=STACK, services=[f"{STACK}-backend", f"{STACK}-media-processor"]
    )["services"]
    for service in services:
        image = stack.client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])[
            "taskDefinition"
        ]["containerDefinitions"][0]["image"]
        assert image.endswith(f":{TAG}"), (service["serviceName"], image)

    rollout, _ = _launch(stack, tmp_path, "rollout", platform_image_tag=TAG)
    assert _recap(rollout)["changed"] == 0, "the rollout of the running image changes nothing"
    _launch(stack, tmp_path, "migrate", platform_image_tag=TAG)
    _launch(stack, tmp_path, "healthcheck")

    _launch(stack, tmp_path, "compliance")
    work = Path(stack.env["PWD"])  # compliance_report_dir and outputs_dir are under it
    report = json.loads((work / "outputs" / "compliance" / f"{STACK}.json").read_text())
    assert report["compliant"] is True and report["severity_threshold"] == "high"

    _launch(stack, tmp_path, "outputs")
    outputs = (work / "outputs" / f"{STACK}.json").read_text()
    assert json.loads(outputs) and STACK in outputs


def test_the_admin_user_template_creates_the_first_administrator(stack, tmp_path):
    email = "first.admin@example.org"
    _launch(stack, tmp_path, "admin user", admin_email=email)
    idp = stack.client("cognito-idp")
    (pool,) = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == f"{STACK}-users"]
    groups = idp.admin_list_groups_for_user(UserPoolId=pool["Id"], Username=email)["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
