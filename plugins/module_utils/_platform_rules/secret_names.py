# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules on secrets: environment variable names that look like a secret (which must come from
Secrets Manager, never plain ``environment``), URLs with credentials in them, and the database master
credentials, which a service never gets."""

from __future__ import annotations

import re

# --- secret-like names and credentials in values -----------------------------------------------

# Environment variable names that must come from ``secrets`` (Secrets Manager), never plain
# ``environment``; case-insensitive (``db_password`` as much as ``DB_PASSWORD``). Words: a password
# (``PASS``, ``PWD`` as whole words), a secret, a token, a key of an API or a private/access/signing
# key, credentials, and the connection URLs of the data tier (``DATABASE_URL``, ``REDIS_URL``, ...),
# which carry a password.
SECRET_LIKE_NAME_RE = re.compile(
    r"PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|SIGNING_?KEY"
    r"|(?:^|[-_.])(?:PASS|PWD)(?:$|[-_.])"
    r"|(?:^|[-_.])(?:DATABASE|DB|REDIS|CACHE|POSTGRES|POSTGRESQL|PG|MYSQL|MONGO|MONGODB|AMQP|RABBITMQ|BROKER)"
    r"[-_.](?:URL|URI|DSN)(?:$|[-_.])"
    r"|CONNECTION_?STRING",
    re.IGNORECASE,
)
# ...unless the name only names or points at a secret (``JWT_SECRET_ARN``, ``DB_PASSWORD_FILE``).
SECRET_REFERENCE_SUFFIXES = ("_ARN", "_NAME", "_ID", "_FILE", "_PATH", "_TTL", "_EXPIRY", "_LENGTH", "_HEADER")
# A URL with credentials in it: ``scheme://user:password@host`` (also ``redis://:token@host``).
CREDENTIALS_IN_URL_RE = re.compile(r"://[^/\s:@]*:[^/\s@]+@")
# Names of the secrets a service may list: upper-case environment variable names.
SECRET_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
# The database master credentials (the master secret ``{prefix}/database/master``, its generated
# password ``{prefix}/database/master-password``): only the database role and the bootstrap task
# read them; a service never lists them.
MASTER_SECRET_NAMES = ("DATABASE_MASTER", "DATABASE_MASTER_PASSWORD")
MASTER_SECRET_PATHS = ("database/master", "database/master-password")
MASTER_SECRET_NAME_RE = re.compile(r"^(?:DATABASE|DB|RDS|PG|POSTGRES|POSTGRESQL)_MASTER(?:$|_)")


def secret_like_name(name):
    """True when an environment variable called ``name`` would carry a secret in plain text."""
    name = str(name)
    return bool(SECRET_LIKE_NAME_RE.search(name)) and not name.upper().endswith(SECRET_REFERENCE_SUFFIXES)


def credentials_in_url(value):
    """True when ``value`` contains a URL with credentials (``scheme://user:pass@host``)."""
    return isinstance(value, str) and bool(CREDENTIALS_IN_URL_RE.search(value))


def plaintext_secret_reason(name, value):
    """Why the plain environment variable ``name=value`` exposes a secret, or "" when it does not.
    The reason never repeats the value."""
    if secret_like_name(name):
        return "its name looks like a secret"
    if credentials_in_url(value):
        return "its value is a URL with credentials in it (scheme://user:password@...)"
    return ""


def is_master_secret(env_name, path=""):
    """True when a service's secret ``env_name`` (Secrets Manager name ``{prefix}/{path}``) is one of
    the database master credentials."""
    name = str(env_name).upper()
    return name in MASTER_SECRET_NAMES or bool(MASTER_SECRET_NAME_RE.match(name)) or str(path) in MASTER_SECRET_PATHS
