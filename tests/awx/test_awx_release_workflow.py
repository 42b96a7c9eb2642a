"""The AWX release workflow (awx/workflows.yml): its graph, survey, webhook and the two playbooks of its own.

No test talks to an AWX controller. The graph is checked against AWX's documented workflow rules
(a node runs on its parent's success or failure edge; a failed node without a failure or always
edge fails the workflow), simulated below, and the plan is checked with the awx.awx module's own
argument validation.
"""

from __future__ import annotations

import json

import pytest
from awx_support import (
    BIN,
    ROOT,
    imported_playbooks,
    load_yaml,
    readme_public_variables,
    run,
    usage_comment,
    validate_module_args,
)

STAGES = ["image-tag", "image-gate", "migrate", "rollout", "healthcheck", "compliance"]


@pytest.fixture(scope="module")
def release(awx_data) -> dict:
    (workflow,) = [w for w in awx_data["awx_workflows"] if w["name"] == "release"]
    return workflow


@pytest.fixture(scope="module")
def nodes(release) -> dict:
    return {n["identifier"]: n for n in release["nodes"]}


def _templates(awx_data) -> dict:
    return {t["name"]: t for t in awx_data["awx_job_templates"]}


def simulate(nodes: dict, fails: set[str]) -> tuple[list[str], bool]:
    """Run the workflow graph as AWX does: the jobs in ``fails`` fail, every other job succeeds.

    Returns the nodes that ran, in order, and whether AWX marks the workflow failed.
    """
    parents = {i: [p for p, n in nodes.items() if i in n["success"] + n["failure"]] for i in nodes}
    queue = [i for i, p in parents.items() if not p]
    ran: list[str] = []
    failed_workflow = False
    while queue:
        current = queue.pop(0)
        ran.append(current)
        failed = current in fails
        children = nodes[current]["failure" if failed else "success"]
        if failed and not nodes[current]["failure"]:
            failed_workflow = True
        queue.extend(c for c in children if c not in ran and c not in queue)
    return ran, failed_workflow


# --- The graph ------------------------------------------------------------------------------------


def test_release_nodes_run_the_stage_templates(awx_data, nodes):
    templates = _templates(awx_data)
    expected = {
        "image-gate": ("deploy.yml", "image_gate"),
        "migrate": ("deploy.yml", "migrate"),
        "rollout": ("deploy.yml", "rollout"),
        "healthcheck": ("deploy.yml", "healthcheck"),
        "compliance": ("deploy.yml", "compliance"),
        "rollback": ("playbooks/rollback.yml", ""),
        "image-tag": ("playbooks/awx_release_image_tag.yml", ""),
        "rolled-back": ("playbooks/awx_release_rolled_back.yml", ""),
    }
    assert set(nodes) == set(expected)
    for identifier, (playbook, tags) in expected.items():
        template = templates[nodes[identifier]["job_template"]]
        assert (template["playbook"], template["job_tags"]) == (playbook, tags), identifier
        assert template["job_type"] == "run", identifier


def test_release_graph_is_a_chain_with_one_root(nodes):
    for identifier, node in nodes.items():
        assert set(node["success"] + node["failure"]) <= set(nodes), identifier
        assert not set(node["success"]) & set(node["failure"]), identifier
    roots = [i for i in nodes if not any(i in n["success"] + n["failure"] for n in nodes.values())]
    assert roots == ["image-tag"]
    for parent, child in zip(STAGES, STAGES[1:], strict=False):
        assert nodes[parent]["success"] == [child], f"{parent} must lead to {child} on success"
    assert nodes["compliance"]["success"] == []


def test_rollback_edges(nodes):
    """migrate, rollout and healthcheck fall back to the rollback; nothing else does."""
    with_rollback = {i for i, n in nodes.items() if "rollback" in n["failure"]}
    assert with_rollback == {"migrate", "rollout", "healthcheck"}
    assert nodes["rollback"]["success"] == ["rolled-back"]
    assert nodes["rollback"]["failure"] == [] and nodes["rolled-back"]["failure"] == []
    # The image tag and the gate stop the workflow before anything ran the image.
    assert nodes["image-tag"]["failure"] == [] and nodes["image-gate"]["failure"] == []


