#!/bin/sh
# Train Fashion-MNIST with every learning rule, then print the markdown table
# of docs/results.md and draw the comparison figures.
#   sh tools/compare_rules.sh [OUT_DIR] [THREADS] [mlp|cnn|all]
# mlp: the MLP with every rule and the CNN with backprop (about 15 minutes on
# 2 cores); cnn: the CNN with every feed-forward rule (about 45 minutes);
# all (default): both.
set -eu
out=${1:-runs/compare}
threads=${2:-1}
which=${3:-all}
cajal=${CAJAL:-./cajal}
[ -x "$cajal" ] || { echo "compare_rules: build first (make)" >&2; exit 1; }
case $which in mlp|cnn|all) ;; *) echo "compare_rules: third argument is mlp, cnn or all" >&2; exit 2;; esac

train() {  # name, experiment, extra --set arguments... (a rerun replaces the old runs)
    name=$1 exp=$2
    shift 2
    echo "compare_rules: $name" >&2
    nice -n 10 "$cajal" train "$exp" --quiet --threads "$threads" --out "$out/$name" --force "$@"
}

if [ "$which" != cnn ]; then
    train mlp_bp examples/fmnist_mlp.ini
    for rule in bp fa dfa sign_symmetry kolen_pollack weight_mirror; do
        train "mlp_adam_$rule" examples/fmnist_mlp_adam.ini --set rule.name=$rule
    done
    train mlp_node_perturbation examples/fmnist_mlp_node_perturbation.ini
    train mlp_weight_perturbation examples/fmnist_mlp_node_perturbation.ini \
        --set rule.name=weight_perturbation --set optim.lr=0.00001
    train cnn_bp examples/fmnist_cnn.ini
    "$cajal" plot "$out"/mlp_adam_* "$out/mlp_node_perturbation" --out "$out/rules.png" >&2
    "$cajal" plot "$out/mlp_bp" "$out/cnn_bp" --out "$out/bp.png" >&2
fi
if [ "$which" != mlp ]; then
    # SGD at backprop's learning rate: DFA with its calibrated feedback.
    train cnn_dfa examples/fmnist_cnn.ini --set rule.name=dfa
    for rule in bp fa dfa sign_symmetry kolen_pollack weight_mirror; do
        train "cnn_adam_$rule" examples/fmnist_cnn_adam.ini --set rule.name=$rule
    done
    "$cajal" plot "$out"/cnn_adam_* --out "$out/cnn_rules.png" >&2
fi

# One row per run: its last epoch.
echo "| run | rule | test accuracy | test loss | align_deg per layer | samples/s |"
echo "| --- | --- | --- | --- | --- | --- |"
for dir in "$out"/*/; do
    name=$(basename "$dir")
    tail -n 1 "$dir/metrics.jsonl" | /usr/bin/env python3 -c '
import json, sys
m = json.loads(sys.stdin.read())
angles = ", ".join("%.0f" % a if a is not None else "-" for a in m["align_deg"])
print("| %s | %s | %.2f%% | %.3f | %s | %.0f |" % (sys.argv[1], m["rule"], 100 * m["test_acc"],
      m["test_loss"], angles, m["samples_per_s"]))' "$name"
done
