"""The release path on the local stack: a new image is gated, migrated, rolled out, verified and
rolled back in the right order, and survives interruption and concurrent runs (issue 11).

One module-scoped stack (inventories/local) on its OWN moto launcher, so the ECS deployment faults
set here (``ecs_deployment_fail``, ``ecs_deployment_seconds``), the ECR scan findings and the manual
task transitions never reach another test. A real PostgreSQL and the reference app on loopback.
Tests run in file order: deploy A -> B with a failing migration -> B whose deployment fails ->
interrupted rollout -> concurrent rollouts and a stale lock -> interrupted migration -> image gate.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import moto_server, set_faults
from tests.e2e.stack import LocalStack
from tests.helpers import BIN, ROOT, Run, ansible_env, push_images

STACK = "caseapp-local"  # inventories/local
SERVICES = ("backend", "media-processor")
A, B, C, D, E = "rel-a", "rel-b", "rel-c", "rel-d", "rel-e"
LOCK_TABLE = "platform-ops-locks"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("release")]


@pytest.fixture(scope="module")
def release_endpoint(tmp_path_factory):
    log = tmp_path_factory.mktemp("moto-release") / "moto.log"
    with moto_server(log, MOTO_ECS_SERVICE_RUNNING="2", PLATFORM_LOCAL_RULES="all") as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def stack(release_endpoint):
    local = LocalStack(release_endpoint)
    try:
        yield local
    finally:
        local.close()


# --------------------------------------------------------------------------- helpers


def _running(stack: LocalStack) -> dict[str, tuple[str, str]]:
    """service -> (image tag, task definition ARN) of what each service runs."""
    ecs = stack.client("ecs")
    found = {}
    names = [f"{STACK}-{s}" for s in SERVICES]
    for svc in ecs.describe_services(cluster=STACK, services=names)["services"]:
        taskdef = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
        found[svc["serviceName"].removeprefix(f"{STACK}-")] = (
            taskdef["containerDefinitions"][0]["image"].rsplit(":", 1)[-1],
            svc["taskDefinition"],
        )
    return found


def _tags_of_services(stack: LocalStack) -> dict[str, str]:
    return {name: tag for name, (tag, _arn) in _running(stack).items()}


def _revisions(stack: LocalStack) -> list[str]:
    """ACTIVE revisions of the services' families (familyPrefix is a whole family name, on AWS too)."""
    ecs = stack.client("ecs")
    arns = []
    for name in SERVICES:
        for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=f"{STACK}-{name}"):
            arns += page["taskDefinitionArns"]
    assert arns, "the services' task definition families exist"
    return sorted(arns)


def _migration_tasks(stack: LocalStack, status: str = "RUNNING") -> list[str]:
    """Migration tasks (started by ansible-migrate) that have not stopped (RUNNING), or that have
    (STOPPED). Read from lastStatus: the emulator, like AWS for a while, lists a task that stopped by
    itself under desiredStatus RUNNING."""
    ecs = stack.client("ecs")
    arns = []
    for desired in ("RUNNING", "STOPPED"):
        arns += ecs.list_tasks(cluster=STACK, startedBy="ansible-migrate", desiredStatus=desired)["taskArns"]
    tasks = ecs.describe_tasks(cluster=STACK, tasks=arns)["tasks"] if arns else []
    return sorted(t["taskArn"] for t in tasks if (t["lastStatus"] == "STOPPED") == (status == "STOPPED"))


