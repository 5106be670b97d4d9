"""Checkpoints round-trip everything needed to continue, and refuse bad files clearly."""
import json
import os

import numpy as np
import pytest

from core.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from tests.helpers import make_trainer


def trained_checkpoint(steps=20, **kwargs):
    trainer = make_trainer(**kwargs)
    for _ in zip(range(steps), trainer.run()):
        pass
    return trainer, Checkpoint(trainer.model, trainer.optimizer, trainer.config, "blobs", trainer.history)


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_round_trip_restores_weights_optimizer_settings_and_history(tmp_path, optimizer):
    trainer, checkpoint = trained_checkpoint(steps=40, optimizer=optimizer)
    path = tmp_path / "model.npz"
    save_checkpoint(path, checkpoint)
    loaded = load_checkpoint(path)
    assert loaded.model.config == trainer.model.config
    assert loaded.train_config == trainer.config
    assert loaded.dataset == "blobs"
    np.testing.assert_array_equal(loaded.model.parameters.flat, trainer.model.parameters.flat)
    for key, value in trainer.optimizer.state_dict().items():
        np.testing.assert_array_equal(loaded.optimizer.state_dict()[key], value)
    assert loaded.history.loss == trainer.history.loss and loaded.history.kl == trainer.history.kl
    assert loaded.history.epochs == trainer.history.epochs


def test_training_continued_from_a_checkpoint_matches_uninterrupted_training(tmp_path):
    from core.training.trainer import Trainer
    whole = make_trainer()
    list(whole.run())
    _, checkpoint = trained_checkpoint(steps=23)
    save_checkpoint(tmp_path / "c.npz", checkpoint)
    loaded = load_checkpoint(tmp_path / "c.npz")
    resumed = Trainer(loaded.model, loaded.optimizer, whole.train_images, whole.test_images,
                      loaded.train_config, loaded.history)
    list(resumed.run())
    assert resumed.history.loss == whole.history.loss


def test_resumed_sgd_flushes_its_velocity_on_the_steps_of_uninterrupted_training(tmp_path):
    from core.nn.optim import flush_due, flush_period
    trainer, checkpoint = trained_checkpoint(steps=40, optimizer="sgd")
    save_checkpoint(tmp_path / "c.npz", checkpoint)
    loaded = load_checkpoint(tmp_path / "c.npz").optimizer
    assert loaded.t == trainer.optimizer.t == trainer.history.steps > 0
    period = flush_period(loaded.momentum)
    for optimizer in (loaded, trainer.optimizer):
        while not flush_due(optimizer.t + 1, period):
            optimizer.begin_step()
        optimizer.begin_step()
    assert loaded._flush and trainer.optimizer._flush and loaded.t == trainer.optimizer.t == period


def test_saving_over_an_existing_file_is_atomic(tmp_path, monkeypatch):
    _, checkpoint = trained_checkpoint(steps=2)
    path = tmp_path / "model.npz"
    save_checkpoint(path, checkpoint)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError):
        save_checkpoint(path, checkpoint)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]     # no temporary file left


def test_a_saved_checkpoint_reaches_the_disk_before_its_rename_and_the_rename_after(tmp_path, monkeypatch):
    """Against a power cut: the new file's data are synced before it replaces the old one, and its folder after."""
    import stat

    _, checkpoint = trained_checkpoint(steps=2)
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        mode = os.fstat(descriptor).st_mode
        events.append(("fsync folder" if stat.S_ISDIR(mode) else "fsync file", os.fstat(descriptor).st_size))
        real_fsync(descriptor)

    def replace(source, target):
        events.append(("rename", os.stat(source).st_size))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    path = tmp_path / "model.npz"
    save_checkpoint(path, checkpoint)
    size = path.stat().st_size
    assert [name for name, _ in events] == ["fsync file", "rename", "fsync folder"]
    assert events[0][1] == events[1][1] == size           # the whole file was synced, then renamed
    assert load_checkpoint(path).history.loss == checkpoint.history.loss


