"""The download dialog (with a fake downloader: no network) and the QSettings wrapper."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QDialog

from app.window.download_dialog import DownloadDialog
from app.workspace.app_settings import AppSettings
from core.data.download import DownloadCancelled, DownloadError
from core.nn.config import ModelConfig
from core.training.config import TrainConfig


def fake_download(cache_dir: Path, progress=None, cancel: threading.Event | None = None) -> Path:
    for done in range(0, 101, 10):
        progress(done, 100)
    return cache_dir / "mnist"


def slow_download(cache_dir: Path, progress=None, cancel: threading.Event | None = None) -> Path:
    while not cancel.wait(0.01):
        progress(1, 100)
    raise DownloadCancelled("cancelled")


def failing_download(cache_dir: Path, progress=None, cancel=None) -> Path:
    raise DownloadError("could not download train-images-idx3-ubyte.gz: " + "; ".join(
        f"https://mirror-{i}.example.org/mnist/train-images-idx3-ubyte.gz: <urlopen error no route to host>"
        for i in range(2)))


def test_a_finished_download_reports_its_folder(qtbot, tmp_path):
    dialog = DownloadDialog(tmp_path, download=fake_download)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.downloaded, timeout=5_000) as blocker:
        dialog.start()
    assert blocker.args == [str(tmp_path / "mnist")]
    assert dialog.thread is None            # let go once it had ended
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_cancel_stops_the_download_and_closes_the_dialog(qtbot, tmp_path):
    dialog = DownloadDialog(tmp_path, download=slow_download)
    qtbot.addWidget(dialog)
    dialog.start()
    deleted = []
    dialog.thread.destroyed.connect(lambda: deleted.append(True), Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: dialog.progress_bar.maximum() == 1000, timeout=5_000)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        dialog.reject()                     # the Cancel button
    assert dialog.thread is None and dialog.result() == QDialog.DialogCode.Rejected
    qtbot.waitUntil(lambda: deleted == [True], timeout=1_000)      # the thread had ended: it is deleted


def test_a_failed_download_says_why_in_the_dialog(qtbot, tmp_path):
    dialog = DownloadDialog(tmp_path, download=failing_download)
    qtbot.addWidget(dialog)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.label.text().startswith("The download failed"), timeout=5_000)
    assert "no route to host" in dialog.details.toPlainText() and dialog.details.isVisible()
    assert dialog.thread is None
    dialog.reject()                          # Close
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_settings_round_trip_and_fall_back_to_defaults(tmp_path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings = AppSettings(store)
    assert settings.model_config() == ModelConfig() and settings.dataset_spec() == "mnist5k"
    settings.save_configs(ModelConfig(kind="ae", latent_dim=5), TrainConfig(lr=0.01, seed=3))
    settings.set_dataset_spec("/data/digits.npz")
    settings.set_bytes("window/geometry", QByteArray(b"abc"))
    settings.sync()
    again = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again.model_config() == ModelConfig(kind="ae", latent_dim=5)
    assert again.train_config() == TrainConfig(lr=0.01, seed=3)
    assert again.dataset_spec() == "/data/digits.npz" and again.bytes("window/geometry") == QByteArray(b"abc")
    store.setValue("model_config", '{"kind": "gan"}')
    store.setValue("train_config", "not json")
    assert settings.model_config() == ModelConfig() and settings.train_config() == TrainConfig()
