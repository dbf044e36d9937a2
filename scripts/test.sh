#!/usr/bin/env bash
# The whole test suite: sets up .venv, a local TLS-only PostgreSQL and .venv-airflow (real
# Airflow) for the live database tests, lints, then runs pytest on both cores. The PostgreSQL
# is stopped and deleted when the script ends, whatever the outcome, so nothing of the suite
# keeps running afterwards (KEEP_LIVE_POSTGRES=1 leaves it up for running single tests by hand).
# SKIP_LIVE_POSTGRES=1 leaves the database and Airflow out (their tests then skip, saying why).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${SKIP_LIVE_POSTGRES:-0}" != 1 ]; then
  if [ "${KEEP_LIVE_POSTGRES:-0}" != 1 ]; then
    trap 'bash scripts/postgres.sh stop' EXIT
  fi
  bash scripts/postgres.sh || {
    echo "could not start the local PostgreSQL (scripts/postgres.sh); set SKIP_LIVE_POSTGRES=1 to run without it" >&2
    exit 1
  }
  # Real Airflow in its own venv, for `airflow db migrate` as the platform's database role.
  bash scripts/airflow-venv.sh
fi
.venv/bin/ruff check .
.venv/bin/python -m pytest -n 2 "$@"
