#!/usr/bin/python3
"""make_subspace_refs.py - scikit-learn / NumPy references for tests/test_subspace.c.

Run from the project root:  /usr/bin/python3 tools/make_subspace_refs.py

Writes, in the text format of tests/ref_text.h ('#' comment lines, then
blocks "name count" followed by count numbers):

tests/ref/subspace/pca.txt
    x [40, 6] float32 with correlated columns and y [12, 6] other rows;
    sklearn.decomposition.PCA(n_components=4).fit(x): mean, components,
    explained_variance, explained_variance_ratio, and transform(x),
    transform(y). The installed scikit-learn (1.2) fixes signs from the
    scores (svd_flip(u_based_decision=True)); cajal follows scikit-learn
    1.5+, where the largest |loading| of each component is positive, so
    the script writes both: components_sklearn as sklearn gave them (the
    test compares up to sign) and components / scores_x / scores_y with
    the loading-based flip applied here.

tests/ref/subspace/tdr.txt
    A small TDR case with planted, non-orthogonal axes: 32 conditions
    (4 motion x 4 colour coherences x 2 contexts, choice the sign of the
    coherence the context makes relevant), 3 trials each, T = 6, 10 units
    (the last one constant, to check that a unit with sd 0 is all zeros).
    Regressor columns are motion, colour, context, choice; orthogonalised
    in the order choice, motion, colour, context (order = 3 0 1 2), as
    Mante et al. 2013. Everything is computed here in float64 from the
    float32 responses, independently of cajal's route: z-scoring with
    NumPy's std, numpy.linalg.lstsq on [1, F] for every unit and time,
    PCA of the z-scored condition averages by numpy.linalg.svd, the
    projector onto the top n_pca = 5, norms and argmax over time, angles,
    numpy.linalg.qr with each axis signed along its own beta_max, and the
    projections of the z-scored condition averages.
"""
import os

import numpy as np
from sklearn.decomposition import PCA

OUT = os.path.join("tests", "ref", "subspace")


def write(name, comment, blocks):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write("# " + comment.strip().replace("\n", " ") + "\n")
        for key, values, fmt in blocks:
            values = np.ravel(np.asarray(values))
            assert len(key) < 40
            f.write("%s %d\n" % (key, len(values)))
            for i in range(0, len(values), 6):
                f.write(" ".join(fmt % v for v in values[i:i + 6]) + "\n")
    print("wrote", path)


def flip_by_loading(components):
    """scikit-learn >= 1.5's svd_flip(u_based_decision=False)."""
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), idx])
    return components * signs[:, None]


def make_pca(rng):
    rows, units, k = 40, 6, 4
    latent = rng.standard_normal((rows, 3)) * np.array([3.0, 1.5, 0.7])
    mix = rng.standard_normal((3, units))
    x = (latent @ mix + 0.2 * rng.standard_normal((rows, units)) + np.arange(units)).astype(np.float32)
    y = (rng.standard_normal((12, units)) * 2.0).astype(np.float32)
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    pca = PCA(n_components=k, svd_solver="full").fit(xd)
    comp = flip_by_loading(pca.components_)
    ev = pca.explained_variance_
    # cajal's components must be the same up to sign whatever sklearn's rule
    assert np.allclose(np.abs(comp), np.abs(pca.components_))
    assert np.all(np.diff(ev) < 0) and np.min(-np.diff(ev)) > 1e-3 * ev[0], "eigenvalues too close"
    write("pca.txt",
          "sklearn %s PCA(n_components=%d, svd_solver='full') of x [%d, %d] float32; components with the "
          "largest |loading| positive (sklearn >= 1.5); components_sklearn as sklearn 1.2 signs them"
          % (__import__("sklearn").__version__, k, rows, units),
          [("shape", [rows, units, k], "%d"),
           ("x", x, "%.9g"),
           ("y", y, "%.9g"),
           ("mean", pca.mean_, "%.17g"),
           ("components", comp, "%.17g"),
           ("components_sklearn", pca.components_, "%.17g"),
           ("explained_variance", ev, "%.17g"),
           ("explained_variance_ratio", pca.explained_variance_ratio_, "%.17g"),
           ("scores_x", (xd - pca.mean_) @ comp.T, "%.17g"),
           ("scores_y", (yd - pca.mean_) @ comp.T, "%.17g")])


