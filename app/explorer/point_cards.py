"""Cards showing one test point: its image, its reconstruction and a caption.

`HoverCard` floats next to the cursor over the plot; `PinnedStrip` keeps pinned points side by side for comparison.
Both only display what they are given; the explorer decides which points to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.widgets.image_panel import ImagePanel

HOVER_SIDE = 84
PIN_SIDE = 56


@dataclass(frozen=True)
class PointCard:
    """What a card shows: image (784,) uint8 or float, reconstruction (784,) float or None, and a caption."""

    key: int
    image: np.ndarray
    reconstruction: np.ndarray | None
    caption: str


class HoverCard(QFrame):
    """A small frame with a test image, its reconstruction and a caption, placed next to the cursor.

    It is a child widget of the explorer (not a tooltip window), so it also shows up in `grab()` and
    passes mouse events through to the plot below.
    """

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._original = ImagePanel(side=HOVER_SIDE)
        self._reconstruction = ImagePanel(side=HOVER_SIDE)
        self._caption = QLabel()
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setSpacing(4)
        grid.addWidget(self._caption, 0, 0, 1, 2)
        grid.addWidget(self._original, 1, 0)
        grid.addWidget(self._reconstruction, 1, 1)
        grid.addWidget(_small_label("input"), 2, 0, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(_small_label("reconstruction"), 2, 1, Qt.AlignmentFlag.AlignHCenter)
        self.hide()

    def set_card(self, card: PointCard) -> None:
        """Show `card`'s images and caption where the card is (e.g. a newer reconstruction of the same point)."""
        self._original.set_image(card.image)
        self._reconstruction.set_image(card.reconstruction)
        self._caption.setText(card.caption)

    def show_card(self, card: PointCard, cursor: QPoint) -> None:
        """Show `card` beside `cursor` (parent coordinates), flipped to stay inside the parent."""
        self.set_card(card)
        self.adjustSize()
        offset = 18
        parent = self.parentWidget().rect()
        x = cursor.x() + offset
        y = cursor.y() + offset
        if x + self.width() > parent.right():
            x = cursor.x() - offset - self.width()
        if y + self.height() > parent.bottom():
            y = cursor.y() - offset - self.height()
        self.move(max(0, x), max(0, y))
        self.show()
        self.raise_()

    def original_image(self) -> np.ndarray | None:
        """The shown test image, (28, 28) uint8, or None."""
        return self._original.image()

    def reconstruction_image(self) -> np.ndarray | None:
        """The shown reconstruction, (28, 28) uint8, or None."""
        return self._reconstruction.image()


class PinnedStrip(QWidget):
    """A horizontal, scrollable row of pinned point cards with a Clear button. Clicking a card unpins it."""

    unpin_clicked = Signal(int)  # the card's key
    clear_clicked = Signal()

    def __init__(self, cards: list[PointCard] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = QLabel()
        self._title.setWordWrap(True)     # two lines beside Clear in a narrow window
        self._clear = QPushButton("Clear")
        self._clear.setToolTip("Unpin every point")
        self._clear.clicked.connect(self.clear_clicked)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self._title, 1)
        header.addWidget(self._clear)

        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        row_widget = QWidget()
        row_widget.setLayout(self._row)
        self._scroll = QScrollArea()
        self._scroll.setWidget(row_widget)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setFixedHeight(2 * PIN_SIDE + 40)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self._scroll)
        self.set_cards(cards or [])

    def set_cards(self, cards: list[PointCard]) -> None:
        """Show `cards`, left to right. The same keys as before only refresh the images (no flicker, and no new
        layout: the strip is refreshed with every snapshot while training runs, pins or not)."""
        if self._row.count() and [card.key for card in cards] == self.keys():
            for index, card in enumerate(cards):
                self._row.itemAt(index).widget().show_card(card)
            return
        while self._row.count():
            item = self._row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for card in cards:
            self._row.addWidget(_PinnedCard(card, self.unpin_clicked))
        self._row.addStretch(1)
        self._scroll.setVisible(bool(cards))     # no empty room for cards: a short window needs the height
        self._title.setText(f"Pinned ({len(cards)})" if cards else "Pinned: Ctrl+click a point")
        self._clear.setEnabled(bool(cards))

    def keys(self) -> list[int]:
        """The keys of the shown cards, left to right."""
        return [
            widget.key
            for widget in (self._row.itemAt(i).widget() for i in range(self._row.count()))
            if isinstance(widget, _PinnedCard)
        ]


class _PinnedCard(QFrame):
    """Image over reconstruction over caption; a click unpins."""

    def __init__(self, card: PointCard, unpin_clicked: Signal) -> None:
        super().__init__()
        self.key = card.key
        self._unpin_clicked = unpin_clicked
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to unpin")
        self._original = ImagePanel(side=PIN_SIDE)
        self._reconstruction = ImagePanel(side=PIN_SIDE)
        self._caption = _small_label("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(3, 3, 3, 3)
        layout.setSpacing(2)
        layout.addWidget(self._original)
        layout.addWidget(self._reconstruction)
        layout.addWidget(self._caption, 0, Qt.AlignmentFlag.AlignHCenter)
        self.show_card(card)

    def show_card(self, card: PointCard) -> None:
        self._original.set_image(card.image)
        self._reconstruction.set_image(card.reconstruction)
        self._caption.setText(card.caption)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._unpin_clicked.emit(self.key)


def _small_label(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.85)
    label.setFont(font)
    return label
