#!/bin/sh
# Runs one stage command and appends its wall time to a ledger (tab-separated):
#   target  started_utc  seconds  exit_status  host_cores
# Usage: scripts/timed.sh LEDGER TARGET [--no-slot] -- command [args...]
# `make paperB` prefixes every stage with it, so $(ART)/timings.tsv adds up to the run's wall time
# even when the run spans sessions. A stage killed mid-way (the end of a session kills everything,
# so no trap could run) still counts: while it runs, a heartbeat rewrites its row every 30 s, with
# exit status "interrupted", to LEDGER.partial/; the row is dropped when the stage ends and logs
# its own, and a leftover one (the stage was killed) is moved into the ledger when the target runs
# again. `report` and `make status-paperB` count leftover rows too.
set -u
ledger=$1; target=$2; shift 2
slot=take
[ "${1:-}" = "--no-slot" ] && { slot=none; shift; }
[ "${1:-}" = "--" ] && shift
mkdir -p "$(dirname "$ledger")" "$ledger.partial"
[ -f "$ledger" ] || printf 'target\tstarted_utc\tseconds\texit_status\tcores\n' > "$ledger"
key=$(printf '%s' "$target" | cksum | cut -d' ' -f1)
# Rows of earlier invocations of this target that were killed (make never runs a target twice at once).
for f in "$ledger.partial/$key".*.tsv; do
  [ -f "$f" ] || continue
  cat "$f" >> "$ledger" && rm -f "$f"
done
# With STAGE_SLOTS set, wait for a job slot shared with other makes (scripts/stage-slot.sh);
# the wait is not the stage's time. A stage of seconds (the Makefile's TIMED_QUICK: evaluate,
# prepare-splits) passes --no-slot: it costs the cores nothing worth ordering, and waiting behind
# another make's 20-minute stage would hold back what its make does after it.
if [ "$slot" = take ]; then
  "$(dirname "$0")/stage-slot.sh" take "$ledger" "$target" || exit $?
fi
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s.%N)
cores=$(nproc)
partial="$ledger.partial/$key.$$.tsv"
row() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
beat() { printf '%s\t%s\t%s\tinterrupted\t%s\n' "$target" "$started" "$(row)" "$cores" > "$partial.tmp" && mv "$partial.tmp" "$partial"; }
beat
"$(dirname "$0")/stage-slot.sh" release "$ledger" "$target"   # the heartbeat holds the slot now
me=$$
# The heartbeat holds none of the stage's output streams (a reader waiting for their end would
# wait for it too), and takes its sleep down with it when stopped.
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    sleep 30 & nap=$!
    wait "$nap"
    kill -0 "$me" 2>/dev/null || exit 0
    beat
  done
) </dev/null >/dev/null 2>&1 &
heartbeat=$!
"$@"
rc=$?
kill "$heartbeat" 2>/dev/null
wait "$heartbeat" 2>/dev/null
secs=$(row)
printf '%s\t%s\t%s\t%s\t%s\n' "$target" "$started" "$secs" "$rc" "$cores" >> "$ledger"
rm -f "$partial" "$partial.tmp"
exit $rc
