#!/bin/sh
# KDE Naive Bayes match classifier: cajal vs scikit-learn on the same data,
# in one run. Usage, from the project root:
#   sh bench/run_kde.sh [BENCH_BINARY] [n_train] [n_score] [sklearn_subset]
# BENCH_BINARY defaults to build/release/bench/bench_kde (built with make).
# Results: docs/benchmarks_kde.md.
set -e
bin=${1:-build/release/bench/bench_kde}
n_train=${2:-100000}
n_score=${3:-1000000}
subset=${4:-2000}
if [ "$bin" = build/release/bench/bench_kde ]; then
    make -s "$bin"
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/cajal_bench_kde.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$bin" "$dir" "$n_train" "$n_score"
/usr/bin/python3 bench/kde_sklearn.py "$dir" --subset "$subset"
