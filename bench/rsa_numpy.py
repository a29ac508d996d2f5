#!/usr/bin/python3
"""rsa_numpy.py - the NumPy/SciPy side of bench/run_rsa.sh.

    /usr/bin/python3 bench/rsa_numpy.py DIR

DIR is what bench_rsa wrote: the layer responses, the brain RDM, cajal's
RDM, tau_a and bootstrap samples, the stimuli each bootstrap sample drew
and cajal's timings (meta.txt). This script does the same work the way
rsatoolbox 0.3 does it (rsatoolbox itself cannot be installed here; its
code path is written out below, function by function):
  - calc_rdm_correlation: centre each pattern, scale to unit norm, 1 - the
    einsum of the patterns, then the upper triangle;
  - compare(..., method='tau-a') -> _tau_a: two argsort-and-rank passes,
    scipy's _kendall_dis (its merge-sort count of discordant pairs, the one
    scipy.stats.kendalltau uses), tie counts with bincount;
  - eval_bootstrap_pattern per sample: RDMs.subsample_pattern on the model
    and the data RDM (full matrices with NaN diagonals, rows and columns at
    the sorted sample, back to vectors), _parse_input_rdms's NaN mask, then
    _tau_a, with the same stimulus draws as cajal, so every sample's tau_a
    is compared with cajal's.
It prints the times, the agreement and the ratio numpy / cajal.
"""
import os
import sys
import time

import numpy as np
from scipy.spatial.distance import squareform
from scipy.stats._stats import _kendall_dis


def calc_rdm_correlation(x):
    ma = x - x.mean(axis=1, keepdims=True)
    ma /= np.sqrt(np.einsum('ij,ij->i', ma, ma))[:, None]
    rdm = 1 - np.einsum('ik,jk', ma, ma)
    return rdm[np.triu_indices(rdm.shape[0], 1)]


def _sort_and_rank(vector1, vector2):
    perm = np.argsort(vector2, kind='mergesort')
    vector1 = vector1[perm]
    vector2 = vector2[perm]
    vector2 = np.r_[True, vector2[1:] != vector2[:-1]].cumsum(dtype=np.intp)
    return vector1, vector2


def _count_rank_tie(ranks):
    cnt = np.bincount(ranks).astype('int64', copy=False)
    cnt = cnt[cnt > 1]
    return (cnt * (cnt - 1) // 2).sum()


def tau_a(vector1, vector2):
    size = vector1.size
    vector1, vector2 = _sort_and_rank(vector1, vector2)
    vector2, vector1 = _sort_and_rank(vector2, vector1)
    dis = _kendall_dis(vector1, vector2)
    obs = np.r_[True, (vector1[1:] != vector1[:-1]) | (vector2[1:] != vector2[:-1]), True]
    cnt = np.diff(np.nonzero(obs)[0]).astype('int64', copy=False)
    ntie = (cnt * (cnt - 1) // 2).sum()
    xtie = _count_rank_tie(vector1)
    ytie = _count_rank_tie(vector2)
    tot = (size * (size - 1)) // 2
    return min(1., max(-1., (tot - xtie - ytie + ntie - 2 * dis) / tot))


def subsample_pattern(vector, selection):
    d = squareform(vector)
    np.fill_diagonal(d, np.nan)
    selection = np.sort(selection)
    d = d[selection][:, selection]
    return d[np.triu_indices(len(selection), 1)][None, :]


def compare_tau_a(v1, v2):
    nan_mask = ~np.isnan(v1).any(axis=0)
    assert np.all(nan_mask == ~np.isnan(v2).any(axis=0))
    return tau_a(v1[:, nan_mask][0], v2[:, nan_mask][0])


def read_meta(d):
    meta = {}
    with open(os.path.join(d, "meta.txt")) as f:
        for line in f:
            k, v = line.split()
            meta[k] = float(v)
    return meta


def main():
    d = sys.argv[1]
    meta = read_meta(d)
    n, f, samples = int(meta["stimuli"]), int(meta["features"]), int(meta["samples"])
    x = np.fromfile(os.path.join(d, "x.f32"), dtype=np.float32).reshape(n, f).astype(np.float64)
    brain = np.fromfile(os.path.join(d, "brain.f64"))
    cajal_model = np.fromfile(os.path.join(d, "model.f64"))
    cajal_boot = np.fromfile(os.path.join(d, "boot.f64"))
    draws = np.fromfile(os.path.join(d, "draws.i32"), dtype=np.int32).reshape(samples, n)
    best = [1e30] * 3
    for _ in range(3):
        t0 = time.perf_counter()
        model = calc_rdm_correlation(x)
        t1 = time.perf_counter()
        tau = compare_tau_a(model[None, :], brain[None, :])
        t2 = time.perf_counter()
        boot = np.empty(samples)
        for i in range(samples):
            boot[i] = compare_tau_a(subsample_pattern(model, draws[i]), subsample_pattern(brain, draws[i]))
        t3 = time.perf_counter()
        best = [min(b, t) for b, t in zip(best, (t1 - t0, t2 - t1, t3 - t2))]
    total = sum(best)
    cajal_total = meta["rdm_s"] + meta["tau_s"] + meta["boot_s"]
    print("numpy  RDM (correlation) %.2f ms  tau_a %.3f ms  %d bootstraps %.1f ms  total %.1f ms"
          % (1e3 * best[0], 1e3 * best[1], samples, 1e3 * best[2], 1e3 * total))
    print("numpy  tau_a %.6f  max |RDM - cajal| %.1e  |tau_a - cajal| %.1e  max |bootstrap tau_a - cajal| %.1e"
          % (tau, np.max(np.abs(model - cajal_model)), abs(tau - meta["tau_a"]), np.max(np.abs(boot - cajal_boot))))
    print("ratio numpy/cajal  RDM %.1fx  tau_a %.1fx  bootstraps %.1fx  total %.1fx"
          % (best[0] / meta["rdm_s"], best[1] / meta["tau_s"], best[2] / meta["boot_s"], total / cajal_total))


if __name__ == "__main__":
    main()
