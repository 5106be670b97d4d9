"""The textbook engine (core/nn/reference.py) against finite differences, and the fast engine against it.

The fast engine (core/nn/models.py, Adam in core/nn/optim.py, the step in core/parallel/training_step.py) shares
no code with the reference: equal parameters after the same steps, in float64, show that the two compute the same.
"""
import numpy as np
import pytest

from core.nn import reference
from core.nn.config import ModelConfig
from core.nn.gradcheck import max_relative_error, numerical_gradient
from core.nn.models import build_model
from core.nn.optim import Adam
from core.parallel.training_step import ParallelTrainingStep

TOLERANCE = 1e-6          # finite differences
RTOL = 1e-10              # the two engines
ATOL = 1e-13              # for values that should be zero or nearly so (weights are ~0.1-1, updates ~lr)
LR = 0.01
STEPS = 3


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
@pytest.mark.parametrize("reconstruction", ["bernoulli", "sse"])
def test_reference_gradients_match_finite_differences(kind, activation, reconstruction, rng):
    params = reference.init_params(kind, 9, (8, 6), 3, activation, rng)
    for p in params.values():
        p += rng.standard_normal(p.shape) * 0.1            # non-zero biases too
    x = rng.random((5, 9))
    eps = rng.standard_normal((5, 3)) if kind == "vae" else None
    beta = 0.8
    _, grads = reference.loss_and_gradients(params, x, activation, reconstruction, beta, eps)
    assert grads.keys() == params.keys()

    def total():
        cache = reference.forward(params, x, activation, eps)
        return reference.objective(cache, x, reconstruction, beta)[0]["total"]

    for name, p in params.items():
        assert max_relative_error(grads[name], numerical_gradient(total, p)) < TOLERANCE, name


def test_reference_kl_is_zero_at_the_prior_and_positive_elsewhere(rng):
    kl, d_mu, d_log_var = reference.kl_divergence(np.zeros((2, 3)), np.zeros((2, 3)))
    assert kl == 0 and not d_mu.any() and not d_log_var.any()
    assert reference.kl_divergence(rng.standard_normal((2, 3)), rng.standard_normal((2, 3)))[0] > 0


def test_reference_adam_first_step_moves_every_parameter_by_about_lr():
    """At t = 1, m_hat = g and v_hat = g^2: the step is lr * g / (|g| + eps)."""
    params, grads = {"w": np.array([1.0, 2.0, 3.0])}, {"w": np.array([0.5, -2.0, 0.0])}
    new, state = reference.adam_step(params, grads, reference.adam_init(params), LR, 1)
    np.testing.assert_allclose(new["w"], [1.0 - LR * 0.5 / (0.5 + 1e-8), 2.0 + LR * 2 / (2 + 1e-8), 3.0], rtol=1e-15)
    np.testing.assert_allclose(state["v"]["w"], 0.001 * grads["w"] ** 2)
    assert params["w"][0] == 1.0                             # the arguments are left unchanged


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_reference_initialisation_draws_the_fast_engines_weights(kind, activation):
    config = ModelConfig(kind=kind, input_dim=20, hidden=(16, 8), latent_dim=2, activation=activation,
                         dtype="float64")
    fast = build_model(config, np.random.default_rng(5)).parameters.values
    params = reference.init_params(kind, 20, (16, 8), 2, activation, np.random.default_rng(5))
    assert list(params) == list(fast)
    for name in params:
        np.testing.assert_array_equal(params[name], fast[name])


def fast_and_reference(kind, activation, reconstruction, seed=0):
    """A float64 fast model (784-16-8-2) with perturbed weights, and a copy of its parameters as a reference dict."""
    rng = np.random.default_rng(seed)
    config = ModelConfig(kind=kind, input_dim=784, hidden=(16, 8), latent_dim=2, activation=activation,
                         reconstruction=reconstruction, dtype="float64")
    model = build_model(config, rng)
    model.parameters.flat[:] += rng.standard_normal(model.parameters.size) * 0.1     # non-zero biases too
    return model, {name: value.copy() for name, value in model.parameters.values.items()}


def batches(kind, seed=1, batch=12):
    """STEPS fixed batches (batch, 784) and noises (batch, 2), None for the AE."""
    rng = np.random.default_rng(seed)
    return [(rng.random((batch, 784)), rng.standard_normal((batch, 2)) if kind == "vae" else None)
            for _ in range(STEPS)]


def assert_steps_agree(kind, activation, reconstruction, parts, beta=0.7, in_helpers=False):
    """STEPS steps of ParallelTrainingStep over ``parts`` processes (all of them helpers with ``in_helpers``), and of
    reference.train_step, on the same batches: the losses of every step and the parameters after it agree to RTOL."""
    model, params = fast_and_reference(kind, activation, reconstruction)
    step = ParallelTrainingStep(model, Adam(model.parameters.flat, lr=LR), parts, in_helpers)
    state = reference.adam_init(params)
    try:
        for t, (x, eps) in enumerate(batches(kind), start=1):
            outcome = step(x, beta, eps)
            params, state, losses = reference.train_step(params, state, t, x, activation, reconstruction, LR, beta, eps)
            assert outcome.applied and step.parts == parts and len(step.helpers) == parts - 1 + in_helpers
            for field in ("total", "rec", "kl"):
                assert getattr(outcome.losses, field) == pytest.approx(losses[field], rel=RTOL, abs=ATOL), field
            fast = model.parameters.values            # views of the (maybe shared) flat vector
            assert list(fast) == list(params)
            for name in params:
                np.testing.assert_allclose(fast[name], params[name], rtol=RTOL, atol=ATOL, err_msg=f"{name}, t={t}")
            if kind == "ae":
                assert outcome.losses.kl == 0 == losses["kl"]
    finally:
        step.close()


@pytest.mark.parametrize("parts, in_helpers", [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("reconstruction", ["bernoulli", "sse"])
@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_fast_training_steps_equal_the_reference(kind, reconstruction, parts, in_helpers):
    assert_steps_agree(kind, "leaky_relu", reconstruction, parts, in_helpers=in_helpers)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fast_training_steps_equal_the_reference_for_every_activation(activation):
    assert_steps_agree("vae", activation, "bernoulli", 1)
