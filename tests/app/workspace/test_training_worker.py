"""The training worker and its controller: progress, snapshots, live settings, pause/step/stop, divergence,
and that everything the GUI receives arrives on the GUI thread."""
from __future__ import annotations

import math
import os
import sys
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Slot

from app.workspace.session import Session
from app.workspace.training_controller import RunState, TrainingController
from app.workspace.training_worker import (
    TRAINING_NICENESS,
    ModelSnapshot,
    TrainingWorker,
    lower_thread_priority,
)
from core.nn.models import LossTerms
from core.training import trainer
from core.training.trainer import EpochProgress, StepProgress
from tests.helpers import SMALL_MODEL, SMALL_TRAINING, weights


@pytest.fixture
def session(small_dataset) -> Session:
    return Session(small_dataset, "small", SMALL_MODEL, SMALL_TRAINING)


def make_worker(session: Session, **kwargs) -> TrainingWorker:
    controller = TrainingController(session)
    return TrainingWorker(session.make_trainer(), controller.snapshot_inputs(), **kwargs)


def collect(worker: TrainingWorker) -> dict[str, list]:
    received = {name: [] for name in ("progressed", "epoch_finished", "snapshot_ready", "diverged", "failed",
                                      "finished")}
    for name, values in received.items():
        getattr(worker, name).connect(lambda *args, values=values: values.append(args[0] if args else None))
    return received


def test_run_reports_every_step_and_epoch_and_sends_snapshots(session):
    worker = make_worker(session)
    received = collect(worker)
    worker.run()           # on the test thread: the threading is not the point here
    steps = [record for batch in received["progressed"] for record in batch]
    assert [record.step for record in steps] == list(range(1, 21))
    assert all(isinstance(record, StepProgress) for record in steps)
    assert [record.epoch for record in received["epoch_finished"]] == [0, 1]
    assert isinstance(received["epoch_finished"][0], EpochProgress)
    assert received["finished"] == [None] and not received["diverged"] and not received["failed"]
    snapshot = received["snapshot_ready"][-1]
    assert isinstance(snapshot, ModelSnapshot) and snapshot.step == 20
    assert snapshot.codes.shape == (100, 2) and snapshot.log_var.shape == (100, 2)
    # The explorer decodes reconstructions from the codes when it shows them: the model's own reconstructions.
    np.testing.assert_allclose(snapshot.decoder.decode(snapshot.codes[:5]),
                               session.model.reconstruct(worker.inputs.explorer_images[:5]), rtol=1e-6, atol=1e-7)
    assert snapshot.strip_reconstructions.shape == (10, 784) and snapshot.prior_samples.shape == (20, 784)


def test_snapshots_are_copies_not_live_arrays(session):
    worker = make_worker(session)
    received = collect(worker)
    worker.run()
    decoder = received["snapshot_ready"][-1].decoder
    flat = session.model.parameters.flat
    assert not any(np.shares_memory(array, flat) for pair in decoder.weights for array in pair)
    z = np.zeros((1, 2), dtype=np.float32)
    assert np.allclose(decoder.decode(z), session.model.decode(z))


def test_progress_is_batched_on_the_worker_clock(session):
    worker = make_worker(session, progress_interval=60.0)
    received = collect(worker)
    worker.run()
    # Nothing is sent per step: only at the epoch ends (with their test loss) and at the end of the run.
    assert len(received["progressed"]) == 2
    assert sum(len(batch) for batch in received["progressed"]) == 20


def test_max_steps_one_runs_exactly_one_batch(session):
    worker = make_worker(session, max_steps=1)
    received = collect(worker)
    worker.run()
    assert session.history.steps == 1
    assert [r.step for batch in received["progressed"] for r in batch] == [1]


def test_changed_learning_rate_reaches_the_optimizer_at_the_next_step(session):
    worker = make_worker(session, progress_interval=0.0)
    rates = []
    begin_step = worker.trainer.optimizer.begin_step

    def recording_begin_step():
        rates.append(worker.trainer.optimizer.lr)
        begin_step()

    worker.trainer.optimizer.begin_step = recording_begin_step
    worker.progressed.connect(lambda records: worker.set_lr(0.005) if records[-1].step == 3 else None)
    worker.set_beta(0.5)
    worker.run()
    assert rates[:3] == [pytest.approx(SMALL_TRAINING.lr)] * 3
    assert rates[3:] == [pytest.approx(0.005)] * 17
    assert worker.trainer.optimizer.lr == pytest.approx(0.005) and worker.trainer.beta == 0.5


