#!/bin/bash
# Runs both papers in the background-friendly order, resumable across sessions: paper B first
# (scripts/run-paperB.sh: the long run, base rows, seed 42 of every fine-tuned row, the rest, with
# paper A's runs in a second make beside that last one, in the job slots paper B leaves idle), then paper A (`make paperA`: §4 answers and step
# analysis, the breakdowns, the probes, Tables 1/2/4/5: what is left of its runs, and the report).
# Two single-threaded stages at a time; -k: a failing stage run, or a fine-tuning run that would not
# end before SESSION_END (scripts/fits-in-session.sh), does not stop the independent ones.
# Usage: scripts/run-all.sh [ART]; e.g.
#   setsid nice -n 10 scripts/run-all.sh /persistent/artifacts >> run.log 2>&1 &
# Rerun the same command after an interruption: finished artifacts are kept.
set -u
cd "$(dirname "$0")/.."
ART=${1:-results/artifacts}
# Paper A's runs go beside paper B's last make and take only the job slots it leaves idle
# (scripts/stage-slot.sh); `make paperA` then does what is left and the report.
scripts/run-paperB.sh "$ART" paperA-runs; b=$?
make -k -j2 BLAS_THREADS=1 ART="$ART" paperA; a=$?
[ $b -eq 0 ] && [ $a -eq 0 ]
