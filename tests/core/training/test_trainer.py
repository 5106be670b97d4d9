"""The trainer: learning, reproducibility, pause/stop from another thread, divergence rollback."""
import dataclasses
import math
import threading

import numpy as np
import pytest

from core.nn.models import LossTerms
from core.parallel import training_step
from core.training.trainer import (
    EpochProgress,
    StepProgress,
    TrainingControl,
    TrainingDiverged,
)
from tests.helpers import make_trainer


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_loss_falls_over_a_few_hundred_steps(kind, optimizer):
    trainer = make_trainer(kind, optimizer, lr=3e-3, epochs=20)
    records = list(trainer.run())
    epochs = [r for r in records if isinstance(r, EpochProgress)]
    assert len(epochs) == 20 and trainer.history.steps == 20 * 16
    first, last = np.mean(trainer.history.loss[:16]), np.mean(trainer.history.loss[-16:])
    assert last < 0.6 * first
    assert epochs[-1].test_loss < epochs[0].test_loss


def test_same_seed_and_config_give_identical_losses():
    a, b = make_trainer(), make_trainer()
    list(a.run()), list(b.run())
    assert a.history.loss == b.history.loss
    c = make_trainer(seed=1)
    list(c.run())
    assert c.history.loss != a.history.loss


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_splitting_batches_over_processes_trains_the_same_model(kind):
    """Two processes each run half of every batch (500 images: the last batch of 20 splits too)."""
    one, two = make_trainer(kind), make_trainer(kind, parts=2)
    list(one.run()), list(two.run())
    np.testing.assert_allclose(two.history.loss, one.history.loss, rtol=1e-4)
    np.testing.assert_allclose(two.model.parameters.flat, one.model.parameters.flat, atol=1e-4)
    again = make_trainer(kind, parts=2)
    list(again.run())
    assert again.history.loss == two.history.loss          # and it is reproducible


@pytest.mark.parametrize("parts", [1, 2])
def test_a_trainer_with_every_part_in_helpers_trains_the_same_model(parts, monkeypatch):
    """The option reaches the step: no part runs in this process, and the run is the one trained partly here."""
    here = make_trainer("vae", parts=parts)
    list(here.run())
    here.close()

    def computes(*args):
        raise AssertionError("a part of the step ran in this process")

    monkeypatch.setattr(training_step.StepPart, "forward_backward", computes)     # the helpers have their own
    helped = make_trainer("vae", parts=parts, in_helpers=True)
    list(helped.run())
    helped.close()
    np.testing.assert_allclose(helped.history.loss, here.history.loss, rtol=1e-4)
    np.testing.assert_allclose(helped.model.parameters.flat, here.model.parameters.flat, atol=1e-4)


def test_stopping_and_continuing_gives_the_same_losses_as_one_run():
    whole = make_trainer()
    list(whole.run())
    split = make_trainer()
    control = TrainingControl()
    for record in split.run(control):
        if isinstance(record, StepProgress) and record.step == 23:
            control.request_stop()
    assert split.history.steps == 23
    list(split.run())
    assert split.history.loss == whole.history.loss


def test_progress_records_count_steps_and_epochs():
    trainer = make_trainer(epochs=2)
    records = list(trainer.run())
    steps = [r for r in records if isinstance(r, StepProgress)]
    assert [r.step for r in steps] == list(range(1, 33))
    assert [r.epoch for r in records if isinstance(r, EpochProgress)] == [0, 1]
    assert steps[-1].batch == steps[-1].batches_per_epoch == 16
    assert all(r.samples_per_s > 0 for r in steps)


def test_vae_reports_reconstruction_and_kl_that_add_up_with_beta():
    trainer = make_trainer()
    trainer.beta = 0.5
    record = trainer.step()
    assert record.kl > 0
    assert record.loss == pytest.approx(record.rec + 0.5 * record.kl)


