#!/usr/bin/env python3
"""A throwaway PostgreSQL server on loopback, for the local stack and the tests.

    local_postgres.py start  [--data-dir DIR] [--port N] [--database NAME]   init if needed, start, print the masked URL
    local_postgres.py stop   [--data-dir DIR]                                stop it (fast shutdown)
    local_postgres.py status [--data-dir DIR]                                JSON: initialized, running, pid, port, url (masked)
    local_postgres.py url    [--data-dir DIR] [--database NAME]              print the full DATABASE_URL (contains the password)
    local_postgres.py bootstrap [--data-dir DIR] --login NAME < script.sql   apply the database role's bootstrap SQL as the
                             superuser (passwords in PLATFORM_APP_PASSWORD_A/_B), then DATABASE_URL is the login NAME

Importable: ``start(data_dir, port=None, database="app") -> url``, ``stop(data_dir) -> bool``,
``status(data_dir) -> dict``, ``url(data_dir, database=None, masked=False)``, ``create_database(data_dir, name) -> url``,
``bootstrap(data_dir, sql, login, passwords) -> url``, ``login_url(data_dir, from_url) -> url``.

How it runs:
- Uses the Debian server binaries (``/usr/lib/postgresql/<version>/bin``, newest version; override with ``PG_BINDIR``).
  Never touches the system cluster or its service.
- ``initdb`` and the server refuse to run as root. When this runs as root, the data directory is chowned to an
  unprivileged owner (``PLATFORM_PG_OWNER``, default ``postgres``, the account the Debian package creates) and
  ``initdb`` / ``pg_ctl`` run as that owner through ``runuser -u <owner> --``. The owner must be able to traverse
  every parent directory of the data directory (``/tmp/pytest-of-root`` is 0700, so the tests use a fresh
  ``mkdtemp`` under ``/tmp``). As any other user, everything runs as that user.
- The server listens on 127.0.0.1 only (plus a unix socket inside the data directory). Password authentication
  (scram-sha-256) everywhere; the superuser ``postgres`` (the RDS master's stand-in) and a login ``local_app``
  (no privileged attribute, owner of the database: what the reference app uses before the first deploy) get
  random passwords, kept with the port in ``<data_dir>/platform_local.json`` (mode 0600).
- ``bootstrap`` applies the database role's bootstrap SQL (roles/database/templates/bootstrap.sql.j2, the SQL
  the ECS bootstrap task runs on RDS) as the superuser. From then on ``url`` is the application login's URL
  (``app_a``/``app_b``, the password from the stack's application secret) and ``local_app`` is made a member
  of the application's group role, so that an app started before the deploy keeps reading its tables (a
  local-stack convenience only: on AWS nothing but the alternating logins is a member).
- Durability is traded for speed (fsync, synchronous_commit and full_page_writes off): this is a development
  database, not a place for data you want to keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT / ".local" / "postgres"
STATE_FILE = "platform_local.json"
SUPERUSER = "postgres"
APP_ROLE = "local_app"
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The unix socket path (<dir>/.s.PGSQL.<port>) must fit in sun_path (107 bytes).
_MAX_SOCKET_DIR = 90


class LocalPostgresError(RuntimeError):
    """A clear, actionable failure of the local PostgreSQL server."""


# --------------------------------------------------------------------------- helpers


def find_bindir() -> Path:
    """The directory holding initdb/pg_ctl/postgres/psql: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin."""
    override = os.environ.get("PG_BINDIR")
    if override:
        path = Path(override)
        if not (path / "initdb").exists():
            raise LocalPostgresError(f"PG_BINDIR={override} has no initdb")
        return path
    candidates = []
    for bindir in Path("/usr/lib/postgresql").glob("*/bin"):
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            try:
                candidates.append((float(bindir.parent.name), bindir))
            except ValueError:
                continue
    if candidates:
        return max(candidates)[1]
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise LocalPostgresError(
        "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb); "
        "install them with: apt-get update && apt-get install -y postgresql"
    )


def _owner() -> str | None:
    """The account that owns and runs the server when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    import pwd  # noqa: PLC0415 - POSIX only, needed only as root

    name = os.environ.get("PLATFORM_PG_OWNER", "postgres")
    try:
        pwd.getpwnam(name)
    except KeyError as exc:
        raise LocalPostgresError(
            f"running as root, but the unprivileged owner {name!r} does not exist: PostgreSQL refuses to run as "
            f"root. Install the postgresql package (it creates 'postgres') or set PLATFORM_PG_OWNER to an existing user"
        ) from exc
    return name


