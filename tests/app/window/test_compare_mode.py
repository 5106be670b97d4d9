"""Compare mode: two runs in one window, trained at once, shown side by side, exported as the command line does."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from app.widgets.image_panel import to_gray8
from app.workspace.training_controller import RunState
from app.workspace.training_worker import COMPARISON_NICENESS, TRAINING_NICENESS
from core.animation.recipe import InterpolationSpec
from core.data.datasets import images_to_float
from core.nn.models import build_model
from core.nn.optim import build_optimizer
from core.training.checkpoint import load_checkpoint
from core.training.presets import WRITE_UP
from core.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[3]
SPEC = InterpolationSpec(n_frames=8, fps=25, mode="lerp", hold_frames=1, ping_pong=False, scale=2, caption=True)


def both_finished(qtbot, window, command) -> None:
    """Run ``command`` and wait until both runs have ended."""
    with qtbot.waitSignals([window.controller.run_finished, window.compare.controller.run_finished],
                           timeout=60_000):
        command()


def test_compare_starts_the_other_kind_beside_the_first_run_with_its_own_tab(window):
    window.window_actions.compare.trigger()
    assert window.compare.active and window.window_actions.compare.isChecked()
    first, second = window.session, window.compare.session
    assert (first.model_config.kind, second.model_config.kind) == ("vae", "ae")
    assert second.model_config.hidden == first.model_config.hidden
    assert second.train_config == first.train_config
    assert second.dataset is first.dataset
    tabs = window.panel_tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["AE", "VAE"]      # the second run first, as drawn
    assert not tabs.tabBar().isHidden()
    assert window.compare.panel.data_group.isHidden()          # one dataset for both
    assert window.reconstruction_strip.grid.row_labels == ["Test images", "AE", "VAE"]
    assert window.sample_strip.grid.row_labels == ["AE", "VAE"]


def test_train_trains_both_runs_on_the_same_batches_and_both_loss_curves_grow(qtbot, window):
    window.window_actions.compare.trigger()
    window.compare.panel.epochs_spin.setValue(1)
    window.panel.epochs_spin.setValue(1)
    both_finished(qtbot, window, window.window_actions.train.trigger)
    first, second = window.session, window.compare.session
    per_epoch = first.batches_per_epoch
    assert first.history.steps == second.history.steps == per_epoch
    assert window.loss_plot.step_count == per_epoch
    assert len(window.loss_plot.comparison_series("loss")) == per_epoch
    # The same batches in the same order as the AE trained alone with the same settings.
    alone = build_model(second.model_config, np.random.default_rng(second.train_config.seed))
    optimizer = build_optimizer("adam", alone.parameters.flat, second.train_config.lr)
    trainer = Trainer(alone, optimizer, first.dataset.train_images, first.dataset.test_images, second.train_config)
    losses = [trainer.step().loss for _ in range(per_epoch)]
    np.testing.assert_allclose(second.history.loss, losses, rtol=1e-5)
    np.testing.assert_allclose(second.model.parameters.flat, alone.parameters.flat, rtol=1e-4, atol=1e-6)
    assert window.run_group.state is RunState.IDLE and window.window_actions.train.isEnabled()


def test_pause_and_step_act_on_both_runs(qtbot, window):
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)       # idle: a one-step run each
    assert window.session.history.steps == window.compare.session.history.steps == 1
    window.window_actions.train.trigger()
    window.window_actions.pause.trigger()
    assert window.controller.state is window.compare.controller.state is RunState.PAUSED
    qtbot.waitUntil(lambda: window.controller.control.parked.is_set()
                    and window.compare.controller.control.parked.is_set(), timeout=20_000)
    before = (window.session.history.steps, window.compare.session.history.steps)
    window.window_actions.step.trigger()
    qtbot.waitUntil(lambda: (window.session.history.steps, window.compare.session.history.steps)
                    == (before[0] + 1, before[1] + 1), timeout=20_000)
    window.window_actions.pause.trigger()              # Resume
    assert window.controller.state is window.compare.controller.state is RunState.RUNNING
    both_finished(qtbot, window, window.window_actions.stop.trigger)


def test_reset_gives_both_runs_fresh_weights(qtbot, window):
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)
    window.window_actions.reset.trigger()
    assert window.session.history.steps == window.compare.session.history.steps == 0
    assert len(window.loss_plot.comparison_series("loss")) == 0


def test_a_changed_setting_of_the_second_run_names_both_runs_by_it(window):
    window.window_actions.compare.trigger()
    window.compare.panel.kind_combo.setCurrentIndex(window.compare.panel.kind_combo.findData("vae"))
    window.compare.panel.beta_spin.setValue(4)
    assert window.compare.session.model_config.kind == "vae" and window.compare.session.train_config.beta == 4
    tabs = window.panel_tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["β 4", "β 1"]


def test_ending_a_comparison_asks_to_save_the_trained_second_run_and_restores_one_run(qtbot, window, questions):
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)
    window.window_actions.compare.trigger()
    assert "ask_to_save: AE run" in questions.asked
    assert not window.compare.active and not window.window_actions.compare.isChecked()
    assert window.panel_tabs.count() == 1 and window.panel_tabs.tabBar().isHidden()
    assert window.reconstruction_strip.grid.row_labels == ["Test images", "Reconstructed"]
    assert window.workspace.runs == [window.workspace.current]


def test_the_animation_uses_both_runs_and_its_export_equals_the_gif_command(qtbot, window, tmp_path):
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)
    tools = window.animation
    tools.animate_action.trigger()
    qtbot.waitUntil(lambda: len(tools.panel.models()) == 2)
    assert [title for title, _ in tools.panel.models()] == ["Autoencoder", "VAE"]
    np.testing.assert_array_equal(tools.panel.models()[0][1].parameters.flat,
                                  window.compare.session.model.parameters.flat)
    assert not tools.open_comparison_action.isEnabled()          # the second run is the comparison
    tools.panel.set_spec(SPEC)
    tools.panel.set_ends_by_label(3, 8, 0, 0)
    gui_path = tmp_path / "gui.gif"
    with qtbot.waitSignal(tools.exporter.finished, timeout=30_000):
        assert tools.export_animation(gui_path)
    first_path, second_path = tmp_path / "vae.npz", tmp_path / "ae.npz"
    window.session.save(first_path)
    window.compare.session.save(second_path)
    cli_path = tmp_path / "cli.gif"
    command = [sys.executable, "main.py", "gif", "--checkpoint", str(first_path), "--compare", str(second_path),
               "--from-label", "3", "--to-label", "8", "--frames", "8", "--fps", "25", "--mode", "lerp",
               "--hold", "1", "--no-ping-pong", "--scale", "2", "--out", str(cli_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert gui_path.read_bytes() == cli_path.read_bytes()


def test_the_write_up_preset_sets_the_write_ups_models_side_by_side(window):
    window.window_actions.write_up.trigger()
    vae, training = WRITE_UP.model, WRITE_UP.training
    assert window.session.model_config == vae
    assert window.compare.session.model_config.kind == "ae"
    assert window.compare.session.model_config.hidden == (128, 128) == window.session.model_config.hidden
    for session in (window.session, window.compare.session):
        config = session.train_config
        assert (config.batch_size, config.optimizer, config.beta) == (128, "adam", 1.0) == \
            (training.batch_size, training.optimizer, training.beta)
        assert session.model_config.latent_dim == 8 and session.model_config.activation == "leaky_relu"
        assert session.model_config.reconstruction == "sse"
    assert window.panel.model_config() == vae
    assert window.compare.panel.model_config().kind == "ae"
    assert window.session.dataset_spec == "mnist5k"              # full MNIST is not downloaded here
    assert window.session.history.steps == window.compare.session.history.steps == 0



def press_at(explorer, z) -> None:
    """A left press and release on the scatter near latent point z (through the explorer's plane)."""
    scatter = explorer.scatter
    point = QPointF(*explorer.plane().to_plane(np.asarray(z, float)[None])[0])
    pixel = scatter.mapFromScene(scatter.view_box.mapViewToScene(point))
    QTest.mousePress(scatter.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel)
    QTest.mouseRelease(scatter.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pixel)


def test_a_press_in_either_explorer_decodes_the_same_point_in_both_models_side_by_side(qtbot, window):
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)
    window.show()
    qtbot.waitExposed(window)
    first, second = window.explorer, window.compare.explorer
    models = (window.compare.session.model, window.session.model)      # as drawn: the second run on the left
    for pressed, where in ((second, [0.3, -0.2]), (first, [-0.4, 0.1])):
        with qtbot.waitSignal(pressed.point_probed) as probed:
            press_at(pressed, where)
        z = probed.args[0]
        for explorer, model in zip((second, first), models):
            expected = model.decode(z[None].astype(model.dtype))[0]
            np.testing.assert_allclose(explorer.decoded_image(), expected, rtol=1e-5, atol=1e-6)
        shown = window.compare.decoded_pair.images()
        for image, explorer in zip(shown, (second, first)):
            np.testing.assert_array_equal(image, to_gray8(explorer.decoded_image()))
        assert not np.array_equal(shown[0], shown[1])           # two decoders, two images


