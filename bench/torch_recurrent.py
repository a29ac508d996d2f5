#!/usr/bin/python3
"""torch_recurrent.py - PyTorch side of bench/bench_recurrent.c: one BPTT
training step of torch.nn.RNN (tanh), GRU and LSTM with a Linear readout,
B = 64, T = 100, input 33, output 33, H = 64 and 256, CPU, one thread.

One step is the standard loop body: opt.zero_grad(), forward (h0 = 0),
Linear(H, 33) at every step, MSELoss against a fixed target, backward,
torch.optim.Adam (defaults) step, and loss.item() (cajal's step returns the
loss too). The input does not require a gradient, as in training.

Output, one line per case:
    torch <case> <median ms> <best ms> <median CPU ms> <best CPU ms>
by wall clock and by the process's CPU time (time.process_time).
BENCH_REPEATS sets the timed repeats (default 20).
"""
import os
import time

# One thread everywhere, set before torch loads its libraries: PyTorch's
# pool, and the OpenBLAS Debian's torch calls (it does not set its pool).
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

T, B, N_IN, N_OUT, WARMUP = 100, 64, 33, 33, 3


def bench(name, cls, hidden, repeats):
    torch.manual_seed(1234)
    cell = cls(N_IN, hidden)
    readout = nn.Linear(hidden, N_OUT)
    params = list(cell.parameters()) + list(readout.parameters())
    opt = torch.optim.Adam(params)
    loss_fn = nn.MSELoss()
    x = torch.rand(T, B, N_IN) * 2 - 1
    target = torch.rand(T, B, N_OUT) * 2 - 1
    times, cpu = [], []
    for r in range(WARMUP + repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        h, _ = cell(x)
        loss = loss_fn(readout(h), target)
        loss.backward()
        opt.step()
        loss.item()
        if r >= WARMUP:
            times.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
    times.sort()
    cpu.sort()
    print(f"torch {name}_h{hidden} {times[len(times) // 2]:.3f} {times[0]:.3f} "
          f"{cpu[len(cpu) // 2]:.3f} {cpu[0]:.3f}", flush=True)


def main():
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    repeats = max(1, int(os.environ.get("BENCH_REPEATS", "20")))
    for hidden in (64, 256):
        for name, cls in (("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM)):
            bench(name, cls, hidden, repeats)


if __name__ == "__main__":
    main()
