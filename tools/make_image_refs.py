#!/usr/bin/python3
"""Reference resizes for tests/test_images.c (cj_image_to_input), made with
OpenCV (Debian's python3-opencv), independently of cajal's code:
cv2.resize of float32 RGB images with INTER_AREA when shrinking (the mean
over each output pixel's footprint, partly covered source pixels weighted
by their coverage) and INTER_LINEAR when growing (half-pixel centres,
clamped at the borders, as torch's interpolate(align_corners=False));
grey is 0.299 R + 0.587 G + 0.114 B of the resized channels. (Pillow's
BOX filter is not a reference for shrinking: it counts a source pixel
whole or not at all, by where its centre falls.)
Writes tests/ref/images/resize.txt."""
import os
import numpy as np
import cv2

rng = np.random.default_rng(7)
out_path = os.path.join(os.path.dirname(__file__), "..", "tests", "ref", "images", "resize.txt")
cases = [("shrink", 7, 5, 3, 2), ("ratio", 50, 44, 8, 7), ("grow", 3, 4, 8, 10), ("same", 5, 5, 5, 5)]
lines = ["# cj_image_to_input against OpenCV's INTER_AREA (shrink) / INTER_LINEAR (grow) on float32 images: tools/make_image_refs.py"]
for name, h, w, H, W in cases:
    rgb = rng.random((h, w, 3)).astype(np.float32)
    interp = cv2.INTER_AREA if (H <= h and W <= w) else cv2.INTER_LINEAR
    out3 = np.asarray(cv2.resize(rgb, (W, H), interpolation=interp), dtype=np.float64).transpose(2, 0, 1)
    grey = 0.299 * out3[0] + 0.587 * out3[1] + 0.114 * out3[2]
    for key, arr in [("size", np.array([h, w, H, W])), ("input", rgb), ("rgb", out3), ("grey", grey)]:
        flat = np.asarray(arr, dtype=np.float64).ravel()
        lines.append(f"{name}.{key} {flat.size}")
        lines.append(" ".join(f"{v:.9g}" for v in flat))
with open(out_path, "w") as f:
    f.write("\n".join(lines) + "\n")
