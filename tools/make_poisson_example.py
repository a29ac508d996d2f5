#!/usr/bin/python3
"""make_poisson_example.py - spike counts for examples/npy_poisson.ini.

Run from the project root (NumPy only):

    /usr/bin/python3 tools/make_poisson_example.py [--out examples/data/poisson]

It simulates a population of 40 model V1 neurons, each a linear-nonlinear-
Poisson unit (Paninski 2004; Pillow et al. 2008): a Gabor receptive field
k_j (random position, orientation, spatial frequency and phase) filters the
standardised image x, and the count of trial i is

    y_ij ~ Poisson(exp(a_j k_j . x_i + b_j)),

with a_j, b_j set so that each neuron fires about 1.5 spikes per image on
average. The images are the Fashion-MNIST training and test images when
the Debian package (dataset-fashion-mnist) is installed, otherwise
synthetic 28 x 28 images of a few Gaussian blobs each. It writes, as
float32 .npy files,

    train_inputs.npy [6000, 28, 28]   train_counts.npy [6000, 40]
    test_inputs.npy  [1000, 28, 28]   test_counts.npy  [1000, 40]
    filters.npy      [40, 28, 28]     the true receptive fields, to compare
                                      with the trained model's 0.weight

Deterministic: a fixed seed. Nothing here is needed by the tests.
"""
import argparse
import gzip
import os

import numpy as np

SIDE, NEURONS, N_TRAIN, N_TEST = 28, 40, 6000, 1000
FMNIST = "/usr/share/datasets/fashion-mnist"


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(data, np.uint8, n * h * w, 16).reshape(n, h, w).astype(np.float32) / 255


def images(rng):
    """(train, test) images in [0, 1]: Fashion-MNIST, or blobs without it."""
    train = os.path.join(FMNIST, "train-images-idx3-ubyte.gz")
    test = os.path.join(FMNIST, "t10k-images-idx3-ubyte.gz")
    if os.path.exists(train) and os.path.exists(test):
        return read_idx_images(train)[:N_TRAIN], read_idx_images(test)[:N_TEST]
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    out = np.zeros((N_TRAIN + N_TEST, SIDE, SIDE), np.float32)
    for img in out:
        for _ in range(rng.integers(2, 6)):
            cy, cx = rng.uniform(4, SIDE - 4, 2)
            sy, sx = rng.uniform(1.5, 6, 2)
            img += rng.uniform(0.3, 1) * np.exp(-((yy - cy) ** 2 / (2 * sy ** 2) + (xx - cx) ** 2 / (2 * sx ** 2)))
    out = np.clip(out, 0, 1)
    return out[:N_TRAIN], out[N_TRAIN:]


def gabors(rng):
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    k = np.empty((NEURONS, SIDE, SIDE))
    for j in range(NEURONS):
        cy, cx = rng.uniform(7, SIDE - 7, 2)
        theta, phase = rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        sigma, freq = rng.uniform(2, 4), rng.uniform(0.08, 0.2)
        u = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta)
        env = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma ** 2))
        k[j] = env * np.cos(2 * np.pi * freq * u + phase)
        k[j] /= np.linalg.norm(k[j])
    return k


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join("examples", "data", "poisson"))
    args = ap.parse_args()
    rng = np.random.default_rng(2024)
    train, test = images(rng)
    k = gabors(rng)
    mean, sd = train.mean(), train.std()

    def drive(x):
        return ((x - mean) / sd).reshape(len(x), -1) @ k.reshape(NEURONS, -1).T

    g = drive(train)
    # Gain: drive of one standard deviation raises the rate e-fold; bias: mean 1.5 spikes.
    a = 1.0 / g.std(axis=0)
    b = np.log(1.5) - np.log(np.mean(np.exp(a * g), axis=0))
    os.makedirs(args.out, exist_ok=True)
    for name, x in (("train", train), ("test", test)):
        eta = a * drive(x) + b
        counts = rng.poisson(np.exp(eta)).astype(np.float32)
        np.save(os.path.join(args.out, name + "_inputs.npy"), x.astype(np.float32))
        np.save(os.path.join(args.out, name + "_counts.npy"), counts)
        # What objective.name = poisson reports for the true rates (no log y!)
        # and for one constant rate per neuron, the floor and the ceiling of a fit.
        nll = np.mean(np.exp(eta) - counts * eta)
        m = counts.mean(axis=0)
        flat = np.mean(m - counts * np.log(np.maximum(m, 1e-9)))
        print("%s: %d images, %.2f spikes per neuron per image; Poisson loss of the true rates %.4f, "
              "of constant rates %.4f" % (name, len(x), counts.mean(), nll, flat))
    np.save(os.path.join(args.out, "filters.npy"), k.astype(np.float32))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