def _as_owner(cmd: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def _chown(path: Path, owner: str | None) -> None:
    if owner:
        import pwd  # noqa: PLC0415

        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(cmd: list[str], owner: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    # cwd "/": the server tools call getcwd(), which fails in a directory the owner cannot read.
    return subprocess.run(_as_owner(cmd, owner), cwd="/", capture_output=True, text=True, check=False, **kwargs)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state_path(data_dir: Path) -> Path:
    return Path(data_dir) / STATE_FILE


def _load_state(data_dir: Path) -> dict | None:
    path = _state_path(data_dir)
    if not path.exists():
        return None
    return json.loads(path.read_text())


def _save_state(data_dir: Path, state: dict, owner: str | None) -> None:
    path = _state_path(data_dir)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(state, out, indent=2)
    _chown(tmp, owner)
    tmp.replace(path)


def _pid(data_dir: Path) -> int | None:
    """The postmaster's pid if it is alive (first line of postmaster.pid)."""
    pidfile = Path(data_dir) / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid  # alive, owned by someone else
    return pid


def _psql(data_dir: Path, state: dict, script: str, database: str = "postgres", extra_env: dict | None = None) -> str:
    bindir = find_bindir()
    env = dict(os.environ, PGPASSWORD=state["superuser_password"], PGCONNECT_TIMEOUT="5")
    env.update(extra_env or {})
    env.pop("PGSERVICEFILE", None)
    proc = subprocess.run(
        [
            str(bindir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(state["port"]),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-tA",
        ],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        check=False,
    )
    if proc.returncode != 0:
        raise LocalPostgresError(f"psql failed on {data_dir}: {proc.stderr.strip()}")
    return proc.stdout


def _build_url(state: dict, database: str, user: str | None = None, password: str | None = None) -> str:
    login = state.get("app_login") or {}
    if user is None and login.get("user"):
        user, password = login["user"], login["password"] if password is None else password
    user = user or state.get("app_user") or APP_ROLE
    password = state["app_password"] if password is None else password
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{state['port']}/{database}"


def mask_url(url_: str) -> str:
    """The URL with its password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url_)


# --------------------------------------------------------------------------- public API


def owner_can_reach(data_dir: str | os.PathLike) -> bool:
    """True when the server owner can traverse every existing ancestor of data_dir (always True when not root)."""
    owner = _owner()
    if not owner:
        return True
    import pwd  # noqa: PLC0415

    uid = pwd.getpwnam(owner).pw_uid
    path = Path(data_dir).resolve()
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        info = parent.stat()
        if not info.st_mode & 0o001 and info.st_uid != uid:
            return False
    return True


def initialized(data_dir: str | os.PathLike) -> bool:
    return (Path(data_dir) / "PG_VERSION").exists() and _state_path(Path(data_dir)).exists()


def init(data_dir: str | os.PathLike, port: int | None = None) -> dict:
    """initdb into data_dir (must be missing or empty) and write the platform state file; returns the state."""
    data_dir = Path(data_dir).resolve()
    if initialized(data_dir):
        return _load_state(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise LocalPostgresError(f"{data_dir} exists, is not empty and is not a platform PostgreSQL data directory")
    owner = _owner()
    bindir = find_bindir()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    _chown(data_dir, owner)
    if owner:
        probe = _run(["test", "-w", str(data_dir)], owner)
        if probe.returncode != 0:
            raise LocalPostgresError(
                f"the server owner {owner!r} cannot reach {data_dir}: a parent directory is not traversable "
                f"(e.g. mode 0700). Use a data directory under /tmp or a world-traversable path"
            )
    state = {
        "port": port or free_port(),
        "superuser": SUPERUSER,
        "superuser_password": secrets.token_hex(16),
        "app_user": APP_ROLE,
        "app_password": secrets.token_hex(16),
        "bindir": str(bindir),
    }
    fd, pwfile = tempfile.mkstemp(prefix="pgpw-")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(state["superuser_password"] + "\n")
        _chown(Path(pwfile), owner)
        proc = _run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            owner,
        )
    finally:
        os.unlink(pwfile)
    if proc.returncode != 0:
        raise LocalPostgresError(f"initdb failed for {data_dir}:\n{proc.stdout}\n{proc.stderr}")
    socket_dir = str(data_dir) if len(str(data_dir)) <= _MAX_SOCKET_DIR else ""
    with open(data_dir / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# --- platform_ops local stack (scripts/local_postgres.py) ---\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{socket_dir}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 100\nlog_min_messages = warning\n"
        )
    _save_state(data_dir, state, owner)
    return state


def status(data_dir: str | os.PathLike = DEFAULT_DATA_DIR) -> dict:
    """What is known about the server in data_dir: initialized, running, pid, port, url (masked)."""
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir) if initialized(data_dir) else None
    pid = _pid(data_dir) if state else None
    return {
        "data_dir": str(data_dir),
        "initialized": state is not None,
        "running": pid is not None,
        "pid": pid,
        "port": state["port"] if state else None,
        "url": mask_url(_build_url(state, state.get("database", "app"))) if state else None,
    }


def url(data_dir: str | os.PathLike = DEFAULT_DATA_DIR, database: str | None = None, masked: bool = False) -> str:
    """The application DATABASE_URL for database (default: the one start() created): the application login
    recorded by bootstrap() or login_url(), else the pre-deploy login ``local_app``."""
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir)
    if state is None:
        raise LocalPostgresError(f"{data_dir} is not initialized; run start first")
    result = _build_url(state, database or state.get("database", "app"))
    return mask_url(result) if masked else result


def connection(data_dir: str | os.PathLike = DEFAULT_DATA_DIR) -> dict:
    """How the superuser (the RDS master's stand-in) connects: port, database (the one start() created), user and
    password (a secret: for a task's environment only)."""
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir)
    if state is None:
        raise LocalPostgresError(f"{data_dir} is not initialized; run start first")
    return {
        "port": state["port"],
        "database": state.get("database", "app"),
        "user": SUPERUSER,
        "password": state["superuser_password"],
    }


def login_url(data_dir: str | os.PathLike, from_url: str, database: str | None = None) -> str:
    """The local URL of the login ``from_url`` names (a DATABASE_URL of the deployed stack, e.g. the RDS endpoint's):
    its user and password, the local server's host, port and database (default: the one start() created), without
    the query (no TLS on loopback). Remembered as the application login: ``url()`` answers it from then on."""
    from urllib.parse import unquote, urlsplit  # noqa: PLC0415

    parts = urlsplit(from_url.strip())
    if parts.scheme not in ("postgresql", "postgres") or not parts.username or parts.password is None:
        raise LocalPostgresError("the URL must be postgresql://user:password@host:port/database")
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir)
    if state is None:
        raise LocalPostgresError(f"{data_dir} is not initialized; run start first")
    user, password = unquote(parts.username), unquote(parts.password)
    if state.get("app_login") != {"user": user, "password": password}:
        state["app_login"] = {"user": user, "password": password}
        _save_state(data_dir, state, _owner())
    return _build_url(state, database or state.get("database", "app"), user, password)


def create_database(data_dir: str | os.PathLike, name: str) -> str:
    """Create database ``name`` owned by the app role if it does not exist; returns its URL."""
    if not _NAME_RE.match(name):
        raise LocalPostgresError(f"database name {name!r} must match {_NAME_RE.pattern}")
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir)
    if state is None or _pid(data_dir) is None:
        raise LocalPostgresError(f"no running server in {data_dir}; run start first")
    # Names are validated above and the password is hex: embedding them in SQL is safe.
    _psql(
        data_dir,
        state,
        f"SELECT 'CREATE DATABASE {name} OWNER {state.get('app_user') or APP_ROLE}' "  # noqa: S608 - validated names
        f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{name}') \\gexec\n",
    )
    return _build_url(state, name)


def drop_database(data_dir: str | os.PathLike, name: str) -> None:
    if not _NAME_RE.match(name):
        raise LocalPostgresError(f"database name {name!r} must match {_NAME_RE.pattern}")
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir)
    _psql(data_dir, state, f"DROP DATABASE IF EXISTS {name} WITH (FORCE);\n")


def start(
    data_dir: str | os.PathLike = DEFAULT_DATA_DIR, port: int | None = None, database: str = "app", timeout: int = 30
) -> str:
    """Initialize (if needed) and start the server, ensure the app role and database; returns the DATABASE_URL.

    Idempotent: a server already running in data_dir is reused (its port wins over ``port``).
    """
    if not _NAME_RE.match(database):
        raise LocalPostgresError(f"database name {database!r} must match {_NAME_RE.pattern}")
    data_dir = Path(data_dir).resolve()
    state = init(data_dir, port)
    owner = _owner()
    if _pid(data_dir) is None:
        if port and port != state["port"]:
            state["port"] = port
        if not _port_free(state["port"]):
            raise LocalPostgresError(
                f"port {state['port']} on 127.0.0.1 is in use by something else; pass another port"
            )
        log = data_dir / "server.log"
        bindir = Path(state.get("bindir") or find_bindir())
        if not (bindir / "pg_ctl").exists():
            bindir = find_bindir()
        proc = _run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data_dir),
                "-l",
                str(log),
                "-o",
                f"-p {state['port']}",
                "-w",
                "-t",
                str(timeout),
                "start",
            ],
            owner,
        )
        if proc.returncode != 0:
            tail = ""
            with contextlib.suppress(OSError):
                tail = "\n".join(log.read_text().splitlines()[-20:])
            raise LocalPostgresError(f"pg_ctl start failed for {data_dir}: {proc.stderr.strip()}\n{tail}")
    # The server accepts connections (pg_ctl -w); make sure the role and the database exist.
    state["database"] = database
    _save_state(data_dir, state, owner)
    if state.get("app_user", "app") == "app":
        # A data directory from before the application's group role: its pre-deploy login was called app, the
        # group's default name. Rename it (scram passwords survive a rename) so the bootstrap cannot collide.
        _psql(
            data_dir,
            state,
            f"SELECT 'ALTER ROLE app RENAME TO {APP_ROLE}' WHERE EXISTS "  # noqa: S608 - constants
            "(SELECT FROM pg_roles WHERE rolname = 'app' AND rolcanlogin) \\gexec\n",
        )
        state["app_user"] = APP_ROLE
        _save_state(data_dir, state, owner)
    app_user = state.get("app_user") or APP_ROLE
    _psql(
        data_dir,
        state,
        f"SELECT format('CREATE ROLE {app_user} LOGIN PASSWORD %L', '{state['app_password']}') "  # noqa: S608 - hex
        f"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_user}') \\gexec\n",
    )
    return create_database(data_dir, database)


