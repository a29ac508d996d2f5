#!/usr/bin/python3
"""integration_readout.py - how much of a decision RNN's accuracy its recurrent weights earn.

Run from the project root (NumPy only), on a run of examples/rnn_integration.ini:

    /usr/bin/python3 tools/integration_readout.py RUN_DIR [--data examples/data]

It re-simulates the rate RNN saved in RUN_DIR/model.safetensors ("rnn N
..., dense O", as cajal's rnn layer computes it: x <- (1 - a) x + a (W_hh
r + W_ih u + b_ih + b_hh + sqrt(2/a) s N(0, 1)), r = f(x), x_0 = 0) on the
training and test trials, and reports on the decision period of the test
trials

  - the accuracy and cross-entropy of the model's own readout, an
    independent check of cajal's forward pass (they differ from cajal's
    numbers only by the recurrent noise, which is drawn afresh here);
  - those of a readout refitted to the rates by softmax regression on the
    training trials: for a run stopped before learning (train.steps = 1,
    optim.lr = 1e-30) this is a random reservoir with a trained readout, what
    the network reaches without learning its recurrent and input weights.

Nothing here is needed by the tests.
"""
import argparse
import json
import os
import re
import struct

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, v in header.items():
        assert v["dtype"] == "F32", name
        a, b = v["data_offsets"]
        tensors[name] = np.frombuffer(data[8 + n + a:8 + n + b], np.float32).reshape(v["shape"]).astype(np.float64)
    return tensors, meta


def rnn_options(layers):
    """alpha, sigma, nonlinearity and Dale's law from the metadata's layers string."""
    m = re.match(r"\s*rnn\s+(\d+)([^,]*),\s*(dense|linear)\s+\d+\s*$", layers)
    if not m:
        raise SystemExit("integration_readout: needs model.layers = \"rnn N ..., dense O\", not '%s'" % layers)
    opts = dict(kv.split("=") for kv in m.group(2).split())
    alpha = float(opts["alpha"]) if "alpha" in opts else \
        float(opts["dt"]) / float(opts["tau"]) if "tau" in opts else 1.0
    dale = opts.get("dale", "false") in ("true", "yes", "1")
    n_exc = int(round(float(opts.get("e_fraction", 0.8)) * int(m.group(1))))
    return alpha, float(opts.get("noise", 0)), opts.get("nonlinearity", "tanh"), dale, n_exc


def simulate(w, opts, u, rng):
    """Rates r [N, T, H] of the network on inputs u [N, T, F]."""
    alpha, sigma, nonlin, dale, n_exc = opts
    f = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0), "softplus": lambda x: np.logaddexp(0, x)}[nonlin]
    w_hh = w["0.weight_hh_l0"]
    if dale:  # [W]+ D, D = +1 for the first n_exc presynaptic units, -1 for the rest
        w_hh = np.maximum(w_hh, 0) * np.where(np.arange(w_hh.shape[1]) < n_exc, 1.0, -1.0)
    b = w["0.bias_ih_l0"] + w["0.bias_hh_l0"]
    n, steps, _ = u.shape
    x = np.tile(w["0.h0"], (n, 1)) if "0.h0" in w else np.zeros((n, w_hh.shape[0]))
    r = np.empty((n, steps, w_hh.shape[0]))
    for t in range(steps):
        drive = f(x) @ w_hh.T + u[:, t] @ w["0.weight_ih_l0"].T + b
        x = (1 - alpha) * x + alpha * (drive + np.sqrt(2 / alpha) * sigma * rng.standard_normal(x.shape))
        r[:, t] = f(x)
    return r


def scores(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return 100 * np.mean(logits.argmax(axis=1) == labels), -np.mean(logp[np.arange(len(labels)), labels])


def fit_softmax(x, labels, classes, steps=2000, lr=0.5, l2=1e-4):
    """Softmax regression by full-batch gradient descent on standardised rates."""
    mean, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / sd
    w, b = np.zeros((z.shape[1], classes)), np.zeros(classes)
    onehot = np.eye(classes)[labels]
    for _ in range(steps):
        logits = z @ w + b
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / len(labels)
        w -= lr * (z.T @ g + l2 * w)
        b -= lr * g.sum(axis=0)
    return lambda x_new: ((x_new - mean) / sd) @ w + b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("--data", default=os.path.join("examples", "data"))
    args = ap.parse_args()
    w, meta = read_safetensors(os.path.join(args.run, "model.safetensors"))
    opts = rnn_options(meta.get("layers", ""))
    rng = np.random.default_rng(0)
    rows = {}
    for name in ("train", "test"):
        u = np.load(os.path.join(args.data, "integration_%s_inputs.npy" % name)).astype(np.float64)
        labels = np.load(os.path.join(args.data, "integration_%s_labels.npy" % name))
        mask = np.load(os.path.join(args.data, "integration_%s_mask.npy" % name)) > 0
        r = simulate(w, opts, u, rng)
        rows[name] = (r[mask], labels[mask])
    classes = w["1.weight"].shape[0]
    r_test, y_test = rows["test"]
    acc, loss = scores(r_test @ w["1.weight"].T + w["1.bias"], y_test)
    print("%s: its own readout:      test accuracy %.2f%%, loss %.3f (decision period)" % (args.run, acc, loss))
    readout = fit_softmax(*rows["train"], classes)
    acc, loss = scores(readout(r_test), y_test)
    print("%s: a refitted readout:   test accuracy %.2f%%, loss %.3f" % (args.run, acc, loss))


if __name__ == "__main__":
    main()
