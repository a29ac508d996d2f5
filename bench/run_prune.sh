#!/bin/sh
# run_prune.sh — the cost of pruning masks in a cajal training step (the
# Fashion-MNIST MLP, batch 64, one thread) and one round's magnitude
# selection in cajal and in NumPy (np.lexsort), on the same tensor sizes.
# Prints the step times without and with a mask, the mask's overhead, and
# the selection's ratio numpy / cajal (above 1: cajal is faster).
#
#   sh bench/run_prune.sh [STEPS]     (make bench-prune)
set -u
cd "$(dirname "$0")/.." || exit 1
steps=${1:-500}
bin=${BENCH_BIN:-build/release/bench/bench_prune}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
py=${PYTHON:-/usr/bin/python3}
echo "cpu:     $(lscpu | awk -F': +' '/^Model name/ {print $2}'); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$bin" "$steps" > "$tmp/c.txt" || exit 1
"$py" bench/prune_numpy.py > "$tmp/n.txt" || exit 1
cat "$tmp/c.txt" "$tmp/n.txt" | awk '
    { v[$1] = $2 }
    END {
        printf "%-34s %10.3f ms\n", "training step, no mask", v["cajal_step_dense_ms"]
        printf "%-34s %10.3f ms  (%+.1f%%)\n", "training step, 80% pruned mask", v["cajal_step_masked_ms"], 100 * (v["cajal_step_masked_ms"] / v["cajal_step_dense_ms"] - 1)
        printf "%-34s %10s %10s %8s\n", "", "cajal", "numpy", "ratio"
        printf "%-34s %10.3f %10.3f %7.1fx\n", "one round of selection (ms)", v["cajal_select_ms"], v["numpy_select_ms"], v["numpy_select_ms"] / v["cajal_select_ms"]
    }'
