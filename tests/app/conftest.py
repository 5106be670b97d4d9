"""Fixtures for the window and training tests: a private QSettings file, a small dataset, a small model."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from app.gui_gc import GuiThreadGarbageCollector
from app.workspace.app_settings import AppSettings
from app.workspace.datasets import DatasetCatalog
from app.workspace.paths import BUNDLED_DATASET
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


@pytest.fixture
def window(qtbot, qsettings, catalog):
    """The main window on the bundled digits with a small model; closed without questions afterwards."""
    from app.window.main_window import MainWindow

    win = MainWindow(qsettings, blas_threads=1, catalog=catalog)
    win.ask_to_save = lambda: QMessageBox.StandardButton.Discard    # pytest-qt closes it before our teardown
    qtbot.addWidget(win)
    win.resize(1280, 800)
    yield win
    win.controller.shutdown()
    win.session.dirty = False
    win.close()


def weights(model) -> np.ndarray:
    return model.parameters.flat.copy()
