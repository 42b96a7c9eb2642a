"""The local stack's Fargate: one-off ECS tasks of the platform's own images run as local processes
(installed by moto_launcher.py).

moto records the tasks RunTask starts and, when they are described, reports them ``STOPPED`` with exit code 0:
nothing runs. With a runner configured for a task's image, RunTask starts the task's container command as a
process on the control node instead, as Fargate would start the container:

* in the runner's ``workdir``, with the container's ``command`` (RunTask's ``overrides`` win), and the environment
  ECS gives the container: its ``environment``, then the override's, then its ``secrets`` resolved from the
  emulator's Secrets Manager as ECS resolves ``valueFrom`` (the secret's ARN, or
  ``ARN:json-key:version-stage:version-id``), except the names the runner substitutes: a fixed ``value`` or the
  output of a ``command`` run when the task starts (the local PostgreSQL login for DATABASE_URL, say, which the
  secret cannot hold: it names the emulated RDS endpoint). ``AWS_ENDPOINT_URL`` and the emulator's dummy key pair
  are added; ``path`` entries go in front of ``PATH``. Nothing of the launcher's own environment leaks in but
  ``PATH``, ``HOME``, ``LANG`` and ``TMPDIR``.
* DescribeTasks reports the task ``RUNNING`` while the process runs, then ``STOPPED``: the container's
  ``exitCode`` is the process's, ``stopCode`` ``EssentialContainerExited``, ``stoppedReason`` "Essential
  container in task exited", as on AWS.
* Its output (stdout and stderr, line by line) goes to CloudWatch Logs as the ``awslogs`` driver sends it: the
  container's ``awslogs-group``, stream ``<awslogs-stream-prefix>/<container name>/<task id>``, one event per line.
  The group must exist (the driver does not create it unless ``awslogs-create-group`` is ``true``).
* StopTask terminates the process (SIGTERM, then SIGKILL after the container's ``stopTimeout``, default 30 s);
  the task stays ``RUNNING`` until it has exited, and the container's exit code is then 128 + the signal (143),
  as the container runtime reports it.

A task whose image matches no runner keeps moto's behaviour. The runner's values never appear in the
control endpoint's answers, only the names they set.

Control endpoint (served by the launcher beside ``/_platform_ops/faults``):

* ``POST /_platform_ops/fargate`` with ``{"runners": [{"image": "*/caseapp-local/backend:*", "workdir": "/path",
  "path": ["/venv/bin"], "substitute": {"DATABASE_URL": {"command": ["python", "local_stack.py",
  "database-url"], "env": {"PLATFORM_LOCAL_PG_DATA": "/data"}}, "REDIS_URL": {"value": "redis://127.0.0.1:6379/0"}}}]}``
  replaces the runners (``image`` is a shell-style pattern matched against the container's image; a command runs with
  the launcher's environment plus its ``env``); ``{}`` removes them. Answers the configuration, values masked.
* ``GET /_platform_ops/fargate`` -> ``{"runners": [...], "tasks": [{"task_arn", "image", "argv", "state",
  "exit_code", "log_stream"}]}``: the tasks run so far.

``configure(endpoint, runners)`` posts the runners (for the local stack, the bench and tests).
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request

EMULATOR_KEY_ID = "testing"
EMULATOR_SECRET_KEY = "testing"  # noqa: S105 - the emulator's dummy key pair, not a secret
_INHERITED = ("PATH", "HOME", "LANG", "TMPDIR")
_LOCK = threading.Lock()
_STATE: dict = {"runners": [], "tasks": {}, "endpoint": ""}


class FargateError(ValueError):
    """A runner configuration the endpoint refuses."""


# --------------------------------------------------------------------------- configuration


def _validate(payload) -> list[dict]:
    if not isinstance(payload, dict):
        raise FargateError("the body must be a JSON object: {'runners': [...]}")
    runners = payload.get("runners") or []
    if not isinstance(runners, list):
        raise FargateError("runners must be a list")
    checked = []
    for number, runner in enumerate(runners, start=1):
        if not isinstance(runner, dict) or not isinstance(runner.get("image"), str) or not runner["image"]:
            raise FargateError(f"runner {number}: image (a pattern of the container image) is required")
        workdir = runner.get("workdir")
        if not isinstance(workdir, str) or not os.path.isdir(workdir):
            raise FargateError(f"runner {number}: workdir {workdir!r} is not a directory")
        path = runner.get("path") or []
        if not isinstance(path, list) or not all(isinstance(item, str) for item in path):
            raise FargateError(f"runner {number}: path must be a list of directories")
        substitute = runner.get("substitute") or {}
        if not isinstance(substitute, dict):
            raise FargateError(f"runner {number}: substitute must map variable names to a value or a command")
        for name, how in substitute.items():
            valid = isinstance(how, dict) and (
                isinstance(how.get("value"), str)
                or (
                    isinstance(how.get("command"), list)
                    and how["command"]
                    and all(isinstance(a, str) for a in how["command"])
                )
            )
            if not valid:
                raise FargateError(f"runner {number}: substitute {name} needs a 'value' string or a 'command' list")
            extra = how.get("env") or {}
            if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
                raise FargateError(f"runner {number}: substitute {name}: env must map names to strings")
        checked.append({"image": runner["image"], "workdir": workdir, "path": path, "substitute": substitute})
    return checked


def _public(runner: dict) -> dict:
    """The runner as the endpoint shows it: the substituted names and how, never a value."""
    how = {name: ("command" if "command" in spec else "value") for name, spec in runner["substitute"].items()}
    return {"image": runner["image"], "workdir": runner["workdir"], "path": runner["path"], "substitute": how}


def configure(endpoint: str, runners: list[dict]) -> dict:
    """Set the runners of the launcher at ``endpoint``; returns its answer."""
    req = urllib.request.Request(  # noqa: S310 - loopback only
        f"{endpoint}/_platform_ops/fargate",
        data=json.dumps({"runners": runners}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read())


def handle(environ, start_response, respond):
    """``/_platform_ops/fargate``: GET lists the runners and the tasks run, POST replaces the runners."""
    if environ.get("REQUEST_METHOD", "GET") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        try:
            runners = _validate(json.loads(raw or b"{}"))
        except (ValueError, TypeError) as exc:  # FargateError and bad JSON
            return respond(start_response, {"error": str(exc)}, "400 Bad Request")
        with _LOCK:
            _STATE["runners"] = runners
        return respond(start_response, {"runners": [_public(r) for r in runners]})
    with _LOCK:
        tasks = [dict(task["public"]) for task in _STATE["tasks"].values()]
        runners = [_public(r) for r in _STATE["runners"]]
    return respond(start_response, {"runners": runners, "tasks": tasks})


# --------------------------------------------------------------------------- running a task


def value_from_parts(value_from: str) -> tuple[str, str, str, str]:
    """(secret id, json key, version stage, version id) of a container secret's ``valueFrom`` as ECS reads it: the
    secret's ARN, or ``arn:aws:secretsmanager:region:account:secret:name:json-key:version-stage:version-id``."""
    parts = value_from.split(":")
    if value_from.startswith("arn:") and len(parts) > 7:
        json_key, stage, version = (parts[7:] + ["", "", ""])[:3]
        return ":".join(parts[:7]), json_key, stage, version
    return value_from, "", "", ""


