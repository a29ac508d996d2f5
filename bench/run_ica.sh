#!/bin/sh
# run_ica.sh — ICA on the same 100,000 16x16 ZCA-whitened natural-image
# patches in cajal (`cajal ica`, FastICA and extended infomax) and in
# Python: scikit-learn's FastICA (parallel, logcosh, tol 1e-4, max_iter
# 200, as cajal's) and MNE's extended infomax re-implemented in NumPy
# (bench/ica_sklearn.py; scikit-learn has no infomax), on the same PCA
# whitening to the same components, one thread each, the same OpenBLAS
# kernels. Infomax runs a fixed number of passes on both sides (the NumPy
# one is slow); FastICA runs to its tolerance on both sides, so the time
# per iteration is printed too. Prints the times, the ratios Python /
# cajal (above 1: cajal is faster), the target (>= 10x) and the mean
# excess kurtosis of the sources of every fit (comparable fits).
#
#   sh bench/run_ica.sh          (make bench-ica)
#
# BENCH_PATCHES=FILE.npy uses those patches (default: made here with
# `cajal patches ../shared/data/natural_images --size 16 --count 100000
# --whiten`); BENCH_COMPONENTS (default 255: the ZCA patches' rank, the
# flat patch has no variance), BENCH_PASSES (infomax passes, default 10),
# BENCH_MAX_ITER (FastICA, default 200).
set -u
cd "$(dirname "$0")/.." || exit 1
if [ ! -x ./cajal ]; then
    echo "run_ica.sh: ./cajal is missing (make cajal)" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. bench/blas_kernels.sh
py=${PYTHON:-/usr/bin/python3}
k=${BENCH_COMPONENTS:-255} passes=${BENCH_PASSES:-10} maxit=${BENCH_MAX_ITER:-200}
echo "cpu:     $(lscpu | awk -F': +' '/^Model name/ {m = $2} /^CPU family/ {f = $2} END {print m ", family " f}'); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
patches=${BENCH_PATCHES:-}
if [ -z "$patches" ]; then
    patches=$tmp/patches.npy
    ./cajal patches ../shared/data/natural_images --size 16 --count 100000 --whiten --out "$patches" --quiet || exit 1
fi
echo "run:     $k components of $patches; FastICA to tol 1e-4 (at most $maxit iterations); infomax $passes passes"
t0=$(date +%s.%N)
./cajal ica "$patches" --components "$k" --method fastica --max-iter "$maxit" --threads 1 --out "$tmp/f" --quiet || exit 1
t1=$(date +%s.%N)
./cajal ica "$patches" --components "$k" --method infomax --max-iter "$passes" --threads 1 --out "$tmp/i" --quiet || exit 1
t2=$(date +%s.%N)
# the algorithms' own time ("seconds" in ica.json), and their iterations
js() { sed -n "s/^  \"$2\": \([0-9.e+-]*\),*$/\1/p" "$tmp/$1/ica.json"; }
"$py" bench/ica_sklearn.py "$patches" "$k" "$maxit" "$passes" "$tmp/f" "$tmp/i" > "$tmp/py.txt" || exit 1
awk -v cf="$(js f seconds)" -v nf="$(js f iterations)" -v ci="$(js i seconds)" -v ni="$(js i iterations)" -v cr="$(js i restarts)" \
    -v wf="$(echo "$t1 - $t0" | bc)" -v wi="$(echo "$t2 - $t1" | bc)" '
    $1 == "sklearn_fastica_seconds" { sf = $2; snf = $3 }
    $1 == "numpy_infomax_seconds" { si = $2; sni = $3; sr = $4 }
    $1 ~ /_kurtosis$/ { kurt[$1] = $2 }
    END {
        printf "%-34s %10s %10s %8s %8s\n", "", "cajal", "python", "ratio", "target"
        printf "%-34s %10.1f %10.1f %7.1fx %8s\n", "FastICA time (s)", cf, sf, sf / cf, ">=10x"
        printf "%-34s %10d %10d\n", "FastICA iterations", nf, snf
        printf "%-34s %10.3f %10.3f %7.1fx\n", "FastICA time per iteration (s)", cf / nf, sf / snf, (sf / snf) / (cf / nf)
        printf "%-34s %10.1f %10.1f %7.1fx %8s\n", "infomax time (s)", ci, si, si / ci, ">=10x"
        printf "%-34s %10d %10d\n", "infomax passes (of the last start)", ni, sni
        printf "%-34s %10d %10d\n", "infomax restarts", cr, sr
        printf "%-34s %10.1f %10.1f\n", "cajal wall, all files (s): f, i", wf, wi
        printf "%-34s %10.3f %10.3f\n", "mean source kurtosis, FastICA", kurt["cajal_fastica_kurtosis"], kurt["sklearn_fastica_kurtosis"]
        printf "%-34s %10.3f %10.3f\n", "mean source kurtosis, infomax", kurt["cajal_infomax_kurtosis"], kurt["numpy_infomax_kurtosis"]
    }' "$tmp/py.txt"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
