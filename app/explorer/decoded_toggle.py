"""The switch under a "Decoded" heading between the decoded image of the chosen point and its latent traversal: two
checkable buttons side by side, one always down, as a segmented control.

It only holds the choice; its owner (the explorer's side column, or the compare mode's decoded pair) shows the view.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QSizePolicy, QToolButton, QWidget

IMAGE_TIP = "The decoder's image of the point under the cursor"
TRAVERSAL_TIP = ("One row per latent dimension: the point decoded with that dimension set from -3 to +3, the others "
                 "kept, so each row shows what its dimension encodes")


class DecodedToggle(QWidget):
    """"Image" or "Traversal"; the image at first."""

    traversal_toggled = Signal(bool)  # the user chose the traversal (True) or the image (False); not set_traversal

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image_button = _segment("Image", IMAGE_TIP)
        self.traversal_button = _segment("Traversal", TRAVERSAL_TIP)
        self.image_button.setChecked(True)
        group = QButtonGroup(self)          # exclusive: pressing one releases the other
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)                # touching, so the two read as one control
        for button in (self.image_button, self.traversal_button):
            group.addButton(button)
            layout.addWidget(button)
            button.clicked.connect(self._on_button_clicked)

    def traversal_shown(self) -> bool:
        return self.traversal_button.isChecked()

    def set_traversal(self, shown: bool) -> None:
        """Press the traversal button (True) or the image button, without emitting `traversal_toggled`."""
        (self.traversal_button if shown else self.image_button).setChecked(True)

    def _on_button_clicked(self) -> None:
        self.traversal_toggled.emit(self.traversal_shown())


def _segment(text: str, tip: str) -> QToolButton:
    # Tool buttons, not push buttons: the style gives those a minimum width of 80 px, too wide for a 176-px column.
    button = QToolButton(text=text, checkable=True)
    button.setToolTip(tip)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button
