"""Hostile files reaching the window: a checkpoint or dataset opened from the menu or dropped on the window, and the
unsaved model a crashed session left. Each is refused in the message banner, naming the file, and changes nothing
(a problem in a file is the file's, not a bug: the error report never shows)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.window.main_window import MainWindow
from core.training.checkpoint import save_checkpoint
from tests.core.hostile_files import Member, deflated_zeros, npy_bytes, npy_header, zip_bytes
from tests.helpers import ScriptedQuestions, drop, save_small_model, weights


def checkpoint_with(window, path: Path, change) -> Path:
    """The window's model saved to ``path``, its arrays then changed by ``change`` (a function of the dict)."""
    save_checkpoint(path, window.session.checkpoint_copy())
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    np.savez(path, **arrays)
    return path


def nan_weight(arrays: dict) -> None:
    arrays["param/encoder.0.W"] = arrays["param/encoder.0.W"].copy()
    arrays["param/encoder.0.W"][0, 0] = np.nan


def fractional_latent_size(arrays: dict) -> None:
    metadata = json.loads(arrays["metadata"].item())
    metadata["model_config"]["latent_dim"] = 2.5
    arrays["metadata"] = np.array(json.dumps(metadata))


def assert_unchanged(window, before: np.ndarray, title: str) -> None:
    assert np.array_equal(weights(window.session.model), before)
    assert window.windowTitle() == title and window.session.history.steps == 0


def test_a_dropped_checkpoint_holding_a_nan_weight_is_refused_in_the_banner(qtbot, window, tmp_path):
    path = checkpoint_with(window, tmp_path / "nan.npz", nan_weight)
    before, title = weights(window.session.model), window.windowTitle()
    assert drop(window, path)
    qtbot.waitUntil(lambda: str(path) in window.message_bar.text())
    assert "the array 'param/encoder.0.W' holds NaN or infinite values" in window.message_bar.text()
    assert_unchanged(window, before, title)


def test_a_checkpoint_opened_from_the_menu_with_a_latent_size_of_2_5_is_refused_in_the_banner(qtbot, window,
                                                                                             questions, tmp_path):
    path = checkpoint_with(window, tmp_path / "half.npz", fractional_latent_size)
    before, title = weights(window.session.model), window.windowTitle()
    questions.paths["ask_model_to_open"] = path
    window.window_actions.open.trigger()
    assert f"{path}: model_config.latent_dim must be an integer from 1 to 100,000,000, got 2.5" in \
        window.message_bar.text()
    assert_unchanged(window, before, title)


def test_a_model_of_other_images_is_refused_in_the_banner(qtbot, window, questions, tmp_path):
    path = tmp_path / "wide.npz"
    save_small_model(path, "ae", 2, seed=3, input_dim=100, steps=0)
    before, title = weights(window.session.model), window.windowTitle()
    questions.paths["ask_model_to_open"] = path
    window.window_actions.open.trigger()
    assert f"{path}: its model takes images of 100 pixels; these datasets have 784" in window.message_bar.text()
    assert_unchanged(window, before, title)


def test_a_checkpoint_whose_seed_the_settings_cannot_show_is_refused_in_the_banner(qtbot, window, questions,
                                                                                  tmp_path):
    def large_seed(arrays: dict) -> None:
        metadata = json.loads(arrays["metadata"].item())
        metadata["train_config"]["seed"] = 2**40
        arrays["metadata"] = np.array(json.dumps(metadata))

    path = checkpoint_with(window, tmp_path / "seeded.npz", large_seed)
    questions.paths["ask_model_to_open"] = path
    window.window_actions.open.trigger()
    assert "train_config.seed must be at most 2,147,483,647 to be shown here" in window.message_bar.text()


def release_reader(fifo: Path) -> None:
    """Should the window ever open ``fifo`` for reading, a writer opening and closing it ends that read (with no
    reader, opening it fails at once)."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def test_a_fifo_opened_from_the_menu_is_refused_at_once(qtbot, window, questions, tmp_path):
    path = tmp_path / "pipe.npz"
    os.mkfifo(path)
    rescuer = threading.Timer(10, release_reader, [path])
    rescuer.daemon = True
    rescuer.start()
    try:
        questions.paths["ask_model_to_open"] = path
        started = time.perf_counter()
        window.window_actions.open.trigger()
        assert time.perf_counter() - started < 5
    finally:
        rescuer.cancel()
    assert f"{path}: a named pipe (FIFO), not a regular file" in window.message_bar.text()


def test_a_dropped_npz_declaring_5_gb_of_images_is_refused_in_the_banner(qtbot, window, tmp_path):
    header = npy_header((6_400_000, 784), "|u1")
    images = Member("train_images.npy", deflated_zeros(header, len(header) + 6_400_000 * 784),
                    len(header) + 6_400_000 * 784, deflated=True, crc=0)
    labels = {key: Member.stored(f"{key}.npy", npy_bytes(np.zeros(3, np.uint8)))
              for key in ("train_labels", "test_labels")}
    path = tmp_path / "digits.npz"
    path.write_bytes(zip_bytes([images, labels["train_labels"], labels["test_labels"],
                                Member.stored("test_images.npy", npy_bytes(np.zeros((3, 784), np.uint8)))]))
    dataset = window.session.dataset
    assert drop(window, path)
    qtbot.waitUntil(lambda: str(path) in window.message_bar.text())
    assert "more than the 1,073,741,824 a dataset may hold" in window.message_bar.text()
    assert window.session.dataset is dataset and window.panel.dataset_spec() == "mnist5k"


@pytest.mark.parametrize("change", [nan_weight, fractional_latent_size])
def test_a_hostile_unsaved_model_left_by_a_crash_is_reported_in_the_banner_and_removed(qtbot, qsettings, catalog,
                                                                                      window, change):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    orphan = checkpoint_with(window, window.file_commands.recovery.folder / f"unsaved-{process.pid}.npz", change)
    questions = ScriptedQuestions(restore=True)
    launched = MainWindow(qsettings, blas_threads=1, catalog=catalog, questions=questions, train_parts=1)
    qtbot.addWidget(launched)
    qtbot.waitUntil(lambda: "could not be read" in launched.message_bar.text())
    assert str(orphan) in launched.message_bar.text()
    assert not orphan.exists() and questions.asked == []
    assert launched.session.history.steps == 0
    launched.controller.shutdown()
