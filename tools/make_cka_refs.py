#!/usr/bin/python3
"""make_cka_refs.py - NumPy / SciPy / scikit-learn references for
tests/test_cka.c and tests/test_predictivity.c.

Run from the project root:  /usr/bin/python3 tools/make_cka_refs.py

Writes, in the text format of tests/ref_text.h ('#' comment line, then
blocks "name count" followed by count numbers):

tests/ref/cka/cka.txt
    CKA as in Kornblith et al. (2019)'s published notebook, re-written here
    in NumPy (gram_linear, gram_rbf, center_gram, cka,
    feature_space_linear_cka), in float64 from float32 data:
    x [40, 10] with column means far from 0 and y [40, 6] = a noisy
    nonlinear function of x; linear CKA biased and debiased (the Gram form
    and the feature-space form are checked equal here first), RBF CKA at
    threshold 0.5 and 1 biased and debiased, RBF on the first 39 rows (an
    odd n: NumPy's median of an odd count), the centred linear Gram and the
    RBF Gram of x, the linear CKA of x + 100 (as float32), the squared
    orthogonal Procrustes distance from scipy.linalg.orthogonal_procrustes
    (not from the nuclear norm) and Kornblith's QR-based cca(): mean
    canonical correlation and R^2_CCA. Then a Gram-path case (n = 30 < half
    of p + q = 90: xg [30, 50], yg [30, 40]) and a case over several blocks
    of 1,024 stimuli and float sums of 4,096 (n = 9,000, p = 40, q = 30) whose data is made by the
    integer hash below, which tests/test_cka.c repeats exactly (so only the
    results are stored; the feature-space form alone, as the Gram form
    of 9,000 stimuli would take 1.3 GB).

tests/ref/cka/ridge.txt
    Cross-validated ridge with scikit-learn: for each outer fold of
    KFold(5, shuffle=True, random_state=0) (fold ids exported),
    StandardScaler fitted on the training stimuli, then
    RidgeCV(alphas=logspace(-2, 4, 7), alpha_per_target=True) (leave-one-
    out), predictions on the test fold. Case a: x [60, 8] (column 5
    constant), 3 units (signal + noise, weaker signal, noise alone): chosen
    alphas [5, 3], predictions [60, 3], Pearson r per fold [5, 3], their
    mean [3] and r over the pooled predictions [3]; the same with centring
    only (no StandardScaler) and with one alpha shared by the units
    (alpha_per_target=False). Case b: more features than training stimuli,
    x [30, 50], 2 units, KFold(3): alphas, predictions, r.

tests/ref/cka/reliability.txt
    resp [50, 6, 4] float32 and three given splits of the 6 repetitions
    (membership [3, 6]); numpy.corrcoef between the half means per unit
    and split [3, 4], and the Spearman-Brown reliability averaged over the
    three splits [4].
"""
import os

import numpy as np
from scipy.linalg import orthogonal_procrustes
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

OUT = os.path.join("tests", "ref", "cka")


def write(name, comment, blocks):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write("# " + comment.strip().replace("\n", " ") + "\n")
        for key, values, fmt in blocks:
            values = np.ravel(np.asarray(values, dtype=np.float64))
            assert len(key) < 40
            f.write("%s %d\n" % (key, len(values)))
            for i in range(0, len(values), 6):
                f.write(" ".join(fmt % v for v in values[i:i + 6]) + "\n")
    print("wrote", path)


def f32(a):
    return np.asarray(a, dtype=np.float32)


# ---- Kornblith et al. 2019, the notebook's functions in NumPy -------------

def gram_linear(x):
    return x.dot(x.T)


def gram_rbf(x, threshold=1.0):
    dot_products = x.dot(x.T)
    sq_norms = np.diag(dot_products)
    sq_distances = -2 * dot_products + sq_norms[:, None] + sq_norms[None, :]
    sq_median_distance = np.median(sq_distances)
    return np.exp(-sq_distances / (2 * threshold ** 2 * sq_median_distance))


def center_gram(gram, unbiased=False):
    assert np.allclose(gram, gram.T)
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