def bootstrap(
    data_dir: str | os.PathLike, sql: str, login: str, passwords: dict[str, str], database: str | None = None
) -> str:
    """Apply the database role's bootstrap SQL as the superuser (the RDS master's stand-in) to database (default:
    the one start() created), with the logins' passwords in PLATFORM_APP_PASSWORD_A/_B (``passwords``: ``{"a": ...,
    "b": ...}``, never on a command line). Records ``login`` (``<group>_a`` or ``<group>_b``) and its password as
    the application's URL and makes the pre-deploy login a member of the group. Returns the login's URL."""
    match = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]{0,62})_([ab])", login)
    if not match:
        raise LocalPostgresError(f"login {login!r} must be <group>_a or <group>_b")
    group, suffix = match.groups()
    if not passwords.get(suffix):
        raise LocalPostgresError(f"no password given for the login {login} (PLATFORM_APP_PASSWORD_{suffix.upper()})")
    data_dir = Path(data_dir).resolve()
    state = _load_state(data_dir)
    if state is None or _pid(data_dir) is None:
        raise LocalPostgresError(f"no running server in {data_dir}; run start first")
    database = database or state.get("database", "app")
    if not _NAME_RE.match(database):
        raise LocalPostgresError(f"database name {database!r} must match {_NAME_RE.pattern}")
    env = {f"PLATFORM_APP_PASSWORD_{key.upper()}": value for key, value in passwords.items() if value}
    _psql(data_dir, state, sql, database=database, extra_env=env)
    app_user = state.get("app_user") or APP_ROLE
    if app_user != group:
        # Local convenience: the app started before the first deploy (as local_app) keeps working.
        # A local database migrated before the bootstrap: its tables belong to the pre-deploy login; the group
        # takes them over (as the SQL does for the master's), so that the application logins' migrations own them.
        _psql(
            data_dir,
            state,
            f'GRANT "{group}" TO "{app_user}";\n'  # noqa: S608 - names validated above
            "DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.relname FROM pg_class c "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
            f"AND pg_get_userbyid(c.relowner) = '{app_user}' LOOP "
            f"EXECUTE format('ALTER TABLE %I OWNER TO %I', r.relname, '{group}'); END LOOP; END $$;\n",
            database=database,
        )
    state["app_login"] = {"user": login, "password": passwords[suffix]}
    _save_state(data_dir, state, _owner())
    return _build_url(state, database)


