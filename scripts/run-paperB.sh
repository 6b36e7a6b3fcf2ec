#!/bin/bash
# Runs paper B in the background-friendly order, resumable across sessions:
#   1. the base rows (Base, 1-Shot; 3 seeds) and a report,
#   2. seed 42 of every fine-tuned row (a complete one-seed Table 1 soonest) and a report,
#   3. the ablation (seed 123), 4. everything else (`make paperB`, which ends with the report).
# Two single-threaded stages at a time (make -j2 BLAS_THREADS=1, the faster setting on 2 cores).
# Usage: scripts/run-paperB.sh [ART]   (default results/artifacts); e.g.
#   setsid nice -n 10 scripts/run-paperB.sh /persistent/artifacts >> run.log 2>&1 &
# Rerun the same command after an interruption: finished artifacts are kept, sampling resumes
# from its chunks and fine-tuning from its checkpoint.
set -u
cd "$(dirname "$0")/.."
ART=${1:-results/artifacts}
M="make -j2 BLAS_THREADS=1 ART=$ART"
$M samples-base eval-base && $M report || exit 1
$M eval-ft B_SEEDS=42 && $M report B_SEEDS=42 || exit 1
$M eval-ablation || exit 1
$M paperB
