"""The reference app's JWT grace window: tokens signed with JWT_SECRET_PREVIOUS stay valid after a rotation."""

from __future__ import annotations

import time

import pytest
from app import auth
from app.config import Settings


def _token(secret: str, exp_offset: int = 60) -> str:
    return auth.encode({"sub": "alice", "exp": int(time.time()) + exp_offset}, secret)


def test_decode_any_accepts_the_current_and_the_previous_key():
    current, previous = "current-key-0123456789", "previous-key-0123456789"
    assert auth.decode_any(_token(current), [current, previous])["sub"] == "alice"
    assert auth.decode_any(_token(previous), [current, previous])["sub"] == "alice"
    assert auth.decode_any(_token(current), [current, None])["sub"] == "alice"
    with pytest.raises(auth.InvalidToken, match="bad signature"):
        auth.decode_any(_token("another-key-0123456789"), [current, previous])
    # an expired token signed with the current key is refused, never retried with the previous one
    with pytest.raises(auth.InvalidToken, match="expired"):
        auth.decode_any(_token(current, -3600), [current, previous])
    with pytest.raises(auth.InvalidToken, match="no key"):
        auth.decode_any(_token(current), [None, ""])


def test_settings_read_the_previous_key_and_never_show_it():
    settings = Settings.from_env({"JWT_SECRET": "current-key-0123456789", "JWT_SECRET_PREVIOUS": "previous-0123456789"})
    assert settings.jwt_secret_previous == "previous-0123456789"
    assert "previous-0123456789" in settings.secret_values()
    assert "previous-0123456789" not in repr(settings)
