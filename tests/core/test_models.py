"""Model snapshots: private copies of the weights that encode and decode exactly as the model does."""
import numpy as np
import pytest

from core.config import ModelConfig
from core.models import build_model


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_encoder_snapshot_encodes_like_the_model_and_ignores_later_training(kind):
    model = build_model(ModelConfig(kind=kind, hidden=(32, 16), latent_dim=3), np.random.default_rng(0))
    x = np.random.default_rng(1).uniform(0, 1, (7, 784)).astype(np.float32)
    snapshot = model.encoder_snapshot()
    expected = model.encode(x)[0].copy()

    np.testing.assert_array_equal(snapshot.encode_mean(x), expected)
    assert snapshot.encode_mean(x).shape == (7, 3)

    model.parameters.flat[...] += 0.5       # as a training step would, in place
    assert not np.array_equal(model.encode(x)[0], expected)
    np.testing.assert_array_equal(snapshot.encode_mean(x), expected)
