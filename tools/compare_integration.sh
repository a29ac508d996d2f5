#!/bin/sh
# Train the perceptual-decision RNN of examples/rnn_integration.ini with
# every learning rule that applies to it, and GRU, LSTM and Dale's-law
# variants; evaluate every run on the test trials of each coherence; print
# the markdown tables of docs/results.md and draw its figures.
#
#     /usr/bin/python3 tools/make_integration_example.py    # the trials, once
#     sh tools/compare_integration.sh [OUT_DIR] [THREADS]
#
# Two sets of runs:
#   OUT/noise/NAME  the example as it is (recurrent noise 0.05);
#   OUT/clean/NAME  the same without recurrent noise, whose align_deg are
#                   the angles to the true gradient (with noise, the
#                   diagnostics' backprop pass and the rule's update see
#                   different noise draws; docs/results.md).
# About 15 minutes on one core.
set -eu
out=${1:-runs/integration}
threads=${2:-1}
cajal=${CAJAL:-./cajal}
python=${PYTHON:-/usr/bin/python3}
exp=examples/rnn_integration.ini
data=examples/data
[ -x "$cajal" ] || { echo "compare_integration: build first (make)" >&2; exit 1; }
[ -f "$data/integration_train_inputs.npy" ] || {
    echo "compare_integration: make the trials first: $python tools/make_integration_example.py" >&2
    exit 1
}
rnn="rnn 64 nonlinearity=relu tau=100 dt=20"

train() {  # folder, --set arguments...
    dir=$1
    shift
    echo "compare_integration: $dir" >&2
    start=$(date +%s.%N)
    "$cajal" train "$exp" --quiet --threads "$threads" --out "$out/$dir" --force "$@"
    end=$(date +%s.%N)
    echo "$start $end" | awk '{printf "%.1f\n", $2 - $1}' >"$out/$dir/wall_s"
}

for rule in bp fa dfa sign_symmetry kolen_pollack rflo; do
    train "noise/$rule" --set rule.name=$rule
    train "clean/$rule" --set rule.name=$rule --set "model.layers=$rnn, dense 2"
done
# Node perturbation needs a smaller step than the example's lr = 0.003.
train noise/node_perturbation --set rule.name=node_perturbation --set optim.lr=0.001
train clean/node_perturbation --set rule.name=node_perturbation --set optim.lr=0.001 \
    --set "model.layers=$rnn, dense 2"
# Backprop through 10 steps (200 ms) only: the stimulus lasts 35.
train noise/bp_truncate10 --set train.bptt_truncate=10
train clean/bp_truncate10 --set train.bptt_truncate=10 --set "model.layers=$rnn, dense 2"
train noise/dale --set "model.layers=$rnn noise=0.05 dale=true, dense 2"
train noise/gru --set "model.layers=gru 64, dense 2"
train noise/lstm --set "model.layers=lstm 64, dense 2"

# A random network with a trained readout: what the rates of the untrained
# network (one step of a vanishing learning rate) give, against the trained one.
train untrained --set train.steps=1 --set optim.lr=1e-30
"$python" tools/integration_readout.py "$out/untrained" --data "$data"
"$python" tools/integration_readout.py "$out/noise/bp" --data "$data"

# The choice at the last step of every test trial, by coherence.
for dir in "$out"/noise/* "$out"/clean/*; do
    for f in "$data"/integration_coherence/coh_*_inputs.npy; do
        c=$(basename "$f" _inputs.npy)
        "$cajal" eval "$dir" --threads "$threads" --inputs "$f" --labels "$data/integration_coherence/${c}_labels.npy" \
            --mask "$data/integration_coherence/${c}_mask_last.npy" --json "$dir/$c.json" >/dev/null
    done
done

"$cajal" plot "$out"/clean/bp "$out"/clean/fa "$out"/clean/kolen_pollack "$out"/clean/rflo \
    "$out"/clean/node_perturbation --labels bp,fa,kolen_pollack,rflo,node_perturbation \
    --out "$out/rules.png" >&2
"$cajal" plot "$out"/noise/bp "$out"/noise/dale "$out"/noise/gru "$out"/noise/lstm \
    --labels "rnn,rnn dale,gru,lstm" --out "$out/models.png" >&2

"$python" - "$out" "$data/integration_test_conditions.csv" <<'EOF'
import csv, glob, json, os, statistics, sys

out, conditions = sys.argv[1], sys.argv[2]

def lines(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        return [json.loads(l) for l in f]

def angles(ms, first, last):
    """Per layer: the mean angle over epochs first..last (1-based)."""
    rows = [m["align_deg"] for m in ms[first - 1:last]]
    return [statistics.mean(r[k] for r in rows) for k in range(len(rows[0]))]

def fmt(v):
    return "/".join("%.0f" % a for a in v)

runs = sorted(glob.glob(os.path.join(out, "noise", "*"))) + sorted(glob.glob(os.path.join(out, "clean", "*")))
print("| run | rule | test acc | test loss | align_deg epoch 1 | align_deg epochs 11-20 | wall s | samples/s |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for run in runs:
    ms = lines(run)
    last = ms[-1]
    with open(os.path.join(run, "wall_s")) as f:
        wall = float(f.read())
    sps = statistics.median(m["samples_per_s"] for m in ms)
    n = len(ms)
    print("| %s | %s | %.2f%% | %.3f | %s | %s | %.0f | %.0f |" % (
        os.path.relpath(run, out), last["rule"], 100 * last["test_acc"], last["test_loss"],
        fmt(ms[0]["align_deg"]), fmt(angles(ms, min(11, n), n)), wall, sps))

# Accuracy of the choice at the last step by coherence, and the ideal observer's.
with open(conditions) as f:
    trials = list(csv.DictReader(f))
cohs = sorted({float(t["coherence"]) for t in trials})
print()
print("| run | " + " | ".join("%g%%" % c for c in cohs) + " |")
print("| --- |" + " --- |" * len(cohs))
ideal = []
for c in cohs:
    sub = [t for t in trials if float(t["coherence"]) == c]
    ideal.append(100 * sum(t["choice"] == t["ideal_choice"] for t in sub) / len(sub))
print("| ideal observer | " + " | ".join("%.1f" % a for a in ideal) + " |")
for run in runs:
    accs = []
    for c in cohs:
        with open(os.path.join(run, "coh_%g.json" % c)) as f:
            accs.append(100 * json.load(f)["accuracy"])
    print("| %s | " % os.path.relpath(run, out) + " | ".join("%.1f" % a for a in accs) + " |")
EOF
