#!/bin/sh
# Draw the example-trial figures of docs/tasks.md (`cajal analyze trials`)
# from trained runs, and print each run's held-out performance for the
# captions.
#
#   sh tools/make_task_figures.sh [--out DIR] [--train DIR] [yang=RUN] [TASK=RUN ...]
#
#   yang=RUN   a network trained on Yang et al.'s 20 tasks together (e.g.
#              runs/multi_mixed): one figure per task family of Yang et al.
#              (2019, Fig. 1), one trial of each task of the family a row,
#              DIR/yang_<family>_trials.png
#   TASK=RUN   a network trained on TASK (perceptualdm_rt, romo, dms, dnms,
#              gonogo, perceptualdm, contextdm): DIR/TASK_trials.png
#   --train D  first train the five networks of docs/tasks.md's captions
#              (perceptualdm_rt, romo, dms, dnms, gonogo) into D/TASK, each
#              10 to 40 s on one core, and draw them (TASK=RUN pairs given
#              too take precedence)
#   --out DIR  where the figures go (default docs/figures)
#
# Figures are the test trials of each run (its training seed). When
# pngquant is installed (tools/install-deps.sh) each PNG is reduced to a
# 256-colour palette (about half the bytes; the figures are mostly flat
# colour), so that every figure stays under 150 KB; without it they are
# written as cairo draws them and the script says which are larger.
set -eu
cajal=${CAJAL:-./cajal}
[ -x "$cajal" ] || { echo "make_task_figures: build first (make)" >&2; exit 1; }
out=docs/figures
train_dir=
pairs=
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=${2:?--out needs a folder}; shift 2 ;;
        --train) train_dir=${2:?--train needs a folder}; shift 2 ;;
        *=*) pairs="$pairs $1"; shift ;;
        *) echo "make_task_figures: '$1' is not --out DIR, --train DIR or NAME=RUN" >&2; exit 2 ;;
    esac
done
mkdir -p "$out"
export OPENBLAS_NUM_THREADS=1

# The settings of docs/results_rnn.md ("Other tasks, trained with backprop
# through time"): examples/rnn_contextdm.ini with the task, the readout and
# the epochs changed.
rnn="rnn 64 nonlinearity=softplus tau=100 dt=20 noise=0.05 init=identity"
train() {  # task, readout size, epochs
    echo "make_task_figures: training $1 into $train_dir/$1" >&2
    "$cajal" train examples/rnn_contextdm.ini --out "$train_dir/$1" --force --quiet \
        --set "data.task=$1" --set "model.layers=$rnn, dense $2" --set "train.epochs=$3"
}
if [ -n "$train_dir" ]; then
    train perceptualdm_rt 3 20
    train romo 3 40
    train dms 3 40
    train dnms 2 40
    train gonogo 2 20
    trained="perceptualdm_rt=$train_dir/perceptualdm_rt romo=$train_dir/romo dms=$train_dir/dms"
    pairs="$trained dnms=$train_dir/dnms gonogo=$train_dir/gonogo $pairs"
fi
[ -n "$pairs" ] || { echo "make_task_figures: no runs given (yang=RUN, TASK=RUN or --train DIR)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
big=
# analyze trials RUN [options] into $out/NAME.png
draw() {  # figure name, run, options...
    fig=$1 from=$2
    shift 2
    "$cajal" analyze trials "$from" --out "$tmp/$fig" "$@" >/dev/null
    # pngquant leaves no file when it cannot keep the quality asked (exit 99).
    if ! command -v pngquant >/dev/null 2>&1 ||
        ! pngquant --quality=70-100 --speed 1 --strip --force --output "$out/$fig.png" "$tmp/$fig/trials.png"; then
        cp "$tmp/$fig/trials.png" "$out/$fig.png"
    fi
    bytes=$(wc -c < "$out/$fig.png")
    echo "make_task_figures: $out/$fig.png ($((bytes / 1024)) KB)" >&2
    [ "$bytes" -lt 153600 ] || big="$big $fig"
}

for pair in $pairs; do
    name=${pair%%=*} run=${pair#*=}
    [ -f "$run/model.safetensors" ] || { echo "make_task_figures: $run has no model.safetensors" >&2; exit 1; }
    if [ "$name" = yang ]; then
        # Yang et al. (2019)'s families, in their Fig. 1 order.
        draw yang_go_trials "$run" --trials 200 --task fdgo,reactgo,delaygo
        draw yang_anti_trials "$run" --trials 200 --task fdanti,reactanti,delayanti
        draw yang_dm_trials "$run" --trials 300 --task dm1,dm2,contextdm1,contextdm2,multidm
        draw yang_delaydm_trials "$run" --trials 300 \
            --task delaydm1,delaydm2,contextdelaydm1,contextdelaydm2,multidelaydm
        draw yang_matching_trials "$run" --trials 200 --task dmsgo,dmsnogo,dmcgo,dmcnogo
    else
        draw "${name}_trials" "$run"
    fi
    # The held-out performance the caption quotes.
    echo "  $name: $("$cajal" eval "$run" 2>&1 | tail -1)"
done
if [ -n "$big" ]; then
    echo "make_task_figures: larger than 150 KB:$big (install pngquant: tools/install-deps.sh)" >&2
fi
