#!/usr/bin/python3
"""make_integration_example.py - trials of a perceptual decision task for examples/rnn_integration.ini.

Run from the project root (NumPy only):

    /usr/bin/python3 tools/make_integration_example.py [--out examples/data]

The task is the fixed-duration random-dot motion discrimination of
Shadlen & Newsome (2001) and Roitman & Shadlen (2002) in the abstract form
that Song, Yang & Wang (2016) trained rate RNNs on. A trial is T = 50 steps
of dt = 20 ms (1 s) with three input channels:

    step  0 .. 4   fixation  100 ms  fixation input 1, no stimulus
    step  5 .. 39  stimulus  700 ms  fixation input 1; channels A and B carry
                                     noisy evidence for the two choices
    step 40 .. 49  decision  200 ms  fixation input 0 (the go cue), no stimulus:
                                     report the choice

Coherence c (0, 3.2, 6.4, 12.8, 25.6, 51.2 %) sets the evidence: at every
stimulus step A = 0.5 + c/2 + s n_A and B = 0.5 - c/2 + s n_B for the
direction A (A and B swapped for B), n ~ N(0, 1) fresh at every step and
s = 0.4. The correct choice is the direction of motion; at c = 0 there is
none, and the choice that is "correct" is drawn at random, as the monkeys
were rewarded at random on those trials.

Targets are per step, as NeuroGym's tasks give them (Molano-Mazon et al.
2022): labels [N, T] hold the correct choice (0 = A, 1 = B) at every step,
and the mask [N, T] is 1 in the decision period only, so the network is
free during fixation and stimulus and must hold its choice for 200 ms after
the stimulus has gone. (Song et al. weighed their loss over time with a
mask too, and also trained the outputs to stay low during fixation; with
two output classes and cross-entropy there is no "low", so those steps are
left out of the loss.) The accuracy cajal reports is the
share of decision-period steps whose larger output is the correct choice.

It writes, under --out (float32, labels int64),

    integration_train_{inputs,labels,mask}.npy   [5000, 50, 3], [5000, 50], [5000, 50]
    integration_test_{inputs,labels,mask}.npy    [1000, 50, 3], [1000, 50], [1000, 50]
    integration_test_conditions.csv              per test trial: coherence (%), direction,
                                                 the correct choice and the ideal observer's choice
    integration_coherence/coh_C_{inputs,labels,mask,mask_last}.npy
                                                 the test trials of one coherence C (in %),
                                                 mask_last = the last step only (the trial's choice)

and prints the accuracy of the ideal observer (the sign of the summed
evidence A - B over the stimulus) per coherence, what a perfect integrator
reaches on these very trials, and the cross-entropy of the Bayes-optimal
report: the ceiling of a trained network's accuracy and the floor of its
loss.

Deterministic: a fixed seed. Nothing here is needed by the tests.
"""
import argparse
import os

import numpy as np

DT_MS = 20
FIX, STIM, DECISION = 5, 35, 10        # steps: 100, 700 and 200 ms
T = FIX + STIM + DECISION
COHERENCES = (0.0, 3.2, 6.4, 12.8, 25.6, 51.2)   # percent
NOISE = 0.4                            # s.d. of the evidence at each 20 ms step
N_TRAIN, N_TEST = 5000, 1000


def trials(rng, n):
    """n trials: inputs [n, T, 3], labels [n, T], mask [n, T], coherence [n], direction [n]."""
    coh = rng.choice(np.array(COHERENCES), n)
    direction = rng.integers(0, 2, n)              # 0: evidence for A, 1: for B
    c = coh / 100.0
    sign = np.where(direction == 0, 1.0, -1.0)
    x = np.zeros((n, T, 3), np.float32)
    x[:, :FIX + STIM, 0] = 1.0                     # fixation input; its offset is the go cue
    stim = slice(FIX, FIX + STIM)
    x[:, stim, 1] = 0.5 + (sign * c / 2)[:, None] + NOISE * rng.standard_normal((n, STIM))
    x[:, stim, 2] = 0.5 - (sign * c / 2)[:, None] + NOISE * rng.standard_normal((n, STIM))
    # The rewarded choice: the direction, or a coin flip when there is none.
    choice = np.where(coh == 0, rng.integers(0, 2, n), direction)
    labels = np.repeat(choice[:, None], T, axis=1).astype(np.int64)
    mask = np.zeros((n, T), np.float32)
    mask[:, FIX + STIM:] = 1.0
    ideal = np.where(np.sum(x[:, stim, 1] - x[:, stim, 2], axis=1) > 0, 0, 1)
    return x, labels, mask, coh, direction, choice, ideal


def bayes_loss(x, choice):
    """The cross-entropy of the Bayes-optimal report, the floor of the test loss.

    D = sum of A - B over the stimulus is sufficient: D ~ N(+-c n, 2 s^2 n)
    for direction A/B at coherence c, and at c = 0 the rewarded choice is
    independent of D. So P(choice A, D) is proportional to
    sum_{c > 0} N(D; c n, v) + N(D; 0, v) over the coherences."""
    d = np.sum(x[:, FIX:FIX + STIM, 1] - x[:, FIX:FIX + STIM, 2], axis=1).astype(np.float64)
    v = 2 * NOISE ** 2 * STIM
    def like(mean):
        return np.exp(-(d - mean) ** 2 / (2 * v))
    pa = sum(like(c / 100 * STIM) for c in COHERENCES if c > 0) + like(0.0)
    pb = sum(like(-c / 100 * STIM) for c in COHERENCES if c > 0) + like(0.0)
    p_choice = np.where(choice == 0, pa, pb) / (pa + pb)
    return -np.log(p_choice)


def save(out, name, arrays):
    for key, a in arrays.items():
        np.save(os.path.join(out, "%s_%s.npy" % (name, key)), a)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join("examples", "data"))
    args = ap.parse_args()
    rng = np.random.default_rng(2016)
    os.makedirs(args.out, exist_ok=True)
    for name, n in (("train", N_TRAIN), ("test", N_TEST)):
        x, labels, mask, coh, direction, choice, ideal = trials(rng, n)
        save(args.out, "integration_" + name, {"inputs": x, "labels": labels, "mask": mask})
        print("%s: %d trials of %d steps (%d ms); ideal observer %.1f%% correct, Bayes-optimal loss %.4f" %
              (name, n, T, T * DT_MS, 100 * np.mean(ideal == choice), np.mean(bayes_loss(x, choice))))
    # The test set's conditions, and one subset per coherence for `cajal eval`.
    with open(os.path.join(args.out, "integration_test_conditions.csv"), "w") as f:
        f.write("trial,coherence,direction,choice,ideal_choice\n")
        for i in range(N_TEST):
            f.write("%d,%g,%s,%d,%d\n" % (i, coh[i], "AB"[direction[i]], choice[i], ideal[i]))
    sub = os.path.join(args.out, "integration_coherence")
    os.makedirs(sub, exist_ok=True)
    last = np.zeros((1, T), np.float32)
    last[0, -1] = 1.0
    loss = bayes_loss(x, choice)
    print("coherence %  trials  ideal observer % correct  Bayes-optimal loss")
    for c in COHERENCES:
        k = coh == c
        save(sub, "coh_%g" % c, {"inputs": x[k], "labels": labels[k], "mask": mask[k],
                                 "mask_last": np.repeat(last, k.sum(), axis=0)})
        print("%11g  %6d  %24.1f  %18.4f" % (c, k.sum(), 100 * np.mean(ideal[k] == choice[k]), np.mean(loss[k])))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
