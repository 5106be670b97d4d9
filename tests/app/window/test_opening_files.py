"""Ways to open a file besides File > Open: File > Open Recent, a file dropped on the window, and a file named on
the command line; and what the command line says where there is no display to open the window on."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main
from app.workspace.app_settings import MAX_RECENT_MODELS, AppSettings
from app.workspace.training_controller import RunState
from tests.helpers import drop, weights


def saved_model(qtbot, window, path) -> np.ndarray:
    """Train one step, save the model to ``path``, and return its weights."""
    steps = window.session.history.steps
    window.window_actions.step.trigger()
    qtbot.waitUntil(lambda: window.controller.state is RunState.IDLE and window.session.history.steps > steps)
    assert window.file_commands.write_checkpoint(path)
    return weights(window.session.model)


def recent_entries(window) -> list[str]:
    menu = window.menus.recent
    menu.aboutToShow.emit()                   # as when the user opens it
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def test_saved_and_opened_models_are_listed_latest_first_and_open_from_the_menu(qtbot, window, tmp_path):
    assert recent_entries(window) == ["No recent models", "&Clear Menu"]
    first = saved_model(qtbot, window, tmp_path / "first.npz")
    saved_model(qtbot, window, tmp_path / "second.npz")
    entries = recent_entries(window)
    assert entries[0].startswith("&1  second.npz") and entries[1].startswith("&2  first.npz")

    window.window_actions.reset.trigger()
    window.menus.recent.actions()[1].trigger()               # "first.npz"
    assert window.windowTitle().startswith("first.npz")
    assert np.array_equal(weights(window.session.model), first)
    assert recent_entries(window)[0].startswith("&1  first.npz")

    window.menus.recent.actions()[-1].trigger()              # Clear Menu
    assert recent_entries(window) == ["No recent models", "&Clear Menu"]


def test_a_recent_model_that_has_gone_says_so_and_leaves_the_menu(qtbot, window, tmp_path):
    path = tmp_path / "gone.npz"
    saved_model(qtbot, window, path)
    path.unlink()
    recent_entries(window)
    window.menus.recent.actions()[0].trigger()
    assert str(path) in window.message_bar.text() and "no such file" in window.message_bar.text()
    assert recent_entries(window) == ["No recent models", "&Clear Menu"]


def test_the_recent_list_keeps_each_file_once_and_at_most_eight(qsettings, tmp_path):
    settings = AppSettings(qsettings)
    for index in range(MAX_RECENT_MODELS + 2):
        settings.add_recent_model(str(tmp_path / f"{index}.npz"))
    settings.add_recent_model(str(tmp_path / "3.npz"))
    recent = settings.recent_models()
    assert len(recent) == MAX_RECENT_MODELS and recent[0] == str(tmp_path / "3.npz")
    assert recent.count(str(tmp_path / "3.npz")) == 1
    qsettings.setValue("recent_models", "{damaged")
    assert settings.recent_models() == []


def test_a_checkpoint_dropped_on_the_window_opens_as_the_model(qtbot, window, tmp_path):
    path = tmp_path / "dropped.npz"
    saved = saved_model(qtbot, window, path)
    window.window_actions.reset.trigger()
    assert window.windowTitle().startswith("Untitled")       # the new model has no file yet
    assert drop(window, path)
    qtbot.waitUntil(lambda: window.windowTitle().startswith("dropped.npz"))
    assert np.array_equal(weights(window.session.model), saved)


def test_a_dataset_dropped_on_the_window_opens_as_the_dataset(qtbot, window, tmp_path, small_dataset):
    path = tmp_path / "few.npz"
    np.savez(path, train_images=small_dataset.train_images, train_labels=small_dataset.train_labels,
             test_images=small_dataset.test_images, test_labels=small_dataset.test_labels)
    assert drop(window, path)
    qtbot.waitUntil(lambda: window.session.dataset_spec == str(path))
    assert len(window.session.dataset.train_images) == 640


def test_a_dataset_dropped_while_training_waits_for_the_run_to_end(qtbot, window, tmp_path, small_dataset):
    path = tmp_path / "few.npz"
    np.savez(path, train_images=small_dataset.train_images, train_labels=small_dataset.train_labels,
             test_images=small_dataset.test_images, test_labels=small_dataset.test_labels)
    window.panel.epochs_spin.setValue(100)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    assert drop(window, path)
    qtbot.waitUntil(lambda: "Stop training" in window.message_bar.text())
    assert window.session.dataset_spec == "mnist5k" and window.controller.state is RunState.RUNNING


def test_files_the_window_cannot_open_are_refused_at_the_drag(window, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    assert not drop(window, text)
    assert not drop(window, tmp_path / "missing.npz")
    assert not drop(window, "https://example.org/model.npz")       # not a local file


def test_a_file_given_at_launch_opens_once_the_window_is_up(qtbot, window, qsettings, catalog, tmp_path):
    from app.window.main_window import MainWindow

    path = tmp_path / "given.npz"
    saved = saved_model(qtbot, window, path)
    launched = MainWindow(qsettings, blas_threads=1, catalog=catalog, open_file=path, train_parts=1)
    qtbot.addWidget(launched)
    qtbot.waitUntil(lambda: launched.windowTitle().startswith("given.npz"))
    assert np.array_equal(weights(launched.session.model), saved)
    launched.controller.shutdown()


def test_one_npz_on_the_command_line_opens_the_app_with_it(monkeypatch, tmp_path):
    import app.application

    opened = []
    monkeypatch.setattr(app.application, "run_app", lambda argv, open_file=None: opened.append(open_file) or 0)
    assert main.main([str(tmp_path / "model.npz")]) == 0
    assert main.main([]) == 0
    assert opened == [tmp_path / "model.npz", None]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux finds its display in the environment")
def test_without_a_display_the_app_says_so_instead_of_aborting():
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    root = Path(main.__file__).parent
    result = subprocess.run([sys.executable, str(root / "main.py")], env=environment, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2                # Qt's own abort would be -6 (SIGABRT)
    assert "needs a display" in result.stderr and "python main.py train --help" in result.stderr
