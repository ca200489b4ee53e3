#!/usr/bin/env bash
# Benchmark: covenant vs compliance-trestle (the reference Python OSCAL tool) on the same
# files in the same run.
#   1. load and validate NIST SP 800-53 rev5 catalog (~10 MB JSON)
#   2. resolve the MODERATE baseline profile and write the resolved catalog
# Wall time and max RSS come from /usr/bin/time -v; each tool runs 3 times per task and the
# fastest run is reported. Trestle is installed into a temporary virtualenv with pip.
#
# usage: bench/oscal/run.sh            (COVENANT_SHARED_DATA = the shared data directory)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="${COVENANT_SHARED_DATA:-$repo/../shared/data}"
oscal="$data/oscal"
[ -f "$oscal/NIST_SP-800-53_rev5_catalog.json" ] || { echo "no OSCAL data in $oscal (set COVENANT_SHARED_DATA)" >&2; exit 2; }
runs="${RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building covenant (release)" >&2
(cd "$repo" && cargo build --release -q -p covenant-cli)
covenant="${CARGO_TARGET_DIR:-$repo/target}/release/covenant"

echo "== installing compliance-trestle into a temporary virtualenv" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check compliance-trestle >&2
py="$work/venv/bin/python"
trestle_version="$("$py" -c 'import importlib.metadata as m; print(m.version("compliance-trestle"))')"

# NIST's profile imports the catalog through back-matter rlinks relative to NIST's own
# repository layout (../../../../nist.gov/SP800-53/rev5/json/...). Recreate that layout
# with links to the same files, so both tools resolve the import as written.
mkdir -p "$work/ws/a/b/c/d" "$work/ws/nist.gov/SP800-53/rev5/json" "$work/ws/.trestle"
ln -s "$oscal/NIST_SP-800-53_rev5_catalog.json" "$work/ws/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json"
cp "$oscal/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json" "$work/ws/a/b/c/d/moderate.json"
catalog="$oscal/NIST_SP-800-53_rev5_catalog.json"
profile="$work/ws/a/b/c/d/moderate.json"

# measure NAME CMD... : runs CMD $runs times; prints "wall_s rss_mib inner_s" of the fastest.
measure() {
  local best="" line
  for _ in $(seq "$runs"); do
    local t0 t1 wall rss inner
    # Wall time from the clock in nanoseconds (time -v rounds to 10 ms); RSS from time -v.
    t0="$(date +%s%N)"
    /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/out.txt" 2> "$work/err.txt" || {
      cat "$work/err.txt" >&2; echo "failed: $*" >&2; exit 1; }
    t1="$(date +%s%N)"
    wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')"
    rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.txt")"
    inner="$(sed -n 's/^inner_seconds=//p' "$work/out.txt")"
    line="$wall $rss ${inner:-$wall}"
    if [ -z "$best" ] || awk -v a="$wall" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then best="$line"; fi
  done
  echo "$best"
}

report() { # task tool wall rss inner
  printf '%-34s %-10s wall %7.3f s   work %7.3f s   max RSS %7.1f MiB\n' "$1" "$2" "$3" "$5" "$4"
}

echo "covenant $("$covenant" --version | awk '{print $2}') vs compliance-trestle $trestle_version; $runs runs each, fastest shown"
# Trestle's load validates with its typed (pydantic) models; covenant is measured both ways:
# typed load + structural checks (--no-schema, the like-for-like task) and additionally
# against NIST's full JSON Schema.
read -r tw tr ti < <(measure "$py" "$here/trestle_task.py" load "$catalog")
read -r cw cr ci < <(measure "$covenant" oscal validate --no-schema "$catalog")
report "load+validate SP 800-53 catalog" covenant "$cw" "$cr" "$ci"
read -r sw sr si < <(measure "$covenant" oscal validate "$catalog")
report "  (+ NIST JSON Schema)" covenant "$sw" "$sr" "$si"
report "" trestle "$tw" "$tr" "$ti"
awk -v cw="$cw" -v tw="$tw" -v cr="$cr" -v tr="$tr" -v ti="$ti" 'BEGIN{printf "  -> covenant %.1fx faster end to end (%.1fx vs trestle work only), %.1f%% of trestle memory\n", tw/cw, ti/cw, 100*cr/tr}'
awk -v cw="$sw" -v tw="$tw" -v cr="$sr" -v tr="$tr" -v ti="$ti" 'BEGIN{printf "  -> with the JSON Schema too: %.1fx faster end to end, %.1f%% of trestle memory\n", tw/cw, 100*cr/tr}'

read -r cw cr ci < <(measure "$covenant" oscal resolve "$profile" -o "$work/covenant-moderate.json")
read -r tw tr ti < <(measure "$py" "$here/trestle_task.py" resolve "$work/ws" "$profile" "$work/trestle-moderate.json")
report "resolve MODERATE + write" covenant "$cw" "$cr" "$ci"
report "" trestle "$tw" "$tr" "$ti"
awk -v cw="$cw" -v tw="$tw" -v cr="$cr" -v tr="$tr" -v ti="$ti" 'BEGIN{printf "  -> covenant %.1fx faster end to end (%.1fx vs trestle work only), %.1f%% of trestle memory\n", tw/cw, ti/cw, 100*cr/tr}'

# Both tools must agree on what they resolved.
"$py" - "$work/covenant-moderate.json" "$work/trestle-moderate.json" <<'PY'
import json, sys
def ids(path):
    c = json.load(open(path))["catalog"]
    out = []
    def walk(cs):
        for x in cs or []:
            out.append(x["id"]); walk(x.get("controls"))
    for g in c.get("groups", []): walk(g.get("controls"))
    walk(c.get("controls"))
    return out
a, b = ids(sys.argv[1]), ids(sys.argv[2])
print(f"resolved controls: covenant {len(a)}, trestle {len(b)}, same set: {set(a) == set(b)}, same order: {a == b}")
if a != b:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print(f"  first difference at #{i}: covenant {a[i:i+4]}, trestle {b[i:i+4]}")
PY
