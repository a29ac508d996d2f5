#!/usr/bin/python3
"""make_recurrent_refs.py - reference tensors for tests/test_recurrent.c.

Run from the project root with Debian's python3-torch and python3-numpy:

    /usr/bin/python3 tools/make_recurrent_refs.py

It rewrites tests/ref/recurrent/<case>.safetensors, one file per case:

    rnn_tanh, rnn_relu   torch.nn.RNN: cajal's rate RNN with alpha = 1, no
                         noise. The initial STATE x0 is stored and PyTorch
                         gets h0 = f(x0) (recurrent.h's convention), so
                         grad.x0 = dL/dh0 * f'(x0) comes from autograd.
    gru, lstm            torch.nn.GRU, torch.nn.LSTM.
    rate_softplus,       the rate RNN with alpha = 0.2 and noise: forward in
    rate_tanh            NumPy, gradients by autograd of the same loop
                         written in torch (the C test adds finite differences).

Each file holds the inputs (input [T, B, I], x0 or h0/c0 [1, B, H], noise,
the parameters under PyTorch's names weight_ih_l0, weight_hh_l0,
bias_ih_l0, bias_hh_l0), the upstream gradients (dout [T, B, H] of the
hidden sequence, dx_n / dh_n / dc_n [1, B, H] of the final states), the
outputs (output, x_n / h_n / c_n) and grad.<name> for the input, initial
state(s) and every parameter, for the loss

    L = sum(output * dout) + sum(final state * its upstream gradient).

Inputs and parameters are float32 (as cajal's); everything is computed in
float64. Seeds are fixed and the run is deterministic. The files are small
(T = 7, B = 3, I = 4, H = 6). The *_wide cases (T = 4, B = 11, I = 11,
H = 40) are large enough for whole register tiles of the per-step product
(src/nn/recurrent_gemm.c: 8 or 6 rows by 32, 16 or 8 columns) plus its edges.
The *_long cases (T = 60, B = 5) take the backward pass's weight gradients
in more than one chunk of steps (about 256 rows each, src/nn/recurrent_common.h).
"""
import json
import os
import sys
import struct

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_out  # noqa: E402  (the shared writer, beside this script)
import torch

T, B, I, H = 7, 3, 4, 6
WIDE = (4, 11, 11, 40)  # T, B, I, H of the *_wide cases
LONG = (60, 5, 3, 6)    # T, B, I, H of the *_long cases
ALPHA = 0.2
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref",
                       "recurrent")
PARAMS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def write_safetensors(path, tensors):
    """Write {name: array} as float32 safetensors, atomically (safetensors_out.py)."""
    return safetensors_out.write_safetensors(path, tensors, "tools/make_recurrent_refs.py")


def f32(*shape, scale=1.0):
    """Random float32 values, returned as float64 (exactly representable)."""
    return (torch.randn(*shape) * scale).float().double()


def leaf(t):
    return t.clone().requires_grad_(True)


ACT = {"tanh": torch.tanh, "relu": torch.relu, "softplus": torch.nn.functional.softplus}


def torch_module_case(name, seed, sizes=(T, B, I, H)):
    T, B, I, H = sizes  # noqa: F841 (shadows the module's sizes)
    torch.manual_seed(seed)
    if name.startswith("rnn_"):
        nl = name[4:]
        mod = torch.nn.RNN(I, H, nonlinearity=nl)
    elif name == "gru":
        mod = torch.nn.GRU(I, H)
    else:
        mod = torch.nn.LSTM(I, H)
    # Default init is U(-1/sqrt(H), 1/sqrt(H)); twice that makes the gates
    # saturate more and the test sharper.
    with torch.no_grad():
        for p in mod.parameters():
            p.mul_(2.0)
    mod = mod.double()
    params = {k: leaf(getattr(mod, k).detach()) for k in PARAMS}
    for k in PARAMS:
        setattr(mod, k, torch.nn.Parameter(params[k].detach().clone()))
    x = leaf(f32(T, B, I))
    dout = f32(T, B, H)
    out = {"input": x}
    if name.startswith("rnn_"):
        x0 = leaf(f32(1, B, H))
        h0 = ACT[nl](x0)
        y, _ = mod(x, h0)
        # x_T = W_ih u_T + b_ih + W_hh r_{T-1} + b_hh, by hand (torch.nn.RNN
        # only returns r_T = f(x_T)).
        r_prev = y[-2] if T > 1 else h0[0]
        x_n = (x[-1] @ mod.weight_ih_l0.T + mod.bias_ih_l0 + r_prev @ mod.weight_hh_l0.T +
               mod.bias_hh_l0)[None]
        dx_n = f32(1, B, H)
        loss = (y * dout).sum() + (x_n * dx_n).sum()
        out.update(x0=x0, dout=dout, dx_n=dx_n, output=y, x_n=x_n)
        states = {"x0": x0}
    elif name == "gru":
        h0 = leaf(f32(1, B, H))
        dh_n = f32(1, B, H)
        y, h_n = mod(x, h0)
        loss = (y * dout).sum() + (h_n * dh_n).sum()
        out.update(h0=h0, dout=dout, dh_n=dh_n, output=y, h_n=h_n)
        states = {"h0": h0}
    else:
        h0, c0 = leaf(f32(1, B, H)), leaf(f32(1, B, H))
        dh_n, dc_n = f32(1, B, H), f32(1, B, H)
        y, (h_n, c_n) = mod(x, (h0, c0))
        loss = (y * dout).sum() + (h_n * dh_n).sum() + (c_n * dc_n).sum()
        out.update(h0=h0, c0=c0, dout=dout, dh_n=dh_n, dc_n=dc_n, output=y, h_n=h_n, c_n=c_n)
        states = {"h0": h0, "c0": c0}
    mp = dict(mod.named_parameters())
    loss.backward()
    for k in PARAMS:
        out[k] = params[k]
        out["grad." + k] = mp[k].grad
    out["grad.input"] = x.grad
    for k, v in states.items():
        out["grad." + k] = v.grad
    return out


