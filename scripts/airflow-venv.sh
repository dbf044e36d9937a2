#!/usr/bin/env bash
# A separate venv (.venv-airflow) with the real apache-airflow of the platform's image, for the
# live test that runs `airflow db migrate` as the platform's database role. Kept apart from .venv
# so Airflow's dependency pins never fight Pulumi's. Idempotent: a second run only checks the stamp.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-airflow/bin/python ]; then
  python3 -m venv .venv-airflow
fi
stamp=.venv-airflow/.requirements.sha256
want=$(sha256sum requirements-airflow.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv-airflow/bin/python -m pip install --quiet --upgrade pip
  .venv-airflow/bin/python -m pip install --quiet -r requirements-airflow.txt
  echo "$want" >"$stamp"
fi
