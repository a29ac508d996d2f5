#!/bin/sh
# RSA: correlation-distance RDM + Kendall tau_a + stimulus bootstraps, cajal
# vs NumPy/SciPy (rsatoolbox's code path) on the same data and the same
# bootstrap draws, in one run, one thread each. Usage, from the project root:
#   sh bench/run_rsa.sh [BENCH_BINARY] [stimuli] [features] [samples]
# BENCH_BINARY defaults to build/release/bench/bench_rsa (built with make).
# Results: docs/benchmarks.md, "RSA".
set -e
bin=${1:-build/release/bench/bench_rsa}
n=${2:-92}
f=${3:-4096}
samples=${4:-1000}
if [ "$bin" = build/release/bench/bench_rsa ]; then
    make -s "$bin"
fi
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
dir=$(mktemp -d "${TMPDIR:-/tmp}/cajal_bench_rsa.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$bin" "$dir" "$n" "$f" "$samples"
/usr/bin/python3 bench/rsa_numpy.py "$dir"
