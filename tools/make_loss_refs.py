#!/usr/bin/python3
"""make_loss_refs.py - PyTorch reference losses for tests/test_objectives.c.

Run from the project root with Debian's python3-torch:

    /usr/bin/python3 tools/make_loss_refs.py

It writes tests/ref/losses.txt: for one batch of predictions (6 rows of 4
outputs) the loss and its gradient with respect to the predictions under

    poisson          nn.PoissonNLLLoss(log_input=True, full=False) - the
                     output is the log rate, the targets are spike counts
    poisson_masked   the same per element (reduction='none'), each row's mean
                     weighted by a mask: (mask * l.mean(1)).sum() / mask.sum()
    ce_masked        (mask * F.cross_entropy(pred, y, reduction='none')).sum()
                     / mask.sum(); a row with mask 0 has label -100 (PyTorch's
                     ignore_index), which cajal must never read
    mse_masked       (mask * F.mse_loss(pred, v, reduction='none').mean(1)).sum()
                     / mask.sum()
    poisson_onehot   nn.PoissonNLLLoss against the one-hot codes of the labels
                     (all labels valid), what cajal does without count targets

The inputs are float32 values, so both sides start from identical numbers;
the reference is computed in float64. Deterministic: fixed seed, CPU.

File format (as tests/ref/rules_mlp.txt): a first comment line starting with
'#', then blocks "name count" followed by count whitespace-separated numbers.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref", "losses.txt")
B, D = 6, 4


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def loss_and_grad(fn, pred):
    p = pred.clone().requires_grad_(True)
    loss = fn(p)
    loss.backward()
    return loss.item(), p.grad


def main():
    g = torch.Generator().manual_seed(20240607)
    pred = f32(torch.randn(B, D, generator=g, dtype=torch.float64) * 0.8)
    rates = torch.exp(pred + 0.3 * torch.randn(B, D, generator=g, dtype=torch.float64))
    counts = torch.poisson(rates, generator=g)
    values = f32(torch.randn(B, D, generator=g, dtype=torch.float64))
    labels = torch.tensor([2, 0, 3, 1, 1, 2])
    mask = torch.tensor([1.0, 0.0, 0.5, 1.0, 2.0, 0.0], dtype=torch.float64)
    masked_labels = labels.clone()
    masked_labels[mask == 0] = -100

    refs = {}
    poisson = nn.PoissonNLLLoss(log_input=True, full=False, reduction="mean")
    refs["poisson"] = loss_and_grad(lambda p: poisson(p, counts), pred)

    def masked(rows):
        return (mask * rows).sum() / mask.sum()

    refs["poisson_masked"] = loss_and_grad(
        lambda p: masked(F.poisson_nll_loss(p, counts, log_input=True, full=False, reduction="none").mean(1)), pred)
    refs["ce_masked"] = loss_and_grad(lambda p: masked(F.cross_entropy(p, masked_labels, reduction="none")), pred)
    refs["mse_masked"] = loss_and_grad(lambda p: masked(F.mse_loss(p, values, reduction="none").mean(1)), pred)
    onehot = F.one_hot(labels, D).to(torch.float64)
    refs["poisson_onehot"] = loss_and_grad(lambda p: poisson(p, onehot), pred)

    def block(name, xs, fmt="%.9g"):
        xs = [float(x) for x in xs]
        lines = ["%s %d" % (name, len(xs))]
        for i in range(0, len(xs), 8):
            lines.append(" ".join(fmt % x for x in xs[i:i + 8]))
        return "\n".join(lines)

    out = ["# cajal loss references, written by tools/make_loss_refs.py"]
    out.append(block("pred", pred.flatten()))
    out.append(block("counts", counts.flatten()))
    out.append(block("values", values.flatten()))
    out.append(block("labels", labels, "%d"))
    out.append(block("masked_labels", masked_labels, "%d"))
    out.append(block("mask", mask))
    for name, (loss, grad) in refs.items():
        out.append(block(name + ".loss", [loss], "%.17g"))
        out.append(block(name + ".grad", grad.flatten(), "%.17g"))
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(tmp, OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
