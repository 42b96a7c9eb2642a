#!/usr/bin/env python3
"""Local AWS emulator for platform_ops.aws: moto's WSGI app behind a request counter.

Serves every AWS API moto knows on one loopback port, exactly as ``moto_server``
does, and additionally:

* counts the API requests it answers per service and operation, so the benchmark
  can report how many AWS calls a playbook run made. The service is the SigV4
  signing name (OpenSearch is ``es``, CloudWatch ``monitoring``); the operation
  comes from X-Amz-Target, the query ``Action``, the rpc-v2 path, or, for REST
  services, the request matched against botocore's model (``s3.PutBucketTagging``,
  ``es.DescribeDomain``, ``cloudfront.GetDistribution``);
* optionally scales creation latency: on AWS an RDS instance, an ElastiCache
  replication group, an OpenSearch domain, a NAT gateway or a CloudFront
  distribution takes minutes to become available, moto makes it available at
  once. With ``--latency rds=20,nat=5`` (or ``PLATFORM_LOCAL_LATENCY``; seconds per
  resource type, off by default) the describe calls of a resource report it as
  still being created for that many seconds after its Create call passed through:

  ==========  ==================================  =================================================
  type        rewritten operations                while the window lasts
  ==========  ==================================  =================================================
  rds         DescribeDBInstances                 DBInstanceStatus ``creating``, no Endpoint
  elasticache DescribeReplicationGroups           Status/NodeGroup Status ``creating``, no endpoints
  opensearch  DescribeDomain(s), DescribeElas…    Processing true, Created false,
                                                  DomainProcessingStatus ``Creating``, no Endpoint(s)
  nat         DescribeNatGateways                 state ``pending``
  cloudfront  GetDistribution, ListDistributions  Status ``InProgress``
  ==========  ==================================  =================================================

  The Create responses are rewritten the same way. A response that cannot be
  parsed passes through unchanged and is counted in ``parse_failures``.

Extra endpoints (never reached by AWS SDKs):

* ``GET  /_platform_ops/requests``        -> ``{"total": N, "by_operation": {"ec2.DescribeVpcs": 3, ...},
  "latency": {"rds": 20.0}, "pending": {"rds": {"us-east-1/db1": {"window_s": 20.0, "remaining_s": 12.3}}},
  "rewritten": {...}, "parse_failures": {...}}``
* ``POST /_platform_ops/requests/reset``  -> zero the counters (creation windows stay)
* ``GET  /_platform_ops/latency``         -> ``{"latency": {...}}``
* ``POST /_platform_ops/latency``         -> body ``{"rds": 12, "nat": 3}`` (or ``"rds=12,nat=3"``) replaces
  the configured latencies; ``{}`` switches them off. Windows already open keep their length.

* ``GET  /_platform_ops/api_latency``     -> ``{"seconds": 0.05}``
* ``POST /_platform_ops/api_latency``     -> body ``{"seconds": 0.05}`` (or ``0.05``): every AWS API request
  is answered that much later, as over the network to a real AWS endpoint (tens of ms), so that request
  counts show in wall time; ``0`` switches it off. Start value: ``--api-latency`` or
  ``PLATFORM_LOCAL_API_LATENCY`` (default 0). Concurrent requests wait side by side (threaded server).

``POST /moto-api/reset`` (moto's own) also forgets the open creation windows.

AWS rules (``--rules`` or ``PLATFORM_LOCAL_RULES``; default ``all``): ``all``, ``none`` or a comma
list of rule names, e.g. ``service_linked_roles,ecs_image_pull``. A rule makes the emulator refuse
what real AWS refuses although moto accepts it; rules live in ``scripts/moto_rules.py`` (``RULES``)
and ``scripts/moto_faults.py`` (``RULES``), each documented there with AWS's behaviour. An unknown
name stops the launcher with the list of known ones. ``build_app()`` applies moto_fixes.patch_moto(),
moto_faults' always-on fixes, then the selected rules.

* ``GET  /_platform_ops/rules``           -> ``{"enabled": [...], "available": {"name": "summary", ...}}``

The local Fargate (scripts/local_fargate.py): RunTask of a task whose image a runner matches starts the
container's command as a local process (RUNNING until it exits, its exit code and its output in CloudWatch Logs);
a service behind a load balancer whose image a runner with ``serve`` matches runs on the runner's port, its
deployment COMPLETED once the process answers the target group's health check.

* ``GET  /_platform_ops/fargate``         -> ``{"runners": [...], "tasks": [...], "services": [...]}``
* ``POST /_platform_ops/fargate``         -> body ``{"runners": [{"image": "*/backend:*", "workdir": ...}]}``

Faults (``--faults`` or ``PLATFORM_LOCAL_FAULTS``; default off), see moto_faults.parse_faults:
``throttle=0.2,seed=7`` answers a share of the AWS API requests with the protocol's throttling
error; ``error_after_write=secretsmanager.CreateSecret:1+ecs.RunTask:2`` lets the next such writes
take effect and answers HTTP 500 instead; ``error_after_write_share=0.1`` does so for any mutating
operation; ``only=ecs.*+logs.*`` / ``except=sts.*`` narrow them. ``ecs_deployment_fail=*:B+*/web:2``
fails the ECS deployments of task definitions with a matching image (circuit breaker FAILED);
``ecs_deployment_seconds=5`` keeps new ECS deployments IN_PROGRESS that long. JSON works too:
``{"throttle": 0.2, "error_after_write": {"ecs.RunTask": 1}, "ecs_deployment_fail": ["*:B"]}``.

* ``GET  /_platform_ops/faults``          -> ``{"config": {...}, "remaining": {...}, "injected":
  {"throttle": {"ecs.RunTask": 2}, "error_after_write": {...}}, "total": N}``
* ``POST /_platform_ops/faults``          -> body (JSON object or the string form) replaces the
  configuration and zeroes the counters; ``{}`` switches faults off.

Faulted requests are counted in ``/_platform_ops/requests`` like any other request.
Everything else goes to moto unchanged.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import re
import signal
import sys
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses responses of our own moto server
from collections import Counter
from urllib.parse import parse_qs

_SCRIPTS = os.path.dirname(os.path.abspath(__file__))
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

_CRED_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_OPS_PREFIX = "/_platform_ops/"
_RPC_V2_PATH = re.compile(r"/service/[^/]+/operation/([^/]+)")
# Signing names whose REST operations live in more than one botocore model.
_REST_MODELS = {"es": ("opensearch", "es")}


# --------------------------------------------------------------------------- operation names


def _scope_of(environ: dict) -> tuple[str, str]:
    """(region, service) of the request's SigV4 credential scope."""
    match = _CRED_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1), match.group(2)
    return "", "unsigned"


