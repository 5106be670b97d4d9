"""The main window: settings panel, latent explorer, loss plot and image strips, menus, toolbar and status bar.

It builds the Workspace (settings, catalog, the training run's Session and TrainingController) and composes views
and commands over it; the parts themselves know nothing of each other, and each takes the views and objects it works
on. Training runs on the controller's worker thread; everything here runs on the GUI thread. The actions and menus
(actions), the training keys whatever has focus (training_keys), layout (layout), the display of a run (run_display),
the animation tools (animation_tools) and the dialogs that answer the commands' questions (dialog_questions) have
modules of their own; the model files, datasets and paths opened from outside are workspace commands that report by
signals.
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QTabWidget

from app.animation.animation_tools import AnimationTools
from app.explorer.drawing_pad import DrawingPad
from app.explorer.latent_explorer import LatentExplorer
from app.plots.image_strip import ImageStrip
from app.plots.loss_plot import LossPlot
from app.window.about import about_html
from app.window.actions import WindowActions, build_menus_and_toolbar
from app.window.compare_mode import CompareMode
from app.window.dialog_questions import DialogQuestions
from app.window.download_dialog import DownloadDialog, Downloader
from app.window.layout import STYLE_SHEET, WindowLayout, make_drawing_column, make_training_view
from app.window.message_bar import MessageBar
from app.window.panel_models import new_model_from_panel, panel_train_config
from app.window.run_display import RunDisplay
from app.window.run_status import RunStatus
from app.window.run_strips import RunStrips
from app.window.settings_panel import SettingsPanel
from app.window.shortcuts_dialog import ShortcutsDialog
from app.window.training_keys import TrainingKeys
from app.workspace.app_settings import AppSettings
from app.workspace.dataset_commands import DatasetCommands
from app.workspace.datasets import DatasetCatalog, largest_digit_set
from app.workspace.file_commands import FileCommands
from app.workspace.path_opener import PathOpener, openable_path
from app.workspace.questions import Questions
from app.workspace.recovery import Recovery
from app.workspace.run_group import RunGroup
from app.workspace.session import SAMPLE_COUNT, Session
from app.workspace.training_controller import RunState, TrainingController
from app.workspace.training_worker import ModelSnapshot
from app.workspace.workspace import TrainingRun, Workspace
from core.data.datasets import Dataset
from core.data.download import download_mnist
from core.nn.models import EncoderSnapshot
from core.parallel.thread_team import training_parts
from core.training.config import TrainConfig
from core.training.presets import WRITE_UP, comparison_pair

# Measured with bench/gui_responsiveness.py (see its docstring): as the headless command line does, every core
# trains part of each batch with one BLAS thread each (one training thread with two BLAS threads is as fast when
# it works, but its BLAS helper busy-waits against the GUI thread and collapses 3-10x in some runs).
APP_TRAIN_PARTS = training_parts()


def comparison_parts(train_parts: int) -> int:
    """Processes each run of a comparison splits its batches over: the cores shared between the two runs."""
    return max(1, train_parts // 2)
APP_BLAS_THREADS = 1
CLOSE_TIMEOUT_MS = 1000
UNTITLED = "Untitled[*] — Latent Lab"


class MainWindow(QMainWindow):
    """Latent Lab's window. ``settings`` defaults to the user's QSettings and ``catalog`` to the bundled data and
    the user's cache folder; tests pass their own, and their own ``questions`` (answered without dialogs) and
    ``download`` (no network). train_parts: processes sharing each batch; blas_threads: OpenBLAS threads while
    training (process-wide); open_file: a model or dataset to open once the window is up."""

    def __init__(self, settings: QSettings | None = None, blas_threads: int | None = APP_BLAS_THREADS,
                 catalog: DatasetCatalog | None = None, train_parts: int = APP_TRAIN_PARTS,
                 open_file: Path | None = None, questions: Questions | None = None,
                 download: Downloader = download_mnist) -> None:
        super().__init__()
        self._open_at_launch = open_file
        self._download = download
        self.download_dialog: DownloadDialog | None = None      # the MNIST download in progress, if any
        self.workspace = Workspace(AppSettings(settings), catalog or DatasetCatalog())
        self.message_bar = MessageBar()
        dataset, spec, note = self.workspace.first_dataset()
        if note:
            self.message_bar.show_message(note, "warning")
        session = Session(dataset, spec, self.app_settings.model_config(), self.app_settings.train_config(),
                          train_parts)
        self.workspace.add_run(TrainingRun(session, TrainingController(session, blas_threads, self)))
        self._questions = questions or DialogQuestions(self)
        self._build_commands(self._questions)
        self._explorer_labels = np.zeros(0, dtype=np.intp)
        self._explorer_images = np.zeros((0, 784), dtype=np.uint8)
        self._encoder: EncoderSnapshot | None = None     # the latest snapshot's, for the drawing pad
        self.shortcuts_dialog: ShortcutsDialog | None = None     # made when first asked for
        self._width_before_pad: int | None = None       # the window's width when the drawing pad was shown

        self.panel = SettingsPanel()
        self.loss_plot = LossPlot(self.session.history, self.session.model_config.kind)
        self.loss_plot.set_log_scale(self.app_settings.log_scale())
        columns = 10
        self.reconstruction_strip = ImageStrip("Reconstructions", ("Test images", "Reconstructed"), columns)
        self.sample_strip = ImageStrip("Samples from the prior", ("z ~ N(0, I)", ""), SAMPLE_COUNT // 2)
        self.strips = RunStrips(self.reconstruction_strip, self.sample_strip)
        self.run_group = RunGroup([self.controller], self)
        self.explorer = LatentExplorer(dataset.class_names)
        self.run_status = RunStatus(self.session.batch_sizes)
        self.drawing_pad = DrawingPad()
        self.drawing_column = make_drawing_column(self.drawing_pad)
        self.window_actions = WindowActions(self, {
            "train": self.train, "pause": self.run_group.toggle_pause, "space": self.toggle_run,
            "step": self.run_group.step, "stop": self.run_group.stop, "reset": self.reset,
            "open": self.file_commands.open_checkpoint, "save": self.file_commands.save,
            "save_as": self.file_commands.save_as, "open_npz": self.dataset_commands.open_dataset_file,
            "open_idx": self.dataset_commands.open_dataset_folder, "download": self.download_mnist,
            "quit": self.close, "log_scale": self.loss_plot.set_log_scale, "fit": self.fit_explorer,
            "shortcuts": self.show_shortcuts, "about": self.show_about, "draw": self.show_drawing_pad,
            "compare": self.set_comparing, "write_up": self.compare_as_in_write_up,
            "same_axes": self._on_same_axes_toggled, "save_second": self.compare_save_as})
        self.window_actions.log_scale.setChecked(self.loss_plot.log_scale)
        actions = self.window_actions
        self.training_keys = TrainingKeys(self, [actions.space, actions.stop, actions.step, actions.reset])
        self.menus = build_menus_and_toolbar(self.menuBar(), self.addToolBar("Training"), self.window_actions,
                                             self.app_settings, self.file_commands.open_checkpoint)
        self.panel.set_dataset_actions(self.window_actions.dataset_actions())
        training_view = make_training_view(self.loss_plot, [self.reconstruction_strip, self.sample_strip])
        self.animation = AnimationTools(
            self, session=self.session, controller=self.controller, explorer=self.explorer,
            loss_plot=self.loss_plot, training_view=training_view, actions=self.window_actions, menus=self.menus,
            message_bar=self.message_bar, status_bar=self.statusBar(), settings=self.app_settings)
        self.panel_tabs = QTabWidget()         # the runs' settings: a tab each in a comparison, no tab bar otherwise
        self.panel_tabs.setTabBarAutoHide(True)
        self.panel_tabs.setDocumentMode(True)
        self.panel_tabs.addTab(self.panel, "")
        self.window_layout = WindowLayout(self.panel_tabs, self.message_bar, self.explorer, self.drawing_column,
                                          training_view, self.animation.stack)
        self.setCentralWidget(self.window_layout.central)
        self.statusBar().addPermanentWidget(self.run_status)
        self.setStyleSheet(STYLE_SHEET)
        self.run_display = RunDisplay(
            self.controller, self.session, actions=self.window_actions, panel=self.panel, loss_plot=self.loss_plot,
            run_status=self.run_status, explorer=self.explorer, message_bar=self.message_bar,
            status_bar=self.statusBar(), show_snapshot=self.show_snapshot, mark_modified=self._mark_modified,
            group=self.run_group, parent=self)
        self.compare = CompareMode(
            workspace=self.workspace, group=self.run_group, tabs=self.panel_tabs, layout=self.window_layout,
            first_explorer=self.explorer, first_files=self.file_commands,
            loss_plot=self.loss_plot, strips=self.strips, animation=self.animation, message_bar=self.message_bar,
            status_bar=self.statusBar(), datasets=self.dataset_commands, questions=self._questions,
            parts=comparison_parts(train_parts), blas_threads=blas_threads, close_timeout_ms=CLOSE_TIMEOUT_MS,
            parent=self)
        self._connect()

        self.panel.set_configs(self.session.model_config, self.session.train_config)
        for spec, label, enabled, tip in self.workspace.catalog.choices():
            self.panel.add_dataset(label, spec, enabled, tip)
        self._on_dataset_commands_dataset_changed(self.session.dataset, self.session.dataset_spec)
        self.show_model()
        self.setWindowTitle(UNTITLED)
        self.statusBar().showMessage("Press Train (or Space) to start training.")
        self._restore_geometry()
        self.setAcceptDrops(True)        # a checkpoint, an .npz dataset or an IDX folder
        QTimer.singleShot(0, self._after_launch)

    # ---- construction ---------------------------------------------------------------------------------------
    @property
    def app_settings(self) -> AppSettings:
        return self.workspace.settings

    @property
    def session(self) -> Session:
        """The current run's session."""
        return self.workspace.current.session

    @property
    def controller(self) -> TrainingController:
        """The current run's training controller."""
        return self.workspace.current.controller

    def _build_commands(self, questions: Questions) -> None:
        """The workspace commands over the current run, and the window's slots for what they report."""
        workspace, run = self.workspace, self.workspace.current
        self.dataset_commands = DatasetCommands(run.session, workspace.catalog, workspace.settings, questions, self)
        self.file_commands = FileCommands(run.session, run.controller, workspace.settings, self.dataset_commands,
                                          Recovery(workspace.settings.recovery_folder()), questions,
                                          CLOSE_TIMEOUT_MS, self)
        self.path_opener = PathOpener(self.file_commands, self.dataset_commands, run.controller, self)
        files, datasets = self.file_commands, self.dataset_commands
        files.model_replaced.connect(self._on_file_commands_model_replaced)
        files.model_opened.connect(self._on_file_commands_model_opened)
        files.model_restored.connect(self._on_file_commands_model_restored)
        files.model_saved.connect(self._on_file_commands_model_saved)
        files.failed.connect(self._on_file_commands_failed)
        datasets.dataset_changed.connect(self._on_dataset_commands_dataset_changed)
        datasets.dataset_opened.connect(self._on_dataset_commands_dataset_opened)
        datasets.download_requested.connect(self._on_dataset_commands_download_requested)
        datasets.failed.connect(self._on_dataset_commands_failed)
        self.path_opener.refused.connect(self._on_path_opener_refused)

    def _connect(self) -> None:
        panel = self.panel
        panel.dataset_selected.connect(self._on_panel_dataset_selected)
        panel.architecture_changed.connect(self._on_panel_architecture_changed)
        panel.training_changed.connect(self._on_panel_training_changed)
        panel.lr_changed.connect(self.controller.set_lr)
        panel.beta_changed.connect(self.controller.set_beta)
        self.loss_plot.log_scale_toggled.connect(self.window_actions.log_scale.setChecked)
        self.drawing_pad.drawing_changed.connect(self._on_drawing_pad_drawing_changed)
        self.drawing_pad.drawing_cleared.connect(self._on_drawing_pad_drawing_cleared)
        self.controller.run_started.connect(self._on_controller_run_started)
        self.controller.run_finished.connect(self._on_controller_run_finished)
        self.run_group.state_changed.connect(self._on_run_group_state_changed)

    # ---- training commands ------------------------------------------------------------------------------------
    @Slot()
    def train(self) -> None:
        """Train every run (both runs of a comparison), unless one trains already."""
        if self.run_group.state is RunState.IDLE:
            self.message_bar.hide()
            self.run_group.start()

    @Slot()
    def toggle_run(self) -> None:
        """Space: train when idle, otherwise pause or resume."""
        if self.run_group.state is RunState.IDLE:
            self.train()
        else:
            self.run_group.toggle_pause()

    @Slot(object)
    def _on_run_group_state_changed(self, state: RunState) -> None:
        self.run_display.update_actions()
        self.compare.update_actions()

    @Slot()
    def _on_controller_run_started(self) -> None:
        """Move the focus off the settings before the run locks them: Qt would hand it from a locked field to the
        next one, the learning rate, with its text selected for the next key to replace."""
        focus = QApplication.focusWidget()
        if focus is not None and self.panel.isAncestorOf(focus):
            self.explorer.scatter.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_epochs()         # a run on a model that had all its epochs raised the total

    @Slot()
    def _on_controller_run_finished(self) -> None:
        self._show_epochs()

    @Slot()
    def reset(self) -> None:
        """A new model with fresh weights from the panel's architecture and seed (each run's, in a comparison)."""
        if self.run_group.state is RunState.RUNNING:
            return
        if not self.file_commands.release_model() \
                or not self._new_model_from_panel(panel_train_config(self.panel, self.session)):
            return
        self.setWindowTitle(UNTITLED)        # no file yet: Save asks for one
        self.message_bar.hide()
        self.show_model()
        self.compare.reset()
        self.statusBar().showMessage("New model with fresh random weights.", 4000)

    # ---- compare mode -----------------------------------------------------------------------------------------
    @Slot(bool)
    def set_comparing(self, on: bool) -> None:
        """Compare Two Runs: show a second run beside this one (the other kind of model by default), or end it
        (after asking to save its model; the action stays checked if the user cancels)."""
        self.compare.start() if on else self.compare.end()
        if self.compare.active != on:       # the user kept the second run (or one was shown already)
            self._show_comparing()
            return
        self._show_comparing()
        if on:
            self.statusBar().showMessage(f"Comparing {self.compare.names[1]} and {self.compare.names[0]}: Train "
                                         f"trains both at once, on the same batches.", 8000)

    @Slot()
    def compare_as_in_write_up(self) -> None:
        """The write-up's VAE beside an AE of the same shape, on the largest set of digits at hand: new models."""
        if self.run_group.state is not RunState.IDLE or not self.compare.end() \
                or not self.file_commands.release_model():
            return
        vae, training = WRITE_UP.model, WRITE_UP.training
        spec = largest_digit_set(self.workspace.catalog)
        if spec != self.session.dataset_spec:
            self.dataset_commands.load_dataset(spec)
        self.panel.set_configs(vae, training)
        self.session.set_train_config(training)
        self.session.new_model(vae)
        self.setWindowTitle(UNTITLED)
        self.show_model()
        self.compare.start((comparison_pair(vae), training))
        self._show_comparing()
        self.statusBar().showMessage("The write-up's models: press Train (Space).", 8000)

    # ---- files and datasets: FileCommands and DatasetCommands do the work, the window shows what they report ----
    @Slot()
    def _after_launch(self) -> None:
        """Once the window is up: offer back a crashed session's unsaved model, then open the file given at launch
        (in this order: the first may ask a question, and while it is asked, timers run)."""
        self.file_commands.offer_recovery()
        self.compare.offer_recovery()
        self._show_comparing()
        if self._open_at_launch is not None:
            self.path_opener.open_path(self._open_at_launch)

    def _show_comparing(self) -> None:
        """The actions that show or need a comparison say whether there is one."""
        actions = self.window_actions
        actions.compare.setChecked(self.compare.active)
        for action in (actions.same_axes, actions.save_second):
            action.setEnabled(self.compare.active)
        self.run_display.update_actions()

    @Slot()
    def compare_save_as(self) -> None:
        self.compare.save_as()

    @Slot(bool)
    def _on_same_axes_toggled(self, same: bool) -> None:
        self.compare.set_same_axes(same)

    @Slot()
    def _on_file_commands_model_replaced(self) -> None:
        self.panel.set_configs(self.session.model_config, self.session.train_config)
        self.show_model()
        self.compare.first_run_changed()

    @Slot(object, str)
    def _on_file_commands_model_opened(self, path: Path, note: str) -> None:
        if note:
            self.message_bar.show_message(note, "info")
        else:
            self.message_bar.hide()        # what it said was about the model or dataset just replaced
        self.setWindowTitle(f"{path.name}[*] — Latent Lab")
        self.statusBar().showMessage(f"Opened {path}: {self.session.history.steps:,} steps trained.", 5000)

    @Slot(int, str)
    def _on_file_commands_model_restored(self, steps: int, note: str) -> None:
        if note:
            self.message_bar.show_message(note, "info")
        self.setWindowTitle("Restored model[*] — Latent Lab")
        self.setWindowModified(True)
        self.statusBar().showMessage(f"Restored the unsaved model ({steps:,} steps). Save it to keep it.", 10000)

    @Slot(object)
    def _on_file_commands_model_saved(self, path: Path) -> None:
        self.setWindowTitle(f"{path.name}[*] — Latent Lab")
        self.setWindowModified(False)
        self.statusBar().showMessage(f"Saved {path}", 5000)

    @Slot(str)
    def _on_file_commands_failed(self, message: str) -> None:
        self.message_bar.show_message(message, "error")

    @Slot(object, str)
    def _on_dataset_commands_dataset_changed(self, dataset: Dataset, spec: str) -> None:
        """Name the session's dataset in the panel; a dataset of other classes gets an explorer of its own."""
        self.panel.select_dataset(spec, self.workspace.catalog.label(spec, dataset))
        self.panel.set_dataset_info(f"{len(dataset.train_images):,} training · {len(dataset.test_images):,} test "
                                    f"images")
        self.show_classes(dataset.class_names)
        self.compare.set_dataset(dataset, spec)

    @Slot(str)
    def _on_dataset_commands_dataset_opened(self, spec: str) -> None:
        self.message_bar.hide()
        self.show_model()

    @Slot()
    def _on_dataset_commands_download_requested(self) -> None:
        self.panel.select_dataset(self.session.dataset_spec)       # until the download is done
        self.download_mnist()

    @Slot(str)
    def _on_dataset_commands_failed(self, message: str) -> None:
        self.message_bar.show_message(message, "error")
        self.panel.select_dataset(self.session.dataset_spec)

    @Slot(str)
    def _on_path_opener_refused(self, message: str) -> None:
        self.message_bar.show_message(message, "info")

    @Slot()
    def download_mnist(self) -> None:
        """Download full MNIST in a progress dialog (one download at a time); once it is there, train on it."""
        if self.download_dialog is not None:
            return
        dialog = DownloadDialog(self.workspace.catalog.cache_dir, self, self._download)
        dialog.downloaded.connect(self._on_download_dialog_downloaded)
        dialog.finished.connect(self._on_download_dialog_finished)
        self.download_dialog = dialog
        dialog.start()

    @Slot(str)
    def _on_download_dialog_downloaded(self, folder: str) -> None:
        self.dataset_commands.load_dataset("mnist")

    @Slot()
    def _on_download_dialog_finished(self) -> None:
        dialog, self.download_dialog = self.download_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def show_classes(self, class_names: tuple[str, ...]) -> None:
        """Show a dataset with these classes: a new explorer, where the explorer's classes are others."""
        if tuple(class_names) == self.explorer.class_names:
            return
        old, self.explorer = self.explorer, LatentExplorer(class_names)
        self.window_layout.replace_explorer(old, self.explorer)
        old.deleteLater()
        self.run_display.set_explorer(self.explorer)
        self.animation.attach_explorer(self.explorer)
        self.compare.set_first_explorer(self.explorer)

    # ---- showing the model ------------------------------------------------------------------------------------
    def show_model(self) -> None:
        """Show the session's model and history from scratch (after start, reset, open or a new dataset)."""
        session = self.session
        self.loss_plot.set_history(session.history, session.model_config.kind)
        self.loss_plot.set_reconstruction(session.model_config.reconstruction)
        test = session.dataset.test_images
        indices = session.explorer_indices()
        self._explorer_images = test[indices]
        self._explorer_labels = session.dataset.test_labels[indices].astype(np.intp)
        if not self.compare.active:
            self.strips.set_runs([(session, "", session.model_config.kind)])
        self.strips.set_test_images(test[session.strip_indices()])
        self.animation.show_model()
        self.show_snapshot(self.controller.snapshot_now())
        self.run_display.fit_explorer()
        self._show_epochs()
        self.run_status.show_idle(session.history.steps, session.batches_per_epoch, session.train_config.epochs)
        self.panel.set_model_info(f"{session.model.parameters.size:,} weights")
        self.setWindowModified(session.dirty)
        self.run_display.update_actions()

    def show_snapshot(self, snapshot: ModelSnapshot) -> None:
        """Show a snapshot of the model in the explorer, the strips, the drawing's star and the animation tools."""
        self.explorer.set_data(snapshot.codes, self._explorer_labels, self._explorer_images, snapshot.log_var)
        self.explorer.set_decoder(snapshot.decoder.decode, live=self.controller.state is not RunState.IDLE)
        # An untrained decoder draws noise, which the manifold would tile behind the points: it waits for an epoch.
        self.explorer.set_manifold_ready(snapshot.step >= self.session.batches_per_epoch)
        self._encoder = snapshot.encoder
        self._show_drawing(keep_probe=True)      # the star follows training
        self.strips.show(self.session, snapshot.strip_reconstructions, snapshot.prior_samples)
        self.animation.add_snapshot(snapshot, self._explorer_labels)

    def _show_drawing(self, keep_probe: bool = False) -> None:
        """Encode the pad's drawing with the latest encoder snapshot and star it in the explorer (if the pad is
        shown and has ink). Before any snapshot, the session's model may encode it only while no run trains it."""
        if not self.window_actions.draw.isChecked():
            return
        image = self.drawing_pad.image()
        if not image.any():
            return
        if self._encoder is not None:
            z = self._encoder.encode_mean(image[None])[0]
        elif self.controller.state is RunState.IDLE:
            z = self.session.model.encode(image[None])[0][0]
        else:
            z = None
        self.explorer.set_drawn_point(z, keep_probe)

    @Slot()
    def fit_explorer(self) -> None:
        """Frame all latent codes, and keep framing them as training moves them (the Fit action; both runs')."""
        self.run_display.fit_explorer()
        self.compare.fit_explorer()

    def _show_epochs(self) -> None:
        """Epochs is the total the model trains to (as on the command line), never fewer than it has trained (a
        checkpoint of an older version may say fewer): the field, the status bar and a saved model agree."""
        session = self.session
        done = session.epochs_done
        if session.train_config.epochs < done:
            session.set_train_config(replace(session.train_config, epochs=done))
        self.panel.show_epochs(session.train_config.epochs, done)

    def _mark_modified(self) -> None:
        """The model has changed since it was saved (the title's [*])."""
        if not self.isWindowModified():
            self.setWindowModified(True)

    # ---- slots: the drawing pad -------------------------------------------------------------------------------
    @Slot(object)
    def _on_drawing_pad_drawing_changed(self, image: np.ndarray) -> None:
        self._show_drawing()

    @Slot()
    def _on_drawing_pad_drawing_cleared(self) -> None:
        self.explorer.set_drawn_point(None)

    @Slot(bool)
    def show_drawing_pad(self, shown: bool) -> None:
        """Show or hide the drawing pad (the Draw action); its drawing is starred in the explorer while shown.

        A window too narrow for the pad grows to hold it, and shrinks back when the pad goes, unless the user has
        widened it since (it is then wider than the pad needs)."""
        width = self.width()
        self.drawing_column.setVisible(shown)
        if shown:
            self._width_before_pad = width
            self._show_drawing()
            return
        self.explorer.set_drawn_point(None)
        before, self._width_before_pad = self._width_before_pad, None
        plain = self.windowState() == Qt.WindowState.WindowNoState       # neither maximized nor full screen
        if before is not None and before < width == self.minimumWidth() and plain:
            # The minimum falls back once the layouts take in the hidden column; the old width fits it already.
            self.setMinimumWidth(before)
            self.resize(before, self.height())

    # ---- slots: the panel -------------------------------------------------------------------------------------
    @Slot(str)
    def _on_panel_dataset_selected(self, spec: str) -> None:
        if spec and spec != self.session.dataset_spec:
            self.dataset_commands.load_dataset(spec)

    @Slot()
    def _on_panel_architecture_changed(self) -> None:
        if self.session.trained or self.controller.state is not RunState.IDLE:
            self.session.set_train_config(panel_train_config(self.panel, self.session))   # only the seed can change
        elif self._new_model_from_panel(self.panel.train_config()):
            self.show_model()
        self.compare.first_run_changed()

    def _new_model_from_panel(self, train_config: TrainConfig) -> bool:
        """A fresh model of the panel's architecture, trained with ``train_config``; False (and a message) when the
        panel's layers cannot make one."""
        problem = new_model_from_panel(self.panel, self.session, train_config)
        if problem:
            self.message_bar.show_message(f"Cannot build this model: {problem}.", "error")
        return not problem

    @Slot()
    def _on_panel_training_changed(self) -> None:
        self.session.set_train_config(panel_train_config(self.panel, self.session))
        self.compare.first_run_changed()
        self._show_epochs()             # a larger batch makes fewer, longer epochs: more of them may be done
        self.run_status.show_idle(self.session.history.steps, self.session.batches_per_epoch,
                                  self.session.train_config.epochs)

    # ---- help, closing, persistence ---------------------------------------------------------------------------
    @Slot()
    def show_shortcuts(self) -> None:
        """Help > Keyboard Shortcuts (F1): a window beside this one, raised if it is open already."""
        if self.shortcuts_dialog is None:
            self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.refresh()
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()
        self.shortcuts_dialog.activateWindow()

    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(self, "About Latent Lab", about_html())

    # ---- a file dropped on the window -------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if openable_path(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = openable_path(event.mimeData())
        if path is None:
            return
        event.acceptProposedAction()
        # Once the drop has ended: opening a model may first ask whether to save this one.
        QTimer.singleShot(0, partial(self.path_opener.open_path, path))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.file_commands.release_model() or not self.compare.release():
            event.ignore()
            return
        if self.download_dialog is not None:
            self.download_dialog.wait()
        self.animation.shutdown()
        self.workspace.close()
        self._save_settings()
        event.accept()

    def _save_settings(self) -> None:
        settings = self.app_settings
        try:
            settings.save_configs(self.panel.model_config(), self.panel.train_config())
        except ValueError:
            settings.save_configs(self.session.model_config, self.session.train_config)
        settings.set_dataset_spec(self.session.dataset_spec)
        settings.set_log_scale(self.loss_plot.log_scale)
        settings.set_bytes("window/geometry", self.saveGeometry())
        self.window_layout.save(settings)
        settings.sync()

    def _restore_geometry(self) -> None:
        """The window's size and splitters as they were saved, or the defaults."""
        geometry = self.app_settings.bytes("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        self.window_layout.restore(self.app_settings)
