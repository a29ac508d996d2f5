#!/bin/sh
# run_sparsecode.sh — sparse-coding dictionary learning on the same
# 100,000 16x16 natural-image patches in cajal (`cajal sparsecode`, FISTA)
# and in scikit-learn (MiniBatchDictionaryLearning, coordinate descent),
# the same atoms, lambda (sklearn's alpha = lambda: the same per-sample
# objective), batch and number of passes, one thread each, the same
# OpenBLAS kernels. Prints both times, the final objective of both
# dictionaries scored by one solver (bench/sparsecode_sklearn.py), the
# ratio sklearn / cajal (above 1: cajal is faster) and the target (>= 10x).
#
#   sh bench/run_sparsecode.sh          (make bench-sparsecode)
#
# BENCH_PATCHES=FILE.npy uses those patches (default: made here with
# `cajal patches ../shared/data/natural_images --size 16 --count 100000
# --whiten olshausen`); BENCH_EPOCHS (default 2), BENCH_BATCH (default
# 100), BENCH_ATOMS (256), BENCH_LAMBDA (0.1), BENCH_ITERS and BENCH_TOL
# (cajal's most FISTA iterations per batch and its stopping tolerance,
# default 100 and 1e-2 as `cajal sparsecode`).
set -u
cd "$(dirname "$0")/.." || exit 1
if [ ! -x ./cajal ]; then
    echo "run_sparsecode.sh: ./cajal is missing (make cajal)" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. bench/blas_kernels.sh
py=${PYTHON:-/usr/bin/python3}
epochs=${BENCH_EPOCHS:-2} batch=${BENCH_BATCH:-100} atoms=${BENCH_ATOMS:-256} lam=${BENCH_LAMBDA:-0.1} iters=${BENCH_ITERS:-100} tol=${BENCH_TOL:-0.01}
echo "cpu:     $(lscpu | awk -F': +' '/^Model name/ {m = $2} /^CPU family/ {f = $2} END {print m ", family " f}'); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
patches=${BENCH_PATCHES:-}
if [ -z "$patches" ]; then
    patches=$tmp/patches.npy
    ./cajal patches ../shared/data/natural_images --size 16 --count 100000 --whiten olshausen --out "$patches" --quiet || exit 1
fi
echo "run:     $atoms atoms, lambda $lam, batch $batch, $epochs passes over $patches; cajal FISTA to tol $tol, at most $iters iterations per batch"
t0=$(date +%s.%N)
./cajal sparsecode "$patches" --atoms "$atoms" --lambda "$lam" --batch "$batch" --epochs "$epochs" --iters "$iters" --tol "$tol" --out "$tmp/sc" --quiet || exit 1
t1=$(date +%s.%N)
# cajal's learning time alone: the last epoch's "seconds" in metrics.jsonl
c=$(tail -n 1 "$tmp/sc/metrics.jsonl" | sed 's/.*"seconds":\([0-9.]*\).*/\1/')
its=$(sed 's/.*"iters":\([0-9.]*\).*/\1/' "$tmp/sc/metrics.jsonl" | tr '\n' ' ')
"$py" bench/sparsecode_sklearn.py "$patches" "$atoms" "$lam" "$batch" "$epochs" "$tmp/sc/basis.npy" > "$tmp/sk.txt" || exit 1
awk -v c="$c" -v wall="$(echo "$t1 - $t0" | bc)" '
    $1 == "sklearn_seconds" { s = $2 }
    $1 == "sklearn_objective" { os = $2; ns = $3 }
    $1 == "cajal_objective" { oc = $2; nc = $3 }
    END {
        printf "%-30s %10s %10s %8s %8s\n", "", "cajal", "sklearn", "ratio", "target"
        printf "%-30s %10.1f %10.1f %7.1fx %8s\n", "learning time (s)", c, s, s / c, ">=10x"
        printf "%-30s %10.1f\n", "cajal wall, all files (s)", wall
        printf "%-30s %10.4f %10.4f\n", "objective (first 5000, lasso_cd)", oc, os
        printf "%-30s %10.4f %10.4f\n", "fraction non-zero", nc, ns
    }' "$tmp/sk.txt"
echo "cajal:   mean FISTA iterations per batch, by epoch: $its"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
