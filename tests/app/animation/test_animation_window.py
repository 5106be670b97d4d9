"""Animations in the main window, as a user reaches them: the Animate view and its path on the scatter, Export
Animation (the same file as `main.py gif`), the comparison model, the latent replay, recording and plot exports."""
from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import imageio.v3 as iio
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolBar

from app.animation.animation_panel import KEPT_NOTE
from app.animation.animation_tools import REPLAY_FPS, REPLAY_HOLD_S
from core.animation.recipe import InterpolationSpec
from core.animation.writers import gif_frame_duration_ms
from core.nn.config import ModelConfig
from core.nn.models import build_model
from core.nn.optim import build_optimizer
from core.training.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from core.training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[3]
LEFT = Qt.MouseButton.LeftButton
SPEC = InterpolationSpec(n_frames=10, fps=25, mode="lerp", hold_frames=1, ping_pong=False, scale=2, caption=True)


def step_once(qtbot, window) -> None:
    with qtbot.waitSignal(window.controller.run_finished, timeout=20_000):
        window.window_actions.step.trigger()


def export_and_wait(qtbot, window, start) -> None:
    exporter = window.animation.exporter
    with qtbot.waitSignal(exporter.finished, timeout=30_000):
        assert start()
    assert window.message_bar.text() == ""  # no error


def read_gif(path: Path) -> tuple[np.ndarray, list[int]]:
    """A GIF's (gray) frames and their durations in milliseconds."""
    frames = iio.imread(path, index=None)
    return frames if frames.ndim == 3 else frames[..., 0], [iio.immeta(path, index=i)["duration"]
                                                             for i in range(len(frames))]


def test_the_menus_and_toolbar_offer_the_animation_commands(window):
    tools = window.animation
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions()]
    assert {"&Export Animation…", "Export Latent &Replay…", "Export &Plot", "Open &Comparison Model…"} <= set(texts)
    assert tools.export_animation_action.shortcut() == QKeySequence("Ctrl+E")
    plot_menu = next(a.menu() for a in file_menu.actions() if a.text() == "Export &Plot")
    assert [a.text() for a in plot_menu.actions()] == ["&Loss Plot…", "Latent &Scatter…"]
    toolbar_actions = window.findChild(QToolBar, "trainingToolBar").actions()
    assert tools.record_action in toolbar_actions and tools.animate_action in toolbar_actions
    assert tools.record_action.isCheckable() and tools.animate_action.isCheckable()


