#!/bin/bash
# Starts the full replication, or picks it up where it stopped, in one command: what a new
# session runs first. A separate clone runs the chain, so that work on the main tree (builds,
# tests, commits) does not change the binaries of running stages.
#   scripts/resume-run.sh [RUN_DIR] [ART]     (defaults: /work/run, /work/artifacts)
# - a chain already running on ART: says so and changes nothing;
# - RUN_DIR missing: clones this repository there; else updates it (results/ is the report's
#   scratch copy there, reset first);
# - restores the carried artifacts of earlier machines (CARRY, default results/run-artifacts of
#   this tree; scripts/carry.sh) into ART: files ART already has are kept;
# - builds, fetches the models, links the data (make build models data), makes the splits the
#   carry lists again (carry.sh remake: they are not committed), then starts
#   scripts/run-all.sh ART in the background at low priority, appending to ART/chain.log, with
#   SESSION_END (default 160 minutes from now) so that no fine-tuning run is started that the
#   session's end would cut short (on a machine kept from the last session, SPAN_SESSIONS=1: runs
#   that the next session finishes from their checkpoints do start);
# - unless CARRY_EVERY=0, starts scripts/carry-loop.sh ART CARRY_EVERY (default 20 minutes), which
#   commits the carry of this tree as the run goes.
# Finished artifacts are kept and partial ones resume (sampling chunks, training checkpoints).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
run=${1:-/work/run}
art=${2:-/work/artifacts}
if pgrep -f "run-(all|paperB)\.sh $art/?\$" >/dev/null; then
  echo "a chain is already running on $art (pgrep -af 'run-(all|paperB).sh'); nothing done"
  exit 0
fi
if [ ! -d "$run/.git" ]; then
  git clone -q "$here" "$run"
else
  git -C "$run" checkout -q -- results
  git -C "$run" clean -fdq results
  git -C "$run" pull -q
fi
# The session's end: the chain starts no fine-tuning run that would not end, with its samples,
# before SESSION_END (scripts/fits-in-session.sh), since its weights are not carried. Default: 160
# minutes from now, leaving time for the last carry; SESSION_MINUTES=0 for a machine that is kept.
if [ -z "${SESSION_END:-}" ] && [ "${SESSION_MINUTES:-160}" != 0 ]; then
  export SESSION_END=$(( $(date +%s) + ${SESSION_MINUTES:-160} * 60 ))
fi
# Whether this machine was kept from an earlier session, in which case it is taken to be kept
# again: fine-tuning runs may then start though they would not end before SESSION_END, and the
# next session resumes them from their checkpoints (SPAN_SESSIONS=1, scripts/fits-in-session.sh).
# ART/.session (not carried) holds the SESSION_END of the last start here and what was decided: an
# end that has passed means the folder outlived its session; one to come, the same session (a
# second start keeps the first's decision). A folder from before the marker: its ledger tells.
marker="$art/.session"
if [ -z "${SPAN_SESSIONS:-}" ]; then
  SPAN_SESSIONS=0
  if [ -f "$marker" ]; then
    read -r end span < "$marker" || true
    if [[ ${end:-} =~ ^[0-9]+$ ]] && [ "$end" -gt "$(date +%s)" ]; then SPAN_SESSIONS=${span:-0}; else SPAN_SESSIONS=1; fi
  elif [ -f "$art/timings.tsv" ]; then
    SPAN_SESSIONS=1
  fi
fi
export SPAN_SESSIONS
mkdir -p "$art"
[ -z "${SESSION_END:-}" ] || echo "$SESSION_END $SPAN_SESSIONS" > "$marker"
carry=${CARRY:-$here/results/run-artifacts}
if [ -f "$carry/manifest.tsv" ]; then
  "$here/scripts/carry.sh" restore "$carry" "$art" || { echo "restoring $carry into $art failed" >&2; exit 1; }
fi
cd "$run"
echo "run tree $run at $(git rev-parse --short HEAD), artifacts $art (SPAN_SESSIONS=$SPAN_SESSIONS)"
make build models data ART="$art" >> "$art/setup.log" 2>&1 || { echo "make build models data failed: see $art/setup.log" >&2; exit 1; }
# The splits are not carried (they hold the datasets' texts): made again here, with their old
# mtimes when they come out the same, so the carried work made from them stays done.
if [ -f "$carry/remade.tsv" ]; then
  scripts/carry.sh remake "$carry" "$art" NO_BUILD=1 ART="$art" >> "$art/setup.log" 2>&1 || { echo "making the splits again failed: see $art/setup.log" >&2; exit 1; }
  tail -1 "$art/setup.log"
fi
setsid nice -n 10 scripts/run-all.sh "$art" >> "$art/chain.log" 2>&1 < /dev/null &
echo "started scripts/run-all.sh $art (pid $!); follow $art/chain.log, and: make status-paperB ART=$art"
if [ "${CARRY_EVERY:-20}" != 0 ]; then
  # Digests of new splits come from the binary that made them (this tree's may not be built).
  PREPARE_SPLITS="$run/.build/release/prepare-splits" \
    setsid "$here/scripts/carry-loop.sh" "$art" "${CARRY_EVERY:-20}" >> "$art/carry.log" 2>&1 < /dev/null &
  echo "started scripts/carry-loop.sh (every ${CARRY_EVERY:-20} min into $here/results/run-artifacts); log $art/carry.log"
fi
