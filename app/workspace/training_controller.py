"""Runs a Session's training on a worker thread: start, pause, resume, step, stop, and a clean shutdown.

It lives in the GUI thread, so the worker's signals reach its slots through queued connections and everything
it re-emits arrives on the GUI thread. It does not draw anything and does not decide what the window shows.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal, Slot

from app.workspace.session import Session
from app.workspace.training_worker import (
    TRAINING_NICENESS,
    ModelSnapshot,
    ParkingControl,
    SnapshotInputs,
    TrainingWorker,
    take_snapshot,
)
from app.workspace.worker_thread import WorkerThread
from core.data.datasets import images_to_float
from core.training.trainer import EpochProgress, StepProgress


class RunState(Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"


class TrainingController(QObject):
    """Owns the worker thread of the current run, if any; at most one run at a time.

    blas_threads: OpenBLAS threads for training runs (None: leave the process setting alone). ``niceness``: how much
    nicer than the GUI thread a run's thread, and the helper processes it starts, run (later runs).
    """

    run_started = Signal()                # a new run (not a resume); state_changed follows
    state_changed = Signal(object)        # RunState
    progressed = Signal(list)             # list[StepProgress]
    epoch_finished = Signal(object)       # EpochProgress
    snapshot_ready = Signal(object)       # ModelSnapshot
    recovery_ready = Signal(object)       # Checkpoint of private copies, to keep in case the app crashes
    diverged = Signal(str)
    failed = Signal(str)
    run_finished = Signal()

    def __init__(self, session: Session, blas_threads: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.blas_threads = blas_threads
        self.niceness = TRAINING_NICENESS
        self.state = RunState.IDLE
        self.thread: WorkerThread | None = None
        self.worker: TrainingWorker | None = None
        self.control: ParkingControl | None = None   # the run's control, usable after the worker is deleted
        self._when_parked: list[Callable[[], None]] = []
        self._resume_after_parked = False

    # ---- commands ---------------------------------------------------------------------------------------------
    def start(self, max_steps: int | None = None) -> None:
        """Start a run of the session's model on a new thread (a run of one step for Step)."""
        if self.state is not RunState.IDLE:
            return
        worker = TrainingWorker(self.session.make_trainer(), self.snapshot_inputs(), max_steps=max_steps,
                                blas_threads=self.blas_threads, snapshot_threads=self.session.parts,
                                make_recovery=self.session.checkpoint_copy, niceness=self.niceness)
        thread = WorkerThread(worker, "training", worker.control.request_stop, self._on_thread_finished)
        # Bound methods of objects living in this (GUI) thread: Qt queues each call into this thread.
        worker.progressed.connect(self._on_worker_progressed)
        worker.epoch_finished.connect(self._on_worker_epoch_finished)
        worker.snapshot_ready.connect(self._on_worker_snapshot_ready)
        worker.recovery_ready.connect(self._on_worker_recovery_ready)
        worker.paused.connect(self._on_worker_paused)
        worker.diverged.connect(self._on_worker_diverged)
        worker.failed.connect(self._on_worker_failed)
        self.worker, self.thread, self.control = worker, thread, worker.control
        self.run_started.emit()
        self._set_state(RunState.RUNNING)
        thread.start()

    def pause(self) -> None:
        if self.state is RunState.RUNNING:
            self.control.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self.state is RunState.PAUSED:
            self.control.resume()
            self._set_state(RunState.RUNNING)

    def toggle_pause(self) -> None:
        if self.state is RunState.RUNNING:
            self.pause()
        elif self.state is RunState.PAUSED:
            self.resume()

    def step(self) -> None:
        """Run exactly one batch: a one-step run when idle, one step of the paused run when paused."""
        if self.state is RunState.IDLE:
            self.start(max_steps=1)
        elif self.state is RunState.PAUSED:
            self.worker.step_once()

    def stop(self) -> None:
        """Ask the run to end after its current step; ``run_finished`` follows."""
        if self.control is not None:
            self.control.request_stop()

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of the running model from its next step on (and of later runs)."""
        self.session.set_lr(lr)
        if self.worker is not None:
            self.worker.set_lr(lr)

    def set_beta(self, beta: float) -> None:
        """Change the KL weight from the next step on (and of later runs)."""
        self.session.set_beta(beta)
        if self.worker is not None:
            self.worker.set_beta(beta)

    def when_model_free(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the GUI thread) as soon as the model may be read: now when idle, else once the
        run is parked in a pause (pausing it first, and resuming it afterwards, if it was running)."""
        if self.state is RunState.IDLE or self.control.parked.is_set():
            callback()
            return
        if self.state is RunState.RUNNING:
            self._resume_after_parked = True
            self.pause()
        self._when_parked.append(callback)

    def park(self, timeout_ms: int = 1000) -> bool:
        """Pause the run and wait up to ``timeout_ms`` for it to park; True when the model may now be read here
        (no run, or a parked one) until the run resumes."""
        if self.state is RunState.IDLE:
            return True
        self.pause()
        return self.control.parked.wait(timeout_ms / 1000)

    def shutdown(self, timeout_ms: int = 1000) -> bool:
        """Stop the run and wait for its thread to end; True when no training thread is left running."""
        thread = self.thread
        if thread is None:
            return True
        if not thread.stop(timeout_ms):
            thread.stop()      # a very large model may finish its step late; never leave a thread behind
        # What the run sent before it ended (its last progress, snapshot and copy to keep) arrives now, not after.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        self._on_thread_finished()
        return True

    # ---- helpers ----------------------------------------------------------------------------------------------
    def snapshot_inputs(self) -> SnapshotInputs:
        session = self.session
        test = session.dataset.test_images
        explorer = images_to_float(test[session.explorer_indices()], session.model.dtype)
        strip = images_to_float(test[session.strip_indices()], session.model.dtype)
        return SnapshotInputs(explorer, strip, session.prior_draws())

    def snapshot_now(self) -> ModelSnapshot:
        """A snapshot of the session's model computed here; only while idle (the model is not being trained)."""
        return take_snapshot(self.session.model, self.snapshot_inputs(), self.session.history.steps)

    def _set_state(self, state: RunState) -> None:
        if state is not self.state:
            self.state = state
            self.state_changed.emit(state)

    # ---- slots for the worker's signals (queued into this thread) --------------------------------------------
    @Slot(list)
    def _on_worker_progressed(self, records: list[StepProgress]) -> None:
        self.progressed.emit(records)

    @Slot(object)
    def _on_worker_epoch_finished(self, record: EpochProgress) -> None:
        self.epoch_finished.emit(record)

    @Slot(object)
    def _on_worker_snapshot_ready(self, snapshot: ModelSnapshot) -> None:
        self.snapshot_ready.emit(snapshot)

    @Slot(object)
    def _on_worker_recovery_ready(self, checkpoint: object) -> None:
        self.recovery_ready.emit(checkpoint)

    @Slot()
    def _on_worker_paused(self) -> None:
        if self.control is None or not self.control.parked.is_set():
            return        # resumed since: the callbacks wait for the next pause
        callbacks, self._when_parked = self._when_parked, []
        for callback in callbacks:
            callback()
        if self._resume_after_parked:
            self._resume_after_parked = False
            self.resume()

    @Slot(str)
    def _on_worker_diverged(self, message: str) -> None:
        self.diverged.emit(message)

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self.failed.emit(message)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self.thread is None:
            return
        self.thread.wait()     # finished is emitted just before the thread ends; let it end before letting go
        self.thread = self.worker = self.control = None
        self._resume_after_parked = False
        callbacks, self._when_parked = self._when_parked, []
        self._set_state(RunState.IDLE)
        for callback in callbacks:
            callback()
        self.run_finished.emit()
