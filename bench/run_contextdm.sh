#!/bin/sh
# run_contextdm.sh — time to train the context-dependent integration
# network of examples/rnn_contextdm.ini to 90% test performance, in cajal
# (`cajal train --threads 1`, metrics.jsonl) and in PyTorch
# (bench/torch_contextdm.py: the same task semantics, network, loss,
# optimiser and schedule), one thread each, the same OpenBLAS kernels.
# Prints each side's time to 90% and seconds per epoch (median over the 40
# epochs: the cost of the same work, steadier than time to 90%, which
# depends on the random run), the ratios torch / cajal (above 1: cajal is
# faster) and the target (>= 3x for time to 90%).
#
#   sh bench/run_contextdm.sh          (make bench-contextdm)
#
# Both sides time training only, trial generation included, evaluation
# excluded (cajal's metrics.jsonl "seconds"). BENCH_PER_TRIAL_EPOCHS
# (default 3; 0 skips it) epochs are also trained in PyTorch with the trials
# made one at a time in Python, a stand-in for NeuroGym's per-trial loop;
# its time to 90% is estimated as the vectorised run's epochs to 90% times
# its seconds per epoch. BENCH_KEEP=DIR keeps cajal's run folder there
# (relative to the repository root); BENCH_CAJAL_RUN=DIR reads a finished
# run of examples/rnn_contextdm.ini from DIR instead of training one.
# BENCH_TRACE=1 prints every epoch of both sides.
set -u
cd "$(dirname "$0")/.." || exit 1
if [ ! -x ./cajal ]; then
    echo "run_contextdm.sh: ./cajal is missing (make cajal)" >&2
    exit 2
fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
. bench/blas_kernels.sh
py=${PYTHON:-/usr/bin/python3}
per_trial=${BENCH_PER_TRIAL_EPOCHS:-3}
echo "cpu:     $(lscpu | awk -F': +' '/^Model name/ {m = $2} /^CPU family/ {f = $2} END {print m ", family " f}'); $(getconf _NPROCESSORS_ONLN) logical CPUs"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min averages, before)"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
if [ -n "${BENCH_CAJAL_RUN:-}" ]; then
    run=$BENCH_CAJAL_RUN
    echo "cajal:   reading $run/metrics.jsonl (BENCH_CAJAL_RUN), not training"
else
    run=${BENCH_KEEP:-$tmp/ctx}
    ./cajal train examples/rnn_contextdm.ini --threads 1 --out "$run" --force --quiet || exit 1
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after cajal)"
fi
# metrics.jsonl -> lines like torch_contextdm.py's, so one parser reads both.
"$py" - "$run/metrics.jsonl" > "$tmp/cajal.txt" <<'EOF' || exit 1
import json, sys
total, secs, reached, best = 0.0, [], None, (0.0, 0)
for line in open(sys.argv[1]):
    m = json.loads(line)
    total += m["seconds"]
    secs.append(m["seconds"])
    p = m["performance"]["contextdm"]
    best = max(best, (p, m["epoch"]), key=lambda b: b[0])
    if reached is None and p >= 0.9:
        reached = (total, m["epoch"])
    print(f"cajal epoch {m['epoch']} performance {p:.4f} seconds {total:.3f} epoch_seconds {m['seconds']:.3f} "
          f"loss {m['train_loss']:.5f}")
secs.sort()
med = (secs[(len(secs) - 1) // 2] + secs[len(secs) // 2]) / 2
print(f"cajal time_to_90 {'%.3f' % reached[0] if reached else 'none'} epoch {reached[1] if reached else 'none'} "
      f"best {best[0]:.4f} seconds_per_epoch {med:.3f}")
EOF
# The same network and task on both sides: cajal's trained weights, run in
# PyTorch's network on PyTorch's test trials, should score what cajal did.
check=$("$py" bench/torch_contextdm.py --eval-cajal "$run/model.safetensors") || exit 1
echo "check:   cajal's trained model in torch_contextdm.py's network, on its test trials: ${check##* performance }" \
     "(cajal, its own test trials: $(awk '$2 == "epoch" {p = $5} END {print p}' "$tmp/cajal.txt"))"
"$py" bench/torch_contextdm.py > "$tmp/torch.txt" || exit 1
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (after PyTorch)"
if [ "$per_trial" -gt 0 ]; then
    "$py" bench/torch_contextdm.py --trials per-trial --epochs-run "$per_trial" > "$tmp/per_trial.txt" || exit 1
else
    : > "$tmp/per_trial.txt"
fi
[ -n "${BENCH_TRACE:-}" ] && cat "$tmp/cajal.txt" "$tmp/torch.txt" "$tmp/per_trial.txt" >&2

cat "$tmp/cajal.txt" "$tmp/torch.txt" | awk -v pt="$tmp/per_trial.txt" '
    $2 == "epoch" { perf[$1, $3] = $5; total[$1, $3] = $7; if ($3 > last[$1]) last[$1] = $3 }
    $2 == "time_to_90" { t90[$1] = $3; e90[$1] = $5; best[$1] = $7; spe[$1] = $9 }
    END {
        while ((getline line < pt) > 0) {
            split(line, f, " ")
            if (f[2] == "time_to_90") pt_spe = f[9]
        }
        printf "%-26s %10s %10s %8s %8s\n", "", "cajal", "torch", "ratio", "target"
        for (s = 0; s < 2; s++) {
            side = s ? "torch" : "cajal"
            if (t90[side] == "none")
                note[side] = sprintf("%s did not reach 0.9 in %d epochs (best %.4f, %.1f s)", side, last[side],
                                     best[side], total[side, last[side]])
        }
        c = t90["cajal"]; t = t90["torch"]
        if (c != "none" && t != "none")
            printf "%-26s %10.1f %10.1f %7.2fx %8s\n", "time to 90% (s)", c, t, t / c, ">=3x"
        else if (c != "none")
            printf "%-26s %10.1f %10s %7s %8s\n", "time to 90% (s)", c, "> " sprintf("%.1f", total["torch", last["torch"]]),
                   sprintf(">%.2fx", total["torch", last["torch"]] / c), ">=3x"
        else
            printf "%-26s %10s %10s %8s %8s\n", "time to 90% (s)", "none", t == "none" ? "none" : sprintf("%.1f", t), "-", ">=3x"
        printf "%-26s %10s %10s\n", "epochs to 90%", e90["cajal"], e90["torch"]
        printf "%-26s %10.3f %10.3f %7.2fx %8s\n", "seconds per epoch (median)", spe["cajal"], spe["torch"],
               spe["torch"] / spe["cajal"], "info"
        printf "%-26s %10.4f %10.4f\n", "best test performance", best["cajal"], best["torch"]
        if (pt_spe != "") {
            printf "%-26s %10s %10.3f %7.2fx %8s\n", "  per-trial trials: s/epoch", "", pt_spe, pt_spe / spe["cajal"], "info"
            if (c != "none" && e90["torch"] != "none")
                printf "%-26s %10s %10.1f %7.2fx %8s\n", "  per-trial: time to 90%", "", e90["torch"] * pt_spe,
                       e90["torch"] * pt_spe / c, "estimate"
        }
        for (side in note) print note[side]
    }'
