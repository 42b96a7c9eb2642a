"""Component checks behind GET /health. Each is short-timeout and never raises.

A component reports ``{"status": "ok"|"fail"|"skipped", ...}``; "skipped" means not configured (the
service does not use it: the platform did not give it the variable) and does not fail the whole check.
Every configured component is checked for real, concurrently, each with a short timeout:

- database (DATABASE_URL): connect, ``SELECT 1``, and the alembic revision is the head of this build;
- cache (REDIS_URL): Redis ``PING``, AUTH from the URL's password, TLS for ``rediss://``;
- storage (S3_BUCKET_*): ``HeadBucket`` on every bucket (needs ``s3:ListBucket``, which the task role has
  on the service's buckets);
- search (OPENSEARCH_ENDPOINT): ``GET /_cluster/health`` signed with SigV4 (service ``es``) with the
  task role's credentials; ok when the cluster is green or yellow.

Error messages are scrubbed of every configured secret (see config.scrub); URLs are logged masked.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from .config import Settings, scrub
from .db import APP_DIR, get_engine

CHECK_TIMEOUT_S = 2.0
OVERALL_TIMEOUT_S = 4.5
_executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _error(exc: BaseException, settings: Settings) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return scrub(f"{type(exc).__name__}: {message}", settings)[:300]


@lru_cache(maxsize=1)
def head_revisions() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this build."""
    script = ScriptDirectory(str(APP_DIR / "migrations"))
    return tuple(sorted(script.get_heads()))


def check_database(settings: Settings) -> dict:
    if not settings.database_url:
        # The app cannot serve anything without its database: missing config is a failure, not a skip.
        return {"status": "fail", "error": "DATABASE_URL is not set"}
    result: dict = {"status": "fail"}
    try:
        heads = head_revisions()
        result["head"] = ",".join(heads)
        start = time.perf_counter()
        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
            result["latency_ms"] = _ms(start)
            current = tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
        result["revision"] = ",".join(current) or None
        if current == heads:
            result["status"] = "ok"
        elif not current:
            result["error"] = "database is not migrated (no alembic revision); run: alembic upgrade head"
        else:
            result["error"] = f"database is at revision {result['revision']}, expected head {result['head']}"
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        result["error"] = _error(exc, settings)
    return result


@lru_cache(maxsize=4)
def _redis_client(url: str):
    import redis  # noqa: PLC0415 - optional dependency, only when a cache is configured

    return redis.Redis.from_url(
        url, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S, health_check_interval=0
    )


def check_cache(settings: Settings) -> dict:
    if not settings.redis_url:
        return {"status": "skipped"}
    try:
        client = _redis_client(settings.redis_url)
        start = time.perf_counter()
        client.ping()
        return {"status": "ok", "latency_ms": _ms(start)}
    except Exception as exc:  # noqa: BLE001
        return {"status": "fail", "error": _error(exc, settings)}


@lru_cache(maxsize=4)
def s3_client(endpoint_url: str | None, region: str | None):
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(
            connect_timeout=CHECK_TIMEOUT_S,
            read_timeout=CHECK_TIMEOUT_S,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )


def check_storage(settings: Settings) -> dict:
    if not settings.s3_buckets:
        return {"status": "skipped"}
    result: dict = {"status": "ok", "buckets": {}}
    start = time.perf_counter()
    try:
        client = s3_client(settings.aws_endpoint_url, settings.aws_region)
    except Exception as exc:  # noqa: BLE001
        return {"status": "fail", "error": _error(exc, settings)}
    errors = []
    for purpose, bucket in settings.s3_buckets.items():
        try:
            client.head_bucket(Bucket=bucket)
            result["buckets"][purpose] = "ok"
        except Exception as exc:  # noqa: BLE001
            result["buckets"][purpose] = "fail"
            errors.append(f"{purpose} ({bucket}): {_error(exc, settings)}")
    result["latency_ms"] = _ms(start)
    if errors:
        result["status"] = "fail"
        result["error"] = "; ".join(errors)[:500]
    return result


@lru_cache(maxsize=1)
def _aws_credentials():
    """The credentials boto3 finds (on ECS: the task role, through the container credentials endpoint).

    Resolved once; botocore refreshes temporary credentials before they expire."""
    import boto3  # noqa: PLC0415

    return boto3.Session().get_credentials()


def _sign_request(request: urllib.request.Request, region: str | None) -> None:
    """SigV4-sign for Amazon OpenSearch Service (service ``es``) when AWS credentials and a region are available."""
    if not region:
        return
    from botocore.auth import SigV4Auth  # noqa: PLC0415
    from botocore.awsrequest import AWSRequest  # noqa: PLC0415

    credentials = _aws_credentials()
    if credentials is None:
        return
    aws_request = AWSRequest(method=request.get_method(), url=request.full_url, headers={})
    SigV4Auth(credentials.get_frozen_credentials(), "es", region).add_auth(aws_request)
    for key, value in aws_request.headers.items():
        request.add_header(key, value)


def check_search(settings: Settings) -> dict:
    if not settings.opensearch_url:
        return {"status": "skipped"}
    try:
        parts = urlsplit(settings.opensearch_url)
        hostport = parts.netloc.rpartition("@")[2]
        url = urlunsplit((parts.scheme, hostport, parts.path.rstrip("/") + "/_cluster/health", "", ""))
        request = urllib.request.Request(url, method="GET")  # noqa: S310 - http(s) only, checked below
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"OPENSEARCH_ENDPOINT scheme must be http or https, not {parts.scheme!r}")
        if parts.username:
            token = base64.b64encode(f"{parts.username}:{parts.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        else:
            _sign_request(request, settings.aws_region)
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=CHECK_TIMEOUT_S) as response:  # noqa: S310
            body = json.loads(response.read() or b"{}")
        cluster = body.get("status", "unknown")
        result = {"status": "ok" if cluster in ("green", "yellow") else "fail", "latency_ms": _ms(start)}
        result["cluster_status"] = cluster
        if result["status"] == "fail":
            result["error"] = f"cluster status is {cluster}"
        return result
    except urllib.error.HTTPError as exc:
        return {"status": "fail", "error": f"HTTP {exc.code} from _cluster/health"}
    except Exception as exc:  # noqa: BLE001
        return {"status": "fail", "error": _error(exc, settings)}


CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage, "search": check_search}


def run_checks(settings: Settings) -> dict:
    """All component checks, concurrently, bounded by OVERALL_TIMEOUT_S."""
    futures = {name: _executor.submit(check, settings) for name, check in CHECKS.items()}
    deadline = time.monotonic() + OVERALL_TIMEOUT_S
    components = {}
    for name, future in futures.items():
        try:
            components[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            components[name] = {"status": "fail", "error": f"check timed out after {OVERALL_TIMEOUT_S}s"}
    failed = [name for name, comp in components.items() if comp["status"] == "fail"]
    report = {"status": "fail" if failed else "ok", "version": settings.version, "components": components}
    if settings.platform_env:
        report["environment"] = settings.platform_env
    if failed:
        report["failed"] = failed
    return report
