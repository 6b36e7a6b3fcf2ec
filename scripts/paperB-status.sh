#!/bin/bash
# What a paper B run has done so far under ART: finished and partial sampling runs, fine-tuning
# runs (finished or at which checkpoint step), evaluations, the measured wall time, and how many
# stage runs `make paperB` still has to do.
# Usage: scripts/paperB-status.sh [ART]   (`make status-paperB ART=...`)
set -u
ART=${1:-results/artifacts}
cd "$(dirname "$0")/.."
echo "== sampling runs ($ART/provo/samples)"
for d in "$ART"/provo/samples/*/*/; do
  [ -d "$d" ] || continue
  line=""
  for f in "$d"seed*.h5 "$d"seed*.h5.chunks; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    if [ -d "$f" ]; then line="$line ${name%.h5.chunks}(partial: $(ls "$f" | wc -l) chunks)"
    else line="$line ${name%.h5}"; fi
  done
  echo "  ${d#"$ART"/provo/samples/}:$line"
done
echo "== fine-tuning runs ($ART/provo/finetune)"
for d in "$ART"/provo/finetune/*/seed*/; do
  [ -d "$d" ] || continue
  state=$("$(dirname "$0")/run-state.sh" "$d")
  echo "  ${d#"$ART"/provo/finetune/}: $state"
done
# Stages with a heartbeat row (timed.sh): running now if their timed.sh is alive, else killed.
if ls "$ART"/timings.tsv.partial/*.tsv >/dev/null 2>&1; then
  echo "== stage runs with a heartbeat (timings.tsv.partial)"
  for f in "$ART"/timings.tsv.partial/*.tsv; do
    pid=$(basename "$f" .tsv); pid=${pid#*.}
    if kill -0 "$pid" 2>/dev/null; then state="running"; else state="interrupted (resumes on the next run)"; fi
    awk -F'\t' -v art="$ART/" -v st="$state" '{ t = $1; sub("^" art, "", t); printf "  %s: %s, %.1f min so far\n", t, st, $3 / 60 }' "$f"
  done
fi
echo "== evaluations"
for f in "$ART"/provo/eval/oracle.h5 "$ART"/provo/eval/tvd/*/*.h5 "$ART"/webquestions/eval/*/*/*.h5; do
  [ -f "$f" ] && echo "  ${f#"$ART"/}"
done
# The ledger plus the heartbeat rows of stages killed mid-way (timings.tsv.partial/, see timed.sh);
# paper A's runs (targets under paperA/) are counted apart.
"$(dirname "$0")/ledger.sh" hours "$ART" B
# Stage runs still to do, and an estimate from the mean time per kind in the ledger (a kind is
# the stage plus the model or the fine-tuning config, e.g. "finetune gemma-full-mul"; the ablation
# configs count as one kind).
# (A make that cannot even plan, e.g. a broken experiment file, is said so, not counted as 0 left.)
if ! plan=$(make -n --no-print-directory paperB ART="$ART" 2>&1); then
  echo "== could not count the stage runs left: make -n paperB failed:"; printf '%s\n' "$plan" | tail -3; exit 1
fi
todo=$(printf '%s\n' "$plan" | grep "scripts/timed.sh" | awk '{ print $3 }')
echo "== stage runs make paperB still has to do: $(printf '%s\n' "$todo" | grep -c .)"
KINDS="s#^$ART/##
s#^provo/finetune/([a-z0-9-]+)-n[0-9]+/.*#finetune \1#
s#^provo/finetune/([a-z0-9-]+)/.*#finetune \1#
s#^provo/samples/([^/]+)/([^/]+)/.*#sample \1 \2#
s#^(sample [^ ]+) (base|ft-[a-z0-9]+)\$#\1#
s#^provo/eval/.*#evaluate#
s#^webquestions/samples/[^/]+/([^/]+)/.*#qa \1#
s#^webquestions/.*#qa other#
s#^provo/splits.h5#prepare#"
# Expected: per kind, the mean finished run in the ledger times the share each run still has to do
# (less than 1 for a training run that resumes from a checkpoint): scripts/ledger.sh estimate.
[ -z "$todo" ] || printf '%s\n' "$todo" | "$(dirname "$0")/ledger.sh" estimate "$ART/timings.tsv" "$KINDS"
