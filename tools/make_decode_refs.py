#!/usr/bin/python3
"""Reference numbers for tests/test_decode.c (tests/ref/decode/splits.txt):
the decoders' classifiers on fixed training/test splits, from NumPy and
scikit-learn.

Run from the project root:  /usr/bin/python3 tools/make_decode_refs.py

For each split (spike counts drawn from Poisson rates that depend on the
label, so some units are silent for some labels and one unit is silent
throughout, which z-scoring must turn into zeros):
  - z-scoring with the training statistics, as NeuroDecodeR's fp_zscore
    (R's scale(): the sample standard deviation; NaN -> 0);
  - the maximum correlation coefficient classifier (cl_max_correlation):
    Pearson correlation of each z-scored test vector with each label's mean
    training vector;
  - LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto") on the
    z-scored data: decision_function and predict;
  - Poisson naive Bayes (cl_poisson_naive_bayes) on the raw counts: the log
    likelihoods, rates of 0 replaced by 1 / (n_c + 1).
Split "a" has fewer units than training trials; split "b" more (70 units,
24 training trials), where LDA needs its shrinkage.
"""
import os

import numpy as np
from scipy.special import gammaln
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

OUT = os.path.join("tests", "ref", "decode")


def split(rng, n_labels, per_label_train, per_label_test, p):
    # Each unit's rate, modulated a little by the label: decodable, not
    # perfectly, so the classifiers disagree on some test trials.
    rates = rng.gamma(2.0, 1.0, size=(1, p)) * np.exp(0.35 * rng.standard_normal((n_labels, p)))
    rates[:, 0] = 0.0                       # a silent unit
    rates[0, 1] = 0.0                       # silent for one label only
    ytr = np.repeat(np.arange(n_labels), per_label_train)
    yte = np.repeat(np.arange(n_labels), per_label_test)
    xtr = rng.poisson(rates[ytr]).astype(np.float64)
    xte = rng.poisson(rates[yte]).astype(np.float64)
    return xtr, ytr, xte, yte


def zscore(xtr, xte):
    mean = xtr.mean(0)
    sd = xtr.std(0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ztr = (xtr - mean) / sd
        zte = (xte - mean) / sd
    ztr[~np.isfinite(ztr)] = 0.0
    zte[~np.isfinite(zte)] = 0.0
    return ztr, zte


def max_corr(ztr, ytr, zte, k):
    templates = np.array([ztr[ytr == c].mean(0) for c in range(k)])
    t = templates - templates.mean(1, keepdims=True)
    z = zte - zte.mean(1, keepdims=True)
    return (z @ t.T) / np.outer(np.linalg.norm(z, axis=1), np.linalg.norm(t, axis=1))


def poisson_nb(xtr, ytr, xte, k):
    lam = np.array([xtr[ytr == c].mean(0) for c in range(k)])
    for c in range(k):
        lam[c, lam[c] == 0] = 1.0 / ((ytr == c).sum() + 1)
    return xte @ np.log(lam).T - lam.sum(1) - gammaln(xte + 1).sum(1, keepdims=True)


def block(f, name, values):
    values = np.asarray(values, dtype=np.float64).ravel()
    f.write("%s %d\n" % (name, values.size))
    f.write(" ".join("%.17g" % v for v in values) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20110101)
    with open(os.path.join(OUT, "splits.txt"), "w") as f:
        f.write("# tools/make_decode_refs.py: classifiers on fixed splits (NumPy, scikit-learn)\n")
        for name, (k, ntr, nte, p) in {"a": (4, 9, 3, 10), "b": (3, 8, 2, 70)}.items():
            xtr, ytr, xte, yte = split(rng, k, ntr, nte, p)
            ztr, zte = zscore(xtr, xte)
            corr = max_corr(ztr, ytr, zte, k)
            lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(ztr, ytr)
            pnb = poisson_nb(xtr, ytr, xte, k)
            block(f, name + ".shape", [k, len(ytr), len(yte), p])
            block(f, name + ".xtr", xtr)
            block(f, name + ".ytr", ytr)
            block(f, name + ".xte", xte)
            block(f, name + ".yte", yte)
            block(f, name + ".ztr", ztr)
            block(f, name + ".zte", zte)
            block(f, name + ".corr", corr)
            block(f, name + ".corr_pred", corr.argmax(1))
            block(f, name + ".lda", lda.decision_function(zte))
            block(f, name + ".lda_pred", lda.predict(zte))
            block(f, name + ".pnb", pnb)
            block(f, name + ".pnb_pred", pnb.argmax(1))
            print(name, "max_corr acc", (corr.argmax(1) == yte).mean(), "lda acc", (lda.predict(zte) == yte).mean(),
                  "pnb acc", (pnb.argmax(1) == yte).mean())


if __name__ == "__main__":
    main()