def test_hovering_a_test_image_in_one_explorer_rings_it_in_the_other(qtbot, window):
    window.window_actions.compare.trigger()
    first, second = window.explorer, window.compare.explorer
    second.test_point_hovered.emit(7)                    # as the scatter reports a hovered image
    ring = first.scatter.highlight()
    assert ring is not None
    np.testing.assert_allclose(ring, first.plane().to_plane(first_codes(window)[7:8])[0], rtol=1e-6)


def first_codes(window) -> np.ndarray:
    session = window.session
    images = session.dataset.test_images[session.explorer_indices()]
    return session.model.encode(images_to_float(images, session.model.dtype))[0]


def test_same_axes_puts_both_plots_on_one_range(qtbot, window):
    window.window_actions.compare.trigger()
    window.show()
    qtbot.waitExposed(window)
    window.window_actions.same_axes.trigger()
    first, second = window.explorer.scatter.view_box, window.compare.explorer.scatter.view_box
    first.setRange(xRange=(-5, 5), yRange=(-5, 5), padding=0)
    qtbot.waitUntil(lambda: abs(np.mean(second.viewRange()[0]) - np.mean(first.viewRange()[0])) < 0.05)
    window.window_actions.same_axes.trigger()
    first.setRange(xRange=(10, 20), yRange=(10, 20), padding=0)
    assert second.viewRange()[0][0] < 9


