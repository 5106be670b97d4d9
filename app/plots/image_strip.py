"""Rows of 28x28 images with a label per row, and optionally one per column: test images over their
reconstructions, prior samples, latent traversals.

The rows are packed into one grey QImage and scaled to the widget with nearest-neighbour sampling, so digits stay
crisp at any size and on high-DPI screens. It only displays the arrays it is given.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

SIDE = 28
GAP = 2              # image pixels between tiles
LABEL_PADDING = 10   # pixels between the row labels and the images
MIN_ROW_HEIGHT = 20  # pixels: a grid of many rows asks for this much a row (in a scroll area, it scrolls)


class ImageGrid(QWidget):
    """Paints rows of images, each (columns, 784) float in [0, 1] or uint8, with a label left of each row and, given
    ``column_labels``, one above each column."""

    def __init__(self, row_labels: Sequence[str], columns: int, parent: QWidget | None = None,
                 column_labels: Sequence[str] = ()) -> None:
        super().__init__(parent)
        self.columns = columns
        self.column_labels = list(column_labels)
        self._image: QImage | None = None
        self._pixels: np.ndarray | None = None     # keeps the QImage's buffer alive
        self.min_label_width = 0                    # to align the images of several grids
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.set_row_labels(row_labels)

    def set_row_labels(self, row_labels: Sequence[str]) -> None:
        """Label the rows anew, as many as given; the images are cleared."""
        self.row_labels = list(row_labels)
        self.setMinimumHeight(self._header_height() + len(self.row_labels) * MIN_ROW_HEIGHT)
        self.updateGeometry()
        self.clear()

    @property
    def image(self) -> QImage | None:
        """The picture the rows are packed into (None until rows are set, or after they are cleared)."""
        return self._image

    def natural_label_width(self) -> int:
        """The width the row labels need (with the padding), whatever ``min_label_width`` says."""
        return max([0, *(self.fontMetrics().horizontalAdvance(label) + LABEL_PADDING
                         for label in self.row_labels if label)])

    def tile(self, row: int, column: int) -> np.ndarray:
        """The image drawn at ``row``, ``column`` (0-based) since `set_rows`, (28, 28) uint8; zeros where none was
        given."""
        top, left = row * (SIDE + GAP), column * (SIDE + GAP)
        return self._pixels[top:top + SIDE, left:left + SIDE]

    def _header_height(self) -> int:
        """Pixels above the images for the column labels (none without)."""
        return self.fontMetrics().height() + 2 if self.column_labels else 0

    def label_width(self) -> int:
        return max(self.min_label_width, self.natural_label_width())

    def sizeHint(self) -> QSize:
        return QSize(self.label_width() + self.columns * 40, self._header_height() + len(self.row_labels) * 40)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        tile = (width - self.label_width()) / (self.columns * (SIDE + GAP))
        return self._header_height() + int(len(self.row_labels) * (SIDE + GAP) * max(tile, 1.0))

    def set_rows(self, rows: Sequence[np.ndarray]) -> None:
        """Show ``rows``: one (k <= columns, 784) array per row label; missing tiles stay empty."""
        rows_px, cols_px = len(self.row_labels) * (SIDE + GAP) - GAP, self.columns * (SIDE + GAP) - GAP
        pixels = np.zeros((rows_px, cols_px), dtype=np.uint8)
        for r, images in enumerate(rows[:len(self.row_labels)]):
            images = np.asarray(images)
            if images.dtype != np.uint8:
                images = np.clip(images * 255.0 + 0.5, 0, 255).astype(np.uint8)
            for c, image in enumerate(images[:self.columns]):
                top, left = r * (SIDE + GAP), c * (SIDE + GAP)
                pixels[top:top + SIDE, left:left + SIDE] = image.reshape(SIDE, SIDE)
        self._pixels = pixels
        self._image = QImage(pixels.data, cols_px, rows_px, cols_px, QImage.Format.Format_Grayscale8)
        self.update()

    def clear(self) -> None:
        self._image = self._pixels = None
        self.update()

    def image_rect(self) -> QRectF:
        """Where the grid is drawn: the largest rectangle of the grid's aspect right of the labels."""
        rows_px = len(self.row_labels) * (SIDE + GAP) - GAP
        cols_px = self.columns * (SIDE + GAP) - GAP
        available = self.rect().adjusted(self.label_width(), 2 + self._header_height(), -2, -2)
        scale = min(available.width() / cols_px, available.height() / rows_px)
        width, height = cols_px * scale, rows_px * scale
        return QRectF(available.left(), available.top() + (available.height() - height) / 2, width, height)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        target = self.image_rect()
        row_height = target.height() / max(len(self.row_labels), 1)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        for r, label in enumerate(self.row_labels):
            rect = QRect(0, int(target.top() + r * row_height), self.label_width() - LABEL_PADDING, int(row_height))
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        column_width = target.width() / max(self.columns, 1)
        for c, label in enumerate(self.column_labels[:self.columns]):
            rect = QRectF(target.left() + c * column_width, target.top() - self._header_height(), column_width,
                          self._header_height())
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        if self._image is None:
            painter.fillRect(target, QColor(palette.color(QPalette.ColorRole.Mid)).darker(110))
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, self._image)


class ImageStrip(QWidget):
    """A titled ImageGrid with an optional note shown instead of the images (e.g. "VAE only")."""

    def __init__(self, title: str, row_labels: Sequence[str], columns: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setObjectName("panelTitle")
        self.grid = ImageGrid(row_labels, columns)
        self.note = QLabel()
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setEnabled(False)
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.note, 1)

    def set_rows(self, rows: Sequence[np.ndarray]) -> None:
        self.grid.set_rows(rows)

    def show_note(self, text: str | None) -> None:
        """Show ``text`` in place of the images, or the images again when None."""
        self.note.setText(text or "")
        self.note.setVisible(text is not None)
        self.grid.setVisible(text is None)
