"""The main window as a user drives it: train, pause, step, live learning rate, divergence, save and open,
bad files, closing mid-training, persistence, locked architecture, shortcuts and tooltips."""
from __future__ import annotations

import dataclasses
import hashlib
import math
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QMessageBox,
    QSlider,
    QTabBar,
    QToolBar,
    QToolButton,
)

from app.window.main_window import MainWindow
from app.window.shortcuts_dialog import shortcut_groups
from app.workspace.questions import SaveAnswer
from app.workspace.training_controller import RunState
from core.nn.models import LossTerms
from core.training import trainer
from core.training.checkpoint import load_checkpoint
from tests.helpers import weights


def train_epochs(qtbot, window: MainWindow, epochs: int) -> None:
    window.panel.epochs_spin.setValue(epochs)
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.window_actions.train.trigger()


def test_train_emits_progress_and_the_loss_plot_gains_points(qtbot, window):
    assert window.loss_plot.step_count == 0
    with qtbot.waitSignal(window.controller.progressed, timeout=10_000):
        window.window_actions.train.trigger()
    assert window.controller.state is RunState.RUNNING
    qtbot.waitUntil(lambda: window.loss_plot.step_count > 0, timeout=5_000)
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.window_actions.stop.trigger()
    assert window.loss_plot.step_count == window.session.history.steps
    assert window.isWindowModified()
    assert "Step" in window.run_status.step_label.text()


def test_a_full_run_reaches_its_epochs_with_test_markers_and_strips(qtbot, window):
    train_epochs(qtbot, window, 1)
    session = window.session
    assert session.epochs_done == 1 and len(session.history.epochs) == 1
    # Drawn when the run ends, not at the next timed redraw: every step and the test marker.
    assert window.loss_plot.test_curve.xData.tolist() == [session.history.steps]
    assert window.loss_plot.curves["raw"].xData[-1] == session.history.steps
    assert window.reconstruction_strip.grid.image is not None
    assert window.sample_strip.grid.image is not None
    assert window.run_status.progress_bar.value() == 1000


def test_space_pauses_and_resumes(qtbot, window):
    window.panel.epochs_spin.setValue(100)
    window.window_actions.space.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    window.window_actions.space.trigger()
    assert window.controller.state is RunState.PAUSED and window.window_actions.pause.text() == "&Resume"
    qtbot.waitUntil(window.controller.control.parked.is_set, timeout=5_000)
    steps = window.session.history.steps
    qtbot.wait(200)
    assert window.session.history.steps == steps
    window.window_actions.space.trigger()
    assert window.controller.state is RunState.RUNNING
    qtbot.waitUntil(lambda: window.session.history.steps > steps, timeout=5_000)


def test_step_runs_exactly_one_batch(qtbot, window):
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.step.trigger()
    assert window.session.history.steps == 1 and window.loss_plot.step_count == 1


def test_a_learning_rate_changed_while_training_reaches_the_optimizer(qtbot, window):
    window.panel.epochs_spin.setValue(100)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    assert window.panel.lr_spin.isEnabled() and not window.panel.latent_spin.isEnabled()
    window.panel.lr_spin.setValue(0.0042)
    steps = window.session.history.steps
    qtbot.waitUntil(lambda: window.session.history.steps > steps + 1, timeout=10_000)
    assert window.session.optimizer.lr == pytest.approx(0.0042)
    assert window.session.train_config.lr == pytest.approx(0.0042)


