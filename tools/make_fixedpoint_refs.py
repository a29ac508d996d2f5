#!/usr/bin/python3
"""make_fixedpoint_refs.py — reference fixed points for tests/test_fixedpoints.c.

For four small networks with given float32 weights and a constant input u,
finds every fixed point reachable from a set of initial states with
scipy.optimize.fsolve (MINPACK's hybrd, a method unrelated to the C code's
Levenberg–Marquardt), merges them, and writes each point with the Jacobian
dF/dx and its eigenvalues (numpy.linalg.eig) sorted by magnitude:

  rnn   cajal "rnn 12 tau=100 dt=20": x' = (1-a) x + a (W tanh(x) + W_ih u + b), a = 0.2
  dale  cajal "rnn 10 nonlinearity=relu alpha=0.5 dale=true": W_eff = [W]+ D,
        the first round(0.8 H) = 8 columns excitatory (rnn_layer.c)
  gru   torch.nn.GRUCell in float64, state h
  lstm  torch.nn.LSTMCell in float64, state [h, c]; Jacobians by torch.autograd

Weights are stored as float32 values (printed exactly) so that the C side
loads the same numbers; everything else is float64.

Run from the project root:  /usr/bin/python3 tools/make_fixedpoint_refs.py
Writes tests/ref/fixedpoints/{rnn,dale,gru,lstm}.txt in the format of
tests/ref_text.h.
"""
import os

import numpy as np
import scipy.optimize
import torch

OUT = "tests/ref/fixedpoints"
TOL_RES = 1e-12   # max |F(x) - x| for a root to count
TOL_SAME = 1e-6   # roots closer than this are one


def f32(a):
    return np.asarray(a, dtype=np.float32)


def find_roots(F, J, inits, bound=np.inf, n_bounded=None):
    roots = []
    for x0 in inits:
        x, info, ier, _ = scipy.optimize.fsolve(lambda v: F(v) - v,
                                                x0, fprime=lambda v: J(v) - np.eye(len(v)),
                                                full_output=True, xtol=1e-14)
        if ier != 1 or np.max(np.abs(F(x) - x)) > TOL_RES or np.max(np.abs(x[:n_bounded])) >= bound:
            continue
        if all(np.linalg.norm(x - r) > TOL_SAME for r in roots):
            roots.append(x)
    # A fixed order (the C test matches points by distance, not order).
    roots.sort(key=lambda r: tuple(np.round(r, 6)))
    return roots


def describe(F, J, roots):
    eig_re, eig_im, jacs = [], [], []
    for r in roots:
        j = J(r)
        lam = np.linalg.eigvals(j)
        order = sorted(range(len(lam)), key=lambda k: (-abs(lam[k]), -lam[k].real, -lam[k].imag))
        lam = lam[order]
        eig_re.append(lam.real)
        eig_im.append(lam.imag)
        jacs.append(j)
    return eig_re, eig_im, jacs


def write(name, blocks):
    path = os.path.join(OUT, name + ".txt")
    with open(path, "w") as f:
        f.write("# tools/make_fixedpoint_refs.py: %s\n" % name)
        for key, vals in blocks:
            vals = np.asarray(vals, dtype=np.float64).ravel()
            f.write("%s %d\n" % (key, vals.size))
            f.write(" ".join(repr(float(v)) for v in vals) + "\n")
    print(path, ", ".join("%s[%d]" % (k, np.asarray(v).size) for k, v in blocks))


