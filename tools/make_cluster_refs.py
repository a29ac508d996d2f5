#!/usr/bin/python3
"""make_cluster_refs.py - scikit-learn / numpy references for tests/test_clusters.c
and tests/test_taskvariance.c.

Run from the project root:  /usr/bin/python3 tools/make_cluster_refs.py

Writes, under tests/ref/clusters/, text files in the format of tests/ref_text.h
(a '#' comment line, then blocks "<name> <count>" followed by count numbers):

  blobs.txt       4 well-separated blobs [150, 5]: KMeans(4, n_init=100) inertia,
                  labels and centres (the optimum the C k-means must reach).
  choose_k.txt    6 planted blobs [180, 8] and their labels; the silhouette
                  score of KMeans(k, n_init=20, random_state=0) for k = 2..10 and
                  the best k (which must be 6).
  silhouette.txt  random points [40, 3] with fixed labels in {0,1,2,3,5} (label 4
                  unused, label 5 a singleton): silhouette_samples and
                  silhouette_score, checked here against a direct numpy loop.
  ari.txt         two random labellings and adjusted_rand_score.
  taskvar.txt     synthetic recordings of 30 units in 4 tasks (float32, written
                  with 9 significant digits so they round-trip): per task the
                  responses [trials, steps, units], condition ids, window; the
                  numpy task variance [units, tasks], the active mask, the
                  normalised matrix, the planted groups of the active units,
                  the silhouette of that partition and the heat-map order.

Doubles are written with 17 significant digits (exact round trip).
"""
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score, silhouette_samples, silhouette_score

OUT = os.path.join("tests", "ref", "clusters")


def write(name, comment, blocks):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write("# " + " ".join(comment.split()) + "\n")
        for key, values, fmt in blocks:
            assert len(key) < 40, key
            values = np.atleast_1d(np.asarray(values)).ravel()
            f.write("%s %d\n" % (key, len(values)))
            per_line = 8
            for i in range(0, len(values), per_line):
                f.write(" ".join(fmt % v for v in values[i : i + per_line]) + "\n")
    print("wrote", path)


G = "%.17g"
I = "%d"


def silhouette_direct(x, labels):
    """Rousseeuw's definition with differences, not the dot-product shortcut."""
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    s = np.zeros(len(x))
    for i in range(len(x)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, labels == c].mean() for c in np.unique(labels) if c != labels[i])
        s[i] = (b - a) / max(a, b)
    return s


def blobs():
    x, _ = make_blobs(n_samples=150, n_features=5, centers=4, cluster_std=0.6, random_state=3)
    km = KMeans(n_clusters=4, n_init=100, random_state=0).fit(x)
    write("blobs.txt", "4 blobs; sklearn KMeans(4, n_init=100, random_state=0)",
          [("x", x, G), ("inertia", km.inertia_, G), ("labels", km.labels_, I),
           ("centres", km.cluster_centers_, G)])


def choose_k():
    x, planted = make_blobs(n_samples=180, n_features=8, centers=6, cluster_std=0.7,
                            center_box=(-8, 8), random_state=11)
    ks = list(range(2, 11))
    scores = []
    for k in ks:
        lab = KMeans(n_clusters=k, n_init=20, random_state=0).fit(x).labels_
        scores.append(silhouette_score(x, lab))
    best = ks[int(np.argmax(scores))]
    assert best == 6, (best, scores)
    write("choose_k.txt", "6 planted blobs; silhouette of sklearn KMeans(k, n_init=20) for k=2..10",
          [("x", x, G), ("planted", planted, I), ("scores", scores, G), ("best_k", best, I),
           ("planted_score", silhouette_score(x, planted), G)])


def silhouette():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 3))
    x[:10] += 2.0  # some structure, so scores are not all near 0
    labels = rng.integers(0, 4, size=40)
    labels[:10] = 0
    labels[17] = 5  # a singleton (s = 0); label 4 is unused
    s = silhouette_samples(x, labels)
    ref = silhouette_direct(x, labels)
    assert np.max(np.abs(s - ref)) < 1e-13, np.max(np.abs(s - ref))
    write("silhouette.txt", "random points, fixed labels (4 unused, 5 a singleton); sklearn silhouette",
          [("x", x, G), ("labels", labels, I), ("samples", s, G),
           ("score", silhouette_score(x, labels), G)])


def ari():
    rng = np.random.default_rng(9)
    a = rng.integers(0, 5, size=60)
    b = rng.integers(0, 7, size=60)
    b[:30] = a[:30] * 3 + 1  # half of b agrees with a, under other names
    write("ari.txt", "two labellings; sklearn adjusted_rand_score",
          [("a", a, I), ("b", b, I), ("ari", adjusted_rand_score(a, b), G)])


# ---- task variance -----------------------------------------------------------

