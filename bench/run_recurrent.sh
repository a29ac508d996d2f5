#!/bin/sh
# run_recurrent.sh — one BPTT training step (recurrent layer, readout 33,
# MSE, Adam; bench/bench_recurrent.c) in cajal and in PyTorch, one thread
# each; prints both medians and bests, and the ratios torch / cajal (above
# 1: cajal is faster) with the issue's targets.
#
#   sh bench/run_recurrent.sh BENCH_BINARY    (e.g. build/release/bench/bench_recurrent)
#
# BENCH_ROUNDS (default 2) rounds, each running both sides in fresh
# processes, alternating which goes first; a case's median and best are
# taken over all rounds' repeats (BENCH_REPEATS per round, default 20).
set -u
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: sh bench/run_recurrent.sh BENCH_BINARY" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. "$(dirname "$0")/blas_kernels.sh"
py=${PYTHON:-/usr/bin/python3}
rounds=${BENCH_ROUNDS:-2}
echo "cpu:     $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); $(nproc) logical CPUs"
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
# Each line: side case median best. Pool the rounds: the median of the
# rounds' medians, and the best of their bests.
printf '%s\n' "$out" | awk '
    NF == 4 {
        k = $1 SUBSEP $2; n[k]++; med[k, n[k]] = $3
        if (!(k in best) || $4 < best[k]) best[k] = $4
        if (!($2 in seen)) { seen[$2] = 1; order[m++] = $2 }
    }
    function median(k,    i, j, t, c, a) {
        c = n[k]; for (i = 1; i <= c; i++) a[i] = med[k, i]
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
    }
    END {
        target["rnn_h64"] = 3; target["rnn_h256"] = 1.5; target["gru_h256"] = 1.5; target["lstm_h256"] = 1.5
        printf "%-10s %10s %10s %10s %10s %7s %7s %7s\n", "case", "cajal med", "torch med", "cajal best", "torch best", "r(med)", "r(best)", "target"
        for (i = 0; i < m; i++) {
            c = order[i]; kc = "cajal" SUBSEP c; kt = "torch" SUBSEP c
            if (!(kc in n) || !(kt in n)) continue
            mc = median(kc); mt = median(kt)
            tg = (c in target) ? sprintf(">=%.1f", target[c]) : "info"
            printf "%-10s %10.2f %10.2f %10.2f %10.2f %7.2f %7.2f %7s\n", c, mc, mt, best[kc], best[kt], mt / mc, best[kt] / best[kc], tg
        }
    }'
