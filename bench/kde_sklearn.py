#!/usr/bin/python3
"""kde_sklearn.py - the scikit-learn side of bench/run_kde.sh.

    /usr/bin/python3 bench/kde_sklearn.py DIR [--subset N]

DIR is what bench_kde wrote: the training pairs, the pairs to score, cajal's
posteriors, its bandwidths and its timings (meta.txt). This script fits
KernelDensity(kernel='gaussian', bandwidth=h) per class and feature with
cajal's bandwidths (Scott's rule, no reflection: the like-for-like setting),
combines the four log densities into P(match) in NumPy, and prints the time
and the ratio to cajal's.

scikit-learn scores about 50 pairs a second against 1e5 training samples
(its tree cannot prune with the default rtol = 0), so 1e6 pairs would take
hours: it scores N pairs drawn at random (default 2000) and the time is
scaled to all pairs (scoring time is linear in the number of pairs; the fit
is timed in full). It also times rtol = 1e-4, an approximation of about the
accuracy of cajal's grid. Agreement with cajal's posteriors is checked on
the timed pairs plus 200 true matches (nearly all random pairs score ~0).
"""
import argparse
import os
import time

import numpy as np
from scipy.special import expit
from sklearn.neighbors import KernelDensity


def load(d, name, dtype):
    return np.fromfile(os.path.join(d, name), dtype=dtype)


def read_meta(d):
    meta = {}
    with open(os.path.join(d, "meta.txt")) as f:
        for line in f:
            k, v = line.split()
            meta[k] = float(v)
    return meta


def run(meta, train, queries, rtol):
    """Fit the four KDEs and score the queries; returns (posterior, fit_s, score_s)."""
    ts, td, ty = train
    qs, qd = queries
    t0 = time.perf_counter()
    kdes = {}
    for feat, x in (("sim", ts), ("dist", td)):
        for cls, name in ((1, "match"), (0, "nonmatch")):
            h = meta["h_%s_%s" % (feat, name)]
            kdes[feat, cls] = KernelDensity(kernel="gaussian", bandwidth=h, rtol=rtol).fit(
                x[ty == cls, None].astype(np.float64))
    t1 = time.perf_counter()
    ls = {c: kdes["sim", c].score_samples(qs[:, None].astype(np.float64)) for c in (0, 1)}
    ld = {c: kdes["dist", c].score_samples(qd[:, None].astype(np.float64)) for c in (0, 1)}
    prior = meta["prior"]
    a = np.log(prior) + ls[1] + ld[1]
    b = np.log1p(-prior) + ls[0] + ld[0]
    post = expit(a - b)
    t2 = time.perf_counter()
    return post, t1 - t0, t2 - t1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--subset", type=int, default=2000)
    args = ap.parse_args()
    meta = read_meta(args.dir)
    train = (load(args.dir, "train_sim.f32", np.float32), load(args.dir, "train_dist.f32", np.float32),
             load(args.dir, "train_label.u8", np.uint8))
    qs = load(args.dir, "query_sim.f32", np.float32)
    qd = load(args.dir, "query_dist.f32", np.float32)
    qy = load(args.dir, "query_label.u8", np.uint8)
    cajal_post = load(args.dir, "posterior.f32", np.float32)
    n_score = len(qs)
    m = min(args.subset, n_score)
    timed = np.random.default_rng(0).choice(n_score, m, replace=False)
    matches = np.flatnonzero(qy)[:200]
    scale = n_score / m
    cajal_total = meta["fit_s"] + meta["score_s"]
    print("sklearn  n_train %d  n_score %d  (timed on %d random pairs, time x %.0f)"
          % (len(train[0]), n_score, m, scale))
    for rtol in (0.0, 1e-4):
        post, fit_s, score_s = run(meta, train, (qs[timed], qd[timed]), rtol)
        post_m, _, _ = run(meta, train, (qs[matches], qd[matches]), rtol)
        diff = max(np.max(np.abs(post - cajal_post[timed])), np.max(np.abs(post_m - cajal_post[matches])))
        total = fit_s + score_s * scale
        print("sklearn  rtol %-6g fit %.3f s  score %.0f s  total %.0f s  max |P - cajal| %.1e  "
              "ratio sklearn/cajal %.0f" % (rtol, fit_s, score_s * scale, total, diff, total / cajal_total))


if __name__ == "__main__":
    main()
