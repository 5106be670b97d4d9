"""The window's datasets: the choices in the panel, opening an .npz file or IDX folder, downloading MNIST, and
switching the session (and the explorer's classes) to another dataset.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QApplication, QFileDialog

from core.data.datasets import Dataset
from core.data.errors import DatasetError

if TYPE_CHECKING:
    from app.window.download_dialog import DownloadDialog
    from app.window.main_window import MainWindow


class DatasetCommands(QObject):
    """Loading datasets into the window's session. ``download_dialog`` is the MNIST download in progress, if any."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.download_dialog: DownloadDialog | None = None

    def initial_dataset(self) -> tuple[Dataset, str]:
        window = self.window
        spec = window.app_settings.dataset_spec()
        if spec != "mnist5k" and window.catalog.available_offline(spec):
            try:
                return window.catalog.load(spec), spec
            except DatasetError as error:
                window.message_bar.show_message(f"Could not load the last dataset: {error}. Using the bundled "
                                                f"digits instead.", "warning")
        return window.catalog.load("mnist5k"), "mnist5k"

    def fill_dataset_choices(self) -> None:
        window = self.window
        for spec, label, enabled, tip in window.catalog.choices():
            window.panel.add_dataset(label, spec, enabled, tip)
        self.use_dataset(window.session.dataset, window.session.dataset_spec)

    def switch_dataset_for(self, spec: str) -> str:
        """Load the dataset a checkpoint was trained on when it differs and is at hand; returns a note if not."""
        window = self.window
        if not spec or spec == window.session.dataset_spec:
            return ""
        if window.catalog.available_offline(spec):
            try:
                self.use_dataset(window.catalog.load(spec), spec)
                return ""
            except DatasetError as error:
                return f"This model was trained on {spec}, which could not be loaded ({error}); it continues on " \
                       f"{window.session.dataset.name}."
        return f"This model was trained on {spec}, which is not available here; it continues on " \
               f"{window.session.dataset.name}."

    def open_dataset_file(self) -> None:
        window = self.window
        path, _ = QFileDialog.getOpenFileName(window, "Open Dataset", window.app_settings.last_folder(),
                                              "NumPy archives (*.npz);;All files (*)")
        if path:
            window.load_dataset(path)

    def open_dataset_folder(self) -> None:
        window = self.window
        path = QFileDialog.getExistingDirectory(window, "Open IDX Folder", window.app_settings.last_folder())
        if path:
            window.load_dataset(path)

    def download_mnist(self) -> None:
        from app.window.download_dialog import DownloadDialog

        if self.download_dialog is not None:
            return
        window = self.window
        dialog = DownloadDialog(window.catalog.cache_dir, window, window.downloader)
        dialog.downloaded.connect(self._on_download_dialog_downloaded)
        dialog.finished.connect(self._on_download_dialog_finished)
        self.download_dialog = dialog
        dialog.start()

    def load_dataset(self, spec: str) -> bool:
        """Train on the dataset ``spec`` from now on; on failure say why and keep the current one."""
        window = self.window
        if spec == "mnist" and not window.catalog.available_offline("mnist"):
            window.panel.select_dataset(window.session.dataset_spec)
            window.download_mnist()
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = window.catalog.load(spec)
        except DatasetError as error:
            window.message_bar.show_message(f"Could not load the dataset. {error}", "error")
            window.panel.select_dataset(window.session.dataset_spec)
            return False
        finally:
            QApplication.restoreOverrideCursor()
        if spec not in ("mnist5k", "fashion", "mnist"):
            window.app_settings.set_last_folder(str(Path(spec).parent))
        self.use_dataset(dataset, spec)
        window.message_bar.hide()
        window.show_model()
        return True

    def use_dataset(self, dataset: Dataset, spec: str) -> None:
        window = self.window
        window.session.set_dataset(dataset, spec)
        window.panel.select_dataset(spec, window.catalog.label(spec, dataset))
        window.panel.set_dataset_info(f"{len(dataset.train_images):,} training · {len(dataset.test_images):,} test "
                                      f"images")
        window.show_classes(dataset.class_names)

    # ---- slots: the download dialog ---------------------------------------------------------------------------
    @Slot(str)
    def _on_download_dialog_downloaded(self, folder: str) -> None:
        self.window.load_dataset("mnist")

    @Slot()
    def _on_download_dialog_finished(self) -> None:
        dialog, self.download_dialog = self.download_dialog, None
        if dialog is not None:
            dialog.deleteLater()
