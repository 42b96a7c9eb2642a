#!/usr/bin/env python3
"""make bench: how long the deploy takes, how much of it a no-op costs, and whether the data tier overlaps.

Part 1 starts a fresh local stack of its own (moto launcher, PostgreSQL and the reference app, each on
a free loopback port, independent of the one `make local-up` runs on :5000), creates the ECR
repositories (`--tags repositories`) and pushes the images into them as a first install does, runs
`deploy.yml -i inventories/local` cold, then again as a no-op, and prints per run the wall time, the
tasks run, what changed and the AWS API requests the launcher counted, then one line:

    bench: cold_s=… noop_s=… noop_over_cold=… noop_api_calls=… noop_modules=… noop_latency_s=… rollout_noop_s=…
           check_s=… api_latency_ms=… repeat=… noop_range_s=… rollout_noop_range_s=… check_range_s=… check_over_noop=…

noop_modules counts module processes (benchmarks/callback_plugins/module_processes.py: set_fact, assert,
debug, includes and other controller-side actions do not count). noop_latency_s is the no-op again with
every AWS request answered --api-latency later (default 50 ms, as over the network to AWS);
rollout_noop_s is `--tags rollout` with nothing to roll; check_s is `--check --diff` of the whole stack.
The no-op, --check --diff and rollout no-op run --repeat times (default 3), interleaved: their keys give the
median, the *_range_s keys the fastest and the slowest, check_over_noop the median of each round's ratio.

Part 2 measures the data tier, twice, each time on another fresh launcher: `--tags
network,storage,identity` first, then `--tags database,cache,search` is timed: once without latency
(the baseline: module and API overhead alone) and once with the launcher's scaled creation latency
switched on (RDS, ElastiCache and OpenSearch report "creating" for N seconds after their Create call):

    bench-data-tier: wall_s=… baseline_s=… added_s=… sum_latency_s=… max_latency_s=… added_over_max=… wall_over_max=…

added_s = wall_s - baseline_s is what the injected latency cost. added_over_max near 1 (or below: the
creations also overlap the roles' other tasks) means the three are created concurrently; near
sum/max means one after the other.
Playbook output goes to .local/bench/<run>.log. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / ".local" / "bench"
RECAP = re.compile(r"^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)
RESULT = re.compile(r"^(?:ok|changed|failed|fatal): \[", re.M)  # one line per task result, per loop item
PROFILE = re.compile(r"^(.+?) -{3,} (\d+\.\d+)s$", re.M)  # profile_tasks summary (ansible.cfg)
DATA_TIER = {"database": "rds", "cache": "elasticache", "search": "opensearch"}  # role -> latency type

sys.path.insert(0, str(ROOT / "scripts"))
import local_ecr  # noqa: E402
import local_postgres  # noqa: E402
import local_stack as local_stack_script  # noqa: E402
from moto_launcher import parse_api_latency, parse_latency  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, what: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - loopback only
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: {what} did not start (see {OUT})") from None
            time.sleep(0.2)


@contextlib.contextmanager
def process(name: str, argv: list[str], ready_url: str, **kwargs):
    """A child process in its own session, killed (with its children) on exit."""
    with open(OUT / f"{name}.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    try:
        wait_http(ready_url, name, proc)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Launcher:
    """Our moto launcher on a free port; its request counter and latency switch."""

    def __init__(self, stack: contextlib.ExitStack, name: str = "moto"):
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {k: v for k, v in os.environ.items() if k != "PLATFORM_LOCAL_LATENCY"}  # latency: only when asked
        argv = [sys.executable, str(ROOT / "scripts" / "moto_launcher.py"), "--port", self.url.rsplit(":", 1)[1]]
        stack.enter_context(process(name, argv, f"{self.url}/_platform_ops/requests", env=env))

    def call(self, path: str, payload=None) -> dict:
        data = None if payload is None else json.dumps(payload).encode()
        url = f"{self.url}/_platform_ops/{path}"
        req = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310 - loopback
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback only
            return json.load(resp)


def local_stack(stack: contextlib.ExitStack) -> tuple[Launcher, dict, list[str]]:
    """A fresh launcher and the local stack's own processes (`local_stack.py up`: PostgreSQL, Redis, the search
    stand-in, and the launcher's local Fargate, which runs the tasks and the public service) with a state dir and ports of their own,
    as the integration tests run them; the env ansible-playbook needs so that the inventory's commands find them."""
    moto = Launcher(stack)
    base = OUT / "stack"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    base.chmod(0o711)  # the postgres account traverses it to its data dir
    env = {
        "PLATFORM_LOCAL_STATE": str(base / "state"),
        "PLATFORM_LOCAL_PG_DATA": str(base / "postgres"),
        "PLATFORM_LOCAL_PG_PORT": str(free_port()),
        "PLATFORM_LOCAL_APP_PORT": str(free_port()),
        "PLATFORM_LOCAL_SEARCH_PORT": str(free_port()),
        "PLATFORM_LOCAL_REDIS_PORT": str(free_port()),
        "PLATFORM_LOCAL_MOTO_PORT": moto.url.rsplit(":", 1)[1],
    }
    script = [sys.executable, str(ROOT / "scripts" / "local_stack.py")]
    up = subprocess.run([*script, "up"], env=dict(os.environ, **env), capture_output=True, text=True, check=False)
    if up.returncode != 0:
        raise SystemExit(f"bench: local_stack.py up failed ({up.returncode}):\n{up.stdout}{up.stderr}")
    stack.callback(subprocess.run, [*script, "down"], env=dict(os.environ, **env), capture_output=True, check=False)
    stack.callback(local_postgres.stop, base / "postgres")
    return moto, env, []


