#!/usr/bin/python3
"""make_train_state_seeds.py - seed inputs for fuzz/fuzz_train_state.c.

Run from the project root (standard library only):

    /usr/bin/python3 fuzz/make_train_state_seeds.py

Train state files (docs/outputs.md) for the harness's run: a rate RNN with
noise and a readout (46 parameters), Kolen-Pollack with Adam, 5 samples.
Two it accepts (after some steps, and before the first, when Kolen-Pollack's
optimiser does not exist yet), one a run with curriculum stages accepts, and
a few it must refuse.
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "train_state")
N_PARAMS = 46
RNG = "9e3779b97f4a7c15 bf58476d1ce4e5b9 94d049bb133111eb 0123456789abcdef"


def safetensors(meta, tensors):
    header = {"__metadata__": meta}
    data = b""
    for name, values in tensors.items():
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": [len(values)], "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def state(step=10, kp=True, changes=None):
    meta = {
        "cajal_train_state": "1", "epoch": "2", "epochs": "4", "step": str(step), "optim.step": str(step),
        "divergence": "3fe62e42fefa39ef 3fe0000000000000 1 0 0", "config": "[train]\nepochs = 4\n",
        "order": "3 1 4 0 2", "rng.shuffle": RNG + " -", "rng.diagnostics": RNG + " 3f800000",
        "rng.rule": RNG + " -", "rng.layer.0": RNG + " bf000000",
    }
    ramp = [0.01 * i for i in range(N_PARAMS)]
    tensors = {"optim.m": ramp, "optim.v": ramp, "rule.feedback": ramp}
    if kp:
        meta["rule.kp_optim.step"] = str(step)
        tensors["rule.kp_optim.m"] = ramp
        tensors["rule.kp_optim.v"] = ramp
    for key, value in (changes or {}).items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    return safetensors(meta, tensors)


def seed(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


seed("seed_kolen_pollack_adam", state())
seed("seed_before_the_first_step", state(step=0, kp=False))
seed("seed_order_repeats", state(changes={"order": "3 1 4 1 2"}))
seed("seed_order_short", state(changes={"order": "3 1 4"}))
seed("seed_zero_stream", state(changes={"rng.shuffle": "0000000000000000 " * 4 + "-"}))
seed("seed_unknown_layer_stream", state(changes={"rng.layer.1": RNG + " -"}))
seed("seed_future_format", state(changes={"cajal_train_state": "2"}))
seed("seed_no_divergence", state(changes={"divergence": None}))
seed("seed_cut_short", state()[:700])
seed("seed_curriculum_stage", state(changes={"curriculum": "1 1"}))
seed("seed_curriculum_past_its_stages", state(changes={"curriculum": "3 1"}))
seed("seed_curriculum_after_the_epoch", state(changes={"curriculum": "1 7"}))