@functools.cache
def _rest_routes(service: str) -> list[tuple[tuple[int, int], str, re.Pattern, dict, str]]:
    """(rank, method, path regex, required query, operation) of the REST operations of a signing name."""
    import botocore.loaders  # noqa: PLC0415 - only needed for REST requests
    from botocore.exceptions import DataNotFoundError  # noqa: PLC0415

    loader = botocore.loaders.create_loader()
    routes = []
    for name in _REST_MODELS.get(service, (service,)):
        try:
            model = loader.load_service_model(name, "service-2")
        except DataNotFoundError:
            continue
        if model["metadata"].get("protocol") not in ("rest-json", "rest-xml"):
            continue
        for operation, spec in model["operations"].items():
            path, _, query = spec["http"]["requestUri"].partition("?")
            parts = re.split(r"(\{[^}]+\})", path)
            regex = "".join(
                (".+" if p.endswith("+}") else "[^/]+") if p.startswith("{") else re.escape(p) for p in parts
            )
            required = {}
            for item in filter(None, query.split("&")):
                key, _, value = item.partition("=")
                required[key] = None if not value or value.startswith("{") else value
            literal = sum(len(p) for p in parts if not p.startswith("{"))
            routes.append(
                (
                    (len(required), literal),
                    spec["http"]["method"],
                    re.compile(regex.rstrip("/") + "/?"),
                    required,
                    operation,
                )
            )
    routes.sort(key=lambda route: route[0], reverse=True)
    return routes


