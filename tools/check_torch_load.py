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
no extra tensors but pruning masks ("<name>_mask", then applied with
torch.nn.utils.prune.custom_from_mask) - and runs one forward pass, showing that a model saved by
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
         "tanh": "tanh", "sigmoid": "sigmoid", "softplus": "softplus", "rnn": "rnn", "gru": "gru",
         "lstm": "lstm"}


def sequence_only(cls):
    """A recurrent module that returns only its output sequence, so it fits in
    nn.Sequential with PyTorch's own parameter names (weight_ih_l0, ...)."""
    class SequenceOnly(cls):
        def forward(self, x):
            return super().forward(x)[0]
    SequenceOnly.__name__ = cls.__name__
    return SequenceOnly


RNN, GRU, LSTM = sequence_only(nn.RNN), sequence_only(nn.GRU), sequence_only(nn.LSTM)


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
    recurrent = any(s.split()[0] in ("rnn", "gru", "lstm") for s in spec.split(",") if s.split())
    # traced through to size each layer's input: [T, B, F] for sequences
    x = torch.zeros(3, 1, int(np.prod(input_shape))) if recurrent else torch.zeros(1, *input_shape)
    feat = 2 if recurrent else 1
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
                opts[key] = value
            else:
                count = int(w)
        num = {k: int(v) for k, v in opts.items() if v.isdigit()}
        if kind == "dense":
            m = nn.Linear(x.shape[feat], count)
        elif kind == "conv2d":
            m = nn.Conv2d(x.shape[1], count, num.get("kernel", 3), stride=num.get("stride", 1),
                          padding=num.get("padding", 0))
        elif kind in ("maxpool", "avgpool"):
            k = num.get("kernel", count if count is not None else 2)
            pool = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
            m = pool(k, stride=num.get("stride", k), padding=num.get("padding", 0))
        elif kind == "rnn":
            # torch.nn.RNN exactly when alpha = 1 without noise or Dale's law;
            # otherwise the same tensors under the same names (the dynamics differ)
            nl = opts.get("nonlinearity", "tanh")
            m = RNN(x.shape[feat], count, nonlinearity=nl if nl in ("tanh", "relu") else "tanh")
            if opts.get("train_h0") in ("true", "1"):
                m.h0 = nn.Parameter(torch.zeros(count))
        elif kind in ("gru", "lstm"):
            m = (GRU if kind == "gru" else LSTM)(x.shape[feat], count)
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
    # A pruned model (cajal prune) has each pruned tensor's 0/1 mask beside
    # it as "<name>_mask" (torch.nn.utils.prune's buffer name) and the zeros
    # already in "<name>": load the rest strictly, then hold the masks.
    masks = {k[:-len("_mask")]: state.pop(k) for k in [k for k in state if k.endswith("_mask")]}
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        sys.exit(f"{path}: {e}")
    if masks:
        import torch.nn.utils.prune as prune
        for name, m in masks.items():
            index, param = name.split(".", 1)
            prune.custom_from_mask(model[int(index)], param, m)
        print(f"{path}: pruning masks on {', '.join(masks)}")
    recurrent = any(isinstance(m, (nn.RNN, nn.GRU, nn.LSTM)) for m in model)
    with torch.no_grad():
        y = model(torch.randn(5, 2, int(np.prod(shape))) if recurrent else torch.randn(2, *shape))
    n = sum(p.numel() for p in model.parameters())
    print(f"{path}: loaded {len(state)} tensors ({n} parameters) into")
    print(model)
    print(f"forward pass on {'5 steps of ' if recurrent else ''}2x{'x'.join(map(str, shape))} gives {tuple(y.shape)}, "
          f"finite: {bool(torch.isfinite(y).all())}")


if __name__ == "__main__":
    main()