def test_a_forced_nan_goes_back_to_the_kept_state_and_offers_a_lower_rate_and_reset(qtbot, window, monkeypatch):
    """Step 4's loss is infinite: the run goes back to the state kept before step 3 (kept every 2 steps here), the
    plot shows the history cut back to it, and the message offers both ways on, each a button that works."""
    monkeypatch.setattr(trainer, "KEEP_EVERY", 2)
    model = window.session.model
    forward_backward_rows = model.forward_backward_rows
    before = {}                 # the weights before each step, by the number of steps done

    def diverging(*args, **kwargs):
        steps = window.session.history.steps
        before.setdefault(steps, weights(model))
        parts = forward_backward_rows(*args, **kwargs)
        return LossTerms(math.inf, math.inf, 0.0) if steps == 3 else parts

    model.forward_backward_rows = diverging
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.train.trigger()
    bar = window.message_bar
    assert not bar.isHidden()
    assert bar.text().startswith("The loss became infinite at step 4 (epoch 1). Training stopped, and the weights and "
                                 "optimizer state went back to how they were after step 2")
    assert "Try a lower learning rate (now 0.001) or a smaller beta, or reset the model" in bar.text()
    assert np.array_equal(weights(model), before[2])
    assert window.session.history.steps == 2 and window.loss_plot.step_count == 2
    assert window.controller.state is RunState.IDLE
    lower, reset = bar.action_buttons
    assert (lower.text(), reset.text()) == ("Lower the learning rate to 0.0001", "Reset")
    assert not lower.isHidden() and not reset.isHidden() and window.window_actions.reset.isEnabled()
    lower.click()                                      # a tenfold lower learning rate
    assert bar.isHidden() and window.panel.lr_spin.value() == pytest.approx(1e-4)
    assert window.session.train_config.lr == pytest.approx(1e-4)
    window.controller.diverged.emit("The loss became NaN at step 3 (epoch 1).")
    reset.click()                                      # or the window's Reset: a new model, no history
    assert bar.isHidden() and window.session.history.steps == 0 and window.loss_plot.step_count == 0
    assert window.session.model is not model and np.array_equal(weights(window.session.model), before[0])  # seeded


def test_save_then_open_round_trips_the_model_and_the_curves(qtbot, window, tmp_path):
    train_epochs(qtbot, window, 1)
    path = tmp_path / "model.npz"
    assert window.file_commands.write_checkpoint(path)
    assert not window.isWindowModified() and not window.session.dirty
    saved_weights, saved_history = weights(window.session.model), window.session.history
    saved_loss = window.loss_plot.series("loss").copy()

    window.window_actions.reset.trigger()
    assert window.loss_plot.step_count == 0 and window.panel.latent_spin.isEnabled()
    assert window.file_commands.open_checkpoint(path)
    session = window.session
    assert np.array_equal(weights(session.model), saved_weights)
    assert session.history.loss == saved_history.loss and session.history.epochs == saved_history.epochs
    assert np.array_equal(window.loss_plot.series("loss"), saved_loss)
    assert window.loss_plot.test_curve.yData.tolist() == [e.test_loss for e in saved_history.epochs]
    assert not window.panel.latent_spin.isEnabled()          # a trained model: the architecture is locked
    steps = session.history.steps
    train_epochs(qtbot, window, 2)                           # training continues where it stopped
    assert session.history.steps == 2 * steps and len(session.history.epochs) == 2


def test_saving_while_training_pauses_saves_and_resumes(qtbot, window, tmp_path):
    window.panel.epochs_spin.setValue(100)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 2, timeout=10_000)
    path = tmp_path / "live.npz"
    window.session.path = path
    window.window_actions.save.trigger()
    qtbot.waitUntil(path.exists, timeout=5_000)
    assert window.controller.state is RunState.RUNNING
    steps = window.session.history.steps
    qtbot.waitUntil(lambda: window.session.history.steps > steps, timeout=5_000)


def test_an_unreadable_checkpoint_names_the_file_and_changes_nothing(qtbot, window, tmp_path):
    window.window_actions.step.trigger()
    qtbot.waitUntil(lambda: window.controller.state is RunState.IDLE and window.session.history.steps == 1)
    before = weights(window.session.model)
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip file at all")
    assert not window.file_commands.open_checkpoint(bad)
    assert str(bad) in window.message_bar.text()
    assert np.array_equal(weights(window.session.model), before)
    assert window.session.history.steps == 1 and window.loss_plot.step_count == 1


