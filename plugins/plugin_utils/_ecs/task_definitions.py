# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task definitions the service specs ask for (``community.aws.ecs_taskdefinition`` arguments), their
comparison with the described ones (camel- or snake-cased), and the task definition plans of the
provisioning and rollout stages.

Part of the ``platform_ops.aws.ecs_*`` filters (``plugins/filter/ecs.py``).
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.platform_ops.aws.plugins.module_utils import platform_rules as rules
from ansible_collections.platform_ops.aws.plugins.module_utils._ecs_release.rollout_plan import (
    annotate,
    plan_switch,
    result_for,
)
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.naming import ecs_secret_arn
from ansible_collections.platform_ops.aws.plugins.plugin_utils._ecs.services import (
    _short_task_definition,
    ecs_registered_task_definitions,
)

# --- task definitions ---------------------------------------------------------------------------


def ecs_task_definitions(services, ctx):
    """The task definition each service spec asks for, as ``community.aws.ecs_taskdefinition`` arguments.

    ``ctx``: prefix, platform_name, platform_env, region, account, partition, repositories
    {service: uri}, image_tag, execution_role_arns {service: arn} (``execution_role_arn``: one for
    all, the former shared role), task_role_arns {service: arn}, secret_arns
    {env_name: full Secrets Manager ARN} (a secret missing there gets its partial ARN), user,
    stop_timeout, log_stream_prefix, container_health_check (bool), cpu_architecture, wiring (what
    the platform gives each container, see ``platform_rules.service_environment``: buckets
    {purpose: name}, search_endpoint, user_pool_id, user_pool_client_id, and database_endpoint /
    cache_endpoint (``host:port``, digested into the ``platform-ops.wiring`` Docker label); region and
    platform_env default to ctx's).
    The container gets its spec's environment plus the platform's (AWS_REGION, PLATFORM_ENV and, per
    ``uses``, S3_BUCKET_<NAME>, OPENSEARCH_ENDPOINT, COGNITO_*), and as secrets the ones its spec
    lists plus DATABASE_URL (uses database) and REDIS_URL (uses cache).
    Returns ``[{service, family, params}]``; ``params`` hold camelCase container definitions.
    """
    wiring = dict(ctx.get("wiring") or {})
    wiring.setdefault("region", ctx["region"])
    wiring.setdefault("platform_env", ctx["platform_env"])
    result = []
    for svc in services:
        name = svc["name"]
        family = f"{ctx['prefix']}-{name}"
        read_only = svc.get("read_only_root_filesystem", True)
        tag = svc.get("image_tag") or ctx.get("image_tag")
        if not svc.get("image") and not tag:
            raise AnsibleFilterError(
                f"service {name}: no image tag (set platform_image_tag, or image_tag or image on the service)"
            )
        image = svc.get("image") or f"{ctx['repositories'][name]}:{tag}"
        container = {
            "name": name,
            "image": image,
            "essential": True,
            "memoryReservation": int(svc.get("memory", 512)),
            "portMappings": [{"containerPort": int(svc["port"]), "hostPort": int(svc["port"]), "protocol": "tcp"}],
            "environment": [
                {"name": str(k), "value": _env_value(v)}
                for k, v in sorted(
                    {
                        **{str(k): v for k, v in (svc.get("environment") or {}).items()},
                        **rules.service_environment(svc, wiring),
                    }.items()
                )
            ],
            "secrets": [
                {
                    "name": s,
                    "valueFrom": (ctx.get("secret_arns") or {}).get(s)
                    or ecs_secret_arn(
                        s,
                        ctx["platform_name"],
                        ctx["platform_env"],
                        ctx["region"],
                        ctx["account"],
                        partition=ctx.get("partition", "aws"),
                    ),
                }
                for s in rules.service_secret_names(svc)
            ],
            "user": str(ctx.get("user", "10001")),
            "readonlyRootFilesystem": bool(read_only),
            "stopTimeout": int(ctx.get("stop_timeout", 30)),
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": f"/platform/{ctx['prefix']}/{name}",
                    "awslogs-region": ctx["region"],
                    "awslogs-stream-prefix": ctx.get("log_stream_prefix", "ecs"),
                },
            },
        }
        if svc.get("command"):
            container["command"] = [str(c) for c in svc["command"]]
        labels = rules.service_wiring_label(svc, wiring)
        if labels:
            container["dockerLabels"] = labels
        if read_only:
            # the container's own scratch space on a task volume, not the control node's /tmp
            container["mountPoints"] = [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]  # noqa: S108
        if ctx.get("container_health_check"):
            path = svc.get("health_path", "/health")
            container["healthCheck"] = {
                "command": ["CMD-SHELL", f"curl -fsS http://127.0.0.1:{int(svc['port'])}{path} || exit 1"],
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": int(svc.get("health_check_grace_period") or ctx.get("health_check_grace_period", 60)),
            }
        params = {
            "family": family,
            "network_mode": "awsvpc",
            "launch_type": "FARGATE",
            "cpu": str(int(svc.get("cpu", 256))),
            "memory": str(int(svc.get("memory", 512))),
            "execution_role_arn": (ctx.get("execution_role_arns") or {}).get(name) or ctx.get("execution_role_arn", ""),
            "task_role_arn": ctx["task_role_arns"].get(name, ""),
            "containers": [container],
            "volumes": [{"name": "tmp"}] if read_only else [],
            "runtime_platform": {
                "operatingSystemFamily": "LINUX",
                "cpuArchitecture": ctx.get("cpu_architecture", "X86_64"),
            },
        }
        result.append({"service": name, "family": family, "params": params})
    return result


