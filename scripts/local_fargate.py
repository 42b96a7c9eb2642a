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

Services behind a load balancer (a runner with ``serve: {"port": N}``): a new deployment starts the service's
container process on 127.0.0.1:N (the arguments ``0.0.0.0`` and the container port become the runner's ``bind`` and
port, as awsvpc gives the task an address of its own), replacing the previous deployment's. DescribeServices shows
the deployment ``IN_PROGRESS`` with no task running until the process answers the target group's health check (its
path and HTTP codes), then ``COMPLETED``; ``FAILED`` (with the circuit breaker) when the process exits first.
DeleteService, removing the runner and the launcher's exit stop it. The first service that takes a port keeps it.

The container's process is ``entryPoint`` + ``command``. A substitute replaces any variable the container gets
(environment or secret), never adds one; ``"stdin": true`` gives its command the value ECS would have given.

A task whose image matches no runner keeps moto's behaviour. The runner's values never appear in the
control endpoint's answers, only the names they set.

Control endpoint (served by the launcher beside ``/_platform_ops/faults``):

* ``POST /_platform_ops/fargate`` with ``{"runners": [{"image": "*/caseapp-local/backend:*", "workdir": "/path",
  "path": ["/venv/bin"], "substitute": {"DATABASE_URL": {"command": ["python", "local_stack.py",
  "database-url"], "env": {"PLATFORM_LOCAL_PG_DATA": "/data"}}, "REDIS_URL": {"value": "redis://127.0.0.1:6379/0"}}}]}``
  replaces the runners (``image`` is a shell-style pattern matched against the container's image; a command runs with
  the launcher's environment plus its ``env``); ``{}`` removes them. Answers the configuration, values masked.
* ``GET /_platform_ops/fargate`` -> ``{"runners": [...], "tasks": [{"task_arn", "image", "argv", "state",
  "exit_code", "log_stream"}], "services": [{"service_arn", "task_definition", "argv", "port", "health_path",
  "state", "healthy", "exit_code", "log_stream"}]}``: the tasks run so far and the services' processes.

``configure(endpoint, runners)`` posts the runners (for the local stack, the bench and tests).
"""

from __future__ import annotations

import atexit
import contextlib
import fnmatch
import functools
import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

EMULATOR_KEY_ID = "testing"
EMULATOR_SECRET_KEY = "testing"  # noqa: S105 - the emulator's dummy key pair, not a secret
_INHERITED = ("PATH", "HOME", "LANG", "TMPDIR")
_LOCK = threading.Lock()
_STATE: dict = {"runners": [], "tasks": {}, "endpoint": ""}
# The services' tasks (a runner with ``serve``): service ARN -> record; one process per service.
_SERVE_LOCK = threading.RLock()
_SERVED: dict[str, dict] = {}


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
            if not isinstance(how.get("stdin", False), bool):
                raise FargateError(f"runner {number}: substitute {name}: stdin must be true or false")
        serve = runner.get("serve")
        if serve is not None:
            port = serve.get("port") if isinstance(serve, dict) else None
            if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
                raise FargateError(f"runner {number}: serve needs a port (1-65535) for the services' tasks")
            serve = {"port": port, "bind": str(serve.get("bind") or "127.0.0.1")}
        checked.append(
            {"image": runner["image"], "workdir": workdir, "path": path, "substitute": substitute, "serve": serve}
        )
    return checked


def _public(runner: dict) -> dict:
    """The runner as the endpoint shows it: the substituted names and how, never a value."""
    how = {name: ("command" if "command" in spec else "value") for name, spec in runner["substitute"].items()}
    return {
        "image": runner["image"],
        "workdir": runner["workdir"],
        "path": runner["path"],
        "substitute": how,
        "serve": runner.get("serve"),
    }


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
        _stop_services(lambda record: record["runner"] not in runners)
        return respond(start_response, {"runners": [_public(r) for r in runners]})
    with _LOCK:
        tasks = [dict(task["public"]) for task in _STATE["tasks"].values()]
        runners = [_public(r) for r in _STATE["runners"]]
    with _SERVE_LOCK:
        services = [dict(record["public"]) for record in _SERVED.values()]
    return respond(start_response, {"runners": runners, "tasks": tasks, "services": services})


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
        how = runner["substitute"].get(item["name"])
        if how is None or how.get("stdin"):
            env[item["name"]] = _secret(account, region, item["valueFrom"])
    # The runner's substitutes replace what the container gets (never add a variable it does not get); a command
    # with ``stdin`` reads the value ECS would have given (e.g. the secret's URL, to keep its login and password).
    for name, how in runner["substitute"].items():
        if name not in env and name not in {item["name"] for item in container.get("secrets") or []}:
            continue
        if "value" in how:
            env[name] = how["value"]
            continue
        env[name] = subprocess.run(  # noqa: S603 - the runner's own command
            how["command"],
            input=env.get(name, "") if how.get("stdin") else None,
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


def _log_target(container: dict, region: str, task_id: str) -> tuple[str | None, str | None, str]:
    """(awslogs group, stream, region) of the container's task ``task_id``; no stream without the awslogs options."""
    options = (container.get("logConfiguration") or {}).get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{container['name']}/{task_id}" if group and prefix else None
    return group, stream, options.get("awslogs-region") or region


def _popen(record: dict, argv: list[str]) -> subprocess.Popen:
    """Start the container's process for ``record`` (its runner, container, override, account and region)."""
    runner, region = record["runner"], record["region"]
    env = _environment(runner, record["container"], record["override"], record["account"], region)
    return subprocess.Popen(  # noqa: S603 - the task definition's own command, as Fargate would run it
        argv,
        cwd=runner["workdir"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _pump(proc: subprocess.Popen, record: dict, group: str | None, stream: str | None, log_region: str) -> int:
    """Send the process's lines to its log stream until it exits; its exit code as the container runtime gives
    it (128 + the signal's number when a signal ended it)."""
    for line in proc.stdout:
        if stream:
            _put_log_line(record["account"], log_region, group, stream, line.rstrip("\n"))
    code = proc.wait()
    return 128 - code if code < 0 else code


def _run(task, record: dict) -> None:
    """The task's thread: start the process, send its lines to its log stream, stop the task when it exits."""
    public = record["public"]
    group, stream, log_region = _log_target(record["container"], record["region"], task.id)
    public["log_stream"] = stream
    try:
        proc = _popen(record, public["argv"])
    except Exception as exc:  # noqa: BLE001 - a task that cannot start stops, as on AWS
        public.update(state="STOPPED", exit_code=None)
        _finish(task, None, f"CannotStartContainerError: {type(exc).__name__}: {exc}"[:255])
        return
    record["process"] = proc
    public["state"] = "RUNNING"
    code = _pump(proc, record, group, stream, log_region)
    public.update(state="STOPPED", exit_code=code)
    _finish(task, code, "Essential container in task exited")


def _argv(container: dict, override: dict | None = None) -> list[str]:
    """The container's process as the runtime starts it: ``entryPoint`` then ``command`` (RunTask's override
    replaces the command, not the entry point)."""
    return [*(container.get("entryPoint") or []), *((override or {}).get("command") or container.get("command") or [])]


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
        argv = _argv(container, override)
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


# --------------------------------------------------------------------------- services behind a load balancer


def _terminate(record: dict) -> None:
    """Stop a service's process (SIGTERM, SIGKILL after the container's stopTimeout) and wait for it."""
    proc = record.get("process")
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=record["stop_timeout"])
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _stop_services(which=lambda record: True) -> None:
    with _SERVE_LOCK:
        for arn, record in list(_SERVED.items()):
            if which(record):
                _terminate(record)
                record["public"]["state"] = "STOPPED"
                del _SERVED[arn]


def _health_target(backend, service, port: int) -> tuple[str, set[str]]:
    """(path, answer codes) of the target group's health check (elbv2), as the load balancer probes the task."""
    from moto.elbv2.models import elbv2_backends  # noqa: PLC0415

    arn = (service.load_balancers[0] or {}).get("targetGroupArn", "")
    group = elbv2_backends[backend.account_id][backend.region_name].target_groups.get(arn)
    path = getattr(group, "health_check_path", None) or "/"
    codes = str(((getattr(group, "matcher", None) or {}).get("HttpCode")) or "200")
    wanted = set()
    for part in codes.split(","):
        low, _, high = part.strip().partition("-")
        wanted.update(str(code) for code in range(int(low), int(high or low) + 1))
    return path, wanted


def map_port(arg: str, container_port: str, bind: str, port: int) -> str:
    """One argument of a service's command with the container's address mapped onto the runner's: ``0.0.0.0`` ->
    ``bind``, the container port -> ``port``, also inside ``0.0.0.0:8000`` (gunicorn's ``-b``) and ``--port=8000``."""
    wildcard = "0.0.0.0"  # noqa: S104 - what the container binds, replaced by the loopback address
    if arg == wildcard:
        return bind
    if not container_port:
        return arg
    if arg == container_port:
        return str(port)
    for form in (f"{wildcard}:{container_port}", f":{container_port}", f"={container_port}"):
        if arg.endswith(form):
            head = arg[: -len(form)]
            return head + (f"{bind}:{port}" if form.startswith(wildcard) else form[0] + str(port))
    return arg


def _serve(backend, service) -> dict | None:
    """Start (or restart, for a new deployment) the process of a service behind a load balancer whose container
    image a runner with ``serve`` matches: the container's command, its port mapped onto the runner's port on
    loopback (``0.0.0.0`` -> the runner's ``bind``, the container port -> the runner's port), as awsvpc gives the
    task an address of its own. One service's process serves a port: the first service that takes it keeps it
    (another service's deployment is left to moto) until that service is deleted."""
    if service.status != "ACTIVE" or not service.load_balancers or not service.task_definition:
        return None
    from moto_faults import _new_deployment  # noqa: PLC0415 - the emulator's deployment states

    primary = service.deployments[0] if service.deployments else {}
    deployment = primary.get("id", "")
    with _SERVE_LOCK:
        record = _SERVED.get(service.arn)
        if record and (record["task_definition"], record["deployment"]) == (service.task_definition, deployment):
            return record
        ours = record is not None and record.get("failed") and record["task_definition"] != service.task_definition
        if getattr(service, "_platform_failed", False) and not ours:
            return record  # the deployment failed before any task ran (moto_faults: an unpullable image, say)
        definition = backend.describe_task_definition(service.task_definition)
        wanted = service.load_balancers[0].get("containerName")
        container = next(
            (c for c in definition.container_definitions if c.get("name") == wanted),
            definition.container_definitions[0],
        )
        runner = _runner_for(container.get("image", ""))
        if runner is None or not runner.get("serve"):
            return None
        port, bind = runner["serve"]["port"], runner["serve"]["bind"]
        container_port = str(service.load_balancers[0].get("containerPort") or "")
        argv = [map_port(arg, container_port, bind, port) for arg in _argv(container)]
        taken = [o for o in _SERVED.values() if o["port"] == port and o["public"]["service_arn"] != service.arn]
        if any(o["public"]["state"] == "RUNNING" for o in taken):
            return None  # the port serves the first service that took it (the primary region's, the first listed)
        _stop_services(lambda other: other["public"]["service_arn"] == service.arn or other in taken)
        if primary and (
            primary.get("taskDefinition") != service.task_definition or primary.get("rolloutState") == "FAILED"
        ):
            # A new task definition (or a retry after a failed deployment) is a new deployment, as ECS starts one.
            service._platform_failed = False
            deployment = _new_deployment(service, service.task_definition, state="IN_PROGRESS", running=0)["id"]
        path, codes = _health_target(backend, service, port)
        task_id = os.urandom(16).hex()
        group, stream, log_region = _log_target(container, backend.region_name, task_id)
        record = {
            "runner": runner,
            "container": container,
            "override": {},
            "account": backend.account_id,
            "region": backend.region_name,
            "task_definition": service.task_definition,
            "deployment": deployment,
            "port": port,
            "health": (f"http://{bind}:{port}{path}", codes),
            "stop_timeout": int(container.get("stopTimeout") or 30),
            "held": False,
            "public": {
                "service_arn": service.arn,
                "task_definition": service.task_definition,
                "image": container.get("image"),
                "argv": argv,
                "port": port,
                "health_path": path,
                "state": "PENDING",
                "healthy": False,
                "exit_code": None,
                "log_stream": stream,
            },
        }
        _SERVED[service.arn] = record
        try:
            proc = _popen(record, argv)
        except Exception as exc:  # noqa: BLE001 - the task cannot start: the deployment fails (see _gate)
            record["process"] = None
            record["public"].update(state="STOPPED", reason=f"CannotStartContainerError: {type(exc).__name__}")
            return record
        record["process"] = proc
        record["public"]["state"] = "RUNNING"

    def _watch():
        code = _pump(proc, record, group, stream, log_region)
        record["public"]["exit_code"] = code
        if record["public"]["state"] == "RUNNING":
            record["public"]["state"] = "STOPPED"

    threading.Thread(target=_watch, daemon=True, name=f"fargate-service-{task_id[:8]}").start()
    return record


def _healthy(record: dict) -> bool:
    url, codes = record["health"]
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
            return str(resp.status) in codes
    except urllib.error.HTTPError as exc:
        return str(exc.code) in codes
    except OSError:
        return False


def _gate(service, record: dict) -> None:
    """DescribeServices sees the deployment as the load balancer would: IN_PROGRESS (no task running) until the
    process answers the target group's health check, then COMPLETED; FAILED when the process exits first."""
    from moto_faults import _fail_deployment, complete_deployment  # noqa: PLC0415 - the emulator's deployment states

    public = record["public"]
    if public["healthy"] or not service.deployments or record.get("failed"):
        return
    deployment = service.deployments[0]
    if public["state"] == "RUNNING" and _healthy(record):
        public["healthy"] = True
        if record["held"]:
            complete_deployment(service)
        return
    if public["state"] == "STOPPED":
        record["failed"] = True
        _fail_deployment(
            service, record["task_definition"], public.get("reason") or "Essential container in task exited"
        )
        return
    if deployment.get("rolloutState") == "FAILED":
        return
    record["held"] = True
    service.running_count, service.pending_count = 0, service.desired_count
    deployment.update(
        runningCount=0,
        pendingCount=service.desired_count,
        rolloutState="IN_PROGRESS",
        rolloutStateReason=f"ECS deployment {deployment['id']} in progress.",
    )


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

    describe_services = EC2ContainerServiceBackend.describe_services

    @functools.wraps(describe_services)
    def describe_services_locally(self, cluster_str, service_names_or_arns):
        result, failures = describe_services(self, cluster_str, service_names_or_arns)
        if _STATE["runners"] or _SERVED:
            for service in result:
                with _SERVE_LOCK:  # one DescribeServices at a time judges a deployment
                    record = _serve(self, service)
                    if record is not None and _SERVED.get(service.arn) is record:
                        _gate(service, record)
        return result, failures

    delete_service = EC2ContainerServiceBackend.delete_service

    @functools.wraps(delete_service)
    def delete_service_locally(self, cluster_name, service_name, force):
        service = delete_service(self, cluster_name, service_name, force)
        _stop_services(lambda record: record["public"]["service_arn"] == service.arn)
        return service

    EC2ContainerServiceBackend.run_task = run_task_locally
    EC2ContainerServiceBackend.stop_task = stop_task_locally
    EC2ContainerServiceBackend.describe_services = describe_services_locally
    EC2ContainerServiceBackend.delete_service = delete_service_locally


def _stop_all() -> None:
    """At the launcher's exit: no process of its tasks or services outlives it."""
    _stop_services()
    with _LOCK:
        running = [r["process"] for r in _STATE["tasks"].values() if r["process"] and r["process"].poll() is None]
    for proc in running:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)


def install(app, endpoint: str = "") -> None:
    """Patch moto's RunTask and StopTask and serve ``/_platform_ops/fargate`` on the launcher ``app``
    (a CountingMiddleware). ``endpoint`` is the launcher's own URL, given to the tasks as AWS_ENDPOINT_URL."""
    _patch_moto()
    _STATE["endpoint"] = endpoint
    atexit.register(_stop_all)
    control = app._control

    def _control(environ, start_response, path):
        if path == "fargate":
            return handle(environ, start_response, app._json)
        return control(environ, start_response, path)

    app._control = _control
