#!/usr/bin/python3
"""Reference values for tests/test_tuning.c (cajal/tuning.h).

Writes tests/ref/tuning/tuning.txt in the format of tests/ref_text.h: a '#'
comment line, then blocks "name count" followed by count numbers.

Cases (responses are float32, written exactly, so C reads the same numbers):
  cat.*   5 coherence levels (numbers, one level each), 60 stimuli x 4 units
  dir.*   210 directions in radians (U(-pi, 3 pi), so wrapping matters) in 8
          equal-count bins, 6 units: von Mises tuning, one tanh-like unit
          below zero (the shifted vector sum), one unit constant within each
          bin (F = inf)
  deg.*   the same directions in degrees, 7 distinct values (categorical)
  tie.*   equal-count bins of values with ties (qcut's edges)
  edge.*  bins on given edges, values outside left out
  fsf.*   P(F > f) for a grid of f, d1, d2, down to tiny p

Levels: the distinct values (numpy.unique), or equal-count bins exactly as
pandas.qcut makes them — edges numpy.quantile(x, linspace(0, 1, B + 1)), bins
(e_k, e_k+1] with the lowest edge in bin 0 — written with numpy alone (pandas
is not installed here) as searchsorted(interior edges, x, side='left'); or
given edges as pandas.cut(include_lowest=True). Per level: numpy mean, std
(ddof=1), std / sqrt(n). Selectivity: scipy.stats.f_oneway (F, p), eta^2 =
SS_between / SS_total. Circular: z = sum_k r_k exp(i theta_k) / sum_k r_k on
the level means (less the lowest when it is negative), theta_k the levels'
mean angle. Nothing here calls cajal.

    /usr/bin/python3 tools/make_tuning_refs.py
"""
import os

import numpy as np
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "ref", "tuning")
TWO_PI = 2 * np.pi


def f32(a):
    return np.asarray(a, dtype=np.float32)


def curves(x, level, K):
    """Mean, sd, sem [U, K], F, p, eta2, preferred [U] of x [N, U] (float32)."""
    x = x.astype(np.float64)
    U = x.shape[1]
    mean = np.zeros((U, K))
    sd = np.zeros((U, K))
    sem = np.zeros((U, K))
    F = np.zeros(U)
    p = np.zeros(U)
    eta2 = np.zeros(U)
    pref = np.zeros(U)
    used = level >= 0
    for u in range(U):
        groups = [x[level == k, u] for k in range(K)]
        for k, g in enumerate(groups):
            mean[u, k] = g.mean()
            sd[u, k] = g.std(ddof=1) if len(g) > 1 else np.nan
            sem[u, k] = sd[u, k] / np.sqrt(len(g))
        res = stats.f_oneway(*groups)
        F[u], p[u] = res.statistic, res.pvalue
        allx = x[used, u]
        sst = ((allx - allx.mean()) ** 2).sum()
        ssb = sum(len(g) * (g.mean() - allx.mean()) ** 2 for g in groups)
        eta2[u] = ssb / sst if sst > 0 else np.nan
        if not np.isfinite(F[u]) and sst > 0:
            eta2[u] = 1.0
        pref[u] = np.argmax(mean[u])
    return mean, sd, sem, F, p, eta2, pref


def vector_sum(mean, theta):
    dirs, depth = [], []
    for m in mean:
        r = m - min(0.0, m.min())
        z = (r * np.exp(1j * theta)).sum() / r.sum()
        dirs.append(np.angle(z) % TWO_PI)
        depth.append(abs(z))
    return np.array(dirs), np.array(depth)


def qcut_levels(v, B):
    edges = np.quantile(v, np.linspace(0, 1, B + 1))
    assert np.all(np.diff(edges) > 0), edges
    level = np.searchsorted(edges[1:-1], v, side="left")
    return edges, level


def cut_levels(v, edges):
    level = np.searchsorted(edges[1:-1], v, side="left")
    level[(v < edges[0]) | (v > edges[-1])] = -1
    return level


def case_cat(rng, blocks):
    coh = np.repeat([0.0, 0.032, 0.064, 0.128, 0.256], 12)
    rng.shuffle(coh)
    N, U = len(coh), 4
    x = np.zeros((N, U))
    x[:, 0] = 2.0 * coh + rng.normal(0, 0.05, N)          # monotonic
    x[:, 1] = -1.0 * coh + rng.normal(0, 0.2, N)          # weak, negative
    x[:, 2] = rng.normal(0, 1, N)                         # untuned
    x[:, 3] = np.exp(-((coh - 0.064) / 0.05) ** 2) + rng.normal(0, 0.1, N)  # peaked
    x = f32(x)
    levels, level = np.unique(coh, return_inverse=True)
    mean, sd, sem, F, p, eta2, pref = curves(x, level, len(levels))
    blocks += [("cat.values", coh), ("cat.x", x), ("cat.levels", levels), ("cat.level", level),
               ("cat.mean", mean), ("cat.sd", sd), ("cat.sem", sem), ("cat.F", F), ("cat.p", p),
               ("cat.eta2", eta2), ("cat.pref", pref)]


