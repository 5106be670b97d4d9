"""Where a training step's time goes, in the calling process's part (core/parallel/training_step.py).

Trains the default VAE 784-512-256-2 (batch 128, Adam) on random images, split over --parts processes, and prints
milliseconds per step: the whole step, this process's phase 1 (forward and backward on its rows), phase 2 (weight
gradients and Adam, also apart), the waits for the helpers' reports and for their end of the step, and what the
trainer does around the step itself. The figures come from timing wrappers around those functions, so they add a
few microseconds of their own per call.

    python bench/step_breakdown.py [--steps 400] [--parts 2]
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.nn import layers, optim  # noqa: E402
from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.parallel import (
    helper_process,  # noqa: E402
    training_step,  # noqa: E402
)
from core.training.config import TrainConfig  # noqa: E402
from core.training.trainer import Trainer  # noqa: E402

SECONDS: dict[str, float] = defaultdict(float)


def timed(owner: type, method: str, label: str) -> None:
    """Add the time spent in ``owner.method`` to SECONDS[label]."""
    original = getattr(owner, method)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SECONDS[label] += time.perf_counter() - started
    setattr(owner, method, wrapper)


def timed_receive() -> None:
    """The waits for each kind of frame from the helpers, apart."""
    original = helper_process.HelperProcess.receive
    labels = {helper_process.REPORT: "wait for the helpers' phase 1", helper_process.DONE: "wait for the helpers' end"}

    def wrapper(self, expected, timeout=helper_process.REPLY_TIMEOUT):
        started = time.perf_counter()
        try:
            return original(self, expected, timeout)
        finally:
            SECONDS[labels.get(expected, "other waits")] += time.perf_counter() - started
    helper_process.HelperProcess.receive = wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--parts", type=int, default=2)
    args = parser.parse_args()
    timed(training_step.StepPart, "forward_backward", "phase 1: forward and backward")
    timed(training_step.StepPart, "begin_update", "phase 2: own rows before the verdict")
    timed(training_step.StepPart, "finish_update", "phase 2: after the verdict")
    timed(layers.Dense, "parameter_gradient", "  of phase 2: weight gradients")
    timed(optim.Adam, "update", "  of phase 2: Adam")
    timed(training_step.ParallelTrainingStep, "__call__", "the step (this process)")
    timed_receive()
    images = np.random.default_rng(0).integers(0, 256, (60_000, 784), dtype=np.uint8)
    with threadpool_limits(limits=1, user_api="blas"):
        model = build_model(ModelConfig(kind="vae"), np.random.default_rng(0))
        optimizer = build_optimizer("adam", model.parameters.flat, 1e-3)
        trainer = Trainer(model, optimizer, images, images[:1000], TrainConfig(epochs=100), parts=args.parts)
        for _ in range(20):                          # start the helpers, allocate the buffers
            trainer.step()
        SECONDS.clear()
        started = time.perf_counter()
        for _ in range(args.steps):
            trainer.step()
        SECONDS["Trainer.step"] = time.perf_counter() - started
        trainer.close()
    print(f"VAE 784-512-256-2, batch 128, {args.parts} parts, {args.steps} steps; ms per step:")
    for label in ("Trainer.step", "the step (this process)", "phase 1: forward and backward",
                  "phase 2: own rows before the verdict", "phase 2: after the verdict",
                  "  of phase 2: weight gradients", "  of phase 2: Adam", "wait for the helpers' phase 1",
                  "wait for the helpers' end"):
        print(f"  {label:<40} {SECONDS[label] / args.steps * 1e3:7.3f}")
    print(f"  {'the trainer around the step':<40} "
          f"{(SECONDS['Trainer.step'] - SECONDS['the step (this process)']) / args.steps * 1e3:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