def test_a_release_that_passes_runs_every_stage_in_order(nodes):
    ran, failed = simulate(nodes, set())
    assert ran == STAGES
    assert failed is False


@pytest.mark.parametrize("stage", ["migrate", "rollout", "healthcheck"])
def test_a_failed_stage_rolls_back_and_fails_the_workflow(nodes, stage):
    ran, failed = simulate(nodes, {stage, "rolled-back"})
    assert ran == STAGES[: STAGES.index(stage) + 1] + ["rollback", "rolled-back"]
    assert failed is True, "a rolled-back release must not show as successful"


@pytest.mark.parametrize("stage", ["image-tag", "image-gate"])
def test_a_refused_image_stops_before_the_migration(nodes, stage):
    ran, failed = simulate(nodes, {stage})
    assert ran == STAGES[: STAGES.index(stage) + 1]
    assert failed is True


def test_a_failed_rollback_fails_the_workflow(nodes):
    ran, failed = simulate(nodes, {"rollout", "rollback"})
    assert ran == ["image-tag", "image-gate", "migrate", "rollout", "rollback"]
    assert failed is True


def test_a_failed_audit_fails_the_workflow_without_a_rollback(nodes):
    ran, failed = simulate(nodes, {"compliance"})
    assert ran == STAGES
    assert failed is True


def test_the_rolled_back_node_always_fails():
    proc = run([str(BIN / "ansible-playbook"), "playbooks/awx_release_rolled_back.yml", "-e", "platform_image_tag=t-9"])
    assert proc.returncode != 0
    assert "The release of image tag t-9 failed" in proc.stdout + proc.stderr


def test_rollback_node_takes_no_revision(awx_data, nodes):
    """With no answer, rollback.yml moves every service to its last known good revision."""
    template = _templates(awx_data)[nodes["rollback"]["job_template"]]
    assert all(q["required"] is False for q in template["survey"])
    assert all(q.get("default", "") == "" for q in template["survey"])


# --- Survey and webhook ---------------------------------------------------------------------------


def test_release_survey_asks_the_image_tag(release):
    (question,) = release["survey"]
    assert question["variable"] == "platform_image_tag"
    assert "platform_image_tag" in readme_public_variables()
    assert question["type"] == "text" and question["required"] is True
    assert question["min"] == 1 and question["max"] == 128
    # AWX applies a survey default only when it passes the question's own rules, so "" (shorter
    # than min) is never applied: a webhook launch keeps the tag from its payload.
    assert question["default"] == ""


def test_webhook_settings_per_environment(awx_data):
    services = {e["name"]: e.get("release_webhook_service", "") for e in awx_data["awx_environments"]}
    assert set(services.values()) <= {"", "github", "gitlab"}
    assert services["caseapp-prod"] == "", "prod releases by hand: promote what staging ran"


def test_render_plans_the_release_workflow_per_environment(plan, awx_data):
    workflows = {w["name"]: w for w in plan["data"]["workflows"]}
    templates = {t["name"] for t in plan["data"]["job_templates"]}
    assert set(workflows) == {f"{e['name']} release" for e in awx_data["awx_environments"]}
    for env in awx_data["awx_environments"]:
        workflow = workflows[f"{env['name']} release"]
        assert workflow["ask_variables_on_launch"] is False
        assert workflow["survey_enabled"] is True
        assert [q["variable"] for q in workflow["survey_spec"]["spec"]] == ["platform_image_tag"]
        if env.get("release_webhook_service"):
            assert workflow["webhook_service"] == env["release_webhook_service"]
        else:
            assert "webhook_service" not in workflow
        assert "webhook_credential" not in workflow or workflow["webhook_credential"]
        for node in workflow["workflow_nodes"]:
            ujt = node["unified_job_template"]
            assert ujt["type"] == "job_template"
            assert ujt["name"] in templates and ujt["name"].startswith(f"{env['name']} "), "a node of another stack"
            assert ujt["organization"] == {"name": plan["data"]["organization"]}
        graph = {n["identifier"]: n["related"] for n in workflow["workflow_nodes"]}
        assert [c["identifier"] for c in graph["rollout"]["failure_nodes"]] == ["rollback"]
        assert [c["identifier"] for c in graph["rollout"]["success_nodes"]] == ["healthcheck"]