def playbook(moto: Launcher, name: str, args: list[str], env_extra: dict | None = None) -> dict:
    """Run ansible-playbook against the launcher; wall time, tasks, recap and API requests of the run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        # module_processes (benchmarks/callback_plugins) counts the module processes beside profile_tasks.
        ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "benchmarks" / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="ansible.builtin.profile_tasks,platform_ops.aws.preload,module_processes",
        PLATFORM_BENCH_MODULES_FILE=str(OUT / f"{name}-modules.json"),
        PLATFORM_AWS_ENDPOINT_URL=moto.url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - the emulator's dummy key
        **(env_extra or {}),
    )
    argv = [str(BIN / "ansible-playbook"), *args]
    moto.call("requests/reset", {})
    log = OUT / f"{name}.log"
    start = time.monotonic()
    with open(log, "wb") as out:
        rc = subprocess.run(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.monotonic() - start
    output = log.read_text(errors="replace")
    recap = [sum(map(int, groups)) for groups in zip(*RECAP.findall(output), strict=False)] or [0] * 5
    stats = moto.call("requests")
    (OUT / f"{name}-requests.json").write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    modules_file = OUT / f"{name}-modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.exists() else {"total": 0, "by_role": {}}
    run = {
        "name": name,
        "rc": rc,
        "wall": wall,
        "tasks": output.count("\nTASK ["),
        "runs": len(RESULT.findall(output)),
        "recap": dict(zip(("ok", "changed", "unreachable", "failed", "skipped"), recap, strict=True)),
        "modules": modules["total"],
        "modules_by_role": modules["by_role"],
        "api": stats["total"],
        "top": sorted(stats["by_operation"].items(), key=lambda kv: (-kv[1], kv[0]))[:8],
        "slowest": PROFILE.findall(output)[:3],
        "log": log,
    }
    r, pad = run["recap"], " " * 11
    print(f"{name:<10} wall {wall:.2f} s")
    print(
        f'{pad}tasks {run["tasks"]} ("TASK [" banners; skipped tasks are not shown), module runs {run["runs"]} '
        "(task result lines; every loop item counts)"
    )
    print(
        f"{pad}module processes {run['modules']}; by role: "
        + ", ".join(f"{role} {n}" for role, n in list(run["modules_by_role"].items())[:8])
    )
    print(f"{pad}recap ok={r['ok']} changed={r['changed']} failed={r['failed']} skipped={r['skipped']}")
    print(f"{pad}AWS API requests {run['api']}; top: " + ", ".join(f"{op} {n}" for op, n in run["top"]))
    if run["slowest"]:
        print(f"{pad}slowest: " + "; ".join(f"{task.strip()} {secs}s" for task, secs in run["slowest"]))
    if rc != 0:
        print("\n".join(output.splitlines()[-40:]), file=sys.stderr)
        raise SystemExit(f"bench: {name} run failed (rc={rc}); full output in {log}")
    return run


def bench_deploy(inventory: str, deploy: str, api_latency: float, mitogen: str | None = None, repeat: int = 3) -> None:
    with contextlib.ExitStack() as stack:
        moto, env, extra = local_stack(stack)
        print(f"fresh local stack: moto {moto.url}, app port {env['PLATFORM_LOCAL_APP_PORT']}, logs {OUT}")
        # The first install as on AWS: the repositories, the images pushed (the local docker push), the deploy.
        playbook(moto, "repositories", [deploy, "-i", inventory, "--tags", "repositories", *extra], env)
        region, repositories, tag = local_stack_script.inventory_images(inventory)
        print(f"{'push':<10} " + "; ".join(local_ecr.push_images(moto.url, region, repositories, tag)))
        cold = playbook(moto, "cold", [deploy, "-i", inventory, *extra], env)
        # The short runs, `repeat` rounds of the three, interleaved so that a machine that slows down for a
        # while slows each of them alike; the bench line gives each one's median and its range.
        rounds = []
        for number in range(1, repeat + 1):
            suffix = "" if number == 1 else f"-{number}"
            noop = playbook(moto, f"noop{suffix}", [deploy, "-i", inventory, *extra], env)
            check = playbook(moto, f"check-diff{suffix}", [deploy, "-i", inventory, "--check", "--diff", *extra], env)
            rollout = playbook(
                moto, f"rollout-noop{suffix}", [deploy, "-i", inventory, "--tags", "rollout", *extra], env
            )
            rounds.append({"noop": noop, "check": check, "rollout": rollout})
        # The same no-op with every AWS request answered api_latency later, as over the network to AWS.
        moto.call("api_latency", {"seconds": api_latency})
        slow = playbook(moto, "noop-latency", [deploy, "-i", inventory, *extra], env)
        moto.call("api_latency", {"seconds": 0})
        if mitogen:  # interpreter reuse: the same no-op under mitogen's strategy (benchmarks/README.md)
            strategy = Path(mitogen).resolve() / "ansible_mitogen" / "plugins" / "strategy"
            if not strategy.is_dir():
                raise SystemExit(f"bench: --mitogen {mitogen}: no ansible_mitogen/plugins/strategy there")
            mitogen_env = dict(env, ANSIBLE_STRATEGY_PLUGINS=str(strategy), ANSIBLE_STRATEGY="mitogen_linear")
            reuse = playbook(moto, "noop-mitogen", [deploy, "-i", inventory, *extra], mitogen_env)
            print(f"bench-mitogen: noop_s={noop['wall']:.2f} noop_mitogen_s={reuse['wall']:.2f}")
    for run in [slow, *(run for one in rounds for run in one.values())]:
        if run["recap"]["changed"]:
            print(f"warning: the {run['name']} run changed {run['recap']['changed']} task(s); see {run['log']}")
    print(bench_line(cold, slow, rounds, api_latency))


def bench_line(cold: dict, slow: dict, rounds: list[dict], api_latency: float) -> str:
    """The bench line: each short run's median wall time over the rounds (the keys kept from the first bench), then
    their ranges; check_over_noop is the median of each round's check/no-op ratio."""
    walls = {kind: [one[kind]["wall"] for one in rounds] for kind in ("noop", "check", "rollout")}
    noop_s, check_s, rollout_s = (statistics.median(walls[kind]) for kind in ("noop", "check", "rollout"))
    first = rounds[0]["noop"]
    ranges = " ".join(
        f"{key}_range_s={min(walls[kind]):.2f}-{max(walls[kind]):.2f}"
        for key, kind in (("noop", "noop"), ("rollout_noop", "rollout"), ("check", "check"))
    )
    check_over_noop = statistics.median(one["check"]["wall"] / one["noop"]["wall"] for one in rounds)
    return (
        f"bench: cold_s={cold['wall']:.2f} noop_s={noop_s:.2f} "
        f"noop_over_cold={noop_s / cold['wall']:.2f} noop_api_calls={first['api']} "
        f"noop_modules={first['modules']} noop_latency_s={slow['wall']:.2f} rollout_noop_s={rollout_s:.2f} "
        f"check_s={check_s:.2f} api_latency_ms={api_latency * 1000:.0f} "
        f"repeat={len(rounds)} {ranges} check_over_noop={check_over_noop:.2f}"
    )