def test_an_unreadable_dataset_names_the_file_and_keeps_the_current_one(qtbot, window, tmp_path):
    bad = tmp_path / "digits.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    dataset = window.session.dataset
    assert not window.dataset_commands.load_dataset(str(bad))
    assert str(bad) in window.message_bar.text()
    assert window.session.dataset is dataset and window.panel.dataset_spec() == "mnist5k"


def test_a_dataset_file_can_be_opened(qtbot, window, tmp_path, small_dataset):
    path = tmp_path / "few.npz"
    np.savez(path, train_images=small_dataset.train_images, train_labels=small_dataset.train_labels,
             test_images=small_dataset.test_images, test_labels=small_dataset.test_labels)
    assert window.dataset_commands.load_dataset(str(path))
    assert window.session.dataset_spec == str(path) and len(window.session.dataset.train_images) == 640
    assert window.panel.dataset_spec() == str(path)
    assert "640 training" in window.panel.dataset_info.text()


def test_closing_mid_training_stops_the_thread_and_asks_to_save(qtbot, window, questions):
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    thread = window.controller.thread
    qtbot.waitUntil(lambda: window.session.history.steps > 2, timeout=10_000)
    questions.save = SaveAnswer.DISCARD
    started = time.perf_counter()
    assert window.close()
    assert time.perf_counter() - started < 1.0
    assert questions.asked == ["ask_to_save"]
    assert not thread.isRunning() and window.controller.thread is None


def test_while_the_close_question_is_open_the_run_waits_and_cancelling_trains_on(qtbot, window, questions):
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 2, timeout=10_000)
    seen = []

    def answer() -> SaveAnswer:
        steps = window.session.history.steps
        qtbot.wait(300)                         # the user reads the question: no step runs meanwhile
        seen.append((window.controller.state, steps, window.session.history.steps))
        return SaveAnswer.CANCEL

    questions.save = answer
    assert not window.close()
    state, asked_at, answered_at = seen[0]
    assert state is RunState.PAUSED and answered_at == asked_at
    assert window.controller.state is RunState.RUNNING
    qtbot.waitUntil(lambda: window.session.history.steps > answered_at + 2, timeout=10_000)


def test_cancelling_the_close_keeps_the_window_and_the_model(qtbot, window, questions):
    window.window_actions.step.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps == 1 and window.controller.state is RunState.IDLE)
    window.show()
    questions.save = SaveAnswer.CANCEL
    assert not window.close()
    assert window.isVisible() and window.session.dirty


def test_settings_and_geometry_persist_between_launches(qtbot, qsettings, catalog, questions):
    first = MainWindow(qsettings, blas_threads=1, catalog=catalog, questions=questions, train_parts=1)
    qtbot.addWidget(first)
    first.panel.latent_spin.setValue(3)
    first.panel.hidden_edit.setText("40, 20")
    first.panel.hidden_edit.editingFinished.emit()
    first.panel.lr_spin.setValue(0.002)
    first.panel.seed_spin.setValue(7)
    first.panel.warmup_spin.setValue(4)
    first.loss_plot.set_log_scale(True)
    first.show()
    first.resize(1200, 790)
    qtbot.waitExposed(first)
    first.window_layout.main_splitter.setSizes([300, 900])
    sizes = first.window_layout.main_splitter.sizes()
    first.close()

    second = MainWindow(qsettings, blas_threads=1, catalog=catalog, train_parts=1)
    qtbot.addWidget(second)
    assert second.session.model_config.latent_dim == 3 and second.session.model_config.hidden == (40, 20)
    assert second.panel.lr_spin.value() == pytest.approx(0.002) and second.panel.seed_spin.value() == 7
    assert second.panel.warmup_spin.value() == 4 and second.session.train_config.kl_warmup == 4
    assert second.loss_plot.log_scale
    # The offscreen screen is only 800x600 and restoreGeometry clamps to it: check what it was given.
    assert second.app_settings.bytes("window/geometry") == first.saveGeometry()
    second.show()
    second.resize(1200, 790)
    assert second.window_layout.main_splitter.sizes() == sizes
    second.close()


