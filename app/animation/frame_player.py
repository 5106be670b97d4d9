"""Shows uint8 RGB frames: `FrameView` one picture scaled to fit with crisp pixels, `FramePlayer` an animation
driven by a QTimer at the export's frame duration, with play/pause and a position slider; `tile_strip` lays
decoded images out as one picture.

They only display arrays they are given; making the frames is core/animation/recipe.py's job.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.animation.frames import to_uint8_tiles
from core.animation.writers import gif_frame_duration_ms

PREVIEW_HEIGHT = 270  # pixels the player asks for: two models' frames at 8x, captions included, shown at 0.7x


class FrameView(QWidget):
    """One frame (H, W, 3) or (H, W) uint8, as large as fits while keeping its aspect ratio.

    Scaled up by nearest neighbour, by a whole factor (crisp pixels). Scaled down smoothly, by averaging: nearest
    neighbour would drop whole rows and columns of pixels, and with them strokes of the captions' letters.
    """

    def __init__(self, minimum: QSize | None = None, parent: QWidget | None = None) -> None:
        """``minimum`` is the smallest size the view shrinks to, 120x80 when None."""
        super().__init__(parent)
        self._array: np.ndarray | None = None
        self._image: QImage | None = None
        self._smaller: QImage | None = None       # the image scaled down to the last target drawn, if it was smaller
        self.setMinimumSize(QSize(120, 80) if minimum is None else minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_frame(self, frame: np.ndarray | None) -> None:
        """Show frame (H, W, 3) or (H, W) uint8, or nothing for None."""
        if frame is None:
            self._array = self._image = None
        else:
            frame = np.ascontiguousarray(frame, dtype=np.uint8)
            height, width = frame.shape[:2]
            if frame.ndim == 2:
                image = QImage(frame.data, width, height, width, QImage.Format.Format_Grayscale8)
            else:
                image = QImage(frame.data, width, height, 3 * width, QImage.Format.Format_RGB888)
            self._array, self._image = frame, image  # the QImage reads the array's memory: keep both
        self._smaller = None
        self.update()

    def frame(self) -> np.ndarray | None:
        return self._array

    def sizeHint(self) -> QSize:
        return self.minimumSize()  # it takes what room is left, and asks for none

    def target_rect(self) -> QRect:
        """Where the frame is drawn, in widget pixels."""
        if self._image is None:
            return QRect()
        width, height = self._image.width(), self._image.height()
        fit = min(self.width() / width, self.height() / height)
        scale = float(int(fit)) if fit >= 1 else fit
        w, h = max(1, round(width * scale)), max(1, round(height * scale))
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self._image is None:
            painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.AlternateBase))
            return
        target = self.target_rect()
        if target.width() >= self._image.width():
            # No SmoothPixmapTransform: scaling is nearest neighbour, as in the exported file.
            painter.drawImage(target, self._image)
            return
        ratio = self.devicePixelRatioF()
        size = QSize(round(target.width() * ratio), round(target.height() * ratio))
        if self._smaller is None or self._smaller.size() != size:
            self._smaller = self._image.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation)
            self._smaller.setDevicePixelRatio(ratio)
        painter.drawImage(target.topLeft(), self._smaller)


class FramePlayer(QWidget):
    """Plays frames in a loop at the speed a GIF of them plays (core.animation.writers.gif_frame_duration_ms).

    set_frames(frames, fps, order): frames (n, H, W, 3) uint8, shown in `order` (m,) int (default 0..n-1), so
    held and ping-pong frames need no copies. `frame_changed(i)` gives the index into frames now shown.
    Hidden, it stops its timer; shown again, it goes on if it was playing.
    """

    frame_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frames: np.ndarray | None = None
        self._order = np.zeros(0, dtype=np.intp)
        self._position = 0
        self._playing = True
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.view = FrameView(QSize(120, 50))
        self.play_button = QToolButton()
        self.play_button.setToolTip("Play or pause the preview.")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Frame shown.")
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.slider.sliderPressed.connect(self.pause)
        self.position_label = QLabel()
        self.position_label.setMinimumWidth(self.position_label.fontMetrics().horizontalAdvance("000 / 000"))
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.position_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addLayout(controls)
        self._update_button()

    def sizeHint(self) -> QSize:
        """Room for a preview PREVIEW_HEIGHT pixels high: the window gives it that from the plot above when it can."""
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), PREVIEW_HEIGHT))

    @property
    def playing(self) -> bool:
        return self._playing

    def position(self) -> int:
        """The position in the playback order (0 .. m - 1)."""
        return self._position

    def frame_index(self) -> int:
        """The index into frames of the frame shown, or -1 when there are none."""
        return int(self._order[self._position]) if len(self._order) else -1

    def set_frames(self, frames: np.ndarray | None, fps: float = 20, order: np.ndarray | None = None) -> None:
        """Play frames (n, H, W, 3) uint8 in `order` (m,) at `fps`; None clears. Keeps the position if it can."""
        self._frames = frames
        self._order = np.zeros(0, dtype=np.intp) if frames is None else (
            np.arange(len(frames)) if order is None else np.asarray(order, dtype=np.intp))
        self._timer.setInterval(gif_frame_duration_ms(fps))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self._order) - 1))
        self.slider.blockSignals(False)
        self.seek(min(self._position, max(0, len(self._order) - 1)))
        self._update_timer()

    def seek(self, position: int) -> None:
        """Show the frame at `position` in the playback order."""
        self._position = position
        if not len(self._order):
            self.view.set_frame(None)
            self.position_label.setText("")
            return
        self.view.set_frame(self._frames[self._order[position]])
        self.slider.blockSignals(True)
        self.slider.setValue(position)
        self.slider.blockSignals(False)
        self.position_label.setText(f"{position + 1} / {len(self._order)}")
        self.frame_changed.emit(self.frame_index())

    @Slot()
    def play(self) -> None:
        self._playing = True
        self._update_timer()
        self._update_button()

    @Slot()
    def pause(self) -> None:
        self._playing = False
        self._update_timer()
        self._update_button()

    @Slot()
    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._update_timer()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def _update_timer(self) -> None:
        if self._playing and len(self._order) > 1 and self.isVisible():
            if not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()

    def _update_button(self) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if self._playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    @Slot()
    def _on_timer_timeout(self) -> None:
        if len(self._order):
            self.seek((self._position + 1) % len(self._order))

    @Slot(int)
    def _on_slider_changed(self, value: int) -> None:
        self.seek(value)


def tile_strip(rows: list[np.ndarray], gap: int = 2) -> np.ndarray:
    """Decoded images (k, 784) per row, the same k in every row, as one (H, W) uint8 picture of 28 x 28 tiles
    with `gap` pixels between them (for a FrameView)."""
    tiles = [to_uint8_tiles(images, 1) for images in rows]  # (k, 28, 28) each
    k = len(tiles[0])
    height, width = len(tiles) * (28 + gap) - gap, k * (28 + gap) - gap
    picture = np.full((height, width), 60, np.uint8)
    for row, row_tiles in enumerate(tiles):
        for column, tile in enumerate(row_tiles):
            top, left = row * (28 + gap), column * (28 + gap)
            picture[top:top + 28, left:left + 28] = tile
    return picture
