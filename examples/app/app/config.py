"""Configuration, from the environment only. Secret values never leave this module unmasked.

| variable | meaning |
|---|---|
| DATABASE_URL | PostgreSQL URL (postgresql://user:pass@host:port/db[?sslmode=require]); required for the database |
| REDIS_URL | redis:// or rediss:// URL; or REDIS_HOST (+ REDIS_PORT, REDIS_AUTH_TOKEN, REDIS_TLS) |
| S3_BUCKET_<PURPOSE> | bucket names, one per purpose (S3_BUCKET_DOCUMENTS, S3_BUCKET_MEDIA, ...) |
| AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 | AWS API endpoint override (the local emulator) |
| AWS_REGION / AWS_DEFAULT_REGION | region for S3 and for signing OpenSearch requests |
| OPENSEARCH_ENDPOINT | https://<domain endpoint> of the OpenSearch domain (OPENSEARCH_URL: older name, same meaning) |
| PLATFORM_ENV | the platform environment (local, dev, staging, prod); reported by /health |
| COGNITO_USER_POOL_ID / COGNITO_CLIENT_ID | the Cognito user pool and app client of the platform (reported, not checked) |
| JWT_SECRET | when set, write endpoints require an HS256 bearer token signed with it |
| JWT_SECRET_PREVIOUS | the key JWT_SECRET held before its last rotation: tokens signed with it are still accepted (grace window) |
| APP_VERSION | version reported by /health (default: the package version) |
| LOG_LEVEL | debug, info (default), warning, error |
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

from . import __version__

_TRUE = {"1", "true", "yes", "on"}


def mask_url(url: str | None) -> str | None:
    """The URL with any password replaced by ``***`` (user, host, port, path kept)."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    if parts.password is None and "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    netloc = f"{user}:***@{hostport}" if user else f":***@{hostport}"
    if ":" not in userinfo:  # no password; keep the user
        netloc = f"{user}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def sqlalchemy_url(url: str) -> str:
    """postgres:// and postgresql:// become postgresql+psycopg:// (psycopg 3); explicit drivers are kept."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def search_base_url(endpoint: str | None) -> str | None:
    """The OpenSearch base URL: OPENSEARCH_ENDPOINT as the platform sets it (https://<domain endpoint>);
    a bare domain endpoint (vpc-....es.amazonaws.com) gets https://."""
    if not endpoint:
        return None
    return endpoint if "://" in endpoint else f"https://{endpoint}"


@dataclass(frozen=True)
class Settings:
    database_url: str | None = field(default=None, repr=False)
    redis_url: str | None = field(default=None, repr=False)
    s3_buckets: dict[str, str] = field(default_factory=dict)
    aws_endpoint_url: str | None = None
    aws_region: str | None = None
    opensearch_url: str | None = field(default=None, repr=False)
    platform_env: str | None = None
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_secret_previous: str | None = field(default=None, repr=False)
    version: str = __version__
    log_level: str = "info"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        redis_url = get("REDIS_URL")
        if not redis_url and get("REDIS_HOST"):
            token = get("REDIS_AUTH_TOKEN")
            tls_default = "true" if token else "false"
            tls = (get("REDIS_TLS") or tls_default).lower() in _TRUE
            auth = f":{quote(token, safe='')}@" if token else ""
            redis_url = f"{'rediss' if tls else 'redis'}://{auth}{get('REDIS_HOST')}:{get('REDIS_PORT') or '6379'}/0"
        buckets = {}
        for key, value in env.items():
            match = re.fullmatch(r"S3_BUCKET_([A-Z0-9_]+)", key)
            if match and value.strip():
                buckets[match.group(1).lower()] = value.strip()
        return cls(
            database_url=get("DATABASE_URL"),
            redis_url=redis_url,
            s3_buckets=dict(sorted(buckets.items())),
            aws_endpoint_url=get("AWS_ENDPOINT_URL_S3") or get("AWS_ENDPOINT_URL"),
            aws_region=get("AWS_REGION") or get("AWS_DEFAULT_REGION"),
            opensearch_url=search_base_url(get("OPENSEARCH_ENDPOINT") or get("OPENSEARCH_URL")),
            platform_env=get("PLATFORM_ENV"),
            cognito_user_pool_id=get("COGNITO_USER_POOL_ID"),
            cognito_client_id=get("COGNITO_CLIENT_ID"),
            jwt_secret=get("JWT_SECRET"),
            jwt_secret_previous=get("JWT_SECRET_PREVIOUS"),
            version=get("APP_VERSION") or __version__,
            log_level=(get("LOG_LEVEL") or "info").lower(),
        )

    def secret_values(self) -> list[str]:
        """Every secret string this configuration holds (to scrub from error messages)."""
        values = []
        for url in (self.database_url, self.redis_url, self.opensearch_url):
            if url:
                try:
                    password = urlsplit(url).password
                except ValueError:
                    password = None
                if password:
                    values.append(password)
        if self.jwt_secret:
            values.append(self.jwt_secret)
        if self.jwt_secret_previous:
            values.append(self.jwt_secret_previous)
        return [v for v in values if len(v) >= 4]

    def describe(self) -> dict:
        """A loggable summary: URLs masked, secrets reduced to 'configured'."""
        return {
            "version": self.version,
            "database": mask_url(self.database_url) or "not configured",
            "cache": mask_url(self.redis_url) or "not configured",
            "storage": self.s3_buckets or "not configured",
            "aws_endpoint_url": self.aws_endpoint_url or "default",
            "search": mask_url(self.opensearch_url) or "not configured",
            "platform_env": self.platform_env or "not set",
            "identity": self.cognito_user_pool_id or "not configured",
            "jwt": "configured" if self.jwt_secret else "not configured",
        }


def scrub(text: str, settings: Settings) -> str:
    """Remove secret values from a message (drivers sometimes echo parts of their DSN)."""
    for secret in settings.secret_values():
        text = text.replace(secret, "***")
        text = text.replace(quote(secret, safe=""), "***")
    return text
