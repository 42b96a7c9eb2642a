"""roles/database/templates/bootstrap.sql.j2 against a real PostgreSQL (scripts/local_postgres.py).

The same SQL the ECS bootstrap task runs on RDS as the master user; here the local superuser stands in
for the master. Checks: idempotence (applied twice), the application login's privileges (tables, rows,
sequences: yes; roles, databases, superuser: no), objects created by a login belong to the group, the
upgrade from a schema owned by the master, and rotation by alternating users.
"""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import jinja2
import pytest

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "roles" / "database" / "templates" / "bootstrap.sql.j2"


def _local_postgres():
    if "local_postgres" in sys.modules:
        return sys.modules["local_postgres"]
    spec = importlib.util.spec_from_file_location("local_postgres", ROOT / "scripts" / "local_postgres.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["local_postgres"] = module
    spec.loader.exec_module(module)
    return module


local_postgres = _local_postgres()


def render(group: str = "app") -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)  # noqa: S701 - SQL, not HTML
    return env.from_string(TEMPLATE.read_text()).render(
        __database_app_group=group, __database_bootstrap_sql_version="1"
    )


@pytest.fixture(scope="module")
def server():
    try:
        local_postgres.find_bindir()
    except local_postgres.LocalPostgresError as exc:
        pytest.skip(str(exc))
    root = Path(tempfile.gettempdir())
    if not root.stat().st_mode & 0o001 and Path("/var/tmp").is_dir():
        root = Path("/var/tmp")
    base = Path(tempfile.mkdtemp(prefix="platform-dbboot-", dir=root))
    base.chmod(0o711)
    data_dir = base / "postgres"
    pre_deploy_url = local_postgres.start(data_dir, database="appdb")
    yield data_dir, pre_deploy_url
    local_postgres.stop(data_dir)
    shutil.rmtree(base, ignore_errors=True)


def superuser_url(data_dir: Path) -> str:
    state = local_postgres._load_state(data_dir)
    return f"postgresql://postgres:{quote(state['superuser_password'], safe='')}@127.0.0.1:{state['port']}/appdb"


def login_url(data_dir: Path, user: str, password: str) -> str:
    port = local_postgres.status(data_dir)["port"]
    return f"postgresql://{user}:{quote(password, safe='')}@127.0.0.1:{port}/appdb"


def test_template_has_no_password_and_is_rendered_safely():
    sql = render("app")
    assert "{{" not in sql and "{%" not in sql
    assert "PLATFORM_APP_PASSWORD_A" in sql and "\\getenv" in sql
    assert 'CREATE ROLE "app" NOLOGIN' in sql and "ALTER ROLE \"app_a\" SET role = 'app'" in sql


