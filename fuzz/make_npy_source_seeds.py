#!/usr/bin/python3
"""make_npy_source_seeds.py - seed inputs for fuzz/fuzz_npy_source.c.

Run from the project root (NumPy only):

    /usr/bin/python3 fuzz/make_npy_source_seeds.py

Each seed is one flags byte (bit 0 sequence; bits 1-2: 0 labels, 1 targets,
2 counts; bit 3 mask) and up to three .npy files (inputs, targets, mask),
each as a 2-byte little-endian length and the file's bytes: valid data sets
of every kind the source reads, and a few it must refuse.
"""
import io
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "npy_source")


def npy(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def seed(name, flags, *arrays):
    data = bytes([flags]) + b"".join(struct.pack("<H", len(b)) + b for b in map(npy, arrays))
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    r = np.random.default_rng(1)
    x = r.standard_normal((6, 4)).astype(np.float32)
    seed("seed_static_labels", 0, x, np.array([0, 1, 2, 1, 0, 2], dtype=np.int64))
    seed("seed_images_u8", 0, r.integers(0, 255, (3, 4, 5), dtype=np.uint8), np.array([1, 0, 1], dtype=np.int32))
    seed("seed_nchw_targets", 2, r.standard_normal((2, 2, 3, 3)).astype(np.float32),
         r.standard_normal((2, 3)).astype(np.float64))
    seed("seed_counts_mask", 4 | 8, x, r.poisson(2.0, (6, 3)).astype(np.int32),
         np.array([1, 0, 1, 1, 0.5, 1], dtype=np.float32))
    seq = r.standard_normal((3, 5, 2)).astype(np.float32)
    seed("seed_sequence_step_labels", 1 | 8, seq, r.integers(0, 3, (3, 5)), np.ones((3, 5), dtype=bool))
    seed("seed_sequence_step_counts", 1 | 4, seq, r.poisson(1.0, (3, 5, 2)).astype(np.float32))
    seed("seed_sequence_last_targets", 1 | 2, seq, r.standard_normal((3, 2)).astype(np.float32))
    seed("seed_fractional_labels", 0, x, np.array([0, 1.5, 2, 1, 0, 2]))
    seed("seed_negative_counts", 4, x, -np.ones((6, 2), dtype=np.float32))
    seed("seed_mismatched_n", 0, x, np.array([0, 1, 2], dtype=np.int64))
    seed("seed_nan_input", 0, np.full((2, 2), np.nan, dtype=np.float32), np.array([0, 1]))


if __name__ == "__main__":
    main()
