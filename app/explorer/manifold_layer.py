"""The decoded-manifold layer: a grid of decoded images tiled over the visible region of a ViewBox.

It re-decodes about 100 ms after the view stops moving (debounced) or when asked to (new decoder or plane). The
decoders that training sends about once a second redraw it at most every NEW_DECODER_INTERVAL_S: each redraw decodes
a few hundred images on the GUI thread, time the training threads would otherwise use.
It decodes through a function of plane points that the caller provides; it knows nothing of latent planes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QColor

from app.widgets.image_panel import IMAGE_SIDE

DecodePlane = Callable[[np.ndarray], np.ndarray]  # plane points (k, 2) -> images (k, 784) float in [0, 1]
REFRESH_DELAY_MS = 100
NEW_DECODER_INTERVAL_S = 3.0


class ManifoldLayer(pg.ImageItem):
    """Tiles decoded images over what `view_box` shows: `cells` along the shorter side of the view, square cells.

    Add it to the ViewBox below the scatter (a lower z value). Ink and background colours come from
    `set_colors`; `setOpacity` fades it.
    """

    def __init__(self, view_box: pg.ViewBox, cells: int = 15) -> None:
        super().__init__(axisOrder="row-major")
        self._view_box = view_box
        self._cells = cells
        self._decode_plane: DecodePlane | None = None
        self._last_refresh = -NEW_DECODER_INTERVAL_S
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        view_box.sigRangeChanged.connect(self._on_view_box_range_changed)
        self.set_colors(QColor("white"), QColor("black"))

    def set_decode_plane(self, decode_plane: DecodePlane | None, live: bool = False) -> None:
        """Decode with `decode_plane` (plane points (k, 2) -> images (k, 784) in [0, 1]); None empties the layer.

        Refreshes after the debounce delay; a `live` decoder (one of a stream from training) no sooner than
        NEW_DECODER_INTERVAL_S after the last refresh (moving the view still refreshes within the debounce delay).
        """
        self._decode_plane = decode_plane
        wait_ms = REFRESH_DELAY_MS
        if live and decode_plane is not None:
            wait_ms = max(wait_ms, round((self._last_refresh + NEW_DECODER_INTERVAL_S - time.monotonic()) * 1000))
        if not self._timer.isActive() or wait_ms < self._timer.remainingTime():
            self._timer.start(wait_ms)

    def set_colors(self, background: QColor, ink: QColor) -> None:
        """Draw pixel value 0 as `background` and 1 as `ink`, linearly in between."""
        t = np.linspace(0.0, 1.0, 256)[:, None]
        low = np.array(background.getRgb()[:3], dtype=np.float64)
        high = np.array(ink.getRgb()[:3], dtype=np.float64)
        self.setLookupTable((low + t * (high - low)).round().astype(np.uint8))

    def refresh_later(self) -> None:
        """Refresh after the debounce delay, restarting it if already pending."""
        self._timer.start(REFRESH_DELAY_MS)

    def refresh(self) -> None:
        """Decode the grid for the current view now (if visible and a decoder is set)."""
        self._timer.stop()
        self._last_refresh = time.monotonic()
        if not self.isVisible() or self._decode_plane is None:
            self.clear()
            return
        (x0, x1), (y0, y1) = self._view_box.viewRange()
        width_px, height_px = self._view_box.width(), self._view_box.height()
        if width_px < 1 or height_px < 1:
            return
        cell_px = min(width_px, height_px) / self._cells
        cols = max(1, round(width_px / cell_px))
        rows = max(1, round(height_px / cell_px))
        xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
        ys = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows  # top row first
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (rows * cols, 2), row-major
        images = np.asarray(self._decode_plane(grid), dtype=np.float32)
        mosaic = (
            images.reshape(rows, cols, IMAGE_SIDE, IMAGE_SIDE)
            .transpose(0, 2, 1, 3)
            .reshape(rows * IMAGE_SIDE, cols * IMAGE_SIDE)
        )
        # Image row 0 is drawn at the rect's lowest y, which is the bottom of a y-up ViewBox: flip.
        self.setImage(np.flipud(mosaic), levels=(0.0, 1.0))
        self.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def itemChange(self, change, value):
        if change == self.GraphicsItemChange.ItemVisibleHasChanged and self.isVisible():
            self.refresh_later()
        return super().itemChange(change, value)

    def _on_view_box_range_changed(self, *_) -> None:
        if self.isVisible():
            self.refresh_later()
