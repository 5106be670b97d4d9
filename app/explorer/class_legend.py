"""A legend of class colours whose entries are check boxes: uncheck one to hide that class, check it to show it.

It only reports toggles; the explorer hides the points.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from app.widgets.palette import class_color

SWATCH_PX = 12


class ClassLegend(QWidget):
    """One check box per class name (check, colour swatch, name), in rows of `columns` entries."""

    class_toggled = Signal(int, bool)  # label, visible

    def __init__(self, class_names: Sequence[str], columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(0)
        self._buttons: list[QCheckBox] = []
        for label, name in enumerate(class_names):
            button = QCheckBox(name)
            button.setIcon(_swatch(label))
            button.setIconSize(QSize(SWATCH_PX, SWATCH_PX))
            button.setChecked(True)
            button.setToolTip(f"Show or hide class {name}")
            button.toggled.connect(lambda checked, label=label: self.class_toggled.emit(label, checked))
            grid.addWidget(button, label // columns, label % columns, Qt.AlignmentFlag.AlignLeft)
            self._buttons.append(button)

    def set_columns(self, columns: int) -> None:
        """Lay the entries out in rows of ``columns`` (fewer columns: a narrower, taller legend)."""
        for button in self._buttons:
            self._grid.removeWidget(button)
        for label, button in enumerate(self._buttons):
            self._grid.addWidget(button, label // columns, label % columns, Qt.AlignmentFlag.AlignLeft)

    def set_class_visible(self, label: int, visible: bool) -> None:
        """Check or uncheck the entry of class `label` (emits class_toggled when it changes)."""
        self._buttons[label].setChecked(visible)


def _swatch(label: int) -> QIcon:
    """A round swatch in the colour of class `label`."""
    pixmap = QPixmap(SWATCH_PX, SWATCH_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(class_color(label))
    painter.drawEllipse(1, 1, SWATCH_PX - 2, SWATCH_PX - 2)
    painter.end()
    return QIcon(pixmap)
