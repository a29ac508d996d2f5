#!/usr/bin/python3
"""The Python side of bench/run_ica.sh: scikit-learn's FastICA, and (since
scikit-learn has no infomax) MNE's extended infomax re-implemented in
NumPy with MNE's defaults (mne/preprocessing/infomax_.py: block
floor(sqrt(n/3)), l_rate 0.01/ln(K^2), annealing by 0.9 above 60 degrees,
the 20-small-angle rule, kurtosis on 6,000 samples every block with the
sign momentum), both on the same PCA-whitened data cajal fits.

    ica_sklearn.py PATCHES.npy K MAX_ITER_FASTICA MAX_PASSES_INFOMAX [CAJAL_DIRS (fastica, infomax, picard x2)]

Prints seconds of each fit, iterations (and infomax's restarts), and the mean excess kurtosis of
the sources of every unmixing (sklearn's, NumPy infomax's and, when given,
cajal's), a like-for-like check that the fits are comparable; and the
objectives of sklearn's and NumPy infomax's fits as cajal's Picard
measures them, so that run_ica.sh can time Picard to the same objective."""
import math
import sys
import time

import numpy as np
from scipy.stats import kurtosis
from sklearn.decomposition import FastICA


def pca_whiten(x, k):
    mean = x.mean(0)
    c = np.cov((x - mean).T, bias=True)
    lam, e = np.linalg.eigh(c)
    lam, e = lam[::-1][:k], e[:, ::-1][:, :k]
    w = (e / np.sqrt(lam)).T
    return (x - mean) @ w.T, w, mean


def infomax_mne(z, max_iter, seed=0):
    """Extended infomax as MNE runs it, on white data z [n, k]; returns
    the unmixing W [k, k] (sources z @ W.T), the passes run and the
    restarts (a weight above 1e8 or not finite: start again from the
    identity with 0.9 x the rate, as MNE and runica do)."""
    rng = np.random.RandomState(seed)
    n, k = z.shape
    lr = 0.01 / math.log(k ** 2.0)
    block = int(math.floor(math.sqrt(n / 3.0)))
    nblock = n // block
    BI = block * np.eye(k)
    kurt_size = min(6000, n)
    restarts = 0

    def fresh():
        signs = np.ones(k)
        signs[0] = -1
        return np.eye(k), np.zeros(k), signs, np.zeros(k), np.zeros(k)

    W, bias, signs, old_kurt, oldsigns = fresh()   # MNE's weights: u = z @ W
    ext_blocks, signcount, blockno = 1, 0, 0
    oldW = W.copy()
    olddelta, oldchange = 1.0, 0.0
    step, small, limit = 0, 0, max_iter
    while step < limit:
        perm = rng.permutation(n)
        blown = False
        with np.errstate(over="ignore", invalid="ignore"):
            for b in range(nblock):
                u = z[perm[b * block:(b + 1) * block]] @ W + bias
                y = np.tanh(u)
                W += lr * W @ (BI - signs[None, :] * (u.T @ y) - u.T @ u)
                bias += -2.0 * lr * y.sum(0)
                blockno += 1
                if not np.all(np.abs(W) <= 1e8):
                    blown = True
                    break
                if blockno % ext_blocks == 0:
                    rp = np.floor(rng.uniform(0, 1, kurt_size) * (n - 1)).astype(int)
                    kt = kurtosis((z[rp] @ W).T, axis=1, fisher=True)
                    kt = 0.5 * old_kurt + 0.5 * kt
                    old_kurt = kt
                    signs = np.sign(kt + 0.02)
                    signcount = signcount + 1 if (signs != oldsigns).sum() == 0 else 0
                    oldsigns = signs
                    if signcount >= 25:
                        ext_blocks, signcount = ext_blocks * 2, 0
        if blown:
            restarts += 1
            lr *= 0.9
            W, bias, signs, old_kurt, oldsigns = fresh()
            oldW = W.copy()
            olddelta, oldchange = np.zeros(k * k), 0.0
            ext_blocks, signcount, blockno = 1, 0, 1
            step, small, limit = 0, 0, max_iter
            continue
        step += 1
        delta = (W - oldW).ravel()
        change = delta @ delta
        angle = 0.0
        if step > 2:
            angle = math.degrees(math.acos(np.clip(delta @ olddelta / math.sqrt(change * oldchange), -1, 1)))
        oldW = W.copy()
        if angle > 60:
            lr *= 0.9
            olddelta, oldchange, small = delta, change, 0
        else:
            if step == 1:
                olddelta, oldchange = delta, change
            small += 1
            if small > 20:
                limit = step
        if step > 2 and change < 1e-12:
            break
        elif change > 1e4:
            lr *= 0.5
    return W.T, step, restarts


