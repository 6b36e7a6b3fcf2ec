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
  if [ -f "$d/model/finetuned.json" ]; then state="finished"
  elif [ -f "$d/checkpoint/trainable.safetensors" ]; then
    step=$(head -c 65536 "$d/checkpoint/trainable.safetensors" | grep -ao '"step":"[0-9]*"' | head -1 | grep -o '[0-9]*')
    state="checkpoint at step ${step:-?}"
  else state="started, no checkpoint yet"; fi
  echo "  ${d#"$ART"/provo/finetune/}: $state"
done
echo "== evaluations"
for f in "$ART"/provo/eval/oracle.h5 "$ART"/provo/eval/tvd/*/*.h5 "$ART"/webquestions/eval/*/*.h5; do
  [ -f "$f" ] && echo "  ${f#"$ART"/}"
done
if [ -f "$ART/timings.tsv" ]; then
  awk -F'\t' 'NR > 1 { s += $3; n++ } END { printf "== wall time in the ledger: %.2f h over %d stage runs\n", s / 3600, n }' "$ART/timings.tsv"
fi
left=$(make -n --no-print-directory paperB ART="$ART" 2>/dev/null | grep -c "scripts/timed.sh")
echo "== stage runs make paperB still has to do: $left"
