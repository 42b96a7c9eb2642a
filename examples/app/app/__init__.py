"""Reference case-management app deployed by platform_ops.aws: /health, /cases, alembic migrations."""

__version__ = "0.1.0"
