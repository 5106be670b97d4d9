"""The loss plot: streaming steps and epochs, the moving average, log scale, hover readout, and speed at 100k steps."""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QEnterEvent, QTextDocument
from PySide6.QtWidgets import QApplication, QLabel

from app.plots.loss_plot import LossPlot
from app.plots.loss_series import GrowingArray, MovingAverage
from core.training.trainer import EpochProgress, History, StepProgress


def steps(first: int, count: int, loss: float = 200.0) -> list[StepProgress]:
    return [StepProgress(first + i, 0, i + 1, 10, loss - i, loss - i - 5, 5.0, 1e4) for i in range(count)]


def epoch(step: int, test_loss: float) -> EpochProgress:
    return EpochProgress(0, step, 190.0, test_loss, test_loss - 5, 5.0, 1.0, 1e4)


@pytest.fixture
def plot(qtbot) -> LossPlot:
    plot = LossPlot(History(), "vae")
    qtbot.addWidget(plot)
    plot.resize(600, 300)
    plot.show()
    return plot


def test_growing_array_keeps_what_was_appended():
    array = GrowingArray(capacity=2)
    for chunk in ([1.0], [2.0, 3.0], np.arange(4.0, 10.0)):
        array.extend(chunk)
    assert array.view().tolist() == list(np.arange(1.0, 10.0))


def test_moving_average_starts_at_the_first_value_and_follows_a_step_change():
    average = MovingAverage(alpha=0.1)
    assert average.update([5.0, 5.0]) == pytest.approx([5.0, 5.0])
    assert average.update([15.0] * 200)[-1] == pytest.approx(15.0, rel=1e-6)


def test_appended_steps_and_epochs_are_drawn_after_the_refresh(qtbot, plot):
    left_axis = plot.plot_item.getAxis("left")
    assert plot.empty_note.isVisible() and not left_axis.style["showValues"]    # no made-up scale when empty
    plot.append_steps(steps(1, 30))
    plot.add_epoch(epoch(30, 170.0))
    assert plot.step_count == 30
    qtbot.waitUntil(lambda: plot.curves["raw"].xData is not None and len(plot.curves["raw"].xData) == 30)
    assert plot.curves["loss"].yData[0] == pytest.approx(200.0)
    assert plot.test_curve.xData.tolist() == [30] and plot.test_curve.yData.tolist() == [170.0]
    assert not plot.empty_note.isVisible() and left_axis.style["showValues"]
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert x0 <= 1 and x1 >= 30 and y0 <= 5.0 and y1 >= 200.0      # everything in view, KL included


def test_a_history_is_shown_at_once_and_the_autoencoder_has_no_kl_curve(plot):
    history = History(loss=[300.0, 250.0, 200.0], rec=[300.0, 250.0, 200.0], kl=[0.0, 0.0, 0.0])
    plot.set_history(history, "ae")
    assert plot.series("loss").tolist() == [300.0, 250.0, 200.0]
    assert not plot.curves["kl"].isVisible() and "KL" not in plot.readout.text()


def test_log_scale_toggles_the_axis(plot):
    plot.append_steps(steps(1, 10))
    plot.set_log_scale(True)
    assert plot.plot_item.ctrl.logYCheck.isChecked() and plot.log_scale
    (y0, y1) = plot.view_box.viewRange()[1]
    assert y0 <= np.log10(5.0) and y1 >= np.log10(200.0)


def test_hovering_reads_out_the_values_at_a_step(plot):
    plot.append_steps(steps(1, 20))
    plot.add_epoch(epoch(20, 150.25))
    text = plot.readout_text(20)
    assert "step 20" in text and "loss 181<" in text and "KL 5<" in text and "test 150.2<" in text


