#!/usr/bin/env bash
# Start the local PostgreSQL cluster (Debian's pg_ctlcluster), make a `gcm` role and database,
# and print a DATABASE_URL for it on stdout. Everything else goes to stderr.
set -euo pipefail
# fd 3 carries the URL to the caller's $(...); the server started below must not inherit it, or
# the caller's command substitution waits for the server to exit (that is, forever).
exec 3>&1 1>&2
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${version:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  $SUDO pg_createcluster "$version" main >/dev/null 3>&-
  read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1)
fi
[ "$status" = online ] || $SUDO pg_ctlcluster "$version" "$cluster" start 3>&-
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
if [ "$(id -u)" = 0 ]; then as_postgres=(runuser -u postgres --); else as_postgres=(sudo -u postgres); fi
psql_as_postgres() { "${as_postgres[@]}" psql -q -p "$port" -v ON_ERROR_STOP=1 "$@"; }
psql_as_postgres -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='gcm') THEN CREATE ROLE gcm LOGIN CREATEDB PASSWORD 'gcm'; END IF; END\$\$;"
psql_as_postgres -tc "SELECT 1 FROM pg_database WHERE datname='gcm'" | grep -q 1 || psql_as_postgres -c "CREATE DATABASE gcm OWNER gcm"
echo "postgres://gcm:gcm@127.0.0.1:${port}/gcm" >&3
