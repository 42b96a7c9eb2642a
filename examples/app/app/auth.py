"""Bearer-token check for write endpoints: HS256 JWTs signed with JWT_SECRET (stdlib only).

Enforced only when JWT_SECRET is set. Tokens must carry ``exp``; ``alg`` must be HS256. After a
rotation (playbooks/rotate_secrets.yml) JWT_SECRET_PREVIOUS holds the key it replaced: tokens signed
with it stay valid (the grace window) until the next rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


class InvalidToken(Exception):
    pass


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode(claims: dict, secret: str) -> str:
    """Issue a token (used by tests and for local experiments)."""
    header = _b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64encode(signature)}"


def decode(token: str, secret: str, leeway: int = 30) -> dict:
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(payload_b64))
        signature = _b64decode(signature_b64)
    except ValueError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != "HS256":
        raise InvalidToken("unsupported alg")
    expected = hmac.new(secret.encode(), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise InvalidToken("bad signature")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp + leeway < time.time():
        raise InvalidToken("expired or missing exp")
    return claims


def decode_any(token: str, secrets: list[str | None], leeway: int = 30) -> dict:
    """``decode`` with the current key, then with the previous one (a bad signature only moves on)."""
    keys = [s for s in secrets if s]
    for index, secret in enumerate(keys):
        try:
            return decode(token, secret, leeway)
        except InvalidToken as exc:
            if str(exc) != "bad signature" or index == len(keys) - 1:
                raise
    raise InvalidToken("no key configured")
