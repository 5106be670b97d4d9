"""What the two runs of a comparison are called, after the settings that tell them apart.

By default the second run is the first one's model of the other kind (core/training/presets.py, comparison_pair):
the same layers, latent size, data, seed and batch size, so both train on the same batches in the same order
(core/training/trainer.py shuffles from the seed). The user may then change any setting of either run. No Qt here.
"""
from __future__ import annotations

from core.nn.config import ModelConfig
from core.training.config import TrainConfig

KIND_NAMES = {"ae": "AE", "vae": "VAE"}
OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD"}
RECONSTRUCTION_NAMES = {"bernoulli": "cross-entropy", "sse": "squared error"}
ACTIVATION_NAMES = {"relu": "ReLU", "leaky_relu": "LeakyReLU", "tanh": "tanh"}

Settings = tuple[ModelConfig, TrainConfig]


def run_names(first: Settings, second: Settings) -> tuple[str, str]:
    """Short names telling the two runs apart by the settings in which they differ, the first two of: kind ("VAE",
    "AE"), beta, latent size, reconstruction loss, optimizer, learning rate, layers, activation, batch size, seed;
    e.g. ("VAE", "AE"), ("β 0.1", "β 4"), ("VAE Adam", "AE SGD"); ("run 1", "run 2") when nothing differs."""
    (model_a, train_a), (model_b, train_b) = first, second
    named = [
        (model_a.kind, model_b.kind, KIND_NAMES.get),
        (train_a.beta, train_b.beta, lambda v: f"β {v:g}"),
        (model_a.latent_dim, model_b.latent_dim, lambda v: f"z{v}"),
        (model_a.reconstruction, model_b.reconstruction, RECONSTRUCTION_NAMES.get),
        (train_a.optimizer, train_b.optimizer, OPTIMIZER_NAMES.get),
        (train_a.lr, train_b.lr, lambda v: f"lr {v:g}"),
        (model_a.hidden, model_b.hidden, lambda v: "-".join(map(str, v))),
        (model_a.activation, model_b.activation, ACTIVATION_NAMES.get),
        (train_a.batch_size, train_b.batch_size, lambda v: f"batch {v}"),
        (train_a.seed, train_b.seed, lambda v: f"seed {v}"),
    ]
    differing = [(name(a), name(b)) for a, b, name in named if a != b][:2]
    if not differing:
        return "run 1", "run 2"
    return " ".join(a for a, _ in differing), " ".join(b for _, b in differing)
