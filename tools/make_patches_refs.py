#!/usr/bin/python3
"""Reference tensors for tests/test_patches.c: correlated data and its
PCA/ZCA whitening computed by NumPy (eigh of the 1/n covariance), written
to tests/ref/patches_*.npy. Run from the project root:
    /usr/bin/python3 tools/make_patches_refs.py
The epsilon convention is cajal's: eps = 1e-5 * mean eigenvalue."""
import numpy as np

rng = np.random.default_rng(11)
n, d = 400, 6
mix = rng.normal(size=(d, d)) * np.array([3.0, 2.0, 1.0, 0.5, 0.3, 0.1])
x = (rng.laplace(size=(n, d)) @ mix.T + rng.normal(size=d)).astype(np.float32)

xd = x.astype(np.float64)
mean = xd.mean(axis=0)
c = (xd - mean).T @ (xd - mean) / n
lam, e = np.linalg.eigh(c)
lam, e = lam[::-1], e[:, ::-1]
eps = 1e-5 * lam.mean()
zca = e @ np.diag(1 / np.sqrt(lam + eps)) @ e.T
np.save("tests/ref/patches_x.npy", x)
np.save("tests/ref/patches_zca.npy", zca.astype(np.float32))
np.save("tests/ref/patches_eigenvalues.npy", lam.astype(np.float32))
print("zca[0,:3]", zca[0, :3], "eigenvalues", lam)
