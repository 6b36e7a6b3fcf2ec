#!/usr/bin/env bash
# run-state.sh DIR            one line: the state of a fine-tuning run folder (paper B's
#                             finetune/<config>/seed<s>, paper A's sft/<model> or bert)
# run-state.sh --steps DIR    "STEP TOTAL" of its checkpoint (nothing without one, or before
#                             checkpoints recorded total_steps)
# The one reader of a checkpoint's header for the status scripts and fits-in-session.sh.
set -uo pipefail
steps() {
  local header step total
  header=$(head -c 65536 "$1/checkpoint/trainable.safetensors" 2>/dev/null | tr -d '\0') || return 0
  step=$(printf '%s' "$header" | grep -ao '"step":"[0-9]*"' | head -1 | grep -o '[0-9]*')
  total=$(printf '%s' "$header" | grep -ao '"total_steps":"[0-9]*"' | head -1 | grep -o '[0-9]*')
  [ -n "$step" ] && echo "$step ${total:-}"
}
if [ "${1:-}" = --steps ]; then steps "${2:?usage: run-state.sh --steps DIR}"; exit 0; fi
d=${1:?usage: run-state.sh [--steps] DIR}
if [ -f "$d/model/finetuned.json" ] || [ -f "$d/predictions.h5" ]; then echo "finished"
elif [ -f "$d/train_log.h5" ]; then echo "finished on an earlier machine (its training log carried, not its weights: trained again only if what is made from it is missing)"
elif [ -f "$d/checkpoint/trainable.safetensors" ]; then
  read -r step total < <(steps "$d"; echo)
  echo "checkpoint at step ${step:-?}${total:+ of $total}"
else echo "started, no checkpoint yet"; fi
