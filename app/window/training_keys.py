"""Keeps the training shortcuts (Space, Esc, Step's and Reset's keys) doing what the menu says whatever has focus.

A text field takes Space from a shortcut (Qt's ShortcutOverride), so a focused Learning rate field used to swallow
Space and lose its text. Here a field keeps a training key only while the user is typing in it and only where the
key is text: Space in a line edit, from a typed character until Return, Tab or leaving the field. A number field
never keeps it (no number holds a space). It watches the focused field alone, so other events never reach Python.
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

TEXT_FIELDS = (QLineEdit, QPlainTextEdit, QTextEdit)
# Keys that edit a field's text without typing a character into it.
EDITING_KEYS = (Qt.Key.Key_Backspace, Qt.Key.Key_Delete)
# Keys that end the typing: the field's value is entered, or the user moves on.
DONE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


def is_field(widget: QWidget | None) -> bool:
    """Whether ``widget`` takes keys as text: a line edit, a text edit, a spin box or an editable combo box."""
    return isinstance(widget, (*TEXT_FIELDS, QAbstractSpinBox)) or (
        isinstance(widget, QComboBox) and widget.isEditable())


class TrainingKeys(QObject):
    """Gives the shortcuts of ``actions`` (their keys at the time of each key press) priority over the focused
    field of ``window``, except while the user is typing text in that field (see the module docstring)."""

    def __init__(self, window: QWidget, actions: Sequence[QAction]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = tuple(actions)
        self._field: QWidget | None = None       # the focused field of the window, which this object watches
        self._typing = False                     # whether the user has typed in it since it got focus
        QApplication.instance().focusChanged.connect(self._on_application_focus_changed)

    @property
    def typing(self) -> bool:
        """Whether the user is typing in the window's focused field (it then keeps Space, if it holds text)."""
        return self._typing

    def _on_application_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._field is not None:
            self._field.removeEventFilter(self)
        self._field, self._typing = None, False
        if is_field(new) and new.window() is self._window:
            self._field = new
            new.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._field:
            return False
        if event.type() == QEvent.Type.KeyPress:
            self._note_typing(event)
        elif event.type() == QEvent.Type.ShortcutOverride and self._is_training_key(event) and not self._keeps(event):
            event.ignore()       # not the field's: Qt triggers the action's shortcut
            return True
        return False

    def _note_typing(self, event: QKeyEvent) -> None:
        text = event.text()
        if event.key() in DONE_KEYS:
            self._typing = False
        elif event.key() in EDITING_KEYS or (text and text.isprintable()):
            self._typing = True

    def _is_training_key(self, event: QKeyEvent) -> bool:
        pressed = QKeySequence(event.keyCombination())
        return any(pressed in action.shortcuts() for action in self._actions)

    def _keeps(self, event: QKeyEvent) -> bool:
        """Whether the focused field may take this key as text: it is typed in, holds text, and the key types it."""
        holds_text = isinstance(self._field, TEXT_FIELDS) or isinstance(self._field, QComboBox)
        return self._typing and holds_text and bool(event.text()) and event.text().isprintable()
