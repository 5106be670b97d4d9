"""The decoded panel of two explorers side by side: what each run's decoder makes of the point under the cursor,
the two images next to each other under the runs' names, so a press shows one model's digit beside the other's
smear at the same z; or, toggled, the two runs' latent traversals of that point, one above the other.

It shows what its explorers decode (their ``point_decoded``, and ``decoder()`` for the traversals) and decodes
nothing itself but the traversals.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from app.explorer.decoded_toggle import DecodedToggle
from app.explorer.latent_explorer import LatentExplorer
from app.explorer.traversal_view import TraversalView
from app.widgets.image_panel import ImagePanel

PAIR_SIDE = 140            # each image at 5x
PAIR_MIN_SIDE = 84         # 3x in a 1024-pixel window
PLACEHOLDER = "Press or drag in either plot"
CAPTION_LINES = 3          # z of 8 dimensions wraps to 3 lines in the narrowest column


class DecodedPair(QWidget):
    """The images that ``left`` and ``right`` (linked explorers, shown in this order) decode, named by the runs, or
    their traversals (`show_traversal`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._explorers: list[LatentExplorer] = []
        self.panels = [ImagePanel(side=PAIR_SIDE, minimum_side=PAIR_MIN_SIDE, placeholder=PLACEHOLDER)
                       for _ in range(2)]
        self.name_labels = [QLabel() for _ in range(2)]
        # One above the other: side by side, in a column of 180 to 290 pixels, 14 columns of images would be 10 to
        # 18 pixels wide, too small to read a digit; stacked, each row of 7 keeps 28 pixels or more (or scrolls).
        self.traversals = [TraversalView() for _ in range(2)]
        self.toggle = DecodedToggle()
        self.caption = QLabel("The same point decoded by both runs' decoders.")
        self.caption.setWordWrap(True)
        self.caption.setEnabled(False)          # greyed: a hint
        # A new text each drag move must not relayout the window: the caption's size never depends on its text.
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.caption.setFixedHeight(CAPTION_LINES * self.caption.fontMetrics().lineSpacing())
        self.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.size_note = QLabel()                # why a point is not shared, when the spaces differ in size
        self.size_note.setWordWrap(True)
        self.size_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)   # never widens it
        self.size_note.hide()
        title = QLabel("Decoded")
        font = title.font()
        font.setBold(True)
        title.setFont(font)

        images = QWidget()
        grid = QGridLayout(images)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        for column, (panel, name) in enumerate(zip(self.panels, self.name_labels)):
            name.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(name, 0, column)         # above: a panel smaller than its row leaves room below it
            grid.addWidget(panel, 1, column, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(2, 1)                    # the stack's spare height below the images, not between rows
        traversals = QWidget()
        # Ignored: the images alone size the column, so toggling moves neither the explorers nor the caption.
        traversals.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._column = QVBoxLayout(traversals)
        self._column.setContentsMargins(0, 0, 0, 0)
        for view in self.traversals:
            self._column.addWidget(view, 1)
        self._stack = QStackedWidget()
        self._stack.addWidget(images)
        self._stack.addWidget(traversals)

        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(self.toggle)
        layout.addWidget(self._stack)
        layout.addWidget(self.caption)
        layout.addWidget(self.size_note)
        layout.addStretch(0)      # the room below the images; none below the traversals (see show_traversal)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.toggle.traversal_toggled.connect(self.show_traversal)
        first, second = (view.scroll_area.verticalScrollBar() for view in self.traversals)
        first.valueChanged.connect(second.setValue)     # scrolled together: the same dimensions of both in view
        second.valueChanged.connect(first.setValue)

    def set_explorers(self, left: LatentExplorer, right: LatentExplorer, names: tuple[str, str]) -> None:
        """Show what ``left`` and ``right`` decode, under ``names``; the explorers shown before are let go."""
        for explorer in self._explorers:
            try:
                explorer.point_decoded.disconnect(self._on_explorer_point_decoded)
                explorer.decoder_changed.disconnect(self._on_explorer_decoder_changed)
                explorer.latent_dim_changed.disconnect(self._update_size_note)
            except (RuntimeError, TypeError):    # deleted already (the window replaced it)
                pass
        self._explorers = [left, right]
        for explorer in self._explorers:
            explorer.point_decoded.connect(self._on_explorer_point_decoded)
            explorer.decoder_changed.connect(self._on_explorer_decoder_changed)
            explorer.latent_dim_changed.connect(self._update_size_note)
        self.set_names(names)
        for panel, view, explorer in zip(self.panels, self.traversals, self._explorers):
            panel.set_image(explorer.decoded_image())
            view.set_point(None)                    # so that the new decoder draws nothing until the new point
            _give_decoder(view, explorer)
            view.set_point(explorer.decoded_point())
        self._share_height()
        self._update_size_note()

    def set_names(self, names: tuple[str, str]) -> None:
        for label, view, name in zip(self.name_labels, self.traversals, names):
            label.setText(name)
            view.title.setText(name)

    def show_traversal(self, shown: bool) -> None:
        """Show the runs' traversals of the point (True), or their images of it."""
        self.toggle.set_traversal(shown)
        self._stack.setCurrentIndex(1 if shown else 0)
        self._layout.setStretchFactor(self._stack, 1 if shown else 0)     # the traversals take the column's height

    def images(self) -> list[np.ndarray | None]:
        """The two shown images, (28, 28) uint8 each, or None where nothing is decoded yet."""
        return [panel.image() for panel in self.panels]

    @Slot(object)
    def _on_explorer_point_decoded(self, z: np.ndarray) -> None:
        for panel, view, explorer in zip(self.panels, self.traversals, self._explorers):
            if explorer is self.sender():
                panel.set_image(explorer.decoded_image())
                view.set_point(z)
        self.caption.setText("z = (" + ", ".join(f"{value:+.2f}" for value in z) + ")")

    @Slot()
    def _on_explorer_decoder_changed(self) -> None:
        for view, explorer in zip(self.traversals, self._explorers):
            if explorer is self.sender():
                _give_decoder(view, explorer)
        self._share_height()        # the latent size may have changed

    @Slot()
    def _update_size_note(self) -> None:
        """Say why a point pressed in one plot is not decoded in the other, when the latent spaces differ in size
        (ExplorerLink shares no point then)."""
        first, second = (explorer.latent_dim() for explorer in self._explorers)
        differ = 0 not in (first, second) and first != second
        self.size_note.setText(f"The latent spaces have {first} and {second} dimensions: a point is decoded only by "
                               f"the run whose plot it is pressed in." if differ else "")
        self.size_note.setVisible(differ)

    def _share_height(self) -> None:
        """Each traversal's height in proportion to its rows (and the column labels'), so that a run of latent size
        2 above one of 8 leaves the 8 rows all the room the 2 do not need."""
        for view, explorer in zip(self.traversals, self._explorers):
            self._column.setStretchFactor(view, explorer.latent_dim() + 1)


def _give_decoder(view: TraversalView, explorer: LatentExplorer) -> None:
    view.set_decoder(explorer.decoder(), explorer.latent_dim() or None)
