"""Fixtures for the window and training tests: a private QSettings file, a small dataset, a small model, and the
user's answers to the window's questions, scripted in advance."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.gui_gc import GuiThreadGarbageCollector
from app.workspace.app_settings import AppSettings
from app.workspace.datasets import DatasetCatalog
from app.workspace.paths import BUNDLED_DATASET
from core.data.datasets import Dataset, load_npz
from tests.helpers import SMALL_MODEL, SMALL_TRAINING, ScriptedQuestions


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
