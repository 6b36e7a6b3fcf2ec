#!/bin/bash
# Runs both papers in the background-friendly order, resumable across sessions: paper B first
# (scripts/run-paperB.sh: base rows, seed 42 of every fine-tuned row, the rest), then paper A
# (`make paperA`: §4 answers and step analysis, the breakdowns, the probes, Tables 1/2/4/5).
# Two single-threaded stages at a time. Usage: scripts/run-all.sh [ART]; e.g.
#   setsid nice -n 10 scripts/run-all.sh /persistent/artifacts >> run.log 2>&1 &
# Rerun the same command after an interruption: finished artifacts are kept.
set -u
cd "$(dirname "$0")/.."
ART=${1:-results/artifacts}
scripts/run-paperB.sh "$ART" || exit 1
# -k: a failing stage run does not stop the independent ones (make reports it at the end).
make -k -j2 BLAS_THREADS=1 ART="$ART" paperA
