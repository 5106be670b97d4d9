"""Model snapshots (private copies of the weights that encode and decode exactly as the model does), evaluation, and
the public encode / decode / reconstruct / sample_prior calls."""
import numpy as np
import pytest

from core.nn.config import ModelConfig
from core.nn.models import build_model, parameter_shapes


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


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("cut", [1, 8, 16])
def test_loss_sums_of_two_parts_add_up_to_the_whole_sets_losses(kind, cut):
    """What lets the trainer split the test set over threads (core/training/trainer.py evaluate_test)."""
    rng = np.random.default_rng(4)
    model = build_model(ModelConfig(kind=kind, input_dim=30, hidden=(20, 12), latent_dim=3, dtype="float64"), rng)
    x = rng.random((17, 30))
    eps = rng.standard_normal((17, 3)) if kind == "vae" else None
    whole = model.evaluate(x, 0.5, eps)
    first = model.loss_sums(x[:cut], None if eps is None else eps[:cut])
    second = model.loss_sums(x[cut:], None if eps is None else eps[cut:])
    rec, kl = first[0] + second[0], first[1] + second[1]
    assert rec / 17 == pytest.approx(whole.rec, rel=1e-12)
    assert kl / 17 == pytest.approx(whole.kl, rel=1e-12)
    assert (rec + 0.5 * kl) / 17 == pytest.approx(whole.total, rel=1e-12)


@pytest.mark.parametrize("config", [ModelConfig(), ModelConfig(kind="ae", latent_dim=5, hidden=(64,)),
                                    ModelConfig(hidden=(300, 100, 50), latent_dim=10)])
def test_the_parameter_count_is_that_of_the_built_model(config):
    assert config.parameter_count() == build_model(config, None).parameters.size


@pytest.mark.parametrize("config", [ModelConfig(), ModelConfig(kind="ae", latent_dim=5, hidden=(64,)),
                                    ModelConfig(hidden=(300, 100, 50), latent_dim=10)])
def test_parameter_shapes_are_those_of_the_built_model_in_its_order(config):
    shapes = parameter_shapes(config)
    assert list(shapes.items()) == list(build_model(config, None).parameters.shapes.items())


@pytest.mark.parametrize("hidden, message", [((), "at least one hidden layer"),
                                             ((50_000, 50_000), "5,078,900,788 weights"),     # 20 GB of weights alone
                                             ((0, 10), "positive")])
def test_a_model_that_cannot_be_built_is_refused_with_a_reason(hidden, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(hidden=hidden)


def test_reconstruct_decodes_the_mean_code_and_sample_prior_decodes_standard_normal_draws():
    model = build_model(ModelConfig(hidden=(32, 16), latent_dim=3), np.random.default_rng(0))
    x = np.random.default_rng(1).uniform(0, 1, (5, 784)).astype(np.float32)
    mean, log_var = model.encode(x)
    assert mean.shape == log_var.shape == (5, 3)
    np.testing.assert_array_equal(model.reconstruct(x), model.decode(mean))
    samples = model.sample_prior(6, np.random.default_rng(7))
    assert samples.shape == (6, 784) and samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, model.decode(np.random.default_rng(7).standard_normal((6, 3))))
    assert not np.array_equal(samples, model.sample_prior(6, np.random.default_rng(8)))
