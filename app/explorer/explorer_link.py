"""Two latent explorers under one cursor, for comparing two runs side by side (say an AE and a VAE).

A press or drag in either decodes the same latent vector in both, each with its own decoder; hovering a test image
in either rings that image in the other, at the other model's code of it; and both plots may share their axes.
It only forwards between the explorers' public API: it decodes nothing and knows nothing of runs or windows.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Slot
from shiboken6 import isValid

from app.explorer.latent_explorer import LatentExplorer


class ExplorerLink(QObject):
    """Links explorers `first` and `second` until `unlink` (or `set_explorers` with others).

    Latent vectors are shared only between spaces of one size: otherwise each explorer says so under its decoded
    image and decodes only its own points (a vector of 2 numbers means nothing to a decoder of 8), while the hover
    link, which names test images, still works.
    """

    def __init__(self, first: LatentExplorer, second: LatentExplorer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._explorers: tuple[LatentExplorer, LatentExplorer] | None = None
        self._same_axes = False
        self.set_explorers(first, second)

    def explorers(self) -> tuple[LatentExplorer, LatentExplorer] | None:
        """The linked pair, or None after `unlink`."""
        return self._explorers

    def set_explorers(self, first: LatentExplorer, second: LatentExplorer) -> None:
        """Link `first` and `second` from now on, unlinking the pair linked before (e.g. when the window replaces an
        explorer with one for other classes); the same-axes choice carries over."""
        self.unlink()
        self._explorers = (first, second)
        first.point_probed.connect(self._on_first_point_probed)
        second.point_probed.connect(self._on_second_point_probed)
        first.test_point_hovered.connect(self._on_first_test_point_hovered)
        second.test_point_hovered.connect(self._on_second_test_point_hovered)
        for explorer in self._explorers:
            explorer.latent_dim_changed.connect(self._update_notes)
        self._update_notes()
        if self._same_axes:
            _link_axes(first, second)

    def unlink(self) -> None:
        """Let both explorers work alone again: no forwarding, rings or notes, and each plot on its own axes framing
        its own points. Explorers already deleted are skipped."""
        if self._explorers is None:
            return
        first, second = self._explorers
        self._explorers = None
        if isValid(first):
            first.point_probed.disconnect(self._on_first_point_probed)
            first.test_point_hovered.disconnect(self._on_first_test_point_hovered)
        if isValid(second):
            second.point_probed.disconnect(self._on_second_point_probed)
            second.test_point_hovered.disconnect(self._on_second_test_point_hovered)
        for explorer in (first, second):
            if isValid(explorer):
                explorer.latent_dim_changed.disconnect(self._update_notes)
                explorer.highlight_test_point(None)
                explorer.set_link_note("")
        if self._same_axes:
            _unlink_axes(first, second)

    @property
    def same_axes(self) -> bool:
        """Whether both plots show the same region (ranges linked)."""
        return self._same_axes

    def set_same_axes(self, same: bool) -> None:
        """Put both plots on the same axes, framing both runs' points, so their scales compare at a glance; False
        gives each its own axes again, framing its own points."""
        if same == self._same_axes:
            return
        self._same_axes = same
        if self._explorers is None:
            return
        if same:
            _link_axes(*self._explorers)
        else:
            _unlink_axes(*self._explorers)

    # -- forwarding -------------------------------------------------------------------------------------------

    @Slot(object)
    def _on_first_point_probed(self, z: np.ndarray) -> None:
        self._explorers[1].show_point(z)

    @Slot(object)
    def _on_second_point_probed(self, z: np.ndarray) -> None:
        self._explorers[0].show_point(z)

    @Slot(int)
    def _on_first_test_point_hovered(self, index: int) -> None:
        self._explorers[1].highlight_test_point(None if index < 0 else index)

    @Slot(int)
    def _on_second_test_point_hovered(self, index: int) -> None:
        self._explorers[0].highlight_test_point(None if index < 0 else index)

    @Slot()
    def _update_notes(self) -> None:
        """Say in each explorer when its points cannot be shown in the other (latent sizes differ)."""
        first, second = self._explorers
        sizes = first.latent_dim(), second.latent_dim()
        differ = 0 not in sizes and sizes[0] != sizes[1]
        first.set_link_note(_size_note(*sizes) if differ else "")
        second.set_link_note(_size_note(*reversed(sizes)) if differ else "")


def _link_axes(first: LatentExplorer, second: LatentExplorer) -> None:
    # pyqtgraph links both ways: second follows first's range changes, and tells first of its own.
    second.scatter.view_box.setXLink(first.scatter.view_box)
    second.scatter.view_box.setYLink(first.scatter.view_box)
    first.scatter.frame_with(second.scatter)
    second.scatter.frame_with(first.scatter)
    first.fit_view()


def _unlink_axes(first: LatentExplorer, second: LatentExplorer) -> None:
    if isValid(second):
        second.scatter.view_box.setXLink(None)
        second.scatter.view_box.setYLink(None)
    for explorer in (first, second):
        if isValid(explorer):
            explorer.scatter.frame_with(None)
            explorer.fit_view()


def _size_note(own: int, other: int) -> str:
    return (f"The other run's latent space has {other} dimension{'s' * (other != 1)}, this one {own}: a point "
            f"pressed in either is decoded there only.")
