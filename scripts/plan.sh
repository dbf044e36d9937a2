#!/usr/bin/env bash
# The offline run of the whole program for a stack (default dev): sets up .venv, then prints
# the resources the program declares, the stack outputs (secrets masked), the estimated
# `pulumi up` duration and idle monthly cost. No CLI, no cloud. `--json [PATH]` also writes the
# plan as a normalized document; `--update-snapshots` refreshes tests/snapshots/<stack>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m tools.plan "${@:-dev}"
