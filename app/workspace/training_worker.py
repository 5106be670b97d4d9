"""The training worker: a QObject that runs core's Trainer on its own QThread and reports to the GUI.

It sends small frozen records and fresh arrays only, throttled on its own clock: step records at most every
PROGRESS_INTERVAL seconds; a ModelSnapshot (encoder and decoder weights, encoded test images, the strips) about
once a second, after each epoch unless the last is under EPOCH_SNAPSHOT_GAP old, and when a run pauses or ends; a
copy of the whole model to keep against a crash after an epoch at most every RECOVERY_INTERVAL, when a run pauses
and when it ends. It never touches a widget. The GUI steers it by calling its methods directly (``set_lr``,
``control.pause()``...): they set plain attributes and events, because a queued slot would not run until training
ended (this thread's event loop is busy inside ``run``).
"""
from __future__ import annotations

import math
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from threadpoolctl import threadpool_limits

from core.nn.models import AutoEncoder, DecoderSnapshot, EncoderSnapshot
from core.parallel.helper_process import HelperFailed
from core.parallel.thread_team import ThreadTeam
from core.training.trainer import (
    EpochProgress,
    StepProgress,
    Trainer,
    TrainingControl,
    TrainingDiverged,
)

PROGRESS_INTERVAL = 0.1    # seconds between progressed signals (at most 10 a second: each costs the GUI thread)
SNAPSHOT_INTERVAL = 1.0    # seconds between snapshots, at least
SNAPSHOT_BUDGET = 0.03     # ... and at most this fraction of the training time spent on them
EPOCH_SNAPSHOT_GAP = 1.0   # seconds: epochs shorter than this do not each get a snapshot (measured: 5% faster)
RECOVERY_INTERVAL = 60.0   # seconds between copies of the model kept against a crash (after epochs; pauses, ends too)
# Training threads run this much nicer than the GUI thread, so the GUI gets a core as soon as it has work. Measured
# (bench/gui_responsiveness.py, 4 interleaved pairs): event-loop lateness p99 18.8 -> 11.3 ms, max 51 -> 24 ms, with
# the same training throughput.
TRAINING_NICENESS = 5
# Two runs of a comparison keep both cores busy with their helper processes: nicer still, the GUI gets its share
# sooner. Measured (bench/compare_gui.py, 2 x 3 repeats each, alternated): lateness p99 18.1-19.4 -> 14.4-14.6 ms,
# max 24-31 -> 20-21 ms, a linked drag painted p99 17.6-17.9 -> 14.3-15.0 ms; steps/s the same or higher.
COMPARISON_NICENESS = 10


@dataclass(frozen=True)
class SnapshotInputs:
    """What a snapshot encodes and decodes; fixed for a run so the views compare like with like.

    explorer_images: (n, 784) float in [0, 1]; strip_images: (k, 784) float in [0, 1];
    prior_draws: (m, latent_dim) draws of N(0, I), decoded by either kind (an AE's show what its unshaped space
    gives there), or None.
    """

    explorer_images: np.ndarray
    strip_images: np.ndarray
    prior_draws: np.ndarray | None


@dataclass(frozen=True)
class ModelSnapshot:
    """The model's view of the fixed inputs at one step. All arrays are private copies.

    encoder: the encoder's weights, to encode new images such as the drawing pad's;
    codes: (n, latent_dim) means (VAE) or codes (AE) of the explorer images; log_var: (n, latent_dim) or None;
    strip_reconstructions: (k, 784) float32 in [0, 1]; prior_samples: (m, 784) or None. (The explorer images'
    reconstructions are decoded when shown, from the codes: all of them would double a snapshot's cost.)
    """

    step: int
    decoder: DecoderSnapshot
    encoder: EncoderSnapshot
    codes: np.ndarray
    log_var: np.ndarray | None
    strip_reconstructions: np.ndarray
    prior_samples: np.ndarray | None


