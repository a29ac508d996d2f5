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
# excess kurtosis of the sources of every fit (comparable fits). Then
# Picard (`--solver picard`) on both objectives, timed to the objective
# value the Python fit ended at (sklearn's FastICA objective, NumPy
# infomax's likelihood after its passes) from Picard's metrics.jsonl,
# and its whole run to --max-iter or its tolerance.
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
./cajal ica "$patches" --components "$k" --method fastica --solver picard --max-iter "$maxit" --threads 1 --out "$tmp/pf" --quiet || exit 1
./cajal ica "$patches" --components "$k" --method infomax --solver picard --max-iter "$maxit" --threads 1 --out "$tmp/pi" --quiet || exit 1
# the algorithms' own time ("seconds" in ica.json), and their iterations
js() { sed -n "s/^  \"$2\": \([0-9.e+-]*\),*$/\1/p" "$tmp/$1/ica.json"; }
"$py" bench/ica_sklearn.py "$patches" "$k" "$maxit" "$passes" "$tmp/f" "$tmp/i" "$tmp/pf" "$tmp/pi" > "$tmp/py.txt" || exit 1
# Picard's first iteration on all samples at or below an objective: "iteration seconds loss"
reach() {
    sed -n 's/^{"iteration":\([0-9]*\),.*"loss":\([0-9.e+-]*\),.*"samples":\([0-9]*\),"seconds":\([0-9.]*\)}$/\1 \2 \3 \4/p' "$tmp/$1/metrics.jsonl" |
        awk -v target="$2" -v n="$(js "$1" samples)" '$3 == n && $2 <= target { print $1, $4, $2; found = 1; exit } END { if (!found) print "- - -" }'
}
target_f=$(awk '$1 == "sklearn_fastica_objective" { print $2 }' "$tmp/py.txt")
target_i=$(awk '$1 == "numpy_infomax_objective" { print $2 }' "$tmp/py.txt")
reach_f=$(reach pf "$target_f") reach_i=$(reach pi "$target_i")
final() { tail -n 1 "$tmp/$1/metrics.jsonl" | sed -n 's/.*"gradient_max":\([0-9.e+-]*\),"loss":\([0-9.e+-]*\),.*/\2 \1/p'; }
awk -v pf="$(js pf seconds)" -v npf="$(js pf iterations)" -v pi="$(js pi seconds)" -v npi="$(js pi iterations)" \
    -v rf="$reach_f" -v ri="$reach_i" -v ff="$(final pf)" -v fi="$(final pi)" -v cf="$(js f seconds)" -v nf="$(js f iterations)" -v ci="$(js i seconds)" -v ni="$(js i iterations)" -v cr="$(js i restarts)" \
    -v wf="$(echo "$t1 - $t0" | bc)" -v wi="$(echo "$t2 - $t1" | bc)" '
    $1 == "sklearn_fastica_seconds" { sf = $2; snf = $3 }
    $1 == "numpy_infomax_seconds" { si = $2; sni = $3; sr = $4 }
    $1 ~ /_kurtosis$/ { kurt[$1] = $2 }
    $1 ~ /_objective$/ { obj[$1] = $2; grad[$1] = $3 }
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
        # Picard: the same objectives, timed to the objective of the Python fit
        split(rf, a, " "); split(ri, b, " "); split(ff, c, " "); split(fi, d, " ")
        printf "\nPicard (--solver picard), the same objectives as the Python fits, as Picard measures them:\n"
        printf "%-34s %10s %10s %8s %8s\n", "", "cajal", "python", "ratio", "target"
        printf "%-34s %10.4f %10.4f\n", "FastICA objective reached", a[3], obj["sklearn_fastica_objective"]
        printf "%-34s %10s %10.1f %7.1fx %8s\n", "  time to it (s)", a[2], sf, (a[2] > 0 ? sf / a[2] : 0), ">=10x"
        printf "%-34s %10s %10d\n", "  iterations to it", a[1], snf
        printf "%-34s %10.4f %10.4f\n", "  its end: objective", c[1], obj["sklearn_fastica_objective"]
        printf "%-34s %10.3g %10.3g\n", "  its end: max |gradient|", c[2], grad["sklearn_fastica_objective"]
        printf "%-34s %10.1f %10s\n", "  its end: time (s), iterations", pf, npf
        printf "%-34s %10.4f %10.4f\n", "infomax objective reached", b[3], obj["numpy_infomax_objective"]
        printf "%-34s %10s %10.1f %7.1fx %8s\n", "  time to it (s)", b[2], si, (b[2] > 0 ? si / b[2] : 0), ">=10x"
        printf "%-34s %10s %10d\n", "  iterations to it (python: passes)", b[1], sni
        printf "%-34s %10.4f\n", "  its end: objective", d[1]
        printf "%-34s %10.1f %10s\n", "  its end: time (s), iterations", pi, npi
    }' "$tmp/py.txt"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
