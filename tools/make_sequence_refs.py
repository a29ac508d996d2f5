#!/usr/bin/python3
"""make_sequence_refs.py - reference tensors for tests/test_sequence_model.c.

Run from the project root with Debian's python3-torch:

    /usr/bin/python3 tools/make_sequence_refs.py

Whole cajal models (a recurrent layer, then a Linear readout at every time
step, as "rnn 6, dense 3") trained on sequences, against the same modules
in PyTorch. It rewrites tests/ref/sequence/<case>.safetensors:

    rnn_per_step     nn.RNN(tanh) + Linear, cross-entropy against a label at
                     every step (mean over the T*B rows)
    gru_last_step    nn.GRU + Linear, cross-entropy against one label per
                     sequence, at the last step only
    lstm_per_step    nn.LSTM + Linear, MSE against a target at every step
    rnn_truncated    as rnn_per_step, with truncated backprop through time:
                     the hidden state is detached every K = 3 steps (PyTorch's
                     usual `h = h.detach()`), the loss still the mean over all
                     rows
    rnn_clipped      as rnn_per_step, then
                     torch.nn.utils.clip_grad_norm_(params, 0.05)
    rnn_truncated_masked  as rnn_truncated with a loss mask [T, B]: the
                     loss sum(mask * row loss) / sum(mask), one chunk all 0

Each file holds "input" [T, B, I], "labels" [T, B] or [B] (as floats) or
"targets" [T, B, O], the parameters under cajal's model names ("0.weight_ih_l0",
"1.weight", ...: the module index, then PyTorch's name), "output" [T, B, O],
"loss" [1] and "grad.<param>" for every parameter. float32 throughout
(cajal's precision), fixed seeds; T = 7, B = 3, I = 4, H = 6, O = 3.
"""
import json
import os
import sys
import struct

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_out  # noqa: E402  (the shared writer, beside this script)

T, B, I, H, O = 7, 3, 4, 6, 3
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "sequence")


def write_safetensors(path, tensors):
    """Write {name: array} as float32 safetensors, atomically (safetensors_out.py)."""
    return safetensors_out.write_safetensors(path, tensors, "tools/make_sequence_refs.py")


class Net(torch.nn.Module):
    """A recurrent layer, then a Linear readout at every step."""

    def __init__(self, cell):
        super().__init__()
        if cell == "rnn":
            self.rec = torch.nn.RNN(I, H, nonlinearity="tanh")
        elif cell == "gru":
            self.rec = torch.nn.GRU(I, H)
        else:
            self.rec = torch.nn.LSTM(I, H)
        self.out = torch.nn.Linear(H, O)

    def named(self):
        """Parameters under cajal's names: module index, then PyTorch's name."""
        d = {}
        for n, p in self.rec.named_parameters():
            d["0." + n] = p
        for n, p in self.out.named_parameters():
            d["1." + n] = p
        return d

    def forward(self, x, chunk=None):
        if chunk is None:
            y, _ = self.rec(x)
            return self.out(y)
        outs, state = [], None
        for t0 in range(0, x.shape[0], chunk):
            y, state = self.rec(x[t0:t0 + chunk], state)
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            outs.append(y)
        return self.out(torch.cat(outs))


def make_case(name, cell, target, seed, chunk=None, clip=None, masked=False):
    torch.manual_seed(seed)
    net = Net(cell)
    x = torch.randn(T, B, I)
    tensors = {"input": x}
    out = net(x, chunk)
    if target == "per_step_labels":
        labels = torch.randint(0, O, (T, B))
        if masked:
            # rows weighted by the mask, sum(mask * l) / sum(mask); steps 3-5 of
            # every trial masked out, so one truncated chunk counts for nothing
            mask = torch.rand(T, B).round()
            mask[3:6] = 0
            mask[0, 0] = 1.0
            rows = torch.nn.functional.cross_entropy(out.reshape(T * B, O), labels.reshape(-1), reduction="none")
            loss = (rows * mask.reshape(-1)).sum() / mask.sum()
            tensors["mask"] = mask
        else:
            loss = torch.nn.functional.cross_entropy(out.reshape(T * B, O), labels.reshape(-1))
        tensors["labels"] = labels.float()
    elif target == "last_labels":
        labels = torch.randint(0, O, (B,))
        loss = torch.nn.functional.cross_entropy(out[-1], labels)
        tensors["labels"] = labels.float()
    else:
        targets = torch.randn(T, B, O)
        loss = torch.nn.functional.mse_loss(out, targets)
        tensors["targets"] = targets
    loss.backward()
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
        tensors["clip_norm"] = torch.tensor([clip])
    if chunk is not None:
        tensors["chunk"] = torch.tensor([float(chunk)])
    for n, p in net.named().items():
        tensors[n] = p
        tensors["grad." + n] = p.grad
    tensors["output"] = out
    tensors["loss"] = loss.reshape(1)
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), tensors)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    make_case("rnn_per_step", "rnn", "per_step_labels", 1)
    make_case("gru_last_step", "gru", "last_labels", 2)
    make_case("lstm_per_step", "lstm", "per_step_values", 3)
    make_case("rnn_truncated", "rnn", "per_step_labels", 4, chunk=3)
    make_case("rnn_clipped", "rnn", "per_step_labels", 5, clip=0.05)
    make_case("rnn_truncated_masked", "rnn", "per_step_labels", 6, chunk=3, masked=True)
    print("wrote", OUT_DIR)


if __name__ == "__main__":
    main()
