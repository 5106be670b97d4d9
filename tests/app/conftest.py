"""Fixtures for the window and training tests: a private QSettings file, a small dataset, a small model, and the
user's answers to the window's questions, scripted in advance."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.gui_gc import GuiThreadGarbageCollector
from app.workspace.app_settings import AppSettings
from app.workspace.datasets import DatasetCatalog
from app.workspace.paths import BUNDLED_DATASET
from app.workspace.questions import SaveAnswer
from core.data.datasets import Dataset, load_npz
from core.nn.config import ModelConfig
from core.training.config import TrainConfig

SMALL_MODEL = ModelConfig(kind="vae", hidden=(32, 16))
SMALL_TRAINING = TrainConfig(epochs=2, batch_size=64)


@pytest.fixture(scope="module", autouse=True)
def garbage_collected_on_the_gui_thread(qapp):
    """As in the app (app/application.py): otherwise a test's training thread may free the windows of earlier
    tests (seen: a segmentation fault, in 3 of 18 runs of the suite on a loaded machine)."""
    collector = GuiThreadGarbageCollector()
    yield
    collector.stop()


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    return load_npz(BUNDLED_DATASET)


@pytest.fixture
def small_dataset(bundled: Dataset) -> Dataset:
    """640 training and 100 test images of the bundled digits: 10 batches of 64 per epoch."""
    return Dataset("small", bundled.train_images[:640], bundled.train_labels[:640], bundled.test_images[:100],
                   bundled.test_labels[:100], bundled.class_names)


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    """A settings file of the test's own (never the user's), preset to a small model."""
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    AppSettings(store).save_configs(SMALL_MODEL, SMALL_TRAINING)
    return store


@pytest.fixture
def catalog(tmp_path) -> DatasetCatalog:
    return DatasetCatalog(cache_dir=tmp_path / "cache")


class ScriptedQuestions:
    """The Questions of app/workspace/questions.py answered as scripted, without a dialog; ``asked`` lists the
    questions in the order they came (their method names; ask_to_restore's with its description).

    save: the answer to "Save the model?", or a function called for it when asked. restore: the answer to "Restore
    the unsaved model?". paths: the file each file question answers, by method name; None (the default) as when
    the user cancels the dialog."""

    def __init__(self, save: SaveAnswer | Callable[[], SaveAnswer] = SaveAnswer.DISCARD, restore: bool = False,
                 paths: dict[str, Path] | None = None) -> None:
        self.save = save
        self.restore = restore
        self.paths = dict(paths or {})
        self.asked: list[str] = []

    def ask_to_save(self) -> SaveAnswer:
        self.asked.append("ask_to_save")
        return self.save() if callable(self.save) else self.save

    def ask_to_restore(self, description: str) -> bool:
        self.asked.append(f"ask_to_restore: {description}")
        return self.restore

    def _path(self, question: str) -> Path | None:
        self.asked.append(question)
        return self.paths.get(question)

    def ask_model_to_open(self, folder: str) -> Path | None:
        return self._path("ask_model_to_open")

    def ask_model_to_save(self, suggested: Path) -> Path | None:
        return self._path("ask_model_to_save")

    def ask_dataset_file_to_open(self, folder: str) -> Path | None:
        return self._path("ask_dataset_file_to_open")

    def ask_dataset_folder_to_open(self, folder: str) -> Path | None:
        return self._path("ask_dataset_folder_to_open")


@pytest.fixture
def questions() -> ScriptedQuestions:
    """The window fixture's answers: Discard (pytest-qt closes the window before our teardown), no file, no restore."""
    return ScriptedQuestions()


@pytest.fixture
def window(qtbot, qsettings, catalog, questions, request):
    """The main window on the bundled digits with a small model, answering ``questions``, training in one process
    (a test about the helper processes asks for two with ``@pytest.mark.parametrize("window", [2],
    indirect=True)``); closed without questions afterwards."""
    from app.window.main_window import MainWindow

    parts = getattr(request, "param", 1)
    win = MainWindow(qsettings, blas_threads=1, catalog=catalog, questions=questions, train_parts=parts)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    yield win
    win.controller.shutdown()
    win.session.dirty = False
    win.close()


def weights(model) -> np.ndarray:
    return model.parameters.flat.copy()


def drop(window, path) -> bool:
    """Drag ``path`` over the window and drop it there, as a file manager does; True if the window took it."""
    mime = QMimeData()
    mime.setUrls([QUrl(path) if str(path).startswith("https:") else QUrl.fromLocalFile(str(path))])
    point = window.rect().center()
    action = Qt.DropAction.CopyAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point, action, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    dropped = QDropEvent(QPoint(point).toPointF(), action, mime, buttons, modifiers)
    QApplication.sendEvent(window, dropped)
    return dropped.isAccepted()
