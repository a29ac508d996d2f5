#!/usr/bin/python3
"""make_rsa_refs.py - NumPy/SciPy references for tests/test_rsa*.c.

Run from the project root:  /usr/bin/python3 tools/make_rsa_refs.py

Writes tests/ref/rsa/<name>.txt in the text format of tests/ref_text.h: one
'#' comment line, then blocks "<name> <count>" followed by count numbers.
Patterns are float32 (9 significant digits round-trip exactly: cajal's
patterns are float32); everything else is float64 with 17 digits, computed
in float64 from those values.

- rdm.txt: scipy.spatial.distance.pdist (correlation, euclidean,
  sqeuclidean, cosine) of two pattern sets.
- compare.txt: pairs of condensed RDMs with many ties (a categorical model
  RDM has two values), with and without NaN entries; scipy.stats pearsonr,
  spearmanr, kendalltau (tau-b), rankdata, and tau-a and the pair counts
  from an O(n^2) NumPy count over all pairs.
- resample.txt: stimulus bootstrap samples compared the way rsatoolbox does:
  the full RDMs with NaN diagonals, rows and columns taken at the sorted
  sample (RDMs.subsample_pattern), the upper triangle without its NaNs
  (pairs of a stimulus with its own copy), then the four measures.
- ceiling.txt: noise ceilings of synthetic subject RDMs (upper: each
  subject against the pool of all; lower: against the pool of the others),
  pooled by the plain mean and by rsatoolbox's pool_rdm, re-implemented.
- crossnobis.txt: rsatoolbox's calc_rdm_crossnobis formula (leave one fold
  out: the other folds' mean against the fold, kernel m1 P m2^T), written
  out in NumPy, with and without a noise precision.
- wilcoxon.txt: scipy.stats.wilcoxon (exact, and the normal approximation
  with zeros and ties).
- boot.txt: np.percentile intervals and rsatoolbox's bootstrap_pair_tests
  p-value, re-implemented, on fixed samples.
"""
import os

import numpy as np
from scipy.spatial.distance import pdist, squareform
from scipy.stats import kendalltau, pearsonr, rankdata, spearmanr, wilcoxon

OUT = os.path.join("tests", "ref", "rsa")


def write(name, comment, blocks):
    path = os.path.join(OUT, name)
    assert len(blocks) <= 64
    with open(path, "w") as f:
        f.write("# " + comment.strip().replace("\n", " ") + "\n")
        for key, values, fmt in blocks:
            assert len(key) < 40, key
            values = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
            f.write("%s %d\n" % (key, len(values)))
            for v in values:
                f.write((fmt % v if np.isfinite(v) else ("nan" if np.isnan(v) else "%r" % v)) + "\n")
    print("wrote", path)


F32 = "%.9g"
F64 = "%.17g"


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def pair_counts(x, y):
    """Kendall's counts over all pairs i < j, O(n^2)."""
    i, j = np.triu_indices(len(x), 1)
    dx = np.sign(x[i] - x[j])
    dy = np.sign(y[i] - y[j])
    return dict(pairs=len(i), concordant=int(np.sum(dx * dy > 0)), discordant=int(np.sum(dx * dy < 0)),
                tied_x=int(np.sum(dx == 0)), tied_y=int(np.sum(dy == 0)), tied_xy=int(np.sum((dx == 0) & (dy == 0))))


def tau_a(x, y):
    c = pair_counts(x, y)
    return (c["concordant"] - c["discordant"]) / c["pairs"]


def cosine(x, y):
    return float(np.dot(x, y) / np.sqrt(np.dot(x, x) * np.dot(y, y)))


def measures(x, y):
    """tau_a, spearman, pearson, cosine of two NaN-free vectors (cajal's order)."""
    return [tau_a(x, y), spearmanr(x, y)[0], pearsonr(x, y)[0], cosine(x, y)]


def make_rdm(rng):
    blocks = []
    for name, n, f in (("small", 12, 7), ("wide", 20, 50)):
        x = f32(rng.normal(size=(n, f)) + rng.normal(size=(n, 1)) * 2.0 + 3.0)
        blocks.append(("%s.x" % name, x, F32))
        for metric in ("correlation", "euclidean", "sqeuclidean", "cosine"):
            blocks.append(("%s.%s" % (name, metric), pdist(x, metric), F64))
    write("rdm.txt", "pdist of float32 patterns small [12, 7] and wide [20, 50]", blocks)


def categorical_rdm(labels):
    n = len(labels)
    i, j = np.triu_indices(n, 1)
    return (labels[i] != labels[j]).astype(np.float64)


