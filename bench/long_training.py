"""Training speed over a long run of the VAE 784-512-256-2 (batch 128, float32, Adam) on the bundled digits.

A one-epoch benchmark (bench/train_throughput.py) starts from fresh weights. Later in a run, Adam's first moments of
weights whose gradient stays zero (a dead ReLU unit, a pixel almost never lit) decay through the subnormal floats, on
which this CPU computes tens of times slower; Latent Lab flushes them first (core/nn/optim.py). This prints, per window
of --window steps, the milliseconds per step of Latent Lab (split over --threads processes, as the command line
trains) and, when PyTorch is installed, of the same model in PyTorch on as many threads, the windows interleaved,
with the share of each one's first moments that were subnormal at the window's end.

    python bench/long_training.py [--steps 6000] [--window 500] [--threads 2]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from machine_load import cpu_ticks, steal_since  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.data.datasets import load_npz  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

BUNDLED = Path(__file__).resolve().parent.parent / "resources" / "mnist5k.npz"


def subnormal_share(values: np.ndarray) -> float:
    tiny = np.finfo(values.dtype).tiny
    return float(np.count_nonzero((values != 0) & (np.abs(values) < tiny))) / max(values.size, 1)


def timed(steps: int, step) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=6000, help="steps each contender trains")
    parser.add_argument("--window", type=int, default=500, help="steps timed at a time, in turn")
    parser.add_argument("--threads", type=int, default=2, help="processes (Latent Lab) and threads (PyTorch)")
    args = parser.parse_args()
    images = load_npz(BUNDLED).train_images
    model = build_model(ModelConfig(kind="vae"), np.random.default_rng(0))
    optimizer = build_optimizer("adam", model.parameters.flat, 1e-3)
    ours = Trainer(model, optimizer, images, images[:1], TrainConfig(epochs=1, batch_size=128), parts=args.threads)
    try:
        from torch_vae import TorchVAETraining
        theirs = TorchVAETraining(images, args.threads)
    except ImportError:
        theirs = None
        print("PyTorch not installed: Latent Lab alone (pip install torch==2.13.0)")
    print(f"bundled digits ({len(images):,} training images); VAE 784-512-256-2, batch 128, float32, Adam; "
          f"{args.threads} threads; ms per step in windows of {args.window} steps")
    print(f"{'steps':>11}  {'Latent Lab':>10} {'subnormal':>9}  {'PyTorch':>8} {'subnormal':>9}  "
          f"{'speed-up':>8}  steal")
    ratios = []
    with threadpool_limits(limits=1, user_api="blas"):
        for start in range(0, args.steps, args.window):
            ticks = cpu_ticks()
            ours_ms = timed(args.window, ours.step)
            line = f"{start + 1:>5}-{start + args.window:<5}  {ours_ms:10.2f} {subnormal_share(optimizer.m):9.1%}"
            if theirs is not None:
                with threadpool_limits(limits=args.threads, user_api="blas"):
                    theirs_ms = timed(args.window, theirs.step)
                ratios.append(theirs_ms / ours_ms)
                line += f"  {theirs_ms:8.2f} {subnormal_share(theirs.first_moments()):9.1%}  {ratios[-1]:7.2f}x"
            print(f"{line}  {steal_since(ticks)}", flush=True)
    ours.close()
    if ratios:
        half = len(ratios) // 2
        print(f"speed-up over PyTorch: median {statistics.median(ratios):.2f}x; first half of the run "
              f"{statistics.median(ratios[:half] or ratios):.2f}x, second half {statistics.median(ratios[half:]):.2f}x")


if __name__ == "__main__":
    main()
