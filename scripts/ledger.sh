#!/usr/bin/env bash
# The one reader of the timing ledger ($(ART)/timings.tsv, written by scripts/timed.sh) for the shell
# scripts; `report`'s wall_time.csv (Sources/Report/WallTime.swift) reads it by the same rules:
# - a row with exit status "interrupted" is a stage killed mid-way (its heartbeat row), "lost" a
#   training run's part whose checkpoint stayed on a machine that was not kept (scripts/carry.sh);
#   both count as time spent, neither as a finished run;
# - a finished run's time is its finishing row (exit 0) plus the "interrupted" rows of the same
#   target since its last finish (the invocations it resumed from a checkpoint), never "lost" rows
#   (work the run did again from scratch).
#
# ledger.sh hours ART A|B     one line: wall time spent on paper A's (targets under paperA/) or
#                             paper B's stage runs, from the ledger and the heartbeat rows of stages
#                             running or killed (timings.tsv.partial/), summed and by the clock
#                             (stages running at once count once); B's line adds A's total
# ledger.sh runs LEDGER       per finished run: "target<TAB>seconds"
# ledger.sh folder TARGET     the run folder of a training target (a fine-tuned model's
#                             .../model/finetuned.json, a BERT baseline's .../predictions.h5);
#                             nothing for other targets
# ledger.sh left TARGET       the share of a training target's run still to do: 1, or less when
#                             its run folder has a checkpoint (scripts/run-state.sh --steps)
# ledger.sh estimate LEDGER KINDS
#                             stdin: the targets of the stage runs to do; KINDS: a sed -E script
#                             that maps a target to its kind (e.g. "finetune gemma-full-mul").
#                             Prints per kind: count, hours expected (the mean finished run of the
#                             kind in LEDGER times the shares left), how many resume; then the sum
set -uo pipefail
here=$(dirname "$0")
usage() { sed -n '/^# ledger.sh hours/,/^set /p' "$0" | sed '$d' >&2; exit 2; }
run_folder() {
  case "$1" in
    */model/finetuned.json) echo "${1%/model/finetuned.json}" ;;
    */predictions.h5) echo "${1%/predictions.h5}" ;;
  esac
}
case "${1:-}" in
hours)
  art=${2:?}; paper=${3:?}
  [ -f "$art/timings.tsv" ] || exit 0
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  { tail -n +2 "$art/timings.tsv"; cat "$art"/timings.tsv.partial/*.tsv 2>/dev/null; } > "$tmp/rows"
  # Each row's start in epoch seconds (GNU date, one line per row), for the time by the clock: the
  # union of the rows' intervals, as wall_time.csv's elapsed row.
  cut -f2 "$tmp/rows" | date -u -f - +%s > "$tmp/epochs" || { echo "ledger.sh: a start time in $art/timings.tsv is not a date" >&2; exit 1; }
  paste "$tmp/rows" "$tmp/epochs" | awk -F'\t' -v p="$paper" -v spans="$tmp/spans" '
      { a = ($1 ~ /\/paperA\//) ? "A" : "B"; s[a] += $3; n[a]++; if ($4 == "interrupted" || $4 == "lost") k[a]++
        if (a == p) printf "%.1f\t%.1f\n", $6, $6 + $3 > spans }
      END {
        close(spans)
        # By start: each interval adds the part of it past the furthest end so far (0: before any start).
        while ((("sort -n " spans) | getline line) > 0) {
          split(line, f, "\t")
          if (f[2] > end) { clock += f[2] - (f[1] > end ? f[1] : end); end = f[2] }
        }
        printf "== wall time in the ledger: %.2f h over %d paper %s stage runs (%d of them running, interrupted or lost with a machine), %.2f h by the clock",
          s[p] / 3600, n[p], p, k[p], clock / 3600
        if (p == "B" && n["A"]) printf "; paper A: %.2f h over %d", s["A"] / 3600, n["A"]
        printf "\n" }' ;;
runs)
  ledger=${2:?}
  [ -f "$ledger" ] || exit 0
  awk -F'\t' 'NR > 1 {
      if ($4 == "interrupted") { part[$1] += $3; next }
      if ($4 == "0") printf "%s\t%.1f\n", $1, part[$1] + $3
      if ($4 != "lost") part[$1] = 0
    }' "$ledger" ;;
folder)
  run_folder "${2:?}" ;;
left)
  run=$(run_folder "${2:?}")
  [ -n "$run" ] || { echo 1; exit 0; }
  read -r step total < <("$here/run-state.sh" --steps "$run"; echo)
  if [ -n "$step" ] && [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$step" -le "$total" ]; then
    awk -v s="$step" -v t="$total" 'BEGIN { printf "%.4f\n", (t - s) / t }'
  else echo 1; fi ;;
estimate)
  ledger=${2:?}; kinds=${3:?}
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  # Finished runs and runs to do, as "kind<TAB>seconds" and "kind<TAB>share left".
  "$0" runs "$ledger" > "$tmp/runs"
  while read -r t; do [ -n "$t" ] && printf '%s\t%s\n' "$t" "$("$0" left "$t")"; done > "$tmp/todo"
  for f in runs todo; do paste <(cut -f1 "$tmp/$f" | sed -E "$kinds") <(cut -f2 "$tmp/$f") > "$tmp/$f.kinds"; done
  awk -F'\t' '
    FILENAME == ARGV[1] { s[$1] += $2; c[$1]++; next }   # (not FNR == NR: the first file may be empty)
    { n[$1]++; share[$1] += $2; if ($2 < 1) r[$1]++ }
    END {
      for (k in n) {
        more = r[k] ? sprintf("; %d resume%s from a checkpoint", r[k], r[k] > 1 ? "" : "s") : ""
        if (c[k]) { h = share[k] * s[k] / c[k] / 3600; all += h
          printf "   %3d × %-32s ≈ %5.1f h (mean %.0f s per run in the ledger%s)\n", n[k], k, h, s[k] / c[k], more | "sort -k3" }
        else { unknown += n[k]
          printf "   %3d × %-32s   (no finished run of this kind in the ledger yet%s)\n", n[k], k, more | "sort -k3" }
      }
      close("sort -k3")
      printf "   expected: %.1f h of stage runs, one at a time", all
      if (unknown) printf ", plus %d run%s of kinds not timed yet", unknown, (unknown > 1 ? "s" : "")
      printf "\n"
    }' "$tmp/runs.kinds" "$tmp/todo.kinds" ;;
*) usage ;;
esac
