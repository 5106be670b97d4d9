"""Python's cyclic garbage collection, done on the GUI thread only.

Left automatic, the collector runs in whichever thread allocates when a threshold is crossed: often a training,
export or download thread. If the garbage it then frees holds a Qt object that Python owns (a closed window, a plot
item taken out of its scene), that object's C++ destructor runs on that thread, which Qt does not allow; what follows
is a rare crash, seen here as a segmentation fault in the GUI thread's event loop while a training thread ran. So
automatic collection is turned off and a timer on the GUI thread collects instead, with the interpreter's own
thresholds (pyqtgraph's GarbageCollector does the same, for the same reason).

Once the window is built, ``freeze_long_lived`` moves every object then alive (modules, classes, the window's widgets:
about 80,000) out of the collector's sight, with ``gc.freeze``. A full collection over them took the GUI thread 44-49
ms mid-training, and came every two minutes or so; over what is made afterwards it takes 0.3 ms (measured). Frozen
objects are still freed when their last reference goes; only a reference cycle among them would stay.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 1000


class GuiThreadGarbageCollector(QObject):
    """While it runs, cyclic garbage is collected by a timer on the thread that made it (make it on the GUI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def collect_due(self) -> None:
        """Collect the generations whose counts passed their thresholds, as the automatic collector would."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if all(counts[g] > self._thresholds[g] for g in range(generation + 1)):
                gc.collect(generation)
                return

    def freeze_long_lived(self) -> None:
        """Collect, then leave every object alive now out of later collections (see the module docstring)."""
        gc.collect()
        gc.freeze()

    def stop(self) -> None:
        """Give collection back to the interpreter (after collecting everything here, the frozen objects too)."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()
