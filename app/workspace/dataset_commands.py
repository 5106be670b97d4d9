"""A training run's datasets: opening an .npz file or IDX folder, loading a dataset from the catalog, and
switching the session to another dataset (the one a checkpoint was trained on, say).

It asks through Questions and reports through its signals: the window shows the dataset's name and classes, and
runs the MNIST download (a dialog) when it is asked for. It loads nothing over the network itself.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication

from app.workspace.app_settings import AppSettings
from app.workspace.datasets import BUILT_IN, DatasetCatalog
from app.workspace.questions import Questions
from app.workspace.session import Session
from core.data.datasets import Dataset
from core.data.errors import DatasetError


class DatasetCommands(QObject):
    """Loading datasets from ``catalog`` into ``session``."""

    dataset_changed = Signal(object, str)   # the session's new Dataset and its spec: its name and classes change
    dataset_opened = Signal(str)            # the spec the user chose, after dataset_changed: show the model on it
    download_requested = Signal()           # full MNIST was chosen but is not downloaded yet
    failed = Signal(str)                    # what went wrong, for the user

    def __init__(self, session: Session, catalog: DatasetCatalog, settings: AppSettings, questions: Questions,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._catalog = catalog
        self._settings = settings
        self._questions = questions

    @Slot()
    def open_dataset_file(self) -> bool:
        path = self._questions.ask_dataset_file_to_open(self._settings.last_folder())
        return path is not None and self.load_dataset(str(path))

    @Slot()
    def open_dataset_folder(self) -> bool:
        path = self._questions.ask_dataset_folder_to_open(self._settings.last_folder())
        return path is not None and self.load_dataset(str(path))

    def load_dataset(self, spec: str) -> bool:
        """Train on the dataset ``spec`` from now on; on failure say why and keep the current one. Full MNIST
        that is not downloaded yet is asked for (download_requested), and not loaded now."""
        if spec == "mnist" and not self._catalog.available_offline("mnist"):
            self.download_requested.emit()
            return False
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            dataset = self._catalog.load(spec)
        except DatasetError as error:
            self.failed.emit(f"Could not load the dataset. {error}")
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        if spec not in BUILT_IN:
            self._settings.set_last_folder(str(Path(spec).parent))
        self._use_dataset(dataset, spec)
        self.dataset_opened.emit(spec)
        return True

    def switch_dataset_for(self, spec: str) -> str:
        """Load the dataset a checkpoint was trained on when it differs and is at hand; returns a note if not."""
        session = self._session
        if not spec or spec == session.dataset_spec:
            return ""
        if self._catalog.available_offline(spec):
            try:
                self._use_dataset(self._catalog.load(spec), spec)
                return ""
            except DatasetError as error:
                return f"This model was trained on {spec}, which could not be loaded ({error}); it continues on " \
                       f"{session.dataset.name}."
        return f"This model was trained on {spec}, which is not available here; it continues on " \
               f"{session.dataset.name}."

    def _use_dataset(self, dataset: Dataset, spec: str) -> None:
        self._session.set_dataset(dataset, spec)
        self.dataset_changed.emit(dataset, spec)
