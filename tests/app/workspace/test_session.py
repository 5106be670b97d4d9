"""The session (no Qt): epochs are a total, raised when a run starts past it, batch sizes, dirty tracking,
checkpoints round trip."""
from __future__ import annotations

import numpy as np
import pytest

from app.workspace.session import Session, model_file_stem
from core.nn.config import ModelConfig
from core.training.checkpoint import CheckpointError
from core.training.config import TrainConfig
from tests.helpers import SMALL_MODEL, SMALL_TRAINING, weights


@pytest.fixture
def session(small_dataset) -> Session:
    return Session(small_dataset, "small", SMALL_MODEL, SMALL_TRAINING)


def test_epochs_is_a_total_raised_by_as_many_when_a_run_starts_on_a_model_that_has_them(session, tmp_path):
    assert session.run_config().epochs == 2
    trainer = session.make_trainer()
    for _ in trainer.run():
        pass
    assert session.epochs_done == 2 and session.train_config.epochs == 2
    assert session.run_config().epochs == 4 and session.train_config.epochs == 2     # asking changes nothing
    trainer = session.make_trainer()
    assert trainer.config.epochs == session.train_config.epochs == 4                   # a run raises the total
    trainer.step()
    session.save(tmp_path / "m.npz")
    assert Session.read_checkpoint(tmp_path / "m.npz").train_config.epochs == 4      # saved: the total


def test_batch_sizes_count_the_short_last_batch_of_each_epoch(small_dataset):
    session = Session(small_dataset, "small", SMALL_MODEL, TrainConfig(batch_size=100))   # 640 = 6 x 100 + 40
    assert session.batches_per_epoch == 7
    assert session.batch_sizes(1, 7) == 640
    assert session.batch_sizes(6, 8) == 100 + 40 + 100
    assert session.batch_sizes(1, 14) == 1280


def test_dirty_means_trained_since_saved(session, tmp_path):
    assert not session.dirty
    session.make_trainer().step()
    assert session.dirty and session.trained
    session.save(tmp_path / "m.npz")
    assert not session.dirty and session.path == tmp_path / "m.npz"
    session.new_model(SMALL_MODEL)
    assert not session.dirty and not session.trained and session.path is None


def test_the_strip_shows_one_test_image_per_class_and_fixed_prior_draws(session):
    labels = session.dataset.test_labels[session.strip_indices()]
    assert labels.tolist() == list(range(10))
    assert np.array_equal(session.prior_draws(), session.prior_draws())
    assert session.prior_draws().shape == (20, 2)


def test_adopting_a_checkpoint_restores_model_optimizer_settings_and_history(session, tmp_path, small_dataset):
    session.set_lr(0.003)
    trainer = session.make_trainer()
    for _ in range(12):
        trainer.step()
    path = tmp_path / "m.npz"
    session.save(path)
    other = Session(small_dataset, "small", SMALL_MODEL, TrainConfig(), parts=2)
    other.adopt(Session.read_checkpoint(path), path)
    assert np.array_equal(weights(other.model), weights(session.model))
    assert other.optimizer.t == session.optimizer.t and np.array_equal(other.optimizer.m, session.optimizer.m)
    assert other.train_config.lr == pytest.approx(0.003) and other.history.loss == session.history.loss
    # Both continue identically (the optimizer was rebuilt for two threads, with the same state).
    a, b = session.make_trainer().step(), other.make_trainer().step()
    assert a.loss == pytest.approx(b.loss, rel=1e-5)


def test_an_unreadable_checkpoint_raises_naming_the_file(tmp_path):
    path = tmp_path / "nope.npz"
    path.write_text("hello")
    with pytest.raises(CheckpointError, match="nope.npz"):
        Session.read_checkpoint(path)


def test_the_optimizer_of_a_trained_model_cannot_change(session):
    session.make_trainer().step()
    with pytest.raises(ValueError):
        session.set_train_config(TrainConfig(optimizer="sgd"))


@pytest.mark.parametrize(("kind", "latent_dim", "spec", "stem"), [
    ("vae", 2, "mnist5k", "vae-z2-mnist5k"), ("ae", 8, "fashion", "ae-z8-fashion"),
    ("vae", 16, "/data/My Digits.npz", "vae-z16-my-digits"), ("ae", 2, "/data/mnist-idx/", "ae-z2-mnist-idx"),
    ("vae", 2, "", "vae-z2-data"),
])
def test_a_model_file_is_named_for_its_kind_latent_size_and_data(kind, latent_dim, spec, stem):
    assert model_file_stem(ModelConfig(kind=kind, latent_dim=latent_dim), spec) == stem


def test_a_saved_model_is_named_for_its_file(session, tmp_path):
    assert session.file_stem() == "vae-z2-small"
    session.save(tmp_path / "mine.npz")
    assert session.file_stem() == "mine"
