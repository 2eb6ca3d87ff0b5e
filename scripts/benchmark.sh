#!/usr/bin/env bash
# The autogenerate benchmark (benchmarks/autogenerate.py) on throwaway servers.
#   bash scripts/benchmark.sh [--sizes 50,200,800] [--repeat 7]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${FMP_VENV:-$ROOT/.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v '^WARNING: Location' >&2 || true
source scripts/servers.sh
trap 'fmp_servers_stop' EXIT
fmp_servers_start
"$VENV/bin/python" benchmarks/autogenerate.py "$@"
