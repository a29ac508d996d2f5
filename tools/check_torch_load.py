#!/usr/bin/python3
"""check_torch_load.py - open a cajal model file in PyTorch.

    /usr/bin/python3 tools/check_torch_load.py MODEL.safetensors "SPEC" C H W

SPEC is the cajal layer list the model was built from (include/cajal/model.h),
e.g. "flatten, dense 256, relu, dense 10", and C H W the shape of one input.
The script builds the equivalent torch.nn.Sequential, loads the file with
load_state_dict(strict=True) - every parameter present with its exact shape,
no extra tensors - and runs one forward pass, showing that a model saved by
cajal opens in PyTorch unchanged. It needs only torch and numpy (Debian's
python3-torch), not the `safetensors` package. Exits non-zero on any mismatch.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}
KINDS = {"dense": "dense", "linear": "dense", "conv2d": "conv2d", "conv": "conv2d",
         "maxpool": "maxpool", "avgpool": "avgpool", "flatten": "flatten", "relu": "relu",
         "tanh": "tanh", "sigmoid": "sigmoid", "softplus": "softplus"}


def read_safetensors(path):
    """{name: torch.Tensor} from a safetensors file (F32, F64 or F16)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        a = np.frombuffer(data[base + begin:base + end], dtype=DTYPES[e["dtype"]])
        out[name] = torch.from_numpy(a.astype(np.float32).reshape(e["shape"]))
    return out


def build_sequential(spec, input_shape):
    """torch.nn.Sequential for a cajal spec; module i is cajal's layer i."""
    x = torch.zeros(1, *input_shape)  # traced through to size each layer's input
    modules = []
    for i, item in enumerate(s.strip() for s in spec.split(",")):
        words = item.split()
        kind = KINDS.get(words[0]) if words else None
        if kind is None:
            sys.exit(f"item {i} '{item}': unknown layer")
        count, opts = None, {}
        for w in words[1:]:
            if "=" in w:
                key, value = w.split("=", 1)
                opts[key] = int(value)
            else:
                count = int(w)
        if kind == "dense":
            m = nn.Linear(x.shape[1], count)
        elif kind == "conv2d":
            m = nn.Conv2d(x.shape[1], count, opts.get("kernel", 3), stride=opts.get("stride", 1),
                          padding=opts.get("padding", 0))
        elif kind in ("maxpool", "avgpool"):
            k = opts.get("kernel", count if count is not None else 2)
            pool = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
            m = pool(k, stride=opts.get("stride", k), padding=opts.get("padding", 0))
        else:
            m = {"flatten": nn.Flatten, "relu": nn.ReLU, "tanh": nn.Tanh,
                 "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}[kind]()
        x = m(x)
        modules.append(m)
    return nn.Sequential(*modules), tuple(x.shape[1:])


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[1])
    path, spec = sys.argv[1], sys.argv[2]
    shape = tuple(int(v) for v in sys.argv[3:6])
    model, out_shape = build_sequential(spec, shape)
    state = read_safetensors(path)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        sys.exit(f"{path}: {e}")
    with torch.no_grad():
        y = model(torch.randn(2, *shape))
    n = sum(p.numel() for p in model.parameters())
    print(f"{path}: loaded {len(state)} tensors ({n} parameters) into")
    print(model)
    print(f"forward pass on 2x{'x'.join(map(str, shape))} gives {tuple(y.shape)}, "
          f"finite: {bool(torch.isfinite(y).all())}")


if __name__ == "__main__":
    main()
