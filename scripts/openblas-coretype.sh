#!/bin/sh
# Prints the OpenBLAS kernel family for this CPU, by its instruction sets in /proc/cpuinfo:
# SkylakeX where the CPU has the AVX-512 subsets those kernels use, else Haswell (AVX2 + FMA),
# else nothing (leave OpenBLAS to detect the CPU). Debian's OpenBLAS 0.3.21 does not recognise
# newer CPUs and falls back to its SSE3 "Prescott" kernels, 2-5x slower.
# Usage: OPENBLAS_CORETYPE=$(scripts/openblas-coretype.sh) [CPUINFO file, default /proc/cpuinfo]
info=${1:-/proc/cpuinfo}
flags=$(grep -m1 '^flags' "$info" 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
if has avx512f && has avx512bw && has avx512vl && has avx512dq && has avx512cd; then
  echo SkylakeX
elif has avx2 && has fma; then
  echo Haswell
fi
