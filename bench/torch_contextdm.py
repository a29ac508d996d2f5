#!/usr/bin/python3
"""torch_contextdm.py - PyTorch side of bench/run_contextdm.sh: the
experiment of examples/rnn_contextdm.ini, trained in PyTorch + NumPy on one
thread, timed as cajal times it.

The task is cajal's `contextdm` (src/tasks/context_dm.c, NeuroGym's
ContextDecisionMaking-v0 semantics) at dt = 20 ms: periods fixation 300,
stimulus 750, delay 0, decision 100 ms (15 + 38 + 0 + 5 = 58 steps; 37.5
rounds half away from zero, as cajal's roundf); 7 inputs (fixation, motion
1/2, colour 1/2, context motion/colour); each stimulus a pair of channels
0.5 +- c/200 for its own signed coherence c in +-{5, 15, 50} %, plus
sigma/sqrt(dt) N(0, 1) noise (sigma = 1) on the four stimulus channels in
the stimulus period; fixation and the context cue on until the decision
period; target "fixate" (0) before the decision period and the relevant
stimulus's side (1 or 2) in it.

The network is cajal's "rnn 64 nonlinearity=softplus tau=100 dt=20
noise=0.05 init=identity, dense 3" (src/nn/rnn_layer.c; Song, Yang & Wang
2016, eq. 1):

    x_t = (1 - a) x_{t-1} + a (W_hh r_{t-1} + W_ih u_t + b_ih + b_hh + n_t)
    r_t = softplus(x_t),  a = dt/tau = 0.2,  n_t = sqrt(2/a) 0.05 N(0, 1)

with x_0 = 0 (so r_0 = softplus(0)), W_hh starting at the identity and
every other parameter at PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
a Linear(64, 3) readout of r_t at every step, cross-entropy averaged over
every step of every trial, Adam (lr 3e-3, betas 0.9/0.999, eps 1e-8), the
gradient's global norm clipped at 1, lr 3e-3 (1 + cos(pi (epoch-1)/40)) / 2
set at the start of each epoch, 40 epochs of 5000 new trials in batches of
64 (78 of 64 and one of 8, as cajal's last partial batch), one thread.
Recurrent noise is on in evaluation too, as in cajal.

Performance (include/cajal/tasks.h, NeuroGym's rule): a test trial is
correct when the most probable action is "fixate" at every step before
the decision period and the first other action inside it is the right
one. 2000 test trials, drawn once, are scored after every epoch.

Timing, as cajal's metrics.jsonl "seconds": the training of each epoch,
its trial generation included, evaluation excluded.

Trial generators (--trials):
  vectorised  one epoch's trials at once in NumPy array operations, as a
              PyTorch user would write it (default);
  per-trial   one trial at a time in Python, periods looked up by name and
              the trials stacked into a batch, in the style of NeuroGym's
              env.new_trial() and ngym.Dataset. NeuroGym is not installed;
              this is a stand-in for its loop (NeuroGym itself does more per
              trial: gym spaces, its trial dict, wrappers).

Output, one line per epoch, then a summary line:
    torch epoch <e> performance <p> seconds <cumulative s> epoch_seconds <s> loss <train loss>
    torch time_to_90 <cumulative s> epoch <e> best <p> seconds_per_epoch <median s>
("time_to_90 none" when performance never reached 0.9).
--epochs-run N stops after N epochs of the 40-epoch schedule (to time a
slow generator without a full run). --eval-cajal RUN/model.safetensors
scores a network cajal trained on this script's test trials, in this
script's network: a check that both sides compute the same thing.
"""
import argparse
import math
import os
import json
import struct
import time

# One thread everywhere, set before torch and NumPy load their libraries.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

DT = 20.0
SIGMA = 1.0                       # input noise, sigma / sqrt(dt) per step
PERIODS = (("fixation", 300.0), ("stimulus", 750.0), ("delay", 0.0), ("decision", 100.0))
COHERENCES = np.array([5.0, 15.0, 50.0], dtype=np.float32)
N_OBS, N_ACT = 7, 3
FIX, MOT1, MOT2, COL1, COL2, CTX_MOT, CTX_COL = range(N_OBS)

H, TAU, NOISE = 64, 100.0, 0.05
ALPHA = DT / TAU
LR, EPOCHS, TRAIN_TRIALS, TEST_TRIALS, BATCH, CLIP = 3e-3, 40, 5000, 2000, 64, 1.0


def steps(ms):
    """roundf(ms / dt): half away from zero, as cajal (37.5 -> 38)."""
    return int(math.floor(ms / DT + 0.5))


STEPS = [steps(ms) for _, ms in PERIODS]
BOUNDS = np.cumsum([0] + STEPS)   # period k is [BOUNDS[k], BOUNDS[k+1])
T = int(BOUNDS[-1])
S0, S1, D0 = int(BOUNDS[1]), int(BOUNDS[2]), int(BOUNDS[3])