def _rest_operation(service: str, environ: dict) -> str | None:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    for _rank, route_method, regex, required, operation in _rest_routes(service):
        if route_method != method or not regex.fullmatch(path):
            continue
        if all(key in query and (value is None or value in query[key]) for key, value in required.items()):
            return operation
    return None


def _operation_of(environ: dict, body: bytes, service: str = "unsigned") -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    ctype = environ.get("CONTENT_TYPE", "")
    if body and "x-www-form-urlencoded" in ctype:
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    rpc = _RPC_V2_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if rpc:  # smithy-rpc-v2-cbor (CloudWatch)
        return rpc.group(1)
    if service != "unsigned":
        try:
            operation = _rest_operation(service, environ)
        except Exception:  # noqa: BLE001 - a name is only a label; fall back to the heuristic
            operation = None
        if operation:
            return operation
    # Unknown REST request: method and the first path segment(s)
    path = environ.get("PATH_INFO", "/").strip("/").split("/")
    head = path[0] if path and path[0] else ""
    if head and not re.fullmatch(r"20\d\d-\d\d-\d\d", head):
        head = ""
    rest = "/".join(path[1:2]) if head else ""
    suffix = "?" + environ["QUERY_STRING"].split("=", 1)[0] if environ.get("QUERY_STRING") else ""
    return f"{environ.get('REQUEST_METHOD', 'GET')} /{head}{'/' + rest if rest else ''}{suffix}".replace("//", "/")


# --------------------------------------------------------------------------- scaled latency


class ParseError(ValueError):
    """A request or response of a latency-scaled resource could not be understood."""


def _form(body: bytes, environ: dict) -> dict[str, str]:
    params = parse_qs(environ.get("QUERY_STRING", ""))
    params.update(parse_qs(body.decode("utf-8", "replace")))
    return {key: values[0] for key, values in params.items()}


def _xml(body: bytes) -> ET.Element:
    try:
        return ET.fromstring(body)  # noqa: S314 - our own moto server's response
    except ET.ParseError as exc:
        raise ParseError(str(exc)) from exc


def _xml_bytes(root: ET.Element, original: bytes) -> bytes:
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else None
    declaration = original.lstrip().startswith(b"<?xml")
    return ET.tostring(root, encoding="utf-8", xml_declaration=declaration, default_namespace=namespace)


def _text(element: ET.Element, tag: str) -> str:
    child = element.find(f"{{*}}{tag}")
    if child is None or not child.text:
        raise ParseError(f"no {tag} in {element.tag}")
    return child.text


def _set(element: ET.Element, tag: str, value: str) -> None:
    child = element.find(f"{{*}}{tag}")
    if child is not None:
        child.text = value


def _drop(element: ET.Element, *tags: str) -> None:
    for tag in tags:
        for child in element.findall(f"{{*}}{tag}"):
            element.remove(child)


def _rewrite_xml(body: bytes, items: str, id_tag: str, pending, apply) -> bytes | None:
    root = _xml(body)
    elements = [root] if root.find(f"{{*}}{id_tag}") is not None else []
    elements += root.findall(f".//{{*}}{items}")
    changed = False
    for element in elements:
        if element.find(f"{{*}}{id_tag}") is not None and pending(_text(element, id_tag)):
            apply(element)
            changed = True
    return _xml_bytes(root, body) if changed else None


def _status_of(element: ET.Element, tag: str) -> str:
    child = element.find(f"{{*}}{tag}")
    return (child.text or "") if child is not None else ""


