"""The trainer: learning, reproducibility, pause/stop from another thread, divergence rollback."""
import dataclasses
import threading

import numpy as np
import pytest

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


def test_divergence_stops_and_keeps_the_last_good_weights_and_optimizer_state():
    trainer = make_trainer(optimizer="sgd", lr=10.0, epochs=50)
    good_params, good_velocity, good_steps = None, None, 0
    with pytest.raises(TrainingDiverged, match=r"^The (loss became (NaN|infinite)|gradient became non-finite or too "
                                                r"large) at step \d+ \(epoch 1\)\..* Try a lower learning rate"):
        for _ in trainer.run():
            good_params = trainer.model.parameters.flat.copy()
            good_velocity = trainer.optimizer.velocity.copy()
            good_steps = trainer.history.steps
    assert good_params is not None
    assert np.array_equal(trainer.model.parameters.flat, good_params)
    assert np.array_equal(trainer.optimizer.velocity, good_velocity)
    assert trainer.history.steps == good_steps
    assert np.isfinite(trainer.model.parameters.flat).all()


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
