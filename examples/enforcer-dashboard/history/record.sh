#!/usr/bin/env bash
# Records the example's history into a ledger (default: ../.covenant, beside the program,
# where `covenant status` finds it) from the evidence files next to this script, so that
#   covenant status examples/enforcer-dashboard --at 2026-09-01T00:00:00Z
# shows met, due, overdue and waived obligations and unbacked claims. The ledger is not
# committed (segments are preallocated); the signing key it creates is for the demo only.
#
#   COVENANT=target/debug/covenant examples/enforcer-dashboard/history/record.sh [DATA_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
covenant="${COVENANT:-covenant}"
data="${1:-$here/../.covenant}"
rm -rf "$data"
"$covenant" ledger init --data "$data" --origin enforcer-cca.com/covenant-demo >/dev/null
export COVENANT_USER="security-lead@enforcer-cca.com"

add() { # control kind effective recorded-at file [note]
    "$covenant" evidence add --data "$data" "$1" "$here/evidence/$5" --kind "$2" \
        --effective "$3" --at "$4" --collected-at "$4" ${6:+--note "$6"} >/dev/null
}

# Weekly dependency scans since the program took effect (the one due 2026-08-28 was skipped).
for d in 05-07 05-14 05-21 05-28 06-04 06-11 06-18 06-25 07-02 07-09 07-16 07-23 07-30 08-06 08-13 08-20; do
    add application-vulnerability-patching report "2026-$d" "2026-${d}T18:00:00Z" dependency-scan.md
done
# Monthly platform patching: the June report is missing, July and August are in.
add os-patching report 2026-06-25 2026-06-26T09:00:00Z os-patch-report.md
add os-patching report 2026-07-28 2026-07-29T09:00:00Z os-patch-report.md
add os-patching report 2026-08-27 2026-08-28T09:00:00Z os-patch-report.md
# The quarterly access review happened in July and was uploaded in August: it counts for July.
add access-identity-management attestation 2026-07-28 2026-08-03T10:00:00Z access-review-2026-q3.md "signed off by the CTO"
add source-code-security report 2026-07-31 2026-08-01T08:00:00Z code-review-report.md
add security-update-release url 2026-08-10 2026-08-10T12:00:00Z release-notes-1.4.2.md
add security-patch-application log 2026-08-13 2026-08-13T17:00:00Z patch-rollout-log.md
add tls-certificates configuration 2026-05-20 2026-05-20T10:00:00Z tls-config.md
# The quarterly backup restore test due 2026-08-01 was not done: overdue, and its claim unbacked.

"$covenant" release record 1.4.2 --data "$data" --at 2026-08-10T12:00:00Z >/dev/null
"$covenant" incident open INC-2026-001 --data "$data" --title "Credential leaked in a support ticket" \
    --program "$here/.." --at 2026-07-14T09:00:00Z >/dev/null
"$covenant" incident notify INC-2026-001 --data "$data" --at 2026-07-15T11:00:00Z \
    --note "affected managed customers emailed" >/dev/null
"$covenant" incident close INC-2026-001 --data "$data" --at 2026-07-20T16:00:00Z >/dev/null
"$covenant" waive evidence:security-advisories:log --data "$data" --reason "advisory mail log moves to the new mail provider; export available in October" \
    --approver cto@enforcer-cca.com --until 2026-10-15 --at 2026-08-20T09:00:00Z >/dev/null
"$covenant" ledger checkpoint --data "$data" >/dev/null
"$covenant" ledger verify --data "$data"
