#!/usr/bin/python3
"""make_kde_refs.py - scikit-learn references for tests/test_match.c.

Run from the project root:  /usr/bin/python3 tools/make_kde_refs.py

Writes tests/ref/kde_<name>.txt and tests/ref/auc_<name>.txt in a plain text
format the C test reads without a parser library: sections

    <name> <count>
    <value>            (count lines)

and '#' comment lines. Samples and scores are float32 (written with 9
significant digits, so they round-trip exactly) because cajal's features are
float32; the references are computed in float64 from those same values.

KDE files hold samples, queries, bandwidth (the h used) and log_density
(KernelDensity(kernel='gaussian', bandwidth=h).score_samples). For the Scott
and Silverman files h comes from scipy.stats.gaussian_kde (sigma times
scipy's factor: cajal's convention, see include/cajal/match.h), and the
script checks that scipy's logpdf agrees with scikit-learn's. For the
reflection files the reference is scikit-learn fitted to the samples plus
their mirror images at each bound, plus log(copies): the reflection
estimator written with nothing but sklearn.

AUC files hold score, label, auc (roc_auc_score) and, at threshold, the
precision / recall / f1 scikit-learn gives for score >= threshold.
"""
import os

import numpy as np
from scipy.special import logsumexp
from scipy.stats import gaussian_kde
from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score
from sklearn.neighbors import KernelDensity

OUT = os.path.join("tests", "ref")


def write(name, comment, sections):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        for line in comment.strip().splitlines():
            f.write("# " + line + "\n")
        for key, values, fmt in sections:
            values = np.atleast_1d(values)
            f.write("%s %d\n" % (key, len(values)))
            for v in values:
                f.write(fmt % v + "\n")
    print("wrote", path)


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def sk_logdens(samples, h, queries):
    kd = KernelDensity(kernel="gaussian", bandwidth=h).fit(samples[:, None])
    ld = kd.score_samples(queries[:, None])
    # scikit-learn's tree walk is not bit-exact even with atol = rtol = 0:
    # report how far it is from the brute-force sum (2e-7 relative at worst
    # here, in reflect_both's tail; elsewhere ~1e-14).
    z = (queries[:, None] - samples[None, :]) / h
    brute = logsumexp(-0.5 * z * z, axis=1) - np.log(len(samples) * h) - 0.5 * np.log(2 * np.pi)
    dev = np.max(np.abs(ld - brute) / np.maximum(1, np.abs(brute)))
    assert dev < 1e-6, dev
    print("  sklearn vs brute force: max rel deviation %.1e" % dev)
    return ld


def kde_file(name, comment, samples, h, queries, logdens):
    write("kde_%s.txt" % name, comment,
          [("samples", samples, "%.9g"), ("bandwidth", h, "%.17g"),
           ("queries", queries, "%.9g"), ("log_density", logdens, "%.17g")])


def kde_plain(name, comment, samples, h, queries):
    kde_file(name, comment, samples, h, queries, sk_logdens(samples, h, queries))


def kde_rule(name, comment, samples, rule, queries):
    ref = gaussian_kde(samples, bw_method=rule)
    h = float(np.sqrt(ref.covariance[0, 0]))
    ld = sk_logdens(samples, h, queries)
    assert np.allclose(ld, ref.logpdf(queries), rtol=1e-10, atol=1e-10), name
    kde_file(name, comment, samples, h, queries, ld)


def kde_reflect(name, comment, samples, h, lo, hi, queries):
    copies = [samples]
    if np.isfinite(lo):
        copies.append(2 * lo - samples)
    if np.isfinite(hi):
        copies.append(2 * hi - samples)
    ld = sk_logdens(np.concatenate(copies), h, queries) + np.log(len(copies))
    write("kde_%s.txt" % name, comment,
          [("samples", samples, "%.9g"), ("bandwidth", h, "%.17g"), ("lo", lo, "%.17g"),
           ("hi", hi, "%.17g"), ("queries", queries, "%.9g"), ("log_density", ld, "%.17g")])


def auc_file(name, comment, score, label, threshold):
    score = f32(score)
    pred = (score >= threshold).astype(int)
    write("auc_%s.txt" % name, comment,
          [("score", score, "%.9g"), ("label", label, "%d"),
           ("auc", roc_auc_score(label, score), "%.17g"), ("threshold", threshold, "%.9g"),
           ("precision", precision_score(label, pred, zero_division=0), "%.17g"),
           ("recall", recall_score(label, pred, zero_division=0), "%.17g"),
           ("f1", f1_score(label, pred, zero_division=0), "%.17g")])


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)

    x = f32(rng.normal(0.0, 1.0, 200))
    q = f32(np.concatenate([np.linspace(-6, 6, 121), [-50, -20, 20, 50]]))
    kde_plain("normal", "200 samples of N(0, 1), h = 0.3, queries out to +-50 (deep tails)", x, 0.3, q)

    x = f32(np.concatenate([rng.normal(-2, 0.5, 150), rng.normal(3, 1.0, 150)]))
    q = f32(np.linspace(-8, 10, 181))
    kde_plain("bimodal", "two clusters with an empty valley between, h = 0.2", x, 0.2, q)

    x = f32(np.round(rng.choice([0.0, 1.0, 2.0], 60), 0))
    q = f32(np.concatenate([[0, 1, 2], np.linspace(-1, 3, 41), [10]]))
    kde_plain("ties", "60 samples taking only the values 0, 1, 2; h = 0.05", x, 0.05, q)

    x = f32(rng.exponential(80.0, 500))
    q = f32(np.linspace(-50, 600, 131))
    kde_rule("scott", "500 distance-like samples (exponential, 80 um), Scott's rule", x, "scott", q)

    x = f32(2 * rng.beta(5, 2, 150) - 1)
    q = f32(np.linspace(-1.5, 1.5, 121))
    kde_rule("silverman", "150 similarity-like samples in [-1, 1], Silverman's rule", x, "silverman", q)

    x = f32(np.abs(rng.normal(0, 5.0, 300)))
    q = f32(np.linspace(0, 40, 81))
    kde_reflect("reflect_lo", "300 match distances |N(0, 5 um)|, h = 2, reflected at 0", x, 2.0, 0.0, np.inf, q)

    x = f32(np.clip(rng.normal(0.85, 0.1, 300), -1, 1))
    q = f32(np.linspace(-1, 1, 101))
    kde_reflect("reflect_both", "300 similarities near 1, h = 0.1, reflected at -1 and 1", x, 0.1, -1.0, 1.0, q)

    n = 500
    label = (rng.random(n) < 0.3).astype(int)
    score = np.round(np.clip(rng.normal(0.35 + 0.3 * label, 0.2), 0, 1), 1)
    auc_file("ties", "500 scores rounded to 0.1 (heavy ties), 30 % positive", score, label, 0.5)

    n = 1000
    label = (rng.random(n) < 0.05).astype(int)
    score = rng.normal(1.5 * label, 1.0)
    auc_file("random", "1000 continuous scores, 5 % positive", score, label, 1.0)

    label = np.array([0, 1, 0, 1, 1, 0, 0, 0])
    auc_file("alltied", "every score equal: AUC 1/2, everything predicted positive", np.full(8, 0.7), label, 0.5)


if __name__ == "__main__":
    main()
