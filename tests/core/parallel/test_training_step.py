"""The two-phase training step split over processes, against the plain one-process gradient and optimizer."""
import gc
import math
import os

import numpy as np
import pytest

from core.nn.config import ModelConfig
from core.nn.models import build_model
from core.nn.optim import build_optimizer
from core.parallel import training_step
from core.parallel.helper_process import REPORT, STEP, HelperFailed
from core.parallel.shared_arrays import shared_folder
from core.parallel.training_step import (
    GRADIENT,
    LEARNING_RATE,
    STEP_HEADER,
    VETOED,
    ParallelTrainingStep,
    split_parameter_blocks,
)

CONFIG = dict(input_dim=30, hidden=(20, 12), latent_dim=3, dtype="float64")


def model_and_batch(kind, seed=0, batch=11):
    rng = np.random.default_rng(seed)
    model = build_model(ModelConfig(kind=kind, **CONFIG), rng)
    model.parameters.flat[:] += rng.standard_normal(model.parameters.size) * 0.1
    x = rng.random((batch, 30))
    eps = rng.standard_normal((batch, 3)) if kind == "vae" else None
    return model, x, eps


def trained_in_one_process(kind, optimizer, steps, beta):
    """The model of ``model_and_batch(kind)`` after ``steps`` plain steps on its batch (whole gradient, then the
    optimizer's ``step``)."""
    plain, x, eps = model_and_batch(kind)
    plain_optimizer = build_optimizer(optimizer, plain.parameters.flat, 0.01)
    for _ in range(steps):
        plain.forward_backward(x, beta, eps)
        plain_optimizer.step(plain.parameters.grad_flat)
    return plain


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
@pytest.mark.parametrize("parts", [1, 2, 3])
def test_a_parallel_step_equals_the_whole_gradient_then_the_optimizer(kind, optimizer, parts):
    parallel, x, eps = model_and_batch(kind)
    plain, _, _ = model_and_batch(kind)
    step = ParallelTrainingStep(parallel, build_optimizer(optimizer, parallel.parameters.flat, 0.01), parts)
    plain_optimizer = build_optimizer(optimizer, plain.parameters.flat, 0.01)
    for _ in range(3):
        outcome = step(x, 0.7, eps)
        losses = plain.forward_backward(x, 0.7, eps)
        plain_optimizer.step(plain.parameters.grad_flat)
        assert outcome.applied
        assert outcome.losses.total == pytest.approx(losses.total, rel=1e-12)
        assert outcome.losses.kl == pytest.approx(losses.kl, rel=1e-12)
    np.testing.assert_allclose(parallel.parameters.flat, plain.parameters.flat, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("parts", [1, 2])
def test_shares_updated_in_many_small_chunks_give_the_same_step(monkeypatch, parts):
    monkeypatch.setattr(training_step, "CHUNK", 25)     # 1-2 block rows a chunk here (this process's part only)
    parallel, x, eps = model_and_batch("vae")
    step = ParallelTrainingStep(parallel, build_optimizer("adam", parallel.parameters.flat, 0.01), parts)
    for _ in range(3):
        step(x, 0.7, eps)
    plain = trained_in_one_process("vae", "adam", 3, 0.7)
    assert len(step._own._chunks) > 2 * len(step._own.shares)
    np.testing.assert_allclose(parallel.parameters.flat, plain.parameters.flat, rtol=1e-10, atol=1e-12)
    step.close()


def test_a_batch_in_the_input_buffer_is_loaded_in_place_the_helpers_rows_first():
    model, x, eps = model_and_batch("vae")
    plain, _, _ = model_and_batch("vae")
    step = ParallelTrainingStep(model, build_optimizer("sgd", model.parameters.flat, 0.01), 2)
    loaded = []

    def load_rows(rows):
        loaded.append(rows)
        buffer[rows] = x[rows]

    buffer = step.input_buffer(len(x))
    outcome = step(step.input_buffer(len(x)), 1.0, eps, load_rows)
    assert loaded == [slice(5, 11), slice(0, 5)]        # the helper's rows, then this process's, each once
    assert outcome.losses.total == pytest.approx(plain.evaluate(x, 1.0, eps).total, rel=1e-12)
    step.close()


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
    assert np.isfinite(outcome.losses.total) and outcome.gradient_bound > 1e38
    assert not outcome.applied and optimizer.t == 0
    assert np.array_equal(model.parameters.flat, before)


def optimizer_state(optimizer):
    return {name: array.copy() for name, array in optimizer.state_arrays().items()}, optimizer.t


@pytest.mark.parametrize("in_helpers", [False, True])
@pytest.mark.parametrize("parts", [1, 2])
@pytest.mark.parametrize("case", ["lr inf", "lr 1e300", "gradient"])
def test_a_step_that_could_leave_non_finite_values_is_rejected_and_changes_nothing_in_any_process(parts, case,
                                                                                                   in_helpers):
    """In float32, a learning rate of inf or 1e300 makes Adam's update infinite, and a squared gradient above
    (1 - b2) FLOAT32_MAX / 2 could, step after step, make V infinite; such steps used to be applied. Rejected, no
    part changes anything: the parameters and Adam's moments, which the helper's part updates too in the shared
    arrays, are bitwise those before."""
    rng = np.random.default_rng(0)
    model = build_model(ModelConfig(kind="ae", **{**CONFIG, "dtype": "float32"}), rng)
    x, eps = rng.random((4, 30)).astype(np.float32), None
    optimizer = build_optimizer("adam", model.parameters.flat, 0.01)
    step = ParallelTrainingStep(model, optimizer, parts, in_helpers)
    step(x, 1.0, eps)                                     # helpers started, moments not zero
    if case == "gradient":
        x[0, 0] = 3e9                                     # |g|^2 above Adam's limit (1.7e35), below FLOAT32_MAX
    else:
        optimizer.lr = math.inf if case == "lr inf" else 1e300
    before = model.parameters.flat.copy(), optimizer_state(optimizer)
    outcome = step(x, 1.0, eps)
    assert outcome.rejected == (GRADIENT if case == "gradient" else LEARNING_RATE) and not outcome.applied
    if case == "gradient":
        assert optimizer.gradient_limit < outcome.gradient_bound < np.finfo(np.float32).max
    assert np.array_equal(model.parameters.flat, before[0])
    state, t = optimizer_state(optimizer)
    assert t == before[1][1] == 1 and all(np.array_equal(state[name], before[1][0][name]) for name in state)
    optimizer.lr = 0.01
    x[0, 0] = 0.5
    assert step(x, 1.0, eps).applied and np.isfinite(model.parameters.flat).all()       # and training goes on
    step.close()


@pytest.mark.parametrize("in_helpers", [False, True])
@pytest.mark.parametrize("parts", [1, 2])
def test_vet_sees_the_state_before_the_step_and_may_reject_it(parts, in_helpers):
    model, x, eps = model_and_batch("ae")
    optimizer = build_optimizer("adam", model.parameters.flat, 0.01)
    step = ParallelTrainingStep(model, optimizer, parts, in_helpers)
    seen = []

    def vet(losses):
        seen.append((losses.total, model.parameters.flat.copy(), optimizer.t))
        return len(seen) < 3

    weights = model.parameters.flat.copy()
    assert step(x, 1.0, eps, vet=vet).applied
    assert step(x, 1.0, eps, vet=vet).applied
    after_two = model.parameters.flat.copy()
    outcome = step(x, 1.0, eps, vet=vet)
    assert outcome.rejected == VETOED and optimizer.t == 2
    assert np.array_equal(model.parameters.flat, after_two)
    assert np.array_equal(seen[0][1], weights) and seen[0][2] == 0 and np.array_equal(seen[2][1], after_two)
    assert seen[2][0] == outcome.losses.total
    step.close()


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("parts", [1, 2])
def test_steps_in_helpers_equal_steps_partly_in_this_process(kind, parts):
    """Every part in a helper computes what part 0 in this process and the rest in helpers compute: the same rows
    per part, the losses summed in the same order."""
    models = [model_and_batch(kind)[0] for _ in range(2)]
    _, x, eps = model_and_batch(kind)
    steps = [ParallelTrainingStep(model, build_optimizer("adam", model.parameters.flat, 0.01), parts, in_helpers)
             for model, in_helpers in zip(models, (False, True))]
    try:
        for _ in range(3):
            partly, wholly = (step(x, 0.7, eps) for step in steps)
            assert partly.applied and wholly.applied
            for field in ("total", "rec", "kl"):
                assert getattr(wholly.losses, field) == pytest.approx(getattr(partly.losses, field), rel=1e-12)
        assert len(steps[1].helpers) == parts and steps[1].in_helpers
        np.testing.assert_allclose(models[1].parameters.flat, models[0].parameters.flat, rtol=1e-12, atol=1e-14)
        assert steps[1].optimizer.t == steps[0].optimizer.t == 3
    finally:
        for step in steps:
            step.close()


def test_in_helpers_this_process_computes_nothing_of_a_step_and_close_ends_the_helpers(monkeypatch):
    model, x, eps = model_and_batch("vae")
    step = ParallelTrainingStep(model, build_optimizer("adam", model.parameters.flat, 0.01), 2, in_helpers=True)
    loaded = []

    def load_rows(rows):
        loaded.append(rows)
        buffer[rows] = x[rows]

    def computes(*args):
        raise AssertionError("a part of the step ran in the calling process")

    buffer = step.input_buffer(len(x))
    for name in ("forward_backward", "begin_update", "finish_update"):
        monkeypatch.setattr(training_step.StepPart, name, computes)
    monkeypatch.setattr(model, "forward_backward_rows", computes)
    assert step(buffer, 1.0, eps, load_rows).applied
    assert loaded == [slice(0, 5), slice(5, 11)]           # each helper's rows, before its part starts
    processes = [helper.process for helper in step.helpers]
    assert len(processes) == 2 and all(process.poll() is None for process in processes)
    step.close()
    assert all(process.poll() is not None for process in processes) and step.helpers == ()


def test_an_error_in_this_process_is_raised_ends_the_helpers_and_the_next_step_runs():
    model, x, eps = model_and_batch("vae")
    step = ParallelTrainingStep(model, build_optimizer("adam", model.parameters.flat, 0.01), 2)
    step(x, 1.0, eps)
    helper = step.helpers[0]
    original = model.forward_backward_rows

    def fails(*args):
        raise MemoryError("no room")

    model.forward_backward_rows = fails
    with pytest.raises(MemoryError, match="no room"):
        step(x, 1.0, eps)
    assert helper.process.poll() is not None               # it was ended, not left waiting for a verdict
    model.forward_backward_rows = original
    assert step(x, 1.0, eps).applied                       # new helpers
    step.close()


def test_a_helper_that_dies_is_reported_and_replaced():
    model, x, eps = model_and_batch("vae")
    optimizer = build_optimizer("adam", model.parameters.flat, 0.01)
    step = ParallelTrainingStep(model, optimizer, 2)
    step(x, 1.0, eps)
    step.helpers[0].process.kill()
    with pytest.raises(HelperFailed, match=r"^The training helper process ended \(stopped by SIGKILL\)\.$"):
        step(x, 1.0, eps)
    assert step(x, 1.0, eps).applied
    step.close()


def test_a_failure_inside_a_helper_reaches_the_caller_with_its_traceback():
    model, x, eps = model_and_batch("vae")
    step = ParallelTrainingStep(model, build_optimizer("adam", model.parameters.flat, 0.01), 2)
    step(x, 1.0, eps)
    helper = step.helpers[0]
    helper.send(STEP, STEP_HEADER.pack(len(x) + 1, 1.0, True))    # more rows than its shared buffers hold
    with pytest.raises(HelperFailed, match="(?s)failed:.*Traceback.*outside shared memory"):
        helper.receive(REPORT)
    step.close()


def test_closing_ends_the_helpers_and_leaves_no_file_behind():
    model, x, eps = model_and_batch("ae")
    step = ParallelTrainingStep(model, build_optimizer("sgd", model.parameters.flat, 0.01), 3)
    ours = f"latent-lab-{os.getpid()}-*.shm"          # other test runs on the machine may make theirs meanwhile
    before = set(shared_folder().glob(ours))
    step(x, 1.0, eps)
    processes = [helper.process for helper in step.helpers]
    assert len(processes) == 2 and all(p.poll() is None for p in processes)
    assert set(shared_folder().glob(ours)) == before       # unlinked once the helpers had mapped it
    weights = model.parameters.flat.copy()
    step.close()
    assert all(p.poll() is not None for p in processes)
    np.testing.assert_array_equal(model.parameters.flat, weights)        # the model keeps its weights
    larger = np.concatenate([x, x])
    assert model.forward_backward(larger).total == pytest.approx(model.evaluate(larger).total, rel=1e-12)


def test_helpers_end_when_their_step_is_dropped_without_closing():
    model, x, eps = model_and_batch("ae")
    step = ParallelTrainingStep(model, build_optimizer("sgd", model.parameters.flat, 0.01), 2)
    step(x, 1.0, eps)
    process = step.helpers[0].process
    del step
    gc.collect()
    assert process.wait(5) == 0


@pytest.mark.parametrize("parts, in_helpers", [(2, False), (1, True), (2, True)])
def test_without_helpers_it_warns_and_trains_in_this_process(monkeypatch, parts, in_helpers):
    def cannot_start(setup):
        raise OSError("no processes here")

    monkeypatch.setattr(training_step, "HelperProcess", cannot_start)
    parallel, x, eps = model_and_batch("vae")
    step = ParallelTrainingStep(parallel, build_optimizer("adam", parallel.parameters.flat, 0.01), parts, in_helpers)
    with pytest.warns(RuntimeWarning, match="Training on one core: no processes here"):
        outcome = step(x, 1.0, eps)
    assert outcome.applied and step.parts == 1 and not step.in_helpers
    plain = trained_in_one_process("vae", "adam", 1, 1.0)
    np.testing.assert_allclose(parallel.parameters.flat, plain.parameters.flat, rtol=1e-10, atol=1e-12)


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
    model.forward_backward(x[:5], 1.0, eps[:5])                # the one-process path: 5-row buffers
    assert step(x, 1.0, eps).losses.total == pytest.approx(model.evaluate(x, 1.0, eps).total, rel=1e-12)
    larger = np.concatenate([x, x[:4]])                        # more rows than the shared buffers hold
    noise = np.concatenate([eps, eps[:4]])
    assert step(larger, 1.0, noise).losses.total == pytest.approx(model.evaluate(larger, 1.0, noise).total, rel=1e-12)
    step.close()


def test_every_process_flushes_adams_decaying_moments_on_the_same_steps():
    # Blank images after the first step: the first layer's weights get zero gradients, and their moments decay.
    rng = np.random.default_rng(3)
    config = ModelConfig(kind="ae", **{**CONFIG, "dtype": "float32"})
    models = [build_model(config, np.random.default_rng(0)) for _ in range(2)]
    optimizers = [build_optimizer("adam", model.parameters.flat, 0.01) for model in models]
    step = ParallelTrainingStep(models[0], optimizers[0], 2)
    first, blank = rng.random((11, 30)).astype(np.float32), np.zeros((11, 30), np.float32)
    for t in range(800):                          # 0.9^800 would take the moments into subnormals
        x = first if t == 0 else blank
        step(x, 1.0, None)
        models[1].forward_backward(x)
        optimizers[1].step(models[1].parameters.grad_flat)
    step.close()
    m = optimizers[0].m
    assert not ((m != 0) & (np.abs(m) < np.finfo(np.float32).tiny)).any()
    np.testing.assert_array_equal(m == 0, optimizers[1].m == 0)
    np.testing.assert_allclose(models[0].parameters.flat, models[1].parameters.flat, rtol=1e-5, atol=1e-7)
