#!/bin/sh
# run.sh — time the same training steps in cajal and in PyTorch (CPU, one
# thread each) in one invocation and print the ratio against the targets,
# then the MLP steps against the machine's matrix-product limit: the time the
# step's own sgemm calls take alone (bench_train.c, gemm_steps).
#
#   sh bench/run.sh BENCH_BINARY [case ...]     (make bench does this)
#
# Environment: BENCH_ROUNDS (default 3) rounds, alternating which side runs
# first so a change in machine load mid-run hits both; each round starts
# fresh processes, since one process's speed can differ from the next's by
# 20-30% on a shared virtual machine; BENCH_SECONDS and
# BENCH_REPEATS are passed on (see bench_train.c). PYTHON picks the
# interpreter (default /usr/bin/python3, Debian's python3-torch).
#
# Each side prints "impl case best median rep1 rep2 ..." per case, and the
# same for "case/cpu" (samples per CPU second); cajal adds "case/gemm" rows
# and a "flops case N" line for the MLPs. The tables pool the repeats of all
# rounds and report the best and the median samples/s.
set -u

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: sh bench/run.sh BENCH_BINARY [case ...]  (BENCH_BINARY missing or not executable: '${1:-}')" >&2
    exit 2
fi
BIN=$1
shift
HERE=$(dirname "$0")
PY=${PYTHON:-/usr/bin/python3}
ROUNDS=${BENCH_ROUNDS:-3}
# One thread for every pool either side could use.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. "$HERE/blas_kernels.sh"

cpuinfo() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | sed 's/^[^:]*: *//'; }
SIMD=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f)$' | tr '\n' ' ')
echo "cpu:     $(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo model), $(cpuinfo 'cpu MHz') MHz;" \
    "${SIMD% }; $(nproc --all) logical CPUs)"
echo "threads: 1 per side (openblas_set_num_threads(1); torch.set_num_threads(1); OMP/OPENBLAS/MKL_NUM_THREADS=1)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"

HAVE_TORCH=1
if ! TORCH_VERSION=$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null); then
    HAVE_TORCH=0
    echo "note:    $PY cannot import torch (apt install python3-torch); printing cajal's numbers only"
else
    echo "torch:   $TORCH_VERSION ($PY)"
fi

OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT INT TERM

run_cajal() { "$BIN" "$@" >>"$OUT" || { echo "run.sh: $BIN failed" >&2; exit 1; }; }
run_torch() { "$PY" "$HERE/torch_train.py" "$@" >>"$OUT" || { echo "run.sh: torch_train.py failed" >&2; exit 1; }; }

r=1
while [ "$r" -le "$ROUNDS" ]; do
    echo "# round $r of $ROUNDS" >&2
    if [ $((r % 2)) -eq 1 ] || [ "$HAVE_TORCH" -eq 0 ]; then
        run_cajal "$@"
        [ "$HAVE_TORCH" -eq 1 ] && run_torch "$@"
    else
        run_torch "$@"
        run_cajal "$@"
    fi
    r=$((r + 1))
done
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
echo