def take_snapshot(model: AutoEncoder, inputs: SnapshotInputs, step: int,
                  team: ThreadTeam | None = None) -> ModelSnapshot:
    """Encode ``inputs`` and decode the strips with the model's current weights (pure: no buffers are shared).

    team: threads to share the explorer images between (inference is a pure function of the weights).
    """
    parts = (team or ThreadTeam(1)).run_parts(len(inputs.explorer_images),
                                              lambda _, part: model.encode(inputs.explorer_images[part]))
    codes = np.concatenate([p[0] for p in parts])
    log_var = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
    strip = model.reconstruct(inputs.strip_images)
    samples = None
    if inputs.prior_draws is not None:
        samples = model.decode(inputs.prior_draws)
    return ModelSnapshot(step, model.decoder_snapshot(), model.encoder_snapshot(), codes, log_var, strip, samples)


def lower_thread_priority(niceness: int) -> None:
    """Make the calling thread ``niceness`` nicer than the main (GUI) thread, and with it the threads and processes it
    starts later. Never the main thread itself: a worker run there (tests do) would otherwise slow down everything the
    process does afterwards, a little more at each run.

    Only on Linux, where nice values belong to threads; elsewhere they belong to the process, GUI included.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return
    try:
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + niceness)    # who = pid: the main thread
        if os.getpriority(os.PRIO_PROCESS, 0) < target:
            os.setpriority(os.PRIO_PROCESS, 0, target)
    except OSError:
        pass     # not allowed here: train at the same priority


class ParkingControl(TrainingControl):
    """A TrainingControl that also says when the training loop is parked in a pause.

    ``parked`` is set while the loop waits at the top of an iteration, where it touches neither weights nor
    history; a thread that paused the loop may read the model once ``parked`` is set, until it resumes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.parked = threading.Event()
        self.on_parked = lambda: None

    def wait_while_paused(self) -> None:
        if self.paused:
            self.parked.set()
            self.on_parked()
        super().wait_while_paused()
        self.parked.clear()


