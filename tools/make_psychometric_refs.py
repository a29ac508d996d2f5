#!/usr/bin/python3
"""Reference values for tests/test_psychometric.c (cajal/psychometric.h).

Writes tests/ref/psychometric/*.txt in the format of tests/ref_text.h: a
'#' comment line, then blocks "name count" and count numbers.

  trials.txt   synthetic per-trial 0/1 choices (x, y) and their fits
  counts.txt   synthetic per-level counts k of m with prior weights, and fits
  roitman.txt  Roitman & Shadlen (2002) monkey 1, signed coherence from
               trgchoice (see cajal/psychometric.h): the fits, and the
               per-coherence accuracy and mean RT with t intervals for both
               monkeys

Logistic fits: scikit-learn's LogisticRegression(penalty=None), counts
expanded into a row of y = 1 (weight w k) and one of y = 0 (weight w (m - k)).
Probit fits: scipy.optimize.minimize (BFGS, analytic gradient, log_ndtr),
polished by Newton steps. Standard errors: the inverse of the expected Fisher
information X' diag(w m F'^2 / (F (1 - F))) X, in closed form with numpy.
Nothing here calls cajal.

    /usr/bin/python3 tools/make_psychometric_refs.py
"""
import csv
import os

import numpy as np
from scipy import optimize, special, stats
from sklearn.linear_model import LogisticRegression

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "ref", "psychometric")
ROITMAN = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "roitman2002", "roitman_rts.csv")


def write(name, comment, blocks):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w") as f:
        f.write("# " + comment + "\n")
        for key, vals in blocks:
            vals = np.atleast_1d(np.asarray(vals, dtype=np.float64)).ravel()
            assert len(key) < 40
            f.write("%s %d\n" % (key, len(vals)))
            f.write(" ".join(repr(float(v)) for v in vals) + "\n")


def logit_fit(x, k1, k0):
    """sklearn on rows (x, 1, k1) and (x, 0, k0)."""
    X = np.concatenate([x, x])[:, None]
    y = np.concatenate([np.ones_like(x), np.zeros_like(x)])
    w = np.concatenate([k1, k0])
    keep = w > 0
    m = LogisticRegression(penalty=None, solver="newton-cholesky", tol=1e-15, max_iter=10000)
    m.fit(X[keep], y[keep], sample_weight=w[keep])
    b = np.array([m.intercept_[0], m.coef_[0, 0]])
    r = k1 - (k1 + k0) * special.expit(b[0] + b[1] * x)  # the score: zero at the MLE
    assert abs(r.sum()) < 1e-8 and abs((r * x).sum()) < 1e-8, (r.sum(), (r * x).sum())
    return b


def probit_nll(b, x, k1, k0):
    u = b[0] + b[1] * x
    return -(k1 * special.log_ndtr(u) + k0 * special.log_ndtr(-u)).sum()


def probit_grad(b, x, k1, k0):
    u = b[0] + b[1] * x
    lam1 = np.exp(-0.5 * u * u - special.log_ndtr(u)) / np.sqrt(2 * np.pi)
    lam0 = np.exp(-0.5 * u * u - special.log_ndtr(-u)) / np.sqrt(2 * np.pi)
    s = k1 * lam1 - k0 * lam0
    return -np.array([s.sum(), (s * x).sum()])


def fisher(link, b, x, k1, k0):
    u = b[0] + b[1] * x
    m = k1 + k0
    if link == "logit":
        p = special.expit(u)
        w = m * p * (1 - p)
    else:
        p = special.ndtr(u)
        w = m * stats.norm.pdf(u) ** 2 / (p * (1 - p))
    X = np.stack([np.ones_like(x), x], axis=1)
    return X.T @ (w[:, None] * X)


def probit_fit(x, k1, k0):
    r = optimize.minimize(probit_nll, np.zeros(2), args=(x, k1, k0), jac=probit_grad, method="BFGS",
                          options={"gtol": 1e-10, "maxiter": 10000})
    b = r.x
    for _ in range(5):  # Fisher-scoring polish to the last digits
        b = b - np.linalg.solve(fisher("probit", b, x, k1, k0), probit_grad(b, x, k1, k0))
    assert np.abs(probit_grad(b, x, k1, k0)).max() < 1e-8, probit_grad(b, x, k1, k0)
    return b


def loglik(link, b, x, k1, k0):
    u = b[0] + b[1] * x
    if link == "logit":
        lp1, lp0 = -np.logaddexp(0, -u), -np.logaddexp(0, u)
    else:
        lp1, lp0 = special.log_ndtr(u), special.log_ndtr(-u)
    return (np.where(k1 > 0, k1 * lp1, 0) + np.where(k0 > 0, k0 * lp0, 0)).sum()


