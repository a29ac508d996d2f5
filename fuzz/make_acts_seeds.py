#!/usr/bin/env python3
"""Seed inputs for fuzz/fuzz_acts.c (format described there): layers.txt,
stimuli.txt and a layer file c.npy packed into one file each. Plain
Python, no NumPy. Run from the project root:
    python3 fuzz/make_acts_seeds.py
"""
import struct

OUT = "fuzz/corpus/acts/"
NONE = 0xFFFF


def npy(shape, values, descr="<f4", fmt="f"):
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dims)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + \
        struct.pack("<%d%s" % (len(values), fmt), *values)


def pack(index, stimuli, layer):
    n1 = NONE if index is None else len(index)
    n2 = NONE if stimuli is None else len(stimuli)
    return struct.pack("<HH", n1, n2) + (index or b"") + (stimuli or b"") + layer


seeds = {
    # cajal record's files: layers.txt with module and shape, stimuli.txt
    "seed_recorded": pack(b"a.npy Linear 3x2\nc.npy ReLU 3x2x2\nb.npy Linear 3x1\n", b"x:0\nx:1\nx:2\n",
                          npy((3, 2, 2), [float(i) for i in range(12)])),
    # no layers.txt: every .npy in natural order
    "seed_no_index": pack(None, None, npy((3, 4), [0.5] * 12)),
    # names without .npy, CRLF, a blank line
    "seed_crlf": pack(b"c\r\n\r\na\r\n", b"s0\r\ns1\r\ns2\r\n", npy((3,), [1.0, 2.0, 3.0])),
    # a layer with another number of stimuli
    "seed_mismatch": pack(b"a\nc\n", None, npy((4, 2), [1.0] * 8)),
    # stimuli.txt of the wrong length, a NaN in a layer
    "seed_nan": pack(None, b"one\n", npy((3, 1), [1.0, float("nan"), 2.0])),
    # duplicate and path-like entries
    "seed_bad_index": pack(b"a\na.npy\n../b\n", None, npy((3, 1), [1.0, 2.0, 3.0])),
    # an integer layer, a truncated one
    "seed_int": pack(b"c\nb\n", None, npy((3, 2), [1, 2, 3, 4, 5, 6], "<i8", "q")),
    "seed_truncated": pack(b"c\n", None, npy((3, 2), [1.0] * 6)[:-5]),
}
for name, data in seeds.items():
    with open(OUT + name, "wb") as f:
        f.write(data)
