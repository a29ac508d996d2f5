#!/usr/bin/python3
"""Write the small .npy fixtures that tests/test_npy.c reads (tests/ref/npy/).

Run from the project root:  /usr/bin/python3 tools/make_npy_fixtures.py

Every good fixture holds values given by its index so the C test can check
them without a reference copy: for a 2-D array a[i, j] = 10*i + j (plus an
offset), 3-D a[i, j, k] = 100*i + 10*j + k, 4-D likewise with 1000. Fortran
order fixtures hold the same values as their C twins; only the byte order
in the file differs. The broken fixtures each exercise one error message.
"""
import os
import struct

import numpy as np
from numpy.lib import format as npf

OUT = os.path.join("tests", "ref", "npy")


def index_values(shape):
    """a[idx] = sum(idx[k] * 10**(ndim-1-k))."""
    grids = np.indices(shape)
    weights = [10 ** (len(shape) - 1 - k) for k in range(len(shape))]
    return sum(g * w for g, w in zip(grids, weights))


def save(name, arr, version=None):
    with open(os.path.join(OUT, name), "wb") as f:
        npf.write_array(f, arr, version=version, allow_pickle=False)


def raw_header(descr, fortran, shape, version=1):
    """A hand-made header (for dtypes NumPy would not write as asked)."""
    text = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    pre = 10 if version == 1 else 12
    pad = (-(pre + len(text) + 1)) % 64
    text = text + " " * pad + "\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(text)) + text.encode("latin1")


def main():
    os.makedirs(OUT, exist_ok=True)
    v2 = index_values((3, 4))

    # float32 / float64, C and Fortran order
    save("f32_c.npy", (v2 + 0.25).astype("<f4"))
    save("f32_fortran.npy", np.asfortranarray((v2 + 0.25).astype("<f4")))
    save("f64_c.npy", (-v2 - 0.125).astype("<f8"))
    v3 = index_values((2, 3, 4))
    save("f32_3d.npy", v3.astype("<f4"))
    save("f64_fortran_3d.npy", np.asfortranarray((v3 + 0.5).astype("<f8")))
    save("f32_4d.npy", index_values((2, 2, 2, 3)).astype("<f4"))
    save("f64_scalar.npy", np.array(3.5, dtype="<f8"))

    # integers and booleans (negative values test sign extension)
    save("i4_c.npy", (v2 - 20).astype("<i4"))
    save("i8_fortran.npy", np.asfortranarray(-v2.astype("<i8") * 1000000000))
    save("i2_c.npy", np.array([-300, -1, 0, 1, 300], dtype="<i2"))
    save("u1_c.npy", np.array([0, 1, 200, 255], dtype="|u1"))
    save("b1_c.npy", np.array([[True, False], [False, True]]))

    # header versions 2.0 and 3.0 (4-byte header length)
    save("f32_v2.npy", index_values((2, 3)).astype("<f4"), version=(2, 0))
    save("f64_v3.npy", index_values((2, 3)).astype("<f8"), version=(3, 0))

    # broken files
    good = open(os.path.join(OUT, "f32_c.npy"), "rb").read()
    with open(os.path.join(OUT, "bad_magic.npy"), "wb") as f:
        f.write(b"\x93NUMPX" + good[6:])
    with open(os.path.join(OUT, "truncated_header.npy"), "wb") as f:
        f.write(good[:30])
    with open(os.path.join(OUT, "truncated_data.npy"), "wb") as f:
        f.write(good[:-4])
    save("big_endian.npy", np.arange(6, dtype=">f4").reshape(2, 3))
    with open(os.path.join(OUT, "bad_dict.npy"), "wb") as f:
        f.write(raw_header("<f4", "Maybe", "(2,)") + b"\0" * 8)
    save("complex.npy", np.arange(3, dtype="<c8"))
    with open(os.path.join(OUT, "five_d.npy"), "wb") as f:
        f.write(raw_header("<f4", "False", "(1, 1, 1, 1, 2)") + b"\0" * 8)

    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print("wrote %d files, %d bytes, to %s" % (len(os.listdir(OUT)), total, OUT))


if __name__ == "__main__":
    main()
