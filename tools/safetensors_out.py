"""safetensors_out.py - write reference tensors as float32 safetensors, the
one writer the tools/make_*_refs.py scripts share (numpy only).

    from safetensors_out import write_safetensors
    write_safetensors("tests/ref/x.safetensors", {"input": array, ...}, "tools/make_x_refs.py")
"""
import json
import os
import struct

import numpy as np


def write_safetensors(path, tensors, producer):
    """Write {name: array or torch tensor} as float32 safetensors, atomically
    (a .tmp file renamed over path); returns the file's size."""
    header = {"__metadata__": {"format": "pt", "producer": producer}}
    blobs, offset = [], 0
    for name, t in tensors.items():
        if hasattr(t, "detach"):  # a torch tensor
            t = t.detach().cpu().numpy()
        a = np.ascontiguousarray(t, dtype="<f4")  # tobytes() is row-major
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # data section 8-byte aligned, as the spec's writer does
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)
    return 8 + len(text) + offset
