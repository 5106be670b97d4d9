"""Cyclic garbage is freed on the GUI thread, whichever thread allocated when it became due."""
from __future__ import annotations

import gc
import threading
import weakref

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


def test_after_the_freeze_new_garbage_is_still_collected_and_a_full_collection_skips_what_lived_before(qtbot):
    collector = GuiThreadGarbageCollector()
    freed = []

    class Cycle:
        def __init__(self) -> None:
            self.itself = self

        def __del__(self) -> None:
            freed.append(True)

    try:
        collector.freeze_long_lived()
        assert gc.get_freeze_count() > 1000              # the modules and their classes, at least
        Cycle()
        kept = allocate_in_a_thread(50 * gc.get_threshold()[0])
        qtbot.waitUntil(lambda: bool(freed), timeout=3_000)
        del kept
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count() / 10
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0                    # stop gives everything back to the collector


def test_a_model_made_before_the_freeze_is_freed_when_reset(window):
    collector = GuiThreadGarbageCollector()
    try:
        collector.freeze_long_lived()
        first_model = weakref.ref(window.session.model)
        window.reset()
        assert window.session.model is not first_model()
        assert first_model() is None                     # freed by its reference count: it was in no cycle
    finally:
        collector.stop()
