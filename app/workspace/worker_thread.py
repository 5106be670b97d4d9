"""Starts and stops every worker thread: one worker QObject's ``run()`` on its own QThread, wired once, here.

QtCore only. It knows nothing about what a worker does: the owner connects the worker's other signals to its own
bound slots and steers the worker by calling its methods directly.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Qt, QThread


class WorkerThread(QThread):
    """Runs ``worker.run()`` once on this new thread, which then ends (superqt's ``new_worker_qthread`` wiring).

    worker: a QObject without a parent, made on the GUI thread, whose ``run`` slot always ends by emitting
    ``finished``. name: the thread's name. request_stop: asks ``run`` to return early; ``stop`` calls it on the GUI
    thread, so it must only set an event or a flag (a queued slot would not run before ``run`` returns).
    on_finished: a bound slot of a QObject in the GUI thread, queued there when the thread finishes, after what the
    worker sent before it; wait for the thread in it before letting it go. The thread and the worker are deleted
    later, on the GUI thread. Make it, connect the worker's other signals, then ``start()``.
    """

    def __init__(self, worker: QObject, name: str, request_stop: Callable[[], None],
                 on_finished: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName(name)
        self._request_stop = request_stop
        home = worker.thread()
        worker.moveToThread(self)
        self.started.connect(worker.run)
        # These two run on the worker's thread (direct), before the queued connections. Back to the GUI thread
        # before deleteLater, for every worker: a Python QObject destroyed on its own thread takes the GIL under a Qt
        # connection lock and deadlocks against a GUI thread holding the GIL that wants that lock (seen: a test hung).
        # quit is thread-safe: the thread ends as soon as run returns, without waiting for the GUI thread.
        worker.finished.connect(partial(worker.moveToThread, home), Qt.ConnectionType.DirectConnection)
        worker.finished.connect(self.quit, Qt.ConnectionType.DirectConnection)
        worker.finished.connect(worker.deleteLater)          # queued into the GUI thread: the worker lives there now
        self.finished.connect(on_finished)
        self.finished.connect(self.deleteLater)

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Ask the worker to stop, quit the thread once ``run`` returns, and wait up to ``timeout_ms`` for it to end
        (None: as long as it takes). True when the thread has ended (or never started); ``on_finished`` is still
        queued then, behind what the worker sent before it."""
        self._request_stop()
        self.quit()
        return self.wait() if timeout_ms is None else self.wait(timeout_ms)
