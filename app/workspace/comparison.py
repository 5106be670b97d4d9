"""What a comparison of two runs starts from, and what the two runs are called.

By default the second run is the first one's model of the other kind (an AE beside a VAE, or a VAE beside an AE):
the same layers, latent size, data, seed and batch size, so both train on the same batches in the same order
(core/training/trainer.py shuffles from the seed). The user may then change any setting of either run; the runs are
named after the first setting that tells them apart. No Qt here.
"""
from __future__ import annotations

from dataclasses import replace

from core.nn.config import ModelConfig
from core.training.config import TrainConfig

KIND_NAMES = {"ae": "AE", "vae": "VAE"}
OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD"}
RECONSTRUCTION_NAMES = {"bernoulli": "cross-entropy", "sse": "squared error"}
ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "tanh": "tanh"}

Settings = tuple[ModelConfig, TrainConfig]


def other_kind(model_config: ModelConfig) -> ModelConfig:
    """The same model of the other kind: an AE for a VAE, a VAE for an AE."""
    return replace(model_config, kind="ae" if model_config.kind == "vae" else "vae")


def run_names(first: Settings, second: Settings) -> tuple[str, str]:
    """Short names telling the two runs apart, after the first setting in which they differ: their kinds ("VAE",
    "AE"), else beta, latent size, reconstruction loss, optimizer, learning rate, layers, activation, batch size or
    seed; ("run 1", "run 2") when nothing differs."""
    (model_a, train_a), (model_b, train_b) = first, second
    if model_a.kind != model_b.kind:
        return KIND_NAMES[model_a.kind], KIND_NAMES[model_b.kind]
    kind = KIND_NAMES[model_a.kind]
    named = [
        (train_a.beta, train_b.beta, lambda v: f"β {v:g}"),
        (model_a.latent_dim, model_b.latent_dim, lambda v: f"{kind} z{v}"),
        (model_a.reconstruction, model_b.reconstruction, lambda v: f"{kind} {RECONSTRUCTION_NAMES[v]}"),
        (train_a.optimizer, train_b.optimizer, lambda v: OPTIMIZER_NAMES[v]),
        (train_a.lr, train_b.lr, lambda v: f"lr {v:g}"),
        (model_a.hidden, model_b.hidden, lambda v: f"{kind} {'-'.join(map(str, v))}"),
        (model_a.activation, model_b.activation, lambda v: f"{kind} {ACTIVATION_NAMES[v]}"),
        (train_a.batch_size, train_b.batch_size, lambda v: f"batch {v}"),
        (train_a.seed, train_b.seed, lambda v: f"seed {v}"),
    ]
    for a, b, name in named:
        if a != b:
            return name(a), name(b)
    return "run 1", "run 2"

