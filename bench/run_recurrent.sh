#!/bin/sh
# run_recurrent.sh — one BPTT training step (recurrent layer, readout 33,
# MSE, Adam; bench/bench_recurrent.c) in cajal and in PyTorch, one thread
# each; prints both medians and bests, and the ratios torch / cajal (above
# 1: cajal is faster) with the issue's targets.
#
#   sh bench/run_recurrent.sh BENCH_BINARY    (e.g. build/release/bench/bench_recurrent)
#
# BENCH_ROUNDS (default 3) rounds, each running both sides in fresh
# processes, alternating which goes first; a case's median is the median of
# the rounds' medians and its best the best of all repeats (BENCH_REPEATS
# per round, default 20). Rows "<case>/cpu" count the processes' CPU time,
# which leaves out time the core went to other processes.
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: sh bench/run_recurrent.sh BENCH_BINARY" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. "$(dirname "$0")/blas_kernels.sh"
py=${PYTHON:-/usr/bin/python3}
rounds=${BENCH_ROUNDS:-3}
echo "cpu:     $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
# BENCH_TRACE=1 prints each side's per-round lines too.
out=""
r=0
while [ "$r" -lt "$rounds" ]; do
    if [ $((r % 2)) -eq 0 ]; then
        o=$("$1" && "$py" "$(dirname "$0")/torch_recurrent.py") || exit 1
    else
        o=$("$py" "$(dirname "$0")/torch_recurrent.py" && "$1") || exit 1
    fi
    [ -n "${BENCH_TRACE:-}" ] && printf '%s\n' "$o" >&2
    out="$out
$o"
    r=$((r + 1))
done
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after)"
# Each line: side case median best cpu-median cpu-best. Pool the rounds:
# the median of the rounds' medians, and the best of their bests; the same
# for CPU time (the /cpu rows). cajal's "flops CASE N" and "peak GFLOPS ISA"
# lines give the second table: each side's best step in GFLOP/s of its
# matrix products, and cajal's as a share of the core's FMA peak.
printf '%s\n' "$out" | awk '
    function add(side, c, m, b,    k) {
        k = side SUBSEP c; n[k]++; med[k, n[k]] = m
        if (!(k in best) || b < best[k]) best[k] = b
        if (!(c in seen)) { seen[c] = 1; order[nc++] = c }
    }
    NF == 6 { add($1, $2, $3, $4); add($1, $2 "/cpu", $5, $6) }
    $1 == "flops" && NF == 3 { flops[$2] = $3 }
    $1 == "peak" && NF == 3 && $2 > peak { peak = $2; isa = $3 }
    function median(k,    i, j, t, c, a) {
        c = n[k]; for (i = 1; i <= c; i++) a[i] = med[k, i]
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
    }
    END {
        target["rnn_h64"] = 3; target["rnn_h256"] = 1.5; target["gru_h256"] = 1.5; target["lstm_h256"] = 1.5
        printf "%-14s %10s %10s %10s %10s %7s %7s %7s\n", "case", "cajal med", "torch med", "cajal best", "torch best", "r(med)", "r(best)", "target"
        for (i = 0; i < nc; i++) {
            c = order[i]; kc = "cajal" SUBSEP c; kt = "torch" SUBSEP c
            if (!(kc in n) || !(kt in n)) continue
            mc = median(kc); mt = median(kt); base = c; sub(/\/cpu$/, "", base)
            tg = (base in target) ? sprintf(">=%.1f", target[base]) : "info"
            printf "%-14s %10.2f %10.2f %10.2f %10.2f %7.2f %7.2f %7s\n", c, mc, mt, best[kc], best[kt], mt / mc, best[kt] / best[kc], tg
        }
        if (peak <= 0) exit
        printf "\nFMA peak of one core: %.1f GFLOP/s (%s, registers only: bench/fma_peak.h)\n", peak, isa
        printf "%-14s %10s %12s %10s %12s\n", "case", "GFLOP/step", "cajal GF/s", "% of peak", "torch GF/s"
        for (i = 0; i < nc; i++) {
            c = order[i]; kc = "cajal" SUBSEP c; kt = "torch" SUBSEP c
            if (c ~ /\/cpu$/ || !(c in flops) || !(kc in n) || !(kt in n)) continue
            g = flops[c] / 1e6 / best[kc]
            printf "%-14s %10.3f %12.1f %9.1f%% %12.1f\n", c, flops[c] / 1e9, g, 100 * g / peak, flops[c] / 1e6 / best[kt]
        }
        print "GFLOP/step: the matrix products of one step (bench_recurrent.c, step_flops); GF/s from each side'"'"'s best step."
    }'