def _start(stack: LocalStack, *args: str) -> subprocess.Popen:
    """ansible-playbook in its own process group (a terminal's Ctrl-C reaches the whole group); its
    output goes to a file (a pipe nobody reads while the test polls would block the run)."""
    cmd = [str(BIN / "ansible-playbook"), "deploy.yml", "-i", str(ROOT / stack.inventory), *args]
    log = tempfile.NamedTemporaryFile(prefix="release-run-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=ansible_env(stack.endpoint, **stack.env),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    proc.log_path = Path(log.name)
    log.close()
    return proc


def _output(proc: subprocess.Popen) -> str:
    return proc.log_path.read_text(errors="replace")


def _finish(proc: subprocess.Popen, timeout: int = 900) -> Run:
    proc.wait(timeout=timeout)
    return Run(proc.returncode, _output(proc))


def _wait_for(predicate, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the run ended before {what}:\n{_output(proc)[-4000:]}")
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def _interrupt(proc: subprocess.Popen) -> Run:
    """Ctrl-C: SIGINT to the run's process group, as a terminal sends it."""
    os.killpg(proc.pid, signal.SIGINT)
    return _finish(proc, timeout=120)


def _lock_item(stack: LocalStack) -> dict | None:
    ddb = stack.client("dynamodb")
    try:
        return ddb.get_item(TableName=LOCK_TABLE, Key={"lock_id": {"S": STACK}}, ConsistentRead=True).get("Item")
    except ddb.exceptions.ResourceNotFoundException:
        return None


# --------------------------------------------------------------------------- scenarios


def test_deploy_a(stack):
    assert stack.run("deploy.yml", "--tags", "repositories").returncode == 0
    push_images(stack.endpoint, "inventories/local", A)
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={A}")
    assert run.returncode == 0, run.tail(150)
    assert set(_tags_of_services(stack).values()) == {A}
    assert _lock_item(stack) is None, "the lock is released at the end of the run"


def test_the_rollout_preview_shows_the_change_and_changes_nothing(stack):
    """`--tags rollout --check --diff`: the preview an operator runs before a release."""
    push_images(stack.endpoint, "inventories/local", B)
    before, revisions = _running(stack), _revisions(stack)
    run = stack.run("deploy.yml", "--tags", "rollout", "--check", "--diff", "-e", f"platform_image_tag={B}")
    assert run.returncode == 0, run.tail(80)
    assert f":{A}" in run.output and f":{B}" in run.output, run.tail(80)
    assert _running(stack) == before and _revisions(stack) == revisions
    assert _lock_item(stack) is None, "check mode does not take the lock"


def test_a_failing_migration_stops_before_any_rollout(stack):
    before = _running(stack)
    revisions = _revisions(stack)
    failing = json.dumps({"platform_migration_command": ["python", "-c", "import sys; sys.exit(3)"]})
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={B}", "-e", failing)
    assert run.returncode != 0, run.tail()
    # the one-off task ran the command (the local Fargate) and failed the run with the process's exit code
    assert "migration" in run.output.lower() and "exited with code 3" in run.output, run.tail(80)
    assert _running(stack) == before, "provision must not move a running service to the new image"
    assert _revisions(stack) == revisions, "no service task definition is registered before the rollout"
    assert "TASK [Ensure every service runs its target" not in run.output, "no rollout after a failed migration"
    assert _lock_item(stack) is None, "a failed run releases its lock"


def test_a_failed_deployment_rolls_back_and_rollback_never_selects_it(stack, release_endpoint):
    set_faults(release_endpoint, ecs_deployment_fail=[f"*:{B}"])
    try:
        run = stack.run("deploy.yml", "-e", f"platform_image_tag={B}")
    finally:
        set_faults(release_endpoint)
    assert run.returncode != 0, run.tail()
    assert "FAILED" in run.output, run.tail(80)
    assert set(_tags_of_services(stack).values()) == {A}, "every service runs A again"
    ecs = stack.client("ecs")
    failed = [
        arn
        for arn in _revisions(stack)
        if ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0][
            "image"
        ].endswith(f":{B}")
    ]
    assert failed, "the failed rollout registered B's revisions"
    for arn in failed:
        tags = {t["key"]: t["value"] for t in ecs.list_tags_for_resource(resourceArn=arn)["tags"]}
        assert tags.get("PlatformRollout") == "failed", (arn, tags)
    # A is the only good revision: nothing to roll back to, and B is never a candidate.
    rollback = stack.run("playbooks/rollback.yml")
    assert rollback.returncode != 0 and "nothing to roll back to" in rollback.output, rollback.tail()
    assert set(_tags_of_services(stack).values()) == {A}


def test_an_interrupted_rollout_is_resumed_not_reported_ok(stack, release_endpoint):
    push_images(stack.endpoint, "inventories/local", C)
    set_faults(release_endpoint, ecs_deployment_seconds=25)
    try:
        proc = _start(stack, "--tags", "rollout", "-e", f"platform_image_tag={C}")
        _wait_for(lambda: set(_tags_of_services(stack).values()) == {C}, 300, "the services to be updated to C", proc)
        interrupted = _interrupt(proc)
        assert interrupted.returncode != 0, interrupted.tail()
        deployments = stack.client("ecs").describe_services(cluster=STACK, services=[f"{STACK}-backend"])["services"][
            0
        ]["deployments"]
        primary = next(d for d in deployments if d["status"] == "PRIMARY")
        assert primary["rolloutState"] == "IN_PROGRESS", primary
        again = stack.run(
            "deploy.yml", "--tags", "rollout", "-e", f"platform_image_tag={C}", "-e", "platform_lock_break=true"
        )
    finally:
        set_faults(release_endpoint)
    assert again.returncode == 0, again.tail(100)
    assert again.recap["changed"] > 0, "an unfinished deployment is never reported ok"
    assert set(_tags_of_services(stack).values()) == {C}
    steady = stack.run("deploy.yml", "--tags", "rollout", "-e", f"platform_image_tag={C}")
    assert steady.returncode == 0 and steady.recap["changed"] == 0, steady.changed_tasks()


def test_rollback_skips_the_failed_revision(stack):
    """The services run C (known good) above B (failed) above A (known good): "the revision before"
    would be B; the rollback goes to A."""
    assert set(_tags_of_services(stack).values()) == {C}
    rollback = stack.run("playbooks/rollback.yml")
    assert rollback.returncode == 0, rollback.tail()
    assert set(_tags_of_services(stack).values()) == {A}, "rollback never lands on the known-bad image"


def test_two_rollouts_started_together_exactly_one_proceeds(stack, release_endpoint):
    push_images(stack.endpoint, "inventories/local", D)
    set_faults(release_endpoint, ecs_deployment_seconds=20)
    try:
        procs = [_start(stack, "--tags", "rollout", "-e", f"platform_image_tag={D}") for _ in range(2)]
        started = time.monotonic()
        took = {}
        while len(took) < len(procs):
            for i, proc in enumerate(procs):
                if i not in took and proc.poll() is not None:
                    took[i] = time.monotonic() - started
            time.sleep(0.2)
        runs = [_finish(proc) for proc in procs]
    finally:
        set_faults(release_endpoint)
    codes = sorted(r.returncode for r in runs)
    assert codes[0] == 0 and codes[1] != 0, [r.tail(30) for r in runs]
    loser = next(i for i, r in enumerate(runs) if r.returncode != 0)
    assert "lock" in runs[loser].output and "platform_lock_break" in runs[loser].output, runs[loser].tail(40)
    assert took[loser] < took[1 - loser], "the second run fails at once, before the first one finishes"
    assert took[loser] < 90, f"the second run fails in seconds, not after {took[loser]:.0f} s"
    assert set(_tags_of_services(stack).values()) == {D}
    assert _lock_item(stack) is None


def test_a_stale_lock_is_broken_only_with_the_switch(stack):
    proc = _start(stack, "--tags", "rollout", "-e", f"platform_image_tag={D}")
    _wait_for(lambda: _lock_item(stack), 120, "the run to take the lock", proc)
    os.killpg(proc.pid, signal.SIGKILL)  # a laptop that went away: nothing can release the lock
    proc.wait(timeout=60)
    assert _lock_item(stack) is not None
    refused = stack.run("deploy.yml", "--tags", "rollout", "-e", f"platform_image_tag={D}")
    assert refused.returncode != 0 and "platform_lock_break" in refused.output, refused.tail(40)
    assert _lock_item(stack) is not None, "a stale lock is never taken over silently"
    broken = stack.run(
        "deploy.yml", "--tags", "rollout", "-e", f"platform_image_tag={D}", "-e", "platform_lock_break=true"
    )
    assert broken.returncode == 0, broken.tail(60)
    assert _lock_item(stack) is None


def test_an_interrupted_migration_never_runs_twice(stack, release_endpoint):
    # A long migration: the local Fargate runs the task's command as a process, RUNNING until it exits or is stopped.
    slow = ("-e", json.dumps({"platform_migration_command": ["python", "-c", "import time; time.sleep(600)"]}))
    try:
        proc = _start(stack, "--tags", "migrate", "-e", f"platform_image_tag={D}", *slow)
        (task,) = _wait_for(lambda: _migration_tasks(stack), 300, "the migration task to start", proc)
        killed = proc
        os.killpg(killed.pid, signal.SIGKILL)  # no chance to stop its task: it keeps running
        killed.wait(timeout=60)
        assert _migration_tasks(stack) == [task]
        again = stack.run(
            "deploy.yml", "--tags", "migrate", "-e", f"platform_image_tag={D}", "-e", "platform_lock_break=true", *slow
        )
        assert again.returncode != 0, again.tail()
        assert task.rsplit("/", 1)[-1] in again.output, again.tail(40)
        assert _migration_tasks(stack) == [task], "never two migration tasks at a time"
        # Ctrl-C on a run whose migration is running stops its task.
        stack.client("ecs").stop_task(cluster=STACK, task=task, reason="test: operator stopped it")
        _wait_for(lambda: not _migration_tasks(stack), 60, "the operator's stop to end the migration's process")
        proc = _start(
            stack, "--tags", "migrate", "-e", f"platform_image_tag={D}", "-e", "platform_lock_break=true", *slow
        )
        (second,) = _wait_for(lambda: _migration_tasks(stack), 300, "the second migration task", proc)
        assert second != task
        interrupted = _interrupt(proc)
        assert interrupted.returncode != 0
        _wait_for(lambda: not _migration_tasks(stack), 60, "the interrupted run to stop its migration task")
        # the processes ended by their stop, as a container's: SIGTERM, exit code 143
        ecs = stack.client("ecs")
        for arn in (task, second):
            (stopped,) = ecs.describe_tasks(cluster=STACK, tasks=[arn])["tasks"]
            assert stopped["containers"][0]["exitCode"] == 143, stopped
    finally:
        for arn in _migration_tasks(stack):  # a failed test leaves no sleeping process behind
            stack.client("ecs").stop_task(cluster=STACK, task=arn, reason="test cleanup")
    done = stack.run(
        "deploy.yml", "--tags", "migrate", "-e", f"platform_image_tag={D}", "-e", "platform_lock_break=true"
    )
    assert done.returncode == 0, done.tail(60)


def test_an_image_with_a_critical_finding_is_refused_before_the_migration(stack, release_endpoint):
    import moto_ecr_scan  # scripts/ (on sys.path through tests.helpers)

    push_images(stack.endpoint, "inventories/local", E)
    cve = "CVE-2026-11111"
    moto_ecr_scan.set_ecr_findings(release_endpoint, f"{STACK}/backend", E, [{"name": cve, "severity": "CRITICAL"}])
    before = _running(stack)
    migrations = _migration_tasks(stack, "STOPPED")
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={E}")
    assert run.returncode != 0, run.tail()
    assert cve in run.output and "CRITICAL" in run.output and f"{STACK}/backend:{E}" in run.output, run.tail(60)
    assert _running(stack) == before and _migration_tasks(stack, "STOPPED") == migrations, "refused before migrating"
    waiver = json.dumps(
        {"release_scan_waivers": [{"id": cve, "expires": "2099-12-31", "reason": "not reachable in this service"}]}
    )
    waived = stack.run("deploy.yml", "--tags", "migrate,rollout", "-e", f"platform_image_tag={E}", "-e", waiver)
    assert waived.returncode == 0, waived.tail(80)
    assert set(_tags_of_services(stack).values()) == {E}
