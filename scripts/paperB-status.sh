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
if [ -f "$ART/timings.tsv" ]; then
  # The ledger plus the heartbeat rows of stages killed mid-way (timings.tsv.partial/, see timed.sh);
  # paper A's runs (targets under paperA/) are counted apart.
  { tail -n +2 "$ART/timings.tsv"; cat "$ART"/timings.tsv.partial/*.tsv 2>/dev/null; } |
    awk -F'\t' '$1 ~ /\/paperA\// { sa += $3; na++; next } { s += $3; n++; if ($4 == "interrupted" || $4 == "lost") k++ }
      END { printf "== wall time in the ledger: %.2f h over %d paper B stage runs (%d of them running, interrupted or lost with a machine)", s / 3600, n, k
            if (na) printf "; paper A: %.2f h over %d", sa / 3600, na
            printf "\n" }'
fi
# Stage runs still to do, and an estimate from the mean time per kind in the ledger (a kind is
# the stage plus the model or the fine-tuning config, e.g. "finetune gemma-full-mul"; the ablation
# configs count as one kind).
# (A make that cannot even plan, e.g. a broken experiment file, is said so, not counted as 0 left.)
if ! plan=$(make -n --no-print-directory paperB ART="$ART" 2>&1); then
  echo "== could not count the stage runs left: make -n paperB failed:"; printf '%s\n' "$plan" | tail -3; exit 1
fi
todo=$(printf '%s\n' "$plan" | grep "scripts/timed.sh" | awk '{ print $3 }')
echo "== stage runs make paperB still has to do: $(printf '%s\n' "$todo" | grep -c .)"
kind() { sed -E -e "s#^$ART/##" \
  -e 's#^provo/finetune/([a-z0-9-]+)-n[0-9]+/.*#finetune \1#' -e 's#^provo/finetune/([a-z0-9-]+)/.*#finetune \1#' \
  -e 's#^provo/samples/([^/]+)/([^/]+)/.*#sample \1 \2#' -e 's#^(sample [^ ]+) (base|ft-[a-z0-9]+)$#\1#' \
  -e 's#^provo/eval/.*#evaluate#' -e 's#^webquestions/samples/[^/]+/([^/]+)/.*#qa \1#' -e 's#^webquestions/.*#qa other#' \
  -e 's#^provo/splits.h5#prepare#'; }
if [ -n "$todo" ] && [ -f "$ART/timings.tsv" ]; then
  # A finished target's time is the sum of its rows: a resumed run also has rows for the
  # invocations that were interrupted before it finished; not those of work lost with a machine
  # ("lost": scripts/carry.sh), which the run did again from scratch.
  tail -n +2 "$ART/timings.tsv" | awk -F'\t' '$4 != "lost" { s[$1] += $3 } $4 == 0 { done[$1] = 1 }
      END { for (t in done) print t "\t" s[t] }' | sort | while IFS=$'\t' read -r t s; do
    printf '%s\t%s\n' "$(printf '%s\n' "$t" | kind)" "$s"; done > /tmp/paperB-status.$$
  printf '%s\n' "$todo" | kind | sort | uniq -c | while read -r n k; do
    m=$(awk -F'\t' -v k="$k" '$1 == k { s += $2; c++ } END { if (c) printf "%.0f", s / c }' /tmp/paperB-status.$$)
    if [ -n "$m" ]; then printf '   %3d × %-32s ≈ %5.1f h (mean %s s per run in the ledger)\n' "$n" "$k" "$(echo "$n * $m / 3600" | bc -l)" "$m"
    else printf '   %3d × %-32s   (no finished run of this kind in the ledger yet)\n' "$n" "$k"; fi
  done
  rm -f /tmp/paperB-status.$$
fi
