#!/usr/bin/python3
"""One round of layer-wise magnitude pruning in NumPy, as
bench/bench_prune.c times it in cajal: the 784-256-256-10 MLP's weight
tensors, 20% of each hidden tensor's kept weights and 10% of the output
layer's, ties broken by position (np.lexsort). Prints "numpy_select_ms"
(fastest of 5 repeats). Usage: prune_numpy.py"""
import time

import numpy as np

rng = np.random.default_rng(1)
shapes = [(256, 784), (256, 256), (10, 256)]
weights = [rng.uniform(-1, 1, s).astype(np.float32) / np.sqrt(s[1]) for s in shapes]


def prune(w, mask, rate):
    kept = np.flatnonzero(mask)
    k = int(np.floor(rate * kept.size + 0.5))
    order = np.lexsort((kept, np.abs(w.ravel()[kept])))
    mask[kept[order[:k]]] = 0


best = float("inf")
for _ in range(5):
    masks = [np.ones(w.size, np.float32) for w in weights]
    t0 = time.process_time()
    for i, (w, m) in enumerate(zip(weights, masks)):
        prune(w, m, 0.1 if i == 2 else 0.2)
    best = min(best, time.process_time() - t0)
print(f"numpy_select_ms {1e3 * best:.3f}")
