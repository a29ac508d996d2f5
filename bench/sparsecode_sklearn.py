#!/usr/bin/python3
"""scikit-learn's MiniBatchDictionaryLearning on the same patches as
`cajal sparsecode` (bench/run_sparsecode.sh), and the final objective of
both dictionaries measured the same way.

    sparsecode_sklearn.py PATCHES.npy ATOMS LAMBDA BATCH EPOCHS CAJAL_BASIS.npy

sklearn's dictionary-learning objective is 1/2||X - U V||_F^2 + alpha
||U||_1,1 per sample, the same as cajal's, so alpha = lambda (its Lasso
class, which divides the squared error by n, is another convention).
max_iter = EPOCHS passes of batches of BATCH. The objective of each
dictionary is the mean over the first 5,000 patches of 1/2||x - aD||^2 +
lambda ||a||_1 with codes from sklearn's sparse_encode (lasso_cd, the
same lasso solved to its tolerance), so both are scored by one solver."""
import sys
import time

import numpy as np
from sklearn.decomposition import MiniBatchDictionaryLearning, sparse_encode

x = np.load(sys.argv[1]).astype(np.float64)
k, lam, batch, epochs = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t0 = time.perf_counter()
m = MiniBatchDictionaryLearning(n_components=k, alpha=lam, batch_size=batch, max_iter=epochs,
                                fit_algorithm="cd", transform_algorithm="lasso_cd", random_state=1,
                                shuffle=True, tol=0, max_no_improvement=None)
m.fit(x)
secs = time.perf_counter() - t0


def objective(D):
    D = D / np.linalg.norm(D, axis=1, keepdims=True)
    xs = x[:5000]
    a = sparse_encode(xs, D, algorithm="lasso_cd", alpha=lam, max_iter=2000)
    r = xs - a @ D
    return np.mean(0.5 * (r * r).sum(1) + lam * np.abs(a).sum(1)), np.mean(a != 0)


o_s, nz_s = objective(m.components_)
o_c, nz_c = objective(np.load(sys.argv[6]).astype(np.float64))
print(f"sklearn_seconds {secs:.2f}")
print(f"sklearn_objective {o_s:.6g} {nz_s:.4f}")
print(f"cajal_objective {o_c:.6g} {nz_c:.4f}")
