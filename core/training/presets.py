"""Named settings of a model and its training that the command line (``train --preset``) and the app both offer,
kept here once; and the model a run is compared with, the same network of the other kind.

Plain data only: building and training the models is core/nn/models.py's and core/training/trainer.py's job.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.nn.config import ModelConfig
from core.training.config import TrainConfig


@dataclass(frozen=True)
class Preset:
    """A model's architecture and its training settings, under a name."""

    name: str
    model: ModelConfig
    training: TrainConfig


# The VAE of the write-up: encoder 784-128-128, an 8-dimensional code, leaky ReLU, reconstruction error
# 0.5 * sum((x - x')^2) (core/nn/losses.py sse_loss), beta 1, Adam at 1e-3 on batches of 128.
WRITE_UP = Preset("write-up",
                  ModelConfig(kind="vae", hidden=(128, 128), latent_dim=8, activation="leaky_relu",
                              reconstruction="sse"),
                  TrainConfig(batch_size=128, lr=1e-3, beta=1.0, optimizer="adam"))
PRESETS = {preset.name: preset for preset in (WRITE_UP,)}


def comparison_pair(model: ModelConfig) -> ModelConfig:
    """The model to compare ``model`` with: the same layers, activation, loss and dtype, of the other kind (an AE
    for a VAE, a VAE for an AE)."""
    return dataclasses.replace(model, kind="ae" if model.kind == "vae" else "vae")