def test_bootstrap_app_role(server):
    data_dir, pre_deploy_url = server
    su = superuser_url(data_dir)
    # An upgrade: migrations ran as the master before, so the master owns a table, its serial and a view.
    with psycopg.connect(su, autocommit=True) as conn:
        conn.execute("CREATE TABLE legacy (id serial PRIMARY KEY, note text)")
        conn.execute("CREATE SEQUENCE legacy_counter")
        conn.execute("CREATE VIEW legacy_view AS SELECT id FROM legacy")
        conn.execute("INSERT INTO legacy (note) VALUES ('kept')")

    # A local database migrated before the bootstrap: the pre-deploy login owns a table.
    with psycopg.connect(pre_deploy_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE local_legacy (id int)")

    pw_a, pw_b = secrets.token_hex(16), secrets.token_hex(16)
    sql = render("app")
    url_a = local_postgres.bootstrap(data_dir, sql, "app_a", {"a": pw_a, "b": ""}, database="appdb")
    # Idempotent: a second run converges to the same state without error.
    assert local_postgres.bootstrap(data_dir, sql, "app_a", {"a": pw_a, "b": ""}, database="appdb") == url_a
    assert url_a == login_url(data_dir, "app_a", pw_a)
    assert local_postgres.url(data_dir) == url_a

    with psycopg.connect(su, autocommit=True) as conn:
        roles = dict(
            (row[0], row[1:])
            for row in conn.execute(
                "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
                " FROM pg_roles WHERE rolname IN ('app', 'app_a', 'app_b')"
            )
        )
        assert roles["app"] == (False, False, False, False, False, False)
        assert roles["app_a"] == (True, False, False, False, False, False)
        assert roles["app_b"] == (True, False, False, False, False, False)
        owners = dict(
            conn.execute(
                "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c"
                " WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'legacy%'"
            ).fetchall()
        )
        assert set(owners.values()) == {"app"}, owners
        # app_b has no password yet: it cannot log in until a rotation gives it one.
        assert conn.execute("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'app_b'").fetchone() == (True,)

    with psycopg.connect(url_a, autocommit=True) as conn:
        assert conn.execute("SELECT session_user, current_user").fetchone() == ("app_a", "app")
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user").fetchone() == (False,)
        conn.execute("CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL)")
        conn.execute("INSERT INTO items (name) VALUES ('a'), ('b')")
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (2,)
        assert conn.execute("SELECT note FROM legacy").fetchone() == ("kept",)
        conn.execute("INSERT INTO legacy (note) VALUES ('new')")
        conn.execute("ALTER TABLE legacy ADD COLUMN extra int")  # migrations own the legacy schema now
        conn.execute("ALTER TABLE local_legacy ADD COLUMN extra int")
        assert conn.execute("SELECT nextval('legacy_counter')").fetchone() == (1,)
        assert conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'items'").fetchone() == (
            "app",
        )
        for statement in ("CREATE ROLE intruder", "CREATE DATABASE other", "ALTER ROLE app_a SUPERUSER"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM pg_authid")

    # The pre-deploy login (what an app started before the deploy uses) still reads the app's tables.
    with psycopg.connect(pre_deploy_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (2,)

    # Rotation by alternating users: a new password for the inactive login, the same script, switch.
    url_b = local_postgres.bootstrap(data_dir, sql, "app_b", {"a": pw_a, "b": pw_b}, database="appdb")
    assert url_b == login_url(data_dir, "app_b", pw_b) == local_postgres.url(data_dir)
    with psycopg.connect(url_b, autocommit=True) as conn:
        assert conn.execute("SELECT session_user, current_user").fetchone() == ("app_b", "app")
        conn.execute("INSERT INTO items (name) VALUES ('c')")
        conn.execute("CREATE TABLE items_b (id int)")
        assert conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'items_b'").fetchone() == (
            "app",
        )
    # The previous login keeps working until the next rotation (running services are not cut off).
    with psycopg.connect(url_a, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (3,)
        conn.execute("INSERT INTO items_b VALUES (1)")

    # The next rotation gives app_a a new password: its old one stops working.
    pw_a2 = secrets.token_hex(16)
    url_a2 = local_postgres.bootstrap(data_dir, sql, "app_a", {"a": pw_a2, "b": pw_b}, database="appdb")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url_a).close()
    with psycopg.connect(url_a2, autocommit=True) as conn, psycopg.connect(url_b, autocommit=True) as other:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (3,)
        assert other.execute("SELECT count(*) FROM items").fetchone() == (3,)


def test_bootstrap_refuses_a_privileged_group(server):
    data_dir, _ = server
    with psycopg.connect(superuser_url(data_dir), autocommit=True) as conn:
        conn.execute("CREATE ROLE evil NOLOGIN SUPERUSER")
    with pytest.raises(local_postgres.LocalPostgresError, match="SUPERUSER, REPLICATION or BYPASSRLS"):
        local_postgres.bootstrap(data_dir, render("evil"), "evil_a", {"a": "x" * 20}, database="appdb")


def test_bootstrap_rejects_a_bad_login(server):
    data_dir, _ = server
    with pytest.raises(local_postgres.LocalPostgresError, match="must be <group>_a or <group>_b"):
        local_postgres.bootstrap(data_dir, render(), "app_c", {"a": "x"}, database="appdb")
    with pytest.raises(local_postgres.LocalPostgresError, match="no password"):
        local_postgres.bootstrap(data_dir, render(), "app_b", {"a": "x"}, database="appdb")
