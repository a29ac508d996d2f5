#!/usr/bin/env python3
"""Inputs for the cka/predict example in docs/results_brain.md ("CKA and
predictivity: a CNN and an MLP on Fashion-MNIST"). Run from the project root with
/usr/bin/python3 (needs NumPy for `responses`):

    tools/make_predict_example.py images     # runs/fm1000-images-idx3-ubyte: the first 1,000 test images
    tools/make_predict_example.py responses  # runs/fm_mlp_4relu_noisy_reps.npy from runs/fm_mlp/acts/4_relu.npy

`responses` makes a stand-in for a recording with repetitions: the MLP's
256 units of its last hidden layer seen 4 times, each time with independent
Gaussian noise of 1.5 times the unit's standard deviation (seed 0), so the
reliability of the 4-repetition mean is 1 / (1 + 1.5^2 / 4) = 0.64 and a
model of the noiseless units should reach a ceiled r near 1.
"""
import gzip
import sys

N = 1000


def images():
    src = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
    data = gzip.open(src).read()
    header = bytearray(data[:16])
    header[4:8] = N.to_bytes(4, "big")  # the image count
    with open("runs/fm1000-images-idx3-ubyte", "wb") as f:
        f.write(bytes(header) + data[16:16 + N * 28 * 28])


def responses():
    import numpy as np
    x = np.load("runs/fm_mlp/acts/4_relu.npy")
    rng = np.random.default_rng(0)
    sd = x.std(0, keepdims=True) + 1e-6
    r = x[:, None, :] + rng.normal(size=(x.shape[0], 4, x.shape[1])) * 1.5 * sd[:, None, :]
    np.save("runs/fm_mlp_4relu_noisy_reps.npy", r.astype(np.float32))


if __name__ == "__main__":
    {"images": images, "responses": responses}[sys.argv[1]]()