def test_planned_workflows_pass_the_awx_modules_validation(plan):
    play = load_yaml(ROOT / "playbooks" / "awx_configure.yml")[0]
    tasks = [t for entry in play["tasks"] for t in [entry, *entry.get("block", [])]]
    (task,) = [t for t in tasks if "awx.awx.workflow_job_template" in t]
    args = task["awx.awx.workflow_job_template"]
    always = {k for k, v in args.items() if v == f"{{{{ item.{k} }}}}"}
    optional = {k for k, v in args.items() if v == f"{{{{ item.{k} | default(omit) }}}}"}
    assert optional == {"webhook_service", "webhook_credential"}
    fixed = {k: v for k, v in args.items() if k not in always | optional}
    assert fixed == {"allow_simultaneous": False, "state": "present"}, "a second launch must wait for the first"
    for item in plan["data"]["workflows"]:
        assert always <= set(item) <= always | optional, f"the task must pass every planned field: {set(item)}"
        validate_module_args("workflow_job_template", {**item, **fixed})


def test_configure_refuses_a_workflow_node_without_a_template(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "awx_workflows": [
                    {
                        "name": "release",
                        "description": "x",
                        "survey": [],
                        "nodes": [{"identifier": "a", "job_template": "nope", "success": ["b"], "failure": []}],
                    }
                ]
            }
        )
    )
    proc = run(
        [
            str(BIN / "ansible-playbook"),
            "playbooks/awx_configure.yml",
            "-e",
            "awx_render_only=true",
            "-e",
            f"awx_render_file={tmp_path / 'plan.json'}",
            "-e",
            f"@{broken}",
        ]
    )
    assert proc.returncode != 0
    assert "release/a" in proc.stdout + proc.stderr


# --- The image tag of a release -------------------------------------------------------------------

GITHUB_RELEASE = {"action": "published", "release": {"tag_name": "2026.11.24-def456"}}
ECR_PUSH = {
    "source": "aws.ecr",
    "detail-type": "ECR Image Action",
    "detail": {
        "action-type": "PUSH",
        "result": "SUCCESS",
        "repository-name": "caseapp-staging-backend",
        "image-tag": "2026.11.24-def456",
    },
}


ECR_SCAN = {
    "source": "aws.ecr",
    "detail-type": "ECR Image Scan",
    "detail": {
        "scan-status": "COMPLETE",
        "repository-name": "caseapp-staging-backend",
        "finding-severity-counts": {"MEDIUM": 2},
        "image-tags": ["2026.11.24-def456"],
    },
}


def _resolve(extra: dict) -> tuple[int, dict, str]:
    """Run the image tag node's playbook; its return code, artifacts (set_stats) and task messages."""
    proc = run(
        [str(BIN / "ansible-playbook"), "playbooks/awx_release_image_tag.yml", "-e", json.dumps(extra)],
        timeout=120,
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.json",
        ANSIBLE_SHOW_CUSTOM_STATS="1",
    )
    result = json.loads(proc.stdout)
    messages = [str(t["hosts"]["localhost"].get("msg", "")) for t in result["plays"][0]["tasks"]]
    return proc.returncode, result.get("global_custom_stats") or {}, "\n".join(messages)