def test_kl_warmup_raises_beta_linearly_from_zero_over_its_epochs():
    trainer = make_trainer()
    trainer.config = dataclasses.replace(trainer.config, beta=2.0, kl_warmup=2)       # 16 steps an epoch
    trainer.beta = 2.0
    list(trainer.run())
    history = trainer.history
    betas = [(loss - rec) / kl for loss, rec, kl in zip(history.loss, history.rec, history.kl)]
    assert betas[0] == pytest.approx(0.0, abs=1e-6)
    assert betas[:32] == pytest.approx([2.0 * step / 32 for step in range(32)], rel=1e-4, abs=1e-6)
    assert betas[32:] == pytest.approx([2.0] * 16, rel=1e-4)


def test_changed_learning_rate_reaches_the_optimizer_on_the_next_step():
    trainer = make_trainer()
    trainer.step()
    trainer.lr = 0.0
    before = trainer.model.parameters.flat.copy()
    trainer.step()
    assert np.array_equal(before, trainer.model.parameters.flat)


def test_pause_blocks_steps_until_resumed_from_another_thread():
    trainer = make_trainer(epochs=50)
    control = TrainingControl()
    steps_seen = []
    paused_at = threading.Event()

    def consume():
        for record in trainer.run(control):
            if isinstance(record, StepProgress):
                steps_seen.append(record.step)
                if record.step == 5:
                    control.pause()
                    paused_at.set()

    worker = threading.Thread(target=consume)
    worker.start()
    assert paused_at.wait(10)
    threading.Event().wait(0.3)
    assert steps_seen[-1] == 5                 # nothing ran while paused
    control.resume()
    threading.Event().wait(0.3)
    control.request_stop()
    worker.join(5)
    assert not worker.is_alive()
    assert steps_seen[-1] > 5


def test_stop_wakes_a_paused_loop():
    trainer = make_trainer(epochs=50)
    control = TrainingControl()
    control.pause()
    worker = threading.Thread(target=lambda: list(trainer.run(control)))
    worker.start()
    control.request_stop()
    worker.join(5)
    assert not worker.is_alive() and trainer.history.steps == 0


def scaled(losses, factor):
    return LossTerms(factor * losses.total, factor * losses.rec, factor * losses.kl)


def states_at_each_step(trainer, records):
    """Run ``trainer`` until it diverges, keeping a copy of the parameters and the optimizer's state before every
    step (after ``steps`` of them) in ``records``: {steps: (parameters, state arrays, t)}."""
    def keep():
        arrays = {name: array.copy() for name, array in trainer.optimizer.state_arrays().items()}
        records[trainer.history.steps] = (trainer.model.parameters.flat.copy(), arrays, trainer.optimizer.t)

    keep()
    for _ in trainer.run():
        keep()


def assert_state_is(trainer, record):
    parameters, arrays, t = record
    assert np.array_equal(trainer.model.parameters.flat, parameters)
    for name, array in trainer.optimizer.state_arrays().items():
        assert np.array_equal(array, arrays[name])
    assert trainer.optimizer.t == t


@pytest.mark.parametrize("parts", [1, 2])
def test_a_vae_diverging_at_learning_rate_10_goes_back_to_a_good_state_where_1e3_trains(parts):
    """The issue's case: at 10 the first step already wrecks the weights and the loss blows up, then becomes NaN
    or stays huge. The trainer goes back to the state kept before that (here the start), history cut back to it,
    in both processes (they share the arrays); from there a sane learning rate trains."""
    trainer = make_trainer("vae", lr=10.0, epochs=50, parts=parts)
    records = {}
    with pytest.raises(TrainingDiverged, match=r" step \d+ \(epoch \d+\)\..* went back to how they were before "
                                                r"the first step.* Try a lower learning rate \(now 10\) or a "
                                                r"smaller beta, or reset the model") as caught:
        states_at_each_step(trainer, records)
    assert caught.value.restored_step == 0 and trainer.history.steps == 0 and trainer.history.epochs == []
    assert_state_is(trainer, records[0])
    trainer.lr = 1e-3
    losses = [trainer.step().loss for _ in range(64)]
    assert np.mean(losses[-16:]) < 0.8 * np.mean(losses[:16])         # 60 -> 44 nats
    trainer.close()


