#!/bin/sh
# Linear CKA of two 10,000 x 512 representations: cajal vs NumPy (the
# Gram-matrix form of Kornblith et al.'s notebook, and its feature-space
# form) on the same data, in one run, one thread each side. Usage, from the
# project root:
#   sh bench/run_cka.sh [BENCH_BINARY] [n] [p] [reps]
# BENCH_BINARY defaults to build/release/bench/bench_cka (built with make);
# BENCH_FLOAT64=1 also times NumPy's Gram form in float64.
# Results: docs/benchmarks.md, "Linear CKA".
set -e
bin=${1:-build/release/bench/bench_cka}
n=${2:-10000}
p=${3:-512}
reps=${4:-5}
if [ "$bin" = build/release/bench/bench_cka ]; then
    make -s "$bin"
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
HERE=$(dirname "$0")
[ -x ./cajal ] && . "$HERE/blas_kernels.sh"
cpuinfo() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | sed 's/^[^:]*: *//'; }
echo "cpu:     $(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model)); $(nproc --all) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
dir=$(mktemp -d "${TMPDIR:-/tmp}/cajal_bench_cka.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$bin" "$dir" "$n" "$p" "$reps"
if [ "${BENCH_FLOAT64:-0}" = 1 ]; then f64=--float64; else f64=; fi
/usr/bin/python3 "$HERE/cka_numpy.py" "$dir" --reps 3 $f64