def test_the_architecture_is_locked_after_training_until_reset(qtbot, window, questions):
    panel = window.panel
    panel.latent_spin.setValue(3)           # an untrained model follows the panel at once
    assert window.session.model_config.latent_dim == 3
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.step.trigger()
    assert not panel.latent_spin.isEnabled() and panel.lock_label.isVisibleTo(panel)
    assert "Reset to change the architecture" in panel.latent_spin.toolTip()
    questions.save = SaveAnswer.DISCARD
    window.window_actions.reset.trigger()
    assert panel.latent_spin.isEnabled() and window.session.history.steps == 0


def test_reset_of_a_paused_run_asks_first_and_cancelling_keeps_the_run_paused(qtbot, window, questions):
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 2, timeout=10_000)
    window.window_actions.pause.trigger()
    qtbot.waitUntil(lambda: window.controller.control.parked.is_set())
    steps = window.session.history.steps
    questions.save = SaveAnswer.CANCEL
    window.window_actions.reset.trigger()
    assert questions.asked == ["ask_to_save"]
    assert window.controller.state is RunState.PAUSED and window.session.history.steps == steps
    window.window_actions.pause.trigger()                                   # resumes the same run
    qtbot.waitUntil(lambda: window.session.history.steps > steps + 2, timeout=10_000)
    questions.save = SaveAnswer.DISCARD
    window.window_actions.pause.trigger()
    window.window_actions.reset.trigger()
    assert window.controller.state is RunState.IDLE and window.session.history.steps == 0


def test_the_menus_show_the_keyboard_shortcuts(window):
    shortcuts = {action.shortcut().toString() for action in window.actions()}
    assert {"Ctrl+S", "Ctrl+O", "Ctrl+Q", "Space", "Esc"} <= shortcuts
    menu_actions = [a for menu in window.menuBar().actions() for a in menu.menu().actions()]
    assert QKeySequence("Space") in [a.shortcut() for a in menu_actions]


def test_f1_lists_every_shortcut_of_the_window_under_its_menu(qtbot, window):
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.text.text()
    with_keys = [action for action in window.actions() if not action.shortcut().isEmpty()]
    assert len(with_keys) >= 14
    for action in with_keys:
        assert f"<b>{action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}</b>" in text
    groups = dict(shortcut_groups(window))
    assert ("Ctrl+S", "Save Model") in groups["File"] and ("Esc", "Stop") in groups["Training"]
    assert ("Ctrl+Shift+R", "Record") in groups["Toolbar"]                  # in no menu, still listed
    assert "Shift+drag or middle-drag" in text
    dialog.close()
    window.window_actions.shortcuts.trigger()                                      # the same window comes back
    assert window.shortcuts_dialog is dialog and dialog.isVisible()


def test_space_starts_a_run_and_esc_stops_it_from_the_keyboard(qtbot, window):
    window.panel.epochs_spin.setValue(100)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)          # shortcuts reach the active window only
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.controller.state is RunState.IDLE and window.session.epochs_done < 100


def test_the_kl_warmup_reaches_the_run_and_is_for_the_vae_only_and_fixed_while_it_runs(qtbot, window):
    panel = window.panel
    assert panel.warmup_spin.text() == "off"               # the default: no warm-up
    panel.warmup_spin.setValue(2)
    assert window.session.train_config.kl_warmup == 2
    panel.epochs_spin.setValue(100)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    assert window.controller.worker.trainer.config.kl_warmup == 2
    assert not panel.warmup_spin.isEnabled() and panel.beta_spin.isEnabled()
    history = window.session.history
    assert history.loss[0] == pytest.approx(history.rec[0])     # beta starts from 0
    qtbot.waitUntil(lambda: len(history.epochs) > 0, timeout=20_000)
    qtbot.waitUntil(lambda: "KL warm-up: beta 0.50 of 1" in window.statusBar().currentMessage())  # 1 of 2 epochs
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        window.window_actions.stop.trigger()
    assert panel.warmup_spin.isEnabled()
    window.window_actions.reset.trigger()
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("ae"))
    assert not panel.warmup_spin.isEnabled() and not panel.beta_spin.isEnabled()