def data_tier_missing() -> str | None:
    provision = (ROOT / "playbooks" / "provision.yml").read_text()
    for role in DATA_TIER:
        for path in (f"roles/{role}/tasks/main.yml", f"roles/{role}/tasks/wait.yml"):
            if not (ROOT / path).exists():
                return f"{path} does not exist yet"
        if f"platform_ops.aws.{role}" not in provision:
            return f"playbooks/provision.yml does not import the {role} role yet"
    return None


def bench_data_tier(inventory: str, deploy: str, latency: dict[str, float]) -> None:
    missing = data_tier_missing()
    if missing:
        print(f"bench-data-tier: skipped ({missing})")
        return
    baseline = _data_tier_run(inventory, deploy, "baseline", {})["run"]
    timed = _data_tier_run(inventory, deploy, "data-tier", latency)
    run, applied = timed["run"], timed["latency"]
    waits = [applied.get(kind, 0.0) for kind in DATA_TIER.values()]
    added = run["wall"] - baseline["wall"]
    print(
        f"bench-data-tier: wall_s={run['wall']:.2f} baseline_s={baseline['wall']:.2f} added_s={added:.2f} "
        f"sum_latency_s={sum(waits):.2f} max_latency_s={max(waits):.2f} "
        f"added_over_max={added / max(*waits, 0.01):.2f} wall_over_max={run['wall'] / max(*waits, 0.01):.2f}"
    )


