"""The model's architecture as a frozen record: kinds, layer sizes, activation, reconstruction loss, dtype.

Plain data only: it validates values; the code that builds the networks lives in core/nn/models.py.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

ACTIVATIONS = ("relu", "leaky_relu", "tanh")
RECONSTRUCTIONS = ("bernoulli", "sse")
MODEL_KINDS = ("ae", "vae")
# About 1.6 GB of float32 with their gradient and Adam's two moments; the default VAE has 1.07 million. A larger
# request (a typo, say 50000,50000: 5 billion) would exhaust the memory instead of failing with a clear message.
MAX_PARAMETERS = 100_000_000


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
        check_choice("kind", self.kind, MODEL_KINDS)
        check_choice("activation", self.activation, ACTIVATIONS)
        check_choice("reconstruction", self.reconstruction, RECONSTRUCTIONS)
        check_choice("dtype", self.dtype, ("float32", "float64"))
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


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