def test_it_stays_fast_after_100000_steps(qtbot, plot):
    rng = np.random.default_rng(0)
    n = 100_000
    loss = 150 + 300 * np.exp(-np.arange(n) / 5000) + rng.standard_normal(n)
    plot.set_history(History(loss=loss.tolist(), rec=(loss - 5).tolist(), kl=[5.0] * n))
    plot.set_expected_steps(n + 1000)
    plot.grab()
    timings = []
    for k in range(5):
        started = time.perf_counter()
        plot.append_steps(steps(n + 20 * k + 1, 20))
        plot._refresh()
        plot.plot_widget.viewport().repaint()
        timings.append(time.perf_counter() - started)
    assert plot.step_count == n + 100
    assert len(plot.curves["raw"].curve.xData) < 10_000           # downsampled to the pixels
    assert sorted(timings)[2] < 0.1                               # typically 5-15 ms here


def test_moving_the_mouse_over_the_plot_shows_the_readout_and_a_cursor_line(qtbot, plot):
    plot.resize(560, 190)                       # its size in a 1280x800 window
    plot.append_steps(steps(1, 20))
    plot.add_epoch(epoch(20, 150.25))
    plot._refresh()
    view_box = plot.view_box
    scene_point = view_box.mapViewToScene(pg.Point(20, 190.0))
    plot.plot_widget.scene().sigMouseMoved.emit(scene_point)
    qtbot.waitUntil(lambda: "step 20" in plot.readout.text(), timeout=2_000)
    assert plot.cursor_line.isVisible() and plot.cursor_line.value() == 20
    assert plot.title.isHidden() and "test 150.2" in plot.readout.text()
    qtbot.waitUntil(lambda: plot.readout.width() >= text_width(plot.readout), timeout=2_000)   # all of it shows
    outside = view_box.mapViewToScene(pg.Point(10, 190.0)) + pg.Point(0, 10_000)
    plot.plot_widget.scene().sigMouseMoved.emit(outside)
    qtbot.waitUntil(lambda: not plot.cursor_line.isVisible(), timeout=2_000)
    assert "reconstruction" in plot.readout.text() and not plot.title.isHidden()     # the legend and title are back

    QApplication.sendEvent(plot.plot_widget.viewport(), QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    plot.plot_widget.scene().sigMouseMoved.emit(scene_point)
    qtbot.waitUntil(lambda: "step 20" in plot.readout.text(), timeout=2_000)
    QApplication.sendEvent(plot.plot_widget.viewport(), QEvent(QEvent.Type.Leave))   # left over the header
    assert not plot.cursor_line.isVisible() and "reconstruction" in plot.readout.text()
    plot.plot_widget.scene().sigMouseMoved.emit(scene_point)        # a move the proxy passes on late
    qtbot.wait(100)
    assert not plot.cursor_line.isVisible()


def text_width(label: QLabel) -> float:
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    document.setHtml(label.text())
    return document.idealWidth()


def test_the_legend_names_every_curve_in_short_words_when_the_plot_is_narrow(qtbot, plot):
    plot.resize(560, 190)
    qtbot.waitUntil(lambda: "reconstruction" in plot.readout.text() and "test loss" in plot.readout.text())
    plot.resize(420, 190)
    qtbot.waitUntil(lambda: "reconstruction" not in plot.readout.text())
    assert all(f"&nbsp;{word}" in plot.readout.text() for word in ("loss", "rec", "KL", "test"))
    assert plot.readout.width() >= text_width(plot.readout)


def test_an_empty_plot_says_what_will_appear_until_the_first_steps(plot):
    assert plot.empty_note.isVisible()
    plot.append_steps(steps(1, 5))
    plot.flush()
    assert not plot.empty_note.isVisible()
    plot.set_history(History(), "vae")             # a new model, or a run gone back to its start
    assert plot.empty_note.isVisible()
    assert plot.view_box.viewRange() == [[0, 1], [0, 1]]     # the note in the middle, as at first


def test_the_step_axis_has_ticks_only_at_whole_steps_for_a_two_step_run(qtbot, plot):
    plot.append_steps(steps(1, 2))
    qtbot.waitUntil(lambda: plot.curves["raw"].xData is not None and len(plot.curves["raw"].xData) == 2)
    axis = plot.plot_item.getAxis("bottom")
    (x0, x1), _ = plot.view_box.viewRange()
    ticks = [value for level in axis.tickValues(x0, x1, axis.geometry().width()) for value in level[1]]
    assert ticks and all(float(value).is_integer() for value in ticks)


def long_run(epochs: int = 50, per_epoch: int = 35) -> History:
    """An autoencoder's run: the loss falls from about 600 to 200 in the first epoch, then slowly to 140."""
    rng = np.random.default_rng(0)
    t = np.arange(epochs * per_epoch)
    loss = 140 + 400 * np.exp(-t / 15) + 60 * np.exp(-t / 400) + 4 * rng.standard_normal(t.size)
    marks = [EpochProgress(e, (e + 1) * per_epoch, 0.0, float(loss[(e + 1) * per_epoch - 1]) + 3, 0.0, 0.0, 1.0, 1e4)
             for e in range(epochs)]
    return History(loss=loss.tolist(), rec=loss.tolist(), kl=[0.0] * t.size, epochs=marks)


def marker_pixels(plot: LossPlot) -> np.ndarray:
    xs = plot.test_markers.xData
    return np.array([plot.view_box.mapViewToScene(pg.Point(x, 150)).x() for x in xs])


def test_after_50_epochs_the_test_markers_stay_apart_and_the_line_joins_every_epoch(qtbot, plot):
    plot.resize(560, 190)                       # its size in a 1280x800 window
    plot.set_history(long_run(), "ae")
    qtbot.waitUntil(lambda: plot.view_box.width() > 400)
    plot._refresh()
    assert len(plot.test_curve.xData) == 50
    gaps = np.diff(marker_pixels(plot))
    assert gaps.min() >= 14 and len(plot.test_markers.xData) < 50
    assert plot.test_markers.xData[-1] == 50 * 35                     # the latest epoch is always marked
    plot.view_box.setXRange(40 * 35, 50 * 35, padding=0)              # zoomed in: every epoch has its marker
    visible = [x for x in plot.test_markers.xData if x >= 40 * 35]
    assert len(visible) == 11


def test_a_long_run_shows_the_body_of_the_curve_and_its_start_falling_into_it(qtbot, plot):
    history = long_run()
    plot.resize(560, 190)
    plot.set_history(history, "ae")
    (_, _), (y0, y1) = plot.view_box.viewRange()
    loss = np.array(history.loss)
    body = loss[35:]                                                  # after the first epoch
    assert y0 <= body.min() and y1 >= body.max()
    assert (body.max() - y0) / (y1 - y0) >= 0.6                      # the body fills most of the height
    start = loss[:35]
    assert start.max() > y1 and ((start > body.max()) & (start < y1)).sum() >= 3   # the fall shows above it
    plot.set_log_scale(True)                                          # the log scale shows everything
    (_, _), (y0, y1) = plot.view_box.viewRange()
    assert y1 >= np.log10(loss.max())


def test_a_new_model_frames_the_empty_plot_anew_with_its_note_whole(qtbot, plot):
    plot.resize(560, 190)
    plot.set_history(long_run(), "ae")
    plot.set_history(History(), "ae")                                 # Reset
    (x0, x1), (y0, y1) = plot.view_box.viewRange()
    assert (x0, x1) == (0, 1) and (y0, y1) == (0, 1)
    assert not plot.plot_item.getAxis("bottom").style["showValues"]
    for width in (560, 330):
        plot.resize(width, 150)
        qtbot.waitUntil(lambda width=width: plot.width() == width)
        qtbot.wait(20)
        note = plot.empty_note.mapRectToScene(plot.empty_note.boundingRect())
        assert plot.view_box.sceneBoundingRect().contains(note)
    plot.set_expected_steps(700)                                      # a run starts
    plot.flush()
    assert plot.view_box.viewRange()[0] == [0, 700]
