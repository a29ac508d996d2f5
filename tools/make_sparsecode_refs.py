#!/usr/bin/python3
"""Reference codes for tests/test_sparsecode.c: a fixed unit-norm
dictionary D [k, d], samples X [n, d], and the lasso codes of every sample
by scikit-learn's coordinate-descent Lasso, plain and positive=True,
written to tests/ref/sparsecode_*.npy. Run from the project root:
    /usr/bin/python3 tools/make_sparsecode_refs.py
cajal minimises 1/2||x - a D||^2 + lam ||a||_1 per sample; sklearn's
Lasso minimises 1/(2 n_samples)||y - X w||^2 + alpha ||w||_1 with the d
pixels as its samples, so alpha = lam / d gives the same minimiser."""
import numpy as np
from sklearn.linear_model import Lasso

rng = np.random.default_rng(2026)
k, d, n, lam = 12, 10, 16, 0.1   # overcomplete, so the L1 term matters
D = rng.normal(size=(k, d))
D /= np.linalg.norm(D, axis=1, keepdims=True)
X = rng.normal(size=(n, d))
codes, pos = np.zeros((n, k)), np.zeros((n, k))
for i in range(n):
    for out, positive in ((codes, False), (pos, True)):
        m = Lasso(alpha=lam / d, fit_intercept=False, positive=positive, tol=1e-12, max_iter=200000)
        m.fit(D.T, X[i])
        out[i] = m.coef_
np.save("tests/ref/sparsecode_dict.npy", D.astype(np.float32))
np.save("tests/ref/sparsecode_x.npy", X.astype(np.float32))
np.save("tests/ref/sparsecode_lasso.npy", codes.astype(np.float32))
np.save("tests/ref/sparsecode_lasso_pos.npy", pos.astype(np.float32))
print("non-zeros", (codes != 0).mean(), "positive", (pos != 0).mean())