def test_every_setting_has_a_tooltip(window):
    panel = window.panel
    controls = [panel.dataset_combo, panel.dataset_button, panel.kind_combo, panel.latent_spin, panel.hidden_edit,
                panel.activation_combo, panel.reconstruction_combo, panel.optimizer_combo, panel.lr_spin,
                panel.beta_spin, panel.warmup_spin, panel.batch_spin, panel.epochs_spin, panel.seed_spin]
    assert all(control.toolTip().strip().endswith((".", ".)")) for control in controls)
    actions = window.window_actions
    for action in (actions.train, actions.pause, actions.step, actions.stop, actions.reset):
        assert action.toolTip()


def test_every_control_in_the_window_says_what_it_does(window):
    """Buttons, boxes and sliders of every view, shown or not (the Animate view's and the drawing pad's too)."""
    controls = [control for kind in (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider)
                for control in window.findChildren(kind)
                if not control.objectName().startswith("qt_") and control not in window.message_bar.action_buttons
                and not isinstance(control.parent(), QTabBar)]      # Qt's own arrows that scroll a tab bar
    silent = [control for control in controls
              if not (control.toolTip() or isinstance(control, QToolButton) and control.defaultAction()
                      and control.defaultAction().toolTip())]
    assert len(controls) > 40
    assert [(type(control).__name__, getattr(control, "text", str)()) for control in silent] == []


def test_the_latent_view_follows_the_codes_as_snapshots_arrive_until_the_user_pans(qtbot, window):
    """As in a run: a VAE's codes spreading inside the prior's circles leave the view as it is; codes leaving the
    view are framed again; once the user pans, the view is theirs."""
    view_box = window.explorer.scatter.view_box
    snapshot = window.controller.snapshot_now()
    rng = np.random.default_rng(0)
    codes = rng.normal(0.0, 1.0, snapshot.codes.shape)

    def arrive(scale: float) -> None:
        window.controller.snapshot_ready.emit(dataclasses.replace(snapshot, codes=codes * scale))

    arrive(0.05)
    window.fit_explorer()
    framed = view_box.viewRange()
    arrive(0.5)                                     # spreading, still well inside 2 sigma
    assert view_box.viewRange() == framed
    arrive(3.0)                                     # beyond the view
    (x0, x1), (y0, y1) = view_box.viewRange()
    assert x0 <= (codes[:, 0] * 3).min() and x1 >= (codes[:, 0] * 3).max()
    assert y0 <= (codes[:, 1] * 3).min() and y1 >= (codes[:, 1] * 3).max()
    view_box.translateBy(x=1.0)                     # the user pans (as a drag with Shift does)
    view_box.sigRangeChangedManually.emit(view_box.state["mouseEnabled"])
    panned = view_box.viewRange()
    arrive(10.0)
    assert view_box.viewRange() == panned


def test_a_one_dimensional_view_follows_codes_that_contract(qtbot, window):
    window.panel.latent_spin.setValue(1)            # an untrained model follows the panel at once
    window.panel.kind_combo.setCurrentIndex(window.panel.kind_combo.findData("ae"))
    snapshot = window.controller.snapshot_now()
    assert snapshot.codes.shape[1] == 1 and snapshot.log_var is None
    codes = np.linspace(-5.0, 5.0, len(snapshot.codes))[:, None]
    window.controller.snapshot_ready.emit(dataclasses.replace(snapshot, codes=codes))
    window.fit_explorer()
    window.controller.snapshot_ready.emit(dataclasses.replace(snapshot, codes=codes * 0.1))
    (x0, x1), _ = window.explorer.scatter.view_box.viewRange()
    assert x1 - x0 < 2                                # framed again around the codes, now ten times closer


def test_the_window_fits_1280_by_800(window):
    window.show()
    assert window.minimumSizeHint().width() <= 1280 and window.minimumSizeHint().height() <= 800


