"""The latent traversal: for a point z, one row per latent dimension, each the decoder's images of z with that
dimension set to -3, -2, ..., +3 and the others kept (the figure of the beta-VAE papers).

Each change of the decoder (about once a second while training) or of the point (each cursor move in the
explorer) costs one decode of latent_dim * columns codes and one grey QImage of the whole grid, and nothing while
the view is hidden: it redraws when shown. The images fill the view, and where they would be smaller than 28
pixels (many dimensions), they keep that size (the digits stay legible) and the view scrolls.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.plots.image_strip import GAP, SIDE, ImageGrid

Decoder = Callable[[np.ndarray], np.ndarray]  # z (k, latent_dim) -> images (k, 784) float in [0, 1]
VALUES = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)   # about the prior's +-3 standard deviations
NO_POINT_NOTE = ("Choose a point in the explorer: each row shows the decoder's images of it with one latent "
                 "dimension set from {low} to {high}, the others kept.")
NO_DECODER_NOTE = "The images show once the model's decoder is ready."
TIP = ("Each row varies one latent dimension of the chosen point, the others kept: what changes along the row is "
       "what that dimension encodes.")


def _value_label(value: float) -> str:
    return "0" if value == 0 else f"{value:+g}"


def traversal_codes(z: np.ndarray, values: Sequence[float]) -> np.ndarray:
    """The codes of the grid: z (d,) float -> (d * len(values), d), row i * len(values) + j being z with dimension
    i set to values[j]."""
    d, k = len(z), len(values)
    codes = np.tile(z, (d, k, 1))                       # (d, k, d)
    codes[np.arange(d), :, np.arange(d)] = values       # the diagonal of the first and last axes
    return codes.reshape(d * k, d)


class _ScrollingGrid(ImageGrid):
    """An image grid for a scroll area, drawn from the top. It asks for rows of images of their own 28 pixels
    (smaller only where the view is too narrow for those), so the area scrolls rather than shrink them, and the
    images grow to fill a view with room for more."""

    def __init__(self, columns: int, column_labels: Sequence[str]) -> None:
        super().__init__([], columns, column_labels=column_labels)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)      # QScrollArea asks heightForWidth only of widgets whose policy says so
        self.setSizePolicy(policy)

    def heightForWidth(self, width: int) -> int:
        """The height of rows of whole-size images, or of smaller ones when ``width`` is too narrow for those."""
        scale = (width - self.label_width()) / (self.columns * (SIDE + GAP))
        margins = 4                         # image_rect's, above and below
        return self._header_height() + int(len(self.row_labels) * (SIDE + GAP) * min(scale, 1.0)) + margins

    def image_rect(self) -> QRectF:
        rect = super().image_rect()
        rect.moveTop(2 + self._header_height())
        return rect


class TraversalView(QWidget):
    """The decoder's images of a point with each latent dimension traversed in turn over ``values``.

    `set_decoder(decode, latent_dim)` and `set_point(z)` in either order: a point of another size than the
    decoder's forgets the decoder, and a decoder of another size than the point's forgets the point (each belongs to
    the other space), so the view never decodes a point of the wrong size, and says what it waits for.
    """

    def __init__(self, values: Sequence[float] = VALUES, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = tuple(float(v) for v in values)
        labels = [_value_label(v) for v in self.values]
        self._no_point_note = NO_POINT_NOTE.format(low=labels[0], high=labels[-1])
        self._decode: Decoder | None = None
        self._decoder_dim: int | None = None
        self._z: np.ndarray | None = None             # (latent_dim,) float64
        self._dirty = False                           # the grid waits for the view to be shown

        self.title = QLabel("Traversal")
        self.title.setObjectName("panelTitle")
        self.title.setToolTip(TIP)
        self.grid = _ScrollingGrid(len(self.values), labels)
        self.grid.setToolTip(TIP)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.grid)
        self.scroll_area.setWidgetResizable(True)          # the grid fills the view, down to its minimum height
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setEnabled(False)                        # greyed, as the image strips' notes
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.note, 1)
        self._update()

    @property
    def latent_dim(self) -> int | None:
        """The size of the point shown (the number of rows), None without a point."""
        return None if self._z is None else len(self._z)

    def set_decoder(self, decode: Decoder | None, latent_dim: int | None = None) -> None:
        """Decode with ``decode`` (z (k, latent_dim) -> (k, 784) float in [0, 1]) from now on, or show nothing for
        None. latent_dim: the size of the codes it takes (required with a decoder); a point of another size is
        forgotten."""
        if decode is not None and latent_dim is None:
            raise ValueError("set_decoder needs the decoder's latent_dim")
        self._decode, self._decoder_dim = decode, latent_dim
        if decode is not None and self._z is not None and len(self._z) != latent_dim:
            self._z = None
        self._update()

    def set_point(self, z: np.ndarray | None) -> None:
        """Traverse around z (latent_dim,) float, or show nothing for None. A point of another size than the
        decoder's forgets the decoder, until `set_decoder` gives one of its size."""
        z = None if z is None else np.asarray(z, dtype=np.float64).reshape(-1)
        if z is not None and self._z is not None and np.array_equal(z, self._z):
            return              # nothing changes (e.g. an explorer re-decoding its point for a new decoder)
        self._z = z
        if self._z is not None and self._decoder_dim is not None and len(self._z) != self._decoder_dim:
            self._decode = self._decoder_dim = None
        self._update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._draw()

    def _update(self) -> None:
        """Show the note of what is missing, or draw the grid now if the view is visible, else when it is shown."""
        if self._z is None or self._decode is None:
            self._dirty = False
            self.grid.clear()
            self.note.setText(self._no_point_note if self._z is None else NO_DECODER_NOTE)
            self.note.show()
            self.scroll_area.hide()
        elif self.isVisible():
            self._draw()
        else:
            self._dirty = True

    def _draw(self) -> None:
        self._dirty = False
        d, k = len(self._z), len(self.values)
        if len(self.grid.row_labels) != d:
            self.grid.set_row_labels([f"z{i + 1}" for i in range(d)])
        images = self._decode(traversal_codes(self._z, self.values))    # one decode of the whole grid
        self.grid.set_rows(np.asarray(images).reshape(d, k, -1))
        self.note.hide()
        self.scroll_area.show()
