#!/usr/bin/env bash
# A throwaway PostgreSQL server for Covenant's tests, for CI and for developers.
#
#   .ci/postgres.sh            start one (or reuse the one already running) and print its URL
#   .ci/postgres.sh --url      print the URL of the running one; exit 1 if none runs
#   .ci/postgres.sh --stop     stop it and delete its data
#   .ci/postgres.sh --restart  --stop, then start a fresh one
#
# The URL is the last line on stdout, everything else goes to stderr:
#   export COVENANT_TEST_POSTGRES="$(.ci/postgres.sh | tail -n 1)"
# It has the form postgres://covenant:covenant@127.0.0.1:PORT/covenant_test; the role
# `covenant` has CREATEDB, so tests can make a database (or schema) of their own each.
#
# The server listens on 127.0.0.1 only, on port 55432 when that is free (else on a free
# one, or on $COVENANT_PG_PORT), keeps its data in a fresh temporary directory and is
# tuned for speed, not durability (fsync off). As root it runs as the `postgres` OS user.
# PostgreSQL is installed with apt only when no initdb is found.
# State (URL, data directory) lives in $COVENANT_PG_STATE (default /tmp/covenant-pg).
set -euo pipefail

STATE="${COVENANT_PG_STATE:-/tmp/covenant-pg}"
ROLE=covenant
PASSWORD=covenant
DATABASE=covenant_test

log() { echo "postgres.sh: $*" >&2; }
die() {
    log "$*"
    exit 1
}

find_bindir() {
    local dir
    # Highest installed major version first.
    for dir in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

install_postgres() {
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and we are not root: apt-get install postgresql"
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and there is no apt-get"
    log "installing PostgreSQL with apt"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

# Runs a command as the server's OS user, from a directory that user can read.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u postgres -- "$@")
        else
            (cd / && su -s /bin/sh postgres -c "$(printf '%q ' "$@")")
        fi
    else
        (cd / && "$@")
    fi
}

port_free() {
    python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Prints the URL of the recorded server and succeeds when it runs and answers.
running_url() {
    [ -f "$STATE/url" ] && [ -f "$STATE/pgdata" ] && [ -f "$STATE/bindir" ] || return 1
    local pgdata bindir port
    pgdata="$(cat "$STATE/pgdata")"
    bindir="$(cat "$STATE/bindir")"
    port="$(cat "$STATE/port")"
    [ -x "$bindir/pg_ctl" ] || return 1
    as_pg "$bindir/pg_ctl" status -D "$pgdata" >/dev/null 2>&1 || return 1
    "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d "$DATABASE" -U "$ROLE" || return 1
    cat "$STATE/url"
}

stop() {
    if [ -f "$STATE/pgdata" ] && [ -f "$STATE/bindir" ]; then
        local pgdata bindir
        pgdata="$(cat "$STATE/pgdata")"
        bindir="$(cat "$STATE/bindir")"
        if as_pg "$bindir/pg_ctl" status -D "$pgdata" >/dev/null 2>&1; then
            log "stopping the server in $pgdata"
            as_pg "$bindir/pg_ctl" stop -D "$pgdata" -m fast -w >&2 || true
        fi
        if [ -f "$STATE/tmpdir" ]; then
            rm -rf -- "$(cat "$STATE/tmpdir")"
        fi
    fi
    rm -rf -- "$STATE"
}

start() {
    local url
    if url="$(running_url)"; then
        log "reusing the running server (stop it with $0 --stop)"
        echo "$url"
        return 0
    fi
    # A stale record (server died, machine rebooted): start afresh.
    stop

    local bindir
    if ! bindir="$(find_bindir)"; then
        install_postgres
        bindir="$(find_bindir)" || die "initdb not found even after installing PostgreSQL"
    fi
    command -v psql >/dev/null 2>&1 || [ -x "$bindir/psql" ] || die "psql not found"

    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        log "creating the postgres OS user"
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi

    local port="${COVENANT_PG_PORT:-}"
    if [ -z "$port" ]; then
        if port_free 55432; then port=55432; else port="$(free_port)"; fi
    fi

    local tmp pgdata
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/covenant-pg.XXXXXX")"
    pgdata="$tmp/data"
    mkdir -p "$tmp/socket"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$tmp"; fi
    chmod 755 "$tmp"

    mkdir -p "$STATE"
    echo "$tmp" >"$STATE/tmpdir"
    echo "$pgdata" >"$STATE/pgdata"
    echo "$bindir" >"$STATE/bindir"
    echo "$port" >"$STATE/port"

    log "initdb in $pgdata ($bindir)"
    as_pg "$bindir/initdb" -D "$pgdata" -U postgres --encoding=UTF8 --locale=C \
        --auth-local=trust --auth-host=scram-sha-256 >"$tmp/initdb.log" 2>&1 ||
        {
            cat "$tmp/initdb.log" >&2
            die "initdb failed"
        }

    # Throwaway settings: loopback only, a private socket directory, no durability.
    as_pg tee -a "$pgdata/postgresql.conf" >/dev/null <<EOF

# .ci/postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$tmp/socket'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF

    log "starting on 127.0.0.1:$port"
    if ! as_pg "$bindir/pg_ctl" start -D "$pgdata" -l "$tmp/server.log" -w -t 60 </dev/null >&2; then
        cat "$tmp/server.log" >&2 || true
        die "the server did not start"
    fi

    local psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$tmp/socket" -p "$port" -U postgres -d postgres)
    as_pg "${psql[@]}" -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'" >&2
    as_pg "${psql[@]}" -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2

    url="postgres://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
    echo "$url" >"$STATE/url"
    cp "$pgdata/postmaster.pid" "$STATE/postmaster.pid" 2>/dev/null || true
    log "ready; stop it with $0 --stop"
    echo "$url"
}

case "${1:-}" in
"" | --start) start ;;
--url) running_url || die "no server is running" ;;
--stop) stop ;;
--restart)
    stop
    start
    ;;
-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown argument: $1 (try --help)" ;;
esac
