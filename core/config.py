"""Frozen configuration records for models and training runs.

Plain data only: validation of values lives here, the code that uses them lives elsewhere.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

ACTIVATIONS = ("relu", "leaky_relu", "tanh")
RECONSTRUCTIONS = ("bernoulli", "sse")
MODEL_KINDS = ("ae", "vae")
OPTIMIZERS = ("adam", "sgd")
# About 1.6 GB of float32 with their gradient and Adam's two moments; the default VAE has 1.07 million. A larger
# request (a typo, say 50000,50000: 5 billion) would exhaust the memory instead of failing with a clear message.
MAX_PARAMETERS = 100_000_000
MAX_BATCH_SIZE = 65_536


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of an autoencoder: encoder input_dim -> hidden... -> latent, mirrored decoder."""

    kind: str = "vae"
    input_dim: int = 784
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)
    activation: str = "relu"
    reconstruction: str = "bernoulli"
    dtype: str = "float32"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        _check_choice("kind", self.kind, MODEL_KINDS)
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_choice("reconstruction", self.reconstruction, RECONSTRUCTIONS)
        _check_choice("dtype", self.dtype, ("float32", "float64"))
        if self.latent_dim < 1 or self.input_dim < 1 or any(h < 1 for h in self.hidden):
            raise ValueError("layer sizes must be positive integers")
        if not self.hidden:
            raise ValueError("the encoder needs at least one hidden layer")
        if self.parameter_count() > MAX_PARAMETERS:
            raise ValueError(f"these layers would have {self.parameter_count():,} weights, more than the "
                             f"{MAX_PARAMETERS:,} this app trains; use fewer or narrower hidden layers")

    def parameter_count(self) -> int:
        """Weights and biases of the encoder (with the VAE's two heads) and the mirrored decoder."""
        heads = 2 if self.kind == "vae" else 1
        encoder = [self.input_dim, *self.hidden]
        decoder = [self.latent_dim, *reversed(self.hidden), self.input_dim]
        return (sum((n_in + 1) * n_out for n_in, n_out in zip(encoder[:-1], encoder[1:]))
                + heads * (encoder[-1] + 1) * self.latent_dim
                + sum((n_in + 1) * n_out for n_in, n_out in zip(decoder[:-1], decoder[1:])))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        return cls(**data)


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
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
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


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
