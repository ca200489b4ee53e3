#!/usr/bin/env bash
# Render time of every web UI page on a seeded demo (release build): `covenant serve
# --demo` with 10,000 findings and 100,000 evidence records by default, a browser-like
# session (password + TOTP), then each page fetched $RUNS times after one warm-up fetch.
# Prints a Markdown table of the median and maximum time to the last byte, measured over
# loopback, so it is the server's render time plus a negligible transfer.
#
# usage: bench/web/run.sh [--findings N] [--evidence N] [--runs N]
# COVENANT_BIN=PATH skips the release build and uses that binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
findings=10000
evidence=100000
runs=7
while [ $# -gt 0 ]; do
    case "$1" in
    --findings) findings="$2"; shift 2 ;;
    --evidence) evidence="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
bin="${COVENANT_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$repo" && cargo build --release -p covenant-cli >&2)
    bin="${CARGO_TARGET_DIR:-$repo/target}/release/covenant"
fi
data="$(mktemp -d)"
log="$data/server.out"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
(cd "$repo" && "$bin" serve --demo --demo-findings "$findings" --demo-evidence "$evidence" \
    --data "$data/d" --listen "127.0.0.1:$port" >"$log" 2>"$data/server.err") &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
echo "seeding the demo ($findings findings, $evidence evidence records)..." >&2
for _ in $(seq 1 1200); do
    grep -q '^listening' "$log" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || { cat "$data/server.err" >&2; exit 1; }
    sleep 1
done
BASE="http://127.0.0.1:$port" RUNS="$runs" LOG="$log" python3 "$here/pages.py"
