# Copyright: Platform Ops Maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ecs_run_task: waiting for the task to stop, and stopping the task the module gives up on.

``SignalGuard`` turns SIGINT and SIGTERM into ``Interrupted`` once the task is known, ``TaskGuard`` stops
the task (StopTask, at most once) and records the stop for the result, ``wait_for_stop`` polls the task
until it is STOPPED or ``wait_timeout`` passes.
"""

from __future__ import annotations

import signal
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.platform_ops.aws.plugins.module_utils.ecs import (
    describe_tasks,
    poll_delays,
    sleep_until_next_poll,
    stop_task,
)


class Interrupted(BaseException):  # noqa: N818 - like KeyboardInterrupt
    """SIGINT or SIGTERM reached the module while a task of ours may run.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception`` (ours, botocore's retry
    handling) swallows it.
    """

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


class SignalGuard:
    """SIGINT/SIGTERM handlers for the time a task of ours may run.

    While ``deferred`` (during RunTask: its answer names the task to stop) a signal is only recorded;
    ``arm()`` raises it once the task is known. Once armed, a signal raises ``Interrupted`` at once
    (interrupting a poll's sleep or a request), and later signals are recorded only, so that the
    StopTask that follows is not interrupted.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.pending = None
        self.deferred = True
        self.previous = {}

    def _handle(self, signum, frame):
        if self.pending is None:
            self.pending = signum
        if not self.deferred:
            self.deferred = True
            raise Interrupted(signum)

    def install(self):
        for signum in self.SIGNALS:
            try:
                self.previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: nothing can deliver a signal to this code
                pass

    def arm(self):
        if self.pending is not None:
            raise Interrupted(self.pending)
        self.deferred = False

    def disarm(self):
        self.deferred = True

    def restore(self):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}


class TaskGuard:
    """Stops the task the module gave up on (at most once) and records the stop for the result."""

    def __init__(self, module, cluster, result):
        self.module = module
        self.cluster = cluster
        self.result = result
        self.task_arn = None
        self.last_status = None

    def stop(self, reason):
        """StopTask (unless the task is known to have stopped, or stop_on_failure is off); a sentence for the message."""
        if self.task_arn is None or self.last_status == "STOPPED":
            return ""
        task_id = self.task_arn.rsplit("/", 1)[-1]
        if not self.module.params["stop_on_failure"]:
            return f" Task {task_id} was left running (stop_on_failure: false)."
        if self.result.get("stop"):
            return f" Task {task_id} was stopped ({self.result['stop']['reason']})."
        stop = {"reason": reason[:255], "error": None}
        self.result["stop"] = stop
        try:
            # A client of its own: the request a signal interrupted may have left a connection half-read.
            stopped = stop_task(self.module.client("ecs"), self.cluster, self.task_arn, stop["reason"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            stop["error"] = str(e)
            return (
                f" Stopping task {task_id} FAILED ({e}); it may still run: aws ecs stop-task --cluster "
                f"{self.cluster} --task {task_id}."
            )
        self.last_status = stopped.get("lastStatus") or self.last_status
        self.result["last_status"] = self.last_status
        return f" Task {task_id} was stopped (StopTask reason: {stop['reason']})."


def wait_for_stop(module, client, cluster, task_arn, task):
    """``(task, stopped)``; botocore errors are raised to the caller (which stops the task first)."""
    deadline = time.monotonic() + module.params["wait_timeout"]
    delays = poll_delays(module.params["poll_interval"])
    while True:
        tasks = describe_tasks(client, cluster, [task_arn])
        if tasks:
            task = tasks[0]
        if task.get("lastStatus") == "STOPPED":
            return task, True
        if not sleep_until_next_poll(delays, deadline):
            return task, False
