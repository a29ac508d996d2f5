#!/bin/sh
# run_recurrent.sh — cajal's and PyTorch's recurrent layers, one forward +
# backward through time each, one thread each; prints both medians and the
# ratio torch / cajal (above 1: cajal is faster).
#
#   sh bench/run_recurrent.sh BENCH_BINARY    (e.g. build/release/bench/bench_recurrent)
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: sh bench/run_recurrent.sh BENCH_BINARY" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. "$(dirname "$0")/blas_kernels.sh"
out=$( "$1"; ${PYTHON:-/usr/bin/python3} "$(dirname "$0")/torch_recurrent.py" ) || exit 1
printf '%s\n' "$out" | awk '
    { med[$1, $2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[n++] = $2 } }
    END {
        printf "%-10s %12s %12s %8s\n", "case", "cajal ms", "torch ms", "ratio"
        for (i = 0; i < n; i++) {
            c = order[i]
            printf "%-10s %12.2f %12.2f %8.2f\n", c, med["cajal", c], med["torch", c],
                   med["torch", c] / med["cajal", c]
        }
    }'
