"""How fast one core multiplies at the shapes of a training step: NumPy's BLAS against PyTorch's, when installed.

For each Dense layer of the VAE 784-512-256-2 (batch 128 split in two parts of 64 rows, as Latent Lab trains on
2 cores), prints GFLOP/s on one thread for the three products of a step: forward y = x W, the input gradient
dx = dy W^T, and the weight gradient dW = x^T dy (over the whole batch, as phase 2 computes it). Best of
--repeats timings of --calls calls each, the two libraries interleaved, so that the machine's load hits both.
The ratio says how much of PyTorch's speed on this model comes from its matrix library rather than from
anything else it does.

    python bench/matmul_rates.py [--repeats 7] [--calls 200]
"""
from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

LAYERS = ((784, 512), (512, 256), (256, 512), (512, 784))     # the four large layers; the 2-wide ones are tiny
PART_ROWS, BATCH = 64, 128


def products(n_in: int, n_out: int, rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(a, b, out) for each product of the layer, as Latent Lab lays its arrays out."""
    def random(*shape: int) -> np.ndarray:
        return rng.random(shape, dtype=np.float32)
    W, x, dy, x_batch, dy_batch = (random(n_in, n_out), random(PART_ROWS, n_in), random(PART_ROWS, n_out),
                                   random(BATCH, n_in), random(BATCH, n_out))
    return {"forward x W": (x, W, np.empty((PART_ROWS, n_out), np.float32)),
            "dx = dy W^T": (dy, W.T, np.empty((PART_ROWS, n_in), np.float32)),
            "dW = x^T dy": (x_batch.T, dy_batch, np.empty((n_in, n_out), np.float32))}


def core_share(n_in: int, product: str) -> float:
    """How many of ``product`` one of 2 cores computes in a step: the forward and dx of its 64 rows (the first
    layer needs no dx), and half of dW over the whole batch."""
    if product.startswith("dW"):
        return 0.5
    return 0.0 if product.startswith("dx") and n_in == LAYERS[0][0] else 1.0


def seconds_per_call(call, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    blas = next((info for info in threadpool_info() if info["user_api"] == "blas"), {})
    print(f"NumPy {np.__version__}, {blas.get('internal_api', '?')} {blas.get('version', '')} "
          f"({blas.get('architecture', '?')}); PyTorch: {torch.__version__ if torch else 'not installed'}; one thread")
    rng = np.random.default_rng(0)
    ratios = []
    step_seconds = {"NumPy": 0.0, "PyTorch": 0.0}     # one core's products in a step (see ``core_share``)
    with threadpool_limits(limits=1, user_api="blas"):
        for n_in, n_out in LAYERS:
            for name, (a, b, out) in products(n_in, n_out, rng).items():
                flops = 2 * a.shape[0] * a.shape[1] * b.shape[1]
                ta, tb, tout = (torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)) if torch else (0, 0, 0)
                ours, theirs = [], []
                for _ in range(args.repeats):
                    ours.append(seconds_per_call(partial(np.matmul, a, b, out=out), args.calls))
                    if torch:
                        theirs.append(seconds_per_call(partial(torch.matmul, ta, tb, out=tout), args.calls))
                line = f"{n_in:4d}x{n_out:<4d} {name:<12} NumPy {flops / min(ours) / 1e9:6.1f} GFLOP/s"
                step_seconds["NumPy"] += core_share(n_in, name) * min(ours)
                if torch:
                    step_seconds["PyTorch"] += core_share(n_in, name) * min(theirs)
                    ratios.append(min(ours) / min(theirs))
                    line += f"   PyTorch {flops / min(theirs) / 1e9:6.1f} GFLOP/s   PyTorch {ratios[-1]:.2f}x as fast"
                print(line)
    if ratios:
        print(f"median: PyTorch's products {statistics.median(ratios):.2f}x as fast as NumPy's "
              f"(range {min(ratios):.2f}-{max(ratios):.2f}x)")
        print(f"one core's share of a step's products (these layers): NumPy {step_seconds['NumPy'] * 1e3:.2f} ms, "
              f"PyTorch {step_seconds['PyTorch'] * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
