"""Axes in plain numbers: no "(x0.001)" on a label, no "-4e+06" on a tick."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from app.explorer.latent_scatter import LatentScatter
from app.plots.loss_plot import LossPlot
from app.widgets.plain_axis import PlainAxis, plain_number
from core.training.trainer import History


@pytest.mark.parametrize(("value", "spacing", "text"), [
    (-4e6, 2e6, "-4,000,000"), (12000, 1000, "12,000"), (250, 50, "250"), (0.0015, 0.0005, "0.0015"),
    (0.25, 0.05, "0.25"), (-1e-17, 0.01, "0.00"), (0.0, 0.5, "0.0"), (3e16, 1e16, "3×10¹⁶"),
    (1.5e19, 5e18, "1.5×10¹⁹"), (1e20, 1e20, "10²⁰"), (-2e-13, 1e-13, "-2×10⁻¹³"),
])
def test_plain_numbers_are_written_out_with_thousands_separated(value, spacing, text):
    assert plain_number(value, spacing) == text


def test_a_plain_axis_never_scales_its_label_or_ticks(qtbot):
    axis = PlainAxis("left")
    axis.setLabel("PC2")
    axis.setRange(-0.0004, 0.0004)
    assert "(x" not in axis.labelString() and axis.autoSIPrefixScale == 1.0
    assert axis.tickStrings([-0.0004, 0.0, 0.0002], 1.0, 0.0002) == ["-0.0004", "0.0000", "0.0002"]
    assert axis.tickStrings([-4e6, 0, 4e6], 1.0, 2e6) == ["-4,000,000", "0", "4,000,000"]
    axis.setLogMode(False, True)
    assert axis.tickStrings([2.0, np.log10(200), 3.0], 1.0, 1.0) == ["100", "200", "1,000"]


def test_the_latent_plot_and_the_loss_plot_label_their_axes_in_plain_numbers(qtbot):
    scatter = LatentScatter(10)
    qtbot.addWidget(scatter)
    scatter.set_axis_names("PC1", "PC2")
    scatter.view_box.setRange(xRange=(-0.001, 0.001), yRange=(-0.001, 0.001), padding=0)
    plot = LossPlot(History())
    qtbot.addWidget(plot)
    QApplication.processEvents()
    for axis in (scatter.plot_item.getAxis("left"), scatter.plot_item.getAxis("bottom"),
                 plot.plot_item.getAxis("left"), plot.plot_item.getAxis("bottom")):
        assert isinstance(axis, PlainAxis)
        assert "(x" not in axis.labelString()