UNITS = 30
# Planted groups: the gain of each group in each task (variance ~ gain^2).
GAINS = np.array([[1.0, 0.05, 0.05, 0.05],    # group 0: task 0
                  [0.05, 1.0, 0.05, 0.05],    # group 1: task 1
                  [0.05, 0.05, 0.05, 1.0],    # group 2: task 3
                  [0.05, 0.6, 1.0, 0.05]])    # group 3: task 2, some task 1
DEAD = [4, 17, 25]  # constant, zero, and tiny-noise units (dropped)


def task_variance_numpy(resp, cond, t0, t1):
    ids = np.unique(cond)
    means = np.stack([resp[cond == c].mean(axis=0) for c in ids])  # [C, T, U]
    return means.var(axis=0)[t0:t1].mean(axis=0)  # var across conditions, mean over time


def heatmap_order(norm, labels):
    """Clusters by preferred task (argmax of summed normalised variance), then
    their lowest row; units by cluster, own preferred task, row."""
    clusters = sorted(set(labels), key=lambda c: (int(np.argmax(norm[labels == c].sum(0))),
                                                  int(np.where(labels == c)[0][0])))
    rename = {c: j for j, c in enumerate(clusters)}
    new = np.array([rename[c] for c in labels])
    order = sorted(range(len(norm)), key=lambda i: (new[i], int(np.argmax(norm[i])), i))
    return new, np.array(order)


def taskvar():
    rng = np.random.default_rng(2019)
    group = np.arange(UNITS) % 4
    phase = rng.uniform(0, 2 * np.pi, size=UNITS)
    base = rng.uniform(0.0, 0.5, size=UNITS)
    # (trials, steps, window, condition ids or None, number of conditions)
    specs = [
        dict(steps=12, t0=3, t1=10, cond=np.repeat(np.arange(8), 2)),
        dict(steps=8, t0=0, t1=8, cond=None, trials=10),
        dict(steps=10, t0=2, t1=9, cond=np.array([7, 3, 100, 42, 5, 9] * 3)),
        dict(steps=9, t0=4, t1=9, cond=np.array([1, 2, 3, 4, 1, 2, 3, 4, 1, 1, 2, 0])),
    ]
    blocks = []
    tv = np.zeros((UNITS, len(specs)))
    for a, sp in enumerate(specs):
        cond = sp["cond"]
        trials = len(cond) if cond is not None else sp["trials"]
        cid = cond if cond is not None else np.arange(trials)
        ids = np.unique(cid)
        theta = {c: 2 * np.pi * j / len(ids) for j, c in enumerate(ids)}
        T = sp["steps"]
        env = np.zeros(T)
        env[sp["t0"]:sp["t1"]] = np.linspace(0.5, 1.0, sp["t1"] - sp["t0"])
        resp = np.zeros((trials, T, UNITS))
        for r in range(trials):
            th = theta[cid[r]]
            for u in range(UNITS):
                g = GAINS[group[u], a]
                sel = g * np.cos(th + phase[u]) * env
                # Outside the window, large condition-dependent activity in
                # every unit: it must not leak into the variance.
                out = 3.0 * np.sin(th + u) * (1 - (env > 0))
                resp[r, :, u] = base[u] + sel + out + 0.02 * rng.normal(size=T)
        resp[:, :, DEAD[0]] = 0.7
        resp[:, :, DEAD[1]] = 0.0
        resp[:, :, DEAD[2]] = 1e-4 * rng.normal(size=(trials, T))
        resp = resp.astype(np.float32)
        r64 = resp.astype(np.float64)
        tv[:, a] = task_variance_numpy(r64, cid, sp["t0"], sp["t1"])
        blocks += [("t%d.responses" % a, resp, "%.9g"),
                   ("t%d.shape" % a, [trials, T, sp["t0"], sp["t1"]], I)]
        if cond is not None:
            blocks.append(("t%d.condition" % a, cond, I))
    active = tv.sum(axis=1) > 1e-3
    assert list(np.where(~active)[0]) == DEAD
    norm = tv[active] / tv[active].max(axis=1, keepdims=True)
    planted = group[active]
    score = silhouette_score(norm, planted)
    # The planted partition is what k-means finds, and k = 4 the best in 2..8.
    ks = list(range(2, 9))
    scores = [silhouette_score(norm, KMeans(k, n_init=20, random_state=0).fit(norm).labels_) for k in ks]
    assert ks[int(np.argmax(scores))] == 4, scores
    lab4 = KMeans(4, n_init=20, random_state=0).fit(norm).labels_
    assert adjusted_rand_score(lab4, planted) == 1.0
    labels, order = heatmap_order(norm, planted)
    blocks += [("units", UNITS, I), ("tasks", len(specs), I), ("tv", tv, G),
               ("active", active.astype(int), I), ("normalized", norm, G),
               ("planted", planted, I), ("planted_score", score, G),
               ("labels", labels, I), ("order", order, I)]
    write("taskvar.txt", "synthetic units planted selective for tasks; numpy task variance, "
          "normalisation, heat-map order; sklearn silhouette", blocks)


if __name__ == "__main__":
    blobs()
    choose_k()
    silhouette()
    ari()
    taskvar()