def _rds_creating(instance: ET.Element) -> None:
    if _status_of(instance, "DBInstanceStatus") == "deleting":  # deleted within its window
        return
    _set(instance, "DBInstanceStatus", "creating")
    _drop(instance, "Endpoint")


def _cache_creating(group: ET.Element) -> None:
    if _status_of(group, "Status") == "deleting":  # deleted within its window
        return
    _set(group, "Status", "creating")
    _drop(group, "ConfigurationEndpoint")
    for node_group in group.findall(".//{*}NodeGroup"):
        _set(node_group, "Status", "creating")
        _drop(node_group, "PrimaryEndpoint", "ReaderEndpoint")
        for member in node_group.findall(".//{*}NodeGroupMember"):
            _drop(member, "ReadEndpoint")


def _rewrite_domains(body: bytes, pending) -> bytes | None:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ParseError(str(exc)) from exc
    if isinstance(payload, dict) and isinstance(payload.get("DomainStatusList"), list):
        domains = payload["DomainStatusList"]
    elif isinstance(payload, dict) and isinstance(payload.get("DomainStatus"), dict):
        domains = [payload["DomainStatus"]]
    else:
        raise ParseError("neither DomainStatus nor DomainStatusList in the response")
    changed = False
    for domain in domains:
        if pending(domain["DomainName"]):
            domain.update(Processing=True, Created=False, DomainProcessingStatus="Creating")
            for key in ("Endpoint", "Endpoints", "EndpointV2"):
                domain.pop(key, None)
            changed = True
    return json.dumps(payload).encode() if changed else None


def _request_json(body: bytes) -> dict:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ParseError(str(exc)) from exc


# Per resource type: signing name, Create operations -> identifier(request body, environ, response body),
# and the operations whose responses are rewritten -> rewrite(response body, pending(identifier)).
KINDS: dict[str, dict] = {
    "rds": {
        "service": "rds",
        "create": dict.fromkeys(
            ("CreateDBInstance", "CreateDBInstanceReadReplica", "RestoreDBInstanceFromDBSnapshot"),
            lambda req, env, _resp: _form(req, env)["DBInstanceIdentifier"],
        )
        | {"RestoreDBInstanceToPointInTime": lambda req, env, _r: _form(req, env)["TargetDBInstanceIdentifier"]},
        "rewrite": dict.fromkeys(
            ("DescribeDBInstances", "CreateDBInstance", "CreateDBInstanceReadReplica"),
            lambda body, pending: _rewrite_xml(body, "DBInstance", "DBInstanceIdentifier", pending, _rds_creating),
        ),
    },
    "elasticache": {
        "service": "elasticache",
        "create": {"CreateReplicationGroup": lambda req, env, _resp: _form(req, env)["ReplicationGroupId"]},
        "rewrite": dict.fromkeys(
            ("DescribeReplicationGroups", "CreateReplicationGroup"),
            lambda body, pending: _rewrite_xml(
                body, "ReplicationGroup", "ReplicationGroupId", pending, _cache_creating
            ),
        ),
    },
    "opensearch": {
        "service": "es",
        "create": dict.fromkeys(
            ("CreateDomain", "CreateElasticsearchDomain"), lambda req, _env, _resp: _request_json(req)["DomainName"]
        ),
        "rewrite": dict.fromkeys(
            (
                "DescribeDomain",
                "DescribeDomains",
                "CreateDomain",
                "DescribeElasticsearchDomain",
                "DescribeElasticsearchDomains",
                "CreateElasticsearchDomain",
            ),
            _rewrite_domains,
        ),
    },
    "nat": {
        "service": "ec2",
        "create": {
            "CreateNatGateway": lambda _req, _env, resp: _text(_xml(resp).find(".//{*}natGateway"), "natGatewayId")
        },
        "rewrite": dict.fromkeys(
            ("DescribeNatGateways", "CreateNatGateway"),
            lambda body, pending: _rewrite_xml(
                body, "natGatewayId/..", "natGatewayId", pending, lambda e: _set(e, "state", "pending")
            ),
        ),
    },
    "cloudfront": {
        "service": "cloudfront",
        "create": dict.fromkeys(
            ("CreateDistribution", "CreateDistributionWithTags"), lambda _req, _env, resp: _text(_xml(resp), "Id")
        ),
        "rewrite": dict.fromkeys(
            ("GetDistribution", "ListDistributions", "CreateDistribution", "CreateDistributionWithTags"),
            lambda body, pending: _rewrite_xml(
                body, "DistributionSummary", "Id", pending, lambda e: _set(e, "Status", "InProgress")
            ),
        ),
    },
}