def numpy_rate_forward(u, x0, noise, w_ih, w_hh, b_ih, b_hh, f, alpha):
    """Song et al. 2016 eq. 1, Euler steps, in float64 NumPy."""
    act = {"tanh": np.tanh, "softplus": lambda v: np.logaddexp(0.0, v)}[f]
    x = x0.copy()
    r = act(x)
    ys = []
    for t in range(u.shape[0]):
        x = (1 - alpha) * x + alpha * (r @ w_hh.T + u[t] @ w_ih.T + b_ih + b_hh + noise[t])
        r = act(x)
        ys.append(r)
    return np.stack(ys), x


def rate_case(f, seed):
    torch.manual_seed(seed)
    k = 1.0 / np.sqrt(H)
    params = {"weight_ih_l0": leaf((torch.rand(H, I) * 2 - 1).double() * 2 * k),
              "weight_hh_l0": leaf(f32(H, H, scale=1.5 / np.sqrt(H))),  # g = 1.5: rich dynamics
              "bias_ih_l0": leaf((torch.rand(H) * 2 - 1).double() * k),
              "bias_hh_l0": leaf((torch.rand(H) * 2 - 1).double() * k)}
    params = {n: leaf(v.detach().float().double()) for n, v in params.items()}
    u, x0 = leaf(f32(T, B, I)), leaf(f32(1, B, H))
    noise = f32(T, B, H, scale=0.3)
    dout, dx_n = f32(T, B, H), f32(1, B, H)
    p = params
    act = ACT[f]
    x = x0[0]
    r = act(x)
    ys = []
    for t in range(T):
        pre = r @ p["weight_hh_l0"].T + u[t] @ p["weight_ih_l0"].T + p["bias_ih_l0"] + \
            p["bias_hh_l0"] + noise[t]
        x = (1 - ALPHA) * x + ALPHA * pre
        r = act(x)
        ys.append(r)
    y, x_n = torch.stack(ys), x[None]
    (((y * dout).sum()) + (x_n * dx_n).sum()).backward()
    y_np, xn_np = numpy_rate_forward(u.detach().numpy(), x0[0].detach().numpy(), noise.numpy(),
                                     *(p[n].detach().numpy() for n in PARAMS), f, ALPHA)
    # The NumPy forward is the reference written out; autograd's loop must agree.
    assert np.allclose(y_np, y.detach().numpy(), rtol=0, atol=1e-12)
    out = {"input": u, "x0": x0, "noise": noise, "alpha": torch.tensor([ALPHA]), "dout": dout,
           "dx_n": dx_n, "output": y_np, "x_n": xn_np[None]}
    for n in PARAMS:
        out[n] = p[n]
        out["grad." + n] = p[n].grad
    out["grad.input"], out["grad.x0"] = u.grad, x0.grad
    return out


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    cases = [(n, lambda n=n, s=s: torch_module_case(n, s))
             for s, n in enumerate(["rnn_tanh", "rnn_relu", "gru", "lstm"], start=2000)]
    cases += [("rate_softplus", lambda: rate_case("softplus", 3000)),
              ("rate_tanh", lambda: rate_case("tanh", 3001))]
    cases += [(n + "_wide", lambda n=n, s=s: torch_module_case(n, s, WIDE))
              for s, n in enumerate(["rnn_tanh", "gru", "lstm"], start=4000)]
    cases += [(n + "_long", lambda n=n, s=s: torch_module_case(n, s, LONG))
              for s, n in enumerate(["rnn_tanh", "gru", "lstm"], start=5000)]
    total = 0
    for name, make in cases:
        n = write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), make())
        total += n
        print(f"{name}: {n} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
