"""Ctrl+C (SIGINT) and SIGTERM (`kill`, a logout, a job scheduler) during `train`: the first one stops the training
after its current step so that what was trained is saved; any later one is noted and waits for that save, so that
no signal, however many, loses the run or ends it with a traceback.

The handlers only record and request: a handler that printed could break a print it interrupts. Python runs
handlers in the main thread, between two bytecodes, and retries a system call that a signal interrupts, so the
save goes on undisturbed. Installing them needs the main thread, where the commands run.
"""
from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

from core.training.trainer import TrainingControl

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopSignals:
    """The stop signals received while installed, in order (``received``), each of them asking ``control`` to stop."""

    def __init__(self, control: TrainingControl) -> None:
        self.control = control
        self.received: list[int] = []

    def handle(self, number: int, frame: object) -> None:
        self.received.append(number)
        self.control.request_stop()

    @property
    def first(self) -> signal.Signals | None:
        """The signal that stopped the run, or None."""
        return signal.Signals(self.received[0]) if self.received else None

    @property
    def exit_status(self) -> int:
        """128 + the first signal's number, as a shell reports a process ended by it: 130 Ctrl+C, 143 SIGTERM."""
        return 128 + self.received[0]


@contextlib.contextmanager
def stop_on_signals(control: TrainingControl) -> Iterator[StopSignals]:
    """While the block runs, SIGINT and SIGTERM request ``control`` to stop instead of ending the process.

    Afterwards the handlers from before are restored, unless a stop signal came: then the command is ending, and
    further stop signals are ignored, so that one more Ctrl+C while the process exits neither prints a traceback
    nor kills it (Python puts the default handlers back while it exits, but leaves an ignored signal ignored).
    """
    stops = StopSignals(control)
    previous = {number: signal.signal(number, stops.handle) for number in STOP_SIGNALS}
    try:
        yield stops
    finally:
        for number, handler in previous.items():
            if stops.received:
                handler = signal.SIG_IGN
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
