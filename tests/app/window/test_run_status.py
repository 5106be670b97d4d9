"""The status bar's run readout: its labels show the largest values in full and never resize the window's layout;
the rate leaves out paused time."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QWidget

from app.window.run_status import RunStatus
from core.training.trainer import StepProgress

BATCH = 128


def status_in_a_window(qtbot) -> tuple[QWidget, RunStatus]:
    window = QWidget()
    qtbot.addWidget(window)
    status = RunStatus(lambda first, last: (last - first + 1) * BATCH)
    QHBoxLayout(window).addWidget(status)
    window.show()
    qtbot.waitExposed(window)
    return window, status


class LayoutRequests(QObject):
    """Counts the layout requests that reach the watched widget."""

    def __init__(self, watched: QWidget) -> None:
        super().__init__()
        self.count = 0
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_the_largest_values_show_in_full(qtbot):
    _, status = status_in_a_window(qtbot)
    status.show_idle(step=9_999_999, batches_per_epoch=1001, target_epochs=9999)
    status._samples_per_s = 999_999.0      # what add_steps measures; no clock is fast enough to reach it here
    status._elapsed = 99 * 3600 + 59 * 60 + 59
    status.finish_run()
    assert status.step_label.text() == "Epoch 9991/9999   Step 9,999,999"
    assert "999,999 samples/s" in status.rate_label.text()
    for label in (status.step_label, status.rate_label, status.time_label):
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), label.text()


def test_new_values_while_training_do_not_relayout_the_window(qtbot):
    _, status = status_in_a_window(qtbot)
    status.start_run(step=0, target_epochs=20, batches_per_epoch=36)
    qtbot.wait(10)
    requests = LayoutRequests(status)
    for step in (1, 9, 99, 999, 9_999):
        status._labels_updated = 0.0            # as if LABEL_INTERVAL had passed
        status.add_steps([StepProgress(step, step // 36, step % 36 + 1, 36, 200.0, 190.0, 10.0, 1e4)])
        qtbot.wait(5)
    assert f"Step {9_999:,}" in status.step_label.text()
    assert requests.count == 0


def test_the_rate_after_a_pause_leaves_the_pause_out(qtbot, monkeypatch):
    import app.window.run_status as module
    _, status = status_in_a_window(qtbot)
    clock = [100.0]
    monkeypatch.setattr(module.time, "perf_counter", lambda: clock[0])

    def steps_at(first: int, last: int, start: float, per_step: float) -> None:
        for step in range(first, last + 1):
            clock[0] = start + (step - first + 1) * per_step
            status._labels_updated = 0.0        # as if LABEL_INTERVAL had passed
            status.add_steps([StepProgress(step, 0, step, 1000, 200.0, 190.0, 10.0, 1e4)])

    status.start_run(step=0, target_epochs=1, batches_per_epoch=1000)
    steps_at(1, 20, 100.0, 0.05)                # 20 steps a second
    assert status.samples_per_s == pytest.approx(20 * BATCH)
    status.pause()
    steps_at(21, 21, clock[0], 0.01)            # a step that was under way arrives after the pause
    clock[0] += 60.0                            # a minute paused (a question open, or the user away)
    status.resume()
    steps_at(22, 31, clock[0], 0.1)             # 10 steps a second since
    assert status.samples_per_s == pytest.approx(10 * BATCH)
    assert status.elapsed == pytest.approx(2.0)
