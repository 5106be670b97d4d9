"""A small pad to draw a digit with the mouse: a 28x28 canvas shown at 168x168 pixels (down to 112x112 in a narrow
window), a Clear button, and the image the encoder sees: the drawing sized and centred as the MNIST digits were
(core/data/digit_preparation.py).

It emits that image as a (784,) float image after every stroke segment; it does not encode it (the caller does,
then calls LatentExplorer.set_drawn_point).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.widgets.image_panel import ImagePanel
from core.data.digit_preparation import prepare_digit

SIDE = 28
SCALE = 6  # 28 * 6 = 168 screen pixels, when there is room
MIN_SCALE = 4  # 28 * 4 = 112
PEN_CORE = 1.2  # canvas pixels of full ink around the stroke centre
PEN_EDGE = 2.4  # ink fades to zero at this distance: soft edges, like the anti-aliased strokes of MNIST
PREVIEW_SIDE = 56  # the encoder's image, at 2x
EMPTY_NOTE = "Draw a digit here"
EMPTY_NOTE_COLOR = QColor(150, 150, 150)


class DrawingCanvas(QWidget):
    """The 28x28 ink canvas. `ink` is (28, 28) float in [0, 1]; white ink on black, as in MNIST.

    Drawn at the largest whole scale from MIN_SCALE to SCALE that its size allows, in its top left corner."""

    stroked = Signal()
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ink = np.zeros((SIDE, SIDE), dtype=np.float32)
        self._last: QPointF | None = None
        self._rows, self._cols = np.mgrid[0:SIDE, 0:SIDE] + 0.5  # pixel centres
        self.setMinimumSize(SIDE * MIN_SCALE, SIDE * MIN_SCALE)
        self.setMaximumSize(SIDE * SCALE, SIDE * SCALE)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def sizeHint(self) -> QSize:
        return QSize(SIDE * SCALE, SIDE * SCALE)

    @property
    def scale(self) -> int:
        """Screen pixels per canvas pixel: 4 to 6, as the widget's size allows."""
        return max(MIN_SCALE, min(SCALE, min(self.width(), self.height()) // SIDE))

    def clear(self) -> None:
        self.ink[:] = 0.0
        self.update()
        self.cleared.emit()

    def stroke_to(self, point: QPointF) -> None:
        """Draw from the previous point of the stroke (if any) to `point`, in canvas pixels (0..28)."""
        start = point if self._last is None else self._last
        steps = max(1, int(np.ceil(np.hypot(point.x() - start.x(), point.y() - start.y()) * 4)))
        for t in np.linspace(0.0, 1.0, steps + 1):
            self._stamp(start.x() + t * (point.x() - start.x()), start.y() + t * (point.y() - start.y()))
        self._last = point
        self.update()
        self.stroked.emit()

    def _stamp(self, x: float, y: float) -> None:
        distance = np.hypot(self._cols - x, self._rows - y)
        np.maximum(self.ink, np.clip((PEN_EDGE - distance) / (PEN_EDGE - PEN_CORE), 0.0, 1.0), out=self.ink)

    def _canvas_point(self, event) -> QPointF:
        return QPointF(event.position().x() / self.scale, event.position().y() / self.scale)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = None
            self.stroke_to(self._canvas_point(event))

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.stroke_to(self._canvas_point(event))

    def mouseReleaseEvent(self, event) -> None:
        self._last = None

    def paintEvent(self, event) -> None:
        pixels = np.ascontiguousarray((self.ink * 255.0 + 0.5).astype(np.uint8))
        image = QImage(pixels.data, SIDE, SIDE, SIDE, QImage.Format.Format_Grayscale8)
        painter = QPainter(self)
        target = QRect(0, 0, SIDE * self.scale, SIDE * self.scale)
        painter.drawImage(target, image)  # nearest neighbour
        if not self.ink.any():
            painter.setPen(EMPTY_NOTE_COLOR)         # the canvas is black in either theme
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, EMPTY_NOTE)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawRect(target.adjusted(0, 0, -1, -1))


class DrawingPad(QWidget):
    """The canvas, a Clear button and `preview`, the image the encoder sees. Emits `drawing_changed` with that
    image after each stroke segment."""

    drawing_changed = Signal(object)  # np.ndarray (784,) float32 in [0, 1]: the drawing prepared as MNIST's were
    drawing_cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = DrawingCanvas()
        clear = QPushButton("Clear")
        clear.setToolTip("Erase the drawing.")
        clear.clicked.connect(self.canvas.clear)
        self.preview = ImagePanel(side=PREVIEW_SIDE)
        self.preview.setToolTip("What the encoder sees: the drawing scaled to fit 20x20 pixels and centred by its "
                                "centre of mass in 28x28, as the MNIST digits were.")
        self.preview.set_image(np.zeros(SIDE * SIDE))     # black, as the canvas: nothing to encode yet
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(clear, 0, Qt.AlignmentFlag.AlignTop)
        row.addStretch(1)
        row.addWidget(self.preview)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        layout.addLayout(row)
        self.canvas.stroked.connect(self._on_canvas_stroked)
        self.canvas.cleared.connect(self._on_canvas_cleared)

    def ink(self) -> np.ndarray:
        """The canvas as drawn: (28, 28) float32 in [0, 1] (a copy)."""
        return self.canvas.ink.copy()

    def image(self) -> np.ndarray:
        """The drawing as the encoder sees it, prepared as the MNIST digits were: (784,) float32 in [0, 1]."""
        return prepare_digit(self.canvas.ink).reshape(-1)

    def clear(self) -> None:
        """Erase the drawing (emits drawing_cleared)."""
        self.canvas.clear()

    def _on_canvas_stroked(self) -> None:
        image = self.image()
        self.preview.set_image(image)
        self.drawing_changed.emit(image)

    def _on_canvas_cleared(self) -> None:
        self.preview.set_image(np.zeros(SIDE * SIDE))
        self.drawing_cleared.emit()
