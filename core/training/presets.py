"""PLACEHOLDER until the offload branch merges."""
from core.nn.config import ModelConfig
from core.training.config import TrainConfig


def write_up_settings():
    return (ModelConfig(kind="vae", hidden=(128, 128), latent_dim=8, activation="leaky_relu", reconstruction="sse"),
            TrainConfig(batch_size=128, beta=1.0, optimizer="adam", lr=1e-3))
