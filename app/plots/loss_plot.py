"""The loss plot: per-step training loss (raw, faint) under its moving average, the reconstruction and KL parts,
and the test loss after each epoch as markers, with a log-scale toggle and a hover readout.

It streams: new steps are appended to growable arrays and drawn with setData at most REFRESH_HZ times a second,
and pyqtgraph's peak downsampling with clip-to-view keeps it fast after 100,000 steps. The axes are cached as
pixmaps and the view range changes only when the data leaves it (redrawing axis text is most of a repaint), so a
repaint costs a few milliseconds. It only draws.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.widgets.plain_axis import PlainAxis
from core.training.trainer import EpochProgress, History, StepProgress

EMA_ALPHA = 0.1           # moving-average weight of the newest step (about the last 10 steps: little lag)
# Redraws a second while steps stream in. Each costs the GUI thread a few ms, which the training threads lose too
# (they wait for each other): 2 instead of 4 took the GUI thread from 7.0% to 6.0% of a core while training.
REFRESH_HZ = 2
Y_MARGIN = 0.05          # of the data's span, above and below
X_MARGIN = 0.01          # of the steps shown, after the last
Y_SLACK = 1.4            # the y range shrinks once it is this many times the data's span
BODY_HEADROOM = 0.5      # room above the curve's body for its first steps, as a share of the body's span
MARKER_SIZE = 7          # pixels
MARKER_GAP = 14          # pixels at least between two test-loss markers
EMPTY_NOTE = "The loss of every step appears here as the model trains."
COLORS = {"loss": "#3f90da", "rec": "#2ca58d", "kl": "#e76300", "test": "#d6336c"}


def _html_width(html: str, font: QFont) -> int:
    """The width in pixels of rich text in one line, as a QLabel with this font draws it."""
    document = QTextDocument()
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setHtml(html)
    return math.ceil(document.idealWidth())


class GrowingArray:
    """A float64 array that grows by doubling, so appending n values costs O(n) overall."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity)
        self.size = 0

    def extend(self, values: Sequence[float] | np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        needed = self.size + len(values)
        if needed > len(self._data):
            grown = np.empty(max(needed, 2 * len(self._data)))
            grown[:self.size] = self._data[:self.size]
            self._data = grown
        self._data[self.size:needed] = values
        self.size = needed

    def view(self) -> np.ndarray:
        """The values so far (a view: it stays valid, later appends do not change it)."""
        return self._data[:self.size]

    def clear(self) -> None:
        self.size = 0


class MovingAverage:
    """Exponential moving average with bias correction (it starts at the first value, not at zero)."""

    def __init__(self, alpha: float = EMA_ALPHA) -> None:
        self.alpha = alpha
        self._biased = 0.0
        self._weight = 0.0

    def update(self, values: Sequence[float]) -> list[float]:
        out = []
        keep = 1.0 - self.alpha
        for value in values:
            self._biased = keep * self._biased + self.alpha * value
            self._weight = keep * self._weight + self.alpha
            out.append(self._biased / self._weight)
        return out


class StepAxis(PlainAxis):
    """An axis of whole steps: no tick falls between two steps, however far the user zooms in."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        return levels or [(1.0, 0.0)]


class LossPlot(QWidget):
    """Shows ``history`` (a core History) and the steps appended to it while training runs.

    model_kind "ae" hides the KL curve (the autoencoder's loss is its reconstruction).
    """

    log_scale_toggled = Signal(bool)

    def __init__(self, history: History, model_kind: str = "vae", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._steps = GrowingArray()
        self._raw = {name: GrowingArray() for name in ("loss", "rec", "kl")}
        self._smooth = {name: GrowingArray() for name in ("loss", "rec", "kl")}
        self._averages = {name: MovingAverage() for name in ("loss", "rec", "kl")}
        self._epochs: list[EpochProgress] = []
        self._model_kind = model_kind
        self._stale = False
        self._expected_steps = 0      # the x axis reaches at least this far (the end of the current run)
        self._follow = True           # the view follows the data until the user pans or zooms

        self.title = QLabel()
        self.title.setObjectName("panelTitle")
        self._units = ""
        self.set_reconstruction("bernoulli")
        self.readout = QLabel()     # the legend, or the values under the mouse pointer while hovering
        self.readout.setToolTip("Hover over the plot to read the values at a step.")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # may be cut short
        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Show the loss axis on a logarithmic scale, to see small late improvements.")
        self.log_check.toggled.connect(self._on_log_check_toggled)
        header = self._header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.title)
        header.addSpacing(16)
        header.addWidget(self.readout, 1)
        header.addWidget(self.log_check)

        self.plot_widget = pg.PlotWidget(axisItems={"bottom": StepAxis("bottom"), "left": PlainAxis("left")})
        self.plot_item = self.plot_widget.getPlotItem()
        self.plot_item.setLabel("bottom", "step")
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        # PlotItem hands these to every curve it holds: at most ~2 points per pixel column, only the visible range.
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)
        self.view_box = self.plot_item.getViewBox()
        self.view_box.setMouseEnabled(x=True, y=False)
        self.view_box.disableAutoRange()          # _update_range follows the data, with hysteresis
        self.view_box.sigRangeChangedManually.connect(self._on_view_box_range_changed_manually)
        self.view_box.sigXRangeChanged.connect(self._update_markers)
        self.view_box.sigResized.connect(self._on_view_box_resized)
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.curves = {
            "raw": self._curve(COLORS["loss"], 1.0, alpha=70, smooth=False),
            "loss": self._curve(COLORS["loss"], 2.2),
            "rec": self._curve(COLORS["rec"], 1.6),
            "kl": self._curve(COLORS["kl"], 1.6),
        }
        self.curves["loss"].setZValue(2)      # the moving average on top of its parts
        # The test loss of every epoch as a thin dashed line, with a marker on the epochs that leave MARKER_GAP pixels
        # between markers (after 50 epochs, one on every epoch would merge into a band over the training curve).
        self.test_curve = pg.PlotDataItem(
            pen=pg.mkPen(COLORS["test"], width=self.devicePixelRatioF(), style=Qt.PenStyle.DashLine))
        self.test_markers = pg.PlotDataItem(pen=None, symbol="o", symbolSize=MARKER_SIZE, symbolBrush=COLORS["test"],
                                            symbolPen=pg.mkPen(COLORS["test"]))
        for z, item in enumerate((self.test_curve, self.test_markers), start=3):
            item.setZValue(z)
            self.plot_item.addItem(item)
        self._marker_every = 0           # the markers shown are on every this-many-th epoch (and the last)
        self.empty_note = pg.TextItem(anchor=(0.5, 0.5))
        self.empty_note.setHtml(f"<div align='center'>{EMPTY_NOTE}</div>")
        self.plot_item.addItem(self.empty_note, ignoreBounds=True)
        self._empty: bool | None = None        # whether the plot was empty at the last refresh
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((128, 128, 128, 140), width=1))
        self.cursor_line.setVisible(False)
        self.plot_item.addItem(self.cursor_line, ignoreBounds=True)
        self._mouse_proxy = pg.SignalProxy(self.plot_widget.scene().sigMouseMoved, rateLimit=30,
                                           slot=self._on_scene_mouse_moved)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        self._pointer_outside = False
        self.plot_widget.viewport().installEventFilter(self)
        self.plot_widget.setToolTip("Wheel or drag to zoom and pan the steps; double-click to see all of them.")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.plot_widget, 1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(1000 // REFRESH_HZ)
        self._refresh_timer.timeout.connect(self._refresh)
        self._apply_theme()
        self.set_history(history, model_kind)

    # ---- public API -------------------------------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        return self._steps.size

    @property
    def log_scale(self) -> bool:
        return self.log_check.isChecked()

    def set_log_scale(self, on: bool) -> None:
        self.log_check.setChecked(on)

    def set_reconstruction(self, reconstruction: str) -> None:
        """Name the loss's units after the reconstruction loss ("bernoulli" or "sse", as in ModelConfig): a
        cross-entropy is in nats, half a sum of squared errors is in no unit."""
        if reconstruction == "bernoulli":
            units, what = "nats per image", "The cross-entropy of each image's pixels, in nats"
        else:
            units, what = "per image", "Half the sum of each image's squared pixel errors"
        tip = f"{what}; a VAE adds beta times its KL."
        self._units = units
        self.title.setText(self._title_text(True))
        self.title.setToolTip(tip)
        if hasattr(self, "readout"):
            self._show_legend()

    def _title_text(self, with_units: bool) -> str:
        units = f" <span style='font-weight:normal'>({self._units})</span>" if with_units else ""
        return f"Loss{units}"

    def set_history(self, history: History, model_kind: str | None = None) -> None:
        """Show a whole history again (after a reset or opening a checkpoint); drawn at once."""
        if model_kind is not None:
            self._model_kind = model_kind
        self._steps.clear()
        for name in self._raw:
            self._raw[name].clear()
            self._smooth[name].clear()
            self._averages[name] = MovingAverage()
        self._epochs = []
        self._append(history.loss, history.rec, history.kl)
        self._epochs = list(history.epochs)
        self.test_curve.setData([], [])          # drawn again by _refresh, whatever the number of epochs
        self._update_curve_visibility()
        self._show_legend()
        self._expected_steps = 0
        self._follow = True
        if not history.steps:       # frame the empty note again, wherever the last steps had taken the view
            self.view_box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._refresh()

    def append_steps(self, records: Sequence[StepProgress]) -> None:
        """Add steps as they arrive from the worker; drawn within 1 / REFRESH_HZ seconds."""
        if records:
            self._append([r.loss for r in records], [r.rec for r in records], [r.kl for r in records])
            self._schedule_refresh()

    def add_epoch(self, record: EpochProgress) -> None:
        """Add the test loss of a finished epoch as a marker at its last step."""
        self._epochs.append(record)
        self._schedule_refresh()

    def set_expected_steps(self, steps: int) -> None:
        """Let the step axis reach ``steps`` (the end of the run now starting), so it need not grow as it runs."""
        self._expected_steps = steps
        self._schedule_refresh()

    def follow(self) -> None:
        """Show all steps and follow new ones again (after the user zoomed or panned)."""
        self._follow = True
        self._update_range(force=True)

    def series(self, name: str) -> np.ndarray:
        """The plotted values of "loss", "rec", "kl" (raw per step) or "loss_ema"; for tests and export."""
        if name.endswith("_ema"):
            return self._smooth[name[:-4]].view()
        return self._raw[name].view()

    # ---- drawing ----------------------------------------------------------------------------------------------
    def _curve(self, color: str, width: float, alpha: int = 255, smooth: bool = True) -> pg.PlotDataItem:
        """A curve drawn from at most a few points per pixel column of the visible range.

        The noisy raw loss keeps each column's minimum and maximum ("peak") and is drawn without antialiasing.
        The smooth averages need only one point per four columns: wide antialiased pens cost time per point
        (a full repaint at 720 steps, 580x190 pixels: 3.3 ms with one point per two columns, 2.2 ms per four),
        and the curves look the same.
        """
        pen_color = QColor(color)
        pen_color.setAlpha(alpha)
        # pyqtgraph's pens are cosmetic (widths in device pixels): scale them for high-DPI screens.
        curve = pg.PlotDataItem(pen=pg.mkPen(pen_color, width=width * self.devicePixelRatioF()), antialias=smooth,
                                autoDownsampleFactor=0.25 if smooth else 2.0)
        self.plot_item.addItem(curve)       # applies the PlotItem's downsampling mode: set ours after it
        curve.setDownsampling(auto=True, method="subsample" if smooth else "peak")
        curve.setClipToView(True)
        return curve

    def _append(self, loss: Sequence[float], rec: Sequence[float], kl: Sequence[float]) -> None:
        start = self._steps.size
        self._steps.extend(np.arange(start + 1, start + len(loss) + 1))
        for name, values in (("loss", loss), ("rec", rec), ("kl", kl)):
            self._raw[name].extend(values)
            self._smooth[name].extend(self._averages[name].update(values))

    def flush(self) -> None:
        """Draw what has arrived now, not at the next timed redraw (when a run ends or pauses)."""
        if self._stale:
            self._refresh_timer.stop()
            self._refresh()

    def _schedule_refresh(self) -> None:
        self._stale = True
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @Slot()
    def _refresh(self) -> None:
        self._stale = False
        x = self._steps.view()
        if (x.size == 0) != self._empty:
            self._empty = x.size == 0
            self.empty_note.setVisible(self._empty)
            for axis in ("left", "bottom"):
                self.plot_item.getAxis(axis).setStyle(showValues=not self._empty)   # no scale before the first loss
        # Every loss in a history is finite (a diverging step is never recorded): skip pyqtgraph's check.
        self.curves["raw"].setData(x, self._raw["loss"].view(), skipFiniteCheck=True)
        self.curves["loss"].setData(x, self._smooth["loss"].view(), skipFiniteCheck=True)
        vae = self._model_kind == "vae"
        for name in ("rec", "kl"):
            if vae:
                self.curves[name].setData(x, self._smooth[name].view(), skipFiniteCheck=True)
            else:
                self.curves[name].setData([], [])
        if len(self._epochs) != len(self.test_curve.xData if self.test_curve.xData is not None else ()):
            self.test_curve.setData([e.step for e in self._epochs], [e.test_loss for e in self._epochs])
            self._marker_every = 0
        self._update_range()
        self._update_markers()

    def _update_markers(self, *args) -> None:
        """Mark every k-th epoch's test loss and the last one, k the smallest of 1, 2, 5, 10, 20, 50, ... that leaves
        MARKER_GAP pixels between markers at the view's scale (counted from the first epoch, so that the marked
        epochs stay the same as more arrive)."""
        count = len(self._epochs)
        (x0, x1), _ = self.view_box.viewRange()
        pixels_per_epoch = (self.view_box.width() / max(x1 - x0, 1e-9)) * self._epochs[-1].step / count if count else 0
        every = 1
        while every * pixels_per_epoch < MARKER_GAP and every < count:
            every = every * 5 // 2 if str(every).startswith("2") else every * 2     # 1, 2, 5, 10, 20, 50, ...
        if count and every == self._marker_every:
            return
        self._marker_every = every
        marked = [e for i, e in enumerate(self._epochs, start=1) if i % every == 0 or i == count]
        self.test_markers.setData([e.step for e in marked], [e.test_loss for e in marked])

    def _on_view_box_resized(self, *args) -> None:
        self._update_markers()
        # The note wraps to the view's width, and sits in its middle.
        width = self.view_box.width()
        self.empty_note.setTextWidth(-1)
        natural = self.empty_note.textItem.boundingRect().width()
        self.empty_note.setTextWidth(max(60.0, min(natural, width - 24)) if width > 0 else -1)

    def _update_range(self, force: bool = False) -> None:
        """Frame the steps and the losses, changing the view only when the data leaves it or fills too little."""
        n = self._steps.size
        if n == 0:       # an empty plot (a new model): a plain frame with the note in its middle
            x_end = max(self._expected_steps, 1)
            self.empty_note.setPos(x_end / 2, 0.5)
            self.view_box.setRange(xRange=(0, x_end), yRange=(0, 1), padding=0)
            return
        if not self._follow:
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        last = max(n, self._expected_steps, 2)
        x_end = last + max(0.5, X_MARGIN * last)       # the last step's test marker whole, its tick labelled
        # The first steps' losses are far above the rest (three times as high, say): a view of all of them would
        # squash the body of the curve, the steps after them, into its bottom third. So the top leaves the body
        # (the steps after the first 2 to 10%) at least 1 / (1 + BODY_HEADROOM) of the height, and shows the start
        # falling through the room above it: cut where it starts higher still. The log scale shows everything.
        skip = 0 if self.log_scale else min(n // 10, max(20, n // 50))
        curves = [self._raw["loss"].view(), self._smooth["loss"].view()]
        if self._model_kind == "vae":
            curves += [self._smooth["rec"].view(), self._smooth["kl"].view()]
        tests = [np.array([e.test_loss for e in self._epochs])] if self._epochs else []
        low = min(float(np.min(v)) for v in curves + tests)
        body_high = max(float(np.max(v)) for v in [self._raw["loss"].view()[skip:]] + tests)
        everything = max(float(np.max(v)) for v in [self._raw["loss"].view()] + tests)
        high = min(everything, body_high + BODY_HEADROOM * (body_high - low))
        if self.log_scale:
            positive = [v[v > 0] for v in curves + tests]
            low = np.log10(min(float(p.min()) for p in positive if p.size)) if any(p.size for p in positive) else 0
            high = np.log10(max(high, 1e-12))
        span = max(high - low, 1e-9 if not self.log_scale else 0.1)
        low, high = low - Y_MARGIN * span, high + Y_MARGIN * span
        y_stale = low < y0 or high > y1 or (y1 - y0) > Y_SLACK * (high - low)
        if force or y_stale or x1 != x_end or x0 != 0:
            self.view_box.setRange(xRange=(0, x_end), yRange=(low, high) if (force or y_stale) else (y0, y1),
                                   padding=0)

    def _update_curve_visibility(self) -> None:
        for curve in ("rec", "kl"):
            self.curves[curve].setVisible(self._model_kind == "vae")

    def _legend_text(self, short: bool, vae: bool) -> str:
        entries = [("loss", "━", "loss")]
        if vae:
            entries += [("rec", "━", "rec" if short else "reconstruction"), ("kl", "━", "KL")]
        entries.append(("test", "●", "test" if short else "test loss" + (" (β = 1)" if vae else "")))
        return "&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:{COLORS[key]}'>{glyph}</span>&nbsp;{text}" for key, glyph, text in entries)

    def _header_width(self, title: str, legend: str) -> int:
        """The header's width with this title and legend: margins, spacing and the Log scale box included."""
        margins = self._header.contentsMargins()
        fixed = margins.left() + margins.right() + 16 + 3 * max(0, self._header.spacing())
        return (fixed + _html_width(title, self.title.font()) + _html_width(legend, self.readout.font())
                + self.log_check.sizeHint().width())

    def _show_legend(self) -> None:
        """The header names each curve in its colour (the hover readout replaces it, and the title, while hovering):
        in short words when the full ones do not fit, then without the title's units. The plot is never narrower
        than the shortest header, so the legend is never cut and never runs under the Log scale box."""
        vae = self._model_kind == "vae"
        levels = [(self._title_text(True), self._legend_text(False, vae)),
                  (self._title_text(True), self._legend_text(True, vae)),
                  (self._title_text(False), self._legend_text(True, vae))]
        title, legend = next(((title, legend) for title, legend in levels
                              if self._header_width(title, legend) <= self.width()), levels[-1])
        self.setMinimumWidth(self._header_width(self._title_text(False), self._legend_text(True, True)))
        self.title.setText(title)
        self.title.setVisible(True)
        self.readout.setText(legend)

    def _apply_theme(self) -> None:
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(background)
        axis_color = QColor(text)
        axis_color.setAlpha(150)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(axis_color))
            axis.setTextPen(pg.mkPen(text))
        self.plot_item.setLabel("bottom", "step", color=text.name())
        self.empty_note.setColor(palette.color(QPalette.ColorRole.PlaceholderText))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_theme()
        super().changeEvent(event)

    # ---- hover readout ---------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.cursor_line.isVisible():
            self._show_legend()      # the new width may need a shorter legend, or have room for a longer one

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The pointer may leave the plot's viewport without a move inside that says so."""
        if event.type() in (QEvent.Type.Enter, QEvent.Type.Leave):
            self._pointer_outside = event.type() == QEvent.Type.Leave
            self._hide_readout()
        return False

    def _hide_readout(self) -> None:
        if self.cursor_line.isVisible():
            self.cursor_line.setVisible(False)
            self._show_legend()

    def _on_scene_mouse_moved(self, args: tuple[QPointF]) -> None:
        position = args[0]
        view_box = self.plot_item.getViewBox()
        n = self._steps.size
        # A move reported late by the rate-limiting proxy may come after the pointer has left.
        if n == 0 or self._pointer_outside or not view_box.sceneBoundingRect().contains(position):
            self._hide_readout()
            return
        step = int(round(view_box.mapSceneToView(position).x()))
        step = min(max(step, 1), n)
        self.cursor_line.setPos(step)
        self.cursor_line.setVisible(True)
        self.title.setVisible(False)         # the readout takes the title's room too
        self.readout.setText(self.readout_text(step))

    def readout_text(self, step: int) -> str:
        """The readout for a 1-based step: raw and averaged loss, the parts, and the test loss near it."""
        i = step - 1

        def colored(key: str, text: str) -> str:
            return f"<span style='color:{COLORS[key]}'>{text}</span>"

        # Four significant digits (184.7, 4.881, 0.05234): the whole readout fits the header of a 1280-pixel window.
        parts = [f"step {step:,}", colored("loss", f"loss {self._raw['loss'].view()[i]:.4g}") +
                 f" (avg {self._smooth['loss'].view()[i]:.4g})"]
        if self._model_kind == "vae":
            parts += [colored("rec", f"rec {self._smooth['rec'].view()[i]:.4g}"),
                      colored("kl", f"KL {self._smooth['kl'].view()[i]:.4g}")]
        if self._epochs:
            nearest = min(self._epochs, key=lambda e: abs(e.step - step))
            span = max(1, self._steps.size // 100)
            if abs(nearest.step - step) <= span:
                parts.append(colored("test", f"test {nearest.test_loss:.4g}"))
        return "&nbsp;&nbsp;".join(parts)

    def _on_log_check_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self._update_range(force=True)
        self.log_scale_toggled.emit(on)

    def _on_view_box_range_changed_manually(self, *args) -> None:
        self._follow = False

    def _on_scene_mouse_clicked(self, event) -> None:
        if event.double():
            self.follow()
