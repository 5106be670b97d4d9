"""Chooses the two test images an interpolation runs between: by class, or by clicking two points in the plot.

By class, as the `gif` command does (core.animation.recipe.pick_pair_by_label on the current model's codes): the test
image nearest its class mean among those every animated model reconstructs as their own class, and the arrows step
to the next or previous one of that class. It shows the chosen
images; it neither encodes (the codes are given) nor animates.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.widgets.form_rows import widget_row
from app.widgets.image_panel import ImagePanel
from core.animation.recipe import pick_pair_by_label

THUMB_SIDE = 32
DEFAULT_END_CLASSES = (2, 7)  # until the user chooses: a 2 turning into a 7 (the class indices, in any dataset)
PICK_HINTS = ("Click the start point in the latent plot…", "Now click the end point…")


class EndPicker(QWidget):
    """From and To: a class, arrows to step through it, the chosen image; Pick on plot; Swap.

    Feed it with set_test_set(images, labels) and set_codes(codes); `ends_changed` follows every new choice.
    """

    ends_changed = Signal()

    def __init__(self, class_names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images = np.zeros((0, 784), np.uint8)  # (n, 784) test images
        self._labels = np.zeros(0, np.intp)  # (n,)
        self._codes: np.ndarray | None = None  # (n, d) the current model's mean codes of the test images
        self._keeper: Callable[[np.ndarray], np.ndarray] | None = None  # images all models keep in class rank first
        self._ranks: list[int | None] = [0, 0]  # per end: rank within its class, or None when picked on the plot
        self._ends = [-1, -1]  # test indices
        self._picking = -1  # which end the next plot click sets; -1: not picking
        self.end_combos = [QComboBox(), QComboBox()]
        self.previous_buttons = [QToolButton(text="◀"), QToolButton(text="◀")]
        self.next_buttons = [QToolButton(text="▶"), QToolButton(text="▶")]
        self.thumbs = [ImagePanel(side=THUMB_SIDE), ImagePanel(side=THUMB_SIDE)]
        self.end_labels = [QLabel(), QLabel()]
        self.pick_button = QPushButton("Pick on plot")
        self.swap_button = QPushButton("Swap")
        self.hint_label = QLabel()
        self.hint_label.setObjectName("hint")
        self.hint_label.setWordWrap(True)
        self._build()
        self._set_class_names(class_names)

    def _build(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for end, name in enumerate(("From", "To")):
            self.end_combos[end].setToolTip("Class of the image: the test image nearest its class mean in latent "
                                            "space.")
            self.end_combos[end].activated.connect(partial(self._on_end_combo_activated, end))
            self.previous_buttons[end].setToolTip("The previous image of this class (nearer the class mean).")
            self.next_buttons[end].setToolTip("The next image of this class (farther from the class mean).")
            self.previous_buttons[end].clicked.connect(partial(self._step_rank, end, -1))
            self.next_buttons[end].clicked.connect(partial(self._step_rank, end, +1))
            self.end_labels[end].setObjectName("hint")
            form.addRow(name, widget_row(self.end_combos[end], self.previous_buttons[end], self.next_buttons[end],
                                   self.thumbs[end], self.end_labels[end]))
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip("Click two points in the latent plot: the start, then the end.")
        self.pick_button.toggled.connect(self._on_pick_button_toggled)
        self.swap_button.setToolTip("Exchange the start and the end of the path.")
        self.swap_button.clicked.connect(self.swap_ends)
        form.addRow("", widget_row(self.pick_button, self.swap_button))
        form.addRow(self.hint_label)
        self.hint_label.hide()

    # ---- data -----------------------------------------------------------------------------------------------
    def set_test_set(self, images: np.ndarray, labels: np.ndarray, class_names: Sequence[str] | None = None) -> None:
        """The images to choose from: images (n, 784) uint8, labels (n,) int. Ends picked on the plot are
        forgotten (they were other images); the codes must be given again."""
        self._images, self._labels = np.asarray(images), np.asarray(labels, dtype=np.intp)
        if class_names is not None:
            self._set_class_names(class_names)
        self._ranks = [0 if rank is None else rank for rank in self._ranks]
        self._codes = None
        self._ends = [-1, -1]
        self._show_ends()

    def set_codes(self, codes: np.ndarray | None, keeper: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        """The current model's mean codes (n, d) of the test images (None: no model); ends by class follow them.
        keeper: indices -> whether every model animated reconstructs those images as their own class (a ClassKeeper);
        those rank first in their class (pick_pair_by_label)."""
        self._codes = codes
        self._keeper = keeper
        self._choose()

    def set_ends_by_label(self, from_label: int, to_label: int, from_rank: int = 0, to_rank: int = 0) -> None:
        """From an image of class from_label to one of to_label: rank 0 is the test image nearest its class mean,
        1 the next nearest, -1 the farthest (pick_pair_by_label)."""
        for end, (label, rank) in enumerate(((from_label, from_rank), (to_label, to_rank))):
            self.end_combos[end].setCurrentIndex(label)
            self._ranks[end] = rank
        self._choose()

    def set_ends(self, start: int, end: int) -> None:
        """Between the test images with these indices."""
        self._ends, self._ranks = [start, end], [None, None]
        self._show_ends()
        self.ends_changed.emit()

    def ends(self) -> tuple[int, int]:
        """The test indices of the start and end images; -1 while there are no codes."""
        return self._ends[0], self._ends[1]

    def ranks(self) -> tuple[int | None, int | None]:
        """Each end's rank in its class (0: the first choice), or None for an end picked on the plot."""
        return self._ranks[0], self._ranks[1]

    def class_names(self) -> list[str]:
        return [self.end_combos[0].itemText(i) for i in range(self.end_combos[0].count())]

    def end_classes(self) -> tuple[int, int] | None:
        """The classes of the start and end images, or None while there are no ends."""
        if min(self._ends) < 0:
            return None
        return int(self._labels[self._ends[0]]), int(self._labels[self._ends[1]])

    @Slot()
    def swap_ends(self) -> None:
        self._ranks.reverse()
        self._ends.reverse()
        self._show_ends()
        self.ends_changed.emit()

    @Slot(int)
    def pick_point(self, index: int) -> None:
        """A test point was clicked in the plot: while picking, it becomes the start, then the end."""
        if self._picking < 0 or index < 0:
            return
        self._ends[self._picking], self._ranks[self._picking] = index, None
        self._picking += 1
        if self._picking > 1:
            self.pick_button.setChecked(False)  # both chosen: _on_pick_button_toggled ends the picking
        else:
            self._hint(PICK_HINTS[1])
        self._show_ends()
        self.ends_changed.emit()

    # ---- helpers --------------------------------------------------------------------------------------------
    def _set_class_names(self, class_names: Sequence[str]) -> None:
        for combo, default in zip(self.end_combos, DEFAULT_END_CLASSES):
            if [combo.itemText(i) for i in range(combo.count())] != list(class_names):
                index = combo.currentIndex() if combo.count() else default
                combo.clear()
                combo.addItems(list(class_names))
                combo.setCurrentIndex(max(0, min(index, combo.count() - 1)))

    def _choose(self) -> None:
        """Pick the ends chosen by class with the codes, as the command line does."""
        if self._codes is None:
            self._ends = [-1, -1]
        else:
            labels = [combo.currentIndex() for combo in self.end_combos]
            ranks = [0 if rank is None else rank for rank in self._ranks]
            try:
                picked = pick_pair_by_label(self._codes, self._labels, *labels, *ranks, self._keeper)
            except ValueError as error:
                self._hint(f"Cannot animate: {error}.")
                picked = (-1, -1)
            self._ends = [picked[end] if self._ranks[end] is not None else self._ends[end] for end in range(2)]
        self._show_ends()
        self.ends_changed.emit()

    def _show_ends(self) -> None:
        for end, (index, rank) in enumerate(zip(self._ends, self._ranks)):
            self.thumbs[end].set_image(self._images[index] if index >= 0 else None)
            if index < 0:
                text = ""
            elif rank is None:
                text = f"#{index}\npicked"
            else:
                members = int(np.sum(self._labels == self._labels[index]))
                text = f"#{index}\n{rank % members + 1} of {members}"
            self.end_labels[end].setText(text)
            if index >= 0:
                self.end_combos[end].setCurrentIndex(int(self._labels[index]))

    def _hint(self, text: str) -> None:
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))

    def _on_end_combo_activated(self, end: int, index: int) -> None:
        self._ranks[end] = 0
        self._choose()

    def _step_rank(self, end: int, delta: int, *args) -> None:
        self._ranks[end] = (self._ranks[end] or 0) + delta
        self._choose()

    @Slot(bool)
    def _on_pick_button_toggled(self, checked: bool) -> None:
        self._picking = 0 if checked else -1
        self._hint(PICK_HINTS[0] if checked else "")
