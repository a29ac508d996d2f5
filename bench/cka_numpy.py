#!/usr/bin/python3
"""cka_numpy.py - the NumPy side of bench/run_cka.sh.

    /usr/bin/python3 bench/cka_numpy.py DIR [--reps N] [--float64]

DIR is what bench_cka wrote: x.f32 and y.f32 ([n, p] float32) and cajal's
values and timings (meta.txt). Times linear CKA in the two NumPy
formulations of Kornblith et al.'s notebook, on the float32 arrays as they
come (what a user's `np.load` of recorded activations gives):

  gram     cka(gram_linear(x), gram_linear(y)): the Gram-matrix form users
           copy from the notebook. x.dot(x.T) is an [n, n] ssyrk (NumPy
           detects a product with its own transpose), n^2 p FLOPs each; then
           center_gram (its allclose symmetry check, a copy, two
           subtractions) and the dot of the raveled Grams.
  feature  feature_space_linear_cka(x, y): x.T.dot(y) (sgemm, 2 n p q),
           x.T.dot(x) and y.T.dot(y) (ssyrk, n p^2 and n q^2) after centring.

and the debiased variants of each. With --float64 the Gram form is also
timed after x.astype(np.float64) (the notebook's examples are float64).
Prints each time, the ratio to cajal's (best of reps against best of
reps), the FLOPs of the products and their time at cajal's measured sgemm
rate (the product limit), and checks the values agree with cajal's.
"""
import argparse
import os
import time

import numpy as np


# Kornblith et al. 2019, the notebook's functions (as tools/make_cka_refs.py)
def gram_linear(x):
    return x.dot(x.T)


def center_gram(gram, unbiased=False):
    if not np.allclose(gram, gram.T):
        raise ValueError("Input must be a symmetric matrix.")
    gram = gram.copy()
    if unbiased:
        n = gram.shape[0]
        np.fill_diagonal(gram, 0)
        means = np.sum(gram, 0, dtype=np.float64) / (n - 2)
        means -= np.sum(means) / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
    else:
        means = np.mean(gram, 0, dtype=np.float64)
        means -= np.mean(means) / 2
        gram -= means[:, None]
        gram -= means[None, :]
    return gram


def cka(gram_x, gram_y, debiased=False):
    gram_x = center_gram(gram_x, unbiased=debiased)
    gram_y = center_gram(gram_y, unbiased=debiased)
    scaled_hsic = gram_x.ravel().dot(gram_y.ravel())
    return scaled_hsic / (np.linalg.norm(gram_x) * np.linalg.norm(gram_y))


def _debiased_dot(xty, ssr_x, ssr_y, sq_x, sq_y, n):
    return xty - n / (n - 2.0) * ssr_x.dot(ssr_y) + sq_x * sq_y / ((n - 1) * (n - 2))


def feature_space_linear_cka(x, y, debiased=False):
    x = x - np.mean(x, 0, keepdims=True)
    y = y - np.mean(y, 0, keepdims=True)
    dot = np.linalg.norm(x.T.dot(y)) ** 2
    nx = np.linalg.norm(x.T.dot(x))
    ny = np.linalg.norm(y.T.dot(y))
    if debiased:
        n = x.shape[0]
        ssr_x = np.einsum("ij,ij->i", x, x)
        ssr_y = np.einsum("ij,ij->i", y, y)
        sq_x, sq_y = np.sum(ssr_x), np.sum(ssr_y)
        dot = _debiased_dot(dot, ssr_x, ssr_y, sq_x, sq_y, n)
        nx = np.sqrt(_debiased_dot(nx ** 2, ssr_x, ssr_x, sq_x, sq_x, n))
        ny = np.sqrt(_debiased_dot(ny ** 2, ssr_y, ssr_y, sq_y, sq_y, n))
    return dot / (nx * ny)


def read_meta(d):
    meta = {}
    with open(os.path.join(d, "meta.txt")) as f:
        for line in f:
            k, v = line.split()
            meta[k] = float(v)
    return meta


def timed(fn, reps):
    best, value = 1e30, None
    for _ in range(reps):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return float(value), best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--float64", action="store_true")
    args = ap.parse_args()
    meta = read_meta(args.dir)
    n, p = int(meta["n"]), int(meta["p"])
    x = np.fromfile(os.path.join(args.dir, "x.f32"), dtype=np.float32).reshape(n, p)
    y = np.fromfile(os.path.join(args.dir, "y.f32"), dtype=np.float32).reshape(n, p)
    peak = meta["peak_gflops"]
    print("numpy  %s, float32 inputs [%d, %d] x 2, best of %d" % (np.__version__, n, p, args.reps))
    gram_flops = 2.0 * n * n * p  # two ssyrk [n, n] of depth p
    feat_flops = n * (2.0 * p) ** 2  # 2 n p q + n p^2 + n q^2
    print("numpy  products: gram form %.1f GFLOP (limit %.3f s at %.1f GFLOP/s), feature form %.2f GFLOP "
          "(limit %.4f s)" % (gram_flops / 1e9, gram_flops / 1e9 / peak, peak, feat_flops / 1e9,
                              feat_flops / 1e9 / peak))
    rows = []
    for name, debiased, fn in [
        ("gram float32", False, lambda: cka(gram_linear(x), gram_linear(y))),
        ("gram float32", True, lambda: cka(gram_linear(x), gram_linear(y), True)),
        ("feature float32", False, lambda: feature_space_linear_cka(x, y)),
        ("feature float32", True, lambda: feature_space_linear_cka(x, y, True)),
    ] + ([("gram float64", False,
           lambda: cka(gram_linear(x.astype(np.float64)), gram_linear(y.astype(np.float64))))]
         if args.float64 else []):
        value, best = timed(fn, args.reps)
        mine = meta["cka_debiased" if debiased else "cka"]
        cajal = meta["best_debiased_s" if debiased else "best_s"]
        rows.append((name, debiased, best, cajal))
        print("numpy  %-16s %-8s %8.3f s  cka %.9f  |cka - cajal| %.1e  ratio numpy/cajal %6.1fx"
              % (name, "debiased" if debiased else "biased", best, value, abs(value - mine), best / cajal))
    print("summary  cajal biased %.4f s, debiased %.4f s (best of %d)" % (meta["best_s"], meta["best_debiased_s"],
                                                                        int(meta["reps"])))
    for name, debiased, best, cajal in rows:
        target = "  (target >= 10x: %s)" % ("met" if best / cajal >= 10 else "missed") if name.startswith("gram") else ""
        print("summary  vs numpy %-16s %-8s %6.1fx%s" % (name, "debiased" if debiased else "biased", best / cajal,
                                                         target))


if __name__ == "__main__":
    main()
