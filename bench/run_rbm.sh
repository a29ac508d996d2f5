#!/bin/sh
# run_rbm.sh — one RBM training run of 500 hidden units on binarised
# Fashion-MNIST (60,000 images, batch 100) in cajal (`cajal train` with
# model.layers = rbm 500) and in scikit-learn (BernoulliRBM), the same
# algorithm on both sides: persistent CD-1, plain SGD (no momentum, no
# weight decay), the same learning rate, one thread each, the same OpenBLAS
# kernels. Prints the training time per epoch of both, the ratio sklearn /
# cajal (above 1: cajal is faster) and the test pseudo-log-likelihood of
# both models as a check that they learned alike.
#
#   sh bench/run_rbm.sh          (make bench-rbm)
#
# BENCH_EPOCHS (default 2), BENCH_HIDDEN (500), BENCH_BATCH (100),
# BENCH_LR (0.05), BENCH_DATA (/usr/share/datasets/fashion-mnist).
set -u
cd "$(dirname "$0")/.." || exit 1
if [ ! -x ./cajal ]; then
    echo "run_rbm.sh: ./cajal is missing (make cajal)" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. bench/blas_kernels.sh
py=${PYTHON:-/usr/bin/python3}
epochs=${BENCH_EPOCHS:-2} hidden=${BENCH_HIDDEN:-500} batch=${BENCH_BATCH:-100} lr=${BENCH_LR:-0.05}
data=${BENCH_DATA:-/usr/share/datasets/fashion-mnist}
echo "cpu:     $(lscpu | awk -F': +' '/^Model name/ {m = $2} /^CPU family/ {f = $2} END {print m ", family " f}'); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "run:     rbm $hidden, PCD-1, lr $lr, batch $batch, $epochs epochs over $data"
./cajal train examples/fmnist_rbm.ini --out "$tmp/rbm" --quiet --threads 1 --set data.dir="$data" \
    --set model.layers="rbm $hidden" --set train.batch="$batch" --set train.epochs="$epochs" \
    --set optim.lr="$lr" --set optim.momentum=0 --set optim.weight_decay=0 --set rbm.initial_momentum=0 \
    --set rbm.method=pcd --set rbm.k=1 --set rbm.ais_runs=0 --set rbm.sample_steps=1 || exit 1
# cajal's training time alone: the sum of the epochs' "seconds" (scoring excluded)
c=$(sed 's/.*"seconds":\([0-9.]*\).*/\1/' "$tmp/rbm/metrics.jsonl" | awk '{s += $1} END {print s}')
pl=$(tail -n 1 "$tmp/rbm/metrics.jsonl" | sed 's/.*"pl_test":\([-0-9.]*\).*/\1/')
"$py" bench/rbm_sklearn.py "$data" "$hidden" "$batch" "$epochs" "$lr" > "$tmp/sk.txt" || exit 1
awk -v c="$c" -v pl="$pl" -v e="$epochs" '
    $1 == "sklearn_seconds" { s = $2 }
    $1 == "sklearn_pl_test" { ps = $2 }
    END {
        printf "%-34s %10s %10s %8s\n", "", "cajal", "sklearn", "ratio"
        printf "%-34s %10.2f %10.2f %7.1fx\n", "training time per epoch (s)", c / e, s / e, s / c
        printf "%-34s %10.2f %10.2f\n", "test pseudo-log-likelihood (nats)", pl, ps
    }' "$tmp/sk.txt"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
