#!/usr/bin/env python3
"""Seed and regression inputs for fuzz/fuzz_session.c (format described
there): tiny Kilosort/UnitMatch session folders packed into one file each.
Plain Python, no NumPy.  Run from the project root:
    python3 fuzz/make_session_seeds.py
"""
import math
import struct

FILES = ["channel_positions.npy", "channel_shanks.npy", "cluster_group.tsv", "cluster_KSLabel.tsv",
         "cluster_bc_unitType.tsv", "templates.npy"] + [f"RawWaveforms/Unit{i}_RawSpikes.npy" for i in range(4)]
OUT = "fuzz/corpus/session/"
T = 12  # samples per waveform: tiny, the loader does not care


def npy(shape, values):
    """float32 .npy, C order, version 1.0."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + \
        struct.pack("<%df" % len(values), *values)


def probe(n_rows=4, shanks=1, gap=250.0):
    """Neuropixels-like: two columns (11, 43 µm), rows 20 µm apart, per shank."""
    xy = []
    for s in range(shanks):
        for r in range(n_rows):
            for x in (11.0, 43.0):
                xy += [x + s * gap, 20.0 * r]
    return xy


def waveform(n_ch, centre, amp=80.0, halves=2):
    """A trough at sample 4 decaying over channels from `centre`."""
    w = []
    for t in range(T):
        shape = -math.exp(-((t - 4) / 1.5) ** 2) + 0.3 * math.exp(-((t - 8) / 2.0) ** 2)
        for c in range(n_ch):
            v = amp * shape * math.exp(-abs(c - centre) / 2.0)
            w += [v * (1.0 + 0.05 * h) for h in range(halves)]
    return w


def pack(files, flags=0):
    out = bytes([flags])
    for name, data in files:
        out += bytes([FILES.index(name)]) + struct.pack("<H", len(data)) + data
    return out


def labels(rows, column="group"):
    return ("cluster_id\t%s\n" % column + "".join("%d\t%s\n" % r for r in rows)).encode()


def valid(n_ch=8, pos=None, extra=()):
    pos = pos or probe()
    files = [("channel_positions.npy", npy([n_ch, 2], pos)),
             ("cluster_group.tsv", labels([(0, "good"), (1, "good"), (2, "good"), (3, "mua")]))]
    for u in range(3):
        files.append((f"RawWaveforms/Unit{u}_RawSpikes.npy", npy([T, n_ch, 2], waveform(n_ch, 2 * u + 1))))
    return files + list(extra)


def replace(files, name, data):
    return [(n, data if n == name else d) for n, d in files]


def write(name, data):
    assert len(data) < 30000, name
    with open(OUT + name, "wb") as f:
        f.write(data)


def main():
    write("seed_valid", pack(valid()))
    write("seed_all_clusters", pack(valid(extra=[("RawWaveforms/Unit3_RawSpikes.npy",
                                                   npy([T, 8, 2], waveform(8, 6)))]), flags=1))
    two = probe(shanks=2)
    write("seed_two_shanks", pack(valid(16, two, [("channel_shanks.npy", npy([16], [0.0] * 8 + [1.0] * 8))])))
    write("seed_two_shanks_inferred", pack(valid(16, two)))
    tmpl = []
    for u in range(4):
        tmpl += waveform(8, 2 * u, halves=1)
    write("seed_templates_kslabel", pack([
        ("channel_positions.npy", npy([8, 2], probe())),
        ("cluster_KSLabel.tsv", labels([(0, "good"), (1, "mua"), (2, "good"), (3, "good")], "KSLabel")),
        ("templates.npy", npy([4, T, 8], tmpl))]))
    write("seed_bombcell", pack([(n, d) for n, d in valid() if n != "cluster_group.tsv"] +
                                [("cluster_bc_unitType.tsv", labels([(0, "GOOD"), (1, "NOISE"), (2, "GOOD")],
                                                                    "bc_unitType"))]))
    # The inputs of issue 7.
    inf = waveform(8, 1)
    inf[40] = math.inf
    write("regress_inf_sample", pack(replace(valid(), "RawWaveforms/Unit0_RawSpikes.npy", npy([T, 8, 2], inf))))
    nan = waveform(8, 1)
    nan[41] = math.nan
    write("regress_nan_sample", pack(replace(valid(), "RawWaveforms/Unit0_RawSpikes.npy", npy([T, 8, 2], nan))))
    write("regress_dead_unit", pack(replace(valid(), "RawWaveforms/Unit1_RawSpikes.npy",
                                            npy([T, 8, 2], [0.0] * (T * 16)))))
    write("regress_nul_in_tsv", pack(replace(valid(), "cluster_group.tsv",
                                             b"cluster_id\tgroup\n0\tgood\n1\tgo\x00od\n2\tgood\n")))
    write("regress_positions_3d", pack(replace(valid(), "channel_positions.npy", npy([8, 2, 1], probe()))))
    write("regress_duplicate_cluster", pack(replace(valid(), "cluster_group.tsv",
                                                    labels([(0, "good"), (2, "good"), (0, "mua")]))))
    big = waveform(8, 1)
    big[10] = 3.0e38  # finite, but its square overflows: the centroid would be NaN
    write("regress_huge_sample", pack(replace(valid(), "RawWaveforms/Unit0_RawSpikes.npy", npy([T, 8, 2], big))))


if __name__ == "__main__":
    main()