def picard_losses(y, w):
    """The objectives cajal's Picard minimises, for sources y = z @ w.T of
    the white data z: FastICA's sum_i s_i E[log cosh y_i] (w orthogonal)
    and the extended-infomax negative log-likelihood -log|det w| +
    sum_i (s_i E[log cosh y_i] + E[y_i^2] / 2), with Picard's sign rule
    s_i = sign(E[1 - tanh^2 y_i] E[y_i^2] - E[y_i tanh y_i]); and the max
    |skew part| of diag(s) E[tanh(y) y^T] (FastICA's relative gradient)."""
    t = np.tanh(y)
    n = len(y)
    g = t.T @ y / n
    s = np.sign((1 - t ** 2).mean(0) * (y ** 2).mean(0) - np.diag(g))
    s[s == 0] = 1
    lc = np.mean(np.abs(y) + np.log1p(np.exp(-2 * np.abs(y))) - math.log(2), 0)
    gs = s[:, None] * g
    fast = float((s * lc).sum())
    nll = float(-np.linalg.slogdet(w)[1] + (s * lc).sum() + 0.5 * (y ** 2).mean(0).sum())
    return fast, nll, float(np.abs(gs - gs.T).max() / 2)


def mean_kurt(x, u, mean):
    return float(np.mean(kurtosis((x - mean) @ u.T, axis=0, fisher=True)))


x = np.load(sys.argv[1]).astype(np.float64)
k, it_f, it_i = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
z, wh, mean = pca_whiten(x, k)
tw = time.perf_counter() - t0
t0 = time.perf_counter()
f = FastICA(whiten=False, fun="logcosh", algorithm="parallel", tol=1e-4, max_iter=it_f,
            random_state=0)
f.fit(z)
tf = time.perf_counter() - t0
uf = f.components_ @ wh
print(f"whiten_seconds {tw:.2f}")
print(f"sklearn_fastica_seconds {tf:.2f} {f.n_iter_}")
print(f"sklearn_fastica_kurtosis {mean_kurt(x, uf, mean):.4f}", flush=True)
fast, _, grad = picard_losses(z @ f.components_.T, f.components_)
print(f"sklearn_fastica_objective {fast:.10f} {grad:.6g}", flush=True)
t0 = time.perf_counter()
wi, steps, restarts = infomax_mne(z, it_i)
ti = time.perf_counter() - t0
ui = wi @ wh
print(f"numpy_infomax_seconds {ti:.2f} {steps} {restarts}")
print(f"numpy_infomax_kurtosis {mean_kurt(x, ui, mean):.4f}")
_, nll, _ = picard_losses(z @ wi.T, wi)
print(f"numpy_infomax_objective {nll:.10f}")
for name, d in zip(("cajal_fastica", "cajal_infomax", "cajal_picard_fastica", "cajal_picard_infomax"), sys.argv[5:9]):
    u = np.load(d + "/unmixing.npy").astype(np.float64)
    print(f"{name}_kurtosis {mean_kurt(x, u, np.load(d + '/mean.npy'))}")
