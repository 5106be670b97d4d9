"""Help > Keyboard Shortcuts: every shortcut of the window's actions, read from the actions themselves (so the list
cannot drift from what the keys do), grouped by the menu that holds them, and the mouse gestures of the plots."""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QMenu,
    QVBoxLayout,
)

MOUSE_GESTURES = (
    ("Latent plot", (
        ("Press or drag", "Decode the point under the cursor"),
        ("Shift+drag or middle-drag", "Pan"),
        ("Wheel or right-drag", "Zoom"),
        ("Hover a dot", "Show its test image and reconstruction"),
        ("Ctrl+click a dot", "Pin it (click its card to unpin it)"),
    )),
    ("Drawing pad", (
        ("Drag", "Draw (Clear starts again)"),
    )),
)


def shortcut_groups(window: QMainWindow) -> list[tuple[str, list[tuple[str, str]]]]:
    """(group title, [(keys, what the action does)]) for every action of ``window`` with a shortcut: by menu, in
    the menus' order (submenus count as their menu), then those in no menu (toolbar buttons) as "Toolbar"."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    listed: set[QAction] = set()
    for menu_action in window.menuBar().actions():
        if menu_action.menu() is not None:
            rows = _rows(_menu_actions(menu_action.menu()), listed)
            if rows:
                groups.append((_plain(menu_action.text()), rows))
    others = _rows(window.actions(), listed)
    if others:
        groups.append(("Toolbar", others))
    return groups


def _menu_actions(menu: QMenu) -> list[QAction]:
    actions = []
    for action in menu.actions():
        actions += _menu_actions(action.menu()) if action.menu() is not None else [action]
    return actions


def _rows(actions: list[QAction], listed: set[QAction]) -> list[tuple[str, str]]:
    """(keys, text) of the actions with a shortcut that are not ``listed`` yet; adds them to ``listed``."""
    rows = []
    for action in actions:
        if action.shortcut().isEmpty() or action in listed:
            continue
        listed.add(action)
        keys = ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts())
        rows.append((keys, _plain(action.text())))
    return rows


def _plain(text: str) -> str:
    """A menu text without its mnemonic marks and trailing ellipsis: "&Open Model…" -> "Open Model"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").rstrip(".")


def shortcuts_html(window: QMainWindow) -> str:
    """One two-column table (so the columns line up): the keyboard groups, then the mouse gestures."""
    sections = [("Keyboard", shortcut_groups(window)), ("Mouse", MOUSE_GESTURES)]
    rows = []
    for number, (heading, groups) in enumerate(sections):
        top = "padding-top:14px;" if number else ""
        rows.append(f"<tr><td colspan='2' style='{top}font-size:large'><b>{heading}</b></td></tr>")
        for title, entries in groups:
            rows.append(f"<tr><td colspan='2' style='padding-top:6px'><i>{escape(title)}</i></td></tr>")
            rows += [f"<tr><td style='padding-right:18px'><b>{escape(keys)}</b></td><td>{escape(text)}</td></tr>"
                     for keys, text in entries]
    return "<table cellspacing='0' cellpadding='2'>" + "".join(rows) + "</table>"


class ShortcutsDialog(QDialog):
    """A non-modal window listing the shortcuts; it can stay open beside the main window while training runs."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.main_window = window
        self.setWindowTitle("Keyboard Shortcuts")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)

    def refresh(self) -> None:
        """Read the shortcuts again (some change with what the window is doing: Esc while picking) and fit them;
        before ``show()``, so that the dialog is placed with its final size."""
        self.text.setText(shortcuts_html(self.main_window))
        self.adjustSize()
