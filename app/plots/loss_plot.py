"""The loss plot: per-step training loss (raw, faint) under its moving average, the reconstruction and KL parts,
and the test loss after each epoch as markers, with a log-scale toggle and a hover readout. A second run may share
it for comparison: then each run has its colour, and its loss and reconstruction are told apart by line style.

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
from PySide6.QtCore import QEvent, QObject, QPointF, QTimer, Signal, Slot
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

from app.plots.loss_series import RunSeries
from app.plots.run_curves import RUN_COLORS, TERM_COLORS, RunCurves
from app.widgets.plain_axis import PlainAxis
from core.training.trainer import EpochProgress, History, StepProgress

# Redraws a second while steps stream in. Each costs the GUI thread a few ms, which the training threads lose too
# (they wait for each other): 2 instead of 4 took the GUI thread from 7.0% to 6.0% of a core while training.
REFRESH_HZ = 2
Y_MARGIN = 0.05          # of the data's span, above and below
X_MARGIN = 0.01          # of the steps shown, after the last
Y_SLACK = 1.4            # the y range shrinks once it is this many times the data's span
BODY_HEADROOM = 0.5      # room above the curve's body for its first steps, as a share of the body's span
EMPTY_NOTE = "The loss of every step appears here as the model trains."


def _html_width(html: str, font: QFont) -> int:
    """The width in pixels of rich text in one line, as a QLabel with this font draws it."""
    document = QTextDocument()
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    document.setHtml(html)
    return math.ceil(document.idealWidth())


def _colored(color: str, text: str) -> str:
    return f"<span style='color:{color}'>{text}</span>"


class StepAxis(PlainAxis):
    """An axis of whole steps: no tick falls between two steps, however far the user zooms in."""

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]
        return levels or [(1.0, 0.0)]


class LossPlot(QWidget):
    """Shows ``history`` (a core History) and the steps appended to it while training runs; `set_comparison` adds
    a second run's history beside it.

    model_kind "ae" hides the KL curve (the autoencoder's loss is its reconstruction).
    """

    log_scale_toggled = Signal(bool)

    def __init__(self, history: History, model_kind: str = "vae", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs = (RunSeries(), RunSeries())      # the history shown, and the comparison's
        self._kinds = [model_kind, "vae"]
        self._names = ("", "")                       # the runs' names while comparing
        self._comparing = False
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
        self._curves = (RunCurves(self.plot_item, self.devicePixelRatioF()),
                        RunCurves(self.plot_item, self.devicePixelRatioF()))
        # The shown history's items by their names of before comparisons, and the compared run's (for tests).
        self.curves = self._curves[0].curves
        self.test_curve, self.test_markers = self._curves[0].test_curve, self._curves[0].test_markers
        self.comparison_curves = self._curves[1]
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
        return self._runs[0].size

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
        """Show a whole history again (after a reset or opening a checkpoint); drawn at once. A comparison stays."""
        if model_kind is not None:
            self._kinds[0] = model_kind
        self._runs[0].set_history(history)
        self._curves[0].reset()
        self._restyle()
        self._expected_steps = 0
        self._reframe()

    def set_comparison(self, history: History | None, model_kind: str = "vae",
                       names: tuple[str, str] = ("A", "B")) -> None:
        """Show ``history`` beside the shown one, for comparison, or no comparison for None; drawn at once.

        model_kind: the compared run's "ae" or "vae". names: what the legend and the readout call the shown
        run and the compared one, e.g. ("AE", "VAE") or ("beta 0.1", "beta 4").
        """
        self._comparing = history is not None
        self._runs[1].set_history(history or History())      # None frees the comparison's arrays too
        self._curves[1].reset()
        self._curves[1].set_visible(self._comparing)
        self._kinds[1] = model_kind
        self._names = names
        self._restyle()
        self._reframe()

    def append_steps(self, records: Sequence[StepProgress]) -> None:
        """Add steps as they arrive from the worker; drawn within 1 / REFRESH_HZ seconds."""
        if records:
            self._runs[0].append_steps(records)
            self._schedule_refresh()

    def append_comparison_steps(self, records: Sequence[StepProgress]) -> None:
        """Add steps to the compared run, as `append_steps`. Dropped without a comparison: steps of a compared
        run that was just removed may still be on their way from its worker."""
        if records and self._comparing:
            self._runs[1].append_steps(records)
            self._schedule_refresh()

    def add_epoch(self, record: EpochProgress) -> None:
        """Add the test loss of a finished epoch as a marker at its last step."""
        self._runs[0].epochs.append(record)
        self._schedule_refresh()

    def add_comparison_epoch(self, record: EpochProgress) -> None:
        """Add an epoch to the compared run, as `add_epoch` (dropped without a comparison)."""
        if self._comparing:
            self._runs[1].epochs.append(record)
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
        """The plotted values of "loss", "rec", "kl" (raw per step) or "loss_ema", "rec_ema", "kl_ema" (averaged);
        for tests and export."""
        return self._runs[0].series(name)

    def comparison_series(self, name: str) -> np.ndarray:
        """The compared run's values, named as in `series` (empty without a comparison)."""
        return self._runs[1].series(name)

    # ---- drawing ----------------------------------------------------------------------------------------------
    def _drawn(self) -> list[tuple[RunSeries, RunCurves]]:
        """The runs on the plot: the shown history, and the compared one while comparing."""
        return list(zip(self._runs, self._curves))[:2 if self._comparing else 1]

    def _restyle(self) -> None:
        """Style the shown run alone, or both runs in their colours; the legend follows."""
        self._curves[0].set_style(RUN_COLORS[0] if self._comparing else None, vae=self._kinds[0] == "vae")
        self._curves[1].set_style(RUN_COLORS[1], vae=self._kinds[1] == "vae")
        self._curves[1].set_visible(self._comparing)
        self._show_legend()

    def _reframe(self) -> None:
        """Draw new histories at once, and frame them anew."""
        self._follow = True
        if not any(series.size for series, _ in self._drawn()):
            # Frame the empty note again, wherever the last steps had taken the view.
            self.view_box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self._refresh()

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
        empty = not any(series.size for series, _ in self._drawn())
        if empty != self._empty:
            self._empty = empty
            self.empty_note.setVisible(empty)
            for axis in ("left", "bottom"):
                self.plot_item.getAxis(axis).setStyle(showValues=not empty)   # no scale before the first loss
        for series, curves in self._drawn():
            curves.draw(series)
        self._update_range()
        self._update_markers()

    def _update_markers(self, *args) -> None:
        for series, curves in self._drawn():
            curves.update_markers(series, self.view_box)

    def _on_view_box_resized(self, *args) -> None:
        self._update_markers()
        # The note wraps to the view's width, and sits in its middle.
        width = self.view_box.width()
        self.empty_note.setTextWidth(-1)
        natural = self.empty_note.textItem.boundingRect().width()
        self.empty_note.setTextWidth(max(60.0, min(natural, width - 24)) if width > 0 else -1)

    def _update_range(self, force: bool = False) -> None:
        """Frame the steps and the losses, changing the view only when the data leaves it or fills too little."""
        drawn = [(series, curves) for series, curves in self._drawn() if series.size]
        if not drawn:       # an empty plot (a new model): a plain frame with the note in its middle
            x_end = max(self._expected_steps, 1)
            self.empty_note.setPos(x_end / 2, 0.5)
            self.view_box.setRange(xRange=(0, x_end), yRange=(0, 1), padding=0)
            return
        if not self._follow:
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        last = max(max(series.size for series, _ in drawn), self._expected_steps, 2)
        x_end = last + max(0.5, X_MARGIN * last)       # the last step's test marker whole, its tick labelled
        # The first steps' losses are far above the rest (three times as high, say): a view of all of them would
        # squash the body of the curve, the steps after them, into its bottom third. So the top leaves the body
        # (the steps after the first 2 to 10%) at least 1 / (1 + BODY_HEADROOM) of the height, and shows the start
        # falling through the room above it: cut where it starts higher still. The log scale shows everything.
        values = [v for series, curves in drawn for v in curves.values(series)]
        tests = [series.test_losses() for series, _ in drawn if series.epochs]
        tops = [curves.top(series) for series, curves in drawn]
        skips = [0 if self.log_scale else min(len(top) // 10, max(20, len(top) // 50)) for top in tops]
        low = min(float(np.min(v)) for v in values)
        body_high = max(float(np.max(v)) for v in [top[skip:] for top, skip in zip(tops, skips)] + tests)
        everything = max(float(np.max(v)) for v in tops + tests)
        high = min(everything, body_high + BODY_HEADROOM * (body_high - low))
        if self.log_scale:
            positive = [v[v > 0] for v in values]
            low = np.log10(min(float(p.min()) for p in positive if p.size)) if any(p.size for p in positive) else 0
            high = np.log10(max(high, 1e-12))
        span = max(high - low, 1e-9 if not self.log_scale else 0.1)
        low, high = low - Y_MARGIN * span, high + Y_MARGIN * span
        y_stale = low < y0 or high > y1 or (y1 - y0) > Y_SLACK * (high - low)
        if force or y_stale or x1 != x_end or x0 != 0:
            self.view_box.setRange(xRange=(0, x_end), yRange=(low, high) if (force or y_stale) else (y0, y1),
                                   padding=0)

    # ---- header: the legend, or the readout while hovering ----------------------------------------------------
    def _legend_text(self, short: bool, kinds: Sequence[str]) -> str:
        """Each curve's glyph in its colour and its name, for a run of ``kinds[0]`` alone or compared runs."""
        vae = "vae" in kinds
        test = "test" if short else "test loss" + (" (β = 1)" if vae else "")
        if len(kinds) == 1:
            entries = [(TERM_COLORS["loss"], "━", "loss")]
            if vae:
                entries += [(TERM_COLORS["rec"], "━", "rec" if short else "reconstruction"),
                            (TERM_COLORS["kl"], "━", "KL")]
            entries.append((TERM_COLORS["test"], "●", test))
        else:           # a colour per run; the line styles, in the text's colour, tell the terms apart
            entries = [(color, "━", name) for color, name in zip(RUN_COLORS, self._names)]
            if vae:
                entries.append((None, "╍", "rec" if short else "reconstruction"))
            entries.append((None, "●", test))
        return "&nbsp;&nbsp;&nbsp;".join(
            (_colored(color, glyph) if color else glyph) + f"&nbsp;{text}" for color, glyph, text in entries)

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
        kinds = self._kinds if self._comparing else self._kinds[:1]
        levels = [(self._title_text(True), self._legend_text(False, kinds)),
                  (self._title_text(True), self._legend_text(True, kinds)),
                  (self._title_text(False), self._legend_text(True, kinds))]
        title, legend = next(((title, legend) for title, legend in levels
                              if self._header_width(title, legend) <= self.width()), levels[-1])
        # The same minimum for an autoencoder as for a VAE, so that a new model does not change the layout.
        widest = self._legend_text(True, [*kinds[:-1], "vae"])
        self.setMinimumWidth(self._header_width(self._title_text(False), widest))
        self.title.setText(title)
        self.title.setVisible(True)
        self.readout.setText(legend)

    def readout_text(self, step: int, short: bool = False) -> str:
        """The readout for a 1-based step: alone, the raw and averaged loss, the parts and the test loss near it;
        compared, each run's averaged loss and reconstruction, and test loss near it, after its name. ``short``
        leaves out the average alone, and the reconstruction and test losses compared."""
        parts = [f"step {step:,}"]
        i = step - 1
        # Four significant digits (184.7, 4.881, 0.05234): the whole readout fits the header of a 1280-pixel window.
        if not self._comparing:
            series, vae = self._runs[0], self._kinds[0] == "vae"
            average = "" if short else f" (avg {series.smooth['loss'].view()[i]:.4g})"
            parts.append(_colored(TERM_COLORS["loss"], f"loss {series.raw['loss'].view()[i]:.4g}") + average)
            if vae:
                parts += [_colored(TERM_COLORS["rec"], f"rec {series.smooth['rec'].view()[i]:.4g}"),
                          _colored(TERM_COLORS["kl"], f"KL {series.smooth['kl'].view()[i]:.4g}")]
            test = series.test_loss_near(step)
            if test is not None:
                parts.append(_colored(TERM_COLORS["test"], f"test {test:.4g}"))
            return "&nbsp;&nbsp;".join(parts)
        for series, kind, name, color in zip(self._runs, self._kinds, self._names, RUN_COLORS):
            if step > series.size:      # a run that has not got this far
                continue
            text = f"{name} {series.smooth['loss'].view()[i]:.4g}"
            if kind == "vae" and not short:
                text += f" (rec {series.smooth['rec'].view()[i]:.4g})"
            test = series.test_loss_near(step)
            if test is not None and not short:
                text += f", test {test:.4g}"
            parts.append(_colored(color, text))
        return "&nbsp;&nbsp;&nbsp;".join(parts)

    def _apply_theme(self) -> None:
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(background)
        for curves in self._curves:
            curves.set_background(background)
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
        n = max(series.size for series, _ in self._drawn())
        # A move reported late by the rate-limiting proxy may come after the pointer has left.
        if n == 0 or self._pointer_outside or not view_box.sceneBoundingRect().contains(position):
            self._hide_readout()
            return
        step = int(round(view_box.mapSceneToView(position).x()))
        step = min(max(step, 1), n)
        self.cursor_line.setPos(step)
        self.cursor_line.setVisible(True)
        self.title.setVisible(False)         # the readout takes the title's room too
        text = self.readout_text(step)
        if self._header_width("", text) > self.width():      # rather fewer numbers than one cut in half
            text = self.readout_text(step, short=True)
        self.readout.setText(text)

    def _on_log_check_toggled(self, on: bool) -> None:
        self.plot_item.setLogMode(y=on)
        self._update_range(force=True)
        self.log_scale_toggled.emit(on)

    def _on_view_box_range_changed_manually(self, *args) -> None:
        self._follow = False

    def _on_scene_mouse_clicked(self, event) -> None:
        if event.double():
            self.follow()
