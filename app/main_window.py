"""The main window: settings panel, latent explorer, loss plot and image strips, menus, toolbar and status bar.

It wires the parts together and owns the Session and the TrainingController; the parts themselves know nothing
of each other. Training runs on the controller's worker thread; everything here runs on the GUI thread.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QFileDialog, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QScrollArea, QSplitter,
    QStyle, QVBoxLayout, QWidget,
)

from app.app_settings import AppSettings
from app.datasets import DatasetCatalog
from app.drawing_pad import DrawingPad
from app.image_strip import ImageStrip
from app.loss_plot import LossPlot
from app.message_bar import MessageBar
from app.run_status import RunStatus
from app.session import SAMPLE_COUNT, Session
from app.settings_panel import SettingsPanel
from app.training_controller import RunState, TrainingController
from app.training_worker import ModelSnapshot
from core.checkpoint import CheckpointError
from core.data import Dataset, DatasetError
from core.download import download_mnist
from core.config import TrainConfig
from core.models import EncoderSnapshot
from core.training import EpochProgress, StepProgress

# Measured with bench/gui_responsiveness.py (see its docstring): as the headless command line does, every core
# trains part of each batch with one BLAS thread each (one training thread with two BLAS threads is as fast when
# it works, but its BLAS helper busy-waits against the GUI thread and collapses 3-10x in some runs).
APP_TRAIN_THREADS = min(2, os.cpu_count() or 1)
APP_BLAS_THREADS = 1
CLOSE_TIMEOUT_MS = 1000
STYLE_SHEET = """
QLabel#panelTitle { font-weight: 600; }
QLabel#hint { color: palette(placeholder-text); }
QToolBar { spacing: 4px; }
"""

try:     # the latent explorer is developed alongside this window
    from app.latent_view import LatentExplorer
except ImportError:      # pragma: no cover - only while the explorer is missing
    LatentExplorer = None
try:     # so are the animation tools (Animate view, exports, recording)
    from app.animation_tools import AnimationTools
except ImportError:      # pragma: no cover - only while they are missing
    AnimationTools = None


class MainWindow(QMainWindow):
    """Latent Lab's window. ``settings`` defaults to the user's QSettings and ``catalog`` to the bundled data and
    the user's cache folder; tests pass their own. train_threads: threads sharing each batch; blas_threads: OpenBLAS
    threads while training (process-wide)."""

    def __init__(self, settings: QSettings | None = None, blas_threads: int | None = APP_BLAS_THREADS,
                 catalog: DatasetCatalog | None = None, train_threads: int = APP_TRAIN_THREADS) -> None:
        super().__init__()
        self.app_settings = AppSettings(settings)
        self.catalog = catalog or DatasetCatalog()
        self.message_bar = MessageBar()
        dataset, spec = self._initial_dataset()
        self.session = Session(dataset, spec, self.app_settings.model_config(), self.app_settings.train_config(),
                               train_threads)
        self.controller = TrainingController(self.session, blas_threads, self)
        self._download_dialog = None
        self.downloader = download_mnist     # replaced in tests (no network)
        self._auto_fit = True       # frame the latent codes as they move, until the user pans or zooms
        self._explorer_labels = np.zeros(0, dtype=np.intp)
        self._explorer_images = np.zeros((0, 784), dtype=np.uint8)
        self._encoder: EncoderSnapshot | None = None     # the latest snapshot's, for the drawing pad

        self.panel = SettingsPanel()
        self.loss_plot = LossPlot(self.session.history, self.session.model_config.kind)
        self.loss_plot.set_log_scale(self.app_settings.log_scale())
        columns = 10
        self.reconstruction_strip = ImageStrip("Reconstructions", ("Test images", "Reconstructed"), columns)
        self.sample_strip = ImageStrip("Samples from the prior", ("z ~ N(0, I)", ""), SAMPLE_COUNT // 2)
        label_width = max(self.reconstruction_strip.grid.label_width(), self.sample_strip.grid.label_width())
        self.sample_strip.grid.min_label_width = self.reconstruction_strip.grid.min_label_width = label_width
        self.explorer = self._make_explorer(dataset.class_names)
        self.run_status = RunStatus(self.session.batch_sizes)
        self.drawing_pad = DrawingPad()
        self.drawing_column = self._make_drawing_column()
        self.animation = AnimationTools(self) if AnimationTools is not None else None
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_layout()
        self._connect()

        self.panel.set_configs(self.session.model_config, self.session.train_config)
        self._fill_dataset_choices()
        self._show_model()
        self._update_actions()
        self.setWindowTitle("Untitled[*] — Latent Lab")
        self._restore_geometry()

    # ---- construction ---------------------------------------------------------------------------------------
    def _initial_dataset(self) -> tuple[Dataset, str]:
        spec = self.app_settings.dataset_spec()
        if spec != "mnist5k" and self.catalog.available_offline(spec):
            try:
                return self.catalog.load(spec), spec
            except DatasetError as error:
                self.message_bar.show_message(f"Could not load the last dataset: {error}. Using the bundled "
                                              f"digits instead.", "warning")
        return self.catalog.load("mnist5k"), "mnist5k"

    def _make_explorer(self, class_names: tuple[str, ...]) -> QWidget:
        if LatentExplorer is None:
            placeholder = QLabel("The latent explorer appears here.")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            placeholder.class_names = tuple(class_names)
            return placeholder
        explorer = LatentExplorer(class_names)
        explorer.class_names = tuple(class_names)
        explorer.scatter.view_box.sigRangeChangedManually.connect(self._on_explorer_view_changed_manually)
        return explorer

    def _make_drawing_column(self) -> QWidget:
        """The drawing pad in a column beside the explorer, hidden until the Draw action shows it. Beside the
        explorer, not in a dock: a dock would take its width from the loss plot too, which has none to spare."""
        title = QLabel("Draw a digit")
        title.setObjectName("panelTitle")
        hint = QLabel("It is encoded as you draw, starred in the latent plot and decoded.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(self.drawing_pad)
        layout.addWidget(hint)
        layout.addStretch(1)
        column.setFixedWidth(self.drawing_pad.sizeHint().width() + 6)
        column.hide()
        return column

    def _action(self, text: str, slot, shortcut: QKeySequence | str | None = None, tip: str = "",
                icon: QStyle.StandardPixmap | None = None) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip or text.replace("&", "").rstrip("…"))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        pixmap = QStyle.StandardPixmap
        self.train_action = self._action("&Train", self.train, None, "Train the model until its epochs are done.",
                                         pixmap.SP_MediaPlay)
        self.pause_action = self._action("&Pause", self.toggle_pause, None,
                                         "Pause training, or resume it where it paused.", pixmap.SP_MediaPause)
        self.space_action = self._action("Train, Pause or Resume", self.toggle_run, Qt.Key.Key_Space,
                                         "Start training, pause it, or resume it.")
        self.step_action = self._action("S&tep", self.step, "Ctrl+T", "Train on exactly one batch.",
                                        pixmap.SP_MediaSeekForward)
        self.stop_action = self._action("St&op", self.stop, None, "End this run; the model keeps what it learned.",
                                        pixmap.SP_MediaStop)
        self.reset_action = self._action("&Reset", self.reset, "Ctrl+R",
                                         "A new model with fresh random weights and the architecture in the panel.",
                                         pixmap.SP_BrowserReload)
        self.open_action = self._action("&Open Model…", self.open_checkpoint, QKeySequence.StandardKey.Open,
                                        "Open a saved model and continue training it.", pixmap.SP_DialogOpenButton)
        self.save_action = self._action("&Save Model", self.save, QKeySequence.StandardKey.Save,
                                        "Save the model, its optimizer, settings and loss history.",
                                        pixmap.SP_DialogSaveButton)
        self.save_as_action = self._action("Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs,
                                           "Save the model to a new file.")
        self.open_npz_action = self._action("Open Dataset &File (.npz)…", self.open_dataset_file, None,
                                            "Train on images from an .npz file.")
        self.open_idx_action = self._action("Open &IDX Folder…", self.open_dataset_folder, None,
                                            "Train on a folder of MNIST-style IDX files.")
        self.download_action = self._action("&Download MNIST…", self.download_mnist, None,
                                            "Download the full MNIST dataset (11.6 MB) once.")
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q", "Close Latent Lab.")
        self.log_action = self._action("&Log Scale", self.loss_plot.set_log_scale, None,
                                       "Show the loss on a logarithmic axis.")
        self.log_action.setCheckable(True)
        self.log_action.setChecked(self.loss_plot.log_scale)
        self.fit_action = self._action("&Fit Latent View", self._fit_explorer, "Ctrl+F",
                                       "Frame all points of the latent space, and follow them as they move.")
        self.about_action = self._action("&About Latent Lab", self.show_about, None, "About this app.")
        self.draw_action = self._action("&Draw", self._on_draw_action_toggled, "Ctrl+D",
                                        "Draw a digit with the mouse and see it encoded and decoded live (Ctrl+D).")
        self.draw_action.setCheckable(True)

    def _build_menus_and_toolbar(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.open_action, self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addActions([self.open_npz_action, self.open_idx_action, self.download_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        train_menu = menu.addMenu("&Training")
        train_menu.addActions([self.space_action, self.step_action, self.stop_action])
        train_menu.addSeparator()
        train_menu.addAction(self.reset_action)
        view_menu = menu.addMenu("&View")
        view_menu.addActions([self.log_action, self.fit_action])
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.about_action)

        toolbar = self.addToolBar("Training")
        toolbar.setObjectName("trainingToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addActions([self.train_action, self.pause_action, self.step_action, self.stop_action])
        toolbar.addSeparator()
        toolbar.addAction(self.reset_action)
        toolbar.addSeparator()
        toolbar.addActions([self.open_action, self.save_action])
        self.open_action.setIconText("Open")
        self.save_action.setIconText("Save")
        if self.animation is not None:
            self.animation.install(file_menu, self.open_npz_action, view_menu, toolbar)
        toolbar.addAction(self.draw_action)
        view_menu.addAction(self.draw_action)
        view_menu.addSeparator()
        view_menu.addAction(toolbar.toggleViewAction())
        self.panel.set_dataset_actions([self.open_npz_action, self.open_idx_action, self.download_action])

    def _build_layout(self) -> None:
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(self.panel.sizeHint().width() + 12)

        strips = QWidget()
        strips_layout = QVBoxLayout(strips)
        strips_layout.setContentsMargins(0, 0, 0, 0)
        strips_layout.setSpacing(4)
        strips_layout.addWidget(self.reconstruction_strip)
        strips_layout.addWidget(self.sample_strip)
        strips_layout.addStretch(1)
        # The explorer on top takes the most room; the loss plot and the strips share the row below it.
        self.bottom_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.bottom_splitter.setObjectName("bottomSplitter")
        self.bottom_splitter.addWidget(self.loss_plot)
        self.bottom_splitter.addWidget(strips)
        self.bottom_splitter.setStretchFactor(0, 3)
        self.bottom_splitter.setStretchFactor(1, 2)
        self.view_splitter = QSplitter(Qt.Orientation.Vertical)
        self.view_splitter.setObjectName("viewSplitter")
        explorer_row = QWidget()
        self.explorer_row_layout = QHBoxLayout(explorer_row)
        self.explorer_row_layout.setContentsMargins(0, 0, 0, 0)
        self.explorer_row_layout.setSpacing(0)
        self.explorer_row_layout.addWidget(self.explorer, 1)
        self.explorer_row_layout.addWidget(self.drawing_column)
        self.view_splitter.addWidget(explorer_row)
        # The Animate view takes the place of the loss plot and strips while it is on.
        lower = self.animation.views(self.bottom_splitter) if self.animation is not None else self.bottom_splitter
        self.view_splitter.addWidget(lower)
        self.view_splitter.setStretchFactor(0, 3)
        self.view_splitter.setStretchFactor(1, 2)
        self.view_splitter.setCollapsible(0, False)

        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(4, 4, 4, 4)
        central_layout.addWidget(self.message_bar)
        central_layout.addWidget(self.view_splitter, 1)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(scroll)
        self.main_splitter.addWidget(central)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setCollapsible(1, False)
        self.setCentralWidget(self.main_splitter)
        self.statusBar().addPermanentWidget(self.run_status)
        if self.animation is not None:
            self.animation.attach_explorer(self.explorer)
        self.setStyleSheet(STYLE_SHEET)

    def _connect(self) -> None:
        controller = self.controller
        controller.run_started.connect(self._on_controller_run_started)
        controller.state_changed.connect(self._on_controller_state_changed)
        controller.progressed.connect(self._on_controller_progressed)
        controller.epoch_finished.connect(self._on_controller_epoch_finished)
        controller.snapshot_ready.connect(self._on_controller_snapshot_ready)
        controller.diverged.connect(self._on_controller_diverged)
        controller.failed.connect(self._on_controller_failed)
        controller.run_finished.connect(self._on_controller_run_finished)
        panel = self.panel
        panel.dataset_selected.connect(self._on_panel_dataset_selected)
        panel.architecture_changed.connect(self._on_panel_architecture_changed)
        panel.training_changed.connect(self._on_panel_training_changed)
        panel.lr_changed.connect(self.controller.set_lr)
        panel.beta_changed.connect(self.controller.set_beta)
        self.loss_plot.log_scale_toggled.connect(self.log_action.setChecked)
        self.drawing_pad.drawing_changed.connect(self._on_drawing_pad_drawing_changed)
        self.drawing_pad.drawing_cleared.connect(self._on_drawing_pad_drawing_cleared)

    # ---- training commands ------------------------------------------------------------------------------------
    @Slot()
    def train(self) -> None:
        if self.controller.state is RunState.IDLE:
            self.message_bar.hide()
            self.controller.start()

    @Slot()
    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    @Slot()
    def toggle_run(self) -> None:
        """Space: train when idle, otherwise pause or resume."""
        if self.controller.state is RunState.IDLE:
            self.train()
        else:
            self.controller.toggle_pause()

    @Slot()
    def step(self) -> None:
        self.controller.step()

    @Slot()
    def stop(self) -> None:
        self.controller.stop()

    @Slot()
    def reset(self) -> None:
        """A new model with fresh weights from the panel's architecture and seed."""
        if self.controller.state is RunState.RUNNING:
            return
        self.controller.shutdown(CLOSE_TIMEOUT_MS)       # a paused run ends here: saving needs a still model
        if not self._maybe_save():
            return
        try:
            model_config = self.panel.model_config()
        except ValueError as error:
            self.message_bar.show_message(f"Cannot build this model: {error}.", "error")
            return
        self.session.set_train_config(self._panel_train_config())
        self.session.new_model(model_config)
        self.message_bar.hide()
        self._show_model()
        self.statusBar().showMessage("New model with fresh random weights.", 4000)

    # ---- files ------------------------------------------------------------------------------------------------
    @Slot()
    def save(self) -> bool:
        if self.session.path is None:
            return self.save_as()
        return self._write_checkpoint(self.session.path)

    @Slot()
    def save_as(self) -> bool:
        suggested = str(Path(self.app_settings.last_folder() or Path.home()) / "model.npz")
        path, _ = QFileDialog.getSaveFileName(self, "Save Model", suggested, "Latent Lab checkpoints (*.npz)")
        if not path:
            return False
        if not path.endswith(".npz"):
            path += ".npz"
        return self._write_checkpoint(Path(path))

    def _write_checkpoint(self, path: Path) -> bool:
        """Save now when no step runs, else as soon as the run has paused (it resumes afterwards)."""
        result = []

        def write() -> None:
            try:
                self.session.save(path)
            except OSError as error:
                self.message_bar.show_message(f"Could not save {path}: {error.strerror or error}.", "error")
                result.append(False)
                return
            self.app_settings.set_last_folder(str(path.parent))
            self.setWindowTitle(f"{path.name}[*] — Latent Lab")
            self.setWindowModified(False)
            self.statusBar().showMessage(f"Saved {path}", 5000)
            result.append(True)

        self.controller.when_model_free(write)
        return bool(result and result[0])

    @Slot()
    def open_checkpoint(self, path: str | Path | None = None) -> bool:
        """Open a checkpoint (asking for the file when ``path`` is None); on failure nothing changes."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open Model", self.app_settings.last_folder(),
                                                  "Latent Lab checkpoints (*.npz);;All files (*)")
            if not path:
                return False
        path = Path(path)
        try:
            checkpoint = Session.read_checkpoint(path)
        except CheckpointError as error:
            self.message_bar.show_message(f"Could not open the model. {error}.", "error")
            return False
        self.controller.shutdown(CLOSE_TIMEOUT_MS)       # before asking: saving needs a still model
        if not self._maybe_save():
            return False
        note = self._switch_dataset_for(checkpoint.dataset)
        self.session.adopt(checkpoint, path)
        self.app_settings.set_last_folder(str(path.parent))
        self.panel.set_configs(self.session.model_config, self.session.train_config)
        self._show_model()
        self.setWindowTitle(f"{path.name}[*] — Latent Lab")
        if note:
            self.message_bar.show_message(note, "info")
        else:
            self.message_bar.hide()
        self.statusBar().showMessage(f"Opened {path}: {self.session.history.steps:,} steps trained.", 5000)
        return True

    def _switch_dataset_for(self, spec: str) -> str:
        """Load the dataset a checkpoint was trained on when it differs and is at hand; returns a note if not."""
        if not spec or spec == self.session.dataset_spec:
            return ""
        if self.catalog.available_offline(spec):
            try:
                self._use_dataset(self.catalog.load(spec), spec)
                return ""
            except DatasetError as error:
                return f"This model was trained on {spec}, which could not be loaded ({error}); it continues on " \
                       f"{self.session.dataset.name}."
        return f"This model was trained on {spec}, which is not available here; it continues on " \
               f"{self.session.dataset.name}."

    @Slot()
    def open_dataset_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Dataset", self.app_settings.last_folder(),
                                              "NumPy archives (*.npz);;All files (*)")
        if path:
            self.load_dataset(path)

    @Slot()
    def open_dataset_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open IDX Folder", self.app_settings.last_folder())
        if path:
            self.load_dataset(path)

    @Slot()
    def download_mnist(self) -> None:
        from app.dialogs import DownloadDialog

        if self._download_dialog is not None:
            return
        dialog = DownloadDialog(self.catalog.cache_dir, self, self.downloader)
        dialog.downloaded.connect(self._on_download_dialog_downloaded)
        dialog.finished.connect(self._on_download_dialog_finished)
        self._download_dialog = dialog
        dialog.start()

    def load_dataset(self, spec: str) -> bool:
        """Train on the dataset ``spec`` from now on; on failure say why and keep the current one."""
        if spec == "mnist" and not self.catalog.available_offline("mnist"):
            self.panel.select_dataset(self.session.dataset_spec)
            self.download_mnist()
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = self.catalog.load(spec)
        except DatasetError as error:
            self.message_bar.show_message(f"Could not load the dataset. {error}", "error")
            self.panel.select_dataset(self.session.dataset_spec)
            return False
        finally:
            QApplication.restoreOverrideCursor()
        if spec not in ("mnist5k", "fashion", "mnist"):
            self.app_settings.set_last_folder(str(Path(spec).parent))
        self._use_dataset(dataset, spec)
        self.message_bar.hide()
        self._show_model()
        return True

    def _use_dataset(self, dataset: Dataset, spec: str) -> None:
        self.session.set_dataset(dataset, spec)
        self.panel.select_dataset(spec, self.catalog.label(spec, dataset))
        self.panel.set_dataset_info(f"{len(dataset.train_images):,} training · {len(dataset.test_images):,} test "
                                    f"images")
        if tuple(dataset.class_names) != getattr(self.explorer, "class_names", ()):
            explorer = self._make_explorer(dataset.class_names)
            self.explorer_row_layout.replaceWidget(self.explorer, explorer)
            self.explorer.deleteLater()
            self.explorer = explorer
            if self.animation is not None:
                self.animation.attach_explorer(explorer)

    def _fill_dataset_choices(self) -> None:
        for spec, label, enabled, tip in self.catalog.choices():
            self.panel.add_dataset(label, spec, enabled, tip)
        self._use_dataset(self.session.dataset, self.session.dataset_spec)

    # ---- showing the model ------------------------------------------------------------------------------------
    def _show_model(self) -> None:
        """Show the session's model and history from scratch (after start, reset, open or a new dataset)."""
        session = self.session
        self.loss_plot.set_history(session.history, session.model_config.kind)
        self.sample_strip.show_note(None if session.model_config.kind == "vae" else
                                    "Only a VAE has a prior to sample from.")
        test = session.dataset.test_images
        indices = session.explorer_indices()
        self._explorer_images = test[indices]
        self._explorer_labels = session.dataset.test_labels[indices].astype(np.intp)
        self._strip_images = test[session.strip_indices()]
        if self.animation is not None:
            self.animation.show_model()
        self._show_snapshot(self.controller.snapshot_now())
        self._auto_fit = True
        self._fit_explorer()
        self.run_status.show_idle(session.history.steps, session.batches_per_epoch, session.run_config().epochs)
        self.panel.set_model_info(f"{session.model.parameters.size:,} weights")
        self.setWindowModified(session.dirty)
        self._update_actions()

    def _show_snapshot(self, snapshot: ModelSnapshot) -> None:
        if LatentExplorer is not None and isinstance(self.explorer, LatentExplorer):
            self.explorer.set_data(snapshot.codes, self._explorer_labels, self._explorer_images, snapshot.log_var,
                                   snapshot.reconstructions)
            self.explorer.set_decoder(snapshot.decoder.decode)
        self._encoder = snapshot.encoder
        self._show_drawing(keep_probe=True)      # the star follows training
        self.reconstruction_strip.set_rows([self._strip_images, snapshot.strip_reconstructions])
        if self.animation is not None:
            self.animation.add_snapshot(snapshot, self._explorer_labels)
        if snapshot.prior_samples is not None:
            half = len(snapshot.prior_samples) // 2
            self.sample_strip.set_rows([snapshot.prior_samples[:half], snapshot.prior_samples[half:]])

    def _show_drawing(self, keep_probe: bool = False) -> None:
        """Encode the pad's drawing with the latest encoder snapshot and star it in the explorer (if the pad is
        shown and has ink). Before any snapshot, the session's model may encode it only while no run trains it."""
        if not hasattr(self.explorer, "set_drawn_point") or not self.draw_action.isChecked():
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
    def _fit_explorer(self) -> None:
        """Frame all latent codes, and keep framing them as training moves them."""
        self._auto_fit = True
        if hasattr(self.explorer, "fit_view"):
            self.explorer.fit_view()

    @Slot()
    def _on_explorer_view_changed_manually(self, *args) -> None:
        self._auto_fit = False

    def _update_actions(self) -> None:
        state = self.controller.state
        idle, running, paused = (state is s for s in (RunState.IDLE, RunState.RUNNING, RunState.PAUSED))
        self.train_action.setEnabled(idle)
        self.pause_action.setEnabled(not idle)
        self.pause_action.setText("&Resume" if paused else "&Pause")
        self.pause_action.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause))
        self.step_action.setEnabled(not running)
        self.stop_action.setEnabled(not idle)
        self.reset_action.setEnabled(not running)
        for action in (self.open_npz_action, self.open_idx_action, self.download_action):
            action.setEnabled(idle)
        self.panel.set_running(not idle)
        self.panel.set_architecture_locked(not idle or self.session.trained)

    def _panel_train_config(self) -> TrainConfig:
        """The panel's training settings; a trained model keeps its optimizer."""
        config = self.panel.train_config()
        if self.session.trained:
            config = replace(config, optimizer=self.session.train_config.optimizer)
        return config

    # ---- slots: the controller ------------------------------------------------------------------------------
    @Slot()
    def _on_controller_run_started(self) -> None:
        session = self.session
        epochs = session.run_config().epochs
        self.run_status.start_run(session.history.steps, epochs, session.batches_per_epoch)
        self.loss_plot.set_expected_steps(epochs * session.batches_per_epoch)

    @Slot(object)
    def _on_controller_state_changed(self, state: RunState) -> None:
        if state is RunState.RUNNING:
            self.run_status.resume()
            self.statusBar().showMessage("Training…")
        elif state is RunState.PAUSED:
            self.run_status.pause()
            self.statusBar().showMessage("Paused. Press Space to resume, or Step to train on one batch.")
        self._update_actions()

    @Slot(list)
    def _on_controller_progressed(self, records: list[StepProgress]) -> None:
        self.loss_plot.append_steps(records)
        self.run_status.add_steps(records)
        if not self.isWindowModified():
            self.setWindowModified(True)
        if self.session.trained and self.panel.lock_label.isHidden():
            self._update_actions()

    @Slot(object)
    def _on_controller_epoch_finished(self, record: EpochProgress) -> None:
        self.loss_plot.add_epoch(record)
        self.statusBar().showMessage(f"Epoch {record.epoch + 1}: test loss {record.test_loss:.2f}, "
                                     f"training loss {record.train_loss:.2f}", 8000)

    @Slot(object)
    def _on_controller_snapshot_ready(self, snapshot: ModelSnapshot) -> None:
        self._show_snapshot(snapshot)
        if self._auto_fit and self._codes_need_framing(snapshot.codes):
            self.explorer.fit_view()

    def _codes_need_framing(self, codes: np.ndarray) -> bool:
        """Whether the codes left the explorer's view or fill little of it. Refitting on every snapshot would
        redraw the plot's axes each time, the costliest part of a repaint while training runs."""
        if not hasattr(self.explorer, "fit_view"):
            return False
        try:
            plane = self.explorer.plane()
            (x0, x1), (y0, y1) = self.explorer.scatter.view_box.viewRange()
        except AttributeError:
            return True
        if plane is None or codes.shape[1] < 2:
            return True
        points = plane.to_plane(codes)
        low, high = points.min(axis=0), points.max(axis=0)
        outside = low[0] < x0 or low[1] < y0 or high[0] > x1 or high[1] > y1
        small = (high[0] - low[0]) < 0.5 * (x1 - x0) and (high[1] - low[1]) < 0.5 * (y1 - y0)
        return outside or small

    @Slot(str)
    def _on_controller_diverged(self, message: str) -> None:
        lower = max(self.session.train_config.lr / 10, self.panel.lr_spin.minimum())
        self.message_bar.show_message(
            message, "warning", (f"Set the learning rate to {lower:g}", lambda: self.panel.lr_spin.setValue(lower)))
        self.statusBar().showMessage("Training diverged; the weights were rolled back.", 8000)

    @Slot(str)
    def _on_controller_failed(self, message: str) -> None:
        self.message_bar.show_message(message, "error")

    @Slot()
    def _on_controller_run_finished(self) -> None:
        self.run_status.finish_run()
        session = self.session
        if session.history.epochs and session.history.epochs[-1].step == session.history.steps \
                and session.epochs_done >= session.train_config.epochs:
            last = session.history.epochs[-1]
            self.statusBar().showMessage(f"Finished epoch {last.epoch + 1}: test loss {last.test_loss:.2f}.")
        elif not self.message_bar.isVisible():
            self.statusBar().showMessage(f"Stopped at step {session.history.steps:,}.")
        if self.animation is not None:
            self.animation.run_finished()
        self._update_actions()

    # ---- slots: the drawing pad -------------------------------------------------------------------------------
    @Slot(object)
    def _on_drawing_pad_drawing_changed(self, image: np.ndarray) -> None:
        self._show_drawing()

    @Slot()
    def _on_drawing_pad_drawing_cleared(self) -> None:
        if hasattr(self.explorer, "set_drawn_point"):
            self.explorer.set_drawn_point(None)

    @Slot(bool)
    def _on_draw_action_toggled(self, shown: bool) -> None:
        self.drawing_column.setVisible(shown)
        if shown:
            self._show_drawing()
        elif hasattr(self.explorer, "set_drawn_point"):
            self.explorer.set_drawn_point(None)

    # ---- slots: the panel -------------------------------------------------------------------------------------
    @Slot(str)
    def _on_panel_dataset_selected(self, spec: str) -> None:
        if spec and spec != self.session.dataset_spec:
            self.load_dataset(spec)

    @Slot()
    def _on_panel_architecture_changed(self) -> None:
        if self.session.trained or self.controller.state is not RunState.IDLE:
            self.session.set_train_config(self._panel_train_config())      # only the seed can change then
            return
        try:
            model_config = self.panel.model_config()
        except ValueError as error:
            self.message_bar.show_message(f"Cannot build this model: {error}.", "error")
            return
        self.session.set_train_config(self.panel.train_config())
        self.session.new_model(model_config)
        self._show_model()

    @Slot()
    def _on_panel_training_changed(self) -> None:
        self.session.set_train_config(self._panel_train_config())
        self.run_status.show_idle(self.session.history.steps, self.session.batches_per_epoch,
                                  self.session.run_config().epochs)

    @Slot(str)
    def _on_download_dialog_downloaded(self, folder: str) -> None:
        self.load_dataset("mnist")

    @Slot()
    def _on_download_dialog_finished(self) -> None:
        dialog, self._download_dialog = self._download_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # ---- help, closing, persistence ---------------------------------------------------------------------------
    @Slot()
    def show_about(self) -> None:
        QMessageBox.about(self, "About Latent Lab",
                          "<b>Latent Lab</b><p>Watch autoencoders and variational autoencoders learn on 28×28 "
                          "images. The networks, their gradients and optimizers are written by hand in NumPy.</p>")

    def ask_to_save(self) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel for a model trained since it was saved (tests replace this)."""
        return QMessageBox.question(
            self, "Save the model?", "The model has been trained since it was last saved. Save it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

    def _maybe_save(self) -> bool:
        """True when the current model may be replaced: saved, discarded, or nothing to save. Call it with no
        run in progress (a save during a run waits for a pause, so it would not be done on return)."""
        if not self.session.dirty:
            return True
        answer = self.ask_to_save()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:
        self.controller.shutdown(CLOSE_TIMEOUT_MS)
        if self._download_dialog is not None:
            self._download_dialog.wait()
        if not self._maybe_save():
            event.ignore()
            return
        if self.animation is not None:
            self.animation.shutdown()
        self._save_settings()
        event.accept()

    def _restore_geometry(self) -> None:
        settings = self.app_settings
        geometry = settings.bytes("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        for splitter in (self.main_splitter, self.view_splitter, self.bottom_splitter):
            state = settings.bytes(f"window/{splitter.objectName()}")
            if state is None or not splitter.restoreState(state):
                self._default_splitter_sizes(splitter)

    def _default_splitter_sizes(self, splitter: QSplitter) -> None:
        if splitter is self.main_splitter:
            splitter.setSizes([self.panel.sizeHint().width() + 12, 1000])
        elif splitter is self.view_splitter:
            splitter.setSizes([410, 310])
        else:
            splitter.setSizes([560, 420])

    def _save_settings(self) -> None:
        settings = self.app_settings
        try:
            settings.save_configs(self.panel.model_config(), self.panel.train_config())
        except ValueError:
            settings.save_configs(self.session.model_config, self.session.train_config)
        settings.set_dataset_spec(self.session.dataset_spec)
        settings.set_log_scale(self.loss_plot.log_scale)
        settings.set_bytes("window/geometry", self.saveGeometry())
        for splitter in (self.main_splitter, self.view_splitter, self.bottom_splitter):
            settings.set_bytes(f"window/{splitter.objectName()}", splitter.saveState())
        settings.sync()
