"""Small toolbar icons drawn with QPainter, so that no image files are needed and they follow the palette."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap


def _drawn_icon(draw: Callable[[QPainter], None]) -> QIcon:
    """A 32x32 icon that ``draw`` paints with an antialiased painter on a transparent pixmap."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw(painter)
    painter.end()
    return QIcon(pixmap)


def film_icon(color: QColor) -> QIcon:
    """Three frames of film in `color`, fading in: "animation" (the style's media icons read as "play")."""
    def draw(painter: QPainter) -> None:
        painter.setPen(QPen(color, 2))
        for left, fill in ((3, 0.25), (12, 0.55), (21, 0.9)):
            shade = QColor(color)
            shade.setAlphaF(fill)
            painter.setBrush(shade)
            painter.drawRoundedRect(left, 8, 8, 16, 2, 2)
    return _drawn_icon(draw)


def record_icon() -> QIcon:
    """A red dot, the usual sign for recording."""
    def draw(painter: QPainter) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#d64545"))
        painter.drawEllipse(6, 6, 20, 20)
    return _drawn_icon(draw)


def pencil_icon(color: QColor) -> QIcon:
    """A pencil in `color`, writing down to the left: "draw"."""
    def draw(painter: QPainter) -> None:
        painter.translate(16, 16)
        painter.rotate(45)                   # drawn upright, point down, then tilted
        painter.setPen(QPen(color, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(-4, -13, 8, 16)                 # the body
        painter.drawLine(-4, -9, 4, -9)                  # the ferrule
        painter.setBrush(color)
        painter.drawPolygon([QPointF(-4, 3), QPointF(4, 3), QPointF(0, 11)])   # the point
    return _drawn_icon(draw)


def compare_icon(color: QColor) -> QIcon:
    """Two panes side by side, a dot in each: two runs compared."""
    def draw(painter: QPainter) -> None:
        painter.setPen(QPen(color, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(3, 7, 12, 18, 2, 2)
        painter.drawRoundedRect(17, 7, 12, 18, 2, 2)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(9, 16), 2.5, 2.5)
        painter.drawEllipse(QPointF(23, 16), 2.5, 2.5)
    return _drawn_icon(draw)