def write_idx_mnist(folder, n_train: int = 30, n_test: int = 10) -> None:
    """Four gzipped IDX files named as MNIST's, with random images: what a finished download leaves."""
    import gzip
    import struct

    from core.data.download import MNIST_FILES

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for remote in MNIST_FILES:
        n = n_train if remote.name.startswith("train") else n_test
        if "images" in remote.name:
            data = struct.pack(">4I", 0x803, n, 28, 28) + rng.integers(0, 256, n * 784, dtype=np.uint8).tobytes()
        else:
            data = struct.pack(">2I", 0x801, n) + (np.arange(n) % 10).astype(np.uint8).tobytes()
        (folder / remote.name).write_bytes(gzip.compress(data))


def test_choosing_mnist_downloads_it_with_a_progress_dialog_then_trains_on_it(qtbot, qsettings, catalog, questions,
                                                                            monkeypatch):
    from core.data.download import RemoteFile, download_mnist

    written = []

    def fake_download(cache_dir, progress=None, cancel=None):
        progress(0, 100)
        write_idx_mnist(cache_dir / "mnist")
        written.extend(RemoteFile(path.name, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
                       for path in sorted((cache_dir / "mnist").iterdir()))
        progress(100, 100)
        return cache_dir / "mnist"

    def cache_only(cache_dir, **kwargs):        # loading checks the cached files against their digests, offline
        return download_mnist(cache_dir, files=written, base_urls=(), **kwargs)

    monkeypatch.setattr("core.data.datasets.download_mnist", cache_only)

    window = MainWindow(qsettings, blas_threads=1, catalog=catalog, questions=questions, download=fake_download,
                        train_parts=1)
    qtbot.addWidget(window)
    window.panel.dataset_combo.setCurrentIndex(window.panel.dataset_combo.findData("mnist"))
    assert window.download_dialog is not None
    assert window.panel.dataset_spec() == "mnist5k"                   # until the download is done
    qtbot.waitUntil(lambda: window.session.dataset_spec == "mnist", timeout=10_000)
    assert len(window.session.dataset.train_images) == 30
    assert window.panel.dataset_spec() == "mnist" and "30 training" in window.panel.dataset_info.text()
    qtbot.waitUntil(lambda: window.download_dialog is None, timeout=5_000)


@pytest.mark.parametrize("window", [2], indirect=True)
def test_no_training_thread_or_process_is_left_after_the_window_closes(qtbot, window):
    import gc
    import threading

    def helpers() -> int:
        gc.collect()
        return sum(t.name.startswith("latent-lab") for t in threading.enumerate())

    def helper_processes() -> list:
        return list(window.session.helper_processes)

    before = helpers()          # other tests' sessions may still hold theirs
    processes = []
    for _ in range(3):          # runs do not leave helper threads behind, and share one helper process
        with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
            window.window_actions.step.trigger()
        processes.append(helper_processes())
    assert len(processes[0]) == 1 and processes[1] == processes[2] == processes[0]
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    thread = window.controller.thread
    qtbot.waitUntil(lambda: window.session.history.steps > 5, timeout=10_000)
    window.close()
    assert window.controller.thread is None and not thread.isRunning()
    assert all(process.poll() is not None for process in processes[0])
    # What may stay: the idle helper of the session's optimizer (core.parallel.thread_team.ThreadTeam), and that of the
    # last run's trainer until it is collected.
    assert helpers() <= before + 1


def test_opening_a_model_while_training_stops_the_run_and_offers_to_save_first(qtbot, window, questions, tmp_path):
    window.window_actions.step.trigger()
    qtbot.waitUntil(lambda: window.controller.state is RunState.IDLE and window.session.history.steps == 1)
    other = tmp_path / "other.npz"
    window.session.save(other)
    window.panel.epochs_spin.setValue(1000)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 3, timeout=10_000)
    current = tmp_path / "current.npz"
    window.session.path = current
    asked_at = []
    questions.save = lambda: asked_at.append(window.session.history.steps) or SaveAnswer.SAVE
    assert window.file_commands.open_checkpoint(other)
    # The trained model was saved before it was replaced, as it was when the question came.
    assert load_checkpoint(current).history.steps == asked_at[0] > 3
    assert window.controller.state is RunState.IDLE and window.session.history.steps == 1


