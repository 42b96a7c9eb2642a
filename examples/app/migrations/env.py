"""Alembic environment: the URL comes from DATABASE_URL (postgresql:// is run with psycopg 3)."""

from __future__ import annotations

import logging
import os
from logging.config import fileConfig

from alembic import context
from app.config import mask_url, sqlalchemy_url
from app.models import Base
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")

target_metadata = Base.metadata


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise SystemExit("DATABASE_URL is not set: export the PostgreSQL URL to migrate (postgresql://...)")
    return url


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: emit SQL without connecting."""
    context.configure(
        url=sqlalchemy_url(database_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = database_url()
    log.info("Migrating %s", mask_url(url))
    engine = create_engine(
        sqlalchemy_url(url),
        poolclass=pool.NullPool,
        hide_parameters=True,
        connect_args={"connect_timeout": 10, "application_name": "caseapp-migrations"},
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
