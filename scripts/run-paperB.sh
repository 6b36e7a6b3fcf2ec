#!/bin/bash
# Runs paper B in the background-friendly order, resumable across sessions:
#   0. one seed of the instruct model's FT (Mul.) (training, samples, QA samples), alone with two
#      BLAS threads: the longest run (seed 123: 7,419 s, 1.3–1.4 steps/s of 9,492), whose weights are
#      not carried to a new machine (scripts/carry.sh), so it has to finish within the session that
#      starts it. One seed per session (none when it would not end before SESSION_END: the
#      Makefile's check, scripts/fits-in-session.sh, LONG_MINUTES until the ledger has a finished
#      run of it; with SPAN_SESSIONS=1, a kept machine, it starts anyway and the next session
#      resumes it from its checkpoint); the parallel makes below leave the rest of it out (B_DEFER_LONG=1) until every
#      seed is done;
#   1. the base rows (Base, 1-Shot; 3 seeds) and a report,
#   2. seed 42 of every fine-tuned row and of the QA check (a complete one-seed Table 1 and 3), and
#      the ablation (seed 123), in one make so that neither job slot idles while the other finishes
#      the longest run; then a report,
#   3. everything else (`make paperB`, which ends with the report).
# Phases 2 and 3 name `finetuned-outputs` first: each fine-tuning run followed by the samples made
# from its model, so those start before the next run (the weights are not carried).
# Two single-threaded stages at a time (make -j2 BLAS_THREADS=1, the faster setting on 2 cores).
# With SESSION_END set, a fine-tuning run that would not end before it is not started
# (scripts/fits-in-session.sh); make -k goes on with the rest, and the next session picks it up.
# Usage: scripts/run-paperB.sh [ART [GOAL...]]   (ART default results/artifacts); e.g.
#   setsid nice -n 10 scripts/run-paperB.sh /persistent/artifacts >> run.log 2>&1 &
# GOALs are made beside phase 3, by a second make that only fills job slots paper B leaves idle
# (e.g. while its last fine-tuning run trains alone, or when no run fits before SESSION_END):
# both makes share STAGE_SLOTS=2 stage slots, and the second one's stages wait until a slot has
# been free for STAGE_YIELD_SECONDS (scripts/stage-slot.sh). In paper B's own make they would not
# wait: make starts the first runnable target it meets, which took slots ahead of paper B's samples.
# (scripts/run-all.sh passes paperA-runs.)
# Rerun the same command after an interruption: finished artifacts are kept, sampling resumes
# from its chunks and fine-tuning from its checkpoint. Exits non-zero if a stage failed.
set -u
cd "$(dirname "$0")/.."
ART=${1:-results/artifacts}
shift $(( $# > 0 ? 1 : 0 ))
M="make -k -j2 BLAS_THREADS=1 ART=$ART"
ran_long="" defer="" failed=0 log=$(mktemp); trap 'rm -f "$log"' EXIT
while read -r targets; do
  [ -n "$targets" ] || continue
  make -q NO_BUILD=1 ART="$ART" $targets 2>/dev/null < /dev/null && continue
  defer="B_DEFER_LONG=1"
  [ -z "$ran_long" ] || continue
  ran_long=yes
  # Whether it fits before SESSION_END is the Makefile's check (scripts/fits-in-session.sh), the
  # same for every fine-tuning run; a refusal is not a failure.
  make BLAS_THREADS=2 ART="$ART" $targets < /dev/null 2>&1 | tee "$log"
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    if grep -q "^fits-in-session: not starting" "$log"; then
      echo "run-paperB: the long run ($targets) would not end before SESSION_END: left to the next session"
    else
      failed=1; echo "run-paperB: the long run failed ($targets); going on with the rest" >&2
    fi
  fi
  make -q NO_BUILD=1 ART="$ART" $targets 2>/dev/null < /dev/null && defer=""
done < <(make -s NO_BUILD=1 ART="$ART" paperB-long-runs | grep "^$ART/")
$M samples-base eval-base $defer || failed=1
$M report || failed=1
$M finetuned-outputs eval-ft eval-qa eval-ablation B_SEEDS=42 $defer || failed=1
$M report || failed=1
if [ $# -gt 0 ]; then
  export STAGE_SLOTS=2
  STAGE_YIELD_SECONDS=${STAGE_YIELD_SECONDS:-60} $M "$@" < /dev/null & extra=$!
fi
$M finetuned-outputs paperB $defer || failed=1
if [ $# -gt 0 ]; then wait "$extra" || failed=1; fi
exit $failed
