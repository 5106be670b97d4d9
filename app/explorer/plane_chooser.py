"""Which plane of a latent space larger than 2 the explorer shows: its principal plane, or two chosen dimensions.

Three combo boxes in a row, shown only when the latent size is above 2 (the dimension boxes only for the "two
axes" plane). The chooser holds the choice; the explorer computes the plane from it.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

PRINCIPAL, DIMENSIONS = "PCA plane", "Two axes"   # short: the explorer's toolbar must fit a 1280-pixel window


class PlaneChooser(QWidget):
    """The plane mode (PRINCIPAL or DIMENSIONS) and the two dimensions (i, j), 0-based and different.

    The signals follow the user's choices; the setters change the controls without them.
    """

    mode_changed = Signal()
    dimensions_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._latent_dim = 0
        self._dimensions = (0, 1)
        self.mode_combo = QComboBox()
        self.mode_combo.addItems([PRINCIPAL, DIMENSIONS])
        self.mode_combo.setToolTip("Which plane through latent space the plot shows: that of the codes' first "
                                    "two principal components, or two chosen latent dimensions")
        self._axis_combos = (QComboBox(), QComboBox())
        self._axis_combos[0].setToolTip("Horizontal axis: latent dimension")
        self._axis_combos[1].setToolTip("Vertical axis: latent dimension")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.mode_combo, *self._axis_combos):
            layout.addWidget(widget)
        self.mode_combo.currentTextChanged.connect(self._on_mode_combo_changed)
        self._axis_combos[0].currentIndexChanged.connect(self._on_x_combo_changed)
        self._axis_combos[1].currentIndexChanged.connect(self._on_y_combo_changed)
        self._update_controls()

    def mode(self) -> str:
        return self.mode_combo.currentText()

    def dimensions(self) -> tuple[int, int]:
        return self._dimensions

    def set_latent_dim(self, d: int) -> None:
        """A latent space of size d: the dimension boxes offer z1..zd."""
        self._latent_dim = d
        self._update_controls()

    def set_choice(self, mode: str, dimensions: tuple[int, int] | None = None) -> None:
        """Show this mode (and these dimensions, when given) without emitting ``changed``."""
        if dimensions is not None:
            self._dimensions = dimensions
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentText(mode)
        self.mode_combo.blockSignals(False)
        self._update_controls()

    def _update_controls(self) -> None:
        d = self._latent_dim
        self.mode_combo.setVisible(d > 2)
        for combo, value in zip(self._axis_combos, self._dimensions):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([f"z{k + 1}" for k in range(d)])
            combo.setCurrentIndex(value)
            combo.blockSignals(False)
            combo.setVisible(d > 2 and self.mode() == DIMENSIONS)

    def _set_dimension(self, axis: int, value: int) -> None:
        dimensions = list(self._dimensions)
        if value == dimensions[1 - axis]:
            dimensions[1 - axis] = dimensions[axis]  # choosing the other axis' dimension swaps them
        dimensions[axis] = value
        self._dimensions = (dimensions[0], dimensions[1])
        self._update_controls()
        self.dimensions_changed.emit()

    def _on_mode_combo_changed(self, mode: str) -> None:
        self._update_controls()
        self.mode_changed.emit()

    def _on_x_combo_changed(self, index: int) -> None:
        if index >= 0:
            self._set_dimension(0, index)

    def _on_y_combo_changed(self, index: int) -> None:
        if index >= 0:
            self._set_dimension(1, index)
