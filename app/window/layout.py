"""The window's layout: the settings panel beside the explorer (and drawing column), with the loss plot and image
strips below it; the window's style sheet, and saving and restoring the splitters' sizes.

WindowLayout arranges the views it is given and returns the central widget; it does not make the views.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from app.explorer.drawing_pad import DrawingPad
    from app.workspace.app_settings import AppSettings

STYLE_SHEET = """
QLabel#panelTitle { font-weight: 600; }
QLabel#hint { color: palette(placeholder-text); }
QToolBar { spacing: 4px; }
"""


def make_drawing_column(pad: DrawingPad) -> QWidget:
    """The drawing pad in a column beside the explorer, hidden until the Draw action shows it. Beside the
    explorer, not in a dock: a dock would take its width from the loss plot too, which has none to spare."""
    title = QLabel("Draw a digit")
    title.setObjectName("panelTitle")
    hint = QLabel("Hold the left button and draw one digit, large. The small image is what the encoder sees: "
                  "your digit sized and centred as the MNIST digits were.")
    hint.setObjectName("hint")
    hint.setWordWrap(True)
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 6, 6, 6)
    layout.addWidget(title)
    layout.addWidget(pad)
    layout.addWidget(hint)
    layout.addStretch(1)
    # The pad's width when there is room; it shrinks (its canvas to 4x) so that a 1024-pixel window holds it.
    column.setMaximumWidth(pad.sizeHint().width() + 6)
    column.hide()
    return column


def make_training_view(loss_plot: QWidget, strips: Sequence[QWidget]) -> QSplitter:
    """The loss plot beside the image strips (stacked): what shows under the explorer while training."""
    column = QWidget()
    column_layout = QVBoxLayout(column)
    column_layout.setContentsMargins(0, 0, 0, 0)
    column_layout.setSpacing(4)
    for strip in strips:
        column_layout.addWidget(strip)
    column_layout.addStretch(1)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName("bottomSplitter")
    splitter.addWidget(loss_plot)
    splitter.addWidget(column)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    return splitter


class WindowLayout:
    """The panel in a scroll area on the left; the message bar, the explorer (with the drawing column beside it)
    and ``lower`` on the right. ``lower`` shows ``training_view`` (from make_training_view), maybe in a stack with
    other views. `central` is the window's central widget; `main_splitter`, `view_splitter` and `bottom_splitter`
    (``training_view``) are the splitters whose sizes `save` and `restore` keep."""

    def __init__(self, panel: QWidget, message_bar: QWidget, explorer: QWidget, drawing_column: QWidget,
                 training_view: QSplitter, lower: QWidget) -> None:
        scroll = QScrollArea()
        scroll.setWidget(panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(panel.sizeHint().width() + 12)
        self._panel = panel

        # The explorer on top takes the most room; the loss plot and the strips share the row below it.
        self.bottom_splitter = training_view
        self.view_splitter = QSplitter(Qt.Orientation.Vertical)
        self.view_splitter.setObjectName("viewSplitter")
        explorer_row = QWidget()
        self._explorer_row_layout = QHBoxLayout(explorer_row)
        self._explorer_row_layout.setContentsMargins(0, 0, 0, 0)
        self._explorer_row_layout.setSpacing(0)
        self._explorer_row_layout.addWidget(explorer, 1)
        self._explorer_row_layout.addWidget(drawing_column)
        self._comparison_explorer: QWidget | None = None
        self._decoded_pair: QWidget | None = None
        self._drawing_column = drawing_column
        self.view_splitter.addWidget(explorer_row)
        self.view_splitter.addWidget(lower)
        self.view_splitter.setStretchFactor(0, 3)
        self.view_splitter.setStretchFactor(1, 2)
        self.view_splitter.setCollapsible(0, False)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 4, 4, 4)
        right_layout.addWidget(message_bar)
        right_layout.addWidget(self.view_splitter, 1)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(scroll)
        self.main_splitter.addWidget(right)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setCollapsible(1, False)

    @property
    def central(self) -> QWidget:
        """The window's central widget."""
        return self.main_splitter

    def replace_explorer(self, old: QWidget, new: QWidget) -> None:
        """Put ``new`` where the explorer ``old`` is (the caller deletes ``old``)."""
        self._explorer_row_layout.replaceWidget(old, new)

    def set_comparison_explorer(self, explorer: QWidget | None) -> None:
        """Put the comparison's second explorer left of the first one (replacing the one there), or none."""
        old, self._comparison_explorer = self._comparison_explorer, explorer
        if old is not None:
            self._explorer_row_layout.removeWidget(old)
            old.hide()
        if explorer is not None:
            self._explorer_row_layout.insertWidget(0, explorer, 1)

    def set_decoded_pair(self, pair: QWidget | None) -> None:
        """Put the comparison's shared decoded panel right of the explorers (before the drawing column), or none."""
        if pair is None:
            if self._decoded_pair is not None:
                self._explorer_row_layout.removeWidget(self._decoded_pair)
                self._decoded_pair.hide()
        else:
            index = self._explorer_row_layout.indexOf(self._drawing_column)
            self._explorer_row_layout.insertWidget(index, pair)
            pair.show()
        self._decoded_pair = pair

    def splitters(self) -> tuple[QSplitter, QSplitter, QSplitter]:
        return self.main_splitter, self.view_splitter, self.bottom_splitter

    def restore(self, settings: AppSettings) -> None:
        """The splitters' sizes as ``settings`` keep them, or the defaults."""
        for splitter in self.splitters():
            state = settings.bytes(f"window/{splitter.objectName()}")
            if state is None or not splitter.restoreState(state):
                splitter.setSizes(self._default_sizes(splitter))

    def save(self, settings: AppSettings) -> None:
        """Keep the splitters' sizes in ``settings`` (the caller syncs them)."""
        for splitter in self.splitters():
            settings.set_bytes(f"window/{splitter.objectName()}", splitter.saveState())

    def _default_sizes(self, splitter: QSplitter) -> list[int]:
        if splitter is self.main_splitter:
            return [self._panel.sizeHint().width() + 12, 1000]
        if splitter is self.view_splitter:
            return [545, 180]      # the explorer takes the largest place
        return [560, 420]
