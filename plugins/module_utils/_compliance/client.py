# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance audit's side of AWS: one boto3 session for the audit, the API calls behind AWSRetry, the
``Unsupported`` and ``AuditError`` errors, the ``Auditor`` (which reads each API answer once per audit;
its discovery methods come from ``discovery`` and ``discovery_infra``) and the helpers that turn a check's
evaluation of each resource into verdicts (``result``, ``_each``, ``_each_closed``...).
"""

from __future__ import annotations

import copy
import datetime
import json
import threading

try:
    import botocore
    from botocore.utils import parse_timestamp
except ImportError:
    pass  # Handled by AnsibleAWSModule


from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.catalogue import (
    BASELINE_SERVICES,
    PHI_BUCKET_PURPOSES,
    PROD_ENV,
    SECRET_MAX_AGE_DAYS,
    UNEVALUATED,
    UNSUPPORTED_CODES,
    UTC,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.concurrency import map_ordered
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery import (
    DataDiscovery,
    Resource,
    _as_list,
)
from ansible_collections.platform_ops.aws.plugins.module_utils._compliance.discovery_infra import (
    InfraDiscovery,
)
from ansible_collections.platform_ops.aws.plugins.module_utils.sessions import client_factory as session_client_factory


class Unsupported(Exception):
    """The endpoint does not implement an API (e.g. an emulator gap)."""

    def __init__(self, api):
        super().__init__(f"{api} unsupported")
        self.api = api


class AuditError(Exception):
    """An AWS error other than "unsupported": the audit cannot honestly continue."""

    def __init__(self, api, exception):
        super().__init__(f"{api} failed: {exception}")
        self.api = api
        self.exception = exception
        self.control = None


def client_factory(module):
    """``factory(service)`` -> a client, all from ONE boto3 session with the module's connection settings
    (module_utils/sessions.py: the audit reads some 20 services)."""
    return session_client_factory(module, "platform_ops.aws/compliance_audit")


def read_key(service, region, operation, paginate, params):
    """The identity of a read: an answer of the run's aws_read tasks stands for the audit's call with the same key."""
    return (service, region, operation, bool(paginate), json.dumps(params or {}, sort_keys=True, default=str))


def prior_reads(reads):
    """``{read_key: answer}`` from aws_read results (their ``calls`` and ``responses``); a call without an answer
    (a missing resource) is left out, so the audit asks for it itself."""
    answers = {}
    for read in reads or []:
        responses = read.get("responses") or {}
        for call in read.get("calls") or []:
            answer = responses.get(call.get("id"))
            if not isinstance(answer, dict):
                continue
            key = read_key(call["service"], call["region"], call["operation"], call.get("paginate"), call.get("params"))
            answers[key] = answer
            # A key described by its alias (as the roles read it) is the same answer as by its id (as the audit
            # asks, from ListKeys).
            key_id = (answer.get("KeyMetadata") or {}).get("KeyId") if call["operation"] == "describe_key" else None
            if key_id and call["service"] == "kms" and set(call.get("params") or {}) == {"KeyId"}:
                answers[read_key("kms", call["region"], "describe_key", False, {"KeyId": key_id})] = answer
    return answers


def _typed(shape, value):
    """``value`` (an answer made JSON-able by aws_read) with boto3's types back where ``shape`` says: timestamps as
    datetimes, blobs as bytes."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(shape.members.get(k), v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(shape.value, v) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, str):
        return parse_timestamp(value)
    if kind == "blob" and isinstance(value, str):
        return value.encode("utf-8")
    return value


def as_boto3_answer(client, operation, answer):
    """A copy of a reused ``answer`` as boto3 would have returned it (its output shape's types)."""
    answer = copy.deepcopy(answer)
    try:
        api = client.meta.method_to_api_mapping[operation]
        shape = client.meta.service_model.operation_model(api).output_shape
    except (AttributeError, KeyError):
        return answer
    return _typed(shape, answer)


@AWSRetry.jittered_backoff()
def _call(client, operation, **kwargs):
    return getattr(client, operation)(**kwargs)


@AWSRetry.jittered_backoff()
def _paginate(client, operation, **kwargs):
    return client.get_paginator(operation).paginate(**kwargs).build_full_result()


def _is_unsupported(error):
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in UNSUPPORTED_CODES


