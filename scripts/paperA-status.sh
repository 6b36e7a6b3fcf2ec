#!/bin/bash
# What a paper A run has done so far under ART, per dataset: the splits, the models' answers and
# breakdowns (finished, or how many resumable chunks), probes, SFT and BERT runs (finished or at
# which checkpoint), evaluations; the measured wall time; and the stage runs `make paperA-runs`
# still has to do, by kind.
# Usage: scripts/paperA-status.sh [ART]   (`make status-paperA ART=...`; extra make variables,
# e.g. EXPERIMENT_A=..., are passed on to the make -n that counts what is left)
set -u
ART=${1:-results/artifacts}
shift || true
cd "$(dirname "$0")/.."
PA="$ART/paperA"
names() {  # the .h5 files (and partial .h5.chunks folders) of a folder, one word each
  local out=""
  for f in "$1"/*.h5 "$1"/*.h5.chunks; do
    [ -e "$f" ] || continue
    local n=$(basename "$f")
    if [ -d "$f" ]; then out="$out ${n%.h5.chunks}(partial: $(ls "$f" | wc -l) chunks)"; else out="$out ${n%.h5}"; fi
  done
  echo "$out"
}
run_state() { "$(dirname "$0")/run-state.sh" "$1"; }  # a fine-tuning folder
for d in "$PA"/*/; do
  [ -d "$d" ] || continue
  ds=$(basename "$d")
  echo "== $ds$([ -f "$d/splits.h5" ] || echo ' (no splits yet)')"
  [ -d "$d/labels" ] && echo "  answers:$(names "$d/labels")"
  [ -d "$d/breakdown" ] && echo "  breakdowns:$(names "$d/breakdown")"
  [ -d "$d/probe" ] && echo "  probes:$(names "$d/probe")"
  for s in "$d"/sft/*/; do [ -d "$s" ] && echo "  SFT $(basename "$s"): $(run_state "$s")"; done
  [ -d "$d/bert" ] && echo "  BERT: $(run_state "$d/bert")"
  [ -d "$d/eval" ] && echo "  evaluations:$(names "$d/eval")"
done
"$(dirname "$0")/ledger.sh" hours "$ART" A
# (A make that cannot even plan, e.g. a broken experiment file, is said so, not counted as 0 left.)
if ! plan=$(make -n --no-print-directory paperA-runs ART="$ART" NO_BUILD=1 "$@" 2>&1); then
  echo "== could not count the stage runs left: make -n paperA-runs failed:"; printf '%s\n' "$plan" | tail -3; exit 1
fi
todo=$(printf '%s\n' "$plan" | grep "scripts/timed.sh" | awk '{ print $3 }')
echo "== stage runs make paperA-runs still has to do: $(printf '%s\n' "$todo" | grep -c .)"
# Kind: what runs, on which model (the dataset is left out, so a kind's expected time is its mean
# over the datasets run so far), e.g. "answers smollm2-main_test".
KINDS="s#^$PA/[^/]+/##
s#^labels/(.*)\.h5\$#answers \1#
s#^breakdown/(.*)\.h5\$#breakdown \1#
s#^probe/(.*)\.h5\$#probe \1#
s#^sft/([^/]+)/.*#SFT \1#
s#^bert/.*#BERT#
s#^eval/.*#evaluate#
s#^splits\.h5\$#splits#"
[ -z "$todo" ] || printf '%s\n' "$todo" | "$(dirname "$0")/ledger.sh" estimate "$ART/timings.tsv" "$KINDS"
