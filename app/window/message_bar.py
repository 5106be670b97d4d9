"""A message strip at the top of the window for what the user must know but need not acknowledge: a run that
diverged, a file that could not be read. Not modal; it stays until closed or replaced, and may offer one action.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

LEVEL_COLORS = {"info": "#3f90da", "warning": "#e8a317", "error": "#d64545"}


class MessageBar(QFrame):
    """One message at a time: ``show_message(text, level)``; level is "info", "warning" or "error"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.level = "info"
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.hide()
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss this message.")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._action: Callable[[], None] | None = None
        self.action_button.clicked.connect(self._on_action_button_clicked)
        self.hide()

    def show_message(self, text: str, level: str = "info",
                     action: tuple[str, Callable[[], None]] | None = None) -> None:
        """Show ``text``; ``action`` is an optional (button text, callback) pair, e.g. ("Lower the rate", ...)."""
        self.level = level
        self.label.setText(text)
        self._action = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)
        self._apply_colors()
        self.show()

    def text(self) -> str:
        """The message shown, or "" when the bar is closed."""
        return "" if self.isHidden() else self.label.text()

    def _apply_colors(self) -> None:
        accent = QColor(LEVEL_COLORS.get(self.level, LEVEL_COLORS["info"]))
        base = self.palette().color(QPalette.ColorRole.Window)
        tint = QColor.fromRgbF(*(0.82 * b + 0.18 * a for a, b in zip(accent.getRgbF()[:3], base.getRgbF()[:3])))
        self.setStyleSheet(f"#messageBar {{ background: {tint.name()}; border-left: 4px solid {accent.name()};"
                           f" border-radius: 3px; }}")

    def _on_action_button_clicked(self) -> None:
        if self._action is not None:
            self._action()
        self.hide()