def make_tdr(rng):
    T, units, reps, n_pca = 6, 10, 3, 5
    motion_levels = np.array([-0.5, -0.15, 0.15, 0.5])
    colour_levels = np.array([-0.4, -0.12, 0.12, 0.4])
    conds = [(m, c, ctx) for ctx in (-1.0, 1.0) for m in motion_levels for c in colour_levels]
    C = len(conds)
    F, cond = [], []
    for r in range(reps):
        for ci, (m, c, ctx) in enumerate(conds):
            choice = np.sign(m if ctx > 0 else c)
            F.append([m, c, ctx, choice])
            cond.append(ci)
    F = np.array(F)
    cond = np.array(cond)
    trials = len(F)
    # planted axes (non-orthogonal), time courses peaking at different times
    axes = rng.standard_normal((4, units))
    axes[1] += 0.6 * axes[0]
    axes[3] += 0.4 * axes[1]
    t = np.arange(T)
    gain = np.stack([np.exp(-0.5 * ((t - peak) / 1.2) ** 2) for peak in (1, 2, 4, 5)])  # [4, T]
    scale = np.array([4.0, 4.0, 1.0, 1.5])
    x = np.einsum("kv,vt,vu->ktu", F * scale, gain, axes)
    x += 2.0 + 0.5 * rng.standard_normal((trials, T, units))
    x[:, :, -1] = 0.75  # a constant unit: sd 0, left at zero
    x = x.astype(np.float32)
    xd = x.astype(np.float64)

    # 1. z-score over all trials and times (NumPy's std: divisor N)
    mean = xd.reshape(-1, units).mean(axis=0)
    sd = xd.reshape(-1, units).std(axis=0)
    assert sd[-1] == 0.0
    safe = np.where(sd > 0, sd, 1.0)
    z = np.where(sd > 0, (xd - mean) / safe, 0.0)
    # 2. least squares on [1, F], every unit and time at once
    design = np.hstack([np.ones((trials, 1)), F])
    coef, *_ = np.linalg.lstsq(design, z.reshape(trials, -1), rcond=None)
    coef = coef.reshape(5, T, units)
    intercept, beta = coef[0], coef[1:]
    # condition averages, z-scored
    avg = np.stack([xd[cond == c].mean(axis=0) for c in range(C)])  # [C, T, U]
    cm = np.where(sd > 0, (avg - mean) / safe, 0.0)
    # 3. PCA of the condition averages (rows C*T), projector on the top n_pca
    rows = cm.reshape(-1, units)
    centred = rows - rows.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    assert (s[n_pca - 1] - s[n_pca]) > 1e-3 * s[0], "PC %d and %d too close" % (n_pca, n_pca + 1)
    V = vt[:n_pca]
    beta_pca = beta @ V.T @ V
    # 4. maxima
    norms = np.linalg.norm(beta_pca, axis=2)  # [4, T]
    t_max = np.argmax(norms, axis=1)
    srt = np.sort(norms, axis=1)
    assert np.all(srt[:, -1] - srt[:, -2] > 1e-3 * srt[:, -1]), "norm maxima too close"
    beta_max = beta_pca[np.arange(4), t_max]
    unit = beta_max / np.linalg.norm(beta_max, axis=1, keepdims=True)
    angles = np.degrees(np.arccos(np.clip(unit @ unit.T, -1, 1)))
    np.fill_diagonal(angles, 0.0)
    # 5. QR in the order choice, motion, colour, context
    order = np.array([3, 0, 1, 2])
    q, r = np.linalg.qr(beta_max[order].T)
    q = q * np.sign(np.diag(r))
    ortho = np.empty((4, units))
    ortho[order] = q.T
    # 6. projections
    proj = cm.reshape(-1, units) @ ortho.T  # [C*T, 4]

    write("tdr.txt",
          "numpy %s TDR reference (lstsq on [1, F], SVD PCA, QR); regressors motion colour context choice; "
          "order 3 0 1 2; n_pca %d" % (np.__version__, n_pca),
          [("shape", [trials, T, units, 4, C, n_pca], "%d"),
           ("x", x, "%.9g"),
           ("regressors", F, "%.17g"),
           ("condition", cond, "%d"),
           ("order", order, "%d"),
           ("unit_mean", mean, "%.17g"),
           ("unit_sd", sd, "%.17g"),
           ("beta", beta, "%.17g"),
           ("intercept", intercept, "%.17g"),
           ("cond_mean", cm, "%.17g"),
           ("beta_pca", beta_pca, "%.17g"),
           ("norms", norms, "%.17g"),
           ("t_max", t_max, "%d"),
           ("beta_max", beta_max, "%.17g"),
           ("angles", angles, "%.17g"),
           ("axes", ortho, "%.17g"),
           ("projections", proj, "%.17g")])


def main():
    rng = np.random.default_rng(20130101)
    make_pca(rng)
    make_tdr(rng)


if __name__ == "__main__":
    main()