def parse_latency(spec) -> dict[str, float]:
    """``"rds=20,nat=5"`` or ``{"rds": 20}`` -> ``{"rds": 20.0, "nat": 5.0}``; raises ValueError."""
    if isinstance(spec, str):
        pairs = [item.partition("=")[::2] for item in spec.replace(" ", "").split(",") if item]
        if any(not value for _key, value in pairs):
            raise ValueError(f"latency must look like rds=20,nat=5, got {spec!r}")
        spec = dict(pairs)
    if not isinstance(spec, dict):
        raise ValueError("latency must be an object like {'rds': 20} or a string like 'rds=20,nat=5'")
    latency = {}
    for kind, value in spec.items():
        if kind not in KINDS:
            raise ValueError(f"unknown resource type {kind!r}; known: {', '.join(KINDS)}")
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"latency of {kind} must be a number of seconds, got {value!r}") from None
        if not 0 <= seconds <= 3600:
            raise ValueError(f"latency of {kind} must be between 0 and 3600 seconds, got {value!r}")
        if seconds:
            latency[kind] = seconds
    return dict(sorted(latency.items()))


def parse_api_latency(value) -> float:
    """Seconds per AWS API request: a number (or numeric string) from 0 to 5."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"api latency must be a number of seconds, got {value!r}") from None
    if not 0 <= seconds <= 5:  # noqa: PLR2004 - a sanity bound, not an AWS figure
        raise ValueError(f"api latency must be between 0 and 5 seconds, got {seconds}")
    return seconds


def available_rules() -> dict:
    """Every named rule: moto_rules.RULES (H1) and moto_faults.RULES, name -> function."""
    import moto_faults  # noqa: PLC0415
    import moto_rules  # noqa: PLC0415

    clash = set(moto_rules.RULES) & set(moto_faults.RULES)
    if clash:
        raise RuntimeError(f"rule names defined twice: {sorted(clash)}")
    return dict(sorted((moto_rules.RULES | moto_faults.RULES).items()))


def parse_rules(spec: str | None, known=None) -> list[str]:
    """``"all"``, ``"none"``/``""`` or ``"a,b"`` -> the rule names; raises ValueError naming the known ones."""
    known = list(known if known is not None else available_rules())
    text = (spec or "").replace(" ", "")
    if text in ("", "none"):
        return []
    if text == "all":
        return sorted(known)
    names = [name for name in text.split(",") if name]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(
            f"unknown rule(s) {', '.join(unknown) or repr(spec)}; known: all, none, {', '.join(sorted(known))}"
        )
    return sorted(set(names))


# Which kind creates / rewrites a (service, operation)
_CREATES = {(k["service"], op): name for name, k in KINDS.items() for op in k["create"]}
_REWRITES = {(k["service"], op): name for name, k in KINDS.items() for op in k["rewrite"]}


# --------------------------------------------------------------------------- the middleware


class CountingMiddleware:
    """WSGI middleware: counts AWS API requests by service and operation; scales creation latency."""

    def __init__(
        self,
        app,
        *,
        latency: dict[str, float] | None = None,
        clock=time.monotonic,
        faults=None,
        rules: dict | None = None,
        api_latency: float = 0.0,
        sleep=time.sleep,
    ):
        self.app = app
        self.clock = clock
        self.sleep = sleep
        self.api_latency = parse_api_latency(api_latency)  # seconds added to every AWS API request
        self.faults = faults  # moto_faults.Faults, or None: no fault injection possible
        self.rules = rules or {"enabled": [], "available": {}}
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.rewritten: Counter[str] = Counter()
        self.parse_failures: Counter[str] = Counter()
        self.latency: dict[str, float] = dict(latency or {})
        # kind -> {"region/identifier": (window seconds, deadline)}
        self.pending: dict[str, dict[str, tuple[float, float]]] = {}

    # --- control endpoints

    def _json(self, start_response, payload, status="200 OK"):
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _open_windows(self) -> dict:
        now = self.clock()
        windows = {}
        for kind, resources in self.pending.items():
            for key, (window, deadline) in list(resources.items()):
                if deadline <= now:
                    del resources[key]
                else:
                    windows.setdefault(kind, {})[key] = {"window_s": window, "remaining_s": round(deadline - now, 1)}
        return windows

    def stats(self, reset: bool = False) -> dict:
        with self.lock:
            payload = {
                "total": sum(self.counts.values()),
                "by_operation": dict(sorted(self.counts.items())),
                "latency": dict(self.latency),
                "pending": self._open_windows(),
                "rewritten": dict(sorted(self.rewritten.items())),
                "parse_failures": dict(sorted(self.parse_failures.items())),
            }
            if reset:
                self.counts.clear()
                self.rewritten.clear()
                self.parse_failures.clear()
        return payload

    def _control(self, environ, start_response, path: str):
        method = environ.get("REQUEST_METHOD", "GET")
        if path in ("requests", "requests/reset"):
            return self._json(start_response, self.stats(reset=path.endswith("reset") and method == "POST"))
        if path == "latency":
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b"{}"
                try:
                    latency = parse_latency(json.loads(raw or b"{}"))
                except ValueError as exc:
                    return self._json(start_response, {"error": str(exc)}, "400 Bad Request")
                with self.lock:
                    self.latency = latency
            return self._json(start_response, {"latency": dict(self.latency)})
        if path == "api_latency":
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b"0"
                try:
                    value = json.loads(raw or b"0")
                    self.api_latency = parse_api_latency(value.get("seconds") if isinstance(value, dict) else value)
                except ValueError as exc:
                    return self._json(start_response, {"error": str(exc)}, "400 Bad Request")
            return self._json(start_response, {"seconds": self.api_latency})
        if path == "rules":
            return self._json(start_response, self.rules)
        if path == "faults" and self.faults is not None:
            if method == "POST":
                import moto_faults  # noqa: PLC0415

                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b"{}"
                try:
                    text = raw.decode("utf-8", "replace").strip() or "{}"
                    spec = json.loads(text) if text[:1] in '{"' else text
                    self.faults.configure(moto_faults.parse_faults(spec))
                except ValueError as exc:
                    return self._json(start_response, {"error": str(exc)}, "400 Bad Request")
            return self._json(start_response, self.faults.snapshot())
        return self._json(start_response, {"error": f"unknown path {_OPS_PREFIX}{path}"}, "404 Not Found")

    # --- latency

    def _is_pending(self, kind: str, region: str):
        now = self.clock()
        with self.lock:
            windows = dict(self.pending.get(kind, {}))
        return lambda identifier: windows.get(f"{region}/{identifier}", (0, 0))[1] > now

    def _call_buffered(self, environ):
        captured: dict = {}
        chunks: list[bytes] = []

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return chunks.append

        result = self.app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return captured["status"], captured["headers"], b"".join(chunks)

    def _scaled(self, environ, start_response, body: bytes, *, region: str, service: str, operation: str):
        """Call moto with the response buffered: record a Create, rewrite a resource still in its window."""
        status, headers, payload = self._call_buffered(environ)
        if not status.startswith("2") or any(h.lower() == "content-encoding" for h, _ in headers):
            start_response(status, headers)
            return [payload]
        create_kind, kind = _CREATES.get((service, operation)), _REWRITES.get((service, operation))
        rewritten = None
        try:
            if create_kind in self.latency:
                identifier = KINDS[create_kind]["create"][operation](body, environ, payload)
                window = self.latency[create_kind]
                with self.lock:
                    self.pending.setdefault(create_kind, {})[f"{region}/{identifier}"] = (window, self.clock() + window)
            if kind:
                rewritten = KINDS[kind]["rewrite"][operation](payload, self._is_pending(kind, region))
        except (ValueError, KeyError, TypeError, AttributeError):  # ParseError is a ValueError
            with self.lock:
                self.parse_failures[f"{service}.{operation}"] += 1
        if rewritten is not None:
            payload = rewritten
            headers = [(h, v) for h, v in headers if h.lower() != "content-length"]
            headers.append(("Content-Length", str(len(payload))))
            with self.lock:
                self.rewritten[f"{service}.{operation}"] += 1
        start_response(status, headers)
        return [payload]

    def _wants_buffering(self, service: str, operation: str) -> bool:
        kind = _CREATES.get((service, operation))
        if kind and kind in self.latency:
            return True
        kind = _REWRITES.get((service, operation))
        if not kind or not self.pending.get(kind):
            return False
        now = self.clock()
        with self.lock:
            return any(deadline > now for _window, deadline in self.pending[kind].values())

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(_OPS_PREFIX):
            return self._control(environ, start_response, path[len(_OPS_PREFIX) :].strip("/"))
        body = b""
        if environ.get("REQUEST_METHOD") in ("POST", "PUT"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        if path.startswith("/moto-api"):
            if path.startswith("/moto-api/reset"):
                with self.lock:
                    self.pending.clear()
            return self.app(environ, start_response)
        region, service = _scope_of(environ)
        operation = _operation_of(environ, body, service)
        key = f"{service}.{operation}"
        with self.lock:
            self.counts[key] += 1
        if self.api_latency:
            self.sleep(self.api_latency)
        if self.faults is not None and self.faults.active:
            import moto_faults  # noqa: PLC0415

            if self.faults.throttle(key):
                return self._fault(environ, start_response, moto_faults.protocol_of(environ, service, body), "throttle")
            if self.faults.may_fail_write(key):
                return self._after_write(
                    environ, start_response, body, region=region, service=service, operation=operation
                )
        return self._forward(environ, start_response, body, region=region, service=service, operation=operation)

    def _forward(self, environ, start_response, body, *, region, service, operation):
        if self._wants_buffering(service, operation):
            return self._scaled(environ, start_response, body, region=region, service=service, operation=operation)
        return self.app(environ, start_response)

    def _fault(self, environ, start_response, protocol: str, kind: str):
        import moto_faults  # noqa: PLC0415

        status, headers, payload = moto_faults.error_response(
            protocol, kind, query_compatible=environ.get("HTTP_X_AMZN_QUERY_MODE") == "true"
        )
        start_response(status, headers)
        return [payload]

    def _after_write(self, environ, start_response, body, *, region, service, operation):
        """Let moto perform the write; when it succeeded and a fault is due, answer HTTP 500 instead."""
        import moto_faults  # noqa: PLC0415

        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda _data: None

        result = self._forward(environ, capture, body, region=region, service=service, operation=operation)
        try:
            payload = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if captured["status"].startswith("2") and self.faults.fail_write(f"{service}.{operation}"):
            return self._fault(
                environ, start_response, moto_faults.protocol_of(environ, service, body), "error_after_write"
            )
        start_response(captured["status"], captured["headers"])
        return [payload]


def _summary(rule) -> str:
    """The first sentence of a rule's docstring."""
    paragraph = " ".join((rule.__doc__ or "").strip().split("\n\n")[0].split())
    return paragraph.split(". ")[0].rstrip(".") + "." if paragraph else ""


