#!/usr/bin/python3
"""Reference data for tests/test_ica.c: synthetic sources mixed by a known
matrix, and scikit-learn's FastICA on the same data, written to
tests/ref/ica/. Run from the project root:
    /usr/bin/python3 tools/make_ica_refs.py

laplace_x.npy   [3000, 6] float32: 4 Laplacian (super-Gaussian) sources S
                mixed into 6 dims, X = S @ A.T + offset (rank 4, so cajal
                must find the 4 components with variance itself)
laplace_a.npy   [6, 4] the mixing matrix A
laplace_sk.npy  [4, 6] sklearn FastICA(n_components=4, whiten="unit-variance",
                fun="logcosh", algorithm="parallel", tol=1e-4,
                random_state=0).components_ on X
laplace_sk_amari.npy [1] Amari index of components_ @ A (same
                normalisation as cj_ica_amari)
uniform_x.npy   [4000, 4] float32: 4 uniform (sub-Gaussian, excess
                kurtosis -1.2) sources mixed by uniform_a.npy [4, 4]
"""
import numpy as np
from sklearn.decomposition import FastICA


def amari(p):
    p = np.abs(p)
    k = p.shape[0]
    rows = (p.sum(1) / p.max(1) - 1).sum()
    cols = (p.sum(0) / p.max(0) - 1).sum()
    return (rows + cols) / (2 * k * (k - 1))


rng = np.random.default_rng(11)
n, k, d = 3000, 4, 6
S = rng.laplace(size=(n, k))
A = rng.normal(size=(d, k))
offset = rng.normal(size=d) * 3
X = (S @ A.T + offset).astype(np.float32)
ica = FastICA(n_components=k, whiten="unit-variance", fun="logcosh", algorithm="parallel", tol=1e-4,
              max_iter=200, random_state=0)
ica.fit(X.astype(np.float64))
W = ica.components_
am = amari(W @ A)
np.save("tests/ref/ica/laplace_x.npy", X)
np.save("tests/ref/ica/laplace_a.npy", A.astype(np.float32))
np.save("tests/ref/ica/laplace_sk.npy", W.astype(np.float32))
np.save("tests/ref/ica/laplace_sk_amari.npy", np.array([am], dtype=np.float32))
print(f"laplace: sklearn FastICA Amari index {am:.4g} after {ica.n_iter_} iterations")

n2 = 4000
U = rng.uniform(-np.sqrt(3), np.sqrt(3), size=(n2, k))
B = rng.normal(size=(k, k))
np.save("tests/ref/ica/uniform_x.npy", (U @ B.T).astype(np.float32))
np.save("tests/ref/ica/uniform_a.npy", B.astype(np.float32))
ica2 = FastICA(n_components=k, whiten="unit-variance", random_state=0).fit((U @ B.T))
print(f"uniform: sklearn FastICA Amari index {amari(ica2.components_ @ B):.4g}")
