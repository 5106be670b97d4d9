"""The plot items of one run in the loss plot: its raw loss, the moving averages of the loss and its parts, and the
test loss of each epoch as a line with markers, styled for a plot of one run or for one of two compared runs.

It draws a RunSeries (app/plots/loss_series.py) and knows nothing of the header, the range or the mouse.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from app.plots.loss_series import RunSeries

# One run: each term its own colour. Compared runs: each run its own colour (blue and orange, far apart in hue and
# both readable on light and dark backgrounds, from Petroff's colour-blind-safe palette), each term a line style.
TERM_COLORS = {"loss": "#3f90da", "rec": "#2ca58d", "kl": "#e76300", "test": "#d6336c"}
RUN_COLORS = ("#3f90da", "#e76300")
MARKER_SIZE = 7          # pixels
MARKER_GAP = 14          # pixels at least between two test-loss markers
RAW_ALPHA = 70           # the raw loss under its moving average: faint


class RunCurves:
    """The curves "raw", "loss", "rec" and "kl", `test_curve` and `test_markers` of one run, added to `plot_item`.

    Alone (`set_style(None, vae)`), the loss, reconstruction and KL have their colours, the autoencoder shows no parts.
    Compared (`set_style(color, vae)`), everything is in the run's colour: the loss solid, the VAE's reconstruction
    dashed (the gap between them is its weighted KL, so the KL itself is left out: its scale is far below the losses'
    and two more curves would crowd the plot), and the raw loss is not drawn (two noisy bands would cover each other).
    """

    def __init__(self, plot_item: pg.PlotItem, pixel_ratio: float) -> None:
        self._plot_item = plot_item
        self._pixel_ratio = pixel_ratio     # pyqtgraph's pens are cosmetic (widths in device pixels): scale them
        self.curves = {"raw": self._curve(smooth=False), "loss": self._curve(), "rec": self._curve(),
                       "kl": self._curve()}
        self.curves["loss"].setZValue(2)      # the moving average on top of its parts
        # The test loss of every epoch as a thin line, with a marker on the epochs that leave MARKER_GAP pixels
        # between markers (after 50 epochs, one on every epoch would merge into a band over the training curve).
        self.test_curve = pg.PlotDataItem()
        self.test_markers = pg.PlotDataItem(pen=None, symbol="o", symbolSize=MARKER_SIZE)
        for z, item in enumerate((self.test_curve, self.test_markers), start=3):
            item.setZValue(z)
            plot_item.addItem(item)
        self._marker_every = 0           # the markers shown are on every this-many-th epoch (and the last)
        self._shown: tuple[str, ...] = ()
        self._color: str | None = None
        self._background = QColor("white")

    def _curve(self, smooth: bool = True) -> pg.PlotDataItem:
        """A curve drawn from at most a few points per pixel column of the visible range.

        The noisy raw loss keeps each column's minimum and maximum ("peak") and is drawn without antialiasing.
        The smooth averages need only one point per four columns: wide antialiased pens cost time per point
        (a full repaint at 720 steps, 580x190 pixels: 3.3 ms with one point per two columns, 2.2 ms per four),
        and the curves look the same.
        """
        curve = pg.PlotDataItem(antialias=smooth, autoDownsampleFactor=0.25 if smooth else 2.0)
        self._plot_item.addItem(curve)       # applies the PlotItem's downsampling mode: set ours after it
        curve.setDownsampling(auto=True, method="subsample" if smooth else "peak")
        curve.setClipToView(True)
        return curve

    def _pen(self, color: str, width: float, alpha: int = 255,
             style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
        pen_color = QColor(color)
        pen_color.setAlpha(alpha)
        return pg.mkPen(pen_color, width=width * self._pixel_ratio, style=style)

    def set_style(self, color: str | None, vae: bool) -> None:
        """Draw the run alone (``color`` None) or compared, in ``color``; ``vae``: the loss has a KL part."""
        self._color = color
        if color is None:
            pens = {"raw": self._pen(TERM_COLORS["loss"], 1.0, alpha=RAW_ALPHA),
                    "loss": self._pen(TERM_COLORS["loss"], 2.2)}
            if vae:
                pens |= {"rec": self._pen(TERM_COLORS["rec"], 1.6), "kl": self._pen(TERM_COLORS["kl"], 1.6)}
            self.test_curve.setPen(self._pen(TERM_COLORS["test"], 1.0, style=Qt.PenStyle.DashLine))
        else:
            pens = {"loss": self._pen(color, 2.2)}
            if vae:
                pens["rec"] = self._pen(color, 1.6, style=Qt.PenStyle.DashLine)
            self.test_curve.setPen(self._pen(color, 1.0, alpha=150, style=Qt.PenStyle.DotLine))
        self._shown = tuple(name for name in self.curves if name in pens)
        for name, curve in self.curves.items():
            curve.setVisible(name in pens)
            if name in pens:
                curve.setPen(pens[name])
            else:
                curve.setData([], [])
        self._style_markers()

    def set_background(self, background: QColor) -> None:
        """Ring the compared runs' markers in the plot's background colour, so they stand out of their curves."""
        self._background = QColor(background)
        self._style_markers()

    def _style_markers(self) -> None:
        fill = self._color or TERM_COLORS["test"]
        self.test_markers.setSymbolBrush(fill)
        self.test_markers.setSymbolPen(pg.mkPen(fill if self._color is None else self._background,
                                                width=self._pixel_ratio))

    def reset(self) -> None:
        """Forget the test losses drawn (a new history): the next draw sets them anew."""
        self.test_curve.setData([], [])
        self._marker_every = 0

    def set_visible(self, visible: bool) -> None:
        for name, curve in self.curves.items():
            curve.setVisible(visible and name in self._shown)
        self.test_curve.setVisible(visible)
        self.test_markers.setVisible(visible)

    def draw(self, series: RunSeries) -> None:
        """Show ``series``: every shown curve, and the test line when the number of epochs changed."""
        x = series.steps.view()
        for name in self._shown:
            # Every loss in a history is finite (a diverging step is never recorded): skip pyqtgraph's check.
            values = series.raw["loss"] if name == "raw" else series.smooth[name]
            self.curves[name].setData(x, values.view(), skipFiniteCheck=True)
        drawn = self.test_curve.xData
        if len(series.epochs) != (0 if drawn is None else len(drawn)):
            self.test_curve.setData([e.step for e in series.epochs], [e.test_loss for e in series.epochs])
            self._marker_every = 0

    def values(self, series: RunSeries) -> list[np.ndarray]:
        """The drawn values of the shown curves and the test losses (for the plot's range)."""
        arrays = [series.raw["loss"].view() if name == "raw" else series.smooth[name].view() for name in self._shown]
        return arrays + ([series.test_losses()] if series.epochs else [])

    def top(self, series: RunSeries) -> np.ndarray:
        """The drawn values of the highest curve: the raw loss, or its average where the raw loss is not drawn."""
        return series.raw["loss"].view() if "raw" in self._shown else series.smooth["loss"].view()

    def update_markers(self, series: RunSeries, view_box: pg.ViewBox) -> None:
        """Mark every k-th epoch's test loss and the last one, k the smallest of 1, 2, 5, 10, 20, 50, ... that leaves
        MARKER_GAP pixels between markers at the view's scale (counted from the first epoch, so that the marked
        epochs stay the same as more arrive)."""
        epochs = series.epochs
        count = len(epochs)
        (x0, x1), _ = view_box.viewRange()
        pixels_per_epoch = (view_box.width() / max(x1 - x0, 1e-9)) * epochs[-1].step / count if count else 0
        every = 1
        while every * pixels_per_epoch < MARKER_GAP and every < count:
            every = every * 5 // 2 if str(every).startswith("2") else every * 2     # 1, 2, 5, 10, 20, 50, ...
        if count and every == self._marker_every:
            return
        self._marker_every = every
        marked = [e for i, e in enumerate(epochs, start=1) if i % every == 0 or i == count]
        self.test_markers.setData([e.step for e in marked], [e.test_loss for e in marked])
