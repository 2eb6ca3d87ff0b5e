#!/usr/bin/env bash
# The main job on the example blog app, with SQLite: a virtualenv, the package, then
# `flask db init`, `flask db migrate`, the generated script printed, and `flask db upgrade`.
# Runs in a fresh temporary folder each time; prints where it is, and keeps it for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${FMP_VENV:-$ROOT/.venv}

if [ ! -x "$VENV/bin/python" ]; then
    echo "demo: creating $VENV" >&2
    python3 -m venv "$VENV"
fi
echo "demo: installing flask-migrate-plus" >&2
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e . 2>&1 | grep -v '^WARNING: Location' >&2 || true

WORK=$(mktemp -d /tmp/fmp-demo.XXXXXX)
cd "$WORK"
flask() { "$VENV/bin/python" -m flask --app "$ROOT/examples/blog/app.py" "$@"; }

echo "demo: working in $WORK" >&2
echo "\$ flask db init"; flask db init
echo "\$ flask db migrate -m 'blog tables'"; flask db migrate -m "blog tables"
echo "\$ cat migrations/versions/*.py"; cat migrations/versions/*.py
echo "\$ flask db upgrade"; flask db upgrade
echo "\$ flask db migrate -m 'nothing changed'"; flask db migrate -m "nothing changed"
echo "\$ flask db check"; flask db check
echo "demo: done; the database and migrations are in $WORK" >&2
