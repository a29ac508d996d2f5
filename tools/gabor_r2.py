#!/usr/bin/python3
"""Stand-in Gabor fit for `cajal sparsecode` dictionaries until the C
receptive-field analysis (include/cajal/gabor.h, branch `ica`) is merged:
fits g(x, y) = A exp(-(u^2/(2 sx^2) + v^2/(2 sy^2))) cos(2 pi f u + phi),
u, v the coordinates rotated by theta around (x0, y0), to every atom of a
basis.npy [atoms, S*S] by least squares (scipy), started from the atom's
peak |value| and its Fourier peak, and prints the fraction with R^2 >= 0.8
and the orientations of those. Measurement only; the tests never run it.
    /usr/bin/python3 tools/gabor_r2.py runs/sc/basis.npy [OUT.csv]"""
import sys

import numpy as np
from scipy.optimize import least_squares

B = np.load(sys.argv[1]).astype(np.float64)
S = int(round(np.sqrt(B.shape[1])))
yy, xx = np.mgrid[0:S, 0:S].astype(np.float64)


def gabor(p):
    a, x0, y0, th, f, ph, sx, sy = p
    u = (xx - x0) * np.cos(th) + (yy - y0) * np.sin(th)
    v = -(xx - x0) * np.sin(th) + (yy - y0) * np.cos(th)
    return a * np.exp(-(u * u / (2 * sx * sx) + v * v / (2 * sy * sy))) * np.cos(2 * np.pi * f * u + ph)


rows = []
for i, b in enumerate(B):
    img = b.reshape(S, S)
    F = np.abs(np.fft.fft2(img))
    F[0, 0] = 0
    ky, kx = np.unravel_index(np.argmax(F), F.shape)
    fy, fx = (ky if ky <= S // 2 else ky - S) / S, (kx if kx <= S // 2 else kx - S) / S
    f0, th0 = np.hypot(fx, fy), np.arctan2(fy, fx)
    py, px = np.unravel_index(np.argmax(np.abs(img)), img.shape)
    best = None
    for ph in (0, np.pi / 2, np.pi, -np.pi / 2):
        for sx in (1.5, 3.0):
            p0 = [np.abs(img).max(), px, py, th0, min(max(f0, 0.02), 0.49), ph, sx, 2 * sx]
            lo = [-np.inf, -2, -2, -np.inf, 0, -np.inf, 0.3, 0.3]
            hi = [np.inf, S + 1, S + 1, np.inf, 0.5, np.inf, S, S]
            try:
                r = least_squares(lambda p: (gabor(p) - img).ravel(), p0, bounds=(lo, hi), max_nfev=400)
            except ValueError:
                continue
            if best is None or r.cost < best.cost:
                best = r
    ss = ((img - img.mean()) ** 2).sum()
    r2 = 1 - 2 * best.cost / ss if ss > 0 else 0
    a, x0, y0, th, f, ph, sx, sy = best.x
    rows.append((i, r2, np.degrees(th) % 180, f, x0, y0, sx, sy))
rows = np.array(rows)
good = rows[:, 1] >= 0.8
print(f"atoms {len(rows)}  R^2 >= 0.8: {good.sum()} ({100 * good.mean():.1f}%)  median R^2 {np.median(rows[:, 1]):.3f}")
h, _ = np.histogram(rows[good, 2], bins=6, range=(0, 180))
print("orientation of the good fits, 30-degree bins from 0:", " ".join(str(v) for v in h))
print(f"spatial frequency of the good fits (cycles/pixel): median {np.median(rows[good, 3]):.3f}")
if len(sys.argv) > 2:
    np.savetxt(sys.argv[2], rows, delimiter=",", fmt="%.5g",
               header="atom,r2,orientation_deg,frequency,x0,y0,sigma_x,sigma_y", comments="")
