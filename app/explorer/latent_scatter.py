"""The latent plot: class-coloured codes on a plane, with probing (press and drag), hover and Ctrl+click.

Mouse: press or drag with the left button probes the plane point under the cursor (`point_probed`, plane
coordinates); Shift+drag or middle-drag pans, the wheel or right-drag zooms, Ctrl+click and a plain click report
the point under the cursor. Overlays (crosshair, prior contours, posterior ellipse, pins, drawn star, a path with
a marker, a highlight ring, manifold layer) are items created once and moved. This module works in plane
coordinates only: it knows nothing of latent vectors or decoders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGraphicsItem

from app.explorer.class_scatter_item import ClassScatterItem
from app.explorer.manifold_layer import ManifoldLayer
from app.widgets.palette import class_color, is_dark
from app.widgets.plain_axis import PlainAxis

HOVER_RADIUS_PX = 7.0
PATH_MARKER_COLOR = "#ffd400"
HIGHLIGHT_SIZE = 30   # px: well outside a dot (about 7 px) and a pin's ring (13 px)
ARROW_MARGIN = 0.05     # of the view's width and height: where the arrow to an out-of-view point stands
FIT_MARGIN = 0.05
_CIRCLE = np.linspace(0.0, 2.0 * np.pi, 97)

# pyqtgraph's GraphicsScene drops mouse moves closer than 1 / mouseRateLimit seconds to the previous one. While
# the button is held those moves produce no drag event, so the last one before the cursor stops could be lost
# and the decoded image would lag behind the crosshair until release. 0 delivers every move (global option).
pg.setConfigOption("mouseRateLimit", 0)


class ProbeViewBox(pg.ViewBox):
    """A ViewBox where the left button probes instead of panning.

    The press itself probes (a raw press event, observed and ignored so that pyqtgraph still generates the
    click or drag that follows), so the image appears before the drag threshold is passed; then every drag
    move and the drag's finish (`ev.isFinish()`, at the release position) probes again. Whether a drag probes
    or pans is decided by the modifiers at the press. `dragging` is True while a probing drag is under way.
    """

    probed = Signal(float, float)  # view coordinates
    ctrl_clicked = Signal(float, float)  # view coordinates
    clicked = Signal(float, float)  # view coordinates of a plain left click (press and release, no drag)

    def __init__(self) -> None:
        super().__init__()
        self.probing_enabled = False
        self.dragging = False
        self._press_probes = False  # whether the last press was a probe: it decides what its drag does

    def _emit_probe(self, scene_pos: QPointF) -> None:
        point = self.mapSceneToView(scene_pos)
        self.probed.emit(point.x(), point.y())

    def mousePressEvent(self, ev) -> None:
        pan_or_pin = ev.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
        self._press_probes = self.probing_enabled and ev.button() == Qt.MouseButton.LeftButton and not pan_or_pin
        if self._press_probes:
            self._emit_probe(ev.scenePos())
        ev.ignore()  # not claiming the press keeps pyqtgraph's click/drag events coming

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.isStart():
            self.dragging = axis is None and ev.button() == Qt.MouseButton.LeftButton and self._press_probes
        if self.dragging:
            ev.accept()
            self._emit_probe(ev.scenePos())
            self.dragging = not ev.isFinish()
        else:
            super().mouseDragEvent(ev, axis)  # pan (left with Shift, middle) or zoom (right)

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            ev.accept()
            point = self.mapSceneToView(ev.scenePos())
            self.ctrl_clicked.emit(point.x(), point.y())
        else:
            if ev.button() == Qt.MouseButton.LeftButton and not ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                point = self.mapSceneToView(ev.scenePos())
                self.clicked.emit(point.x(), point.y())
            super().mouseClickEvent(ev)


class LatentScatter(pg.PlotWidget):
    """Plot of points in plane coordinates coloured by class, for `class_count` classes.

    Call `set_points` to stream new positions (the view range is kept; `fit` re-frames). `manifold` is the
    decoded-manifold layer under the points.
    """

    point_probed = Signal(float, float)  # plane coordinates under the cursor, on press and while dragging
    point_hovered = Signal(int, QPoint)  # index of the point under the cursor (-1: none), cursor in widget pixels
    point_ctrl_clicked = Signal(int)  # index of the point under the cursor, -1 if none
    point_clicked = Signal(int)  # index of the point under a plain click, -1 if none

    def __init__(self, class_count: int, parent=None) -> None:
        view_box = ProbeViewBox()
        super().__init__(parent, viewBox=view_box, axisItems={"left": PlainAxis("left"), "bottom": PlainAxis("bottom")})
        self.view_box = view_box
        self._axis_names: tuple | None = None
        self.plot_item = self.getPlotItem()
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.showGrid(x=False, y=False)
        for name in ("left", "bottom"):   # redraw the axes only when the view moves, not with every new snapshot
            self.plot_item.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.view_box.disableAutoRange()
        self.view_box.setAspectLocked(True)

        self.dots = ClassScatterItem([class_color(label) for label in range(class_count)])
        self.manifold = ManifoldLayer(self.view_box)
        self._prior = [pg.PlotCurveItem() for _ in range(2)]  # 1 and 2 sigma
        self._prior_lines = [pg.InfiniteLine(angle=90, movable=False) for _ in range(4)]  # latent size 1
        self._prior_center: np.ndarray | None = None
        self._prior_line = False
        self._posterior = [pg.PlotCurveItem() for _ in range(2)]
        self._pins = pg.ScatterPlotItem(size=13, brush=None, pxMode=True)
        self._star = pg.ScatterPlotItem(size=22, symbol="star", pxMode=True)
        # A compact target, not full-width lines: a drag then repaints a few pixels, not strips across the dots.
        self._crosshair = pg.TargetItem(size=22, movable=False)
        # Where the crosshair's point lies outside the view (a point linked from another run's plot, whose codes
        # spread wider), an arrow at the view's edge points to it.
        self._crosshair_arrow = pg.ArrowItem(headLen=16, tipAngle=45, tailLen=0, pen=None, pxMode=True)
        self._path = pg.PlotCurveItem()  # e.g. an interpolation being previewed
        self._path_ends = pg.ScatterPlotItem(size=9, pxMode=True)
        self._path_marker = pg.ScatterPlotItem(pos=np.zeros((1, 2)), size=15, pxMode=True)   # moved by setPos
        self._path_marker.setVisible(False)
        # Two rings, dark under light, like the star: one colour alone vanishes on dots or background of its shade.
        self._highlight = [pg.ScatterPlotItem(pos=np.zeros((1, 2)), size=HIGHLIGHT_SIZE, brush=None, pxMode=True)
                           for _ in range(2)]
        self._framed_with: LatentScatter | None = None
        self._add(self.manifold, -10)
        for item in self._prior + self._prior_lines:
            self._add(item, 3)
        self._add(self.dots, 0)
        for item in self._posterior:
            self._add(item, 4)
        self._add(self._pins, 5)
        self._add(self._star, 11)               # above the crosshair, which often marks the same point
        self._add(self._path, 7)
        self._add(self._path_ends, 7)
        self._add(self._path_marker, 8)
        self._add(self._crosshair, 10)
        self._add(self._crosshair_arrow, 10)
        for item in self._highlight:
            self._add(item, 9)
        self.set_prior(None)
        self.set_posterior(None, None)
        self.set_crosshair(None)
        self.set_star(None)
        self.set_pinned(np.zeros((0, 2)))
        self.set_path(None)
        self.set_highlight(None)
        self.apply_palette()

        self.view_box.sigRangeChanged.connect(self._update_crosshair_arrow)
        self.view_box.probed.connect(self.point_probed)
        self.view_box.ctrl_clicked.connect(self._on_view_box_ctrl_clicked)
        self.view_box.clicked.connect(self._on_view_box_clicked)
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

    def _add(self, item: pg.GraphicsObject, z: float) -> None:
        item.setZValue(z)
        # Overlays are decorations, and every click must reach the ViewBox: pyqtgraph skips disabled items
        # (a ScatterPlotItem would swallow a Ctrl+click on a pinned point), and Qt skips items accepting no
        # button for raw presses (a disabled item would swallow them). Disabled items still paint normally.
        item.setEnabled(False)
        item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.view_box.addItem(item, ignoreBounds=True)

    # -- data -------------------------------------------------------------------------------------------------

    def set_points(self, positions: np.ndarray, labels: np.ndarray) -> None:
        """Show points at positions (n, 2) float in plane coordinates, coloured by labels (n,) int."""
        self.dots.set_points(positions, labels)

    def set_class_visible(self, label: int, visible: bool) -> None:
        self.dots.set_class_visible(label, visible)

    def set_axis_names(self, x_name: str, y_name: str, y_ticks: Sequence[str] | None = None) -> None:
        """Label the axes; with y_ticks, the y axis shows those names at 0, 1, 2, ... instead of numbers."""
        names = (x_name, y_name, None if y_ticks is None else tuple(y_ticks))
        if names == self._axis_names:
            return  # relabelling costs half a millisecond, and set_data calls this every time
        self._axis_names = names
        self.plot_item.setLabel("bottom", x_name)
        self.plot_item.setLabel("left", y_name)
        ticks = None if y_ticks is None else [list(enumerate(y_ticks)), []]
        self.plot_item.getAxis("left").setTicks(ticks)

    def frame_with(self, other: LatentScatter | None) -> None:
        """Frame `other`'s points too (Fit, ``framed_bounds``), for a plot whose axes are linked to this one's;
        None: frame this plot's alone."""
        self._framed_with = other

    def fit(self) -> None:
        """Frame ``framed_bounds()`` with a small margin."""
        bounds = self.framed_bounds()
        if bounds is None:
            return
        span = max(bounds.width(), bounds.height())
        margin = FIT_MARGIN * span if span > 0 else 1.0  # a single point: show a unit around it
        self.view_box.setRange(bounds.adjusted(-margin, -margin, margin, margin), padding=0)

    def framed_bounds(self) -> QRectF | None:
        """What Fit frames: every point (hidden classes included) and, when shown, the prior's 2 sigma contour. So
        a VAE's codes are seen against the prior that pulls them, and while training spreads them out from the
        centre the view holds still (each reframing costs a repaint of the axes and a new manifold). With
        ``frame_with``, the other plot's too."""
        own = self._own_bounds()
        other = None if self._framed_with is None else self._framed_with._own_bounds()
        if other is None:
            return own
        return other if own is None else own.united(other)

    def _own_bounds(self) -> QRectF | None:
        bounds = self.dots.data_bounds()
        if self._prior_center is None or (bounds is None and self._prior_line):
            return bounds
        x, y = float(self._prior_center[0]), float(self._prior_center[1])
        # Latent size 1: the prior spans x only; y holds the class rows.
        prior = QRectF(x - 2.0, bounds.center().y(), 4.0, 0.0) if self._prior_line else QRectF(x - 2, y - 2, 4, 4)
        return prior if bounds is None else bounds.united(prior)

    # -- overlays ---------------------------------------------------------------------------------------------

    def set_crosshair(self, point: np.ndarray | None) -> None:
        """Mark plane point (2,) with the crosshair target, or hide it for None."""
        self._crosshair.setVisible(point is not None)
        if point is not None:
            self._crosshair.setPos(float(point[0]), float(point[1]))
        self._update_crosshair_arrow()

    def crosshair_arrow(self) -> np.ndarray | None:
        """Where the arrow to an out-of-view crosshair stands (plane point (2,)), or None when none is shown."""
        if not self._crosshair_arrow.isVisible():
            return None
        position = self._crosshair_arrow.pos()
        return np.array([position.x(), position.y()])

    def _update_crosshair_arrow(self, *args) -> None:
        """Show the arrow at the view's edge, pointing to the crosshair's point, while that point is out of view."""
        point = self.crosshair()
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        if point is None or (x0 <= point[0] <= x1 and y0 <= point[1] <= y1):
            self._crosshair_arrow.setVisible(False)
            return
        margin_x, margin_y = ARROW_MARGIN * (x1 - x0), ARROW_MARGIN * (y1 - y0)
        edge = np.array([np.clip(point[0], x0 + margin_x, x1 - margin_x),
                         np.clip(point[1], y0 + margin_y, y1 - margin_y)])
        # The direction on screen (y down); pyqtgraph's arrow points left at angle 0 and turns clockwise.
        dx = (point[0] - edge[0]) / (x1 - x0) * self.view_box.width()
        dy = -(point[1] - edge[1]) / (y1 - y0) * self.view_box.height()
        self._crosshair_arrow.setStyle(angle=float(np.degrees(np.arctan2(-dy, -dx))))
        self._crosshair_arrow.setPos(float(edge[0]), float(edge[1]))
        self._crosshair_arrow.setVisible(True)

    def crosshair(self) -> np.ndarray | None:
        """The plane point (2,) marked by the crosshair, or None."""
        if not self._crosshair.isVisible():
            return None
        position = self._crosshair.pos()
        return np.array([position.x(), position.y()])

    def set_star(self, point: np.ndarray | None) -> None:
        """Draw the star marker (the user's drawing) at plane point (2,), or hide it."""
        self._star.setData(pos=np.zeros((0, 2)) if point is None else np.asarray(point, dtype=float)[None])

    def star(self) -> np.ndarray | None:
        """The plane point (2,) marked by the star, or None."""
        x, y = self._star.getData()
        return None if len(x) == 0 else np.array([x[0], y[0]])

    def set_pinned(self, positions: np.ndarray) -> None:
        """Ring the pinned points at positions (m, 2)."""
        self._pins.setData(pos=np.asarray(positions, dtype=float).reshape(-1, 2))

    def set_path(self, positions: np.ndarray | None, marker: np.ndarray | None = None) -> None:
        """Draw a path through plane points positions (k, 2) with dots at its ends and a marker at plane point
        `marker` (2,) (or none); None removes all three."""
        if positions is None:
            positions = np.zeros((0, 2))
        positions = np.asarray(positions, dtype=float).reshape(-1, 2)
        self._path.setData(positions[:, 0], positions[:, 1])
        self._path_ends.setData(pos=positions[[0, -1]] if len(positions) else np.zeros((0, 2)))
        self.set_path_marker(marker if len(positions) else None)

    def set_path_marker(self, point: np.ndarray | None) -> None:
        """Move the path's marker to plane point (2,), or hide it. The marker is one spot at the item's origin that
        is moved, not set again: at a preview's 20 frames a second, setData's work (spots, bounds) cost more than
        the repaint."""
        self._path_marker.setVisible(point is not None)
        if point is not None:
            self._path_marker.setPos(float(point[0]), float(point[1]))

    def path(self) -> np.ndarray:
        """The drawn path's plane points (k, 2); (0, 2) when none."""
        x, y = self._path.getData()
        return np.zeros((0, 2)) if x is None else np.column_stack([x, y])

    def path_marker(self) -> np.ndarray | None:
        """The path marker's plane point (2,), or None."""
        position = self._path_marker.pos()
        return np.array([position.x(), position.y()]) if self._path_marker.isVisible() else None

    def set_highlight(self, point: np.ndarray | None) -> None:
        """Ring plane point (2,), e.g. the image hovered in a linked plot, or hide the ring for None. Moved, not
        set again (see set_path_marker): it follows the hover elsewhere at the mouse's rate."""
        for ring in self._highlight:
            ring.setVisible(point is not None)
            if point is not None:
                ring.setPos(float(point[0]), float(point[1]))

    def highlight(self) -> np.ndarray | None:
        """The plane point (2,) the highlight ring marks, or None."""
        position = self._highlight[0].pos()
        return np.array([position.x(), position.y()]) if self._highlight[0].isVisible() else None

    def set_prior(self, center: np.ndarray | None, line: bool = False) -> None:
        """Draw the prior's 1 and 2 sigma contours around plane point `center` (2,): circles of radius 1 and 2,
        or, with `line` (latent size 1), vertical lines at center_x -2, -1, +1, +2. None hides them."""
        self._prior_center, self._prior_line = center, line
        for radius, curve in zip((1.0, 2.0), self._prior):
            curve.setVisible(center is not None and not line)
            if center is not None and not line:
                curve.setData(center[0] + radius * np.cos(_CIRCLE), center[1] + radius * np.sin(_CIRCLE))
        for offset, prior_line in zip((-2.0, -1.0, 1.0, 2.0), self._prior_lines):
            prior_line.setVisible(center is not None and line)
            if center is not None and line:
                prior_line.setValue(float(center[0]) + offset)

    def set_posterior(self, center: np.ndarray | None, covariance: np.ndarray | None) -> None:
        """Draw the 1 and 2 sigma ellipses of a Gaussian with mean `center` (2,) and `covariance` (2, 2)
        on the plane; None hides them."""
        shown = center is not None and covariance is not None
        for curve in self._posterior:
            curve.setVisible(shown)
        if not shown:
            return
        values, vectors = np.linalg.eigh(covariance)
        axes = vectors * np.sqrt(np.clip(values, 0.0, None))  # columns: principal semi-axes at 1 sigma
        unit = np.stack([np.cos(_CIRCLE), np.sin(_CIRCLE)])  # (2, m)
        for radius, curve in zip((1.0, 2.0), self._posterior):
            ring = center[:, None] + radius * axes @ unit  # (2, m)
            curve.setData(ring[0], ring[1])

    # -- look -------------------------------------------------------------------------------------------------

    def apply_palette(self) -> None:
        """Take background, axis and overlay colours from the widget's palette (light or dark)."""
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        dark = is_dark(palette)
        self.setBackground(base)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(_faded(text, 0.45)))
            axis.setTextPen(pg.mkPen(_faded(text, 0.8)))
        self.manifold.set_colors(base, text)
        for curve in self._prior:
            curve.setPen(pg.mkPen(_faded(text, 0.55), width=1.5, style=Qt.PenStyle.DashLine))
        for line in self._prior_lines:
            line.setPen(pg.mkPen(_faded(text, 0.55), width=1.5, style=Qt.PenStyle.DashLine))
        accent = QColor("#ffffff" if dark else "#000000")
        self._crosshair.setPen(pg.mkPen(accent, width=2))
        self._crosshair_arrow.setStyle(brush=pg.mkBrush(accent))
        self._pins.setPen(pg.mkPen(accent, width=2))
        for radius, curve in zip((1.0, 2.0), self._posterior):
            style = Qt.PenStyle.SolidLine if radius == 1.0 else Qt.PenStyle.DashLine
            curve.setPen(pg.mkPen(accent, width=2, style=style))
        self._star.setPen(pg.mkPen("#000000", width=1.5))  # white with a black rim stands out on any dot
        self._star.setBrush(pg.mkBrush("#ffffff"))
        self._path.setPen(pg.mkPen(_faded(accent, 0.8), width=2.5))
        self._path_ends.setPen(pg.mkPen(accent, width=1.5))
        self._path_ends.setBrush(pg.mkBrush(_faded(accent, 0.85)))
        self._path_marker.setPen(pg.mkPen("#000000", width=2))  # like the star: seen on any dot, either theme
        self._path_marker.setBrush(pg.mkBrush(PATH_MARKER_COLOR))
        self._highlight[0].setPen(pg.mkPen("#000000", width=6))
        self._highlight[1].setPen(pg.mkPen(PATH_MARKER_COLOR, width=3))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        # GraphicsView.__init__ changes the palette itself, before the overlays exist.
        if event.type() == event.Type.PaletteChange and hasattr(self, "_star"):
            self.apply_palette()

    # -- mouse ------------------------------------------------------------------------------------------------

    def point_at(self, x: float, y: float) -> int:
        """Index of the visible point within a few pixels of plane point (x, y), or -1."""
        pixel = self.view_box.viewPixelSize()
        return self.dots.nearest(x, y, pixel, HOVER_RADIUS_PX)

    def _on_scene_mouse_moved(self, scene_pos: QPointF) -> None:
        index = -1
        if not self.view_box.dragging and self.view_box.sceneBoundingRect().contains(scene_pos):
            point = self.view_box.mapSceneToView(scene_pos)
            index = self.point_at(point.x(), point.y())
        self.point_hovered.emit(index, self.mapFromScene(scene_pos))

    def _on_view_box_ctrl_clicked(self, x: float, y: float) -> None:
        self.point_ctrl_clicked.emit(self.point_at(x, y))

    def _on_view_box_clicked(self, x: float, y: float) -> None:
        self.point_clicked.emit(self.point_at(x, y))

    def leaveEvent(self, event) -> None:
        self.point_hovered.emit(-1, QPoint())
        super().leaveEvent(event)


def _faded(color: QColor, alpha: float) -> QColor:
    faded = QColor(color)
    faded.setAlphaF(alpha)
    return faded
