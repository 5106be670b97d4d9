"""The status bar's view of a training run: epoch and step, samples per second, elapsed time and ETA, progress.

Rates come from the wall clock over the last few seconds of received steps (not the worker's per-step timing),
so they include every overhead of training in the app; paused time counts neither as elapsed nor in the rate.
"""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from core.training.trainer import StepProgress

RATE_WINDOW = 3.0     # seconds of history for samples/s
LABEL_INTERVAL = 0.25  # seconds between label updates while training (they are read, not watched)
# The longest text each label shows (up to these values). The labels are sized to fit it: a label whose size can
# change asks the whole window for a new layout on every text change (measured: 0.4% of a core while training).
WIDEST_TEXTS = {"step_label": "Epoch 9999/9999   Step 9,999,999", "rate_label": "999,999 samples/s",
                "time_label": "99:59:59 elapsed   ETA 99:59:59"}


def format_duration(seconds: float) -> str:
    seconds = int(round(max(seconds, 0)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class RunStatus(QWidget):
    """Permanent status-bar widgets. ``samples_in(first_step, last_step)`` counts the images of those steps."""

    def __init__(self, samples_in: Callable[[int, int], int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples_in = samples_in
        self.step_label = QLabel()
        self.step_label.setToolTip("Current epoch (of the run's target) and optimisation step.")
        self.rate_label = QLabel()
        self.rate_label.setToolTip("Training images processed per second over the last few seconds.")
        self.time_label = QLabel()
        self.time_label.setToolTip("Training time of this run so far, and the estimated time left.")
        self.progress_bar = QProgressBar()
        self.progress_bar.setToolTip("Progress of this run towards its last epoch.")
        self.progress_bar.setFixedWidth(160)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setRange(0, 1000)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(16)
        for widget in (self.step_label, self.rate_label, self.time_label, self.progress_bar):
            layout.addWidget(widget)
        self._fix_label_sizes()
        self._first_step = self._target_step = self._step = 0
        self._batches_per_epoch = 1
        self._target_epochs = 0
        self._elapsed = 0.0
        self._running_since: float | None = None
        self._window: deque[tuple[float, int]] = deque()   # (time, steps done) pairs of the last seconds
        self._samples_per_s = 0.0
        self._labels_updated = 0.0
        self.show_idle(0, 1, 0)

    def _fix_label_sizes(self) -> None:
        for name, text in WIDEST_TEXTS.items():
            label = getattr(self, name)
            label.setFixedSize(label.fontMetrics().horizontalAdvance(text) + 2, label.sizeHint().height())
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fix_label_sizes()
        super().changeEvent(event)

    # ---- run lifecycle ----------------------------------------------------------------------------------------
    def start_run(self, step: int, target_epochs: int, batches_per_epoch: int) -> None:
        self._first_step = self._step = step
        self._batches_per_epoch = batches_per_epoch
        self._target_epochs = target_epochs
        self._target_step = target_epochs * batches_per_epoch
        self._elapsed = 0.0
        self._window.clear()
        self._samples_per_s = 0.0
        self.resume()
        self._update_labels()

    def pause(self) -> None:
        if self._running_since is not None:
            self._elapsed += time.perf_counter() - self._running_since
            self._running_since = None
            self._window.clear()

    def resume(self) -> None:
        if self._running_since is None:
            self._running_since = time.perf_counter()
            self._window.append((self._running_since, self._step))

    def finish_run(self) -> None:
        self.pause()
        self._update_labels(finished=True)

    def rewind(self, step: int) -> None:
        """The run went back to step ``step`` (after a divergence)."""
        self._step = step
        self._update_labels()

    def show_idle(self, step: int, batches_per_epoch: int, target_epochs: int) -> None:
        """Between runs: where the model stands."""
        self._step, self._batches_per_epoch, self._target_epochs = step, batches_per_epoch, target_epochs
        self._first_step, self._target_step = 0, target_epochs * batches_per_epoch
        self._elapsed, self._samples_per_s = 0.0, 0.0
        self._update_labels(finished=True)

    # ---- updates ----------------------------------------------------------------------------------------------
    def add_steps(self, records: Sequence[StepProgress]) -> None:
        if not records:
            return
        self._step = records[-1].step
        now = time.perf_counter()
        if self._running_since is None:
            return       # steps that were under way when the run paused: the rate starts again on resume
        self._window.append((now, self._step))
        while len(self._window) > 2 and now - self._window[1][0] > RATE_WINDOW:
            self._window.popleft()
        if now - self._labels_updated < LABEL_INTERVAL:
            return
        (t0, s0), (t1, s1) = self._window[0], self._window[-1]
        if t1 > t0 and s1 > s0:
            self._samples_per_s = self.samples_in(s0 + 1, s1) / (t1 - t0)
        self._update_labels()

    @property
    def elapsed(self) -> float:
        running = time.perf_counter() - self._running_since if self._running_since is not None else 0.0
        return self._elapsed + running

    @property
    def samples_per_s(self) -> float:
        return self._samples_per_s

    def _update_labels(self, finished: bool = False) -> None:
        self._labels_updated = time.perf_counter()
        epoch = -(-self._step // max(self._batches_per_epoch, 1))     # the epoch of the latest step, 1-based
        self.step_label.setText(f"Epoch {epoch}/{self._target_epochs}   Step {self._step:,}")
        self.rate_label.setText(f"{self._samples_per_s:,.0f} samples/s" if self._samples_per_s else "– samples/s")
        remaining = max(self._target_step - self._step, 0)
        steps_per_s = self._samples_per_s / max(self.samples_in(1, 1), 1)
        eta = format_duration(remaining / steps_per_s) if steps_per_s > 0 and not finished else "–"
        self.time_label.setText(f"{format_duration(self.elapsed)} elapsed   ETA {eta}")
        span = max(self._target_step - self._first_step, 1)
        self.progress_bar.setValue(int(1000 * min(max(self._step - self._first_step, 0) / span, 1.0)))
