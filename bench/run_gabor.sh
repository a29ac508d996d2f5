#!/bin/sh
# run_gabor.sh — the Gabor fit of the receptive-field analysis in cajal
# (cj_gabor_fit_all: 4 starts, Levenberg-Marquardt, analytic Jacobian) and
# in SciPy (least_squares, 8 starts, numerical Jacobian), on the same
# atoms, one thread each. Prints both times, good fits and median R^2, and
# the ratio scipy / cajal (above 1: cajal is faster).
#
#   sh bench/run_gabor.sh BASIS.npy [N]      (make bench-gabor BENCH_BASIS=...)
#
# N (default 64): the first N filters; SciPy takes about a second each.
set -u
cd "$(dirname "$0")/.." || exit 1
basis=${1:?usage: run_gabor.sh BASIS.npy [N]} n=${2:-64}
bin=${BENCH_BIN:-build/release/bench/bench_gabor}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
py=${PYTHON:-/usr/bin/python3}
echo "cpu:     $(lscpu | awk -F': +' '/^Model name/ {print $2}'); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
echo "run:     the first $n filters of $basis"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$bin" "$basis" "$n" > "$tmp/c.txt" || exit 1
"$py" bench/gabor_scipy.py "$basis" "$n" > "$tmp/s.txt" || exit 1
cat "$tmp/c.txt" "$tmp/s.txt" | awk '
    { v[$1] = $2 }
    END {
        printf "%-22s %10s %10s %8s\n", "", "cajal", "scipy", "ratio"
        printf "%-22s %10.3f %10.3f %7.1fx\n", "fit time (s)", v["cajal_seconds"], v["scipy_seconds"], v["scipy_seconds"] / v["cajal_seconds"]
        printf "%-22s %10d %10d\n", "fits with R^2 >= 0.8", v["cajal_good"], v["scipy_good"]
        printf "%-22s %10.4f %10.4f\n", "median R^2", v["cajal_median_r2"], v["scipy_median_r2"]
    }'