def _data_tier_run(inventory: str, deploy: str, name: str, latency: dict[str, float]) -> dict:
    """On a fresh launcher: network, storage and identity without latency, then the data tier timed with it."""
    with contextlib.ExitStack() as stack:
        moto = Launcher(stack, f"moto-{name}")
        playbook(moto, f"{name}-prep", [deploy, "-i", inventory, "--tags", "network,storage,identity"])
        applied = moto.call("latency", latency)["latency"] if latency else {}
        print(f"{name}: creation latency {applied or 'off'}")
        run = playbook(moto, name, [deploy, "-i", inventory, "--tags", ",".join(DATA_TIER)])
        counted = moto.call("requests")
    if counted["parse_failures"]:
        print(f"warning: the launcher could not parse {counted['parse_failures']}")
    return {"run": run, "latency": applied}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", default="inventories/local")
    parser.add_argument("--playbook", default="deploy.yml")
    parser.add_argument("--part", choices=("all", "deploy", "data-tier"), default="all")
    parser.add_argument(
        "--latency",
        default="rds=12,elasticache=9,opensearch=15,nat=3",
        help="creation latency of the data-tier run, seconds per resource type (moto_launcher.py --latency syntax)",
    )
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.05,
        help="seconds per AWS API request in the noop-latency run (default 0.05, as over the network to AWS)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of the no-op, --check --diff and rollout no-op runs (default 3); the line gives medians and ranges",
    )
    parser.add_argument(
        "--mitogen",
        metavar="DIR",
        help="also time the no-op under mitogen's strategy, installed in DIR (pip install --target DIR mitogen)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        parse_api_latency(args.api_latency)
        latency = parse_latency(args.latency)
    except ValueError as exc:
        parser.error(str(exc))
    with contextlib.suppress(local_postgres.LocalPostgresError):
        local_postgres.stop(OUT / "postgres")  # left over by an interrupted run
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    print(f"bench: {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, playbook {args.playbook}")
    if args.part in ("all", "deploy"):
        bench_deploy(args.inventory, args.playbook, args.api_latency, args.mitogen, args.repeat)
    if args.part in ("all", "data-tier"):
        bench_data_tier(args.inventory, args.playbook, latency)
    return 0


if __name__ == "__main__":
    sys.exit(main())