@pytest.mark.parametrize(
    ("extra", "tag"),
    [
        pytest.param({"platform_image_tag": "2026.11.24-def456"}, "2026.11.24-def456", id="survey"),
        pytest.param(
            {"awx_webhook_event_type": "release", "awx_webhook_payload": GITHUB_RELEASE},
            "2026.11.24-def456",
            id="github-release",
        ),
        pytest.param(
            {"awx_webhook_event_type": "push", "awx_webhook_payload": {"ref": "refs/tags/v1.4.0", "deleted": False}},
            "v1.4.0",
            id="github-tag-push",
        ),
        pytest.param(
            # The inventory's platform_image_tag (group_vars) never wins over the webhook's tag.
            {
                "platform_image_tag": "",
                "awx_webhook_event_type": "Tag Push Hook",
                "awx_webhook_payload": {"ref": "refs/tags/v2", "checkout_sha": "ab12"},
            },
            "v2",
            id="gitlab-tag-push",
        ),
        pytest.param(
            {"awx_webhook_event_type": "ECR Image Action", "awx_webhook_payload": ECR_PUSH},
            "2026.11.24-def456",
            id="ecr-push",
        ),
        pytest.param(
            {"awx_webhook_event_type": "ECR Image Scan", "awx_webhook_payload": ECR_SCAN},
            "2026.11.24-def456",
            id="ecr-scan",
        ),
    ],
)
def test_image_tag_from_survey_or_webhook(extra, tag):
    rc, artifacts, messages = _resolve(extra)
    assert rc == 0, messages
    assert f"Releasing image tag {tag} " in messages
    # What AWX hands to the next nodes as extra vars.
    assert artifacts["platform_image_tag"] == tag


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        pytest.param(
            {"awx_webhook_event_type": "release", "awx_webhook_payload": {**GITHUB_RELEASE, "action": "created"}},
            "GitHub release event, action created",
            id="release-not-published",
        ),
        pytest.param(
            {"awx_webhook_event_type": "push", "awx_webhook_payload": {"ref": "refs/heads/main"}},
            "push of refs/heads/main",
            id="branch-push",
        ),
        pytest.param(
            {"awx_webhook_event_type": "push", "awx_webhook_payload": {"ref": "refs/tags/v1", "deleted": True}},
            "push of refs/tags/v1",
            id="deleted-tag",
        ),
        pytest.param(
            {
                "awx_webhook_event_type": "Tag Push Hook",
                "awx_webhook_payload": {**ECR_PUSH, "detail": {**ECR_PUSH["detail"], "result": "FAILURE"}},
            },
            "ECR PUSH FAILURE of caseapp-staging-backend",
            id="ecr-failed-push",
        ),
        pytest.param(
            {
                "awx_webhook_event_type": "ECR Image Scan",
                "awx_webhook_payload": {**ECR_SCAN, "detail": {**ECR_SCAN["detail"], "image-tags": ["a", "b"]}},
            },
            "ECR scan COMPLETE of caseapp-staging-backend tags a,b",
            id="ecr-scan-two-tags",
        ),
        pytest.param({"platform_image_tag": "../x"}, "platform_image_tag", id="bad-tag"),
    ],
)
def test_image_tag_refusals_name_the_event(extra, named):
    rc, artifacts, messages = _resolve(extra)
    assert rc != 0
    assert not artifacts, "a refused release hands no tag on"
    assert f"No image tag to release from {named}" in messages


# --- Documentation --------------------------------------------------------------------------------


def test_helper_playbooks_have_usage_lines():
    for name in ("awx_release_image_tag.yml", "awx_release_rolled_back.yml"):
        assert "ansible-playbook playbooks/" + name in usage_comment(ROOT / "playbooks" / name)
        assert imported_playbooks(ROOT / "playbooks" / name) == [(ROOT / "playbooks" / name).resolve()]


def test_docs_describe_the_release_pipeline():
    doc = (ROOT / "docs" / "awx.md").read_text()
    section = doc.split("\n## Release pipeline", 1)[1].split("\n## ", 1)[0]
    for needle in (
        "`release`",
        "`image gate`",
        "`release image tag`",
        "`release rolled back`",
        "release_webhook_service",
        "release_webhook_credential",
        "awx_webhook_payload",
        "release.tag_name",
        "refs/tags/",
        "detail.image-tag",
        "ALLOW_JINJA_IN_EXTRA_VARS",
    ):
        assert needle in section, f"docs/awx.md's release pipeline section does not mention {needle}"
