#!/usr/bin/python3
"""Reference tensors for tests/test_rbm.c (include/cajal/rbm.h), written to
tests/ref/rbm.safetensors. Run from the project root:
    /usr/bin/python3 tools/make_rbm_refs.py

A small RBM (W [H, V], v_bias b, h_bias c) and a fixed binary batch. The
random draws of an update are passed in as uniforms in the order
cj_rbm_uniforms documents (B*H for h0, then per Gibbs step R*V for v and
R*H for h, row-major), and a state is 1 where u < p, so NumPy and C make
the same draws. The script checks that no uniform lies within 1e-4 of its
probability, so float32 rounding in C cannot flip a draw.

  cd1_*       CD-1 gradient (dW, db, dc) and the parameters after one SGD
              step with momentum and weight decay, then a second step
  cd3_dW      CD-3 gradient
  pcd_*       PCD-1, two batches: the chains start at the first batch's h0
              and the second update starts where the first left them
  fe, pl      free energies of the batch, and the pseudo-likelihood with
              bit flip[n] flipped in row n, as sklearn's BernoulliRBM
              score_samples computes it (checked against sklearn itself)
  tiny_*      a 12 x 6 RBM and its log Z by enumerating all 2^12 visible
              states (C enumerates the 2^6 hidden ones)
"""
import itertools
import sys

import numpy as np

sys.path.insert(0, "tools")
from safetensors_out import write_safetensors  # noqa: E402

MARGIN = 1e-4
rng = np.random.default_rng(11)
V, H, B = 20, 7, 5
W = rng.normal(0, 0.5, size=(H, V))
b = rng.normal(0, 0.5, size=V)
c = rng.normal(0, 0.5, size=H)
f32 = lambda x: x.astype(np.float32).astype(np.float64)  # what C reads back
W, b, c = f32(W), f32(b), f32(c)


def sig(x):
    return 1 / (1 + np.exp(-x))


def draw(p, u):
    assert np.min(np.abs(u - p)) > MARGIN, "a uniform too close to its probability: change the seed"
    return (u < p).astype(np.float64)


def uniforms(n):
    return rng.uniform(size=n)


def gradient(W, b, c, v0, u, k, chain=None):
    """CD-k (chain None) or PCD-k from `chain`; returns grads, the new chain
    state and how many uniforms were used."""
    Bn = v0.shape[0]
    ph0 = sig(v0 @ W.T + c)
    used = Bn * H
    h = draw(ph0, u[:used].reshape(Bn, H))
    if chain is not None:
        h = chain.copy() if chain.size else h
    R = h.shape[0]
    for _ in range(k):
        pv = sig(h @ W + b)
        v = draw(pv, u[used:used + R * V].reshape(R, V))
        used += R * V
        ph = sig(v @ W.T + c)
        h = draw(ph, u[used:used + R * H].reshape(R, H))
        used += R * H
    dW = ph0.T @ v0 / Bn - ph.T @ v / R
    db = v0.mean(0) - v.mean(0)
    dc = ph0.mean(0) - ph.mean(0)
    assert used == u.size
    return dW, db, dc, h


def free_energy(W, b, c, v):
    return -v @ b - np.logaddexp(0, v @ W.T + c).sum(1)


v0 = (rng.uniform(size=(B, V)) < 0.4).astype(np.float64)
u_cd1 = uniforms(B * H + B * (V + H))
dW, db, dc, _ = gradient(W, b, c, v0, u_cd1, 1)

# two SGD steps with momentum 0.5, lr 0.1, weight decay 0.01 on W only
lr, mom, wd = 0.1, 0.5, 0.01
P = [W.copy(), b.copy(), c.copy()]
vel = [np.zeros_like(x) for x in P]
u_cd1b = uniforms(B * H + B * (V + H))
after = []
for step, u in enumerate((u_cd1, u_cd1b)):
    g = gradient(P[0], P[1], P[2], v0, u, 1)[:3]
    for i in range(3):
        vel[i] = mom * vel[i] + lr * (g[i] - (wd * P[i] if i == 0 else 0))
        P[i] = P[i] + vel[i]
    after.append([x.copy() for x in P])

u_cd3 = uniforms(B * H + 3 * B * (V + H))
dW3 = gradient(W, b, c, v0, u_cd3, 3)[0]

# PCD-1 with `B` chains over two batches
v1 = (rng.uniform(size=(B, V)) < 0.6).astype(np.float64)
u_p1 = uniforms(B * H + B * (V + H))
u_p2 = uniforms(B * H + B * (V + H))
pW1, _, _, chain1 = gradient(W, b, c, v0, u_p1, 1, chain=np.zeros((0, H)))
pW2, pb2, pc2, chain2 = gradient(W, b, c, v1, u_p2, 1, chain=chain1)

fe = free_energy(W, b, c, v0)
flip = rng.integers(0, V, size=B)
vf = v0.copy()
vf[np.arange(B), flip] = 1 - vf[np.arange(B), flip]
pl = V * -np.logaddexp(0, -(free_energy(W, b, c, vf) - fe))
try:  # the same number from scikit-learn itself, with its random index replaced by ours
    from sklearn.neural_network import BernoulliRBM
    m = BernoulliRBM(n_components=H)
    m.components_, m.intercept_hidden_, m.intercept_visible_ = W, c, b

    class FixedIndex:
        def randint(self, lo, hi, size):
            return flip
    from unittest import mock
    with mock.patch("sklearn.neural_network._rbm.check_random_state", lambda s: FixedIndex()):
        sk = m.score_samples(v0)
    assert np.allclose(sk, pl), (sk, pl)
    print("pseudo-likelihood agrees with sklearn's score_samples")
except ImportError:
    print("sklearn missing: pseudo-likelihood not cross-checked")

# a tiny RBM and its exact log Z over all 2^12 visible states
tv, th = 12, 6
tW = rng.normal(0, 1.0, size=(th, tv))
tb = rng.normal(-0.3, 0.5, size=tv)
tc = rng.normal(0, 0.5, size=th)
tW, tb, tc = f32(tW), f32(tb), f32(tc)
allv = np.array(list(itertools.product([0, 1], repeat=tv)), dtype=np.float64)
logz = np.logaddexp.reduce(-free_energy(tW, tb, tc, allv))

write_safetensors("tests/ref/rbm.safetensors", {
    "W": W, "v_bias": b, "h_bias": c, "v0": v0, "v1": v1,
    "u_cd1": u_cd1, "u_cd1b": u_cd1b, "u_cd3": u_cd3, "u_pcd1": u_p1, "u_pcd2": u_p2,
    "cd1_dW": dW, "cd1_db": db, "cd1_dc": dc,
    "step1_W": after[0][0], "step1_b": after[0][1], "step1_c": after[0][2],
    "step2_W": after[1][0], "step2_b": after[1][1], "step2_c": after[1][2],
    "cd3_dW": dW3,
    "pcd1_dW": pW1, "pcd_chain1": chain1, "pcd2_dW": pW2, "pcd2_db": pb2, "pcd2_dc": pc2, "pcd_chain2": chain2,
    "fe": fe, "flip": flip.astype(np.float64), "pl": pl,
    "tiny_W": tW, "tiny_v_bias": tb, "tiny_h_bias": tc, "tiny_logz": np.array([logz]),
}, "tools/make_rbm_refs.py")
print("log Z of the 12 x 6 RBM", logz)
