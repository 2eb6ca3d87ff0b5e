#!/usr/bin/env bash
# The whole test suite on a fresh machine: a virtualenv, the package with its test extras,
# throwaway PostgreSQL and MariaDB servers on loopback, then ruff, mypy and pytest on
# SQLite, PostgreSQL and MariaDB. The servers are stopped afterwards, whatever happens.
#
#   bash scripts/test.sh [pytest arguments...]
#
# Point the tests at servers of your own with FMP_TEST_POSTGRESQL_URL / FMP_TEST_MARIADB_URL,
# or run fewer backends with FMP_TEST_BACKENDS=sqlite.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${FMP_VENV:-$ROOT/.venv}

if [ ! -x "$VENV/bin/python" ]; then
    echo "test: creating $VENV" >&2
    python3 -m venv "$VENV"
fi
echo "test: installing flask-migrate-plus with its test extras" >&2
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v '^WARNING: Location' >&2 || true
"$VENV/bin/python" -c "import flask_migrate_plus, alembic, pytest" # fail loudly if the install failed
export PATH="$VENV/bin:$PATH"

source scripts/servers.sh
trap 'fmp_servers_stop' EXIT
fmp_servers_start

echo "test: ruff" >&2
ruff check flask_migrate_plus tests examples benchmarks
echo "test: mypy" >&2
mypy
echo "test: pytest" >&2
python -m pytest -n "${FMP_TEST_WORKERS:-2}" "$@"
