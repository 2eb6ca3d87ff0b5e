#!/usr/bin/env bash
# Throwaway PostgreSQL and MariaDB servers on loopback, for the test suite.
#
#   source scripts/servers.sh start   # installs the servers if missing, starts them,
#                                     # exports FMP_TEST_POSTGRESQL_URL / FMP_TEST_MARIADB_URL
#   scripts/servers.sh stop DIR       # stops the servers started in DIR
#
# Everything lives in one temporary folder; nothing is left behind after `stop`.
# A backend whose URL is already set in the environment is not started: the tests use it.
set -euo pipefail

_fmp_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

_fmp_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

_fmp_install_missing() {
    local missing=()
    if [ -z "${FMP_TEST_POSTGRESQL_URL:-}" ] && ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
        missing+=(postgresql)
    fi
    if [ -z "${FMP_TEST_MARIADB_URL:-}" ] && ! command -v mariadbd >/dev/null 2>&1; then
        missing+=(mariadb-server)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "servers: installing ${missing[*]} from Debian's packages" >&2
        _fmp_as_root apt-get update -qq >&2
        # The packages' own service start is refused in containers; we start our own servers.
        _fmp_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    fi
}

_fmp_start_postgresql() {
    local dir="$1/pg" port bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    port=$(_fmp_free_port)
    mkdir -p "$dir"
    local run=()
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: run it as the packaged `postgres` user.
        chown -R postgres: "$dir"
        chmod 755 "$1"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >&2
    echo "$bin/pg_ctl" >"$1/pg.ctl"
    export FMP_TEST_POSTGRESQL_URL="postgresql+psycopg2://postgres@127.0.0.1:$port/postgres"
}

_fmp_start_mariadb() {
    local dir="$1/my" port user
    port=$(_fmp_free_port)
    mkdir -p "$dir"
    user=$(id -un)
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1
    mariadbd --no-defaults --datadir="$dir/data" --user="$user" --port="$port" \
        --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
        --skip-log-bin --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=256M \
        --max-connections=400 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
        >"$dir/server.log" 2>&1 &
    for _ in $(seq 1 120); do
        [ -S "$dir/mysqld.sock" ] && mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e 'select 1' >/dev/null 2>&1 && break
        sleep 0.5
    done
    # Debian's packaging leaves an anonymous ''@'localhost' account that would shadow a
    # '%' account for loopback clients: create the test user for both hosts.
    mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e "
        CREATE USER 'fmp'@'%' IDENTIFIED BY 'fmp';
        CREATE USER 'fmp'@'localhost' IDENTIFIED BY 'fmp';
        GRANT ALL ON *.* TO 'fmp'@'%' WITH GRANT OPTION;
        GRANT ALL ON *.* TO 'fmp'@'localhost' WITH GRANT OPTION;"
    export FMP_TEST_MARIADB_URL="mysql+pymysql://fmp:fmp@127.0.0.1:$port/"
}

fmp_servers_start() {
    _fmp_install_missing
    FMP_SERVERS_DIR=$(mktemp -d /tmp/fmp-servers.XXXXXX)
    export FMP_SERVERS_DIR
    if [ -z "${FMP_TEST_POSTGRESQL_URL:-}" ]; then _fmp_start_postgresql "$FMP_SERVERS_DIR"; fi
    if [ -z "${FMP_TEST_MARIADB_URL:-}" ]; then _fmp_start_mariadb "$FMP_SERVERS_DIR"; fi
    echo "servers: PostgreSQL at ${FMP_TEST_POSTGRESQL_URL}, MariaDB at ${FMP_TEST_MARIADB_URL} (files in $FMP_SERVERS_DIR)" >&2
}

fmp_servers_stop() {
    local dir="${1:-${FMP_SERVERS_DIR:-}}"
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    if [ -f "$dir/pg.ctl" ]; then
        local ctl; ctl=$(cat "$dir/pg.ctl")
        if [ "$(id -u)" = 0 ]; then
            runuser -u postgres -- "$ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
        else
            "$ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
    fi
    if [ -f "$dir/my/mysqld.pid" ]; then
        local pid; pid=$(cat "$dir/my/mysqld.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case "${1:-}" in
        start) fmp_servers_start; echo "export FMP_TEST_POSTGRESQL_URL='$FMP_TEST_POSTGRESQL_URL' FMP_TEST_MARIADB_URL='$FMP_TEST_MARIADB_URL' FMP_SERVERS_DIR='$FMP_SERVERS_DIR'" ;;
        stop) fmp_servers_stop "${2:-}" ;;
        *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
    esac
elif [ "${1:-}" = start ]; then
    fmp_servers_start
fi