def rate_net(name, rng, H, I, alpha, f, df, gain, dale_n_exc, n_inits, init_sd, bias_sd, u_scale):
    w_ih = f32(rng.uniform(-1, 1, (H, I)) / np.sqrt(I))
    if dale_n_exc:
        w_hh = f32(np.abs(rng.normal(0, gain / np.sqrt(H), (H, H))))
        sign = np.where(np.arange(H) < dale_n_exc, 1.0, -1.0)
        # balance: inhibitory columns stronger, as rnn_layer.c's init
        w_hh[:, dale_n_exc:] *= np.float32(dale_n_exc / (H - dale_n_exc))
        w_eff = np.maximum(w_hh.astype(np.float64), 0) * sign[None, :]
    else:
        w_hh = f32(rng.normal(0, gain / np.sqrt(H), (H, H)))
        w_eff = w_hh.astype(np.float64)
    b_ih = f32(rng.normal(0, bias_sd, H))
    b_hh = f32(rng.normal(0, bias_sd, H))
    u = f32(rng.uniform(-u_scale, u_scale, I))
    c = w_ih.astype(np.float64) @ u.astype(np.float64) + b_ih + b_hh.astype(np.float64)

    def F(x):
        return (1 - alpha) * x + alpha * (w_eff @ f(x) + c)

    def J(x):
        return (1 - alpha) * np.eye(H) + alpha * w_eff * df(x)[None, :]

    inits = rng.normal(0, init_sd, (n_inits, H))
    roots = find_roots(F, J, inits)
    eig_re, eig_im, jacs = describe(F, J, roots)
    write(name, [("w_ih", w_ih), ("w_hh", w_hh), ("b_ih", b_ih), ("b_hh", b_hh), ("u", u),
                 ("init", inits), ("n_fp", [len(roots)]), ("fp", roots), ("eig_re", eig_re),
                 ("eig_im", eig_im), ("jac", jacs)])


def torch_net(name, rng, cell_cls, H, I, scale, n_inits, init_sd):
    torch.manual_seed(0)
    cell = cell_cls(I, H).double()
    k = scale / np.sqrt(H)
    params = {}
    for pname, p in cell.named_parameters():
        v = f32(rng.uniform(-k, k, tuple(p.shape)))
        params[pname] = v
        with torch.no_grad():
            p.copy_(torch.from_numpy(v.astype(np.float64)))
    u = f32(rng.uniform(-1, 1, I))
    ut = torch.from_numpy(u.astype(np.float64))[None, :]
    lstm = cell_cls is torch.nn.LSTMCell

    def step(s):
        if lstm:
            h, c = cell(ut, (s[None, :H], s[None, H:]))
            return torch.cat([h[0], c[0]])
        return cell(ut, s[None, :])[0]

    def F(x):
        with torch.no_grad():
            return step(torch.from_numpy(np.asarray(x, dtype=np.float64))).numpy()

    def J(x):
        return torch.autograd.functional.jacobian(step, torch.from_numpy(np.asarray(x, dtype=np.float64))).numpy()

    N = 2 * H if lstm else H
    inits = rng.normal(0, init_sd, (n_inits, N))
    # h' is a convex combination of h and values in (-1, 1) (GRU), or
    # o tanh(c') (LSTM), so h stays in the cube |h| < 1; outside it a GRU's
    # saturated update gate makes F(h) = h to rounding, which is no
    # fixed point of the network. Only roots inside count.
    roots = find_roots(F, J, inits, bound=1.0, n_bounded=H)
    eig_re, eig_im, jacs = describe(F, J, roots)
    write(name, [("w_ih", params["weight_ih"]), ("w_hh", params["weight_hh"]), ("b_ih", params["bias_ih"]),
                 ("b_hh", params["bias_hh"]), ("u", u), ("init", inits), ("n_fp", [len(roots)]),
                 ("fp", roots), ("eig_re", eig_re), ("eig_im", eig_im), ("jac", jacs)])


def main():
    os.makedirs(OUT, exist_ok=True)
    # One seed per network, so that each can be changed alone.
    tanh_df = lambda x: 1 - np.tanh(x) ** 2
    # alpha as the layer holds it: a float, dt/tau = 20f/100f
    rate_net("rnn", np.random.default_rng(1), H=12, I=3, alpha=float(np.float32(20) / np.float32(100)), f=np.tanh, df=tanh_df, gain=2.0,
             dale_n_exc=0, n_inits=64, init_sd=2.0, bias_sd=0.05, u_scale=0.1)
    relu = lambda x: np.maximum(x, 0)
    relu_df = lambda x: (x > 0).astype(np.float64)
    rate_net("dale", np.random.default_rng(3), H=10, I=2, alpha=0.5, f=relu, df=relu_df, gain=0.5,
             dale_n_exc=8, n_inits=32, init_sd=1.0, bias_sd=0.5, u_scale=1.0)
    torch_net("gru", np.random.default_rng(4), torch.nn.GRUCell, H=6, I=2, scale=4.0, n_inits=256, init_sd=1.0)
    torch_net("lstm", np.random.default_rng(5), torch.nn.LSTMCell, H=5, I=2, scale=3.0, n_inits=64,
              init_sd=1.0)

if __name__ == "__main__":
    main()
