"""Cyclic garbage is freed on the GUI thread, whichever thread allocated when it became due."""
from __future__ import annotations

import gc
import threading

from app.gui_gc import GuiThreadGarbageCollector


def allocate_in_a_thread(count: int) -> list:
    """Allocate ``count`` containers on another thread and keep them: enough to make a collection due there."""
    kept = []
    worker = threading.Thread(target=lambda: kept.extend([] for _ in range(count)))
    worker.start()
    worker.join()
    return kept


def test_garbage_is_freed_on_the_gui_thread_not_on_the_thread_that_allocated(qtbot):
    freed_on: list[threading.Thread] = []

    class Cycle:
        """Unreachable as soon as it is made, but only the cyclic collector can free it."""

        def __init__(self) -> None:
            self.itself = self

        def __del__(self) -> None:
            freed_on.append(threading.current_thread())

    gc.enable()                                   # as the interpreter starts (the module's fixture turned it off)
    gc.collect()
    collector = GuiThreadGarbageCollector()
    try:
        Cycle()
        kept = allocate_in_a_thread(50 * gc.get_threshold()[0])
        assert freed_on == []                     # automatically, it would have been freed on that thread
        qtbot.waitUntil(lambda: bool(freed_on), timeout=3_000)
        assert freed_on == [threading.main_thread()]
        del kept
    finally:
        collector.stop()
    assert gc.isenabled()                         # given back as it was
    gc.disable()                                  # ... and off again for the rest of the module
