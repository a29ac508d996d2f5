#!/usr/bin/python3
"""Seeds for fuzz/fuzz_images.c: the harness reads its first byte as the
format (even: a PNG in a folder, odd: a .mat file) and the rest as the
file. Two small struct arrays of images as the 92-image set stores them
(stimuli(k).image uint8 [h, w, 3], a category and 0/1 flags; a grey
double one), and a 5x3 RGBA PNG (written by hand: zlib + CRCs)."""
import os, struct, zlib, io
import numpy as np
import scipy.io

out = os.path.join(os.path.dirname(__file__), "..", "fuzz", "corpus", "images")
os.makedirs(out, exist_ok=True)

def mat_bytes(d):
    b = io.BytesIO()
    scipy.io.savemat(b, d, do_compression=False)
    return b.getvalue()

rng = np.random.default_rng(1)
rgb = np.zeros((2,), dtype=[("image", object), ("category", object), ("human", object), ("face", object),
                            ("animal", object), ("natural", object)])
for k in range(2):
    rgb[k] = (rng.integers(0, 256, (4, 3, 3), dtype=np.uint8), "human face" if k == 0 else "fruit",
              np.array([[1 - k]], np.uint8), np.array([[1 - k]], np.uint8), np.array([[1 - k]], np.uint8),
              np.array([[1]], np.uint8))
grey = np.zeros((1,), dtype=[("image", object)])
grey[0] = (rng.random((3, 2)),)
with open(os.path.join(out, "seed_rgb_struct.mat"), "wb") as f:
    f.write(b"\x01" + mat_bytes({"stimuli": rgb}))
with open(os.path.join(out, "seed_grey_struct.mat"), "wb") as f:
    f.write(b"\x01" + mat_bytes({"stim": grey}))

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

w, h = 5, 3
raw = b"".join(b"\x00" + bytes(rng.integers(0, 256, 4 * w, dtype=np.uint8)) for _ in range(h))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) + \
      chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
with open(os.path.join(out, "seed_rgba.png"), "wb") as f:
    f.write(b"\x00" + png)
