"""The stack's deploy lock (playbooks/include/lock.yml + unlock.yml, platform_ops.aws.stack_lock).

tests/e2e/stack_lock.yml is two writing plays under the lock, as every writing playbook
takes it. Two runs started together: exactly one proceeds, the other fails in seconds naming the
holder. A run killed with SIGKILL leaves its lock behind: refused (check mode only warns) until
``-e platform_lock_break=true``. A failing run releases the lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import BIN, ROOT, Run, ansible_env, playbook

pytestmark = [pytest.mark.xdist_group("stack_lock")]

PLAY = "tests/e2e/stack_lock.yml"
STACK = "caseapp-local"  # inventories/local


@pytest.fixture
def table():
    """A table of its own, so that no other test's run on this emulator competes for the lock."""
    return f"locks-{uuid.uuid4().hex[:10]}"


def _start(endpoint: str, *args: str) -> subprocess.Popen:
    cmd = [str(BIN / "ansible-playbook"), PLAY, "-i", str(ROOT / "inventories/local"), *args]
    return subprocess.Popen(  # noqa: S603 - our own ansible-playbook
        cmd,
        cwd=ROOT,
        env=ansible_env(endpoint),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _finish(proc: subprocess.Popen, timeout: int = 120) -> Run:
    out, _ = proc.communicate(timeout=timeout)
    return Run(proc.returncode, out)


def _holder(aws, table: str) -> dict | None:
    try:
        item = aws("dynamodb").get_item(TableName=table, Key={"lock_id": {"S": STACK}}, ConsistentRead=True)
    except aws("dynamodb").exceptions.ResourceNotFoundException:
        return None
    return item.get("Item")


def test_two_runs_started_together_exactly_one_proceeds(moto_endpoint, aws, table):
    # both plays keep the lock; the release play imported after them releases it (deploy.yml's way)
    args = ("-e", f"platform_lock_table={table}", "-e", "lock_test_sleep=5", "-e", "lock_test_keep_last=true")
    started = time.monotonic()
    procs = [_start(moto_endpoint, *args), _start(moto_endpoint, *args)]
    # each run's own end (read side by side: the loser's end is not measured after the winner's)
    with ThreadPoolExecutor(2) as pool:
        finished = list(pool.map(lambda proc: (_finish(proc), time.monotonic() - started), procs))
    runs, ended = [run for run, _ in finished], [end for _, end in finished]
    ok = [i for i, run in enumerate(runs) if run.returncode == 0]
    assert len(ok) == 1, "\n\n".join(run.tail() for run in runs)
    winner, loser = ok[0], 1 - ok[0]
    refused = runs[loser].output
    assert f"The deploy lock of {STACK} is held by" in refused, runs[loser].tail()
    assert f"pid {procs[winner].pid}" in refused and "since 20" in refused and "-e platform_lock_break=true" in refused
    # the loser stopped at its first lock task, long before the winner (who holds it 2 x 5 s) ended
    assert runs[loser].recap["failed"] == 1
    assert "Work for a while under the lock" not in refused.split("is held by")[0]
    assert ended[loser] < ended[winner] or ended[loser] < 20, ended
    # the winner held the lock through both plays (taken once: the second play's lease was not yet half
    # gone) and released it at the end
    assert runs[winner].recap["changed"] == 0, runs[winner].tail()
    assert runs[winner].output.count("TASK [Ensure this run holds the deploy lock of the stack]") == 1
    assert _holder(aws, table) is None
    release = runs[winner].output.split("PLAY [Release the run's deploy lock]")[1]
    assert "TASK [Ensure this run no longer holds the deploy lock of the stack]" in release


def test_a_killed_runs_lock_is_refused_until_broken(moto_endpoint, aws, table):
    killed = _start(moto_endpoint, "-e", f"platform_lock_table={table}", "-e", "lock_test_sleep=120")
    deadline = time.monotonic() + 60
    while _holder(aws, table) is None:
        assert killed.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.5)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=30)
    assert _holder(aws, table)["holder"]["M"]["pid"] == {"S": str(killed.pid)}

    table_arg = ("-e", f"platform_lock_table={table}")
    refused = playbook(moto_endpoint, PLAY, *table_arg, timeout=120)
    assert refused.returncode != 0
    assert f"pid {killed.pid}" in refused.output and "no longer runs on this host" in refused.output, refused.tail()
    assert "-e platform_lock_break=true" in refused.output

    preview = playbook(moto_endpoint, PLAY, *table_arg, "--check", timeout=120)
    assert preview.returncode == 0, preview.tail()
    assert "check mode: nothing is written" in preview.output
    # the two writing plays of a check-mode run read the lock once
    assert preview.output.count("TASK [Ensure this run holds the deploy lock of the stack]") == 1, preview.tail()
    assert _holder(aws, table)["holder"]["M"]["pid"] == {"S": str(killed.pid)}

    broken = playbook(moto_endpoint, PLAY, *table_arg, "-e", "platform_lock_break=true", timeout=120)
    assert broken.returncode == 0, broken.tail()
    assert "Broke the deploy lock" in broken.output and f"pid {killed.pid}" in broken.output
    assert _holder(aws, table) is None


def test_a_failing_run_releases_the_lock(moto_endpoint, aws, table):
    failed = playbook(moto_endpoint, PLAY, "-e", f"platform_lock_table={table}", "-e", "lock_test_fail=true")
    assert failed.returncode != 0 and "the second play failed on purpose" in failed.output, failed.tail()
    assert _holder(aws, table) is None
    assert "Ensure this run no longer holds the deploy lock" in failed.output


def test_a_later_play_renews_the_lease_once_half_of_it_has_passed(moto_endpoint, aws, table):
    # the renewal time forced into the past (as after half of a lease): every play renews its lease
    run = playbook(
        moto_endpoint,
        PLAY,
        "-e",
        f"platform_lock_table={table}",
        "-e",
        "lock_test_keep_last=true",
        "-e",
        "__platform_lock_renew_at=0",
        timeout=120,
    )
    assert run.returncode == 0, run.tail()
    assert run.output.count("TASK [Ensure this run holds the deploy lock of the stack]") == 2
    assert _holder(aws, table) is None