def test_the_second_run_may_differ_in_optimizer_and_trains_with_it(qtbot, window):
    window.window_actions.compare.trigger()
    panel = window.compare.panel
    panel.optimizer_combo.setCurrentIndex(panel.optimizer_combo.findData("sgd"))
    assert type(window.compare.session.optimizer).__name__ == "SGD"
    assert [window.panel_tabs.tabText(i) for i in range(2)] == ["AE SGD", "VAE Adam"]
    both_finished(qtbot, window, window.window_actions.step.trigger)
    assert window.compare.session.history.steps == 1
    assert type(window.session.optimizer).__name__ == "Adam"


def test_a_new_dataset_is_the_second_runs_too(window, tmp_path, bundled):
    window.window_actions.compare.trigger()
    path = tmp_path / "digits.npz"
    np.savez(path, x_train=bundled.train_images[:300], y_train=bundled.train_labels[:300],
             x_test=bundled.test_images[:50], y_test=bundled.test_labels[:50])
    window.dataset_commands.load_dataset(str(path))
    assert len(window.session.dataset.train_images) == 300
    assert window.compare.session.dataset is window.session.dataset
    assert window.compare.session.dataset_spec == str(path)


def test_closing_the_window_while_both_train_ends_both_runs_and_asks_about_each(qtbot, window, questions):
    window.window_actions.compare.trigger()
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.compare.session.history.steps > 0 and window.session.history.steps > 0,
                    timeout=20_000)
    controllers = (window.controller, window.compare.controller)
    window.close()
    assert questions.asked == ["ask_to_save: VAE run", "ask_to_save: AE run"]
    assert all(controller.state is RunState.IDLE and controller.thread is None for controller in controllers)
    assert all(run.session.helper_processes == () for run in window.workspace.runs)


