"""A square widget showing one 28x28 grayscale image, upscaled by nearest neighbour (crisp pixels).

Used for the explorer's large decoded image and for thumbnails. It only displays; it never decodes.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

IMAGE_SIDE = 28


def to_gray8(image: np.ndarray) -> np.ndarray:
    """A (784,) or (28, 28) image, float in [0, 1] or uint8, as a C-contiguous (28, 28) uint8 array."""
    image = np.asarray(image).reshape(IMAGE_SIDE, IMAGE_SIDE)
    if image.dtype != np.uint8:
        image = np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


class ImagePanel(QWidget):
    """Shows `image` (784,) float in [0, 1] or uint8 in a `side`-pixel square, with whole-pixel scaling.

    Given a smaller `minimum_side`, the panel gives up width and height down to it when its window is small; the
    image is drawn at the largest integer multiple of 28 that fits, centred. With no image it shows an empty frame, with
    ``placeholder`` in it (what it will show) when given.
    """

    def __init__(self, image: np.ndarray | None = None, side: int = 280, parent: QWidget | None = None,
                 minimum_side: int | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self._side = side
        self.placeholder = placeholder
        self._image: np.ndarray | None = None
        self._qimage: QImage | None = None
        self.setMinimumSize(minimum_side or side, minimum_side or side)
        policy = QSizePolicy.Policy.Fixed if minimum_side is None else QSizePolicy.Policy.Maximum
        self.setSizePolicy(policy, policy)
        self.set_image(image)

    def sizeHint(self) -> QSize:
        return QSize(self._side, self._side)

    def set_image(self, image: np.ndarray | None) -> None:
        """Show `image` (784,) float in [0, 1] or uint8, or nothing for None. Repaints on the next frame."""
        if image is None:
            self._image = self._qimage = None
        else:
            self._image = to_gray8(image)
            self._qimage = QImage(self._image.data, IMAGE_SIDE, IMAGE_SIDE, IMAGE_SIDE, QImage.Format.Format_Grayscale8)
        self.update()

    def image(self) -> np.ndarray | None:
        """The shown image as (28, 28) uint8, or None."""
        return self._image

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        scale = max(1, min(self.width(), self.height()) // IMAGE_SIDE)
        side = scale * IMAGE_SIDE
        target = QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)
        if self._qimage is None:
            painter.fillRect(target, self.palette().color(QPalette.ColorRole.AlternateBase))
            if self.placeholder:
                painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                margin = max(side // 10, 4)
                painter.drawText(target.adjusted(margin, margin, -margin, -margin),
                                 Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            # No SmoothPixmapTransform: drawImage then scales by nearest neighbour.
            painter.drawImage(target, self._qimage)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(target.adjusted(0, 0, -1, -1))
