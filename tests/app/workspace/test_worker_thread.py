"""WorkerThread: a worker's run() on its own thread, its signals on the GUI thread, both deleted there, a clean stop."""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from app.workspace.worker_thread import WorkerThread


def on_gui_thread() -> bool:
    return QThread.currentThread() == QCoreApplication.instance().thread()


class CountingWorker(QObject):
    """Emits ``counted`` until ``count`` numbers are out or a stop is requested, then ``finished``."""

    counted = Signal(int)
    finished = Signal()

    def __init__(self, count: int = 3, release: threading.Event | None = None) -> None:
        super().__init__()
        self.count = count
        self.stop_requested = threading.Event()
        self.running = threading.Event()
        self.release = release        # when given, run ignores stops until it is set
        self.ran_on: str | None = None          # the name of the thread run ran on

    @Slot()
    def run(self) -> None:
        self.ran_on = "GUI" if on_gui_thread() else QThread.currentThread().objectName()
        self.running.set()
        try:
            for number in range(self.count):
                if self.release is not None:
                    self.release.wait(10)
                if self.stop_requested.is_set():
                    break
                self.counted.emit(number)
                time.sleep(0.001)
        finally:
            self.finished.emit()


class Owner(QObject):
    """Holds the thread like the app's owners do, and records where and in which order its slots ran."""

    def __init__(self) -> None:
        super().__init__()
        self.thread: WorkerThread | None = None
        self.events: list[tuple[str, object, bool]] = []      # (what, value, on the GUI thread)
        self.thread_ended_first: bool | None = None

    def start(self, worker: CountingWorker) -> WorkerThread:
        self.thread = WorkerThread(worker, "test-worker", worker.stop_requested.set, self._on_thread_finished)
        worker.counted.connect(self._on_worker_counted)
        worker.finished.connect(self._on_worker_finished)
        self.thread.start()
        return self.thread

    @Slot(int)
    def _on_worker_counted(self, number: int) -> None:
        self.events.append(("counted", number, on_gui_thread()))

    @Slot()
    def _on_worker_finished(self) -> None:
        self.events.append(("worker finished", None, on_gui_thread()))

    @Slot()
    def _on_thread_finished(self) -> None:
        self.events.append(("thread finished", None, on_gui_thread()))
        self.thread_ended_first = self.thread.wait(1000)
        self.thread = None


def test_the_workers_signals_reach_gui_thread_slots_in_order_and_the_thread_finishes(qtbot):
    owner, worker = Owner(), CountingWorker(3)
    owner.start(worker)
    qtbot.waitUntil(lambda: owner.thread is None, timeout=5_000)
    assert worker.ran_on == "test-worker"
    assert owner.events == [("counted", 0, True), ("counted", 1, True), ("counted", 2, True),
                            ("worker finished", None, True), ("thread finished", None, True)]
    assert owner.thread_ended_first


def test_the_thread_and_the_worker_are_deleted_afterwards_on_the_gui_thread(qtbot):
    """The worker goes back to the GUI thread before it finishes: deleted on its own thread, a Python QObject can
    deadlock against the GUI thread (see app.workspace.worker_thread)."""
    owner, worker = Owner(), CountingWorker(2)
    deleted = {}
    thread = owner.start(worker)
    for name, obj in (("worker", worker), ("thread", thread)):
        obj.destroyed.connect(lambda *_, name=name: deleted.setdefault(name, threading.current_thread()),
                              Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: len(deleted) == 2, timeout=5_000)
    assert deleted == {"worker": threading.main_thread(), "thread": threading.main_thread()}
    assert owner.events[-1] == ("thread finished", None, True)


def test_stop_ends_a_running_worker_within_the_timeout(qtbot):
    owner, worker = Owner(), CountingWorker(10**9)
    thread = owner.start(worker)
    assert worker.running.wait(5)
    qtbot.waitUntil(lambda: len(owner.events) >= 2, timeout=5_000)     # it is emitting
    started = time.perf_counter()
    assert thread.stop(timeout_ms=1000)
    assert time.perf_counter() - started < 1.0
    assert thread.isFinished() and not thread.isRunning()
    qtbot.waitUntil(lambda: owner.thread is None, timeout=5_000)      # on_finished still arrives, last
    assert owner.events[-2:] == [("worker finished", None, True), ("thread finished", None, True)]


def test_stop_gives_up_after_the_timeout_and_can_wait_again(qtbot):
    release = threading.Event()
    owner, worker = Owner(), CountingWorker(10**9, release)
    thread = owner.start(worker)
    assert worker.running.wait(5)
    started = time.perf_counter()
    assert not thread.stop(timeout_ms=100)            # run is busy and does not look at the stop yet
    assert 0.09 < time.perf_counter() - started < 1.0 and thread.isRunning()
    release.set()
    assert thread.stop()
    qtbot.waitUntil(lambda: owner.thread is None, timeout=5_000)
    assert worker.stop_requested.is_set()


def test_stopping_a_thread_that_has_ended_returns_at_once(qtbot):
    owner, worker = Owner(), CountingWorker(1)
    thread = owner.start(worker)
    assert thread.wait(5_000)
    started = time.perf_counter()
    assert thread.stop(timeout_ms=0)
    assert time.perf_counter() - started < 0.1
    qtbot.waitUntil(lambda: owner.thread is None, timeout=5_000)
