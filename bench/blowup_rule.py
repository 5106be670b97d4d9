"""The measurements behind the blow-up rule (core/training/divergence.py): how high the loss of normal runs goes
against the rule's baseline, and when the rule stops runs that diverge.

Trains on the bundled digits (4,500 images, 36 steps an epoch at batch 128), with the rule switched off, and replays
it (a LossWatch) over each run's losses. For each run it prints the largest ratio of a loss to the baseline's median
at that step, the longest streak of steps above BLOWUP_FACTOR times it, and the step at which the rule fires, if it
does. Normal runs: AE and VAE, relu and tanh, Bernoulli and squared error, learning rates 1e-3 and 3e-3, the VAE with
a KL warm-up (5 epochs), and a few harder cases (beta 100 reached in one epoch, batches of 1 and 4 images). High
learning rates: 1e-2 to 10, for --high-steps steps. A run whose step is rejected (a non-finite loss or gradient)
ends there, and says so.

    python bench/blowup_rule.py [--epochs 25] [--high-steps 300] [--only normal|high]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.nn.config import ModelConfig  # noqa: E402
from core.nn.models import build_model  # noqa: E402
from core.nn.optim import build_optimizer  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.divergence import BLOWUP_FACTOR, LossWatch  # noqa: E402
from core.training.trainer import Trainer, TrainingDiverged  # noqa: E402


def losses_of(images: np.ndarray, model_config: ModelConfig, config: TrainConfig,
              max_steps: int | None) -> tuple[list[float], str]:
    """The per-step losses of a run with the blow-up rule off, and how it ended."""
    model = build_model(model_config, np.random.default_rng(config.seed))
    optimizer = build_optimizer(config.optimizer, model.parameters.flat, config.lr, config.momentum)
    trainer = Trainer(model, optimizer, images, images[:1], config, parts=1, watch=LossWatch(factor=math.inf))
    trainer.keep_every = 10**9          # keep the state once: a rejected step then goes back to the start
    losses, ending = [], "ran"
    try:
        while not trainer.finished and (max_steps is None or len(losses) < max_steps):
            losses.append(trainer.step().loss)
    except TrainingDiverged as error:
        ending = f"rejected at step {error.step}"
    finally:
        trainer.close()
    return losses, ending


def replay(losses: list[float]) -> tuple[float, int, int | None]:
    """The rule over ``losses``: the largest ratio to the baseline's median, the longest streak above the line,
    and the step (1-based) at which it fires, or None."""
    watch = LossWatch()
    largest, longest, fired = 0.0, 0, None
    for step, loss in enumerate(losses, 1):
        median = watch.median
        if median:
            largest = max(largest, loss / median)
        watch.observe(loss)
        longest = max(longest, watch.streak)
        if watch.blown_up and fired is None:
            fired = step
    return largest, longest, fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--high-steps", type=int, default=300)
    parser.add_argument("--only", choices=("normal", "high"))
    args = parser.parse_args()
    images = np.load(ROOT / "resources" / "mnist5k.npz")["train_images"]
    runs = []
    if args.only != "high":
        for kind in ("vae", "ae"):
            for reconstruction in ("bernoulli", "sse"):
                for activation in ("relu", "tanh"):
                    for lr in (1e-3, 3e-3):
                        runs.append(("normal", kind, activation, reconstruction,
                                     dict(lr=lr, kl_warmup=5 if kind == "vae" else 0), None))
        runs.append(("normal", "vae", "relu", "bernoulli", dict(lr=1e-3, beta=100.0, kl_warmup=1), None))
        runs.append(("normal", "vae", "relu", "bernoulli", dict(lr=1e-3, beta=100.0), None))
        for batch in (1, 4):
            runs.append(("normal", "ae", "relu", "bernoulli", dict(lr=1e-3, batch_size=batch), 3000))
    if args.only != "normal":
        for kind in ("vae", "ae"):
            for activation in ("relu", "tanh"):
                for lr in (10.0, 1.0, 0.1, 0.03, 0.01):
                    runs.append(("high", kind, activation, "bernoulli", dict(lr=lr), args.high_steps))
    print(f"rule: the loss above {BLOWUP_FACTOR:g} x the median of the last normal steps, for "
          f"{LossWatch().steps} steps in a row")
    print(f"{'':6} {'model':4} {'act':4} {'loss':9} {'settings':34} {'steps':>5} {'largest':>9} {'streak':>6} "
          f"{'fires':>5}  ending")
    with threadpool_limits(1):
        for group, kind, activation, reconstruction, settings, max_steps in runs:
            started = time.perf_counter()
            config = TrainConfig(epochs=args.epochs, **settings)
            model_config = ModelConfig(kind=kind, activation=activation, reconstruction=reconstruction)
            losses, ending = losses_of(images, model_config, config, max_steps)
            largest, longest, fired = replay(losses)
            described = " ".join(f"{key}={value:g}" for key, value in settings.items())
            print(f"{group:6} {kind:4} {activation:4} {reconstruction:9} {described:34} {len(losses):5} "
                  f"{largest:9.3g} {longest:6} {fired or '-':>5}  {ending} ({time.perf_counter() - started:.0f} s)",
                  flush=True)


if __name__ == "__main__":
    main()
