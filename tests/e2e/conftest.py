"""Fixtures shared by whole-stack test modules.

``app_stack``: one deployed stack of inventories/local (a real PostgreSQL, the reference app, Redis and the
search stand-in on loopback) on its own moto launcher, shared by the modules that only read and rotate what
a plain deploy made (test_db_app_role.py, then test_rotate_secrets.py with the restore cases). They share the
xdist group ``app_stack``, so one worker runs them one after the other, in file order, on one stack: the stack
is deployed cold once instead of once per module. A module that sets emulator faults (test_release.py) or
destroys its stack keeps its own.
"""

from __future__ import annotations

import pytest

from tests.conftest import moto_server
from tests.e2e.stack import LocalStack


@pytest.fixture(scope="session")
def app_stack_endpoint(tmp_path_factory):
    log = tmp_path_factory.mktemp("moto-app-stack") / "moto.log"
    with moto_server(log, MOTO_ECS_SERVICE_RUNNING="2", PLATFORM_LOCAL_RULES="all") as url:
        yield url


@pytest.fixture(scope="session")
def app_stack(app_stack_endpoint):
    local = LocalStack(app_stack_endpoint)
    try:
        yield local
    finally:
        local.close()
