#!/usr/bin/python3
"""make_reference.py - PyTorch reference tensors for tests/test_reference.c.

Run from the project root with Debian's python3-torch (no other packages):

    /usr/bin/python3 tools/make_reference.py

It rewrites, for each model below,

    tests/ref/<name>_init.safetensors   the initial parameters under their
                                        PyTorch names ("1.weight", ...): a
                                        plain state_dict, what cj_model_load
                                        reads
    tests/ref/<name>.safetensors        input [B, C, H, W], labels (as float),
                                        logits, loss.cross_entropy, loss.mse
                                        (against one-hot labels), their
                                        gradients dlogits.*, the cross-entropy
                                        gradient of every parameter
                                        (grad.<param>), and the parameters
                                        after 3 steps of each optimiser on the
                                        same batch (<optimiser>.<param>)

The output is deterministic: fixed seeds, CPU only. Each model is the
torch.nn.Sequential equivalent of a cajal layer spec (include/cajal/model.h),
written out by hand so the reference does not share a parser with cajal.
Parameters are float32 (as cajal's); the forward, backward and optimiser
steps run in float64 so the reference carries no float32 rounding of its own.
The `safetensors` package is not needed: the format is a u64 header length,
a JSON header and raw little-endian data, written below in a few lines.
"""
import json
import os
import sys
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_out  # noqa: E402  (the shared writer, beside this script)

BATCH = 6
N_CLASSES = 5
STEPS = 3
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref")

# (name, cajal spec, input C x H x W, the same network in PyTorch)
MODELS = [
    ("mlp", "flatten, dense 16, relu, dense 12, tanh, dense 5", (1, 4, 4),
     lambda: nn.Sequential(nn.Flatten(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 12),
                           nn.Tanh(), nn.Linear(12, 5))),
    # 2x8x8 -conv-> 3x8x8 -maxpool-> 3x4x4 -conv s2-> 4x2x2 -avgpool-> 4x1x1 -> 5
    ("cnn", "conv2d 3 kernel=3 padding=1, relu, maxpool 2, conv2d 4 kernel=3 stride=2 padding=1, "
            "sigmoid, avgpool 2, flatten, dense 5", (2, 8, 8),
     lambda: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                           nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.Sigmoid(),
                           nn.AvgPool2d(2), nn.Flatten(), nn.Linear(4, 5))),
    # A non-square input (catches swapped H/W) and overlapping pooling
    # windows (stride < kernel), whose backward passes must accumulate:
    # 1x9x8 -conv k2-> 4x8x7 -maxpool 3 s2-> 4x3x3 -avgpool 2 s1-> 4x2x2 -> 16 -> 6 -> 5
    ("cnn_softplus", "conv2d 4 kernel=2, softplus, maxpool 3 stride=2, avgpool 2 stride=1, "
                     "flatten, dense 6, softplus, dense 5", (1, 9, 8),
     lambda: nn.Sequential(nn.Conv2d(1, 4, 2), nn.Softplus(), nn.MaxPool2d(3, stride=2),
                           nn.AvgPool2d(2, stride=1), nn.Flatten(), nn.Linear(16, 6),
                           nn.Softplus(), nn.Linear(6, 5))),
]

# tests/test_reference.c repeats these settings under the same names.
OPTIMISERS = [
    ("sgd", lambda p: torch.optim.SGD(p, lr=0.1)),
    ("sgd_momentum", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3)),
    ("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0,
                                               nesterov=True)),
    ("adam", lambda p: torch.optim.Adam(p, lr=1e-2, weight_decay=1e-3)),
]


def write_safetensors(path, tensors):
    """Write {name: array} as float32 safetensors, atomically (safetensors_out.py)."""
    return safetensors_out.write_safetensors(path, tensors, "tools/make_reference.py")


def cross_entropy_pass(model, x, y):
    model.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return loss


def make(index, name, spec, shape, build):
    torch.manual_seed(1000 + index)
    model = build()  # float32 parameters, PyTorch's default initialisation
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    x = torch.randn(BATCH, *shape)
    y = torch.randint(0, N_CLASSES, (BATCH,))

    model = model.double()
    xd = x.double()
    logits = model(xd).detach().requires_grad_(True)
    ce = F.cross_entropy(logits, y)
    ce.backward()
    dce = logits.grad.clone()
    logits.grad = None
    mse = F.mse_loss(logits, F.one_hot(y, N_CLASSES).double())
    mse.backward()
    dmse = logits.grad.clone()

    cross_entropy_pass(model, xd, y)
    out = {"input": x, "labels": y.float(), "logits": logits.detach(),
           "loss.cross_entropy": ce.detach(), "loss.mse": mse.detach(),
           "dlogits.cross_entropy": dce, "dlogits.mse": dmse}
    for k, p in model.named_parameters():
        out["grad." + k] = p.grad.clone()

    for opt_name, make_opt in OPTIMISERS:
        model.load_state_dict({k: v.double() for k, v in init.items()})
        opt = make_opt(model.parameters())
        for _ in range(STEPS):
            cross_entropy_pass(model, xd, y)
            opt.step()
        for k, p in model.named_parameters():
            out[opt_name + "." + k] = p.detach().clone()

    n_init = write_safetensors(os.path.join(OUT_DIR, name + "_init.safetensors"), init)
    n_ref = write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), out)
    print(f"{name}: '{spec}' on {'x'.join(map(str, shape))}: loss {ce.item():.6f}, "
          f"{n_init} + {n_ref} bytes")


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    for i, (name, spec, shape, build) in enumerate(MODELS):
        make(i, name, spec, shape, build)


if __name__ == "__main__":
    main()
