#!/usr/bin/env bash
# Keeps the repository's carry of a running replication current: every MINUTES (default 20) saves
# ART into this tree's results/run-artifacts (scripts/carry.sh) and commits that folder alone, so
# whatever a session submits holds the run as it stood at most MINUTES earlier. Started by
# scripts/resume-run.sh beside the chain; ends with the session (or kill it: pgrep -af carry-loop.sh).
#   scripts/carry-loop.sh ART [MINUTES]
# A commit that cannot be made now (the tree's index is busy) is tried again at the next round;
# other staged or unstaged work in the tree is left as it is (git commit --only). Past SESSION_END
# (epoch seconds, as resume-run.sh sets it) it saves every 5 minutes.
set -u
art=${1:?usage: carry-loop.sh ART [MINUTES]}
minutes=${2:-20}
cd "$(dirname "$0")/.."
carry=results/run-artifacts
# One loop per artifacts folder: a second one (resume-run.sh started again) leaves.
exec 8>"/tmp/distlab-carry-loop-$(cd "$art" && pwd | cksum | cut -d' ' -f1).lock"
flock -n 8 || { echo "carry-loop: a loop for $art is already running"; exit 0; }
while :; do
  # Every MINUTES, and every 5 minutes from SESSION_END (when set) on, when the session is close
  # to its end: a nap never runs past SESSION_END.
  nap=$((minutes * 60))
  if [ -n "${SESSION_END:-}" ]; then
    left=$((SESSION_END - $(date +%s)))
    if [ "$left" -le 0 ]; then nap=300; elif [ "$left" -lt "$nap" ]; then nap=$left; fi
  fi
  sleep "$nap"
  scripts/carry.sh save "$art" "$carry" || { echo "carry-loop: save failed; next try in $minutes min" >&2; continue; }
  git add -A -- "$carry" 2>/dev/null || continue
  if ! git diff --cached --quiet -- "$carry"; then
    runs=$(($(wc -l < "$art/timings.tsv") - 1))
    git commit -q --only -m "carry: the run's artifacts at $(date -u +%H:%M) UTC ($(($(wc -l < "$carry/manifest.tsv") - 1)) files, $runs stage runs in the ledger)" -- "$carry" \
      && echo "carry-loop: committed at $(date -u +%H:%M:%S)" \
      || echo "carry-loop: commit failed; next try in $minutes min" >&2
  fi
done