def test_a_rejected_step_goes_back_to_the_last_kept_state_and_cuts_the_history_back():
    """A step whose loss is NaN is rejected; the model, SGD's velocity and step count, and the history go back to
    the last state kept (every 4 steps here): the one before step 9, whose loss was normal."""
    trainer = make_trainer(optimizer="sgd", lr=0.01, epochs=50)
    trainer.keep_every = 4
    forward_backward_rows = trainer.model.forward_backward_rows
    calls = []

    def blows_up_at_step_11(*args, **kwargs):
        calls.append(None)
        losses = forward_backward_rows(*args, **kwargs)
        return losses if len(calls) <= 10 else LossTerms(math.nan, math.nan, 0.0)

    trainer.model.forward_backward_rows = blows_up_at_step_11
    records = {}
    with pytest.raises(TrainingDiverged, match=r"^The loss became NaN at step 11 \(epoch 1\)\. Training stopped, "
                                                r"and the weights and optimizer state went back to how they were "
                                                r"after step 8, the last known to be good\.") as caught:
        states_at_each_step(trainer, records)
    assert caught.value.step == 11 and caught.value.restored_step == 8
    assert trainer.history.steps == 8 and len(trainer.history.rec) == len(trainer.history.kl) == 8
    assert_state_is(trainer, records[8])
    assert np.isfinite(trainer.model.parameters.flat).all()


def test_a_loss_that_stays_far_above_its_median_stops_the_run_and_goes_back():
    """A blow-up that stays finite: from step 31 the loss is 1000 times its value; the rule fires at its 20th step
    there (step 50), which is not applied, and the run goes back to the last state kept (every 10 steps at a
    normal loss): the one before step 21, since step 31's loss, that of the state before it, was already high."""
    trainer = make_trainer("ae", epochs=50)
    trainer.keep_every = 10
    forward_backward_rows = trainer.model.forward_backward_rows

    def thousandfold_after_30(*args, **kwargs):
        losses = forward_backward_rows(*args, **kwargs)
        return losses if trainer.history.steps < 30 else scaled(losses, 1000)

    trainer.model.forward_backward_rows = thousandfold_after_30
    records = {}
    with pytest.raises(TrainingDiverged, match=r"^The loss stayed above 10 times its recent median \(\d+\.?\d*\) "
                                                r"for 20 steps in a row, up to step 50 \(epoch 4\)\. .*after step 20,"):
        states_at_each_step(trainer, records)
    assert trainer.history.steps == 20
    assert_state_is(trainer, records[20])


def test_a_change_of_beta_starts_the_blow_up_rule_afresh():
    """A new beta changes what the loss measures: a loss 50 times higher after it is no blow-up."""
    trainer = make_trainer("vae", epochs=50)
    forward_backward_rows = trainer.model.forward_backward_rows

    def fiftyfold_at_beta_2(x, rows, beta, eps):
        losses = forward_backward_rows(x, rows, beta, eps)
        return scaled(losses, 50) if trainer.beta == 2.0 else losses

    trainer.model.forward_backward_rows = fiftyfold_at_beta_2
    for _ in range(30):
        trainer.step()
    trainer.beta = 2.0
    for _ in range(40):
        trainer.step()
    assert trainer.history.steps == 70


def test_a_learning_rate_out_of_range_is_refused():
    trainer = make_trainer()
    for lr in (math.inf, math.nan, 1e300, -1e-3, 11.0):
        with pytest.raises(ValueError, match="learning rate"):
            trainer.lr = lr
    assert trainer.lr == 3e-3


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_test_set_losses_split_over_the_steps_threads_equal_one_pass(kind):
    """evaluate_test sums the losses of the test set's parts on the step's threads: the same as one pass."""
    trainer = make_trainer(kind, parts=2)
    trainer.step()
    split = trainer.evaluate_test()
    x = trainer.test_images.astype(np.float32) / 255
    eps = None
    if kind == "vae":
        eps = np.random.default_rng((trainer.config.seed, 2)).standard_normal((len(x), 2)).astype(np.float32)
    whole = trainer.model.evaluate(x, 1.0, eps)
    for field in ("total", "rec", "kl"):
        assert getattr(split, field) == pytest.approx(getattr(whole, field), rel=1e-5)
    trainer.close()
