#!/usr/bin/env bash
# Load benchmark of `covenant serve` (release build) with wrk, on a seeded demo workspace
# (10,000 findings and 100,000 evidence records by default), for each storage backend:
# SQLite always, PostgreSQL too when a URL is given (--database, or COVENANT_TEST_POSTGRES).
#
# Endpoints, each with the demo admin token:
#   GET /api/v1/workspaces/demo/summary
#   GET /api/v1/workspaces/demo/findings?limit=50
# Debian's wrk has no constant-rate mode (-R), so it runs closed-loop with a fixed number
# of connections: a warm-up of $WARMUP, then -t$THREADS -c$CONNECTIONS -d$DURATION.
# Reported per endpoint and backend: requests/s, p50 and p99 latency, non-2xx responses
# and errors, and the server's peak RSS during that endpoint's run (VmHWM from
# /proc/PID/status, reset between runs through /proc/PID/clear_refs where allowed).
# The RSS is the covenant process's own; PostgreSQL's processes are not counted.
#
# usage: bench/server/run.sh [--database URL] [--only sqlite|postgres] [--out FILE]
#                            [--findings N] [--evidence N] [--duration 20s]
#                            [--connections 16] [--threads 2] [--rate N]
# --rate N paces the load at about N requests/s (each connection waits
# connections*1000/N ms after each response) instead of running closed-loop; use enough
# connections (e.g. 50) that the wait dominates the latency. The achieved rate is reported.
# With a PostgreSQL URL a fresh database is made beside it (the role needs CREATEDB) and
# dropped afterwards. COVENANT_BIN=PATH skips the release build and uses that binary.
# The Markdown table goes to stdout (and to FILE with --out); progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

database="${COVENANT_TEST_POSTGRES:-}"
only=""
out=""
findings=10000
evidence=100000
duration=20s
connections=16
threads=2
warmup=5s
rate=""
ready_timeout="${READY_TIMEOUT:-600}"
while [ $# -gt 0 ]; do
    case "$1" in
    --database) database="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --findings) findings="$2"; shift 2 ;;
    --evidence) evidence="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    -h | --help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/server: unknown argument: $1" >&2; exit 2 ;;
    esac
done
case "$only" in "" | sqlite | postgres) ;; *) echo "bench/server: --only sqlite|postgres" >&2; exit 2 ;; esac
if [ "$only" = postgres ] && [ -z "$database" ]; then
    echo "bench/server: --only postgres needs --database URL (or COVENANT_TEST_POSTGRES)" >&2
    exit 2
fi

log() { echo "bench/server: $*" >&2; }

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing wrk with apt"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2 ||
            { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2; }
    else
        log "wrk is not installed (apt-get install wrk)"
        exit 1
    fi
fi

if [ -n "${COVENANT_BIN:-}" ]; then
    bin="$COVENANT_BIN"
else
    log "building covenant (release)"
    (cd "$repo" && cargo build --release -q -p covenant-cli)
    target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    bin="$target_dir/release/covenant"
fi
[ -x "$bin" ] || { log "no covenant binary at $bin"; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/covenant-bench-server.XXXXXX")"
server_pid=""
bench_db=""

stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}

drop_db() {
    if [ -n "$bench_db" ]; then
        psql -X -q "$database" -c "DROP DATABASE IF EXISTS \"$bench_db\" WITH (FORCE)" >/dev/null 2>&1 ||
            log "could not drop database $bench_db"
        bench_db=""
    fi
}

cleanup() {
    local status=$?
    stop_server
    drop_db
    if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
        log "server log (last 40 lines):"
        tail -n 40 "$work/server.log" >&2 || true
    fi
    rm -rf -- "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kB -> MiB, one decimal.
vm_field() { awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }

# Resets VmHWM to the current RSS; prints nothing, fails quietly where not allowed.
reset_peak() { { echo 5 >"/proc/$server_pid/clear_refs"; } 2>/dev/null; }

# us -> ms, two decimals.
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# wait_ready ORIGIN TOKEN_FILE: /readyz answers 200, then both endpoints do with the token.
wait_ready() {
    python3 - "$1" "$server_pid" "$2" "$ready_timeout" <<'EOF'
import os, sys, time, urllib.error, urllib.request

origin, pid, token_file, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])

def get(path, headers=None):
    req = urllib.request.Request(origin + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code

deadline = time.monotonic() + timeout
last = None
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("bench/server: the server exited before it was ready")
    try:
        if get("/readyz") == 200:
            break
    except OSError as e:
        last = str(e)
    if time.monotonic() > deadline:
        sys.exit(f"bench/server: /readyz not 200 after {timeout:.0f} s ({last})")
    time.sleep(0.25)
token = open(token_file).read().strip()
for path in ("/api/v1/workspaces/demo/summary", "/api/v1/workspaces/demo/findings?limit=50"):
    status = get(path, {"Authorization": f"Bearer {token}"})
    if status != 200:
        sys.exit(f"bench/server: GET {path} answered {status}")
EOF
}

rows=()
notes=()

