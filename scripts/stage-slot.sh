#!/usr/bin/env bash
# stage-slot.sh take|release LEDGER TARGET
# Two makes on one machine (scripts/run-paperB.sh runs paper A's runs beside paper B's last make)
# would start up to twice the stages the cores can take, and one make cannot rank its targets: GNU
# make starts the first runnable target it meets, so paper A's runs took slots ahead of paper B's
# samples. This caps the stages running at once across makes, with a priority:
# - STAGE_SLOTS (unset or 0: no cap, `take` returns at once) stages run at once; a stage is running
#   while its heartbeat (scripts/timed.sh, LEDGER.partial/<key>.<pid>.tsv) has a live pid, or while
#   it holds a reservation (LEDGER.partial/slot.<key>, taken by `take`, for STAGE_SLOT_HOLD seconds,
#   default 120, until timed.sh's heartbeat replaces it: the fine-tuning runs' fits-in-session.sh
#   check takes the slot first, so that it judges the time left when the run can really start);
# - STAGE_YIELD_SECONDS (0 by default): a stage of a make run with it set starts only once a slot
#   has stayed free that long, so it never takes a slot that a make without it was about to fill
#   (make starts its next runnable stage within a second of a slot freeing).
# `take` waits (polling every STAGE_POLL_SECONDS, default 2) and returns 0 holding a slot for
# TARGET; a target that holds one already returns at once. `release` drops TARGET's reservation.
# The count and the reservation are one step under flock on LEDGER.partial/.slots.lock.
set -euo pipefail
cmd=${1:?usage: stage-slot.sh take|release LEDGER TARGET}
ledger=${2:?usage: stage-slot.sh take|release LEDGER TARGET}; target=${3:?usage: stage-slot.sh take|release LEDGER TARGET}
slots=${STAGE_SLOTS:-0}
[[ $slots =~ ^[0-9]+$ ]] || { echo "stage-slot.sh: STAGE_SLOTS=$slots is not a number" >&2; exit 2; }
[ "$slots" -gt 0 ] || exit 0
dir="$ledger.partial"
mkdir -p "$dir"
key=$(printf '%s' "$target" | cksum | cut -d' ' -f1)   # one reservation per target, whichever script takes it
mine="$dir/slot.$key"

# Stages running now, other than TARGET's own reservation.
running() {
  local n=0 now f pid until
  now=$(date +%s)
  for f in "$dir"/*.*.tsv; do
    [ -f "$f" ] || continue
    pid=${f%.tsv}; pid=${pid##*.}
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && n=$((n + 1))
  done
  for f in "$dir"/slot.*; do
    [ -f "$f" ] && [ "$f" != "$mine" ] || continue
    read -r until < "$f" || true
    [[ ${until:-} =~ ^[0-9]+$ ]] && [ "$until" -gt "$now" ] && n=$((n + 1))
  done
  echo "$n"
}

case $cmd in
release) rm -f "$mine"; exit 0 ;;
take) ;;
*) echo "stage-slot.sh: unknown command $cmd (take or release)" >&2; exit 2 ;;
esac

yield=${STAGE_YIELD_SECONDS:-0} poll=${STAGE_POLL_SECONDS:-2} hold=${STAGE_SLOT_HOLD:-120}
[[ $yield =~ ^[0-9]+$ ]] || { echo "stage-slot.sh: STAGE_YIELD_SECONDS=$yield is not a whole number" >&2; exit 2; }
free_since=""   # in ms, when this waiter last saw a slot become free
exec 9> "$dir/.slots.lock"
while :; do
  flock 9
  now=$(date +%s)
  if [ -f "$mine" ]; then read -r until < "$mine" || true; else until=0; fi
  if [[ ${until:-} =~ ^[0-9]+$ ]] && [ "$until" -gt "$now" ]; then flock -u 9; exit 0; fi
  if [ "$(running)" -lt "$slots" ]; then
    ms=$(( $(date +%s%N) / 1000000 ))
    free_since=${free_since:-$ms}
    if [ $((ms - free_since)) -ge $((yield * 1000)) ]; then
      echo $((now + hold)) > "$mine.tmp.$$" && mv "$mine.tmp.$$" "$mine"
      flock -u 9
      exit 0
    fi
  else
    free_since=""
  fi
  flock -u 9
  sleep "$poll"
done
