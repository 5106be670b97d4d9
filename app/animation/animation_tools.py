"""The window's animation features, wired in one place: the Animate view, File menu exports (animation, latent
replay, plots), the comparison model, drag recording and the snapshots of the latent space forming.

AnimationTools takes the views and menus it works on; the window calls its hooks (attach_explorer, show_model,
add_snapshot, shutdown). The session's model is read only when the training controller says it is free
(when_model_free); files are written on AnimationExporter's thread. Making frames is core's job.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QMenu,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from app.animation.animation_exporter import (
    AnimationExporter,
    ExportJob,
    ask_animation_path,
)
from app.animation.animation_panel import AnimationPanel
from app.animation.drag_recorder import DragRecorder, Recording
from app.animation.latent_replay import LatentReplay
from app.plots.plot_export import ask_plot_path, export_plot
from app.widgets.icons import film_icon, record_icon
from app.window.actions import WindowActions, WindowMenus, make_action
from core.animation.recipe import model_title
from core.training.checkpoint import CheckpointError, load_checkpoint
from core.training.history_csv import write_history_csv

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from app.explorer.latent_explorer import LatentExplorer
    from app.plots.loss_plot import LossPlot
    from app.window.message_bar import MessageBar
    from app.workspace.app_settings import AppSettings
    from app.workspace.session import Session
    from app.workspace.training_controller import TrainingController
    from app.workspace.training_worker import ModelSnapshot
    from app.workspace.workspace import TrainingRun

REPLAY_SIDE = 480  # pixels, square
REPLAY_FPS = 10  # snapshots come about once a second: ten times faster than training went, give or take
REPLAY_HOLD_S = 1.0  # the last snapshot stays this long before the GIF loops


class AnimationTools(QObject):
    """Everything animation in the window: `panel`, `recorder`, `replay`, `exporter`, `stack` and the actions.

    parent: the widget that holds the actions (their shortcuts work in its window) and that dialogs open over.
    session, controller: the model to animate, read when the controller says it is free. explorer: the scatter the
    Animate view draws its path on, picks ends from and records drags in. loss_plot: for File > Export Plot.
    training_view: the view that Animate replaces (`stack` shows one or the other). actions, menus: the window's;
    the animation commands join the menus and toolbar, and take Esc from Stop while picking or recording.
    message_bar, status_bar: where it reports. settings: the folder files were last written to."""

    def __init__(self, parent: QWidget, *, session: Session, controller: TrainingController,
                 explorer: LatentExplorer, loss_plot: LossPlot, training_view: QWidget, actions: WindowActions,
                 menus: WindowMenus, message_bar: MessageBar, status_bar: QStatusBar, settings: AppSettings) -> None:
        super().__init__(parent)
        self._parent = parent
        self._session = session
        self._controller = controller
        self._loss_plot = loss_plot
        self._stop_action = actions.stop
        self._message_bar = message_bar
        self._status_bar = status_bar
        self._settings = settings
        self.panel = AnimationPanel(session.dataset.class_names)
        self.recorder = DragRecorder(parent=self)
        self.replay = LatentReplay()
        self.exporter = AnimationExporter(parent)
        self.last_recording: Recording | None = None
        # Not tabs: a tab bar would make the window taller than 800 pixels; the stack is as tall as its pages.
        self.stack = QStackedWidget()
        self.stack.addWidget(training_view)
        self.stack.addWidget(self.panel)
        self._split_before: tuple[list[int], list[int]] | None = None   # the view's split before and after _fit_split
        self._explorer: LatentExplorer | None = None     # set at once by attach_explorer
        self._comparison_run: TrainingRun | None = None    # a comparison's second run, animated on the left
        self._run_names = ("", "")      # the window's run and the comparison run, as a comparison names them
        self._build_actions()
        self._install(menus, actions)
        self.panel.path_changed.connect(self._on_panel_path_changed)
        # Queued: it comes from a layout request being handled, and fitting handles the pending ones.
        self.panel.size_hint_changed.connect(self._on_panel_size_hint_changed, Qt.ConnectionType.QueuedConnection)
        self.panel.frame_shown.connect(self._on_panel_frame_shown)
        self.panel.export_requested.connect(self.export_animation)
        self.panel.model_requested.connect(self._on_panel_model_requested)
        self.panel.open_comparison_requested.connect(self.open_comparison)
        self.panel.keep_comparison_requested.connect(self.keep_for_comparison)
        self.recorder.captured.connect(self._on_recorder_captured)
        self.exporter.succeeded.connect(self._on_exporter_succeeded)
        self.exporter.cancelled.connect(self._on_exporter_cancelled)
        self.exporter.failed.connect(self._on_exporter_failed)
        controller.run_finished.connect(self._on_controller_run_finished)
        self.attach_explorer(explorer)

    def _build_actions(self) -> None:
        action = partial(make_action, self._parent)
        self.export_animation_action = action("&Export Animation…", self.export_animation, "Ctrl+E",
                                              "Write the Animate tab's interpolation as a GIF, an MP4 or PNG frames.")
        self.export_replay_action = action("Export Latent &Replay…", self.export_replay, None,
                                           "An animation of the latent space forming during training.")
        self.export_loss_action = action("&Loss Plot…", self.export_loss_plot, None,
                                         "Save the loss plot (PNG, SVG), or its numbers, every step's losses (CSV).")
        self.export_scatter_action = action("Latent &Scatter…", self.export_scatter, None,
                                            "Save the latent scatter (PNG, SVG), or its numbers, the test images' "
                                            "codes and classes (CSV).")
        self.open_comparison_action = action("Open &Comparison Model…", self.open_comparison, None,
                                             "Animate a saved model beside the current one.")
        self.keep_comparison_action = action("&Keep Model for Comparison", self.keep_for_comparison, None,
                                             "Keep the current model beside the next one you train.")
        ink = self._parent.palette().color(QPalette.ColorRole.WindowText)
        self.animate_action = QAction(film_icon(ink), "Animate", self._parent)
        self.animate_action.setCheckable(True)
        self.animate_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.animate_action.setToolTip("Show the interpolation animation under the latent plot, instead of the loss "
                                       "plot (Ctrl+Shift+A).")
        self.animate_action.toggled.connect(self._on_animate_action_toggled)
        self._parent.addAction(self.animate_action)
        self.record_action = QAction(record_icon(), "Record", self._parent)
        self.record_action.setCheckable(True)
        self.record_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.record_action.setToolTip("Record the images decoded while you drag in the latent plot (Ctrl+Shift+R; "
                                       "Esc stops).")
        self.record_action.toggled.connect(self._on_record_action_toggled)
        self._parent.addAction(self.record_action)
        # Esc ends what the mouse is doing (picking ends on the plot, then recording a drag) before it stops the run.
        self.cancel_picking_action = action("Cancel Picking", partial(self.panel.picker.pick_button.setChecked, False))
        self.stop_recording_action = action("Stop Recording", partial(self.record_action.setChecked, False))
        self.panel.picker.pick_button.toggled.connect(self._on_pick_or_record_toggled)
        self.record_action.toggled.connect(self._on_pick_or_record_toggled)

    @Slot(bool)
    def _on_pick_or_record_toggled(self, _checked: bool = False) -> None:
        """Give Esc to the first of Cancel Picking, Stop Recording and the window's Stop that applies."""
        if self.panel.picker.pick_button.isChecked():
            holder = self.cancel_picking_action
        elif self.record_action.isChecked():
            holder = self.stop_recording_action
        else:
            holder = self._stop_action
        escape = QKeySequence(QKeySequence.StandardKey.Cancel)
        for candidate in (self.cancel_picking_action, self.stop_recording_action, self._stop_action):
            candidate.setShortcut(escape if candidate is holder else QKeySequence())

    def _install(self, menus: WindowMenus, actions: WindowActions) -> None:
        """The exports and the comparison model in the File menu above the datasets, Animate in the View menu, and
        Animate and Record in the toolbar, before Draw."""
        before = actions.open_npz
        menus.file.insertActions(before, [self.export_animation_action, self.export_replay_action])
        plots = QMenu("Export &Plot", menus.file)
        plots.addActions([self.export_loss_action, self.export_scatter_action])
        menus.file.insertMenu(before, plots)
        menus.file.insertSeparator(before)
        menus.file.insertActions(before, [self.open_comparison_action, self.keep_comparison_action])
        menus.file.insertSeparator(before)
        menus.toolbar.insertSeparator(actions.draw)
        menus.toolbar.insertActions(actions.draw, [self.animate_action, self.record_action])
        menus.view.insertAction(actions.draw, self.animate_action)

    # ---- hooks for the window -------------------------------------------------------------------------------
    def attach_explorer(self, explorer: LatentExplorer) -> None:
        """Draw the preview's path on `explorer`, pick ends with its clicks and record its decodes (it replaces the
        explorer attached before, if any)."""
        if self._explorer is not None:
            try:
                self._explorer.point_clicked.disconnect(self.panel.pick_point)
            except (RuntimeError, TypeError):  # already deleted (the window replaced it), or not connected
                pass
        self._explorer = explorer
        explorer.point_clicked.connect(self.panel.pick_point)
        self.recorder.watch(explorer)
        self._on_panel_path_changed(self.panel.path() if self.panel.isVisible() else None)

    def show_model(self) -> None:
        """The session has a new model, dataset or history: start a new replay and animate the model as it is."""
        dataset = self._session.dataset
        self.replay.clear()
        self.panel.set_test_set(dataset.test_images, dataset.test_labels, dataset.class_names)
        self._controller.when_model_free(self._give_model)

    def set_comparison_run(self, run: TrainingRun | None, names: tuple[str, str] = ("", "")) -> None:
        """Animate ``run``'s model (a comparison's second run) on the left of the window's own, from its weights as
        they train, in place of a kept or opened comparison model; None: no comparison. names: the window's run's
        and ``run``'s, which tell the models apart when their titles are the same (see set_run_names)."""
        if self._comparison_run is not None:
            self._comparison_run.controller.run_finished.disconnect(self._on_comparison_run_finished)
        if run is not None:
            run.controller.run_finished.connect(self._on_comparison_run_finished)
        self._comparison_run, self._run_names = run, names
        for action in (self.open_comparison_action, self.keep_comparison_action):
            action.setEnabled(run is None)
        self.panel.set_comparison_choice_enabled(run is None)
        if run is None:
            self.panel.set_comparison_model(None)
        else:
            self._give_models()

    def set_run_names(self, names: tuple[str, str]) -> None:
        """New names for the window's run and the comparison run: the models keep their weights (a new name is no
        reason to copy them, or to pause a run for them)."""
        self._run_names = names
        self.panel.set_model_names(*names)

    def add_snapshot(self, snapshot: ModelSnapshot, labels: np.ndarray) -> None:
        """Keep the scatter of this snapshot for the replay; labels (n,) are the classes of its codes."""
        self.replay.add(snapshot.step, snapshot.codes, labels)
        self.export_replay_action.setEnabled(len(self.replay) > 1)

    def shutdown(self) -> None:
        """Stop recording and any export (waiting for its thread), before the window closes."""
        self.record_action.setChecked(False)
        self.exporter.wait()

    # ---- commands -------------------------------------------------------------------------------------------
    @Slot()
    def export_animation(self, path: str | Path | None = None) -> bool:
        """Write the Animate tab's animation to `path` (asking when None); False if nothing was started."""
        if not self.panel.models() or min(self.panel.ends()) < 0:
            self._message_bar.show_message("There is no animation to export yet: train or open a model.")
            return False
        start, end = self.panel.ends()
        labels = self.panel.picker.end_combos[0].currentText(), self.panel.picker.end_combos[1].currentText()
        path = self._path_or_ask(path, "Export Animation", self._file_name(f"{labels[0]}-to-{labels[1]}", ".gif"))
        return path is not None and self._export(self.panel.export_job(path))

    @Slot()
    def export_replay(self, path: str | Path | None = None) -> bool:
        """Write the latent replay: one frame per kept snapshot at REPLAY_FPS, the last held REPLAY_HOLD_S."""
        if len(self.replay) < 2:
            self._message_bar.show_message("Train the model a little first: the replay shows the latent space "
                                           "forming, from snapshots taken during training.")
            return False
        path = self._path_or_ask(path, "Export Latent Replay", self._file_name("latent-replay", ".gif"))
        if path is None:
            return False
        make = self.replay.frame_maker(self._session.dataset.class_names, REPLAY_SIDE,
                                       round(REPLAY_HOLD_S * REPLAY_FPS))
        return self._export(ExportJob(Path(path), make, REPLAY_FPS, "latent replay"))

    def export_recording(self, recording: Recording | None = None, path: str | Path | None = None) -> bool:
        """Write a recording (default: the last one) resampled to the Animate tab's frame rate and scale."""
        recording = recording or self.last_recording
        if recording is None:
            return False
        path = self._path_or_ask(path, "Export Recording", self._file_name("recording", ".gif"))
        if path is None:
            return False
        if recording is self.last_recording:
            self._message_bar.hide()  # the bar offering this export has done its job
        spec = self.panel.spec()
        title = model_title(self._session.model)
        # The recording is private and never changes: its frames may be made on the export thread.
        job = ExportJob(Path(path), partial(recording.frames, spec.fps, spec.scale, title), spec.fps, "recording")
        return self._export(job)

    @Slot()
    def export_loss_plot(self, path: str | Path | None = None) -> Path | None:
        """The loss plot as PNG or SVG, or, for a .csv path, the whole loss history as a table (while a run goes on,
        up to its last step)."""
        return self._export_plot(self._loss_plot.plot_item, "Export Loss Plot", self._file_name("loss", ".png"), path,
                                 table=lambda csv_path: write_history_csv(self._session.history, csv_path))

    @Slot()
    def export_scatter(self, path: str | Path | None = None) -> Path | None:
        """The latent scatter as PNG or SVG, or, for a .csv path, the codes it shows (every point, with its class)."""
        return self._export_plot(self._explorer.scatter.plot_item, "Export Latent Scatter",
                                 self._file_name("latent-scatter", ".png"), path, table=self._explorer.write_codes)

    @Slot()
    def open_comparison(self, path: str | Path | None = None) -> bool:
        """Load a checkpoint as the comparison model, drawn left of the current one in the Animate tab."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self._parent, "Open Comparison Model",
                                                  self._settings.last_folder(),
                                                  "Latent Lab checkpoints (*.npz);;All files (*)")
            if not path:
                return False
        path = Path(path)
        try:
            model = load_checkpoint(path).model
        except CheckpointError as error:
            self._message_bar.show_message(f"Could not open the comparison model. {error}.", "error")
            return False
        if model.config.input_dim != self._session.model_config.input_dim:
            self._message_bar.show_message(f"{path.name} takes {model.config.input_dim}-pixel images; the "
                                           f"current model takes {self._session.model_config.input_dim}.", "error")
            return False
        self.panel.set_comparison_model(model, path.stem)
        self._show_panel()
        self._status_bar.showMessage(f"Comparing with {path.name} ({model_title(model)}).", 5000)
        return True

    @Slot()
    def keep_for_comparison(self) -> None:
        """Keep a copy of the current model as the comparison model (e.g. keep an AE, then train a VAE)."""
        self._controller.when_model_free(self._keep_model)

    # ---- helpers --------------------------------------------------------------------------------------------
    def _give_model(self) -> None:
        session = self._session
        if self._comparison_run is not None:
            name = self._run_names[0]
        else:
            name = session.path.stem if session.path is not None else "current"
        self.panel.set_model(session.model, name, session.history.steps)

    def _give_comparison_model(self) -> None:
        if self._comparison_run is not None:
            self.panel.set_comparison_model(self._comparison_run.session.model, self._run_names[1])

    def _give_models(self) -> None:
        """The window's model, and the comparison run's, each when its run lets it be read."""
        self._controller.when_model_free(self._give_model)
        if self._comparison_run is not None:
            self._comparison_run.controller.when_model_free(self._give_comparison_model)

    def _keep_model(self) -> None:
        session = self._session
        name = session.path.stem if session.path is not None else f"step {session.history.steps:,}"
        self.panel.set_comparison_model(session.model, name)
        self._show_panel()
        # Short: the status bar of a 1024-pixel window has room for about 40 letters; the panel says what is next.
        self._status_bar.showMessage(f"Kept {model_title(session.model)} for comparison.", 8000)

    def _show_panel(self) -> None:
        self.animate_action.setChecked(True)

    def _file_name(self, what: str, extension: str) -> str:
        """The file name an export suggests: the model's name, then what it shows, e.g. "vae-z2-mnist5k-2-to-7.gif"
        (a class name such as "T-shirt/top" becomes "t-shirt-top")."""
        what = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        return f"{self._session.file_stem()}-{what}{extension}"

    def _path_or_ask(self, path: str | Path | None, title: str, name: str) -> Path | None:
        if path is not None:
            return Path(path)
        folder = Path(self._settings.last_folder() or Path.home())
        path = ask_animation_path(self._parent, title, folder / name)
        if path is not None:
            self._settings.set_last_folder(str(path.parent))
        return path

    def _export(self, job: ExportJob) -> bool:
        if not self.exporter.export(job):
            self._status_bar.showMessage("An export is already running.", 4000)
            return False
        return True

    def _export_plot(self, item, title: str, name: str, path: str | Path | None,
                     table: Callable[[Path], Path] | None = None) -> Path | None:
        """Save ``item`` at ``path`` (asked for when None); ``table(path)`` writes a .csv path instead, if given."""
        if path is None:
            folder = Path(self._settings.last_folder() or Path.home())
            path = ask_plot_path(self._parent, title, folder / name, table=table is not None)
            if path is None:
                return None
            self._settings.set_last_folder(str(path.parent))
        path = Path(path)
        try:
            written = table(path) if table is not None and path.suffix.lower() == ".csv" else export_plot(item, path)
        except (OSError, ValueError) as error:
            self._message_bar.show_message(f"Could not save {path.name}: {error}", "error")
            return None
        self._status_bar.showMessage(f"Saved {written}", 5000)
        return written

    # ---- slots ----------------------------------------------------------------------------------------------
    @Slot(object)
    def _on_panel_path_changed(self, path: np.ndarray | None) -> None:
        self._explorer.set_path(path, self.panel.player.frame_index() if path is not None else None,
                                self.panel.picker.end_classes())

    @Slot(int)
    def _on_panel_frame_shown(self, index: int) -> None:
        if index >= 0:
            self._explorer.set_path_marker(index)

    @Slot()
    def _on_panel_model_requested(self) -> None:
        self._give_models()

    @Slot()
    def _on_controller_run_finished(self) -> None:
        self._controller.when_model_free(self._give_model)

    @Slot()
    def _on_comparison_run_finished(self) -> None:
        self._comparison_run.controller.when_model_free(self._give_comparison_model)

    @Slot(bool)
    def _on_animate_action_toggled(self, on: bool) -> None:
        self.stack.setCurrentIndex(1 if on else 0)
        self._fit_split(on)
        if on and (self.panel.model_step() != self._session.history.steps or self._comparison_run is not None):
            self._give_models()         # the weights have trained since

    def _fit_split(self, animate: bool) -> None:
        """Give the Animate panel the height its controls and strip ask for, from the explorer above it, and give
        it back when the training view returns (unless the user has moved the split since)."""
        splitter = self.stack.parentWidget()
        if not isinstance(splitter, QSplitter):
            return
        sizes = splitter.sizes()
        index = splitter.indexOf(self.stack)
        if animate:
            above = splitter.widget(index - 1)
            spare = sizes[index - 1] - above.minimumSizeHint().height()
            # Its texts changed as it was shown (new ends, say): let the layouts take them in before asking its size.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            shift = min(self.panel.sizeHint().height() - sizes[index], spare)
            if shift > 0:
                grown = sizes[:index - 1] + [sizes[index - 1] - shift, sizes[index] + shift] + sizes[index + 1:]
                splitter.setSizes(grown)
                before = sizes if self._split_before is None else self._split_before[0]
                self._split_before = (before, splitter.sizes())
        elif self._split_before is not None:
            before, grown = self._split_before
            if sizes == grown:
                splitter.setSizes(before)
            self._split_before = None

    @Slot()
    def _on_panel_size_hint_changed(self) -> None:
        if self.animate_action.isChecked():
            self._fit_split(True)

    @Slot(bool)
    def _on_record_action_toggled(self, on: bool) -> None:
        if on:
            self.recorder.start()
            self._status_bar.showMessage("Recording: press and drag in the latent plot, then press Esc or Record to "
                                         "stop.")
            return
        recording = self.recorder.stop()
        if recording is None:
            self._status_bar.showMessage("Nothing was recorded: drag in the latent plot while recording.", 5000)
            return
        self.last_recording = recording
        fps = self.panel.spec().fps
        self._status_bar.clearMessage()
        self._message_bar.show_message(
            f"Recorded {recording.duration:.1f} s of dragging: {recording.frame_count(fps)} frames at {fps:g} fps.",
            "info", ("Export…", self.export_recording))

    @Slot(int)
    def _on_recorder_captured(self, count: int) -> None:
        self._status_bar.showMessage(f"Recording: {count} images.")

    @Slot(str)
    def _on_exporter_succeeded(self, path: str) -> None:
        self._status_bar.showMessage(f"Wrote {path}", 8000)

    @Slot()
    def _on_exporter_cancelled(self) -> None:
        self._status_bar.showMessage("Export cancelled; nothing was written.", 5000)

    @Slot(str)
    def _on_exporter_failed(self, message: str) -> None:
        self._message_bar.show_message(message, "error")