class TrainingWorker(QObject):
    """Runs ``trainer`` until its epochs are done, a stop is requested or ``max_steps`` steps have run.

    blas_threads: OpenBLAS threads while training (None leaves the process setting alone; note that the limit
    is process-wide). snapshot_threads: threads that compute each snapshot (the training threads are idle then).
    make_recovery: returns a copy of the model to keep against a crash; called after an epoch once
    ``recovery_interval`` seconds have passed since the last, when the run pauses and when it ends.
    Run it on an app.workspace.worker_thread.WorkerThread, or call ``run`` directly.
    """

    progressed = Signal(list)          # list[StepProgress], oldest first
    epoch_finished = Signal(object)    # EpochProgress
    snapshot_ready = Signal(object)    # ModelSnapshot
    paused = Signal()                  # parked in a pause: the model may be read until resume
    diverged = Signal(str)             # what happened and what to try; the weights are the last good ones
    recovery_ready = Signal(object)    # Checkpoint of private copies, to keep in case the app crashes
    failed = Signal(str)
    finished = Signal()

    def __init__(self, trainer: Trainer, inputs: SnapshotInputs, *, max_steps: int | None = None,
                 blas_threads: int | None = None, progress_interval: float = PROGRESS_INTERVAL,
                 snapshot_interval: float = SNAPSHOT_INTERVAL, snapshot_threads: int = 1,
                 make_recovery: Callable[[], object] | None = None,
                 recovery_interval: float = RECOVERY_INTERVAL, niceness: int = TRAINING_NICENESS) -> None:
        super().__init__()
        self.niceness = niceness
        self.trainer = trainer
        self.inputs = inputs
        self.max_steps = max_steps
        self.blas_threads = blas_threads
        self.progress_interval = progress_interval
        self.snapshot_interval = snapshot_interval
        self.snapshot_threads = snapshot_threads
        self._team: ThreadTeam | None = None        # made on the worker thread, in run()
        self.control = ParkingControl()
        self.control.on_parked = self.paused.emit
        self._lr = trainer.lr
        self._beta = trainer.beta
        self._pause_after_step = False
        self._snapshot_step = -1
        self._last_snapshot = 0.0
        self._next_snapshot = 0.0
        self.make_recovery = make_recovery        # called on this thread between steps: a copy of the model
        self.recovery_interval = recovery_interval
        self._next_recovery = 0.0

    # ---- called from the GUI thread (plain attributes: a float store is atomic) ---------------------------
    def set_lr(self, lr: float) -> None:
        """Use this learning rate from the next step on."""
        self._lr = float(lr)

    def set_beta(self, beta: float) -> None:
        """Use this KL weight from the next step on."""
        self._beta = float(beta)

    def step_once(self) -> None:
        """While paused: run exactly one more batch, then pause again."""
        self._pause_after_step = True
        self.control.resume()

    # ---- the worker thread ------------------------------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        """Train, emitting progress; always ends with ``finished`` (after ``diverged`` or ``failed`` if any)."""
        try:
            lower_thread_priority(self.niceness)
            limit = threadpool_limits(self.blas_threads, user_api="blas") if self.blas_threads else nullcontext()
            self._team = ThreadTeam(self.snapshot_threads)
            with limit:
                self._train()
        except Exception as error:  # noqa: BLE001 - reported to the user, never lost in the thread
            traceback.print_exc()
            self.failed.emit(f"Training stopped by an unexpected error: {type(error).__name__}: {error}")
        finally:
            self._team = None
            self.finished.emit()

    def _train(self) -> None:
        trainer, control = self.trainer, self.control
        clock = time.perf_counter
        pending: list[StepProgress] = []
        steps = 0
        last_emit = clock()
        self._next_snapshot = clock() + self.snapshot_interval
        self._next_recovery = clock() + self.recovery_interval
        self._apply_live_settings()
        try:
            for record in trainer.run(control):
                if isinstance(record, EpochProgress):
                    self._flush(pending)
                    self.epoch_finished.emit(record)
                    if clock() >= self._last_snapshot + EPOCH_SNAPSHOT_GAP:
                        self._snapshot()
                    if clock() >= self._next_recovery:
                        self._keep_recovery()
                else:
                    pending.append(record)
                    steps += 1
                    if self._pause_after_step:
                        self._pause_after_step = False
                        control.pause()
                    if self.max_steps is not None and steps >= self.max_steps:
                        control.request_stop()
                    now = clock()
                    if control.paused or control.stop_requested or now - last_emit >= self.progress_interval:
                        self._flush(pending)
                        last_emit = now
                    if control.paused or now >= self._next_snapshot:
                        self._snapshot()
                    if control.paused:
                        self._keep_recovery()      # a pause may last: keep what was trained up to it
                self._apply_live_settings()     # last: a change made while handling this record counts next step
        except TrainingDiverged as error:
            self._flush(pending)
            self._snapshot()
            if steps:
                self._keep_recovery()
            self.diverged.emit(str(error))
            return
        except HelperFailed as error:
            self._flush(pending)
            self._snapshot()
            self.failed.emit(f"{error} Training stopped; its last step may be only partly applied. Train goes on "
                             "with a new helper.")
            return
        self._flush(pending)
        self._snapshot()
        if steps:                  # this run trained the model
            self._keep_recovery()

    def _keep_recovery(self) -> None:
        """Send a copy of the model to keep against a crash."""
        if self.make_recovery is not None:
            self.recovery_ready.emit(self.make_recovery())
            self._next_recovery = time.perf_counter() + self.recovery_interval

    def _apply_live_settings(self) -> None:
        if self.trainer.lr != self._lr:
            self.trainer.lr = self._lr
        self.trainer.beta = self._beta

    def _flush(self, pending: list[StepProgress]) -> None:
        if pending:
            self.progressed.emit(pending.copy())
            pending.clear()

    def _snapshot(self) -> None:
        """Emit a snapshot unless this step already has one; schedule the next within the time budget."""
        step = self.trainer.history.steps
        if step == self._snapshot_step:
            return
        started = time.perf_counter()
        snapshot = take_snapshot(self.trainer.model, self.inputs, step, self._team)
        self._last_snapshot = time.perf_counter()
        cost = self._last_snapshot - started
        self._snapshot_step = step
        self._next_snapshot = self._last_snapshot + max(self.snapshot_interval, cost / SNAPSHOT_BUDGET)
        if math.isfinite(float(snapshot.codes.sum())):
            self.snapshot_ready.emit(snapshot)