def test_divergence_stops_with_a_message_and_goes_back_to_the_last_good_weights(session, monkeypatch):
    """Step 5's loss is NaN: the run goes back to the state kept before step 3 (every 2 steps here)."""
    monkeypatch.setattr(trainer, "KEEP_EVERY", 2)
    worker = make_worker(session, progress_interval=0.0)
    received = collect(worker)
    good = {}
    worker.progressed.connect(lambda records: good.__setitem__(records[-1].step, weights(session.model)))
    forward_backward_rows = session.model.forward_backward_rows

    def diverging(*args, **kwargs):
        losses = forward_backward_rows(*args, **kwargs)
        return LossTerms(math.nan, math.nan, losses.kl) if session.history.steps == 4 else losses

    session.model.forward_backward_rows = diverging
    worker.run()
    assert session.history.steps == 2
    assert len(received["diverged"]) == 1 and "lower learning rate" in received["diverged"][0].lower()
    assert "went back to how they were after step 2" in received["diverged"][0]
    assert np.array_equal(weights(session.model), good[2])
    assert received["snapshot_ready"][-1].step == 2
    assert np.isfinite(session.model.parameters.flat).all()
    assert received["finished"] == [None]


def test_an_unexpected_error_is_reported_and_the_run_still_finishes(session):
    worker = make_worker(session)
    received = collect(worker)

    def broken(*args, **kwargs):
        raise MemoryError("no room")

    session.model.forward_backward_rows = broken
    worker.run()
    assert len(received["failed"]) == 1 and "MemoryError: no room" in received["failed"][0]
    assert received["finished"] == [None]


# ---- on a real thread, through the controller ----------------------------------------------------------------
HELPER_TIMEOUT_MS = 30_000   # starting a helper process (and its NumPy) beside two CPU hogs took over 10 s once


def test_a_helper_process_that_dies_mid_run_is_reported_and_the_next_run_trains(qtbot, controller, session):
    session.parts = 2
    session.set_train_config(SMALL_TRAINING.__class__(epochs=200, batch_size=64))
    messages = []
    controller.failed.connect(messages.append)
    controller.start()
    qtbot.waitUntil(lambda: session.history.steps >= 3, timeout=HELPER_TIMEOUT_MS)
    with qtbot.waitSignal(controller.run_finished, timeout=HELPER_TIMEOUT_MS):
        session.helper_processes[0].kill()
    assert len(messages) == 1
    assert messages[0].startswith("The training helper process ended (stopped by SIGKILL). Training stopped;")
    assert np.isfinite(session.model.parameters.flat).all()
    steps = session.history.steps
    with qtbot.waitSignal(controller.run_finished, timeout=HELPER_TIMEOUT_MS):
        controller.step()
    assert session.history.steps == steps + 1 and len(messages) == 1
    session.close()



