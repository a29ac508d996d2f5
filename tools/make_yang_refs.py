#!/usr/bin/python3
"""make_yang_refs.py — reference values for tests/test_yang_tasks.c, from the
formulas of Yang et al.'s multitask code (github.com/gyyang/multitask:
task.py Trial.add_x_loc / add_y_loc, network.py popvec / get_perf),
written again here in NumPy.

Writes tests/ref/yang/ring.txt (the text format of tests/ref_text.h):
  bump.dirs      [D]        directions (rad)
  bump.values    [D * 32]   0.8 exp(-d^2 / 2), d = periodic distance / (pi / 8)
  perf.outputs   [K * 33]   final-step outputs: fixation, then 32 ring units
  perf.y_loc     [K]        target direction, -1 for "keep fixating"
  perf.angle     [K]        popvec of the ring outputs, [0, 2 pi)
  perf.correct   [K]        get_perf: 1 or 0

Run: /usr/bin/python3 tools/make_yang_refs.py
"""
import os

import numpy as np

N_RING = 32
PREF = np.arange(0, 2 * np.pi, 2 * np.pi / N_RING)


def periodic_distance(a):
    return np.minimum(np.abs(a), 2 * np.pi - np.abs(a))


def bump(direction):
    d = periodic_distance(direction - PREF) / (np.pi / 8)
    return 0.8 * np.exp(-d ** 2 / 2)


def popvec(y):
    total = y.sum(axis=-1)
    c = (y * np.cos(PREF)).sum(axis=-1) / total
    s = (y * np.sin(PREF)).sum(axis=-1) / total
    return np.mod(np.arctan2(s, c), 2 * np.pi)


def perf(outputs, y_loc):
    fixating = outputs[:, 0] > 0.5
    dist = periodic_distance(y_loc - popvec(outputs[:, 1:]))
    should_fix = y_loc < 0
    return should_fix * fixating + (1 - should_fix) * (dist < 0.2 * np.pi) * (1 - fixating)


def main():
    rng = np.random.default_rng(2019)
    dirs = np.concatenate([[0.0, np.pi, 2 * np.pi - 1e-3, 0.05, 3.0 * np.pi / 16], rng.uniform(0, 2 * np.pi, 5)])
    values = np.stack([bump(d) for d in dirs])

    # Final-step outputs of every kind get_perf tells apart: sigmoid-like
    # (positive) ring outputs, a bump near, at the edge of or far from the
    # target, fixating or not, on go and no-go trials.
    K = 40
    y_loc = rng.uniform(0, 2 * np.pi, K)
    y_loc[::5] = -1
    offsets = rng.choice([0.0, 0.1, 0.18, 0.22, 0.5, 1.5, 3.0], K) * np.pi * rng.choice([-1, 1], K)
    centre = np.where(y_loc < 0, rng.uniform(0, 2 * np.pi, K), y_loc + offsets)
    outputs = np.empty((K, 1 + N_RING))
    for k in range(K):
        outputs[k, 1:] = 0.05 + bump(centre[k]) * rng.uniform(0.3, 1.0) + rng.uniform(0, 0.05, N_RING)
    outputs[:, 0] = rng.choice([0.05, 0.3, 0.49, 0.51, 0.7, 0.9], K)
    angle = popvec(outputs[:, 1:])
    correct = perf(outputs, y_loc)

    out = os.path.join(os.path.dirname(__file__), "..", "tests", "ref", "yang", "ring.txt")
    with open(out, "w") as f:
        f.write("# tools/make_yang_refs.py: Yang et al. 2019 ring code (add_y_loc, popvec, get_perf)\n")
        for name, v in [("bump.dirs", dirs), ("bump.values", values), ("perf.outputs", outputs),
                        ("perf.y_loc", y_loc), ("perf.angle", angle), ("perf.correct", correct)]:
            v = np.asarray(v, dtype=np.float64).ravel()
            f.write("%s %d\n" % (name, v.size))
            for i in range(0, v.size, 8):
                f.write(" ".join("%.9g" % x for x in v[i:i + 8]) + "\n")
    print("wrote", out, "correct:", int(correct.sum()), "of", K)


if __name__ == "__main__":
    main()