def _partition(region):
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# Its discovery methods (buckets(), db_instances(), load_balancers()...) come from the mixins of discovery.py and
# discovery_infra.py.
class Auditor(DataDiscovery, InfraDiscovery):
    """Discovers the platform's resources (lazily, once) and evaluates controls against them."""

    def __init__(
        self,
        client_factory,
        platform_name,
        platform_env,
        region,
        dr_region=None,
        *,
        now=None,
        secret_max_age_days=SECRET_MAX_AGE_DAYS,
        baseline=None,
        phi_buckets=PHI_BUCKET_PURPOSES,
        reads=None,
    ):
        self._client_factory = client_factory
        # security_baseline_<service> switches (all true unless told): only the wording of a FAIL depends on them.
        self.baseline = {service: True for service in BASELINE_SERVICES}
        self.baseline.update({k: bool(v) for k, v in (baseline or {}).items() if v is not None})
        self.phi_buckets = tuple(phi_buckets)
        self.now = now or datetime.datetime.now(UTC)
        self.secret_max_age_days = secret_max_age_days
        self.platform_name = platform_name
        self.platform_env = platform_env
        self.region = region
        self.dr_region = dr_region
        self.prefix = f"{platform_name}-{platform_env}"
        self.partition = _partition(region)
        self._clients = {}
        self._memo = {}
        # The engine evaluates controls on several threads: clients are made one at a time (a boto3 session is
        # not thread-safe; the clients it makes are), and each memo key is loaded once, its loader run under the
        # key's own lock (reentrant: a loader may use other keys, never its own).
        self._lock = threading.Lock()
        self._key_locks = {}
        # Answers of the run's earlier reads (aws_read), valid because nothing changed since: a call with the same
        # key takes its answer from here instead of AWS. ``reused`` counts them.
        self._prior = prior_reads(reads)
        self.reused = 0

    # --- plumbing -----------------------------------------------------------------------------
    @property
    def is_prod(self):
        return self.platform_env == PROD_ENV

    def client(self, service):
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._client_factory(service)
            return self._clients[service]

    def _api_name(self, service, operation):
        client = self.client(service)
        try:
            name = client.meta.method_to_api_mapping[operation]
        except (AttributeError, KeyError):
            name = operation
        return f"{service}:{name}"

    def call(self, service, operation, ignore=(), **kwargs):
        """One API call behind AWSRetry; ``None`` when the error code is in ``ignore``."""
        return self._request(_call, service, operation, ignore, kwargs)

    def paginate(self, service, operation, ignore=(), **kwargs):
        """A paginated API call, the full result; ``None`` when the error code is in ``ignore``."""
        return self._request(_paginate, service, operation, ignore, kwargs)

    def _request(self, func, service, operation, ignore, kwargs):
        client = self.client(service)
        if self._prior:
            key = read_key(service, client.meta.region_name, operation, func is _paginate, kwargs)
            if key in self._prior:
                with self._lock:
                    self.reused += 1
                return as_boto3_answer(client, operation, self._prior[key])
        try:
            return func(client, operation, **kwargs)
        except botocore.exceptions.ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in ignore:
                return None
            if _is_unsupported(e):
                raise Unsupported(self._api_name(service, operation)) from e
            raise AuditError(self._api_name(service, operation), e) from e
        except botocore.exceptions.BotoCoreError as e:
            raise AuditError(self._api_name(service, operation), e) from e

    def memo(self, key, loader):
        """``loader()`` once per audit; an unsupported API is remembered too (not asked again per control)."""
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.RLock())
        with key_lock:
            if key not in self._memo:
                try:
                    self._memo[key] = loader()
                except Unsupported as e:
                    self._memo[key] = e
            value = self._memo[key]
        if isinstance(value, Unsupported):
            raise value
        return value

    def in_scope(self, tags):
        return tags.get("Project") == self.platform_name and tags.get("Environment") == self.platform_env


def result(resource, status, detail, severity=None, rtype=None):
    """A check's verdict on one resource (the runner adds the control's metadata)."""
    if isinstance(resource, Resource):
        rid, rtype = resource["id"], rtype or resource["type"]
    else:
        rid = resource
    return {"resource": rid, "resource_type": rtype, "status": status, "detail": detail, "severity": severity}


def _each(resources, evaluate):
    """Evaluate each resource; an unsupported per-resource API makes only that resource NOT_APPLICABLE."""

    def one(resource):
        try:
            return evaluate(resource)
        except Unsupported as e:
            return result(resource, "NOT_APPLICABLE", f"{UNEVALUATED}{e.api} unsupported")

    out = []
    for verdict in map_ordered(one, resources):
        if verdict is None:
            continue
        out.extend(verdict if isinstance(verdict, list) else [verdict])
    return out


def _passfail(resource, ok, pass_detail, fail_detail):
    return result(resource, "PASS" if ok else "FAIL", pass_detail if ok else fail_detail)


def _prod_only(a, resource, what):
    return result(resource, "NOT_APPLICABLE", f"required in prod only ({what}; environment {a.platform_env})")


# The issue 12 and issue 13 checks (checks_issue12, checks_baseline) evaluate their resources this way.
def _fail_closed(resource, evaluate):
    """New controls fail closed: an API the endpoint does not answer (404/500/501) is a FAIL, never
    NOT_APPLICABLE - real AWS answering that way must not pass the audit silently."""
    try:
        return evaluate(resource)
    except Unsupported as e:
        return result(resource, "FAIL", f"{e.api} did not answer (the control fails closed)")


def _each_closed(resources, evaluate):
    verdicts = map_ordered(lambda resource: _fail_closed(resource, evaluate), resources)
    return [v for verdict in verdicts for v in _as_list(verdict) if v is not None]
