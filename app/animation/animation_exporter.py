"""Writes animations on a worker thread, with a progress dialog whose Cancel button stops the export.

An ExportJob says how to make the frames (a function run on the worker thread, e.g. a functools.partial of
core.animation.recipe.interpolation_frames on frozen model copies) and where to write them. Writing goes through
core.animation.recipe.write_animation, which writes under a temporary name and renames when complete, so a cancelled or
failed export leaves nothing behind. Nothing here decides what an animation shows.
"""
from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from app.workspace.worker_thread import WorkerThread
from core.animation.recipe import write_animation
from core.animation.writers import ExportCancelled, mp4_available

PROGRESS_INTERVAL = 0.05  # seconds between progress signals
DIALOG_DELAY_MS = 300  # a quicker export never shows the dialog
GIF_FILTER, MP4_FILTER, PNG_FILTER = "GIF animation (*.gif)", "MP4 video (*.mp4)", "Folder of PNG frames (*)"


@dataclass(frozen=True)
class ExportJob:
    """One animation to write. make_frames() -> (n, H, W, 3) uint8 runs on the worker thread, so it may read only
    data nobody changes meanwhile (copies). path: .gif, .mp4, or a folder for PNG frames. what: for messages."""

    path: Path
    make_frames: Callable[[], np.ndarray]
    fps: float
    what: str = "animation"


class ExportWorker(QObject):
    """Makes and writes one job's frames in `run`, on a WorkerThread. The GUI calls `cancel()` directly."""

    progressed = Signal(int, int)  # frames written, total
    succeeded = Signal(str)  # the path written
    cancelled = Signal()
    failed = Signal(str)
    finished = Signal()

    def __init__(self, job: ExportJob) -> None:
        super().__init__()
        self.job = job
        self.cancel_event = threading.Event()
        self._last_progress = 0.0

    def cancel(self) -> None:
        """Stop before the next frame; safe from any thread (it only sets an event)."""
        self.cancel_event.set()

    @Slot()
    def run(self) -> None:
        """Make and write the frames; always ends with `finished`, after exactly one of the outcome signals."""
        job = self.job
        try:
            frames = job.make_frames()
            if self.cancel_event.is_set():
                raise ExportCancelled("cancelled before writing")
            self.progressed.emit(0, len(frames))
            write_animation(job.path, frames, job.fps, self.cancel_event, self._report)
        except ExportCancelled:
            self.cancelled.emit()
        except Exception as error:  # noqa: BLE001 - reported to the user, never lost in the thread
            traceback.print_exc()
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            self.failed.emit(f"Could not write {job.path}: {reason}")
        else:
            self.succeeded.emit(str(job.path))
        finally:
            self.finished.emit()

    def _report(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self.progressed.emit(done, total)


class AnimationExporter(QObject):
    """Runs one export at a time on its own thread, with a QProgressDialog over `parent_widget`.

    Signals arrive on the GUI thread: succeeded(path), cancelled(), failed(message), then finished().
    """

    started = Signal(str)  # the path being written
    succeeded = Signal(str)
    cancelled = Signal()
    failed = Signal(str)
    finished = Signal()

    def __init__(self, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        self.thread: WorkerThread | None = None
        self.worker: ExportWorker | None = None
        self.progress_dialog: QProgressDialog | None = None

    @property
    def busy(self) -> bool:
        return self.thread is not None

    def export(self, job: ExportJob) -> bool:
        """Start writing `job` on a new thread; False (and nothing happens) while another export runs."""
        if self.busy:
            return False
        worker = ExportWorker(job)
        thread = WorkerThread(worker, "export", worker.cancel, self._on_thread_finished)
        # Bound methods of objects in the GUI thread: Qt queues these calls into the GUI thread.
        worker.progressed.connect(self._on_worker_progressed)
        worker.succeeded.connect(self._on_worker_succeeded)
        worker.cancelled.connect(self._on_worker_cancelled)
        worker.failed.connect(self._on_worker_failed)
        self.thread, self.worker = thread, worker
        self.progress_dialog = self._make_dialog(job)
        self.started.emit(str(job.path))
        thread.start()
        return True

    def cancel(self) -> None:
        """Ask the running export to stop; `cancelled` follows (unless it had just finished)."""
        if self.worker is not None:
            self.worker.cancel()

    def wait(self) -> None:
        """Cancel any export and wait for its thread to end (on window close)."""
        if self.thread is not None:
            self.thread.stop()
            self._on_thread_finished()

    def _make_dialog(self, job: ExportJob) -> QProgressDialog:
        dialog = QProgressDialog(f"Preparing the {job.what}…", "Cancel", 0, 0, self._parent_widget)
        dialog.setWindowTitle(f"Exporting {job.path.name}")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(DIALOG_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.setValue(0)  # starts the minimum-duration clock
        return dialog

    # ---- slots for the worker's signals (queued into the GUI thread) ------------------------------------------
    @Slot(int, int)
    def _on_worker_progressed(self, done: int, total: int) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        dialog.setMaximum(total)
        finishing = done == total and self.worker is not None and self.worker.job.path.suffix.lower() == ".gif"
        dialog.setLabelText("Finishing the file…" if finishing else f"Writing frame {done:,} of {total:,}…")
        # Last: a modal dialog's setValue processes events, and the export may end and close the dialog in there.
        dialog.setValue(done)

    @Slot(str)
    def _on_worker_succeeded(self, path: str) -> None:
        self.succeeded.emit(path)

    @Slot()
    def _on_worker_cancelled(self) -> None:
        self.cancelled.emit()

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self.failed.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self.thread is None:
            return
        self.thread.wait()  # finished is emitted just before the thread ends
        self.thread = self.worker = None
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.cancel)
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self.finished.emit()


def ask_animation_path(parent: QWidget | None, title: str, suggested: Path) -> Path | None:
    """Ask where to write an animation: a .gif, an .mp4 (when imageio-ffmpeg is installed) or a new folder for
    PNG frames. A file name typed as .gif or .mp4 (when offered) keeps its type; any other gets the chosen one's.
    Returns None when the user cancels."""
    mp4 = mp4_available()
    files = (".gif", ".mp4") if mp4 else (".gif",)
    filters = [GIF_FILTER] + ([MP4_FILTER] if mp4 else []) + [PNG_FILTER]
    path, chosen = QFileDialog.getSaveFileName(parent, title, str(suggested), ";;".join(filters))
    if not path:
        return None
    path = Path(path)
    typed = path.suffix.lower()
    if chosen == PNG_FILTER:
        return path.with_suffix("") if typed in (".gif", ".mp4", ".png") else path
    if typed in files:
        return path
    wanted = ".mp4" if chosen == MP4_FILTER else ".gif"
    return path.with_suffix(wanted) if typed in (".mp4", ".png") else path.with_name(path.name + wanted)
