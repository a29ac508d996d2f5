#!/usr/bin/env python3
"""Reference tensors for tests/test_hebbian.c, from an independent NumPy
implementation of

  * reward-modulated Hebbian learning (Miconi 2017, eLife 6:e20899): a rate
    RNN kicked by given sparse perturbations, eligibility traces
    e_ij = sum_t (r_j(t-1) (x_i(t) - xbar_i(t)))^3, the reward baseline per
    trial type, the proposed update -e (R - Rbar) / B for the recurrent
    weights and the delta rule for the readout (src/rules/hebbian.c);
  * node perturbation through time (Fiete & Seung 2006): given noise xi_t
    inside the recurrence and zeta_t on the readout's output, the estimate
    (L(xi) - L(0)) sum_t xi_t r_{t-1}^T / sigma^2 (src/rules/perturbation.c).

Network "rnn 5 nonlinearity=tanh alpha=0.5, dense 3", T = 8 steps, B = 2
trials, 2 inputs, MSE against per-step targets. The test's critic rewards
trial b with R_b = mean_t (y_t[0] - y_t[1]) and calls both trials type 3.

    /usr/bin/python3 tools/make_hebbian_refs.py

writes tests/ref/hebbian/hebbian.safetensors and nptt.safetensors.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_out  # noqa: E402

T, B, NI, NH, NO = 8, 2, 2, 5, 3
ALPHA = 0.5
TRACE_X, TRACE_R = 0.05, 0.75
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "hebbian")


def f32(a):
    """Rounded to float32, as the C side holds it, then computed in double."""
    return np.asarray(a, np.float32).astype(np.float64)


def params(rng):
    b = 1 / np.sqrt(NH)
    p = {
        "0.weight_ih_l0": rng.uniform(-1, 1, (NH, NI)),
        "0.weight_hh_l0": rng.uniform(-1.5, 1.5, (NH, NH)),
        "0.bias_ih_l0": rng.uniform(-b, b, NH),
        "0.bias_hh_l0": rng.uniform(-b, b, NH),
        "1.weight": rng.uniform(-1, 1, (NO, NH)),
        "1.bias": rng.uniform(-0.3, 0.3, NO),
    }
    return {k: f32(v) for k, v in p.items()}


def run(p, x, xi, zeta=None):
    """States x_t and rates r_t (t = 0..T, x_0 = 0) and outputs y_t (t = 1..T)."""
    xs = np.zeros((T + 1, B, NH))
    rs = np.zeros((T + 1, B, NH))
    ys = np.zeros((T, B, NO))
    for t in range(T):
        cur = rs[t] @ p["0.weight_hh_l0"].T + x[t] @ p["0.weight_ih_l0"].T + p["0.bias_ih_l0"] + p["0.bias_hh_l0"]
        xs[t + 1] = (1 - ALPHA) * xs[t] + ALPHA * (cur + xi[t])
        rs[t + 1] = np.tanh(xs[t + 1])
        ys[t] = rs[t + 1] @ p["1.weight"].T + p["1.bias"]
        if zeta is not None:
            ys[t] += zeta[t]
    return xs, rs, ys


def mse_rows(y, target):
    return ((y - target) ** 2).mean(axis=2)  # [T, B]


def hebbian_case(rng, p):
    out = {}
    rbar, seen = np.zeros(64), np.zeros(64)
    for u in range(2):  # two updates: the first trial of type 3 sets the baseline
        x = f32(rng.normal(size=(T, B, NI)))
        target = f32(rng.normal(size=(T, B, NO)))
        kicks = f32(np.where(rng.uniform(size=(T, B, NH)) < 0.3, rng.uniform(-4, 4, (T, B, NH)), 0.0))
        xs, rs, ys = run(p, x, kicks)
        grad = np.zeros((NH, NH))
        for b in range(B):
            xbar = xs[0, b].copy()
            e = np.zeros((NH, NH))
            for t in range(1, T + 1):
                dx = xs[t, b] - xbar
                e += np.outer(dx, rs[t - 1, b]) ** 3
                xbar = TRACE_X * xbar + (1 - TRACE_X) * xs[t, b]
            R = np.mean(ys[:, b, 0] - ys[:, b, 1])
            k = 3
            base = rbar[k] if seen[k] else R
            grad += -(R - base) * e / B
            rbar[k] = TRACE_R * rbar[k] + (1 - TRACE_R) * R if seen[k] else R
            seen[k] = 1
            out[f"u{u}.trace.{b}"] = e
            out[f"u{u}.reward.{b}"] = np.array([R])
            out[f"u{u}.baseline.{b}"] = np.array([base])
        # the clean pass: loss and the readout's delta rule
        _, rc, yc = run(p, x, np.zeros_like(kicks))
        err = 2 * (yc - target) / (NO * T * B)
        out[f"u{u}.loss"] = np.array([mse_rows(yc, target).mean()])
        out[f"u{u}.grad.1.weight"] = np.einsum("tbo,tbh->oh", err, rc[1:])
        out[f"u{u}.grad.1.bias"] = err.sum(axis=(0, 1))
        out[f"u{u}.grad.0.weight_hh_l0"] = grad
        out[f"u{u}.input"] = x
        out[f"u{u}.targets"] = target
        out[f"u{u}.kicks"] = kicks
    out["baseline"] = rbar[3:4].copy()
    return out


def nptt_case(rng, p):
    sigma = 0.1
    x = f32(rng.normal(size=(T, B, NI)))
    target = f32(rng.normal(size=(T, B, NO)))
    xi = f32(rng.normal(0, sigma, (T, B, NH)))
    zeta = f32(rng.normal(0, sigma, (T, B, NO)))
    _, rc, yc = run(p, x, np.zeros_like(xi))
    _, _, yp = run(p, x, xi, zeta)
    lc, lp = mse_rows(yc, target).mean(axis=0), mse_rows(yp, target).mean(axis=0)  # per trial
    coef = (lp - lc) / (sigma ** 2 * B)
    G = coef[None, :, None] * xi  # [T, B, H]
    Z = coef[None, :, None] * zeta
    return {
        "input": x, "targets": target, "noise": np.concatenate([xi.ravel(), zeta.ravel()]),
        "sigma": np.array([sigma]), "loss": np.array([mse_rows(yc, target).mean()]),
        "grad.0.weight_hh_l0": np.einsum("tbi,tbj->ij", G, rc[:-1]),
        "grad.0.weight_ih_l0": np.einsum("tbi,tbj->ij", G, x),
        "grad.0.bias_ih_l0": G.sum(axis=(0, 1)), "grad.0.bias_hh_l0": G.sum(axis=(0, 1)),
        "grad.1.weight": np.einsum("tbo,tbh->oh", Z, rc[1:]), "grad.1.bias": Z.sum(axis=(0, 1)),
    }


def main():
    rng = np.random.default_rng(2017)
    p = params(rng)
    os.makedirs(OUT, exist_ok=True)
    h = dict(p)
    h.update(hebbian_case(rng, p))
    safetensors_out.write_safetensors(os.path.join(OUT, "hebbian.safetensors"),
                                      {k: np.asarray(v, np.float32) for k, v in h.items()},
                                      "tools/make_hebbian_refs.py")
    n = dict(p)
    n.update(nptt_case(rng, p))
    safetensors_out.write_safetensors(os.path.join(OUT, "nptt.safetensors"),
                                      {k: np.asarray(v, np.float32) for k, v in n.items()},
                                      "tools/make_hebbian_refs.py")


if __name__ == "__main__":
    main()
