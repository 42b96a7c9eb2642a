#!/usr/bin/env bash
# The system programs the local stack runs (`make setup` calls this): the PostgreSQL server (the database the
# migrations and the app use, scripts/local_postgres.py) and Redis (the ElastiCache stand-in,
# scripts/local_redis.py). Each is installed from the distribution's packages when it is missing and this
# machine can install them (apt-get, as root or with password-less sudo); otherwise this says what to install
# and fails. PLATFORM_SKIP_SYSTEM_DEPS=1 skips the check (a machine that only lints or builds).
set -euo pipefail

if [ "${PLATFORM_SKIP_SYSTEM_DEPS:-}" = "1" ]; then
  exit 0
fi

missing=()
# PG_BINDIR (scripts/local_postgres.py) points at another PostgreSQL installation.
if [ -n "${PG_BINDIR:-}" ] && [ -x "${PG_BINDIR}/initdb" ]; then
  :
elif ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if ! command -v redis-server >/dev/null 2>&1; then
  missing+=(redis-server)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

can_install=false
run=()
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    can_install=true
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    can_install=true
    run=(sudo -n)
  fi
fi
if [ "$can_install" = true ]; then
  echo "setup: installing ${missing[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  "${run[@]}" apt-get update -qq
  "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  exit 0
fi

cat >&2 <<MSG
setup: the local stack needs ${missing[*]}, and this machine cannot install them here (apt-get as root
or with password-less sudo). Install them with your package manager (Debian/Ubuntu:
  sudo apt-get install postgresql redis-server
macOS: brew install postgresql redis), or set PG_BINDIR to a PostgreSQL bin directory, then run make setup
again. PLATFORM_SKIP_SYSTEM_DEPS=1 skips this check for lint-only work.
MSG
exit 1
