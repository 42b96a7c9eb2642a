"""SQLAlchemy engine and sessions (psycopg 3), created lazily from DATABASE_URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings, sqlalchemy_url

APP_DIR = Path(__file__).resolve().parents[1]  # holds alembic.ini and migrations/
CONNECT_TIMEOUT_S = 2
STATEMENT_TIMEOUT_MS = 5000

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


class DatabaseNotConfigured(RuntimeError):
    pass


def make_engine(database_url: str) -> Engine:
    return create_engine(
        sqlalchemy_url(database_url),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=CONNECT_TIMEOUT_S,
        pool_recycle=1800,
        hide_parameters=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "caseapp",
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        },
    )


def get_engine(settings: Settings) -> Engine:
    if not settings.database_url:
        raise DatabaseNotConfigured("DATABASE_URL is not set")
    with _lock:
        engine = _engines.get(settings.database_url)
        if engine is None:
            engine = _engines[settings.database_url] = make_engine(settings.database_url)
        return engine


def session_scope(settings: Settings) -> Iterator[Session]:
    """A session per request; commits are explicit in the handlers."""
    factory = sessionmaker(bind=get_engine(settings), expire_on_commit=False)
    with factory() as session:
        yield session


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
