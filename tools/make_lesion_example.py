#!/usr/bin/env python3
"""The held-out data of the lesion example in docs/results_brain.md ("Virtual
lesions of the CNN"): the first 10,000 Fashion-MNIST *training* images and
labels under the test-set names `cajal lesion --data DIR` reads, so units can
be ranked on data the lesions are not then measured on. Run from the project
root with /usr/bin/python3 (standard library only):

    tools/make_lesion_example.py      # runs/fmnist_train10k/t10k-{images-idx3,labels-idx1}-ubyte.gz
"""
import gzip
import os

SRC = "/usr/share/datasets/fashion-mnist"
OUT = "runs/fmnist_train10k"
N = 10000


def head(src, dst, header, item):
    """The IDX file src cut to its first N items (header bytes, then N * item bytes)."""
    data = gzip.open(src).read()
    h = bytearray(data[:header])
    h[4:8] = N.to_bytes(4, "big")  # the first dimension: the count
    with open(dst, "wb") as f:
        f.write(gzip.compress(bytes(h) + data[header:header + N * item]))


os.makedirs(OUT, exist_ok=True)
head(f"{SRC}/train-images-idx3-ubyte.gz", f"{OUT}/t10k-images-idx3-ubyte.gz", 16, 28 * 28)
head(f"{SRC}/train-labels-idx1-ubyte.gz", f"{OUT}/t10k-labels-idx1-ubyte.gz", 8, 1)
print(f"{OUT}: the first {N} training images and labels")
