#!/usr/bin/python3
"""make_rule_refs.py - NumPy reference updates for tests/test_rules.c.

Run from the project root (NumPy; torch only for a cross-check of backprop):

    /usr/bin/python3 tools/make_rule_refs.py

It writes tests/ref/rules_mlp.txt: the updates each learning rule proposes
for one batch through the network

    cajal spec  "flatten, dense 5, tanh, dense 4, relu, dense 3"
    layers      0 Flatten, 1 Linear(6, 5), 2 Tanh, 3 Linear(5, 4), 4 ReLU,
                5 Linear(4, 3)

on 1x2x3 inputs, batch 4, softmax cross-entropy (mean over the batch). The
maths is written here from the papers' equations in the column-free
"batch x features" form, not translated from src/rules/:

    forward     a1 = x W1^T + b1, h1 = tanh a1, a3 = h1 W3^T + b3,
                h3 = relu a3, z = h3 W5^T + b5
    error       e = dL/dz = (softmax(z) - onehot(y)) / batch
    bp          delta5 = e, delta3 = (delta5 W5) * relu'(a3),
                delta1 = (delta3 W3) * tanh'(a1); dW = delta^T h_below,
                db = sum over the batch of delta
    fa          (Lillicrap et al. 2016) the same with W5, W3 replaced by fixed
                random B5, B3 of the same shapes in the backward pass only
    sign_sym    (Liao et al. 2016) B = sign(W) * mean|W| of that layer
    dfa         (Nokland 2016) delta3 = (e D3) * relu'(a3),
                delta1 = (e D1) * tanh'(a1); D3 is [3, 4], D1 is [3, 5]
                (n_outputs x the next Linear's input); the output layer gets e
    kp          (Akrout et al. 2019) deltas through B as for fa, then
                dW = delta^T h + lambda W, dB = delta^T h + lambda B (biases
                get delta only); plain SGD moves W -= eta dW, b -= eta db,
                B -= eta dB. Recorded: the first proposal, B after one step,
                and W, b, B after KP_STEPS steps.

The backprop gradient is checked here against central finite differences in
float64 and against torch.autograd before anything is written.

File format (read by tests/test_rules.c): a first comment line starting with
'#', then blocks "name count" followed by count whitespace-separated numbers.
Parameter vectors are flat in cajal's layout: W1, b1, W3, b3, W5, b5
(PyTorch's [out, in] row-major weights). Inputs, weights and feedback
matrices are float32 values, so both sides start from identical numbers; the
reference itself is computed in float64.
"""
import os

import numpy as np

BATCH, N_IN, H1, H3, N_OUT = 4, 6, 5, 4, 3
KP_LAMBDA, KP_ETA, KP_STEPS = 0.5, 0.2, 3
OUT = os.path.join("tests", "ref", "rules_mlp.txt")


