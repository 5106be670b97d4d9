"""The two-phase parallel training step against the plain one-thread gradient and optimizer."""
import numpy as np
import pytest

from core.config import ModelConfig
from core.data_parallel import ParallelTrainingStep, split_parameter_blocks
from core.models import build_model
from core.optim import build_optimizer

CONFIG = dict(input_dim=30, hidden=(20, 12), latent_dim=3, dtype="float64")


def model_and_batch(kind, seed=0, batch=11):
    rng = np.random.default_rng(seed)
    model = build_model(ModelConfig(kind=kind, **CONFIG), rng)
    model.parameters.flat[:] += rng.standard_normal(model.parameters.size) * 0.1
    x = rng.random((batch, 30))
    eps = rng.standard_normal((batch, 3)) if kind == "vae" else None
    return model, x, eps


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_parallel_step_equals_the_whole_gradient_then_the_optimizer(kind, optimizer, threads):
    parallel, x, eps = model_and_batch(kind)
    plain, _, _ = model_and_batch(kind)
    step = ParallelTrainingStep(parallel, build_optimizer(optimizer, parallel.parameters.flat, 0.01), threads)
    plain_optimizer = build_optimizer(optimizer, plain.parameters.flat, 0.01)
    for _ in range(3):
        outcome = step(x, 0.7, eps)
        parts = plain.forward_backward(x, 0.7, eps)
        plain_optimizer.step(plain.parameters.grad_flat)
        assert outcome.applied
        assert outcome.parts.total == pytest.approx(parts.total, rel=1e-12)
        assert outcome.parts.kl == pytest.approx(parts.kl, rel=1e-12)
    np.testing.assert_allclose(parallel.parameters.flat, plain.parameters.flat, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_the_divergence_bound_is_at_least_the_squared_gradient_norm(kind):
    for seed in range(5):
        model, x, eps = model_and_batch(kind, seed)
        model.parameters.flat[:] *= 1 + seed            # larger weights, larger gradients
        copy, _, _ = model_and_batch(kind, seed)
        copy.parameters.flat[:] = model.parameters.flat
        outcome = ParallelTrainingStep(model, build_optimizer("sgd", model.parameters.flat, 0.0), 2)(x, 1.0, eps)
        copy.forward_backward(x, 1.0, eps)
        gradient = copy.parameters.grad_flat
        assert float(gradient @ gradient) <= outcome.gradient_bound


def test_a_step_with_an_overflowing_gradient_bound_changes_nothing():
    model, x, eps = model_and_batch("ae", batch=4)
    optimizer = build_optimizer("adam", model.parameters.flat, 0.01)
    step = ParallelTrainingStep(model, optimizer, 2)
    x[0, 0] = 1e30                       # finite input, but x^T dy overflows float32 territory
    before = model.parameters.flat.copy()
    outcome = step(x, 1.0, eps)
    assert np.isfinite(outcome.parts.total) and outcome.gradient_bound > 1e38
    assert not outcome.applied and optimizer.t == 0
    assert np.array_equal(model.parameters.flat, before)


def test_an_error_in_one_thread_is_raised_and_leaves_no_thread_waiting():
    model, x, eps = model_and_batch("vae")
    step = ParallelTrainingStep(model, build_optimizer("adam", model.parameters.flat, 0.01), 2)
    original = model.forward_backward_rows

    def fails_on_later_rows(x, rows, *args):
        if rows.start:
            raise MemoryError("no room")
        return original(x, rows, *args)

    model.forward_backward_rows = fails_on_later_rows
    with pytest.raises(MemoryError, match="no room"):
        step(x, 1.0, eps)
    model.forward_backward_rows = original
    assert step(x, 1.0, eps).applied                   # the next step runs normally


def test_parameter_shares_cover_every_parameter_once_in_near_equal_loads():
    model = build_model(ModelConfig(kind="vae"), np.random.default_rng(0))
    shares = split_parameter_blocks(model.parameter_blocks(), 2)
    covered = np.zeros(model.parameters.size, dtype=int)
    for share in (s for thread in shares for s in thread):
        covered[share.span] += 1
        assert share.span.stop - share.span.start == (share.rows.stop - share.rows.start) * share.layer.shapes["W"][1]
    assert (covered == 1).all()
    loads = [sum(s.span.stop - s.span.start for s in thread) for thread in shares]
    assert max(loads) / min(loads) < 1.01


def test_a_step_after_training_on_another_batch_size_sizes_its_buffers_again():
    model, x, eps = model_and_batch("vae", batch=11)
    step = ParallelTrainingStep(model, build_optimizer("sgd", model.parameters.flat, 0.0), 2)
    step(x, 1.0, eps)
    model.forward_backward(x[:5], 1.0, eps[:5])                # the one-thread path: 5-row buffers
    assert step(x, 1.0, eps).parts.total == pytest.approx(model.evaluate(x, 1.0, eps).total, rel=1e-12)
