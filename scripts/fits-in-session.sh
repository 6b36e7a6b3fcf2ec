#!/usr/bin/env bash
# fits-in-session.sh LEDGER TARGET [DEFAULT_MINUTES]
# A fine-tuning run's weights are not carried to the next machine (scripts/carry.sh), so a run that
# a session's end cuts short is lost, and its machine time with it. With SESSION_END set (epoch
# seconds; scripts/resume-run.sh sets it), this says whether TARGET (a fine-tuned model's
# finetuned.json, or a BERT baseline's predictions.h5) and the samples made from it are expected to
# end before then: exit 0 if so, else 1 with a line naming the target (make -k then goes on with
# work that is saved in chunks). Without SESSION_END it always says yes.
# Expected time: the longest finished run of the same config in LEDGER (any seed, any machine: the
# ledger is carried; a run's time as scripts/ledger.sh counts it), else DEFAULT_MINUTES (else
# FT_MINUTES, default 60); times the share of its steps left when it resumes from a checkpoint; plus
# SAMPLE_MINUTES (default 12) for the samples made from it.
# SPAN_SESSIONS=1 (scripts/resume-run.sh sets it on a machine that was kept from the last session):
# a run that would not end in time still starts as long as SESSION_END has not passed, since its
# checkpoints (every CHECKPOINT_MINUTES) let the next session on this machine finish it; otherwise
# the session's last stretch would leave both job slots idle. On a machine that is not kept after
# all, the partial run is lost, which costs nothing but that idle stretch.
set -euo pipefail
ledger=${1:?usage: fits-in-session.sh LEDGER TARGET}; target=${2:?usage: fits-in-session.sh LEDGER TARGET}
[ -n "${SESSION_END:-}" ] || exit 0
# With STAGE_SLOTS set (two makes share the cores), the run takes its slot first (scripts/stage-slot.sh),
# so that the time left is judged when it can start, not before a wait for the other make's stage.
slot="$(dirname "$0")/stage-slot.sh"
"$slot" take "$ledger" "$target"
# The run's folder without the seed: .../finetune/<config>/seed42/model/finetuned.json → /<config>/seed
run=$("$(dirname "$0")/ledger.sh" folder "$target"); run=${run:-$target}
key="/$(basename "$(dirname "$run")")/$(basename "$run" | sed 's/^seed[0-9]*$/seed/')"
suffix=${target#"$run"}
# The longest finished run of the config (scripts/ledger.sh runs: with the invocations it resumed).
seconds=$("$(dirname "$0")/ledger.sh" runs "$ledger" | awk -F'\t' -v k="$key" -v s="$suffix" '
  index($1, k) && substr($1, length($1) - length(s) + 1) == s && $2 > m { m = $2 }
  END { printf "%d", m }')
[ "$seconds" -gt 0 ] || seconds=$(( ${3:-${FT_MINUTES:-60}} * 60 ))
# A run that resumes from its checkpoint (a machine that was kept) has only the rest to do.
share=$("$(dirname "$0")/ledger.sh" left "$target")
seconds=$(awk -v s="$seconds" -v f="$share" 'BEGIN { printf "%d", s * f }')
need=$(( seconds + ${SAMPLE_MINUTES:-12} * 60 ))
left=$(( SESSION_END - $(date +%s) ))
if [ "$need" -gt "$left" ]; then
  if [ "${SPAN_SESSIONS:-0}" = 1 ] && [ "$left" -gt 0 ]; then
    echo "fits-in-session: starting $target though it is expected to take $((need / 60)) min with its samples, $((left / 60)) min left before SESSION_END: SPAN_SESSIONS=1, the next session resumes it from its checkpoint" >&2
    exit 0
  fi
  "$slot" release "$ledger" "$target"
  echo "fits-in-session: not starting $target: expected $((need / 60)) min with its samples, $((left / 60)) min left before SESSION_END" >&2
  exit 1
fi