def f32(a):
    """Round to float32 values, then compute in float64."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def uniform(rng, shape, bound):
    return f32(rng.uniform(-bound, bound, size=shape))


def forward(p, x):
    W1, b1, W3, b3, W5, b5 = p
    a1 = x @ W1.T + b1
    h1 = np.tanh(a1)
    a3 = h1 @ W3.T + b3
    h3 = np.maximum(a3, 0.0)
    z = h3 @ W5.T + b5
    return a1, h1, a3, h3, z


def cross_entropy(z, y):
    """Mean softmax cross-entropy and its gradient e = dL/dz."""
    zm = z - z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(zm).sum(axis=1, keepdims=True))
    logp = zm - lse
    loss = -logp[np.arange(len(y)), y].mean()
    e = np.exp(logp)
    e[np.arange(len(y)), y] -= 1.0
    return loss, e / len(y)


def local_grads(d1, d3, d5, x, h1, h3):
    """dW = delta^T (input of the layer), db = sum_batch delta, flat."""
    return np.concatenate([
        (d1.T @ x).ravel(), d1.sum(0), (d3.T @ h1).ravel(), d3.sum(0),
        (d5.T @ h3).ravel(), d5.sum(0)])


def layered_update(p, x, y, F3, F5):
    """Error sent down layer by layer through F3, F5 (W for bp, B for fa)."""
    a1, h1, a3, h3, z = forward(p, x)
    loss, e = cross_entropy(z, y)
    d5 = e
    d3 = (d5 @ F5) * (a3 > 0)
    d1 = (d3 @ F3) * (1.0 - np.tanh(a1) ** 2)
    return loss, local_grads(d1, d3, d5, x, h1, h3)


def dfa_update(p, x, y, D1, D3):
    """Nokland 2016: every hidden layer gets e through its own fixed D."""
    a1, h1, a3, h3, z = forward(p, x)
    loss, e = cross_entropy(z, y)
    d3 = (e @ D3) * (a3 > 0)
    d1 = (e @ D1) * (1.0 - np.tanh(a1) ** 2)
    return loss, local_grads(d1, d3, e, x, h1, h3)


def flatten(p):
    return np.concatenate([t.ravel() for t in p])


def unflatten(v):
    shapes = [(H1, N_IN), (H1,), (H3, H1), (H3,), (N_OUT, H3), (N_OUT,)]
    out, k = [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(v[k:k + n].reshape(s))
        k += n
    return out


def loss_of(v, x, y):
    return cross_entropy(forward(unflatten(v), x)[4], y)[0]


def check_bp(p, x, y, g):
    v = flatten(p)
    h = 1e-6
    fd = np.empty_like(v)
    for k in range(len(v)):
        vp, vm = v.copy(), v.copy()
        vp[k] += h
        vm[k] -= h
        fd[k] = (loss_of(vp, x, y) - loss_of(vm, x, y)) / (2 * h)
    assert np.max(np.abs(fd - g)) < 1e-8, np.max(np.abs(fd - g))
    try:
        import torch
    except ImportError:
        return
    tp = [torch.tensor(t, requires_grad=True) for t in p]
    W1, b1, W3, b3, W5, b5 = tp
    z = torch.relu(torch.tanh(torch.tensor(x) @ W1.T + b1) @ W3.T + b3) @ W5.T + b5
    torch.nn.functional.cross_entropy(z, torch.tensor(y)).backward()
    tg = np.concatenate([t.grad.numpy().ravel() for t in tp])
    assert np.max(np.abs(tg - g)) < 1e-12, np.max(np.abs(tg - g))


def sign_feedback(W):
    return np.sign(W) * np.abs(W).mean()


def kp_run(p, B, x, y):
    """KP_STEPS steps of Kolen-Pollack with plain SGD; B = [B1, B3, B5]."""
    p = [t.copy() for t in p]
    B = [t.copy() for t in B]
    first = first_B = None
    for step in range(KP_STEPS):
        _, g = layered_update(p, x, y, B[1], B[2])
        local = unflatten(g)
        gW = [local[0] + KP_LAMBDA * p[0], local[1], local[2] + KP_LAMBDA * p[2], local[3],
              local[4] + KP_LAMBDA * p[4], local[5]]
        gB = [local[2 * i] + KP_LAMBDA * B[i] for i in range(3)]
        p = [t - KP_ETA * d for t, d in zip(p, gW)]
        B = [t - KP_ETA * d for t, d in zip(B, gB)]
        if step == 0:
            first = flatten(gW)
            first_B = flatten(B)
    return first, first_B, flatten(p), flatten(B)


def main():
    rng = np.random.default_rng(20240611)
    while True:
        x = f32(rng.normal(0.0, 1.0, size=(BATCH, N_IN)))
        y = rng.integers(0, N_OUT, size=BATCH)
        p = [uniform(rng, (H1, N_IN), 1 / np.sqrt(N_IN)), uniform(rng, H1, 1 / np.sqrt(N_IN)),
             uniform(rng, (H3, H1), 1 / np.sqrt(H1)), uniform(rng, H3, 1 / np.sqrt(H1)),
             uniform(rng, (N_OUT, H3), 1 / np.sqrt(H3)), uniform(rng, N_OUT, 1 / np.sqrt(H3))]
        p[0] *= 2.0  # larger first-layer weights: tanh' well away from 1
        a3 = forward(p, x)[2]
        # Every ReLU unit alive for some sample and dead for another, and no
        # pre-activation within perturbation or finite-difference reach of
        # the kink, so node perturbation and finite differences see a smooth
        # loss.
        alive = (a3 > 0).mean(axis=0)
        if np.abs(a3).min() > 0.05 and np.all((alive > 0) & (alive < 1)):
            break
    fa_B = [uniform(rng, (H1, N_IN), 1 / np.sqrt(N_IN)), uniform(rng, (H3, H1), 1 / np.sqrt(H1)),
            uniform(rng, (N_OUT, H3), 1 / np.sqrt(H3))]
    dfa_D = [uniform(rng, (N_OUT, H1), 1 / np.sqrt(H1)), uniform(rng, (N_OUT, H3), 1 / np.sqrt(H3))]
    kp_B = [uniform(rng, (H1, N_IN), 1 / np.sqrt(N_IN)), uniform(rng, (H3, H1), 1 / np.sqrt(H1)),
            uniform(rng, (N_OUT, H3), 1 / np.sqrt(H3))]

    loss, bp = layered_update(p, x, y, p[2], p[4])
    check_bp(p, x, y, bp)
    _, fa = layered_update(p, x, y, fa_B[1], fa_B[2])
    _, ss = layered_update(p, x, y, sign_feedback(p[2]), sign_feedback(p[4]))
    _, dfa = dfa_update(p, x, y, dfa_D[0], dfa_D[1])
    kp_first, kp_B1, kp_params, kp_Bn = kp_run(p, kp_B, x, y)

    # Per-layer angles between fa's update and the gradient (weight and
    # bias together), as cj_rule_diagnose reports them.
    cuts = [H1 * N_IN + H1, H1 * N_IN + H1 + H3 * H1 + H3]
    fa_angles = []
    for u, g in zip(np.split(fa, cuts), np.split(bp, cuts)):
        c = u @ g / np.sqrt((u @ u) * (g @ g))
        fa_angles.append(np.degrees(np.arccos(np.clip(c, -1, 1))))

    blocks = [
        ("x", x.ravel()), ("labels", y.astype(np.float64)), ("params", flatten(p)),
        ("loss", [loss]), ("bp", bp),
        ("fa_B", flatten(fa_B)), ("fa", fa), ("fa_angles", fa_angles),
        ("sign_symmetry", ss),
        ("dfa_B", flatten(dfa_D)), ("dfa", dfa),
        ("kp_hyper", [KP_LAMBDA, KP_ETA, KP_STEPS]), ("kp_B", flatten(kp_B)),
        ("kp", kp_first), ("kp_B_step1", kp_B1), ("kp_params_end", kp_params),
        ("kp_B_end", kp_Bn),
    ]
    with open(OUT, "w") as f:
        f.write("# cajal learning-rule references, written by tools/make_rule_refs.py\n")
        for name, v in blocks:
            v = np.asarray(v, dtype=np.float64).ravel()
            f.write(f"{name} {len(v)}\n")
            for k in range(0, len(v), 8):
                f.write(" ".join(f"{t:.9g}" for t in v[k:k + 8]) + "\n")
    print(f"wrote {OUT}: loss {loss:.6f}, fa angles {np.round(fa_angles, 2)}")


if __name__ == "__main__":
    main()
