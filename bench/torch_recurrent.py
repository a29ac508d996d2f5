#!/usr/bin/python3
"""torch_recurrent.py - PyTorch side of bench/bench_recurrent.c: one forward
+ backward through time of torch.nn.RNN (tanh), GRU and LSTM, B = 64,
T = 100, input 33, H = 64 and 256, CPU, one thread.

Output, one line per case: "torch <case> <median ms> <best ms>".
BENCH_REPEATS sets the timed repeats (default 20).
"""
import os
import time

import torch

T, B, N_IN, WARMUP = 100, 64, 33, 3


def bench(name, cls, hidden, repeats):
    torch.manual_seed(1234)
    mod = cls(N_IN, hidden)
    x = torch.randn(T, B, N_IN, requires_grad=True)
    dout = torch.randn(T, B, hidden)
    times = []
    for r in range(WARMUP + repeats):
        t0 = time.perf_counter()
        mod.zero_grad()
        x.grad = None
        y, _ = mod(x)
        y.backward(dout)
        if r >= WARMUP:
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(f"torch {name}_h{hidden} {times[len(times) // 2]:.3f} {times[0]:.3f}", flush=True)


def main():
    torch.set_num_threads(1)
    repeats = max(1, int(os.environ.get("BENCH_REPEATS", "20")))
    for hidden in (64, 256):
        for name, cls in (("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)):
            bench(name, cls, hidden, repeats)


if __name__ == "__main__":
    main()
