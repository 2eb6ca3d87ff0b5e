#!/usr/bin/env bash
# The random-model oracle at length: many more random model sets than CI runs, new ones on
# every run, on SQLite, PostgreSQL and MariaDB (throwaway servers, as scripts/test.sh).
#
#   bash scripts/oracle.sh [EXAMPLES]     # default 200 per test and backend
#
# A failure prints the model set (and a @reproduce_failure line); keep it as a test in
# tests/test_oracle_found.py with models of your own once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${FMP_VENV:-$(pwd)/.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v '^WARNING: Location' >&2 || true
export PATH="$VENV/bin:$PATH"
source scripts/servers.sh
trap 'fmp_servers_stop' EXIT
fmp_servers_start
FMP_ORACLE_RANDOM=1 FMP_ORACLE_EXAMPLES="${1:-200}" \
    python -m pytest -n "${FMP_TEST_WORKERS:-2}" -p no:cacheprovider tests/test_oracle.py