def _env_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _get(current, camel):
    """A field of a task definition given either camelCase (boto3) or snake_case (``*_info`` modules)."""
    if camel in current:
        return current[camel]
    return current.get(_snake(camel))


def _pairs(items, value_key):
    return {str(i.get("name")): str(i.get(value_key, i.get(_snake(value_key), ""))) for i in items or []}


def _norm_ports(ports):
    out = set()
    for port in ports or []:
        container = int(port.get("containerPort", port.get("container_port", 0)))
        host = port.get("hostPort", port.get("host_port")) or container
        out.add((container, int(host), str(port.get("protocol") or "tcp")))
    return out


def _norm_mounts(mounts):
    return {
        (
            m.get("sourceVolume", m.get("source_volume")),
            m.get("containerPath", m.get("container_path")),
            bool(m.get("readOnly", m.get("read_only", False))),
        )
        for m in mounts or []
    }


def _norm_log(conf):
    conf = conf or {}
    return (conf.get("logDriver", conf.get("log_driver")), dict(conf.get("options") or {}))


def _norm_health(check):
    if not check:
        return None
    return (
        tuple(check.get("command") or []),
        int(check.get("interval", 30)),
        int(check.get("timeout", 5)),
        int(check.get("retries", 3)),
        int(check.get("startPeriod", check.get("start_period", 0)) or 0),
    )


def _container_differences(want, have):
    """Names of the managed container fields whose value differs (``have`` camel- or snake-cased)."""
    diffs = []
    simple = ("image", "user", "memoryReservation", "stopTimeout")
    for key in simple:
        if _get(have, key) != want.get(key):
            diffs.append(key)
    if bool(_get(have, "essential") if _get(have, "essential") is not None else True) is not True:
        diffs.append("essential")
    if bool(_get(have, "readonlyRootFilesystem")) != bool(want.get("readonlyRootFilesystem")):
        diffs.append("readonlyRootFilesystem")
    if list(_get(have, "command") or []) != list(want.get("command") or []):
        diffs.append("command")
    if _pairs(_get(have, "environment"), "value") != _pairs(want.get("environment"), "value"):
        diffs.append("environment")
    if _pairs(_get(have, "secrets"), "valueFrom") != _pairs(want.get("secrets"), "valueFrom"):
        diffs.append("secrets")
    if dict(_get(have, "dockerLabels") or {}) != dict(want.get("dockerLabels") or {}):
        diffs.append("dockerLabels")
    if _norm_ports(_get(have, "portMappings")) != _norm_ports(want.get("portMappings")):
        diffs.append("portMappings")
    if _norm_mounts(_get(have, "mountPoints")) != _norm_mounts(want.get("mountPoints")):
        diffs.append("mountPoints")
    if _norm_log(_get(have, "logConfiguration")) != _norm_log(want.get("logConfiguration")):
        diffs.append("logConfiguration")
    if _norm_health(_get(have, "healthCheck")) != _norm_health(want.get("healthCheck")):
        diffs.append("healthCheck")
    return diffs