def stop(data_dir: str | os.PathLike = DEFAULT_DATA_DIR, timeout: int = 30) -> bool:
    """Stop the server in data_dir (fast shutdown). Returns True if it was running."""
    data_dir = Path(data_dir).resolve()
    pid = _pid(data_dir)
    if pid is None:
        return False
    state = _load_state(data_dir) or {}
    bindir = Path(state.get("bindir") or find_bindir())
    proc = _run([str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "-t", str(timeout), "stop"], _owner())
    if proc.returncode != 0:
        raise LocalPostgresError(f"pg_ctl stop failed for {data_dir}: {proc.stderr.strip()}")
    deadline = time.monotonic() + timeout
    while _pid(data_dir) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    return True


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "url", "bootstrap"])
    parser.add_argument("--login", default=None, help="bootstrap: the current application login (<group>_a|_b)")
    parser.add_argument("--data-dir", default=os.environ.get("PLATFORM_LOCAL_PG_DATA", str(DEFAULT_DATA_DIR)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PLATFORM_LOCAL_PG_PORT", "0")) or None)
    parser.add_argument("--database", default=None)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            result = start(args.data_dir, args.port, args.database or "app")
            print(f"postgresql      running on 127.0.0.1:{status(args.data_dir)['port']} ({mask_url(result)})")
        elif args.command == "stop":
            print("postgresql      stopped" if stop(args.data_dir) else "postgresql      not running")
        elif args.command == "status":
            print(json.dumps(status(args.data_dir), indent=2))
        elif args.command == "bootstrap":
            if not args.login:
                parser.error("bootstrap needs --login")
            passwords = {key: os.environ.get(f"PLATFORM_APP_PASSWORD_{key.upper()}", "") for key in ("a", "b")}
            result = bootstrap(args.data_dir, sys.stdin.read(), args.login, passwords, args.database)
            print(f"postgresql      bootstrapped, application login {mask_url(result)}")
        else:
            print(url(args.data_dir, args.database))
    except LocalPostgresError as exc:
        print(f"local_postgres: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