def _secret(account: str, region: str, value_from: str) -> str:
    from moto.secretsmanager.models import secretsmanager_backends  # noqa: PLC0415

    secret_id, json_key, stage, version = value_from_parts(value_from)
    answer = secretsmanager_backends[account][region].get_secret_value(secret_id, version or None, stage or None)
    value = answer["SecretString"]
    return str(json.loads(value)[json_key]) if json_key else value


def _runner_for(image: str) -> dict | None:
    with _LOCK:
        return next((r for r in _STATE["runners"] if fnmatch.fnmatchcase(image or "", r["image"])), None)


def _environment(runner: dict, container: dict, override: dict, account: str, region: str) -> dict:
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    if runner["path"]:
        env["PATH"] = os.pathsep.join([*runner["path"], env.get("PATH", "")])
    env.update({item["name"]: item.get("value", "") for item in container.get("environment") or []})
    env.update({item["name"]: item.get("value", "") for item in override.get("environment") or []})
    for item in container.get("secrets") or []:
        name = item["name"]
        how = runner["substitute"].get(name)
        if how is None:
            env[name] = _secret(account, region, item["valueFrom"])
        elif "value" in how:
            env[name] = how["value"]
        else:
            env[name] = subprocess.run(  # noqa: S603 - the runner's own command
                how["command"],
                env=dict(os.environ, **(how.get("env") or {})),
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
    env.update(
        AWS_ENDPOINT_URL=_STATE["endpoint"] or env.get("AWS_ENDPOINT_URL", ""),
        AWS_ACCESS_KEY_ID=EMULATOR_KEY_ID,
        AWS_SECRET_ACCESS_KEY=EMULATOR_SECRET_KEY,
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
    )
    return env


def _put_log_line(account: str, region: str, group: str, stream: str, line: str) -> None:
    from moto.logs.models import logs_backends  # noqa: PLC0415

    logs = logs_backends[account][region]
    if group not in logs.groups:
        return
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    logs.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": line}])


def _finish(task, exit_code: int | None, reason: str) -> None:
    task._transitions = [("STOPPED", "STOPPED")]
    task.status = "STOPPED"
    task.desired_status = "STOPPED"
    task.stop_code = "EssentialContainerExited" if exit_code is not None else "TaskFailedToStart"
    task.stopped_reason = task.stopped_reason or reason
    for container in task.containers:
        container.last_status = "STOPPED"
        container.exitCode = exit_code
        container.exit_code = exit_code


def _run(task, record: dict) -> None:
    """The task's thread: start the process, send its lines to its log stream, stop the task when it exits."""
    public, runner, container = record["public"], record["runner"], record["container"]
    account, region = record["account"], record["region"]
    options = (container.get("logConfiguration") or {}).get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container['name']}/{task.id}" if group and prefix else None
    log_region = options.get("awslogs-region") or region
    public["log_stream"] = stream
    try:
        env = _environment(runner, container, record["override"], account, region)
        proc = subprocess.Popen(  # noqa: S603 - the task definition's own command, as Fargate would run it
            public["argv"],
            cwd=runner["workdir"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    except Exception as exc:  # noqa: BLE001 - a task that cannot start stops, as on AWS
        public.update(state="STOPPED", exit_code=None)
        _finish(task, None, f"CannotStartContainerError: {type(exc).__name__}: {exc}"[:255])
        return
    record["process"] = proc
    public["state"] = "RUNNING"
    for line in proc.stdout:
        if stream:
            _put_log_line(account, log_region, group, stream, line.rstrip("\n"))
    code = proc.wait()
    if code < 0:  # killed by a signal: the container runtime reports 128 + the signal's number
        code = 128 - code
    public.update(state="STOPPED", exit_code=code)
    _finish(task, code, "Essential container in task exited")


def _start(backend, tasks, overrides: dict | None) -> None:
    for task in tasks:
        if task.status == "STOPPED":  # refused before it started (moto_faults' ecs_image_pull)
            continue
        definition = backend.describe_task_definition(task.task_definition_arn)
        container = definition.container_definitions[0]
        runner = _runner_for(container.get("image", ""))
        if runner is None:
            continue
        override = next(
            (o for o in (overrides or {}).get("containerOverrides") or [] if o.get("name") == container.get("name")),
            {},
        )
        argv = list(override.get("command") or container.get("command") or [])
        task._transitions = [("RUNNING", "RUNNING")]  # RUNNING until the process exits
        task.status = "RUNNING"
        record = {
            "runner": runner,
            "container": container,
            "override": override,
            "account": backend.account_id,
            "region": backend.region_name,
            "process": None,
            "stop_timeout": int(container.get("stopTimeout") or 30),
            "public": {"task_arn": task.task_arn, "image": container.get("image"), "argv": argv, "state": "PENDING"},
        }
        with _LOCK:
            _STATE["tasks"][task.task_arn] = record
        if not argv:
            record["public"].update(state="STOPPED", exit_code=None)
            _finish(task, None, "CannotStartContainerError: the container has no command")
            continue
        threading.Thread(
            target=_run,
            args=(task, record),
            daemon=True,
            name=f"fargate-{task.id}",
        ).start()


def _stop(task_arn: str) -> None:
    with _LOCK:
        record = _STATE["tasks"].get(task_arn)
    proc = record and record["process"]
    if not proc or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)

    def _kill_later():
        try:
            proc.wait(timeout=record["stop_timeout"])
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)

    threading.Thread(target=_kill_later, daemon=True).start()