def cca(x, y):
    """Kornblith's cca() on centred features, plus the mean correlation."""
    x = x - x.mean(0)
    y = y - y.mean(0)
    qx, _ = np.linalg.qr(x)
    qy, _ = np.linalg.qr(y)
    rho = np.linalg.svd(qx.T.dot(qy), compute_uv=False)
    c = min(x.shape[1], y.shape[1])
    r2 = np.linalg.norm(qx.T.dot(qy)) ** 2 / c
    return rho.sum() / c, r2


def procrustes_sq(x, y):
    """min over orthogonal Q of ||x - y Q||^2 for centred, unit-norm x, y,
    zero-padded to one width, by scipy's solver (independent of cajal's
    nuclear-norm route)."""
    x = x - x.mean(0)
    y = y - y.mean(0)
    x = x / np.linalg.norm(x)
    y = y / np.linalg.norm(y)
    w = max(x.shape[1], y.shape[1])
    xp = np.zeros((x.shape[0], w))
    yp = np.zeros((y.shape[0], w))
    xp[:, :x.shape[1]] = x
    yp[:, :y.shape[1]] = y
    q, _ = orthogonal_procrustes(yp, xp)
    return np.linalg.norm(xp - yp.dot(q)) ** 2


def linear_both(x, y, debiased):
    g = cka(gram_linear(x), gram_linear(y), debiased)
    f = feature_space_linear_cka(x, y, debiased)
    assert abs(g - f) < 1e-10, (g, f)
    return g


# ---- the integer hash tests/test_cka.c repeats ---------------------------

M32 = 0xFFFFFFFF


def hash_u(i, j, s):
    u = (i * 2654435761 + j * 40503 + s * 2246822519) & M32
    u ^= u >> 15
    u = (u * 2246822519) & M32
    u ^= u >> 13
    return u >> 8


def hash_matrix(n, p, s):
    """float32 in [-0.5, 0.5): (24-bit hash) / 2^24 - 0.5, exact in float."""
    i = np.arange(n, dtype=np.uint64)[:, None]
    j = np.arange(p, dtype=np.uint64)[None, :]
    u = (i * np.uint64(2654435761) + j * np.uint64(40503) + np.uint64(s) * np.uint64(2246822519)) & np.uint64(M32)
    u ^= u >> np.uint64(15)
    u = (u * np.uint64(2246822519)) & np.uint64(M32)
    u ^= u >> np.uint64(13)
    u >>= np.uint64(8)
    assert int(u[1, 2]) == hash_u(1, 2, s)
    return (u.astype(np.float64) / 2.0 ** 24 - 0.5).astype(np.float32)


def blocks_case():
    """x = hash(1) + j / 8; y[:, j] = x[:, j] + hash(2), exact float32 ops."""
    n, p, q = 9000, 40, 30
    x = hash_matrix(n, p, 1) + f32(np.arange(p) / 8.0)[None, :]
    y = x[:, :q] + hash_matrix(n, q, 2)
    return n, p, q, x.astype(np.float32), y.astype(np.float32)


