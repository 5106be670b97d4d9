"""Every hand-written gradient against central finite differences, in float64 with fixed noise."""
import numpy as np
import pytest

from core.nn.config import ModelConfig
from core.nn.gradcheck import max_relative_error, numerical_gradient
from core.nn.layers import ACTIVATION_LAYERS, BufferPool, Dense
from core.nn.losses import bernoulli_loss, gaussian_kl, sse_loss
from core.nn.models import build_model
from core.nn.parameters import ParameterVector

TOLERANCE = 1e-6


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def test_dense_gradients_match_finite_differences(rng):
    layer = Dense(5, 4)
    store = ParameterVector(layer.shapes, np.float64)
    layer.params = store.values
    layer.resize(3, np.float64, BufferPool(), "layer")
    store.flat[:] = rng.standard_normal(store.size)
    x = rng.standard_normal((3, 5))
    weights_of_output = rng.standard_normal((3, 4))    # L = sum(R * y), so dL/dy = R

    def loss():
        return float(np.sum(weights_of_output * layer.forward(x)))

    loss()
    dx = layer.backward(weights_of_output.copy()).copy()
    layer.parameter_gradient(slice(0, layer.block_rows), store.grad_flat.reshape(layer.block_rows, 4))
    assert max_relative_error(store.grad_flat, numerical_gradient(loss, store.flat)) < TOLERANCE
    assert max_relative_error(dx, numerical_gradient(loss, x)) < TOLERANCE


def test_dense_parameter_gradient_by_rows_of_the_block_matches_the_whole(rng):
    """Threads share the parameter gradient by rows of [W; b]: the parts must tile the whole."""
    layer = Dense(6, 3)
    store = ParameterVector(layer.shapes, np.float64)
    layer.params = store.values
    store.flat[:] = rng.standard_normal(store.size)
    layer.resize(4, np.float64, BufferPool(), "layer")
    layer.forward(rng.standard_normal((4, 6)))
    layer.backward(rng.standard_normal((4, 3)))
    whole = np.empty((7, 3))
    layer.parameter_gradient(slice(0, 7), whole)
    parts = np.empty((7, 3))
    for rows in (slice(0, 2), slice(2, 6), slice(6, 7)):
        layer.parameter_gradient(rows, parts[rows])
    np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize("name", sorted(ACTIVATION_LAYERS))
def test_activation_gradients_match_finite_differences(name, rng):
    layer = ACTIVATION_LAYERS[name](6)
    layer.resize(4, np.float64, BufferPool(), "layer")
    x = rng.standard_normal((4, 6))
    x[np.abs(x) < 1e-3] = 0.5          # keep clear of the kink, where no derivative exists
    weights_of_output = rng.standard_normal((4, 6))

    def loss():
        return float(np.sum(weights_of_output * layer.forward(x.copy())))

    loss()
    dx = layer.backward(weights_of_output.copy())
    assert max_relative_error(dx, numerical_gradient(loss, x)) < TOLERANCE


@pytest.mark.parametrize("loss_fn", [bernoulli_loss, sse_loss], ids=["bernoulli", "sse"])
def test_reconstruction_loss_gradients_match_finite_differences(loss_fn, rng):
    logits = rng.standard_normal((3, 7)) * 3
    x = rng.random((3, 7))
    _, grad = loss_fn(logits, x)
    numeric = numerical_gradient(lambda: loss_fn(logits, x)[0], logits)
    assert max_relative_error(grad, numeric) < TOLERANCE


def test_bernoulli_loss_is_stable_for_extreme_logits():
    logits = np.array([[-1000.0, 1000.0, 0.0]])
    x = np.array([[0.0, 1.0, 1.0]])
    loss, grad = bernoulli_loss(logits, x)
    assert np.isclose(loss, np.log(2))            # only the logit 0 with target 1 costs log 2
    assert np.allclose(grad, [[0.0, 0.0, -0.5]])


def test_gaussian_kl_gradients_match_finite_differences(rng):
    mu, log_var = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    beta = 0.7
    _, dmu, dlog_var = gaussian_kl(mu, log_var, beta)
    assert max_relative_error(dmu, numerical_gradient(lambda: beta * gaussian_kl(mu, log_var)[0], mu)) < TOLERANCE
    numeric = numerical_gradient(lambda: beta * gaussian_kl(mu, log_var)[0], log_var)
    assert max_relative_error(dlog_var, numeric) < TOLERANCE


def test_gaussian_kl_is_zero_at_the_prior():
    kl, dmu, dlog_var = gaussian_kl(np.zeros((2, 3)), np.zeros((2, 3)))
    assert kl == 0 and not dmu.any() and not dlog_var.any()


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
@pytest.mark.parametrize("reconstruction", ["bernoulli", "sse"])
def test_whole_model_gradients_match_finite_differences(kind, activation, reconstruction, rng):
    config = ModelConfig(kind=kind, input_dim=9, latent_dim=3, hidden=(8, 6), activation=activation,
                         reconstruction=reconstruction, dtype="float64")
    model = build_model(config, rng)
    model.parameters.flat[:] += rng.standard_normal(model.parameters.size) * 0.1   # non-zero biases too
    x = rng.random((5, 9))
    eps = rng.standard_normal((5, 3)) if kind == "vae" else None
    beta = 0.8
    model.forward_backward(x, beta, eps)
    analytic = model.parameters.grad_flat.copy()
    numeric = numerical_gradient(lambda: model.evaluate(x, beta, eps).total, model.parameters.flat)
    assert max_relative_error(analytic, numeric) < TOLERANCE


def test_default_size_vae_gradient_matches_finite_differences_on_sampled_entries(rng):
    """The real 784-512-256-2 architecture: check 200 random parameters of every layer kind."""
    model = build_model(ModelConfig(kind="vae", dtype="float64"), rng)
    x = rng.random((4, 784))
    eps = rng.standard_normal((4, 2))
    model.forward_backward(x, 1.0, eps)
    analytic = model.parameters.grad_flat
    flat = model.parameters.flat
    indices = rng.choice(flat.size, 200, replace=False)
    numeric = np.empty(len(indices))
    for k, i in enumerate(indices):
        view = flat[i:i + 1]
        numeric[k] = numerical_gradient(lambda: model.evaluate(x, 1.0, eps).total, view)[0]
    # The loss here is ~740 nats, so the difference quotient carries ~4e-10 of rounding noise:
    # entries below 1e-3 are held to an absolute error of 1e-9 instead.
    assert max_relative_error(analytic[indices], numeric, floor=1e-3) < TOLERANCE
