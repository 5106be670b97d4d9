"""A horizontal row of widgets for forms, left-aligned: the one layout helper the animation panels share."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def widget_row(*widgets: QWidget) -> QHBoxLayout:
    """The widgets side by side with no margins, pushed to the left by a stretch."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row