def cka_refs():
    rng = np.random.default_rng(20250110)
    n, p, q = 40, 10, 6
    x = f32(rng.normal(0, 1, (n, p)) * np.linspace(0.5, 2, p) + np.arange(p) * 3.0)
    w = rng.normal(0, 0.5, (p, q))
    y = f32(np.tanh((x - x.mean(0)) @ w) + 0.3 * rng.normal(0, 1, (n, q)))
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    xs = (x + np.float32(100)).astype(np.float32)
    xc = xd - xd.mean(0)
    cca_mean, cca_r2 = cca(xd, yd)

    ng, pg, qg = 30, 50, 40
    xg = f32(rng.normal(0, 1, (ng, pg)))
    yg = f32(xg[:, :qg] * 0.5 + rng.normal(0, 1, (ng, qg)))
    xgd, ygd = xg.astype(np.float64), yg.astype(np.float64)

    nb, pb, qb, xb, yb = blocks_case()
    xbd, ybd = xb.astype(np.float64), yb.astype(np.float64)
    b_mean, b_r2 = cca(xbd, ybd)

    blocks = [
        ("shape", [n, p, q], "%d"), ("x", x, "%.9g"), ("y", y, "%.9g"),
        ("linear", linear_both(xd, yd, False), "%.17g"),
        ("linear_debiased", linear_both(xd, yd, True), "%.17g"),
        ("rbf_0.5", cka(gram_rbf(xd, 0.5), gram_rbf(yd, 0.5)), "%.17g"),
        ("rbf_0.5_debiased", cka(gram_rbf(xd, 0.5), gram_rbf(yd, 0.5), True), "%.17g"),
        ("rbf_1", cka(gram_rbf(xd, 1.0), gram_rbf(yd, 1.0)), "%.17g"),
        ("rbf_1_debiased", cka(gram_rbf(xd, 1.0), gram_rbf(yd, 1.0), True), "%.17g"),
        ("rbf_1_n39", cka(gram_rbf(xd[:39], 1.0), gram_rbf(yd[:39], 1.0)), "%.17g"),
        ("gram_linear_x", gram_linear(xc), "%.17g"),
        ("gram_rbf_x", gram_rbf(xd, 1.0), "%.17g"),
        ("gram_center_x", center_gram(gram_linear(xd)), "%.17g"),
        ("gram_center_unbiased_x", center_gram(gram_linear(xd), True), "%.17g"),
        ("linear_shift100", linear_both(xs.astype(np.float64), yd, False), "%.17g"),
        ("linear_shift100_debiased", linear_both(xs.astype(np.float64), yd, True), "%.17g"),
        ("procrustes", procrustes_sq(xd, yd), "%.17g"),
        ("cca_mean", cca_mean, "%.17g"), ("cca_r2", cca_r2, "%.17g"),
        ("gram_shape", [ng, pg, qg], "%d"), ("xg", xg, "%.9g"), ("yg", yg, "%.9g"),
        ("gram_linear", linear_both(xgd, ygd, False), "%.17g"),
        ("gram_linear_debiased", linear_both(xgd, ygd, True), "%.17g"),
        ("gram_procrustes", procrustes_sq(xgd, ygd), "%.17g"),
        ("blocks_shape", [nb, pb, qb], "%d"),
        ("blocks_x_0_0", xb[0, 0], "%.9g"), ("blocks_y_last", yb[-1, -1], "%.9g"),
        ("blocks_linear", feature_space_linear_cka(xbd, ybd, False), "%.17g"),
        ("blocks_linear_debiased", feature_space_linear_cka(xbd, ybd, True), "%.17g"),
        ("blocks_procrustes", procrustes_sq(xbd, ybd), "%.17g"),
        ("blocks_cca_mean", b_mean, "%.17g"), ("blocks_cca_r2", b_r2, "%.17g"),
    ]
    write("cka.txt", "Kornblith et al. 2019 CKA (NumPy re-write of the notebook), Procrustes (scipy), "
          "CCA (QR); see tools/make_cka_refs.py", blocks)


# ---- ridge ---------------------------------------------------------------

def ridge_case(x, y, folds, alphas, scale=True, per_target=True, seed=0):
    n, units = y.shape
    fold = np.empty(n, dtype=int)
    kf = KFold(folds, shuffle=True, random_state=seed)
    splits = list(kf.split(x))
    for f, (_, te) in enumerate(splits):
        fold[te] = f
    pred = np.empty((n, units))
    alpha = np.empty((folds, units))
    r_fold = np.empty((folds, units))
    xd = x.astype(np.float64)
    for f, (tr, te) in enumerate(splits):
        xtr, xte = xd[tr], xd[te]
        if scale:
            sc = StandardScaler().fit(xtr)
            xtr, xte = sc.transform(xtr), sc.transform(xte)
        m = RidgeCV(alphas=alphas, alpha_per_target=per_target).fit(xtr, y[tr])
        pred[te] = m.predict(xte)
        alpha[f] = m.alpha_ if per_target else np.full(units, m.alpha_)
        for u in range(units):
            r_fold[f, u] = np.corrcoef(pred[te, u], y[te, u])[0, 1]
    r_pooled = np.array([np.corrcoef(pred[:, u], y[:, u])[0, 1] for u in range(units)])
    return fold, pred, alpha, r_fold, r_fold.mean(0), r_pooled


