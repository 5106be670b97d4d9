"""The hyperparameters of a training run as a frozen record: epochs, batch size, learning rate, beta, optimizer.

Plain data only: it validates values; core/training/trainer.py uses them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from core.nn.config import check_choice

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
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch size must be at least 1")
        if self.batch_size > MAX_BATCH_SIZE:
            raise ValueError(f"the batch size can be at most {MAX_BATCH_SIZE:,}")
        if not self.lr > 0:
            raise ValueError("the learning rate must be positive")
        if self.beta < 0:
            raise ValueError("beta must be non-negative")
        if self.kl_warmup < 0:
            raise ValueError("the KL warm-up cannot be negative")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        return cls(**data)
