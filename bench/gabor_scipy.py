"""SciPy side of bench/run_gabor.sh: the same 2-D Gabor (include/cajal/gabor.h)
fitted by scipy.optimize.least_squares (trust-region reflective, bounds) to
the first N filters of a [n, S*S] .npy, from 8 starts per filter (the
spectrum's peak, the largest pixel, 4 phases x 2 widths; the former
tools/gabor_r2.py). Prints scipy_seconds, scipy_good (R^2 >= 0.8),
scipy_median_r2.
    /usr/bin/python3 bench/gabor_scipy.py FILE.npy N"""
import sys
import time

import numpy as np
from scipy.optimize import least_squares

B = np.load(sys.argv[1]).astype(np.float64)[: int(sys.argv[2])]
S = int(round(np.sqrt(B.shape[1])))
yy, xx = np.mgrid[0:S, 0:S].astype(np.float64)


def gabor(p):
    a, x0, y0, th, f, ph, sx, sy = p
    u = (xx - x0) * np.cos(th) + (yy - y0) * np.sin(th)
    v = -(xx - x0) * np.sin(th) + (yy - y0) * np.cos(th)
    return a * np.exp(-(u * u / (2 * sx * sx) + v * v / (2 * sy * sy))) * np.cos(2 * np.pi * f * u + ph)


t0 = time.perf_counter()
r2s = []
for b in B:
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
            r = least_squares(lambda p: (gabor(p) - img).ravel(), p0, bounds=(lo, hi), max_nfev=400)
            if best is None or r.cost < best.cost:
                best = r
    ss = ((img - img.mean()) ** 2).sum()
    r2s.append(1 - 2 * best.cost / ss if ss > 0 else 0)
t = time.perf_counter() - t0
r2s = np.array(r2s)
print(f"scipy_seconds {t:.4f}\nscipy_good {(r2s >= 0.8).sum()}\nscipy_median_r2 {np.median(r2s):.4f}")
