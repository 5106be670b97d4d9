"""The loss plot comparing two runs: both drawn in their colours as steps arrive, named in the legend and the
readout, framed together, removed again, and reset run by run."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from app.plots.loss_plot import LossPlot
from app.plots.run_curves import RUN_COLORS, TERM_COLORS
from core.training.trainer import History, StepProgress
from tests.app.plots.test_loss_plot import epoch, steps, text_width


@pytest.fixture
def plot(qtbot) -> LossPlot:
    """An autoencoder's run (A) compared with a VAE's (B), both starting."""
    plot = LossPlot(History(), "ae")
    plot.set_comparison(History(), "vae", ("AE", "VAE"))
    qtbot.addWidget(plot)
    plot.resize(600, 300)
    plot.show()
    return plot


def level(count: int, loss: float, kl: float) -> list[StepProgress]:
    """Steps of one loss, so that its moving average is that loss too."""
    return [StepProgress(i + 1, 0, i + 1, count, loss, loss - kl, kl, 1e4) for i in range(count)]


def drawn(curve: pg.PlotDataItem) -> int:
    return 0 if curve.xData is None else len(curve.xData)


def pen_color(curve: pg.PlotDataItem) -> str:
    return curve.opts["pen"].color().name()


def test_both_runs_curves_grow_as_steps_are_appended_to_each(qtbot, plot):
    compared = plot.comparison_curves.curves
    plot.append_steps(steps(1, 30, loss=200.0))
    plot.append_comparison_steps(steps(1, 20, loss=300.0))
    qtbot.waitUntil(lambda: drawn(plot.curves["loss"]) == 30 and drawn(compared["loss"]) == 20)
    plot.append_comparison_steps(steps(21, 15, loss=280.0))
    qtbot.waitUntil(lambda: drawn(compared["loss"]) == 35)
    assert drawn(plot.curves["loss"]) == 30 and plot.comparison_series("loss")[-1] == 280.0 - 14
    assert pen_color(plot.curves["loss"]) == RUN_COLORS[0] and pen_color(compared["loss"]) == RUN_COLORS[1]
    # The VAE's reconstruction dashed in its colour; the AE's equals its loss, and KLs are left out.
    assert compared["rec"].isVisible() and drawn(compared["rec"]) == 35
    assert compared["rec"].opts["pen"].style() == Qt.PenStyle.DashLine
    assert not plot.curves["rec"].isVisible() and not compared["kl"].isVisible()
    assert not plot.curves["raw"].isVisible()                   # two noisy bands would cover each other


def test_both_runs_test_losses_are_marked_in_their_colours(qtbot, plot):
    plot.append_steps(steps(1, 10))
    plot.append_comparison_steps(steps(1, 10))
    plot.add_epoch(epoch(10, 150.0))
    plot.add_comparison_epoch(epoch(10, 170.0))
    plot.flush()
    assert plot.test_markers.yData.tolist() == [150.0] and plot.comparison_curves.test_markers.yData.tolist() == [170.0]
    brushes = [markers.opts["symbolBrush"].color().name()
               for markers in (plot.test_markers, plot.comparison_curves.test_markers)]
    assert brushes == list(RUN_COLORS)


def test_the_legend_names_each_run_after_its_colour(qtbot, plot):
    legend = plot.readout.text()
    for name, color in zip(("AE", "VAE"), RUN_COLORS):
        assert f"<span style='color:{color}'>━</span>&nbsp;{name}&nbsp;" in legend
    assert "reconstruction" in legend and "KL" not in legend
    plot.set_comparison(History(), "ae", ("SGD", "Adam"))        # two autoencoders: no reconstruction to tell apart
    assert "&nbsp;SGD" in plot.readout.text() and "&nbsp;Adam" in plot.readout.text()
    assert "rec" not in plot.readout.text() and not plot.comparison_curves.curves["rec"].isVisible()


def test_the_readout_gives_both_runs_values_at_a_step(qtbot, plot):
    plot.append_steps(level(20, loss=200.0, kl=0.0))
    plot.append_comparison_steps(level(10, loss=300.0, kl=12.5))
    plot.add_comparison_epoch(epoch(10, 250.5))
    text = plot.readout_text(10)
    assert "step 10" in text and "AE 200<" in text and "VAE 300 (rec 287.5), test 250.5" in text
    assert "VAE" not in plot.readout_text(20)                 # the compared run has not got this far


def test_a_narrow_plot_reads_out_the_losses_only_rather_than_cut_them(qtbot, plot):
    plot.append_steps(level(10, loss=200.0, kl=0.0))
    plot.append_comparison_steps(level(10, loss=300.0, kl=12.5))
    plot.add_comparison_epoch(epoch(10, 250.5))
    plot.resize(plot.minimumWidth(), 190)
    qtbot.waitUntil(lambda: plot.view_box.width() < plot.minimumWidth() - 20)
    plot.flush()
    plot.plot_widget.scene().sigMouseMoved.emit(plot.view_box.mapViewToScene(pg.Point(10.4, 250.0)))
    qtbot.waitUntil(lambda: "step 10" in plot.readout.text(), timeout=2_000)
    assert "AE 200<" in plot.readout.text() and "VAE 300<" in plot.readout.text()
    assert plot.readout.width() >= text_width(plot.readout)


def test_the_y_range_holds_both_runs(qtbot, plot):
    plot.set_history(History(loss=[90.0, 80.0] * 50, rec=[90.0, 80.0] * 50, kl=[0.0] * 100), "ae")
    plot.set_comparison(History(loss=[400.0, 390.0] * 50, rec=[380.0, 370.0] * 50, kl=[20.0] * 100), "vae",
                        ("AE", "VAE"))
    (_, x1), (y0, y1) = plot.view_box.viewRange()
    assert x1 >= 100 and y0 <= 80.0 and y1 >= 400.0
    plot.set_log_scale(True)
    (_, _), (y0, y1) = plot.view_box.viewRange()
    assert y0 <= np.log10(80.0) and y1 >= np.log10(400.0)


def test_removing_the_comparison_brings_back_the_single_runs_look(qtbot, plot):
    plot.set_history(History(loss=[300.0, 250.0], rec=[290.0, 240.0], kl=[10.0, 10.0]), "vae")
    plot.set_comparison(History(loss=[900.0, 800.0], rec=[900.0, 800.0], kl=[0.0, 0.0]), "ae", ("VAE", "AE"))
    plot.set_comparison(None)
    compared = plot.comparison_curves
    assert not any(curve.isVisible() for curve in [*compared.curves.values(), compared.test_markers])
    assert plot.comparison_series("loss").size == 0
    assert all(f"&nbsp;{word}" in plot.readout.text() for word in ("loss", "reconstruction", "KL"))
    assert "AE" not in plot.readout.text() and pen_color(plot.curves["rec"]) == TERM_COLORS["rec"]
    assert plot.curves["raw"].isVisible() and plot.view_box.viewRange()[1][1] < 800.0   # framed on run A alone
    plot.append_comparison_steps(steps(3, 5))                 # late steps of the removed run are dropped
    plot.flush()
    assert plot.comparison_series("loss").size == 0


def test_reset_empties_each_run_and_then_the_plot(qtbot, plot):
    plot.append_steps(steps(1, 10))
    plot.append_comparison_steps(steps(1, 10))
    plot.flush()
    plot.set_history(History(), "ae")                          # Reset of run A: run B stays
    assert plot.step_count == 0 and plot.comparison_series("loss").size == 10
    assert not plot.empty_note.isVisible() and drawn(plot.comparison_curves.curves["loss"]) == 10
    plot.set_comparison(History(), "vae", ("AE", "VAE"))      # and of run B
    assert plot.empty_note.isVisible() and plot.view_box.viewRange() == [[0, 1], [0, 1]]
    assert "&nbsp;VAE" in plot.readout.text()                 # still comparing
