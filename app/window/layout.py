"""The main window's layout: the settings panel beside the explorer (and drawing column), with the loss plot and
image strips below it; the window's style sheet, and saving and restoring its geometry and splitter sizes.
"""
from __future__ import annotations

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
    from app.window.main_window import MainWindow

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
    hint = QLabel("It is encoded as you draw, starred in the latent plot and decoded.")
    hint.setObjectName("hint")
    hint.setWordWrap(True)
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 6, 6, 6)
    layout.addWidget(title)
    layout.addWidget(pad)
    layout.addWidget(hint)
    layout.addStretch(1)
    column.setFixedWidth(pad.sizeHint().width() + 6)
    column.hide()
    return column


def build_layout(window: MainWindow) -> None:
    """The panel in a scroll area on the left; the message bar, explorer, loss plot and strips on the right."""
    scroll = QScrollArea()
    scroll.setWidget(window.panel)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setMinimumWidth(window.panel.sizeHint().width() + 12)

    strips = QWidget()
    strips_layout = QVBoxLayout(strips)
    strips_layout.setContentsMargins(0, 0, 0, 0)
    strips_layout.setSpacing(4)
    strips_layout.addWidget(window.reconstruction_strip)
    strips_layout.addWidget(window.sample_strip)
    strips_layout.addStretch(1)
    # The explorer on top takes the most room; the loss plot and the strips share the row below it.
    window.bottom_splitter = QSplitter(Qt.Orientation.Horizontal)
    window.bottom_splitter.setObjectName("bottomSplitter")
    window.bottom_splitter.addWidget(window.loss_plot)
    window.bottom_splitter.addWidget(strips)
    window.bottom_splitter.setStretchFactor(0, 3)
    window.bottom_splitter.setStretchFactor(1, 2)
    window.view_splitter = QSplitter(Qt.Orientation.Vertical)
    window.view_splitter.setObjectName("viewSplitter")
    explorer_row = QWidget()
    window.explorer_row_layout = QHBoxLayout(explorer_row)
    window.explorer_row_layout.setContentsMargins(0, 0, 0, 0)
    window.explorer_row_layout.setSpacing(0)
    window.explorer_row_layout.addWidget(window.explorer, 1)
    window.explorer_row_layout.addWidget(window.drawing_column)
    window.view_splitter.addWidget(explorer_row)
    # The Animate view takes the place of the loss plot and strips while it is on.
    lower = window.animation.views(window.bottom_splitter) if window.animation is not None else window.bottom_splitter
    window.view_splitter.addWidget(lower)
    window.view_splitter.setStretchFactor(0, 3)
    window.view_splitter.setStretchFactor(1, 2)
    window.view_splitter.setCollapsible(0, False)

    central = QWidget()
    central_layout = QVBoxLayout(central)
    central_layout.setContentsMargins(4, 4, 4, 4)
    central_layout.addWidget(window.message_bar)
    central_layout.addWidget(window.view_splitter, 1)
    window.main_splitter = QSplitter(Qt.Orientation.Horizontal)
    window.main_splitter.setObjectName("mainSplitter")
    window.main_splitter.addWidget(scroll)
    window.main_splitter.addWidget(central)
    window.main_splitter.setStretchFactor(1, 1)
    window.main_splitter.setCollapsible(1, False)
    window.setCentralWidget(window.main_splitter)
    window.statusBar().addPermanentWidget(window.run_status)
    if window.animation is not None:
        window.animation.attach_explorer(window.explorer)
    window.setStyleSheet(STYLE_SHEET)


def restore_geometry(window: MainWindow) -> None:
    """The window's size and splitters as they were saved, or the defaults."""
    settings = window.app_settings
    geometry = settings.bytes("window/geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(1280, 800)
    for splitter in (window.main_splitter, window.view_splitter, window.bottom_splitter):
        state = settings.bytes(f"window/{splitter.objectName()}")
        if state is None or not splitter.restoreState(state):
            default_splitter_sizes(window, splitter)


def default_splitter_sizes(window: MainWindow, splitter: QSplitter) -> None:
    if splitter is window.main_splitter:
        splitter.setSizes([window.panel.sizeHint().width() + 12, 1000])
    elif splitter is window.view_splitter:
        splitter.setSizes([545, 180])      # the explorer takes the largest place
    else:
        splitter.setSizes([560, 420])


def save_geometry(window: MainWindow) -> None:
    """Remember the window's geometry and splitters in its settings (the caller syncs them)."""
    settings = window.app_settings
    settings.set_bytes("window/geometry", window.saveGeometry())
    for splitter in (window.main_splitter, window.view_splitter, window.bottom_splitter):
        settings.set_bytes(f"window/{splitter.objectName()}", splitter.saveState())
