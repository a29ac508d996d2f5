#!/usr/bin/python3
"""check_torch_load.py - open a cajal model file in PyTorch.

    /usr/bin/python3 tools/check_torch_load.py MODEL.safetensors [SPEC C H W]

SPEC is the cajal layer list the model was built from (include/cajal/model.h),
e.g. "flatten, dense 256, relu, dense 10", and C H W the shape of one input.
Without them they are taken from the file's __metadata__ (keys "layers" and
"input_shape", docs/outputs.md), which is printed and checked: an object of
strings with format = cajal and every key cajal writes; with them, they must
agree with the metadata if there is any. The metadata is read with the
`safetensors` package when it is installed (safe_open(...).metadata()) and
compared with the header read directly, otherwise from the header alone.
The script builds the equivalent torch.nn.Sequential, loads the file with
load_state_dict(strict=True) - every parameter present with its exact shape,
no extra tensors - and runs one forward pass, showing that a model saved by
cajal opens in PyTorch unchanged. It needs only torch and numpy (Debian's
python3-torch). Exits non-zero on any mismatch.
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


META_KEYS = ["format", "cajal_version", "layers", "input_shape", "classes", "objective", "rule", "scale",
             "scale_mean", "scale_std", "epoch", "step", "seed"]


def read_safetensors(path):
    """({name: torch.Tensor}, metadata dict or None) from a safetensors file
    (F32, F64 or F16)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))  # the format is UTF-8 JSON
    meta = header.pop("__metadata__", None)
    base = 8 + n
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        a = np.frombuffer(data[base + begin:base + end], dtype=DTYPES[e["dtype"]])
        out[name] = torch.from_numpy(a.astype(np.float32).reshape(e["shape"]))
    return out, meta


def package_metadata(path):
    """The metadata as the `safetensors` package reads it, or None without it."""
    try:
        from safetensors import safe_open
    except ImportError:
        return None
    with safe_open(path, "pt") as f:
        return f.metadata()


def check_metadata(path, meta):
    """Exit unless meta is cajal's: strings only, format = cajal, every key."""
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in meta.items()):
        sys.exit(f"{path}: __metadata__ is not an object of strings: {meta!r}")
    if meta.get("format") != "cajal":
        sys.exit(f"{path}: metadata format is {meta.get('format')!r}, not 'cajal'")
    missing = [k for k in META_KEYS if k not in meta]
    if missing:
        sys.exit(f"{path}: metadata lacks {', '.join(missing)}")
    float(meta["scale_mean"]), float(meta["scale_std"]), int(meta["epoch"]), int(meta["step"])
    via = package_metadata(path)
    if via is not None and via != meta:
        sys.exit(f"{path}: safetensors.safe_open reads other metadata: {via!r}")
    print(f"{path}: metadata ({'safetensors package' if via is not None else 'header JSON'}):")
    for k, v in meta.items():
        print(f"  {k} = {v}")


def spec_and_shape(path, meta, args):
    """The layer list and input shape: from the command line (checked against
    the metadata, if any) or from the metadata."""
    if args:
        spec, shape = args[0], tuple(int(v) for v in args[1:4])
        if meta is not None and (meta["layers"] != spec or meta["input_shape"] != ",".join(map(str, shape))):
            sys.exit(f"{path}: metadata says layers '{meta['layers']}', input {meta['input_shape']}; "
                     f"given '{spec}', {','.join(map(str, shape))}")
        return spec, shape
    if meta is None:
        sys.exit(f"{path}: no __metadata__; give SPEC C H W")
    return meta["layers"], tuple(int(v) for v in meta["input_shape"].split(","))


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
    if len(sys.argv) not in (2, 6):
        sys.exit(__doc__.split("\n\n")[1])
    path = sys.argv[1]
    state, meta = read_safetensors(path)
    if meta is not None:
        check_metadata(path, meta)
    spec, shape = spec_and_shape(path, meta, sys.argv[2:])
    model, out_shape = build_sequential(spec, shape)
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
