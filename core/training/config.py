"""The hyperparameters of a training run as a frozen record: epochs, batch size, learning rate, beta, optimizer.

Plain data only: it validates values (the command line checks its options with the same functions); core/training/
trainer.py uses them.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from numbers import Integral, Real

from core.nn.config import check_choice
from core.nn.optim import check_learning_rate

OPTIMIZERS = ("adam", "sgd")
MAX_BATCH_SIZE = 65_536


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of a training run. lr and beta may change between steps (see Trainer); kl_warmup is the
    number of epochs over which the VAE's KL weight rises linearly from 0 to beta (0: none)."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    beta: float = 1.0
    optimizer: str = "adam"
    momentum: float = 0.9
    seed: int = 0
    kl_warmup: int = 0

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_whole("epochs", self.epochs, 1)
        check_whole("the batch size", self.batch_size, 1, MAX_BATCH_SIZE)
        check_learning_rate(self.lr)
        check_beta(self.beta)
        if not _is_number(self.momentum) or not 0 <= self.momentum < 1:
            raise ValueError(f"the momentum must be a number from 0 up to (not including) 1; got {self.momentum!r}")
        check_whole("the seed", self.seed, 0)          # NumPy's seeds are not negative
        check_whole("the KL warm-up", self.kl_warmup, 0)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        return cls(**data)


def check_whole(name: str, value: int, minimum: int, maximum: int | None = None) -> None:
    """Raise ValueError unless ``value`` is a whole number (not a bool) from ``minimum`` to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum:,}" if maximum is not None else ""
        raise ValueError(f"{name} must be at least {minimum:,}{upper}; got {value:,}")


def check_beta(beta: float) -> None:
    """Raise ValueError unless ``beta`` (the KL weight) is a finite number >= 0."""
    if not _is_number(beta) or not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite number, 0 or more; got {beta!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)
