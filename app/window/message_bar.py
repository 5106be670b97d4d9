"""A message strip at the top of the window for what the user must know but need not acknowledge: a run that
diverged, a file that could not be read. Not modal; it stays until closed or replaced, and may offer actions, a
button each.
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
    """One message at a time: ``show_message(text, level, *actions)``; level is "info", "warning" or "error"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.level = "info"
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_buttons: list[QPushButton] = []      # as many as the most actions shown so far; extra ones hidden
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss this message.")
        self.close_button.clicked.connect(self.hide)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(12, 6, 6, 6)
        self._layout.addWidget(self.label, 1)
        self._layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self._actions: list[Callable[[], None]] = []
        self.hide()

    @property
    def action_button(self) -> QPushButton | None:
        """The first action's button (None before any message offered an action)."""
        return self.action_buttons[0] if self.action_buttons else None

    def show_message(self, text: str, level: str = "info", *actions: tuple[str, Callable[[], None]]) -> None:
        """Show ``text``; each of ``actions`` is a (button text, callback) pair, e.g. ("Reset", ...): clicking its
        button calls it and closes the bar."""
        self.level = level
        self.label.setText(text)
        self._actions = [callback for _, callback in actions]
        while len(self.action_buttons) < len(actions):
            button = QPushButton()
            button.clicked.connect(self._on_action_button_clicked)
            self._layout.insertWidget(self._layout.indexOf(self.close_button), button)
            self.action_buttons.append(button)
        for index, button in enumerate(self.action_buttons):
            button.setText(actions[index][0] if index < len(actions) else "")
            button.setVisible(index < len(actions))
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
        index = self.action_buttons.index(self.sender())
        self.hide()           # first: an action may show a message of its own
        if index < len(self._actions):
            self._actions[index]()
