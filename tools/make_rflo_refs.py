#!/usr/bin/python3
"""make_rflo_refs.py - NumPy reference for the RFLO rule (tests/test_rflo.c).

Run from the project root with Debian's python3-numpy:

    /usr/bin/python3 tools/make_rflo_refs.py

An independent NumPy implementation of random feedback local online
learning (Murray 2019) for cajal's rate RNN with a linear readout,
"rnn N alpha=A nonlinearity=F, dense O":

    x_t = (1 - a) x_{t-1} + a (W_hh r_{t-1} + W_ih u_t + b_ih + b_hh),  r_t = f(x_t)
    y_t = W_out r_t + b_out,   e_t = dL/dy_t
    p_t = (1 - a) p_{t-1} + a r_{t-1},  q_t = (1 - a) q_{t-1} + a u_t,  c_t = (1 - a) c_{t-1} + a
    d_t = (e_t B) * f'(x_t)
    dW_hh = sum_t d_t^T p_t,  dW_ih = sum_t d_t^T q_t,  db = sum_t c_t sum_b d_t,
    dx0 = sum_t (1 - a)^t sum_b d_t,  dW_out = sum_t e_t^T r_t,  db_out = sum_t sum_b e_t

written step by step in float64 from the equations (not from cajal's code).
It rewrites tests/ref/rflo/<case>.safetensors with the input, targets, the
parameters under cajal's names ("0.weight_ih_l0", ..., "1.weight"), the
feedback matrix "feedback" [O, N], "loss" and "grad.<name>".

    tanh_mse_per_step       alpha 0.3, MSE against a target at every step
    softplus_ce_last_h0     alpha 0.5, softplus, trained x0 ("0.h0"),
                            cross-entropy against one label at the last step
    tanh_mse_masked         as tanh_mse_per_step with a loss mask [T, B]
                            (sum(mask * row loss) / sum(mask); step 2 all 0)
"""
import json
import os
import sys
import struct

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_out  # noqa: E402  (the shared writer, beside this script)

T, B, I, H, O = 6, 2, 3, 5, 2
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "rflo")


def write_safetensors(path, tensors):
    """Write {name: array} as float32 safetensors, atomically (safetensors_out.py)."""
    return safetensors_out.write_safetensors(path, tensors, "tools/make_rflo_refs.py")


def f32(rng, *shape, scale=1.0):
    """float32-representable random values, as float64."""
    return (rng.standard_normal(shape) * scale).astype(np.float32).astype(np.float64)


F = {
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "softplus": (lambda x: np.logaddexp(0, x), lambda x: 1 / (1 + np.exp(-x))),
}


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def make_case(name, alpha, nl, target, train_h0, seed, masked=False):
    rng = np.random.default_rng(seed)
    f, df = F[nl]
    p = {
        "0.weight_ih_l0": f32(rng, H, I, scale=0.5),
        "0.weight_hh_l0": f32(rng, H, H, scale=0.4),
        "0.bias_ih_l0": f32(rng, H, scale=0.1),
        "0.bias_hh_l0": f32(rng, H, scale=0.1),
    }
    if train_h0:
        p["0.h0"] = f32(rng, H, scale=0.5)
    p["1.weight"] = f32(rng, O, H, scale=0.5)
    p["1.bias"] = f32(rng, O, scale=0.1)
    fb = f32(rng, O, H, scale=0.5)
    u = f32(rng, T, B, I)
    x = np.tile(p["0.h0"], (B, 1)) if train_h0 else np.zeros((B, H))
    ptr, q, c, decay = np.zeros((B, H)), np.zeros((B, I)), 0.0, 1.0
    g = {k: np.zeros_like(v) for k, v in p.items()}
    tensors = {"input": u}
    mask = np.ones((T, B))
    if target == "mse":
        y_target = f32(rng, T, B, O)
        tensors["targets"] = y_target
        if masked:
            mask = rng.integers(0, 2, size=(T, B)).astype(np.float64)
            mask[2] = 0  # a step where nothing counts
            mask[0, 0] = 1
            tensors["mask"] = mask
    else:
        labels = rng.integers(0, O, size=B)
        tensors["labels"] = labels.astype(np.float64)
    loss = 0.0
    for t in range(T):
        r_prev = f(x)
        ptr = (1 - alpha) * ptr + alpha * r_prev
        q = (1 - alpha) * q + alpha * u[t]
        c = (1 - alpha) * c + alpha
        decay *= 1 - alpha
        pre = r_prev @ p["0.weight_hh_l0"].T + u[t] @ p["0.weight_ih_l0"].T + p["0.bias_ih_l0"] + p["0.bias_hh_l0"]
        x = (1 - alpha) * x + alpha * pre
        r = f(x)
        y = r @ p["1.weight"].T + p["1.bias"]
        if target == "mse":
            diff = y - y_target[t]
            # sum over rows of mask * (row mean of squares), / sum(mask)
            loss += (mask[t] * (diff ** 2).mean(axis=1)).sum() / mask.sum()
            e = 2 * diff * mask[t][:, None] / O / mask.sum()
        else:
            if t < T - 1:
                continue
            s = softmax(y)
            loss += -np.log(s[np.arange(B), labels]).mean()
            e = s.copy()
            e[np.arange(B), labels] -= 1
            e /= B
        g["1.weight"] += e.T @ r
        g["1.bias"] += e.sum(axis=0)
        d = (e @ fb) * df(x)
        g["0.weight_hh_l0"] += d.T @ ptr
        g["0.weight_ih_l0"] += d.T @ q
        g["0.bias_ih_l0"] += c * d.sum(axis=0)
        g["0.bias_hh_l0"] += c * d.sum(axis=0)
        if train_h0:
            g["0.h0"] += decay * d.sum(axis=0)
    tensors.update(p)
    tensors["feedback"] = fb
    tensors["loss"] = np.array([loss])
    tensors["alpha"] = np.array([alpha])
    for k, v in g.items():
        tensors["grad." + k] = v
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), tensors)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    make_case("tanh_mse_per_step", 0.3, "tanh", "mse", False, 1)
    make_case("softplus_ce_last_h0", 0.5, "softplus", "ce", True, 2)
    make_case("tanh_mse_masked", 0.3, "tanh", "mse", False, 3, masked=True)
    print("wrote", OUT_DIR)


if __name__ == "__main__":
    main()