def ecs_task_definition_differences(want, have):
    """Why ``have`` (a described task definition, camel- or snake-cased; ``{}`` when there is none)
    is not the task definition ``want`` (an entry of ``ecs_task_definitions``) asks for; empty when
    it is. Only what the role sets is compared; AWS-filled defaults (``cpu: 0`` of a container,
    ``hostPort`` = ``containerPort`` in awsvpc, the ``tcp`` protocol, health check defaults) count
    as equal."""
    if not have or not _get(have, "family"):
        return ["missing"]
    params = want["params"]
    diffs = []
    if _get(have, "status") not in (None, "ACTIVE"):
        diffs.append("status")
    if _get(have, "family") != params["family"]:
        diffs.append("family")
    for key, camel in (
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("network_mode", "networkMode"),
        ("execution_role_arn", "executionRoleArn"),
        ("task_role_arn", "taskRoleArn"),
    ):
        if str(_get(have, camel) or "") != str(params[key] or ""):
            diffs.append(camel)
    if params["launch_type"] not in (_get(have, "requiresCompatibilities") or []):
        diffs.append("requiresCompatibilities")
    platform = _get(have, "runtimePlatform")
    if platform:
        arch = platform.get("cpuArchitecture", platform.get("cpu_architecture"))
        if arch and arch != params["runtime_platform"]["cpuArchitecture"]:
            diffs.append("runtimePlatform")
    have_volumes = {
        (v.get("name"), bool(v.get("host") or v.get("efsVolumeConfiguration") or v.get("efs_volume_configuration")))
        for v in _get(have, "volumes") or []
    }
    if have_volumes != {(v["name"], False) for v in params["volumes"]}:
        diffs.append("volumes")
    containers = _get(have, "containerDefinitions") or []
    want_container = params["containers"][0]
    if len(containers) != 1 or containers[0].get("name") != want_container["name"]:
        diffs.append("containerDefinitions")
    else:
        diffs.extend(f"container.{d}" for d in _container_differences(want_container, containers[0]))
    return diffs


def _image_of(definition):
    """Image of the first container of a task definition (desired params or described, any case)."""
    containers = (
        definition.get("containers") if "containers" in definition else _get(definition, "containerDefinitions")
    )
    return str((containers or [{}])[0].get("image") or "")


def _change_details(want, have, reasons):
    """Readable ``field: before -> after`` lines for the differences ``reasons`` names (environment
    variables and secrets by name only: their values never show)."""
    params = want["params"]
    if reasons == ["missing"]:
        return [f"new task definition family {params['family']}"]
    have_container = (_get(have, "containerDefinitions") or [{}])[0]
    want_container = params["containers"][0]
    top = {
        "cpu": "cpu",
        "memory": "memory",
        "executionRoleArn": "execution_role_arn",
        "taskRoleArn": "task_role_arn",
        "networkMode": "network_mode",
    }
    lines = []
    for reason in reasons:
        field = reason.split(".", 1)[-1]
        if reason in top:
            lines.append(f"{reason}: {_get(have, reason) or '-'} -> {params[top[reason]] or '-'}")
        elif reason.startswith("container.") and field in ("environment", "secrets"):
            key = "value" if field == "environment" else "valueFrom"
            before, after = _pairs(_get(have_container, field), key), _pairs(want_container.get(field), key)
            names = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
            lines.append(f"{field}: {', '.join(names)}")
        elif reason.startswith("container.") and field in ("image", "user", "memoryReservation", "stopTimeout"):
            lines.append(f"{field}: {_get(have_container, field)} -> {want_container.get(field)}")
        elif reason == "container.dockerLabels":
            lines.append("dockerLabels: the database or cache endpoint behind DATABASE_URL/REDIS_URL changed")
        elif reason == "container.command":
            before = " ".join(_get(have_container, "command") or []) or "-"
            lines.append(f"command: {before} -> {' '.join(want_container.get('command') or []) or '-'}")
        else:
            lines.append(field)
    return lines


def ecs_task_definition_plan(desired, current):
    """Which task definitions to register.

    ``desired`` is ``ecs_task_definitions``'s list; ``current`` maps each service to the task
    definition to compare with (what its ECS service runs, else the family's latest ACTIVE
    revision; ``{}`` when there is none), e.g. the ``ecs_taskdefinition_info`` results.
    Returns ``{"register": [entries], "keep": {service: "family:revision"}, "arns": {service: ARN}}``:
    ``register`` entries add ``reasons`` (the differing fields), ``changes`` (readable
    ``field: before -> after`` lines), ``current`` (``family:revision`` compared with, ``""``),
    ``image_before`` and ``image_after``; ``keep`` and ``arns`` name the matching revisions.
    """
    plan = {"register": [], "keep": {}, "arns": {}}
    for entry in desired:
        have = current.get(entry["service"]) or {}
        reasons = ecs_task_definition_differences(entry, have)
        if reasons:
            plan["register"].append(
                dict(
                    entry,
                    reasons=reasons,
                    changes=_change_details(entry, have, reasons),
                    current=f"{_get(have, 'family')}:{_get(have, 'revision')}" if _get(have, "family") else "",
                    image_before=_image_of(have) if have else "",
                    image_after=_image_of(entry["params"]),
                )
            )
        else:
            plan["keep"][entry["service"]] = f"{_get(have, 'family')}:{_get(have, 'revision')}"
            plan["arns"][entry["service"]] = str(_get(have, "taskDefinitionArn") or "")
    return plan


