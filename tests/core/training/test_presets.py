"""The named settings and the model a run is compared with."""
import dataclasses

import pytest

from core.nn.config import ModelConfig
from core.training.presets import PRESETS, WRITE_UP, comparison_pair


def test_the_write_up_preset_is_the_write_ups_vae():
    assert PRESETS["write-up"] is WRITE_UP
    model, training = WRITE_UP.model, WRITE_UP.training
    assert (model.kind, model.input_dim, model.hidden, model.latent_dim) == ("vae", 784, (128, 128), 8)
    assert (model.activation, model.reconstruction) == ("leaky_relu", "sse")
    assert (training.beta, training.optimizer, training.batch_size, training.lr) == (1.0, "adam", 128, 1e-3)


@pytest.mark.parametrize("kind, other", [("vae", "ae"), ("ae", "vae")])
def test_the_comparison_pair_is_the_same_network_of_the_other_kind(kind, other):
    model = ModelConfig(kind=kind, latent_dim=5, hidden=(40, 20), activation="tanh", reconstruction="sse",
                        dtype="float64")
    pair = comparison_pair(model)
    assert pair.kind == other and dataclasses.replace(pair, kind=kind) == model
    assert comparison_pair(pair) == model