awk -v have_torch="$HAVE_TORCH" '
function sort(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
}
function stats(key,    n, i, a) {
    n = count[key]
    if (!n) { best = median = 0; return 0 }
    for (i = 1; i <= n; i++) a[i] = val[key, i]
    sort(a, n)
    best = a[n]
    median = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    return n
}
$1 == "flops" { flops[$2] = $3; next }
$1 == "peak" && NF == 3 { if ($2 > peak) { peak = $2; isa = $3 }; next }
$1 == "cajal" || $1 == "torch" {
    key = $1 " " $2
    if ($2 !~ /\/gemm/ && !seen[$2]++) order[++ncases] = $2
    for (i = 5; i <= NF; i++) val[key, ++count[key]] = $i
}
END {
    target["mlp_bp"] = target["mlp_bp/cpu"] = 2.0; target["cnn_bp"] = target["cnn_bp/cpu"] = 1.5
    limit_target = 80
    printf "%-10s %5s %14s %14s %14s %14s %7s %7s %7s  %s\n", "case", "reps", "cajal best", "cajal median",
           "torch best", "torch median", "ratio", "r(med)", "target", "verdict"
    for (k = 1; k <= ncases; k++) {
        c = order[k]
        n = stats("cajal " c); cb = best; cm = median
        tb = tm = 0
        if (have_torch) { stats("torch " c); tb = best; tm = median }
        t = (c in target) ? sprintf(">=%.1fx", target[c]) : "info"
        if (tb > 0) {
            ratio = cb / tb
            verdict = (c in target) ? (ratio >= target[c] ? "met" : "MISSED") : "-"
            printf "%-10s %5d %14.1f %14.1f %14.1f %14.1f %6.2fx %6.2fx %7s  %s\n", c, n, cb, cm, tb, tm,
                   ratio, cm / tm, t, verdict
        } else {
            printf "%-10s %5d %14.1f %14.1f %14s %14s %7s %7s %7s  %s\n", c, n, cb, cm, "-", "-", "-", "-", t, "no torch"
        }
    }
    print ""
    print "samples/s of one training step (batch 64, cross-entropy, SGD lr 0.01 momentum 0.9); ratio = cajal best / torch best,"
    print "r(med) = the same for the medians; reps = timed repeats pooled over all rounds."
    print "<case>/cpu rows count samples per second of the process'"'"'s CPU time instead of wall-clock time:"
    print "on a shared machine they leave out the time other processes held the core."
    # A process that waited for a core has wall-clock samples/s well below its CPU-time ones.
    for (k = 1; k <= ncases; k++) {
        c = order[k]
        if (c ~ /\/cpu$/) continue
        for (side = 1; side <= 2; side++) {
            impl = side == 1 ? "cajal" : "torch"
            if (!stats(impl " " c)) continue
            wm = median
            if (!stats(impl " " c "/cpu") || median <= 0) continue
            if (wm < 0.9 * median) disturbed = disturbed sprintf(" %s %s (%.0f%%)", impl, c, 100 * wm / median)
        }
    }
    if (disturbed != "")
        print "WARNING: wall-clock medians below 90% of the CPU-time ones (other processes held the core):" disturbed \
              "; read the /cpu rows."

    nlim = 0
    for (k = 1; k <= ncases; k++) {
        base = order[k]; sub(/\/cpu$/, "", base)
        if (base in flops) nlim++
    }
    if (!nlim) exit
    print ""
    printf "%-10s %9s %9s %10s %10s %10s %8s %8s %10s %8s %7s  %s\n", "case", "MFLOP", "GEMM", "step at", "cajal",
           "cajal", "% of", "% of", "torch", "torch /", "target", "verdict"
    printf "%-10s %9s %9s %10s %10s %10s %8s %8s %10s %8s %7s\n", "", "per step", "GFLOP/s", "GEMM limit", "step best",
           "step med", "limit", "lim(med)", "step best", "limit", ""
    for (k = 1; k <= ncases; k++) {
        c = order[k]
        base = c; cpu = sub(/\/cpu$/, "", base) ? "/cpu" : ""
        if (!(base in flops)) continue
        stats("cajal " base "/gemm" cpu); gb = best; gm = median
        stats("cajal " c); cb = best; cm = median
        tb = 0
        if (have_torch) { stats("torch " c); tb = best }
        if (gb <= 0 || cb <= 0) continue
        # samples/s -> ms per step of 64 samples
        lim_ms = 64000 / gb; cajal_ms = 64000 / cb; cajal_med_ms = 64000 / cm
        pct = 100 * lim_ms / cajal_ms; pct_med = 100 * (64000 / gm) / cajal_med_ms
        t = (base == "mlp_bp") ? sprintf(">=%d%%", limit_target) : "info"
        verdict = (base == "mlp_bp") ? (pct >= limit_target ? "met" : "MISSED") : "-"
        torch_ms = tb > 0 ? sprintf("%8.3f ms", 64000 / tb) : "-"
        torch_lim = tb > 0 ? sprintf("%7.2fx", (64000 / tb) / lim_ms) : "-"
        printf "%-10s %9.1f %9.1f %7.3f ms %7.3f ms %7.3f ms %7.1f%% %7.1f%% %10s %8s %7s  %s\n", c, flops[base] / 1e6,
               flops[base] * gb / 64 / 1e9, lim_ms, cajal_ms, cajal_med_ms, pct, pct_med, torch_ms, torch_lim, t, verdict
    }
    print ""
    print "GEMM limit = the step'"'"'s own cblas_sgemm calls (forward, weight and input gradients, the shapes, transposes"
    print "and beta of src/nn/dense.c) timed alone, back to back on the model'"'"'s buffers, with the kernels above and one"
    print "thread: its best repeat. % of limit = step at the GEMM limit / cajal'"'"'s step time (best; lim(med): medians);"
    print "torch / limit = how many times the GEMM limit PyTorch'"'"'s best step takes. /cpu rows: the same from CPU time."
    if (peak > 0)
        printf "FMA peak of one core: %.1f GFLOP/s (%s, registers only: bench/fma_peak.h), the most the GEMM GFLOP/s column could be.\n", peak, isa
}' "$OUT"
