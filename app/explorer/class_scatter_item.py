"""A fast pyqtgraph item for thousands of same-size dots coloured by class, streamed with `set_points`.

pyqtgraph's ScatterPlotItem builds a Python style key per point on every setData (about 13 ms for 10,000
points, see bench/scatter_refresh.py). This item keeps plain arrays and draws pre-rendered dots with one
QPainter.drawPixmapFragments call, as ScatterPlotItem does in pxMode. It knows nothing about mice or legends.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPaintEngine, QPainter, QPen, QPixmap

# A QPainter.PixmapFragment is ten doubles: x, y (target centre), sourceLeft, sourceTop, width, height,
# scaleX, scaleY, rotation, opacity.
_FRAGMENT_FIELDS = 10


class ClassScatterItem(pg.GraphicsObject):
    """Dots of `size` pixels (independent of zoom), dot i coloured `colors[labels[i]]`.

    Dots are drawn in a fixed shuffled order, so no class always lies on top of another.
    """

    def __init__(self, colors: Sequence[QColor], size: float = 6.0) -> None:
        super().__init__()
        self._colors = list(colors)
        self._size = size
        self._positions = np.zeros((0, 2))  # (n, 2) in drawing order
        self._labels = np.zeros(0, dtype=np.intp)  # (n,) in drawing order
        self._order = np.zeros(0, dtype=np.intp)  # drawing position -> caller's index
        self._class_visible = np.ones(len(self._colors), dtype=bool)
        self._bounds: QRectF | None = None
        self._padding: tuple[float, float] | None = None  # a dot's size in view units, at the current zoom
        self._atlas: QPixmap | None = None
        self._atlas_ratio = 0.0
        # Paint gets the exposed rectangle, so a small repaint (the crosshair moving) draws only the dots there.
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def set_points(self, positions: np.ndarray, labels: np.ndarray) -> None:
        """Show dots at positions (n, 2) float (view coordinates) with class labels (n,) int."""
        n = len(positions)
        if len(self._order) != n:
            self._order = np.random.default_rng(0).permutation(n)
        self.prepareGeometryChange()
        self._positions = np.asarray(positions, dtype=np.float64)[self._order]
        self._labels = np.asarray(labels, dtype=np.intp)[self._order]
        finite = self._positions[np.all(np.isfinite(self._positions), axis=1)]
        if len(finite):
            low, high = finite.min(axis=0), finite.max(axis=0)
            self._bounds = QRectF(QPointF(*low), QPointF(*high))
        else:
            self._bounds = None
        self.update()

    def set_class_visible(self, label: int, visible: bool) -> None:
        """Show or hide every dot of class `label`."""
        self._class_visible[label] = visible
        self.update()

    def data_bounds(self) -> QRectF | None:
        """The smallest rectangle (view coordinates) holding every finite dot centre, or None if there is none."""
        return None if self._bounds is None else QRectF(self._bounds)

    def nearest(self, x: float, y: float, pixel_size: tuple[float, float], radius: float) -> int:
        """The caller's index of the visible dot nearest to view point (x, y), or -1 if none lies within
        `radius` screen pixels. pixel_size is the (width, height) of one screen pixel in view units."""
        shown = self._class_visible[self._labels]
        if not shown.any():
            return -1
        dx = (self._positions[:, 0] - x) / pixel_size[0]
        dy = (self._positions[:, 1] - y) / pixel_size[1]
        distance = np.where(shown, dx * dx + dy * dy, np.inf)
        best = int(np.argmin(distance))
        return int(self._order[best]) if distance[best] <= radius * radius else -1

    def boundingRect(self) -> QRectF:
        if self._bounds is None:
            return QRectF()
        # Dots keep their pixel size, so pad the data bounds by a dot in view units.
        pad_x, pad_y = self._dot_padding()
        return self._bounds.adjusted(-pad_x, -pad_y, pad_x, pad_y)

    def _dot_padding(self) -> tuple[float, float]:
        if self._padding is None:
            self._padding = ((self.pixelWidth() or 0.0) * self._size, (self.pixelHeight() or 0.0) * self._size)
        return self._padding

    def viewTransformChanged(self) -> None:
        self.prepareGeometryChange()  # the padding in boundingRect depends on the zoom
        self._padding = None
        super().viewTransformChanged()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not len(self._positions):
            return
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        if self._atlas is None or ratio != self._atlas_ratio:
            self._atlas, self._atlas_ratio = self._render_atlas(ratio), ratio
        exposed = option.exposedRect
        pad_x, pad_y = self._dot_padding()
        x, y = self._positions[:, 0], self._positions[:, 1]
        keep = (
            self._class_visible[self._labels]
            & (x >= exposed.left() - pad_x) & (x <= exposed.right() + pad_x)
            & (y >= exposed.top() - pad_y) & (y <= exposed.bottom() + pad_y)
        )
        x, y, labels = x[keep], y[keep], self._labels[keep]
        if not len(x):
            return
        if painter.paintEngine().type() == QPaintEngine.Type.SVG:
            self._paint_vector_dots(painter, x, y, labels)  # an SVG export: circles, not pixmap stamps
            return
        t = painter.transform()
        cell = self._cell_pixels(ratio)
        fragments = np.empty((len(x), _FRAGMENT_FIELDS))
        fragments[:, 0] = t.m11() * x + t.m21() * y + t.dx()
        fragments[:, 1] = t.m12() * x + t.m22() * y + t.dy()
        fragments[:, 2] = labels * cell
        fragments[:, 3] = 0.0
        fragments[:, 4:6] = cell
        fragments[:, 6:10] = (1.0 / ratio, 1.0 / ratio, 0.0, 1.0)
        painter.resetTransform()
        # PySide6 takes a pointer to the first fragment of a C array and a count; `fragments` is that array.
        first = shiboken6.wrapInstance(fragments.ctypes.data, QPainter.PixmapFragment)
        painter.drawPixmapFragments(first, len(fragments), self._atlas)

    def _paint_vector_dots(self, painter: QPainter, x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> None:
        """Each dot as a circle in item coordinates, the same colours as the atlas (for vector exports only)."""
        t = painter.transform()
        # A dot's radius in item units: dots keep their pixel size whatever the zoom.
        radius_x = (self._size / 2 - 0.4) / max(np.hypot(t.m11(), t.m12()), 1e-12)
        radius_y = (self._size / 2 - 0.4) / max(np.hypot(t.m21(), t.m22()), 1e-12)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for px, py, label in zip(x, y, labels):
            color = self._colors[label]
            fill = QColor(color)
            fill.setAlpha(215)
            pen = QPen(QColor(color).darker(135), 0.8)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(fill)
            painter.drawEllipse(QPointF(px, py), radius_x, radius_y)

    def _cell_pixels(self, ratio: float) -> int:
        return int(np.ceil((self._size + 2) * ratio))

    def _render_atlas(self, ratio: float) -> QPixmap:
        """One antialiased dot per class, side by side, at the screen's device pixel ratio."""
        cell = self._cell_pixels(ratio)
        image = QImage(cell * len(self._colors), cell, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        diameter = self._size * ratio
        for label, color in enumerate(self._colors):
            fill = QColor(color)
            fill.setAlpha(215)
            rim = QColor(color).darker(135)
            painter.setPen(QPen(rim, 0.8 * ratio))
            painter.setBrush(fill)
            center = QPointF(label * cell + cell / 2, cell / 2)
            painter.drawEllipse(center, diameter / 2 - 0.4 * ratio, diameter / 2 - 0.4 * ratio)
        painter.end()
        return QPixmap.fromImage(image)