# bench_backend NAME [DATABASE_URL]
bench_backend() {
    local backend="$1" url="${2:-}"
    local data="$work/$backend"
    mkdir -p "$data/data"
    local db_args=()
    if [ -n "$url" ]; then
        # postgres://user:pass@host:port/db?params -> the same server, a fresh database.
        local base="${url%/*}" rest="${url##*/}" query=""
        case "$rest" in *\?*) query="?${rest#*\?}" ;; esac
        bench_db="covenant_bench_$$_${RANDOM}"
        psql -X -q -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE \"$bench_db\"" >/dev/null
        db_args=(--database "$base/$bench_db$query")
    fi

    local port origin
    port="$(free_port)"
    origin="http://127.0.0.1:$port"
    log "$backend: covenant serve --demo --demo-findings $findings --demo-evidence $evidence on $origin"
    local t0 t1
    t0="$(date +%s%N)"
    "$bin" serve --demo --demo-findings "$findings" --demo-evidence "$evidence" \
        --listen "127.0.0.1:$port" --data "$data/data" --token-file "$data/token" \
        "${db_args[@]}" </dev/null >"$work/server.log" 2>&1 &
    server_pid=$!

    wait_ready "$origin" "$data/token"
    t1="$(date +%s%N)"
    local ready_s seeded_rss
    ready_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
    seeded_rss="$(vm_field VmHWM)"
    notes+=("$backend: ready in ${ready_s} s after start (seeding included); peak RSS until then ${seeded_rss} MiB")
    log "$backend: ready in ${ready_s} s, peak RSS so far ${seeded_rss} MiB"

    # The load runs against the server as an operator runs it: restarted on the seeded
    # data. The process that just made 110,000 writes keeps their allocation churn in its
    # heap, which says little about a server in service.
    stop_server
    t0="$(date +%s%N)"
    "$bin" serve --listen "127.0.0.1:$port" --data "$data/data" \
        "${db_args[@]}" </dev/null >>"$work/server.log" 2>&1 &
    server_pid=$!
    wait_ready "$origin" "$data/token"
    t1="$(date +%s%N)"
    ready_s="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
    notes+=("$backend: restarted on the seeded data, ready in ${ready_s} s; RSS then $(vm_field VmRSS) MiB")
    log "$backend: restarted, ready in ${ready_s} s, RSS $(vm_field VmRSS) MiB"

    local token
    token="$(tr -d '[:space:]' <"$data/token")"
    local path
    for path in "/api/v1/workspaces/demo/summary" "/api/v1/workspaces/demo/findings?limit=50"; do
        log "$backend: warm-up $warmup, GET $path"
        wrk -t"$threads" -c"$connections" -d"$warmup" -H "Authorization: Bearer $token" \
            "$origin$path" >/dev/null
        local peak_note=""
        reset_peak || peak_note=" (since start)"
        log "$backend: wrk -t$threads -c$connections -d$duration --latency GET $path"
        WRK_PACE_MS="$pace" wrk -t"$threads" -c"$connections" -d"$duration" --latency --timeout 10s \
            -H "Authorization: Bearer $token" -s "$here/report.lua" \
            "$origin$path" >"$work/wrk.txt"
        sed 's/^/    /' "$work/wrk.txt" | grep -v '^    BENCH' >&2
        kill -0 "$server_pid" 2>/dev/null || { log "the server died under load"; exit 1; }
        local peak line
        peak="$(vm_field VmHWM)"
        line="$(grep '^BENCH ' "$work/wrk.txt")" || { log "no BENCH line from wrk"; exit 1; }
        local requests duration_us p50 p99 non2xx errors rps
        requests="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")"
        duration_us="$(sed -n 's/.* duration_us=\([0-9]*\).*/\1/p' <<<"$line")"
        p50="$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")"
        p99="$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")"
        non2xx="$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")"
        errors="$(awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /_errors=|timeouts=/) { split($i, kv, "="); n += kv[2] } print n }' <<<"$line")"
        rps="$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
        rows+=("| $backend | \`GET $path\` | $rps | $(ms "$p50") | $(ms "$p99") | $non2xx / $errors | ${peak}${peak_note} |")
    done

    stop_server
    drop_db
}

pace=""
mode="closed loop"
if [ -n "$rate" ]; then
    pace="$(awk -v c="$connections" -v r="$rate" 'BEGIN { printf "%.3f", c * 1000 / r }')"
    mode="paced at about $rate requests/s offered ($connections connections, ${pace} ms between a response and the next request)"
fi

if [ "$only" != postgres ]; then
    bench_backend sqlite
fi
if [ "$only" != sqlite ] && [ -n "$database" ]; then
    command -v psql >/dev/null 2>&1 || { log "psql is needed for the PostgreSQL run"; exit 1; }
    bench_backend postgres "$database"
fi

{
    echo "## covenant serve under load"
    echo
    echo "wrk $(wrk --version 2>&1 | awk 'NR == 1 { print $2 }'), -t$threads -c$connections -d$duration (after a $warmup warm-up)," \
        "$mode; demo workspace with $findings findings and $evidence evidence records;" \
        "$(nproc) cores; $(date -u +%Y-%m-%d)."
    echo
    echo "| backend | endpoint | requests/s | p50 ms | p99 ms | non-2xx / errors | peak RSS MiB |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
    echo
    for note in "${notes[@]}"; do echo "- $note"; done
} >"$work/results.md"

cat "$work/results.md"
if [ -n "$out" ]; then
    cp "$work/results.md" "$out"
    log "wrote $out"
fi