class Receiver(QObject):
    """A GUI-thread object whose slot records the thread it runs on."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[bool] = []
        self.steps = 0

    @Slot(list)
    def on_progressed(self, records: list) -> None:
        self.threads.append(QThread.currentThread() == QCoreApplication.instance().thread())
        self.steps = records[-1].step


@pytest.fixture
def controller(qtbot, session):
    controller = TrainingController(session, blas_threads=1)
    yield controller
    controller.shutdown()


def test_progress_reaches_a_gui_thread_slot_on_the_gui_thread(qtbot, controller):
    receiver = Receiver()
    controller.progressed.connect(receiver.on_progressed)
    controller.worker_threads = []
    with qtbot.waitSignal(controller.run_finished, timeout=20_000):
        controller.start()
    assert receiver.threads and all(receiver.threads)
    assert receiver.steps == 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values are per thread on Linux only")
def test_training_runs_nicer_than_the_gui_thread(qtbot, controller, session):
    """So the GUI thread gets a core as soon as it has work, while both cores train: the training thread and the
    helper process that trains the other part of each batch."""
    session.parts = 2                                       # as the app trains: two processes share each batch
    niceness = {}
    step = session.model.forward_backward_rows

    def recording_step(x, rows, *args):
        niceness[threading.get_native_id()] = os.getpriority(os.PRIO_PROCESS, 0)
        return step(x, rows, *args)

    session.model.forward_backward_rows = recording_step
    with qtbot.waitSignal(controller.run_finished, timeout=20_000):
        controller.start()
    gui = os.getpriority(os.PRIO_PROCESS, 0)
    helpers = session.helper_processes
    assert len(niceness) == 1 and len(helpers) == 1
    niceness[helpers[0].pid] = os.getpriority(os.PRIO_PROCESS, helpers[0].pid)
    assert list(niceness.values()) == [min(19, gui + TRAINING_NICENESS)] * 2
    session.close()
    assert helpers[0].wait(5) is not None          # the helper process has ended


def test_pause_stops_the_steps_and_resume_continues(qtbot, controller, session):
    session.set_train_config(SMALL_TRAINING.__class__(epochs=50, batch_size=64))
    controller.start()
    qtbot.waitUntil(lambda: session.history.steps >= 3, timeout=10_000)
    controller.pause()
    assert controller.state is RunState.PAUSED
    qtbot.waitUntil(controller.control.parked.is_set, timeout=5_000)
    steps = session.history.steps
    qtbot.wait(300)
    assert session.history.steps == steps
    controller.resume()
    assert controller.state is RunState.RUNNING
    qtbot.waitUntil(lambda: session.history.steps >= steps + 3, timeout=10_000)


def test_step_while_paused_runs_exactly_one_batch(qtbot, controller, session):
    session.set_train_config(SMALL_TRAINING.__class__(epochs=50, batch_size=64))
    controller.start()
    qtbot.waitUntil(lambda: session.history.steps >= 2, timeout=10_000)
    controller.pause()
    qtbot.waitUntil(controller.control.parked.is_set, timeout=5_000)
    steps = session.history.steps
    with qtbot.waitSignal(controller.worker.paused, timeout=5_000):
        controller.step()
    qtbot.wait(200)
    assert session.history.steps == steps + 1
    assert controller.state is RunState.PAUSED


def test_step_when_idle_runs_exactly_one_batch(qtbot, controller, session):
    with qtbot.waitSignal(controller.run_finished, timeout=5_000):
        controller.step()
    assert session.history.steps == 1 and controller.state is RunState.IDLE


def test_the_worker_is_deleted_on_the_gui_thread(qtbot, controller):
    """Not on its own thread: there, destroying a Python QObject takes the GIL under a Qt connection lock, which
    deadlocks against a GUI thread that holds the GIL and wants that lock (seen once: the whole window hung)."""
    deleted_on = []
    with qtbot.waitSignal(controller.run_finished, timeout=20_000):
        controller.start()
        controller.worker.destroyed.connect(lambda: deleted_on.append(threading.current_thread()),
                                            Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: len(deleted_on) == 1, timeout=2_000)
    assert deleted_on == [threading.main_thread()]


def test_stop_ends_the_thread(qtbot, controller, session):
    session.set_train_config(SMALL_TRAINING.__class__(epochs=1000, batch_size=64))
    controller.start()
    thread = controller.thread
    qtbot.waitUntil(lambda: session.history.steps >= 2, timeout=10_000)
    with qtbot.waitSignal(controller.run_finished, timeout=1_000):
        controller.stop()
    assert controller.thread is None and controller.state is RunState.IDLE
    assert not thread.isRunning()


def test_shutdown_mid_run_leaves_no_thread_within_a_second(qtbot, controller, session):
    session.set_train_config(SMALL_TRAINING.__class__(epochs=1000, batch_size=64))
    controller.start()
    thread = controller.thread
    qtbot.waitUntil(lambda: session.history.steps >= 2, timeout=10_000)
    started = time.perf_counter()
    assert controller.shutdown(timeout_ms=1000)
    assert time.perf_counter() - started < 1.0
    assert not thread.isRunning() and controller.thread is None


def test_the_model_is_handed_out_only_while_parked(qtbot, controller, session):
    session.set_train_config(SMALL_TRAINING.__class__(epochs=1000, batch_size=64))
    controller.start()
    qtbot.waitUntil(lambda: session.history.steps >= 2, timeout=10_000)
    seen = []
    controller.when_model_free(lambda: seen.append((controller.control.parked.is_set(), session.history.steps)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen[0][0]                                # read while the loop was parked
    qtbot.waitUntil(lambda: session.history.steps > seen[0][1], timeout=5_000)   # ... and it resumed afterwards
    assert controller.state is RunState.RUNNING


def test_lowering_the_priority_never_touches_the_main_thread_and_does_not_add_up():
    main = os.getpriority(os.PRIO_PROCESS, 0)
    lower_thread_priority(TRAINING_NICENESS)                 # a worker run on the main thread, as tests do
    assert os.getpriority(os.PRIO_PROCESS, 0) == main
    seen = []

    def twice():
        lower_thread_priority(TRAINING_NICENESS)
        lower_thread_priority(TRAINING_NICENESS)
        seen.append(os.getpriority(os.PRIO_PROCESS, 0))

    thread = threading.Thread(target=twice)
    thread.start()
    thread.join()
    assert seen == [min(19, main + TRAINING_NICENESS)]