def test_save_second_run_writes_its_model(qtbot, window, tmp_path, questions):
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)
    questions.paths["ask_model_to_save"] = tmp_path / "ae.npz"
    window.window_actions.save_second.trigger()
    saved = load_checkpoint(tmp_path / "ae.npz")
    assert saved.model.config.kind == "ae" and saved.history.steps == 1
    assert not window.compare.session.dirty


def test_a_crashed_comparisons_second_run_is_offered_back_at_launch(qtbot, qsettings, catalog, tmp_path):
    from app.window.main_window import MainWindow
    from app.workspace.app_settings import AppSettings
    from core.training.checkpoint import Checkpoint, save_checkpoint
    from tests.helpers import ScriptedQuestions, save_small_model

    folder = AppSettings(qsettings).recovery_folder() / "comparison"
    folder.mkdir(parents=True)
    save_small_model(tmp_path / "ae.npz", "ae", 2, seed=3)
    checkpoint = load_checkpoint(tmp_path / "ae.npz")
    save_checkpoint(folder / "unsaved-999999.npz", Checkpoint(checkpoint.model, checkpoint.optimizer,
                                                               checkpoint.train_config, "mnist5k", checkpoint.history))
    questions = ScriptedQuestions(restore=True)
    window = MainWindow(qsettings, blas_threads=1, catalog=catalog, questions=questions, train_parts=1)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.compare.active, timeout=5_000)
    assert window.window_actions.compare.isChecked()
    assert window.compare.session.history.steps == checkpoint.history.steps and window.compare.session.dirty
    window.compare.session.dirty = False
    window.close()


def test_two_models_of_one_kind_are_animated_under_their_run_names(qtbot, window):
    window.window_actions.compare.trigger()
    panel = window.compare.panel
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("vae"))
    panel.beta_spin.setValue(4)
    tools = window.animation
    tools.animate_action.trigger()
    qtbot.waitUntil(lambda: len(tools.panel.models()) == 2)
    assert [title for title, _ in tools.panel.models()] == ["VAE β 4", "VAE β 1"]


def test_both_runs_train_in_helper_processes_nicer_than_a_single_run(qtbot, window):
    own = os.getpriority(os.PRIO_PROCESS, os.getpid())
    window.window_actions.compare.trigger()
    both_finished(qtbot, window, window.window_actions.step.trigger)
    helpers = [process for run in window.workspace.runs for process in run.session.helper_processes]
    assert len(helpers) == 2                                  # one a run: this process only coordinates
    if sys.platform.startswith("linux"):
        assert all(os.getpriority(os.PRIO_PROCESS, process.pid) == min(19, own + COMPARISON_NICENESS)
                   for process in helpers)
    window.window_actions.compare.trigger()                   # back to one run
    assert window.controller.niceness == TRAINING_NICENESS


def test_a_diverged_second_run_is_named_and_offered_its_own_lower_learning_rate(window):
    window.window_actions.compare.trigger()
    window.compare.controller.diverged.emit("The loss became NaN at step 3 (epoch 1).")
    bar = window.message_bar
    assert bar.text().startswith("AE: The loss became NaN at step 3")
    lower = bar.action_buttons[0]
    assert lower.text() == "Lower its learning rate to 0.0001"
    lower.click()
    assert window.compare.session.train_config.lr == pytest.approx(1e-4)
    assert window.session.train_config.lr == pytest.approx(1e-3)          # the first run's stays


def test_runs_of_different_latent_sizes_say_why_a_point_is_decoded_in_one_only(window):
    window.window_actions.compare.trigger()
    pair = window.compare.decoded_pair
    assert pair.size_note.isHidden()
    window.compare.panel.latent_spin.setValue(8)
    assert not pair.size_note.isHidden()
    assert pair.size_note.text().startswith("The latent spaces have 8 and 2 dimensions")
    window.compare.panel.latent_spin.setValue(2)
    assert pair.size_note.isHidden()