def test_the_window_fits_a_1366x768_laptop_screen(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    needed = window.minimumSizeHint()
    # 768 pixels less a task bar and a title bar leave about 700.
    assert needed.width() <= 1366 and needed.height() <= 700
    window.resize(1366, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    assert window.explorer.height() > window.loss_plot.height()      # the explorer keeps the largest place


def test_about_names_the_version_and_credits_the_bundled_data(window, monkeypatch):
    from app.window.about import app_version

    shown = []
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda parent, title, text: shown.append(text)))
    window.window_actions.about.trigger()
    assert app_version() in shown[0] and "LeCun" in shown[0] and "CC BY-SA 3.0" in shown[0]


@pytest.mark.parametrize("text, reason", [("", "at least one hidden layer"), ("99999, 99999", "weights, more than")])
def test_hidden_layers_that_cannot_be_built_are_refused_with_the_reason(window, text, reason):
    before = window.session.model_config
    window.panel.hidden_edit.setText(text)
    window.panel.hidden_edit.editingFinished.emit()
    assert "Cannot build this model" in window.message_bar.text() and reason in window.message_bar.text()
    assert window.session.model_config == before


def test_a_larger_dataset_does_not_widen_the_settings_panel(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    panel = window.panel
    width = panel.sizeHint().width()
    labels = [panel.dataset_combo.itemText(i) for i in range(panel.dataset_combo.count())]
    panel.set_dataset_info("60,000 training · 10,000 test images")     # Fashion-MNIST's, or full MNIST's
    assert panel.sizeHint().width() <= width
    # Every built-in dataset's name shows in full in the box.
    metrics = panel.dataset_combo.fontMetrics()
    assert all(metrics.horizontalAdvance(label) <= panel.dataset_combo.width() - 24 for label in labels)


def test_the_window_fits_1280_pixels_with_every_panel_shown(qtbot, window):
    from app.explorer.plane_chooser import DIMENSIONS

    window.show()
    qtbot.waitExposed(window)
    window.panel.latent_spin.setValue(3)                   # a plane chooser with two axis boxes in the toolbar
    qtbot.waitUntil(lambda: window.session.model_config.latent_dim == 3)
    chooser = window.explorer.plane_chooser
    chooser.mode_combo.setCurrentText(DIMENSIONS)
    window.window_actions.draw.trigger()                           # the drawing pad's column
    window.animation.animate_action.setChecked(True)
    qtbot.wait(50)
    assert window.minimumSizeHint().width() <= 1280


def test_a_new_window_says_how_to_start(window):
    assert "Space" in window.statusBar().currentMessage() and "Train" in window.statusBar().currentMessage()


def test_the_loss_plot_names_nats_only_for_the_cross_entropy(qtbot, window):
    window.show()                   # a narrow plot leaves the units to the title's tooltip
    qtbot.waitExposed(window)
    title = window.loss_plot.title
    assert "(nats per image)" in title.text()
    combo = window.panel.reconstruction_combo
    combo.setCurrentIndex(combo.findData("sse"))        # an untrained model follows the panel at once
    assert window.session.model_config.reconstruction == "sse"
    assert "nats" not in title.text() and "(per image)" in title.text()
    assert "squared" in title.toolTip()
    combo.setCurrentIndex(combo.findData("bernoulli"))
    assert "(nats per image)" in title.text()


def test_every_toolbar_command_shows_an_icon_beside_its_name(window):
    commands = [action for action in window.findChild(QToolBar, "trainingToolBar").actions()
                if action.text() and not action.isSeparator()]
    assert window.window_actions.draw in commands
    assert [action.text() for action in commands if action.icon().isNull()] == []
