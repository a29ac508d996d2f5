#!/usr/bin/python3
"""scikit-learn's BernoulliRBM on the same binarised Fashion-MNIST as
`cajal train` with model.layers = rbm H (bench/run_rbm.sh).

    rbm_sklearn.py DATA_DIR HIDDEN BATCH EPOCHS LR

BernoulliRBM trains by persistent CD-1 (Tieleman 2008) with plain SGD on
the batch-mean gradient (learning_rate / batch times the summed
statistics), no momentum and no weight decay: cajal runs the same with
rbm.method = pcd, k = 1, momentum 0 and weight decay 0. Pixels are
binarised as cajal does (pixel/255 > 0.5). Prints the fit time and the
mean pseudo-log-likelihood of the test set (score_samples, one flipped
bit per image)."""
import gzip
import sys
import time

import numpy as np
from sklearn.neural_network import BernoulliRBM


def images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    return (np.frombuffer(raw, np.uint8, offset=16).reshape(n, h * w) / 255.0 > 0.5).astype(np.float64)


d, hidden, batch, epochs, lr = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
x = images(f"{d}/train-images-idx3-ubyte.gz")
xt = images(f"{d}/t10k-images-idx3-ubyte.gz")
m = BernoulliRBM(n_components=hidden, learning_rate=lr, batch_size=batch, n_iter=epochs, random_state=1)
t0 = time.perf_counter()
m.fit(x)
secs = time.perf_counter() - t0
print(f"sklearn_seconds {secs:.2f}")
print(f"sklearn_pl_test {m.score_samples(xt).mean():.4f}")