def draw_conditions(rng, n):
    """context, signed motion and colour coherences, ground truth (1 or 2)."""
    context = rng.integers(0, 2, n)
    motion = COHERENCES[rng.integers(0, len(COHERENCES), n)] * np.where(rng.integers(0, 2, n) == 1, -1, 1)
    colour = COHERENCES[rng.integers(0, len(COHERENCES), n)] * np.where(rng.integers(0, 2, n) == 1, -1, 1)
    relevant = np.where(context == 0, motion, colour)
    # A relevant coherence of 0 has no right answer: a coin flip (as cajal).
    gt = np.where(relevant > 0, 1, np.where(relevant < 0, 2, 1 + rng.integers(0, 2, n)))
    return context, motion.astype(np.float32), colour.astype(np.float32), gt


def trials_vectorised(rng, n):
    """obs [T, n, 7] float32, targets [T, n] int64: n trials at once."""
    context, motion, colour, gt = draw_conditions(rng, n)
    obs = np.zeros((T, n, N_OBS), dtype=np.float32)
    obs[:D0, :, FIX] = 1.0
    obs[:D0, np.arange(n), np.where(context == 0, CTX_MOT, CTX_COL)] = 1.0
    obs[S0:S1, :, MOT1] = 0.5 + motion / 200.0
    obs[S0:S1, :, MOT2] = 0.5 - motion / 200.0
    obs[S0:S1, :, COL1] = 0.5 + colour / 200.0
    obs[S0:S1, :, COL2] = 0.5 - colour / 200.0
    obs[S0:S1, :, MOT1:COL2 + 1] += (SIGMA / math.sqrt(DT)) * rng.standard_normal((S1 - S0, n, 4), dtype=np.float32)
    target = np.zeros((T, n), dtype=np.int64)
    target[D0:] = gt
    return obs, target


class PerTrialEnv:
    """One trial at a time, as NeuroGym's ContextDecisionMaking._new_trial:
    a trial dict, periods by name, add_ob / add_randn / set_groundtruth."""

    def __init__(self, rng):
        self.rng = rng

    def new_trial(self):
        rng = self.rng
        trial = {"context": int(rng.integers(0, 2)),
                 "coh_mod1": float(COHERENCES[rng.integers(0, len(COHERENCES))]) * (-1 if rng.integers(0, 2) else 1),
                 "coh_mod2": float(COHERENCES[rng.integers(0, len(COHERENCES))]) * (-1 if rng.integers(0, 2) else 1)}
        relevant = trial["coh_mod1"] if trial["context"] == 0 else trial["coh_mod2"]
        trial["ground_truth"] = 1 if relevant > 0 else 2 if relevant < 0 else 1 + int(rng.integers(0, 2))
        self.start, self.end, t = {}, {}, 0
        for (name, _), n in zip(PERIODS, STEPS):
            self.start[name], self.end[name] = t, t + n
            t += n
        self.ob = np.zeros((t, N_OBS), dtype=np.float32)
        self.gt = np.zeros(t, dtype=np.int64)
        for name in ("fixation", "stimulus", "delay"):
            self.add_ob(1.0, name, FIX)
            self.add_ob(1.0, name, CTX_MOT if trial["context"] == 0 else CTX_COL)
        for ch, c in ((MOT1, trial["coh_mod1"]), (COL1, trial["coh_mod2"])):
            self.add_ob(0.5 + c / 200.0, "stimulus", ch)
            self.add_ob(0.5 - c / 200.0, "stimulus", ch + 1)
        for ch in (MOT1, MOT2, COL1, COL2):
            self.add_randn(SIGMA / math.sqrt(DT), "stimulus", ch)
        self.set_groundtruth(trial["ground_truth"], "decision")
        return trial

    def view(self, period):
        return slice(self.start[period], self.end[period])

    def add_ob(self, value, period, ch):
        self.ob[self.view(period), ch] += value

    def add_randn(self, sd, period, ch):
        s = self.view(period)
        self.ob[s, ch] += sd * self.rng.standard_normal(s.stop - s.start, dtype=np.float32)

    def set_groundtruth(self, value, period):
        self.gt[self.view(period)] = value


def trials_per_trial(env, n):
    """The same arrays, trial by trial (ngym.Dataset stacks them this way)."""
    obs = np.zeros((T, n, N_OBS), dtype=np.float32)
    target = np.zeros((T, n), dtype=np.int64)
    for i in range(n):
        env.new_trial()
        obs[:, i] = env.ob
        target[:, i] = env.gt
    return obs, target