def make_compare(rng):
    n = 20
    len_ = n * (n - 1) // 2
    cases = {}
    labels = rng.integers(0, 2, n)
    brain = rng.gamma(2.0, 1.0, len_) + 0.8 * categorical_rdm(labels)
    cases["cat"] = (categorical_rdm(labels), brain)                       # model has 2 values
    cases["ties"] = (np.round(rng.normal(size=len_) * 1.5), np.round(rng.normal(size=len_) + 0.3 *
                                                                      np.round(rng.normal(size=len_))))
    cases["cont"] = (rng.normal(size=len_) + 0.5 * brain, brain)
    a = cases["cat"][0].copy()
    b = brain.copy()
    a[rng.choice(len_, 9, replace=False)] = np.nan
    b[rng.choice(len_, 6, replace=False)] = np.nan
    cases["nan"] = (a, b)
    blocks = []
    for name, (x, y) in cases.items():
        keep = ~np.isnan(x) & ~np.isnan(y)
        xk, yk = x[keep], y[keep]
        c = pair_counts(xk, yk)
        blocks += [("%s.a" % name, x, F64), ("%s.b" % name, y, F64),
                   ("%s.measures" % name, measures(xk, yk), F64),
                   ("%s.tau_b" % name, kendalltau(xk, yk)[0], F64),
                   ("%s.counts" % name, [c["pairs"], c["concordant"], c["discordant"], c["tied_x"], c["tied_y"],
                                         c["tied_xy"]], "%d")]
    v = np.round(rng.normal(size=40) * 2) / 2
    blocks += [("rank.x", v, F64), ("rank.r", rankdata(v), F64)]
    write("compare.txt", "condensed RDM pairs (n = 20) with ties and NaN; measures = tau_a spearman pearson cosine",
          blocks)


def subsample_vector(v, n, sample):
    """rsatoolbox's RDMs.subsample_pattern on one RDM, then its vector without NaN."""
    d = squareform(v)
    np.fill_diagonal(d, np.nan)
    sel = np.sort(sample)
    d = d[sel][:, sel]
    i, j = np.triu_indices(len(sel), 1)
    return d[i, j]


def make_resample(rng):
    n = 16
    len_ = n * (n - 1) // 2
    labels = rng.integers(0, 3, n)
    model = categorical_rdm(labels)
    brain = rng.gamma(2.0, 1.0, len_) + 0.7 * model
    brain = np.round(brain * 4) / 4                                        # ties in the brain RDM too
    cont = rng.normal(size=len_) + brain
    blocks = [("model", model, F64), ("brain", brain, F64), ("cont", cont, F64)]
    samples = [rng.integers(0, n, n), rng.integers(0, n, n), np.array([0, 0, 0, 1, 1, 2] + [5] * (n - 6)),
               np.arange(n)]
    for k, s in enumerate(samples):
        out = []
        for x in (model, cont):
            a = subsample_vector(x, n, s)
            b = subsample_vector(brain, n, s)
            keep = ~np.isnan(a) & ~np.isnan(b)
            out += measures(a[keep], b[keep])
        blocks += [("sample%d" % k, s, "%d"), ("sample%d.measures" % k, out, F64)]
    write("resample.txt", "n = 16; measures = (model vs brain, cont vs brain) x (tau_a spearman pearson cosine)",
          blocks)


def pool_rdm(rdms, method, pool):
    """rsatoolbox.util.inference_util.pool_rdm (pool 'matched') or the plain mean."""
    v = np.array(rdms, dtype=np.float64)
    if pool == "mean":
        return v.mean(0)
    if method == "cosine":
        v = v / np.sqrt(np.nanmean(v ** 2, axis=1, keepdims=True))
        return v.mean(0)
    if method == "pearson":
        v = v - np.nanmean(v, axis=1, keepdims=True)
        v = v / np.nanstd(v, axis=1, keepdims=True)
        v = v.mean(0)
        return v - np.nanmin(v)
    ranks = np.full_like(v, np.nan)
    for r in range(len(v)):
        ok = ~np.isnan(v[r])
        ranks[r, ok] = rankdata(v[r, ok])
    return ranks.mean(0)


def compare_nan(a, b, k):
    keep = ~np.isnan(a) & ~np.isnan(b)
    return measures(a[keep], b[keep])[k]


def make_ceiling(rng):
    n, subjects = 15, 5
    len_ = n * (n - 1) // 2
    truth = rng.gamma(2.0, 1.0, len_)
    rdms = np.array([truth + rng.normal(scale=0.8, size=len_) + 3.0 for _ in range(subjects)])
    rdms[2, 7] = np.nan
    rdms[4, 30] = np.nan
    blocks = [("subjects", rdms, F64)]
    for pool in ("mean", "matched"):
        out = []
        for k, method in enumerate(("tau_a", "spearman", "pearson", "cosine")):
            pooled = pool_rdm(rdms, method, pool)
            up = np.mean([compare_nan(rdms[s], pooled, k) for s in range(subjects)])
            lo = np.mean([compare_nan(rdms[s], pool_rdm(np.delete(rdms, s, 0), method, pool), k)
                          for s in range(subjects)])
            out += [lo, up]
            blocks.append(("pooled.%s.%s" % (pool, method), pooled, F64))
        blocks.append(("ceiling.%s" % pool, out, F64))
    write("ceiling.txt", "5 subject RDMs of 15 stimuli; ceiling.<pool> = (lower, upper) per measure "
          "tau_a spearman pearson cosine", blocks)