def test_the_animate_view_replaces_the_training_view_and_draws_its_path_on_the_scatter(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    tools = window.animation
    assert len(window.explorer.scatter.path()) == 0
    tools.animate_action.trigger()
    assert tools.stack.currentWidget() is tools.panel and tools.panel.isVisible()
    path = tools.panel.path()
    np.testing.assert_allclose(window.explorer.scatter.path(), window.explorer.plane().to_plane(path), atol=1e-9)
    assert window.explorer.scatter.path_marker() is not None
    tools.animate_action.trigger()
    assert tools.stack.currentWidget() is window.window_layout.bottom_splitter
    assert len(window.explorer.scatter.path()) == 0


def test_with_one_latent_dimension_the_path_runs_from_the_start_class_row_to_the_end_class_row(qtbot, window):
    window.panel.latent_spin.setValue(1)
    window.show()
    qtbot.waitExposed(window)
    tools = window.animation
    tools.animate_action.trigger()
    tools.panel.set_ends_by_label(2, 7)
    drawn = window.explorer.scatter.path()
    np.testing.assert_allclose(drawn[:, 0], window.explorer.plane().to_plane(tools.panel.path())[:, 0])
    assert drawn[0, 1] == 2 and drawn[-1, 1] == 7                     # on the rows of the picked digits
    assert np.all(np.diff(drawn[:, 1]) > 0)
    frame = tools.panel.player.frame_index()
    np.testing.assert_allclose(window.explorer.scatter.path_marker(), drawn[frame])


def test_export_animation_equals_the_gif_command_with_the_comparison_model_on_the_left(qtbot, window, tmp_path):
    step_once(qtbot, window)  # a trained VAE (the test settings' small one)
    vae_path = tmp_path / "vae.npz"
    window.session.save(vae_path)
    ae = build_model(ModelConfig(kind="ae", hidden=(32,)), np.random.default_rng(5))
    config = TrainConfig(epochs=1, batch_size=64)
    optimizer = build_optimizer(config.optimizer, ae.parameters.flat, config.lr, config.momentum)
    ae_path = tmp_path / "ae.npz"
    save_checkpoint(ae_path, Checkpoint(ae, optimizer, config, "mnist5k", load_checkpoint(vae_path).history))
    tools = window.animation
    assert tools.open_comparison(ae_path)
    assert tools.animate_action.isChecked()  # opening a comparison model shows it
    tools.panel.set_spec(SPEC)
    tools.panel.set_ends_by_label(3, 8, 1, 0)
    assert [title for title, _ in tools.panel.models()] == ["Autoencoder", "VAE"]

    gui_path = tmp_path / "gui.gif"
    export_and_wait(qtbot, window, lambda: tools.export_animation(gui_path))
    cli_path = tmp_path / "cli.gif"
    command = [sys.executable, "main.py", "gif", "--checkpoint", str(vae_path), "--compare", str(ae_path),
               "--from-label", "3", "--from-rank", "1", "--to-label", "8", "--frames", "10", "--fps", "25",
               "--mode", "lerp", "--hold", "1", "--no-ping-pong", "--scale", "2", "--out", str(cli_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert gui_path.read_bytes() == cli_path.read_bytes()
    frames, durations = read_gif(gui_path)
    expanded = np.repeat(frames, np.array(durations) // min(durations), axis=0)  # undo pillow merging held frames
    np.testing.assert_array_equal(expanded, tools.panel.frames()[..., 0])
    assert min(durations) == gif_frame_duration_ms(25) and len(expanded) == SPEC.length


def test_keeping_the_model_then_training_another_kind_animates_both(qtbot, window):
    step_once(qtbot, window)
    tools = window.animation
    tools.keep_comparison_action.trigger()
    kept = window.session.model.parameters.flat.copy()
    np.testing.assert_array_equal(tools.panel.comparison_model().parameters.flat, kept)
    window.session.dirty = False
    window.panel.set_configs(replace(window.session.model_config, kind="ae"), window.session.train_config)
    window.window_actions.reset.trigger()
    step_once(qtbot, window)
    assert [title for title, _ in tools.panel.models()] == ["VAE", "Autoencoder"]
    np.testing.assert_array_equal(tools.panel.model().parameters.flat, window.session.model.parameters.flat)
    np.testing.assert_array_equal(tools.panel.comparison_model().parameters.flat, kept)
    assert tools.panel.model_step() == window.session.history.steps == 1


def test_beside_a_kept_model_of_its_kind_the_preview_stays_readable_at_1024x700_and_says_what_is_next(qtbot,
                                                                                                      window):
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    step_once(qtbot, window)
    tools, panel = window.animation, window.animation.panel
    tools.animate_action.setChecked(True)
    tools.keep_comparison_action.trigger()
    qtbot.waitUntil(lambda: panel.comparison_model() is not None and panel.export_button.isEnabled())
    panel.refresh()
    # The status bar's message fits beside the run's figures; the panel says how to get a second model.
    message = window.statusBar().currentMessage()
    room = window.statusBar().width() - window.run_status.width() - 24
    assert message.startswith("Kept VAE") and window.statusBar().fontMetrics().horizontalAdvance(message) <= room
    assert panel.status_label.text().startswith(KEPT_NOTE)
    label = panel.status_label
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))        # all of it shows
    qtbot.wait(50)
    assert panel.scroll_area.verticalScrollBar().maximum() == 0          # and the buttons above it stay in view

    # Two VAEs, told apart by name ("VAE step 1", "VAE current"): their titles wrap over their images.
    assert [title.split()[0] for title, _ in panel.models()] == ["VAE", "VAE"]
    view = panel.player.view
    qtbot.waitUntil(lambda: view.target_rect().width() >= 180)
    target = view.target_rect()
    frame = view.frame()
    assert target.height() >= 110 and abs(target.width() / target.height() - frame.shape[1] / frame.shape[0]) < 0.02
    # As wide as the inputs' column and two panels titled "Autoencoder" at 8x, no more.
    assert frame.shape[1] <= 24 + (116 + 24) + 2 * (260 + 24)
    # Scaled down by averaging, not by dropping rows and columns: gray levels between the frame's appear.
    shown = view.grab().toImage().copy(target)
    grays = {QColor(shown.pixel(x, y)).red() for x in range(0, shown.width(), 2) for y in range(shown.height())}
    assert len(grays) > len(np.unique(frame)) + 20

    window.session.dirty = False                   # another model: the note has done its job
    window.panel.set_configs(replace(window.session.model_config, kind="ae"), window.session.train_config)
    window.reset()
    step_once(qtbot, window)
    qtbot.waitUntil(lambda: panel.model_step() == 1)
    panel.refresh()
    assert KEPT_NOTE not in panel.status_label.text()


def test_training_keeps_replay_snapshots_and_exports_them_as_an_animation(qtbot, window, tmp_path):
    window.panel.epochs_spin.setValue(2)
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.window_actions.train.trigger()
    replay = window.animation.replay
    assert len(replay) >= 3 and replay.steps[0] == 0 and replay.steps[-1] == window.session.history.steps
    assert window.animation.export_replay_action.isEnabled()
    path = tmp_path / "replay.gif"
    export_and_wait(qtbot, window, lambda: window.animation.export_replay(path))
    frames, durations = read_gif(path)
    assert len(frames) == len(replay)  # each frame has its own step caption; the held copies of the last merge
    assert set(durations[:-1]) == {gif_frame_duration_ms(REPLAY_FPS)}
    assert durations[-1] == gif_frame_duration_ms(REPLAY_FPS) * (1 + round(REPLAY_HOLD_S * REPLAY_FPS))
    assert frames.shape[2] == 480


def test_recording_a_drag_with_the_record_button_exports_its_frames(qtbot, window, tmp_path):
    window.show()
    qtbot.waitExposed(window)
    tools, explorer = window.animation, window.explorer
    tools.panel.set_spec(SPEC)
    tools.record_action.trigger()
    assert tools.recorder.recording
    viewport = explorer.scatter.viewport()
    view_box = explorer.scatter.view_box
    center = view_box.viewRect().center()
    points = [QPointF(center.x() + dx, center.y()) for dx in np.linspace(-0.5, 0.5, 6)]
    pixels = [explorer.scatter.mapFromScene(view_box.mapViewToScene(point)) for point in points]
    QTest.mousePress(viewport, LEFT, Qt.KeyboardModifier.NoModifier, pixels[0])
    for pixel in pixels[1:]:
        QTest.qWait(30)
        QTest.mouseMove(viewport, pixel)
    QTest.mouseRelease(viewport, LEFT, Qt.KeyboardModifier.NoModifier, pixels[-1])
    tools.record_action.trigger()
    recording = tools.last_recording
    assert recording is not None and len(recording.images) >= len(points)
    assert "Recorded" in window.message_bar.text() and window.message_bar.action_button.isVisible()

    path = tmp_path / "recording.gif"
    export_and_wait(qtbot, window, lambda: tools.export_recording(path=path))
    frames, durations = read_gif(path)
    expected = recording.frames(SPEC.fps, SPEC.scale, "VAE")[..., 0]  # (frame_count, H, W)
    assert len(expected) == recording.frame_count(SPEC.fps)
    expanded = np.repeat(frames, np.array(durations) // min(durations), axis=0)
    np.testing.assert_array_equal(expanded, expected)


def test_the_loss_plot_and_the_scatter_export_as_png_and_svg(qtbot, window, tmp_path):
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    tools = window.animation
    for name in ("loss.png", "loss.svg"):
        assert tools.export_loss_plot(tmp_path / name).stat().st_size > 0
    for name in ("scatter.png", "scatter.svg"):
        assert tools.export_scatter(tmp_path / name).stat().st_size > 0
    assert iio.imread(tmp_path / "scatter.png").ndim == 3
    assert "<svg" in (tmp_path / "loss.svg").read_text()


def test_the_loss_plot_exports_its_numbers_as_csv_chosen_in_the_file_dialog(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    with qtbot.waitSignal(window.controller.run_finished, timeout=30_000):
        window.window_actions.train.trigger()           # a whole run: 2 epochs, so two rows carry test losses
    offered = []

    def choose_csv(parent, title, suggested, filters):
        offered.extend(filters.split(";;"))
        return str(tmp_path / "losses"), next(name for name in offered if "csv" in name)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose_csv))
    window.animation.export_loss_action.trigger()     # as File > Export > Loss Plot… does
    written = tmp_path / "losses.csv"                 # the chosen type's extension added
    assert written.exists() and window.message_bar.text() == ""
    with open(written, newline="") as file:
        rows = list(csv.DictReader(file))
    history = window.session.history
    assert len(rows) == history.steps > 0
    assert [float(row["loss"]) for row in rows] == history.loss
    assert [(int(row["step"]), float(row["test_loss"])) for row in rows if row["epoch"]] == \
        [(record.step, record.test_loss) for record in history.epochs]
    assert len(history.epochs) == 2
    assert len(offered) == 3                    # PNG, SVG and CSV


def test_a_table_that_cannot_be_written_is_named_in_the_message_bar(window, tmp_path):
    assert window.animation.export_loss_plot(tmp_path / "missing folder" / "losses.csv") is None
    assert "Could not save losses.csv" in window.message_bar.text()
    assert not (tmp_path / "missing folder").exists()


def test_the_scatter_exports_its_codes_as_csv(qtbot, window, tmp_path):
    step_once(qtbot, window)
    QApplication.processEvents()                # the snapshot reaches the explorer
    written = window.animation.export_scatter(tmp_path / "codes.csv")
    assert written == tmp_path / "codes.csv" and window.message_bar.text() == ""
    with open(written, newline="") as file:
        rows = list(csv.DictReader(file))
    dataset = window.session.dataset
    assert len(rows) == len(dataset.test_images)            # every test image, not only the plotted sample
    assert list(rows[0]) == ["label", "class", "z1", "z2", "log_var1", "log_var2"]    # a 2-D VAE
    assert [int(row["label"]) for row in rows] == dataset.test_labels.tolist()
    assert all(row["class"] == dataset.class_names[int(row["label"])] for row in rows)
    codes = np.array([[float(row["z1"]), float(row["z2"])] for row in rows])
    np.testing.assert_allclose(codes, window.session.model.encode(dataset.test_images[:len(rows)] / 255.0)[0],
                               rtol=1e-4, atol=1e-5)


def test_a_dataset_with_other_classes_gets_a_new_explorer_that_the_animation_follows(qtbot, window, tmp_path,
                                                                                     small_dataset):
    path = tmp_path / "fashion_few.npz"  # "fashion" in the name: Fashion-MNIST's class names, a new explorer
    np.savez(path, train_images=small_dataset.train_images, train_labels=small_dataset.train_labels,
             test_images=small_dataset.test_images, test_labels=small_dataset.test_labels)
    old = window.explorer
    assert window.dataset_commands.load_dataset(str(path))
    assert window.explorer is not old
    window.show()
    qtbot.waitExposed(window)
    tools = window.animation
    tools.animate_action.setChecked(True)
    assert tools.panel.picker.end_combos[0].itemText(0) == window.session.dataset.class_names[0] != "0"
    assert len(window.explorer.scatter.path()) == tools.panel.spec().n_frames
    window.explorer.point_clicked.emit(5)  # as a click on test point 5 would
    tools.panel.picker.pick_button.click()
    window.explorer.point_clicked.emit(7)
    window.explorer.point_clicked.emit(9)
    assert tools.panel.ends() == (7, 9)


def test_every_file_command_asks_for_its_file_when_chosen_from_the_menu_or_its_shortcut(qtbot, window, questions,
                                                                                        monkeypatch):
    """The model and dataset commands ask through the window's questions (their dialogs are tested in
    tests/app/window/test_dialog_questions.py), the animation tools in file dialogs of their own."""
    from PySide6.QtWidgets import QFileDialog

    step_once(qtbot, window)
    step_once(qtbot, window)                    # two snapshots: a replay to export
    asked = []
    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(lambda *args: asked.append(args[1]) or ("", "")))
    tools = window.animation
    own = window.window_actions
    actions = [own.open, own.save_as, own.open_npz, own.open_idx, tools.export_animation_action,
               tools.export_replay_action, tools.export_loss_action, tools.export_scatter_action,
               tools.open_comparison_action]
    for action in actions:
        assert action.isEnabled(), action.text()
        action.trigger()                        # as the menu and the shortcut do; the user then cancels
    assert questions.asked == ["ask_model_to_open", "ask_model_to_save", "ask_dataset_file_to_open",
                               "ask_dataset_folder_to_open"]
    assert asked == ["Export Animation", "Export Latent Replay", "Export Loss Plot", "Export Latent Scatter",
                     "Open Comparison Model"]


def test_the_animate_view_starts_with_a_two_turning_into_a_seven(window):
    panel = window.animation.panel
    assert [combo.currentText() for combo in panel.picker.end_combos] == ["2", "7"]
    start, end = panel.ends()
    assert (window.session.dataset.test_labels[start], window.session.dataset.test_labels[end]) == (2, 7)


def test_the_animate_view_gets_the_room_its_controls_need_and_gives_it_back(qtbot, window):
    window.resize(1366, 700)                    # a laptop screen's window
    window.show()
    qtbot.waitExposed(window)
    step_once(qtbot, window)
    splitter = window.window_layout.view_splitter
    before = splitter.sizes()
    window.animation.animate_action.setChecked(True)
    scroll = window.animation.panel.scroll_area
    qtbot.waitUntil(lambda: scroll.viewport().height() >= scroll.widget().minimumSizeHint().height())
    assert scroll.viewport().width() >= scroll.widget().minimumSizeHint().width()   # nothing to scroll to
    window.animation.panel.picker.pick_button.click()          # a hint line appears under the picker
    qtbot.waitUntil(lambda: scroll.viewport().height() >= scroll.widget().minimumSizeHint().height())
    window.animation.panel.picker.pick_button.click()
    window.animation.animate_action.setChecked(False)
    assert splitter.sizes() == before


def test_esc_ends_picking_ends_then_recording_then_the_run(qtbot, window):
    from app.workspace.training_controller import RunState

    window.panel.epochs_spin.setValue(100)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)          # shortcuts reach the active window only
    window.animation.animate_action.setChecked(True)
    window.window_actions.train.trigger()
    qtbot.waitUntil(lambda: window.session.history.steps > 0, timeout=10_000)
    picker = window.animation.panel.picker
    picker.pick_button.click()
    window.explorer.point_clicked.emit(7)                           # the start is picked, the end not yet
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not picker.pick_button.isChecked() and picker.hint_label.isHidden()
    assert window.controller.state is RunState.RUNNING
    ends = window.animation.panel.ends()
    assert ends[0] == 7
    window.explorer.point_clicked.emit(9)                           # no longer picking: the ends stay
    assert window.animation.panel.ends() == ends
    picker.pick_button.click()
    window.animation.animate_action.setChecked(False)               # hiding the Animate view ends the picking
    assert not picker.pick_button.isChecked()
    tools = window.animation
    tools.record_action.trigger()
    picker.pick_button.click()                                      # picking while recording: Esc ends the picking
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not picker.pick_button.isChecked() and tools.recorder.recording
    qtbot.keyClick(window, Qt.Key.Key_Escape)                       # then the recording
    assert not tools.record_action.isChecked() and not tools.recorder.recording
    assert window.controller.state is RunState.RUNNING
    with qtbot.waitSignal(window.controller.run_finished, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.controller.state is RunState.IDLE


def test_exports_suggest_names_from_the_model_and_data(qtbot, window, tmp_path, monkeypatch):
    import app.animation.animation_tools as tools_module

    suggested = []
    monkeypatch.setattr(tools_module, "ask_plot_path", lambda parent, title, path, table=False: suggested.append(path))
    monkeypatch.setattr(tools_module, "ask_animation_path", lambda parent, title, path: suggested.append(path))
    window.app_settings.set_last_folder(str(tmp_path))
    step_once(qtbot, window)
    step_once(qtbot, window)                                   # two snapshots: a replay to export
    tools = window.animation
    tools.export_loss_action.trigger()
    tools.export_scatter_action.trigger()
    tools.export_replay_action.trigger()
    tools.animate_action.setChecked(True)
    qtbot.waitUntil(lambda: min(tools.panel.ends()) >= 0, timeout=10_000)
    tools.export_animation_action.trigger()
    start, end = (combo.currentText() for combo in tools.panel.picker.end_combos)
    assert [path.name for path in suggested] == [
        "vae-z2-mnist5k-loss.png", "vae-z2-mnist5k-latent-scatter.png", "vae-z2-mnist5k-latent-replay.gif",
        f"vae-z2-mnist5k-{start}-to-{end}.gif"]
    assert {path.parent for path in suggested} == {tmp_path}