def ridge_refs():
    rng = np.random.default_rng(7)
    alphas = np.logspace(-2, 4, 7)
    n, p, units = 60, 8, 3
    x = f32(rng.normal(0, 1, (n, p)) * np.array([1, 2, 0.5, 1, 3, 1, 1, 0.2]) + 5.0)
    x[:, 5] = np.float32(2.5)
    xd = x.astype(np.float64)
    w = rng.normal(0, 1, p)
    w[5] = 0
    sig = (xd - xd.mean(0)) @ w
    y = np.stack([sig + 0.5 * rng.normal(0, 1, n), 0.2 * sig + 2.0 * rng.normal(0, 1, n),
                  rng.normal(0, 1, n)], axis=1)
    fold, pred, alpha, r_fold, r, r_pooled = ridge_case(x, y, 5, alphas)
    _, pred_c, alpha_c, _, r_c, _ = ridge_case(x, y, 5, alphas, scale=False)
    _, pred_s, alpha_s, _, r_s, _ = ridge_case(x, y, 5, alphas, per_target=False)
    nb, pb, ub = 30, 50, 2
    xb = f32(rng.normal(0, 1, (nb, pb)))
    wb = rng.normal(0, 0.3, pb)
    yb = np.stack([xb.astype(np.float64) @ wb + 0.3 * rng.normal(0, 1, nb), rng.normal(0, 1, nb)], axis=1)
    fold_b, pred_b, alpha_b, r_fold_b, r_b, r_pooled_b = ridge_case(xb, yb, 3, alphas)
    blocks = [
        ("alphas", alphas, "%.17g"),
        ("a_shape", [n, p, units, 5], "%d"), ("a_x", x, "%.9g"), ("a_y", y, "%.17g"), ("a_fold", fold, "%d"),
        ("a_alpha", alpha, "%.17g"), ("a_pred", pred, "%.17g"), ("a_r_fold", r_fold, "%.17g"),
        ("a_r", r, "%.17g"), ("a_r_pooled", r_pooled, "%.17g"),
        ("a_center_alpha", alpha_c, "%.17g"), ("a_center_pred", pred_c, "%.17g"), ("a_center_r", r_c, "%.17g"),
        ("a_shared_alpha", alpha_s, "%.17g"), ("a_shared_pred", pred_s, "%.17g"), ("a_shared_r", r_s, "%.17g"),
        ("b_shape", [nb, pb, ub, 3], "%d"), ("b_x", xb, "%.9g"), ("b_y", yb, "%.17g"), ("b_fold", fold_b, "%d"),
        ("b_alpha", alpha_b, "%.17g"), ("b_pred", pred_b, "%.17g"), ("b_r_fold", r_fold_b, "%.17g"),
        ("b_r", r_b, "%.17g"), ("b_r_pooled", r_pooled_b, "%.17g"),
    ]
    write("ridge.txt", "scikit-learn StandardScaler + RidgeCV(alphas, alpha_per_target) per KFold(shuffle) fold; "
          "see tools/make_cka_refs.py", blocks)


def reliability_refs():
    rng = np.random.default_rng(11)
    n, reps, units = 50, 6, 4
    signal = rng.normal(0, 1, (n, 1, units)) * np.array([1.0, 0.5, 0.2, 0.0])
    resp = f32(signal + rng.normal(0, 1, (n, reps, units)) + 3.0)
    halves = np.array([[1, 1, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0], [0, 1, 1, 0, 0, 1]])
    rd = resp.astype(np.float64)
    r_half = np.empty((len(halves), units))
    for s, h in enumerate(halves):
        a = rd[:, h == 1, :].mean(1)
        b = rd[:, h == 0, :].mean(1)
        for u in range(units):
            r_half[s, u] = np.corrcoef(a[:, u], b[:, u])[0, 1]
    sb = (2 * r_half / (1 + r_half)).mean(0)
    write("reliability.txt", "split-half r (numpy.corrcoef of half means) and Spearman-Brown; "
          "see tools/make_cka_refs.py",
          [("shape", [n, reps, units, len(halves)], "%d"), ("resp", resp, "%.9g"), ("halves", halves, "%d"),
           ("r_half", r_half, "%.17g"), ("reliability", sb, "%.17g")])


def main():
    cka_refs()
    ridge_refs()
    reliability_refs()


if __name__ == "__main__":
    main()