def build_app(
    latency: dict[str, float] | None = None,
    rules: list[str] | None = None,
    faults: dict | None = None,
    api_latency: float = 0.0,
    endpoint: str = "",
):
    """moto's app behind the middleware, with moto_fixes, moto_faults' fixes and the named rules applied.
    ``endpoint``: the launcher's own URL, which the local Fargate gives its tasks (scripts/local_fargate.py)."""
    import moto_faults  # noqa: PLC0415
    from moto.server import DomainDispatcherApplication, create_backend_app  # noqa: PLC0415
    from moto_fixes import patch_moto  # noqa: PLC0415

    patch_moto()
    moto_faults.apply_fixes()
    known = available_rules()
    selected = parse_rules(",".join(rules)) if rules else []
    for name in selected:
        known[name]()
    summaries = {name: _summary(fn) for name, fn in known.items()}
    app = CountingMiddleware(
        DomainDispatcherApplication(create_backend_app),
        latency=latency,
        faults=moto_faults.Faults(faults or {}),
        rules={"enabled": selected, "available": summaries},
        api_latency=api_latency,
    )
    moto_faults.set_latency_source(lambda kind: app.latency.get(kind, 0.0))
    import moto_ecr_scan  # noqa: PLC0415 - ECR basic scanning + /_platform_ops/ecr_findings

    moto_ecr_scan.install(app)
    import local_fargate  # noqa: PLC0415 - one-off ECS tasks of configured images run locally + /_platform_ops/fargate

    local_fargate.install(app, endpoint)
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    parser.add_argument(
        "--latency",
        default=os.environ.get("PLATFORM_LOCAL_LATENCY", ""),
        help="seconds a new resource stays 'being created', e.g. rds=20,elasticache=15,opensearch=25,nat=5,"
        f"cloudfront=10 (env PLATFORM_LOCAL_LATENCY; default off; types: {', '.join(KINDS)})",
    )
    parser.add_argument(
        "--api-latency",
        default=os.environ.get("PLATFORM_LOCAL_API_LATENCY", "0"),
        help="seconds added to every AWS API request, e.g. 0.05 as over the network to AWS "
        "(env PLATFORM_LOCAL_API_LATENCY; default 0)",
    )
    parser.add_argument(
        "--rules",
        default=os.environ.get("PLATFORM_LOCAL_RULES", "all"),
        help="AWS rules to enforce: all, none or a comma list of names (env PLATFORM_LOCAL_RULES; default all)",
    )
    parser.add_argument(
        "--faults",
        default=os.environ.get("PLATFORM_LOCAL_FAULTS", ""),
        help="fault injection, e.g. throttle=0.2,seed=7 or error_after_write=ecs.RunTask:1 "
        "(env PLATFORM_LOCAL_FAULTS; default off)",
    )
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the local stack binds to loopback only")
    try:
        latency = parse_latency(args.latency)
        api_latency = parse_api_latency(args.api_latency)
        rules = parse_rules(args.rules)
        import moto_faults  # noqa: PLC0415

        faults = moto_faults.parse_faults(args.faults)
    except ValueError as exc:
        parser.error(str(exc))
    os.environ.setdefault("MOTO_PORT", str(args.port))
    # ECS deployments reach steady state on the emulator (desired tasks reported running).
    os.environ.setdefault("MOTO_ECS_SERVICE_RUNNING", "2")
    # AWS managed policies exist in every account (AWS Config's and AWS Backup's service roles attach them).
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from werkzeug.serving import run_simple  # noqa: PLC0415

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if latency:
        print(f"moto launcher: scaled creation latency {latency}", flush=True)
    if api_latency:
        print(f"moto launcher: {api_latency * 1000:.0f} ms per AWS API request", flush=True)
    if rules:
        print(f"moto launcher: AWS rules {', '.join(rules)}", flush=True)
    if faults:
        print(f"moto launcher: faults {json.dumps(faults)}", flush=True)
    run_simple(
        args.host,
        args.port,
        build_app(
            latency, rules=rules, faults=faults, api_latency=api_latency, endpoint=f"http://{args.host}:{args.port}"
        ),
        threaded=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
