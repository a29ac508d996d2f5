#!/bin/sh
# Train the Fashion-MNIST MLP with every learning rule (and the CNN with
# backprop), then print the markdown table of docs/results.md and draw the
# comparison figure.  Usage: sh tools/compare_rules.sh [OUT_DIR] [THREADS]
# Takes about 15 minutes on 2 cores.
set -eu
out=${1:-runs/compare}
threads=${2:-1}
cajal=${CAJAL:-./cajal}
[ -x "$cajal" ] || { echo "compare_rules: build first (make)" >&2; exit 1; }

train() {  # name, experiment, extra --set arguments... (a rerun replaces the old runs)
    name=$1 exp=$2
    shift 2
    echo "compare_rules: $name" >&2
    "$cajal" train "$exp" --quiet --threads "$threads" --out "$out/$name" --force "$@"
}

train mlp_bp examples/fmnist_mlp.ini
for rule in bp fa dfa sign_symmetry kolen_pollack; do
    train "mlp_adam_$rule" examples/fmnist_mlp_adam.ini --set rule.name=$rule
done
train mlp_node_perturbation examples/fmnist_mlp_node_perturbation.ini
train mlp_weight_perturbation examples/fmnist_mlp_node_perturbation.ini \
    --set rule.name=weight_perturbation --set optim.lr=0.00001
train cnn_bp examples/fmnist_cnn.ini

"$cajal" plot "$out"/mlp_adam_* "$out/mlp_node_perturbation" --out "$out/rules.png" >&2
"$cajal" plot "$out/mlp_bp" "$out/cnn_bp" --out "$out/bp.png" >&2

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
