#!/usr/bin/python3
"""Reference masks for tests/test_prune.c: iterative magnitude pruning
(Frankle & Carbin 2019) of three weight tensors over four rounds, by NumPy,
written to tests/ref/prune/. Run from the project root:
    /usr/bin/python3 tools/make_prune_refs.py

Weights are multiples of 1/8, so many magnitudes tie: ties go to the earlier
tensor, then the lower index (np.lexsort on (position, |w|)). Each round
takes new weights (as retraining would give) and prunes within the previous
round's mask: round(rate * kept) of the kept entries, halves up, the hidden
tensors at 0.2 and the last (output) tensor at 0.1, either each tensor on
its own (layer) or the hidden tensors ranked together (global)."""
import numpy as np

rng = np.random.default_rng(5)
sizes = [12 * 8, 6 * 12, 3 * 6]
rounds, rate, out_rate = 4, 0.2, 0.1
total = sum(sizes)
w = (np.round(rng.normal(size=(rounds, total)) * 8) / 8).astype(np.float32)
starts = np.cumsum([0] + sizes)


def prune(wr, mask, parts, rate):
    """Remove round(rate * kept) kept entries of the parts (index arrays
    into the flat vector, ranked together) with the smallest |w|."""
    idx = np.concatenate(parts)
    kept = idx[mask[idx] == 1]
    k = int(np.floor(rate * len(kept) + 0.5))
    order = np.lexsort((kept, np.abs(wr[kept])))  # |w| first, then position
    mask[kept[order[:k]]] = 0


def run(scope):
    mask = np.ones(total, np.float32)
    out = []
    tensors = [np.arange(starts[i], starts[i + 1]) for i in range(3)]
    for r in range(rounds):
        prune(w[r], mask, [tensors[2]], out_rate)
        if scope == "layer":
            prune(w[r], mask, [tensors[0]], rate)
            prune(w[r], mask, [tensors[1]], rate)
        else:
            prune(w[r], mask, tensors[:2], rate)
        out.append(mask.copy())
    return np.array(out, np.float32)


np.save("tests/ref/prune/weights.npy", w)
np.save("tests/ref/prune/sizes.npy", np.array(sizes, np.int64))
for scope in ("layer", "global"):
    m = run(scope)
    np.save(f"tests/ref/prune/masks_{scope}.npy", m)
    print(scope, "kept per round and tensor:",
          [[int(m[r, starts[i]:starts[i + 1]].sum()) for i in range(3)] for r in range(rounds)])
