"""The application's own database role on the local stack (issue 12, item 2).

The stack is ``app_stack`` (tests/e2e/conftest.py): this module deploys it first, then
test_rotate_secrets.py rotates on it.

deploy.yml on inventories/local (the real local PostgreSQL): DATABASE_URL names the application login
(app_a), never the master; that login reads and writes the app's tables but cannot create a role and
is no superuser; the migration ran as it (the tables belong to the group role app). A second deploy
does not run the bootstrap again (fingerprint). Rotation (tasks_from: rotate) switches to app_b while
app_a keeps working. Secret values are never printed.
"""

from __future__ import annotations

import json
from urllib.parse import quote, unquote, urlsplit

import psycopg
import pytest

from tests.conftest import api_operations, operations_delta
from tests.e2e.stack import LocalStack, local_postgres
from tests.helpers import push_images

STACK = "caseapp-local"  # inventories/local
MASTER = f"{STACK}/database/master"
APP = f"{STACK}/database/app"
URL = f"{STACK}/database/url"
TAG = "dbrole-a"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("app_stack")]


@pytest.fixture(scope="module")
def stack(app_stack):
    """The stack shared with the other modules of the xdist group app_stack (tests/e2e/conftest.py)."""
    return app_stack


def _secret(stack: LocalStack, name: str) -> str:
    return stack.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def _local(stack: LocalStack, url: str) -> str:
    """The secret's URL with host, port and database swapped for the local server's."""
    parts = urlsplit(url)
    local = urlsplit(local_postgres.url(stack.pg_data))
    user, password = unquote(parts.username), unquote(parts.password)
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{local.hostname}:{local.port}{local.path}"


def test_deploy(stack):
    run = stack.run("deploy.yml", "--tags", "repositories")
    assert run.returncode == 0, run.output[-4000:]
    push_images(stack.endpoint, "inventories/local", TAG)
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={TAG}")
    assert run.returncode == 0, run.output[-4000:]
    for name in (MASTER, APP, URL):
        assert _secret(stack, name) not in run.output
    tags = stack.client("ecs").list_tags_for_resource(
        resourceArn=stack.client("ecs").describe_clusters(clusters=[STACK])["clusters"][0]["clusterArn"]
    )["tags"]
    assert any(t["key"] == "PlatformDbBootstrap" for t in tags)
    families = stack.client("ecs").list_task_definition_families(familyPrefix=f"{STACK}-db-bootstrap")["families"]
    assert families == [f"{STACK}-db-bootstrap"]


def test_database_url_is_the_application_login(stack):
    master = json.loads(_secret(stack, MASTER))
    app = json.loads(_secret(stack, APP))
    url = _secret(stack, URL)
    parts = urlsplit(url)
    assert unquote(parts.username) == app["username"] == "app_a" != master["username"]
    assert unquote(parts.password) == app["password"] != master["password"]
    assert local_postgres.url(stack.pg_data) == _local(stack, url)  # the local DATABASE_URL is the same login

    with psycopg.connect(_local(stack, url), autocommit=True) as conn:
        assert conn.execute("SELECT session_user, current_user").fetchone() == ("app_a", "app")
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'app_a'").fetchone() == (False,)
        # The migration ran as the application login: the group owns the app's tables.
        owners = {
            owner
            for (owner,) in conn.execute(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }
        assert owners == {"app"}, owners
        conn.execute("CREATE TABLE IF NOT EXISTS it_probe (id serial PRIMARY KEY, note text)")
        conn.execute("INSERT INTO it_probe (note) VALUES ('x')")
        assert conn.execute("SELECT count(*) FROM it_probe").fetchone()[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE ROLE intruder")


def test_redeploy_does_not_bootstrap_again(stack):
    before = api_operations(stack.endpoint)
    run = stack.run("deploy.yml", "-e", f"platform_image_tag={TAG}")
    assert run.returncode == 0, run.output[-4000:]
    delta = operations_delta(before, api_operations(stack.endpoint))
    assert "ecs.RunTask" not in delta, delta


def test_rotation_alternates_users(stack):
    old_url = _local(stack, _secret(stack, URL))
    run = stack.run("tests/e2e/db_rotate.yml")
    assert run.returncode == 0, run.output[-4000:]
    assert "database rotated: True" in run.output
    app = json.loads(_secret(stack, APP))
    new_url = _secret(stack, URL)
    assert app["username"] == "app_b" and unquote(urlsplit(new_url).username) == "app_b"
    for name in (MASTER, APP, URL):
        assert _secret(stack, name) not in run.output
    # The services are not rolled out yet: the local tasks still resolve the previous login (as on AWS, until the
    # rollout); the new login works already.
    assert local_postgres.url(stack.pg_data) == old_url
    with psycopg.connect(_local(stack, new_url), autocommit=True) as conn:
        assert conn.execute("SELECT session_user, current_user").fetchone() == ("app_b", "app")
        conn.execute("INSERT INTO it_probe (note) VALUES ('b')")
    with psycopg.connect(old_url, autocommit=True) as conn:  # the previous login still works
        assert conn.execute("SELECT session_user FROM it_probe LIMIT 1").fetchone() == ("app_a",)
