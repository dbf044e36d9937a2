#!/usr/bin/env bash
# The offline run of the whole program for a stack (default dev): sets up .venv, then prints
# the resources the program declares and the stack outputs, secrets masked. No CLI, no cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m tools.plan "${@:-dev}"
