#!/bin/sh
# Runs one stage command and appends its wall time to a ledger (tab-separated):
#   target  started_utc  seconds  exit_status  host_cores
# Usage: scripts/timed.sh LEDGER TARGET -- command [args...]
# `make paperB` prefixes every stage with it, so $(ART)/timings.tsv adds up to the run's wall time
# even when the run spans sessions. A stage killed mid-way (end of a session) logs nothing; its
# resumed invocation logs only the time it took itself.
set -u
ledger=$1; target=$2; shift 2
[ "${1:-}" = "--" ] && shift
mkdir -p "$(dirname "$ledger")"
[ -f "$ledger" ] || printf 'target\tstarted_utc\tseconds\texit_status\tcores\n' > "$ledger"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s.%N)
"$@"
rc=$?
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$started" "$secs" "$rc" "$(nproc)" >> "$ledger"
exit $rc