def test_a_saved_checkpoint_gets_the_permissions_of_any_new_file(tmp_path):
    _, checkpoint = trained_checkpoint(steps=1)
    umask = os.umask(0o022)
    try:
        save_checkpoint(tmp_path / "model.npz", checkpoint)
    finally:
        os.umask(umask)
    assert (tmp_path / "model.npz").stat().st_mode & 0o777 == 0o644     # not private (0600) like a temporary file


def rewrite(path, change):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    np.savez(path, **arrays)


def set_metadata(key, value):
    def change(arrays):
        metadata = json.loads(str(arrays["metadata"]))
        metadata[key] = value
        arrays["metadata"] = np.array(json.dumps(metadata))
    return change


def test_a_checkpoint_from_before_the_kl_warmup_setting_opens_without_one(tmp_path):
    _, checkpoint = trained_checkpoint(steps=2)
    path = tmp_path / "older.npz"
    save_checkpoint(path, checkpoint)
    older_settings = {key: value for key, value in checkpoint.train_config.to_dict().items() if key != "kl_warmup"}
    rewrite(path, set_metadata("train_config", older_settings))
    assert load_checkpoint(path).train_config.kl_warmup == 0


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("param/decoder.0.W"), "'param/decoder.0.W' is missing"),
    (lambda a: a.update({"param/encoder.0.b": np.zeros(3)}), "has shape (3,)"),
    (lambda a: a.pop("optimizer/m_sum"), "'optimizer/m_sum' is missing"),
    (lambda a: a.pop("metadata"), "no metadata"),
    (set_metadata("version", 99), "version 99 is not supported"),
    (set_metadata("format", "other"), "not a Latent Lab checkpoint"),
    (set_metadata("model_config", {"kind": "gan"}), "model_config.kind must be one of ae, vae, got 'gan'"),
    (lambda a: a.update({"metadata": np.array("{not json")}), "not valid JSON"),
    (lambda a: a.update({"history/kl": np.zeros(3)}), "different lengths"),
])
def test_damaged_checkpoints_raise_a_clear_error_naming_the_file(tmp_path, change, message):
    _, checkpoint = trained_checkpoint(steps=2)
    path = tmp_path / "damaged.npz"
    save_checkpoint(path, checkpoint)
    rewrite(path, change)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert "damaged.npz" in str(error.value) and message in str(error.value)


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04garbage", b"\x93NUMPY an .npy array"])
def test_files_that_are_not_npz_raise_checkpoint_error(tmp_path, content):
    path = tmp_path / "junk.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="junk.npz: not a Latent Lab checkpoint") as error:
        load_checkpoint(path)
    assert "pickle" not in str(error.value)          # not numpy's advice to unpickle an unknown file


def test_an_npy_array_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "array.npz"
    with path.open("wb") as out:
        np.save(out, np.zeros(3))
    with pytest.raises(CheckpointError, match="array.npz: not a Latent Lab checkpoint"):
        load_checkpoint(path)


def test_pickled_arrays_are_refused(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, metadata=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="pickled.npz"):
        load_checkpoint(path)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(CheckpointError, match="nothing.npz: no such file"):
        load_checkpoint(tmp_path / "nothing.npz")


def test_truncated_checkpoint_raises_checkpoint_error(tmp_path):
    _, checkpoint = trained_checkpoint(steps=2)
    path = tmp_path / "cut.npz"
    save_checkpoint(path, checkpoint)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="cut.npz"):
        load_checkpoint(path)


def test_a_model_with_weights_that_are_not_finite_is_never_written(tmp_path):
    trainer, checkpoint = trained_checkpoint(steps=2)
    path = tmp_path / "model.npz"
    save_checkpoint(path, checkpoint)
    before = path.read_bytes()
    trainer.model.parameters.flat[7] = np.nan
    with pytest.raises(CheckpointError, match=r"model\.npz: not saved: the model's weights are not all finite"):
        save_checkpoint(path, checkpoint)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