def summary(prefix, link, x, k1, k0, threshold_p=0.75, level=0.95):
    b = logit_fit(x, k1, k0) if link == "logit" else probit_fit(x, k1, k0)
    V = np.linalg.inv(fisher(link, b, x, k1, k0))
    m = k1 + k0
    sat = (special.xlogy(k1, k1 / m) + special.xlogy(k0, k0 / m)).sum()
    p0 = k1.sum() / m.sum()
    null = special.xlogy(k1.sum(), p0) + special.xlogy(k0.sum(), 1 - p0)
    ll = loglik(link, b, x, k1, k0)
    q = np.log(threshold_p / (1 - threshold_p)) if link == "logit" else stats.norm.ppf(threshold_p)
    pse = -b[0] / b[1]
    g = np.array([-1 / b[1], b[0] / b[1] ** 2])
    z = stats.norm.ppf(0.5 + level / 2)
    se = np.sqrt(np.diag(V))
    return [
        (prefix + ".b", b),
        (prefix + ".se", se),
        (prefix + ".cov", [V[0, 1]]),
        (prefix + ".b1_ci", [b[1] - z * se[1], b[1] + z * se[1]]),
        (prefix + ".loglik", [ll]),
        (prefix + ".deviance", [2 * (sat - ll)]),
        (prefix + ".null_deviance", [2 * (sat - null)]),
        (prefix + ".pse", [pse, np.sqrt(g @ V @ g)]),
        (prefix + ".threshold", [q / b[1], abs(q) * se[1] / b[1] ** 2]),
    ]


def trials():
    rng = np.random.default_rng(20240611)
    levels = np.array([-0.512, -0.256, -0.128, -0.064, -0.032, 0.0, 0.032, 0.064, 0.128, 0.256, 0.512])
    x = rng.choice(levels, size=300)
    y = (rng.random(300) < special.expit(0.3 + 7.0 * x)).astype(np.float64)
    blocks = [("x", x), ("y", y)]
    for link in ("logit", "probit"):
        blocks += summary(link, link, x, y, 1 - y)
    write("trials.txt", "synthetic per-trial choices, P(y=1) = logistic(0.3 + 7 x); tools/make_psychometric_refs.py",
          blocks)


def counts():
    rng = np.random.default_rng(7)
    x = np.linspace(-40.0, 40.0, 9)  # e.g. coherence in %
    m = rng.integers(10, 60, size=9).astype(np.float64)
    k = rng.binomial(m.astype(int), stats.norm.cdf(-0.2 + 0.05 * x)).astype(np.float64)
    w = rng.uniform(0.5, 2.0, size=9)
    blocks = [("x", x), ("k", k), ("m", m), ("w", w)]
    for link in ("logit", "probit"):
        blocks += summary(link, link, x, w * k, w * (m - k), threshold_p=0.8, level=0.9)
    write("counts.txt", "synthetic counts k of m with weights w; threshold_p 0.8, level 0.9", blocks)


def roitman():
    with open(ROITMAN, newline="") as f:
        rows = list(csv.DictReader(f))
    monkey = np.array([float(r["monkey"]) for r in rows])
    rt = np.array([float(r["rt"]) for r in rows])
    coh = np.array([float(r["coh"]) for r in rows])
    correct = np.array([float(r["correct"]) for r in rows])
    choice = np.array([float(r["trgchoice"]) for r in rows])
    blocks = []
    for mk in (1, 2):
        sel = monkey == mk
        levels = np.unique(coh[sel])
        acc, mean, lo, hi, n = [], [], [], [], []
        for c in levels:
            s = sel & (coh == c)
            acc.append(correct[s].mean())
            r = rt[s]
            h = stats.t.ppf(0.975, len(r) - 1) * r.std(ddof=1) / np.sqrt(len(r))
            mean.append(r.mean()), lo.append(r.mean() - h), hi.append(r.mean() + h), n.append(len(r))
        blocks += [("m%d.coh" % mk, levels), ("m%d.trials" % mk, n), ("m%d.accuracy" % mk, acc),
                   ("m%d.rt_mean" % mk, mean), ("m%d.rt_lo" % mk, lo), ("m%d.rt_hi" % mk, hi)]
    # Signed coherence towards target 1: y = chose target 1; +coh when y == correct.
    sel = monkey == 1
    y = (choice[sel] == 1).astype(np.float64)
    x = np.where(y == correct[sel], coh[sel], -coh[sel])
    blocks += [("m1.n_chose1", [y.sum()])]
    for link in ("logit", "probit"):
        blocks += summary("m1." + link, link, x, y, 1 - y)
    write("roitman.txt", "Roitman & Shadlen 2002 (../shared/data/roitman2002), monkey 1 signed by trgchoice == 1",
          blocks)


if __name__ == "__main__":
    trials()
    counts()
    roitman()
