"""The decoded panel of two explorers side by side: what each run's decoder makes of the point under the cursor,
the two images next to each other under the runs' names, so a press shows one model's digit beside the other's
smear at the same z.

It shows what its explorers decode (their ``point_decoded``) and decodes nothing itself.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.explorer.latent_explorer import LatentExplorer
from app.widgets.image_panel import ImagePanel

PAIR_SIDE = 140            # each image at 5x
PAIR_MIN_SIDE = 84         # 3x in a 1024-pixel window
PLACEHOLDER = "Press or drag in either plot"


class DecodedPair(QWidget):
    """The images that ``left`` and ``right`` (linked explorers, shown in this order) decode, named by the runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._explorers: list[LatentExplorer] = []
        self.panels = [ImagePanel(side=PAIR_SIDE, minimum_side=PAIR_MIN_SIDE, placeholder=PLACEHOLDER)
                       for _ in range(2)]
        self.name_labels = [QLabel() for _ in range(2)]
        self.caption = QLabel("The same point decoded by both runs' decoders.")
        self.caption.setWordWrap(True)
        self.caption.setEnabled(False)          # greyed: a hint
        title = QLabel("Decoded")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        for column, (panel, name) in enumerate(zip(self.panels, self.name_labels)):
            name.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(name, 0, column)         # above: a panel smaller than its row leaves room below it
            grid.addWidget(panel, 1, column, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 6, 6)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)

    def set_explorers(self, left: LatentExplorer, right: LatentExplorer, names: tuple[str, str]) -> None:
        """Show what ``left`` and ``right`` decode, under ``names``; the explorers shown before are let go."""
        for explorer in self._explorers:
            try:
                explorer.point_decoded.disconnect(self._on_explorer_point_decoded)
            except (RuntimeError, TypeError):    # deleted already (the window replaced it)
                pass
        self._explorers = [left, right]
        for explorer in self._explorers:
            explorer.point_decoded.connect(self._on_explorer_point_decoded)
        self.set_names(names)
        for panel, explorer in zip(self.panels, self._explorers):
            panel.set_image(explorer.decoded_image())

    def set_names(self, names: tuple[str, str]) -> None:
        for label, name in zip(self.name_labels, names):
            label.setText(name)

    def images(self) -> list[np.ndarray | None]:
        """The two shown images, (28, 28) uint8 each, or None where nothing is decoded yet."""
        return [panel.image() for panel in self.panels]

    @Slot(object)
    def _on_explorer_point_decoded(self, z: np.ndarray) -> None:
        for panel, explorer in zip(self.panels, self._explorers):
            if explorer is self.sender():
                panel.set_image(explorer.decoded_image())
        self.caption.setText("z = (" + ", ".join(f"{value:+.2f}" for value in z) + ")")
