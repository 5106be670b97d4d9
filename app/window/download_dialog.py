"""The "Download MNIST" dialog: runs core.data.download.download_mnist on a worker thread with a progress bar and a
Cancel button that works at any time. It downloads only; the window loads the dataset once it is there.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app.workspace.worker_thread import WorkerThread
from core.data.download import DownloadCancelled, download_mnist

REPORT_INTERVAL = 0.05   # seconds between progress signals

Downloader = Callable[..., Path]   # download_mnist(cache_dir, progress=..., cancel=...) -> folder


class DownloadWorker(QObject):
    """Calls ``download(cache_dir, progress=..., cancel=...)`` on a WorkerThread; the GUI sets ``cancel`` directly."""

    progressed = Signal(object, object)   # bytes done, bytes total (Python ints: files may exceed 2**31)
    succeeded = Signal(str)              # the folder holding the files
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, cache_dir: Path, download: Downloader = download_mnist) -> None:
        super().__init__()
        self.cache_dir = cache_dir
        self.download = download
        self.cancel = threading.Event()
        self._last_report = 0.0

    @Slot()
    def run(self) -> None:
        """Download; always ends with ``finished``, after exactly one of the outcome signals."""
        try:
            folder = self.download(self.cache_dir, progress=self._report, cancel=self.cancel)
            self.succeeded.emit(str(folder))
        except DownloadCancelled:
            self.cancelled.emit()
        except Exception as error:  # noqa: BLE001 - shown to the user
            self.failed.emit(str(error))
        finally:
            self.finished.emit()

    def _report(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._last_report >= REPORT_INTERVAL or done >= total:
            self._last_report = now
            self.progressed.emit(done, total)


class DownloadDialog(QDialog):
    """Shows the download's progress; ``downloaded(folder)`` on success. Cancel (or Esc, or closing the dialog)
    stops the download. Once the worker thread has ended (``thread`` is None again), the dialog closes, or shows a
    failure in place."""

    downloaded = Signal(str)

    def __init__(self, cache_dir: Path, parent: QWidget | None = None, download: Downloader = download_mnist) -> None:
        super().__init__(parent)
        self.setWindowTitle("Download MNIST")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.label = QLabel(f"Downloading MNIST (70,000 images, about 11.6 MB) into\n{cache_dir}")
        self.label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)
        self.details = QPlainTextEdit()          # why a download failed: each mirror's error, selectable
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.details.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.details)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

        self.cache_dir = cache_dir
        self.download = download
        self.worker: DownloadWorker | None = None
        self.thread: WorkerThread | None = None        # while the download runs
        self._folder: str | None = None              # the outcome, acted on once the thread has ended
        self._failure: str | None = None

    def start(self) -> None:
        """Show the dialog (window-modal, not blocking) and start downloading."""
        self.worker = DownloadWorker(self.cache_dir, self.download)
        self.thread = WorkerThread(self.worker, "download", self.worker.cancel.set, self._on_thread_finished)
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.succeeded.connect(self._on_worker_succeeded)
        self.worker.failed.connect(self._on_worker_failed)
        self.open()
        self.thread.start()

    def reject(self) -> None:
        """Cancel: ask the worker to stop; the dialog closes when its thread has ended (at once if it had)."""
        if self.thread is not None:
            self.worker.cancel.set()
            self.label.setText("Cancelling…")
            self.buttons.setEnabled(False)
            return
        super().reject()

    def wait(self) -> None:
        """Cancel and wait for the worker thread to end (used when the window closes)."""
        if self.thread is not None:
            self.thread.stop()

    @Slot(object, object)
    def _on_worker_progressed(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(int(1000 * done / max(total, 1)))
        self.progress_bar.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")

    @Slot(str)
    def _on_worker_succeeded(self, folder: str) -> None:
        self._folder = folder

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._failure = message

    @Slot()
    def _on_thread_finished(self) -> None:
        """Queued after the worker's outcome (none when it was cancelled)."""
        self.thread.wait()         # finished is emitted just before the thread ends; let it end before letting go
        self.thread = self.worker = None
        if self._folder is not None:
            self.downloaded.emit(self._folder)
            self.accept()
        elif self._failure is not None:
            self._show_failure(self._failure)
        else:
            super().reject()     # cancelled

    def _show_failure(self, message: str) -> None:
        self.label.setText("The download failed. Check the internet connection and try again; the bundled digits "
                           "need no download.")
        self.details.setPlainText(message)
        self.details.show()
        self.progress_bar.hide()
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        self.buttons.setEnabled(True)
        self.adjustSize()                       # room for the longer text: a shown dialog does not grow by itself
