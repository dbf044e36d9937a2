#!/usr/bin/env bash
# A throwaway PostgreSQL for the live database tests, locked down like the platform's Azure
# server: TLS only (hostssl, TLS 1.2+, a certificate for 127.0.0.1 from a fresh local test CA, so
# sslmode=verify-full can pass), SCRAM-SHA-256 passwords, database `airflow`, on 127.0.0.1 at a
# free port; an administrator like Azure's (no superuser: CREATEROLE, CREATEDB, member of
# azure_pg_admin, which owns `airflow`). Installs Debian's `postgresql` if absent.
# Writes how to reach it (libpq variables) to .postgres/server.env, which the tests read.
# Idempotent: a second run finds the server up and returns at once. `stop` stops and deletes it.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=.postgres/server.env

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# The server refuses to run as root; under root it runs as the postgres user the package creates.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The newest installed server's binaries (client-only packages have no `postgres`).
server_bin() { find /usr/lib/postgresql -path '*/bin/postgres' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname; }
recorded_data_dir() { [ -f "$env_file" ] && sed -n 's/^PGDATA=//p' "$env_file"; }

bin=$(server_bin)
if [ -z "$bin" ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql openssl >/dev/null
  bin=$(server_bin)
fi

stop() {
  local data
  data=$(recorded_data_dir) || true
  if [ -n "$data" ] && [ -d "$data" ]; then
    as_owner "$bin/pg_ctl" stop -D "$data" -m fast >/dev/null 2>&1 || true
  fi
  # Only ever a directory this script made.
  case "$data" in */airflow-platform-pg.*/data) rm -rf "$(dirname "$data")" ;; esac
  rm -f "$env_file"
}

case "${1:-start}" in
  start) ;;
  stop) stop && exit 0 ;;
  *) echo "usage: $0 [start|stop]" >&2 && exit 2 ;;
esac

data=$(recorded_data_dir) || true
if [ -n "$data" ] && [ -d "$data" ] && as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
  echo "PostgreSQL already running: facts in $env_file"
  exit 0
fi
stop # what a server that is gone (reboot, killed) left behind

root=$(mktemp -d "${TMPDIR:-/tmp}/airflow-platform-pg.XXXXXX")
data=$root/data
password=$(openssl rand -hex 24)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
admin_password=$(openssl rand -hex 24)
# A test CA, and the server's certificate from it naming only IP 127.0.0.1 (not `localhost`).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj "/CN=airflow-platform test CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
  -keyout "$root/ca.key" -out "$root/ca.crt" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 \
  -keyout "$root/server.key" -out "$root/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$root/server.ext"
openssl x509 -req -in "$root/server.csr" -CA "$root/ca.crt" -CAkey "$root/ca.key" -CAcreateserial -days 7 \
  -extfile "$root/server.ext" -out "$root/server.crt" 2>/dev/null
rm "$root/ca.key" "$root/server.csr"
chmod 644 "$root/ca.crt"
printf '%s\n' "$password" >"$root/superuser-password"
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$root"; fi
as_owner "$bin/initdb" -D "$data" -U postgres --pwfile="$root/superuser-password" -A scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 --no-sync >"$root/initdb.log"
rm "$root/superuser-password"
cat >>"$data/postgresql.conf" <<EOF
# airflow-platform test server: like Azure's flexible server, TLS 1.2+ and SCRAM passwords only.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
ssl = on
ssl_cert_file = '$root/server.crt'
ssl_key_file = '$root/server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
# Throwaway data: nothing has to survive a crash.
fsync = off
EOF
cat >"$data/pg_hba.conf" <<'EOF'
# TLS connections with a SCRAM password from this machine; everything else is refused.
hostssl all all 127.0.0.1/32 scram-sha-256
EOF
as_owner "$bin/pg_ctl" start -D "$data" -l "$root/server.log" -w -t 30 >/dev/null
PGPASSWORD=$password "$bin/psql" -X -q -v ON_ERROR_STOP=1 \
  "host=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=verify-full sslrootcert=$root/ca.crt" \
  -v admin_password="$admin_password" <<'SQL'
CREATE ROLE azure_pg_admin NOLOGIN;
CREATE ROLE airflowadmin LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE IN ROLE azure_pg_admin PASSWORD :'admin_password';
CREATE DATABASE airflow OWNER azure_pg_admin;
SQL

mkdir -p "$(dirname "$env_file")"
(
  umask 077
  cat >"$env_file" <<EOF
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=postgres
PGPASSWORD=$password
PGDATABASE=airflow
PGSSLMODE=require
PGDATA=$data
CA_CERT=$root/ca.crt
ADMIN_USER=airflowadmin
ADMIN_PASSWORD=$admin_password
EOF
)
echo "PostgreSQL $("$bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$port (TLS, SCRAM): facts in $env_file"