def ecs_provision_plan(plan, existing):
    """What provisioning does with ``ecs_task_definition_plan``'s ``plan``: provisioning never changes
    what a running service runs, the rollout stage does.

    ``existing``: ``ecs_existing_services``. Returns ``{"register": [entries of services without an
    ECS service, registered now], "pending": [entries of existing services whose task definition
    differs, left to the rollout stage], "keep": {service: "family:revision" it runs or, new,
    matches}, "arns": {service: task definition ARN}}``.
    """
    existing = existing or {}
    out = {"register": [], "pending": [], "keep": dict(plan.get("keep") or {}), "arns": dict(plan.get("arns") or {})}
    for entry in plan.get("register") or []:
        (out["pending"] if entry["service"] in existing else out["register"]).append(entry)
    for name, svc in existing.items():
        running = str(svc.get("taskDefinition") or "")
        if running:
            out["keep"][name] = _short_task_definition(running)
            out["arns"][name] = running
    return out


def ecs_release_plan(plan, services, state=None):
    """The rollout stage's plan: ``{"register": [entries], "arns": {service: ARN to run},
    "services": [spec names of the existing ECS services]}`` from ``ecs_task_definition_plan`` or
    ``ecs_provision_plan`` (its ``pending`` entries are the ones to register) and the names of the
    services that exist. ``state``: the ``ecs_state`` the rollout stage read itself (under the lock, just
    before), kept as ``state`` for ``ecs_rollout_settled`` (provisioning hands over its own only when it
    changed no service since it read them)."""
    register = plan["pending"] if "pending" in plan else plan.get("register") or []
    release = {"register": list(register), "arns": dict(plan.get("arns") or {}), "services": list(services or [])}
    if state:
        release["state"] = state
    return release


def ecs_rollout_settled(targets, release):
    """What ``platform_ops.aws.ecs_rollout`` answers for ``targets`` (``ecs_rollout_targets``) when it has
    nothing to do, decided by the module's own plan (``module_utils/_ecs_release/rollout_plan.py``) from
    the state the rollout stage read (``release.state``, ``ecs_state`` of a read with the services'
    tags): every service runs its target task definition, its PRIMARY deployment has COMPLETED and
    that revision is recorded as known good and not failed. Returns the module's ``services`` results,
    or ``[]`` when any service has something to do (an update, an unfinished deployment to wait for,
    a revision to record), when there is no such state or no target: then the module runs."""
    state = (release or {}).get("state") or {}
    existing = state.get("existing") or {}
    if not targets or not existing:
        return []
    by_name = {
        svc.get("serviceName"): (svc, (state.get("task_definitions") or {}).get(name) or {})
        for name, svc in existing.items()
    }
    results = []
    for target in targets:
        service, task_definition = by_name.get(target.get("service"), ({}, {}))
        arn = target.get("task_definition")
        if not arn or service.get("taskDefinition") != arn or task_definition.get("taskDefinitionArn") != arn:
            return []
        if (service.get("deploymentController") or {}).get("type", "ECS") != "ECS":
            return []  # the module refuses it, and says why
        entry = {"service": target["service"], "task_definition": arn}
        plan = plan_switch(
            None, None, entry, service, task_definition, lookup=lambda _ref, found=task_definition: (found, [])
        )
        plan = annotate(plan, service, task_definition, [])
        if plan["needs_update"] or plan["resume"] or plan["record"]:
            return []
        results.append(result_for(plan))
    return results


def ecs_rollout_targets(release, registered, prefix):
    """``ecs_rollout``'s ``services`` (switch mode): every existing service with the task definition
    ARN it must run, the one it runs or the revision registered for it (``registered``: an
    ``ecs_task_definition`` loop's results). A service whose revision was not registered (check
    mode) is left out."""
    arns = dict(release.get("arns") or {})
    arns.update(ecs_registered_task_definitions(registered, full=True))
    for entry in release.get("register") or []:
        if entry["service"] not in ecs_registered_task_definitions(registered):
            arns.pop(entry["service"], None)
    return [
        {"service": f"{prefix}-{name}", "task_definition": arns[name]} for name in release["services"] if arns.get(name)
    ]


def ecs_release_changes(entries, prefix):
    """One line per service with a pending task definition change: ``service: change; change``."""
    return [f"{prefix}-{entry['service']}: {'; '.join(entry.get('changes') or entry['reasons'])}" for entry in entries]


def ecs_task_definition_revisions(results):
    """``[[family, revision], ...]`` for revisions 1..latest of each family, from
    ``ecs_taskdefinition_info`` results of the families' latest ACTIVE revisions."""
    pairs = []
    for result in results or []:
        family, latest = result.get("family"), result.get("revision")
        if family and latest:
            pairs.extend([family, revision] for revision in range(1, int(latest) + 1))
    return pairs