class RateRNN(nn.Module):
    """The leaky softplus rate RNN with torch.nn.RNN's parameter names."""

    def __init__(self, n_in, hidden):
        super().__init__()
        bound = 1.0 / math.sqrt(hidden)
        self.weight_ih_l0 = nn.Parameter(torch.empty(hidden, n_in).uniform_(-bound, bound))
        self.weight_hh_l0 = nn.Parameter(torch.eye(hidden))   # init=identity
        self.bias_ih_l0 = nn.Parameter(torch.empty(hidden).uniform_(-bound, bound))
        self.bias_hh_l0 = nn.Parameter(torch.empty(hidden).uniform_(-bound, bound))
        self.hidden = hidden

    def forward(self, u, generator):
        steps_, batch, _ = u.shape
        # The input drive of every step at once (one matrix product), then the loop.
        drive = F.linear(u, self.weight_ih_l0, self.bias_ih_l0 + self.bias_hh_l0)
        drive = drive + math.sqrt(2.0 / ALPHA) * NOISE * torch.randn(steps_, batch, self.hidden, generator=generator)
        x = u.new_zeros(batch, self.hidden)
        r = F.softplus(x)
        rates = []
        for t in range(steps_):
            x = (1.0 - ALPHA) * x + ALPHA * (F.linear(r, self.weight_hh_l0) + drive[t])
            r = F.softplus(x)
            rates.append(r)
        return torch.stack(rates)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = RateRNN(N_OBS, H)
        self.readout = nn.Linear(H, N_ACT)

    def forward(self, u, generator):
        return self.readout(self.rnn(u, generator))


def performance(logits, target):
    """NeuroGym's rule: fixate (argmax 0) at every step before the decision
    period, and the first non-fixation action in it is the correct one."""
    action = logits.argmax(-1).numpy()           # [T, n]
    held = (action[:D0] == 0).all(axis=0)
    window = action[D0:]
    moved = window != 0
    first = np.where(moved.any(axis=0), window[moved.argmax(axis=0), np.arange(window.shape[1])], 0)
    return float(np.mean(held & (first == target[D0])))


def load_cajal(net, path):
    """cajal's model.safetensors ("0.weight_ih_l0", ..., "1.weight") into net."""
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    state = {}
    for name, v in header.items():
        if name == "__metadata__":
            continue
        assert v["dtype"] == "F32", f"{path}: {name} is {v['dtype']}, not F32"
        a, b = v["data_offsets"]
        layer, key = name.split(".", 1)
        t = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(v["shape"]).copy()
        state[("rnn." if layer == "0" else "readout.") + key] = torch.from_numpy(t)
    net.load_state_dict(state)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", choices=("vectorised", "per-trial"), default="vectorised")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--epochs-run", type=int, default=EPOCHS, help="stop after this many of the 40 epochs")
    ap.add_argument("--eval-cajal", metavar="MODEL", help="score cajal's trained model on the test trials")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    net = Net()
    params = list(net.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    noise = torch.Generator().manual_seed(args.seed + 1)
    eval_noise = torch.Generator()
    train_rng = np.random.default_rng(args.seed)
    env = PerTrialEnv(train_rng)
    test_obs, test_target = trials_vectorised(np.random.default_rng(args.seed + 1000), TEST_TRIALS)
    test_u = torch.from_numpy(test_obs)
    if args.eval_cajal:
        load_cajal(net, args.eval_cajal)
        with torch.no_grad():
            perf = performance(net(test_u, eval_noise.manual_seed(args.seed + 2)), test_target)
        print(f"torch cajal_model {args.eval_cajal} performance {perf:.4f}")
        return

    cumulative, epoch_seconds, reached, best = 0.0, [], None, (0.0, 0)
    for epoch in range(1, min(args.epochs_run, EPOCHS) + 1):
        lr = LR * 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / EPOCHS))
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.perf_counter()
        if args.trials == "vectorised":
            obs, target = trials_vectorised(train_rng, TRAIN_TRIALS)
        else:
            obs, target = trials_per_trial(env, TRAIN_TRIALS)
        u_all, y_all = torch.from_numpy(obs), torch.from_numpy(target)
        total = 0.0
        for start in range(0, TRAIN_TRIALS, BATCH):
            u, y = u_all[:, start:start + BATCH], y_all[:, start:start + BATCH]
            opt.zero_grad()
            logits = net(u, noise)
            loss = F.cross_entropy(logits.reshape(-1, N_ACT), y.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(params, CLIP)
            opt.step()
            total += loss.item() * u.shape[1]   # weighted by rows, as cajal's epoch loss
        seconds = time.perf_counter() - t0
        cumulative += seconds
        epoch_seconds.append(seconds)
        with torch.no_grad():
            eval_noise.manual_seed(args.seed + 2)
            perf = performance(net(test_u, eval_noise), test_target)
        if perf > best[0]:
            best = (perf, epoch)
        if reached is None and perf >= 0.9:
            reached = (cumulative, epoch)
        print(f"torch epoch {epoch} performance {perf:.4f} seconds {cumulative:.3f} "
              f"epoch_seconds {seconds:.3f} loss {total / TRAIN_TRIALS:.5f}", flush=True)
    median = float(np.median(epoch_seconds))
    if reached:
        print(f"torch time_to_90 {reached[0]:.3f} epoch {reached[1]} best {best[0]:.4f} "
              f"seconds_per_epoch {median:.3f}")
    else:
        print(f"torch time_to_90 none epoch none best {best[0]:.4f} seconds_per_epoch {median:.3f}")


if __name__ == "__main__":
    main()