def crossnobis_rsatoolbox(x, precision):
    """calc_rdm_crossnobis with one precision: leave one fold out, averaged."""
    n, folds, units = x.shape
    i, j = np.triu_indices(n, 1)
    rdms = []
    for k in range(folds):
        train = np.mean(np.delete(x, k, axis=1), axis=1)
        test = x[:, k, :]
        kernel = train @ precision @ test.T
        rdm = np.expand_dims(np.diag(kernel), 0) + np.expand_dims(np.diag(kernel), 1) - kernel - kernel.T
        rdms.append(rdm[i, j] / units)
    return np.mean(rdms, axis=0)


def make_crossnobis(rng):
    n, folds, units = 6, 3, 5
    mean = rng.normal(size=(n, 1, units))
    x = f32(mean + 0.7 * rng.normal(size=(n, folds, units)))
    a = rng.normal(size=(units, units))
    precision = np.linalg.inv(a @ a.T / units + np.eye(units))
    write("crossnobis.txt", "patterns [6 stimuli, 3 folds, 5 units] float32; precision [5, 5]", [
        ("x", x, F32), ("precision", precision, F64),
        ("rdm_identity", crossnobis_rsatoolbox(x, np.eye(units)), F64),
        ("rdm_precision", crossnobis_rsatoolbox(x, precision), F64)])


def make_wilcoxon(rng):
    blocks = []
    x = rng.normal(size=10) + 0.6
    y = rng.normal(size=10)
    r = wilcoxon(x, y)
    blocks += [("exact.x", x, F64), ("exact.y", y, F64), ("exact.result", [r.statistic, r.pvalue], F64)]
    x = rng.normal(size=8) + 2.0
    r = wilcoxon(x)
    blocks += [("exact1.x", x, F64), ("exact1.result", [r.statistic, r.pvalue], F64)]
    x = np.round(rng.normal(size=60) * 2 + 0.4)
    y = np.round(rng.normal(size=60) * 2)
    assert np.sum(x == y) > 0
    r = wilcoxon(x, y)
    blocks += [("approx.x", x, F64), ("approx.y", y, F64), ("approx.result", [r.statistic, r.pvalue], F64)]
    x = np.round(rng.normal(size=12) * 2 + 1.0) / 2
    r = wilcoxon(x, mode="approx")
    assert len(np.unique(np.abs(x[x != 0]))) < np.sum(x != 0)            # ties in |d|
    blocks += [("ties.x", x, F64), ("ties.result", [r.statistic, r.pvalue], F64)]
    write("wilcoxon.txt", "scipy.stats.wilcoxon(x, y): result = statistic, two-sided p", blocks)


def pair_test(a, b):
    """rsatoolbox.util.inference_util.bootstrap_pair_tests for two models."""
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = len(a)
    prop = np.sum(a < b) / (n - np.sum(a == b))
    prop = np.minimum(prop, 1 - prop) * 2
    return (n - 1) / n * prop + 1 / n


def make_boot(rng):
    x = rng.normal(size=37)
    qs = np.array([0.0, 0.025, 0.1, 0.5, 0.77, 0.975, 1.0])
    a = np.round(rng.normal(size=200) * 20) / 100 + 0.05
    b = np.round(rng.normal(size=200) * 20) / 100
    a[[3, 50]] = np.nan
    ok = np.isfinite(a) & np.isfinite(b)
    d = (a - b)[ok]
    write("boot.txt", "x [37]: quantiles at q; paired samples a, b [200] (2 NaN): percentile interval of a - b, p", [
        ("x", x, F64), ("q", qs, F64), ("quantiles", np.quantile(x, qs), F64),
        ("interval95", np.percentile(x, [2.5, 97.5]), F64), ("interval90", np.percentile(x, [5, 95]), F64),
        ("a", a, F64), ("b", b, F64),
        ("paired", [np.mean(d), np.percentile(d, 2.5), np.percentile(d, 97.5), pair_test(a, b), len(d)], F64)])


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261210)
    make_rdm(rng)
    make_compare(rng)
    make_resample(rng)
    make_ceiling(rng)
    make_crossnobis(rng)
    make_wilcoxon(rng)
    make_boot(rng)


if __name__ == "__main__":
    main()
