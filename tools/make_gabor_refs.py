"""Reference Gabor fits for tests/test_gabor.c: a few 16 x 16 Gabors with
Gaussian noise (numpy seed 7) and SciPy's least-squares fit of the same
model (include/cajal/gabor.h), started at the true parameters, so the
reference is the least-squares optimum near the truth, found by an
independent solver (trust-region reflective, scipy.optimize.least_squares).

    /usr/bin/python3 tools/make_gabor_refs.py

writes tests/ref/gabor_filters.npy [4, 256] float32 and
tests/ref/gabor_scipy.npy [4, 9] float64: x0, y0, theta, freq, phase,
sigma_along, sigma_across, amplitude, r2 (the fitted parameters as SciPy
found them, not brought to the canonical ranges; the test compares the
fitted images and R^2)."""
import numpy as np
from scipy.optimize import least_squares

S = 16
yy, xx = np.mgrid[0:S, 0:S].astype(np.float64)


def gabor(p):
    x0, y0, th, f, ph, sa, sc, a = p
    dx, dy = xx - x0, yy - y0
    u = dx * np.cos(th) + dy * np.sin(th)
    v = -dx * np.sin(th) + dy * np.cos(th)
    return a * np.exp(-u**2 / (2 * sc**2) - v**2 / (2 * sa**2)) * np.cos(2 * np.pi * f * u + ph)


cases = [  # x0, y0, theta, freq, phase, sigma_along, sigma_across, amplitude; noise sd
    ([7.2, 8.1, 0.4, 0.16, 0.3, 3.0, 2.0, 1.0], 0.15),
    ([9.5, 6.0, 1.9, 0.22, -1.2, 2.5, 1.6, 1.0], 0.2),
    ([6.0, 9.0, 2.8, 0.11, 2.0, 4.0, 2.5, 1.0], 0.3),
    ([8.0, 7.5, 1.1, 0.28, 1.57, 2.2, 1.4, 1.0], 0.1),
]
rng = np.random.default_rng(7)
filters, fits = [], []
for p, sd in cases:
    img = gabor(p) + sd * rng.standard_normal((S, S))
    img = img.astype(np.float32).astype(np.float64)
    r = least_squares(lambda q: (gabor(q) - img).ravel(), np.array(p), xtol=1e-14, ftol=1e-14, gtol=1e-14,
                      max_nfev=10000)
    r2 = 1 - np.sum(r.fun**2) / np.sum((img - img.mean())**2)
    filters.append(img.ravel().astype(np.float32))
    fits.append(np.concatenate([r.x, [r2]]))
    print(f"case R^2 {r2:.6f}")
np.save("tests/ref/gabor_filters.npy", np.array(filters, dtype=np.float32))
np.save("tests/ref/gabor_scipy.npy", np.array(fits, dtype=np.float64))
