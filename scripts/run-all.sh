#!/bin/bash
# Runs both papers in the background-friendly order, resumable across sessions: paper B first
# (scripts/run-paperB.sh: the long run, base rows, seed 42 of every fine-tuned row, the rest), then
# paper A (`make paperA`: §4 answers and step analysis, the breakdowns, the probes, Tables 1/2/4/5).
# Two single-threaded stages at a time; -k: a failing stage run, or a fine-tuning run that would not
# end before SESSION_END (scripts/fits-in-session.sh), does not stop the independent ones.
# Usage: scripts/run-all.sh [ART]; e.g.
#   setsid nice -n 10 scripts/run-all.sh /persistent/artifacts >> run.log 2>&1 &
# Rerun the same command after an interruption: finished artifacts are kept.
set -u
cd "$(dirname "$0")/.."
ART=${1:-results/artifacts}
scripts/run-paperB.sh "$ART"; b=$?
make -k -j2 BLAS_THREADS=1 ART="$ART" paperA; a=$?
[ $b -eq 0 ] && [ $a -eq 0 ]
