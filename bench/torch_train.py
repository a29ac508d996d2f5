"""torch_train.py — samples per second of one training step in PyTorch (CPU,
one thread), for the same models and timing scheme as bench/bench_train.c.

    /usr/bin/python3 bench/torch_train.py [case ...]   cases: mlp_bp mlp_fa cnn_bp

Environment: BENCH_SECONDS (target length of one timed repeat, default 2),
BENCH_REPEATS (timed repeats per case, default 3).

Output, two lines per case on stdout (bench/run.sh parses them):
    torch <case> <best samples/s> <median samples/s> <repeat 1> <repeat 2> ...
    torch <case>/cpu ...   the same per second of process CPU time, which on a
                           shared machine leaves out time other processes held
                           the core (the process is single-threaded)

A step is the standard loop body: zero_grad, forward, CrossEntropyLoss,
backward, SGD(lr=0.01, momentum=0.9).step(), and loss.item() (cajal's step
returns the loss too). mlp_fa uses feedback alignment (Lillicrap et al. 2016)
through a custom autograd Function: the error goes to the layer's input
through a fixed random matrix B instead of W; the weight gradient is the
usual delta x^T.
"""
import os
import statistics
import sys
import time

# One thread everywhere: PyTorch's intra-op pool, and the OpenBLAS that
# Debian's torch calls for Linear (it does not set OpenBLAS's own pool).
# These must be set before torch loads the libraries.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import torch  # noqa: E402
from torch import nn  # noqa: E402

BATCH, N_BATCHES, N_CLASSES, WARMUP_STEPS = 64, 8, 10, 5


class FALinearFunction(torch.autograd.Function):
    """y = x W^T + b; backward sends dy B (B fixed, [out, in]) to x."""

    @staticmethod
    def forward(ctx, x, weight, bias, feedback):
        ctx.save_for_backward(x, feedback)
        return torch.addmm(bias, x, weight.t())

    @staticmethod
    def backward(ctx, dy):
        x, feedback = ctx.saved_tensors
        dx = dy.mm(feedback) if ctx.needs_input_grad[0] else None
        return dx, dy.t().mm(x), dy.sum(0), None


class FALinear(nn.Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        bound = 1.0 / n_in ** 0.5  # the weights' own initial distribution, as in cajal
        self.register_buffer("feedback", torch.empty(n_out, n_in).uniform_(-bound, bound))

    def forward(self, x):
        return FALinearFunction.apply(x, self.weight, self.bias, self.feedback)


def mlp(linear=nn.Linear):
    return nn.Sequential(nn.Flatten(), linear(784, 256), nn.ReLU(), linear(256, 256), nn.ReLU(),
                         linear(256, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 32, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 10))


CASES = {
    "mlp_bp": lambda: mlp(),
    "mlp_fa": lambda: mlp(FALinear),
    "cnn_bp": cnn,
}


def bench_one(name, seconds, repeats):
    torch.manual_seed(1234)
    model = CASES[name]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    xs = [torch.randn(BATCH, 1, 28, 28) for _ in range(N_BATCHES)]
    ys = [torch.randint(0, N_CLASSES, (BATCH,)) for _ in range(N_BATCHES)]
    state = {"step": 0, "loss_sum": 0.0}

    def run_steps(n):
        step, loss_sum = state["step"], state["loss_sum"]
        for _ in range(n):
            b = step % N_BATCHES
            opt.zero_grad()
            loss = loss_fn(model(xs[b]), ys[b])
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            step += 1
        state["step"], state["loss_sum"] = step, loss_sum

    run_steps(WARMUP_STEPS)
    calib, t0, elapsed = 0, time.perf_counter(), 0.0
    while elapsed < 0.3 or calib < 3:
        run_steps(1)
        calib += 1
        elapsed = time.perf_counter() - t0
    steps = max(1, round(seconds / (elapsed / calib)))
    sps, cpu_sps = [], []
    for r in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        run_steps(steps)
        dt, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        sps.append(steps * BATCH / dt)
        cpu_sps.append(steps * BATCH / cpu)
        print(f"# torch {name} repeat {r + 1}: {steps} steps in {dt:.3f} s ({cpu:.3f} s CPU) = {sps[-1]:.1f} "
              "samples/s", file=sys.stderr)
    print(f"# torch {name} mean loss over all steps {state['loss_sum'] / state['step']:.4f}", file=sys.stderr)
    return sps, cpu_sps


def print_result(name, sps):
    print(f"torch {name} {max(sps):.1f} {statistics.median(sps):.1f} " + " ".join(f"{v:.1f}" for v in sps),
          flush=True)


def main():
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    seconds = float(os.environ.get("BENCH_SECONDS") or 2.0)
    repeats = min(64, int(float(os.environ.get("BENCH_REPEATS") or 3)))
    wanted = sys.argv[1:] or list(CASES)
    for name in wanted:
        if name not in CASES:
            sys.exit(f"torch_train.py: unknown case '{name}' (expected {', '.join(CASES)})")
    print(f"# torch {torch.__version__}: batch {BATCH}, {WARMUP_STEPS} warm-up steps, {repeats} repeats "
          f"of ~{seconds:.1f} s, {torch.get_num_threads()} thread, mkldnn "
          f"{'on' if torch.backends.mkldnn.is_available() else 'off'}", file=sys.stderr)
    for name in CASES:
        if name not in wanted:
            continue
        sps, cpu_sps = bench_one(name, seconds, repeats)
        print_result(name, sps)
        print_result(name + "/cpu", cpu_sps)


if __name__ == "__main__":
    main()
