"""Keeps a latent explorer's view on its codes as training moves them, until the user pans or zooms (then Fit frames
them again and resumes following)."""
from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from app.explorer.latent_explorer import LatentExplorer


class ExplorerFraming(QObject):
    """Frames ``explorer``'s codes after each snapshot when they left its view or fill little of it."""

    def __init__(self, explorer: LatentExplorer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.auto_fit = True       # frame the latent codes as they move, until the user pans or zooms
        self._explorer = explorer
        self.set_explorer(explorer)

    def set_explorer(self, explorer: LatentExplorer) -> None:
        """Frame ``explorer`` from now on (it replaced the one given before)."""
        self._explorer = explorer
        explorer.scatter.view_box.sigRangeChangedManually.connect(self._on_view_box_range_changed_manually)

    def fit(self) -> None:
        """Frame all latent codes, and keep framing them as training moves them."""
        self.auto_fit = True
        self._explorer.fit_view()

    def follow(self) -> None:
        """After a snapshot: frame the codes if the view follows them and they need it."""
        if self.auto_fit and self._needs_framing():
            self._explorer.fit_view()

    def _needs_framing(self) -> bool:
        """Whether what Fit frames (the codes, and the prior's circles) left the explorer's view or fills little of
        it. Refitting on every snapshot would redraw the plot's axes each time, the costliest part of a repaint
        while training runs."""
        scatter = self._explorer.scatter
        bounds = scatter.framed_bounds()
        if bounds is None:
            return False
        (x0, x1), (y0, y1) = scatter.view_box.viewRange()
        outside = bounds.left() < x0 or bounds.top() < y0 or bounds.right() > x1 or bounds.bottom() > y1
        # Shrink only when the codes fill little of both axes: with the aspect locked (latent size 2 and up) one
        # axis has room to spare; unlocked (latent size 1), the class rows always fill the y axis.
        aspect_locked = bool(scatter.view_box.state["aspectLocked"])
        small = bounds.width() < 0.5 * (x1 - x0) and (bounds.height() < 0.5 * (y1 - y0) or not aspect_locked)
        return outside or small

    @Slot()
    def _on_view_box_range_changed_manually(self, *args) -> None:
        self.auto_fit = False
