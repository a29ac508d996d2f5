#!/usr/bin/python3
"""Write the small MATLAB .mat fixtures that tests/test_mat.c reads (tests/ref/mat/),
with scipy.io.savemat, and copy them as seeds for the fuzzer (fuzz/corpus/mat/).

Run from the project root:  /usr/bin/python3 tools/make_mat_fixtures.py

Values are given by their index, as in make_npy_fixtures.py, so the C test
checks them without a reference copy: for a 2-D array a[i, j] = 10*i + j
(plus an offset), 3-D a[i, j, k] = 100*i + 10*j + k, 4-D likewise with 1000,
in NumPy's (row-major) indexing, which is the layout cajal's reader returns.
scipy writes NumPy's arrays column-major, as MATLAB stores them, so a reader
that forgot to transpose fails every check. The broken fixtures each exercise
one error message.
"""
import os
import shutil
import struct

import numpy as np
import scipy.io as sio
import scipy.sparse as sp

OUT = os.path.join("tests", "ref", "mat")
CORPUS = os.path.join("fuzz", "corpus", "mat")


def index_values(shape):
    grids = np.indices(shape)
    weights = [10 ** (len(shape) - 1 - k) for k in range(len(shape))]
    return sum(g * w for g, w in zip(grids, weights))


def cell(items, shape):
    a = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):
        a[i] = x
    return a.reshape(shape)


def numeric():
    return {
        "d2": index_values((2, 3)).astype(np.float64) + 0.5,
        "s3": index_values((3, 2, 4)).astype(np.float32) - 7,
        "u8": (index_values((2, 2)) + 200).astype(np.uint8),
        "i16": (-index_values((2, 3))).astype(np.int16),
        "i32": np.array([[-2147483648, 2147483647]], dtype=np.int32),
        "i64": np.array([[-5, 2**40]], dtype=np.int64),
        "u64": np.array([[2**63 + 2048]], dtype=np.uint64),
        "flag": np.array([[True, False, True]]),
        "nd4": index_values((2, 1, 3, 2)).astype(np.float64),
        "col": np.arange(4.0).reshape(4, 1),
        "empty": np.zeros((0, 0)),
        "scalar": 3.25,
        "cplx": np.array([[1 + 2j]]),
        "sparse": sp.csc_matrix(np.eye(3)),
    }


def strings():
    return {
        "word": "hello",
        "rows": np.array(["abc", "xyz"]),
        "uni": "caf\u00e9 \u2713",
        "cellstr": cell(["car", "couch", "face"], (1, 3)),
        "cell2d": cell(["a", "b", "c", "d"], (2, 2)),
        "mixed": cell(["x", 1.0], (1, 2)),
        "withempty": cell(["x", ""], (1, 2)),
        "emptystr": "",
    }


def structs():
    st = {"a": index_values((2, 3)).astype(np.float64), "name": "unit A", "inner": {"x": 7.0, "txt": "deep"}}
    sa = np.empty((1, 3), dtype=[("image", "O"), ("label", "O")])
    for i in range(3):
        sa[0, i]["image"] = (index_values((2, 2, 3)) + 10 * i).astype(np.uint8)
        sa[0, i]["label"] = "img%d" % (i + 1)
    # s3(1, j, k).RDM holds MATLAB's linear index of (1, j, k), in every entry.
    s3 = np.empty((1, 2, 2), dtype=[("RDM", "O")])
    for j in range(2):
        for k in range(2):
            s3[0, j, k]["RDM"] = np.full((2, 2), 1.0 + j + 2 * k)
    nested = cell([np.array([[1.0, 2.0, 3.0]]), "txt", cell([4.0], (1, 1))], (1, 3))
    return {"st": st, "sa": sa, "s3": s3, "nested": nested}


def v5_element(dtype, payload):
    """One tagged data element of a v5 file, padded to 8 bytes."""
    pad = (-len(payload)) % 8
    return struct.pack("<II", dtype, len(payload)) + payload + b"\0" * pad


def v5_char(name, rows, dtype):
    """A char matrix written by hand as MATLAB does it: UTF-16 code units in
    miUINT16 (4) or miUTF16 (17), column-major. scipy always writes UTF-8,
    so this is the one way to test the UTF-16 path."""
    units = [list(r.encode("utf-16-le")) for r in rows]
    units = [[u[i] | (u[i + 1] << 8) for i in range(0, len(u), 2)] for u in units]
    m, n = len(units), len(units[0])
    data = b"".join(struct.pack("<H", units[i][j]) for j in range(n) for i in range(m))
    body = (v5_element(6, struct.pack("<II", 4, 0))          # array flags: mxCHAR_CLASS
            + v5_element(5, struct.pack("<ii", m, n))        # dimensions
            + v5_element(1, name.encode())                   # name
            + v5_element(dtype, data))
    return struct.pack("<II", 14, len(body)) + body


def write_utf16(path):
    header = b"MATLAB 5.0 MAT-file, written by cajal's tools/make_mat_fixtures.py".ljust(116, b" ")
    header += b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    with open(path, "wb") as f:
        f.write(header)
        f.write(v5_char("u16", ["h\u00e9llo \U0001F600"], 4))
        f.write(v5_char("utf16rows", ["ab", "\u00e7d"], 17))
        f.write(v5_char("nul", ["a\0b"], 4))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(CORPUS, exist_ok=True)
    sio.savemat(os.path.join(OUT, "numeric.mat"), numeric())
    sio.savemat(os.path.join(OUT, "strings.mat"), strings())
    sio.savemat(os.path.join(OUT, "structs.mat"), structs())
    z = dict(structs())
    z["big"] = index_values((50, 40)).astype(np.float64)
    z["labels"] = cell(["car", "couch", "face"], (1, 3))
    sio.savemat(os.path.join(OUT, "compressed.mat"), z, do_compression=True)
    write_utf16(os.path.join(OUT, "utf16.mat"))
    sio.savemat(os.path.join(OUT, "v4.mat"), {"d2": index_values((2, 3)).astype(np.float64) + 0.5}, format="4")
    # Broken files.
    with open(os.path.join(OUT, "compressed.mat"), "rb") as f:
        data = f.read()
    with open(os.path.join(OUT, "truncated.mat"), "wb") as f:
        f.write(data[: len(data) // 2])
    with open(os.path.join(OUT, "header_only.mat"), "wb") as f:
        f.write(data[:128])
    with open(os.path.join(OUT, "not_mat.mat"), "wb") as f:
        f.write(b"this is a text file, not a MATLAB file\n" * 4)
    for name in sorted(os.listdir(OUT)):
        shutil.copy(os.path.join(OUT, name), os.path.join(CORPUS, "seed_" + name))
    for name in sorted(os.listdir(OUT)):
        print(name, os.path.getsize(os.path.join(OUT, name)))
    # What scipy reads back: the same values (the fixtures' own check).
    back = sio.loadmat(os.path.join(OUT, "numeric.mat"))
    assert np.array_equal(back["s3"], numeric()["s3"])
    # (scipy.io.loadmat reads miUINT16 text a byte per code unit, so it is
    # no reference for utf16.mat; the C test checks the UTF-8 it expects.)


if __name__ == "__main__":
    main()