@functools.cache
def _patch_moto() -> None:
    from moto.ecs.models import EC2ContainerServiceBackend  # noqa: PLC0415

    run_task = EC2ContainerServiceBackend.run_task

    @functools.wraps(run_task)
    def run_task_locally(self, cluster_str, task_definition_str, count, overrides, *args, **kwargs):
        tasks = run_task(self, cluster_str, task_definition_str, count, overrides, *args, **kwargs)
        if _STATE["runners"]:
            _start(self, tasks, overrides)
        return tasks

    stop_task = EC2ContainerServiceBackend.stop_task

    @functools.wraps(stop_task)
    def stop_task_locally(self, cluster_str, task_str, reason):
        task = stop_task(self, cluster_str, task_str, reason)
        with _LOCK:
            running = (
                task.task_arn in _STATE["tasks"] and _STATE["tasks"][task.task_arn]["public"]["state"] == "RUNNING"
            )
        if running:
            task._transitions = [("RUNNING", "RUNNING")]  # STOPPED once the process has exited
            task.status = "RUNNING"
            _stop(task.task_arn)
        return task

    EC2ContainerServiceBackend.run_task = run_task_locally
    EC2ContainerServiceBackend.stop_task = stop_task_locally


def install(app, endpoint: str = "") -> None:
    """Patch moto's RunTask and StopTask and serve ``/_platform_ops/fargate`` on the launcher ``app``
    (a CountingMiddleware). ``endpoint`` is the launcher's own URL, given to the tasks as AWS_ENDPOINT_URL."""
    _patch_moto()
    _STATE["endpoint"] = endpoint
    control = app._control

    def _control(environ, start_response, path):
        if path == "fargate":
            return handle(environ, start_response, app._json)
        return control(environ, start_response, path)

    app._control = _control
