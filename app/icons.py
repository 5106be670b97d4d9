"""Small toolbar icons drawn with QPainter, so that no image files are needed and they follow the palette."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap


def film_icon(color: QColor) -> QIcon:
    """Three frames of film in `color`, fading in: "animation" (the style's media icons read as "play")."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, 2))
    for left, fill in ((3, 0.25), (12, 0.55), (21, 0.9)):
        shade = QColor(color)
        shade.setAlphaF(fill)
        painter.setBrush(shade)
        painter.drawRoundedRect(left, 8, 8, 16, 2, 2)
    painter.end()
    return QIcon(pixmap)


def record_icon() -> QIcon:
    """A red dot, the usual sign for recording."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#d64545"))
    painter.drawEllipse(6, 6, 20, 20)
    painter.end()
    return QIcon(pixmap)


def pencil_icon(color: QColor) -> QIcon:
    """A pencil in `color`, writing down to the left: "draw"."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(16, 16)
    painter.rotate(45)                   # drawn upright, point down, then tilted
    painter.setPen(QPen(color, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(-4, -13, 8, 16)                 # the body
    painter.drawLine(-4, -9, 4, -9)                  # the ferrule
    painter.setBrush(color)
    painter.drawPolygon([QPointF(-4, 3), QPointF(4, 3), QPointF(0, 11)])   # the point
    painter.end()
    return QIcon(pixmap)