def case_dir(rng, blocks):
    N, U, B = 210, 6, 8
    raw = rng.uniform(-np.pi, 3 * np.pi, N)
    d = raw % TWO_PI
    pref = np.array([0.3, 2.0, 4.0, 5.5, 1.0, 0.0])
    kappa = np.array([2.0, 0.5, 4.0, 1.0, 1.5, 0.0])
    x = np.zeros((N, U))
    for u in range(4):
        x[:, u] = np.exp(kappa[u] * (np.cos(d - pref[u]) - 1)) + rng.normal(0, 0.1, N)
    x[:, 4] = np.tanh(np.cos(d - pref[4])) - 0.5 + rng.normal(0, 0.1, N)   # mostly below zero
    edges, level = qcut_levels(d, B)
    x[:, 5] = level * 0.25 + 1.0                              # constant within bins: F = inf
    x = f32(x)
    mean, sd, sem, F, p, eta2, prefl = curves(x, level, B)
    theta = np.array([d[level == k].mean() for k in range(B)])
    dirs, depth = vector_sum(mean, theta)
    blocks += [("dir.raw", raw), ("dir.x", x), ("dir.edges", edges), ("dir.level", level),
               ("dir.theta", theta), ("dir.mean", mean), ("dir.sd", sd), ("dir.sem", sem), ("dir.F", F),
               ("dir.p", p), ("dir.eta2", eta2), ("dir.pref", prefl), ("dir.pref_dir", dirs),
               ("dir.depth", depth)]


def case_deg(rng, blocks):
    N, U = 84, 3
    base = np.repeat([0.0, 45.0, 90.0, 135.0, 200.0, 260.0, 315.0], 12)
    wraps = rng.integers(-2, 3, N) * 360.0
    raw = base + wraps                                      # -720 .. 1080
    rng.shuffle(raw)
    d = raw % 360.0
    x = np.zeros((N, U))
    x[:, 0] = 1 + np.cos(np.deg2rad(d - 100)) + rng.normal(0, 0.3, N)
    x[:, 1] = 3 + 0.2 * np.cos(np.deg2rad(d - 250)) + rng.normal(0, 0.3, N)
    x[:, 2] = rng.gamma(2.0, 1.0, N)
    x = f32(x)
    levels, level = np.unique(d, return_inverse=True)
    mean, sd, sem, F, p, eta2, pref = curves(x, level, len(levels))
    dirs, depth = vector_sum(mean, np.deg2rad(levels))
    blocks += [("deg.raw", raw), ("deg.x", x), ("deg.levels", levels), ("deg.level", level),
               ("deg.mean", mean), ("deg.F", F), ("deg.p", p), ("deg.eta2", eta2),
               ("deg.pref_dir", np.rad2deg(dirs)), ("deg.depth", depth)]


def case_ties(rng, blocks):
    v = rng.integers(0, 12, 100).astype(np.float64)      # many ties
    v[:7] = [0.5, 3.25, 3.25, 3.25, 7.0, 11.0, 11.0]
    B = 4
    edges, level = qcut_levels(v, B)
    counts = np.bincount(level, minlength=B)
    means = np.array([v[level == k].mean() for k in range(B)])
    blocks += [("tie.v", v), ("tie.edges", edges), ("tie.level", level), ("tie.count", counts),
               ("tie.x", means)]


def case_edges(rng, blocks):
    v = np.round(rng.uniform(-1.5, 11.5, 80), 2)
    v[:4] = [0.0, 2.5, 5.0, 10.0]                         # exactly on edges
    edges = np.array([0.0, 2.5, 5.0, 10.0])
    level = cut_levels(v, edges)
    counts = np.bincount(level[level >= 0], minlength=3)
    blocks += [("edge.v", v), ("edge.edges", edges), ("edge.level", level), ("edge.count", counts)]


def case_fsf(blocks):
    grid = [(0.5, 1, 10), (1.0, 2, 20), (2.5, 4, 30), (3.0, 7, 200), (10.0, 3, 50), (40.0, 7, 1992),
            (1000.0, 7, 1992), (0.01, 1, 1), (5.0, 1, 1), (1.5, 100, 100), (250.0, 11, 80), (0.2, 30, 3)]
    f = np.array([g[0] for g in grid])
    d1 = np.array([g[1] for g in grid], dtype=float)
    d2 = np.array([g[2] for g in grid], dtype=float)
    blocks += [("fsf.f", f), ("fsf.d1", d1), ("fsf.d2", d2), ("fsf.p", stats.f.sf(f, d1, d2))]


def main():
    rng = np.random.default_rng(20261202)
    blocks = []
    case_cat(rng, blocks)
    case_dir(rng, blocks)
    case_deg(rng, blocks)
    case_ties(rng, blocks)
    case_edges(rng, blocks)
    case_fsf(blocks)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "tuning.txt"), "w") as f:
        f.write("# tools/make_tuning_refs.py: numpy %s, scipy %s\n" % (np.__version__, __import__("scipy").__version__))
        for key, vals in blocks:
            vals = np.atleast_1d(np.asarray(vals, dtype=np.float64)).ravel()
            assert len(key) < 40
            f.write("%s %d\n" % (key, len(vals)))
            f.write(" ".join(repr(float(v)) for v in vals) + "\n")


if __name__ == "__main__":
    main()
