"""The image strips under the explorer: test images over their reconstructions, and samples decoded from draws of
the prior N(0, I); for one run, or for the two runs of a comparison, a row each.

RunStrips keeps each run's latest reconstructions and samples, so that a snapshot of one run redraws the rows of
both; it shows the arrays it is given and computes nothing.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.plots.image_strip import ImageStrip

NO_PRIOR_NOTE = "Only a VAE has a prior to sample from."


@dataclass
class _RunRows:
    run: object
    name: str
    kind: str
    reconstructions: np.ndarray | None = None     # (k, 784)
    samples: np.ndarray | None = None             # (m, 784)


class RunStrips:
    """Fills ``reconstructions`` and ``samples`` (ImageStrips) with the rows of the runs set by ``set_runs``."""

    def __init__(self, reconstructions: ImageStrip, samples: ImageStrip) -> None:
        self.reconstructions = reconstructions
        self.samples = samples
        self._runs: list[_RunRows] = []
        self._test_images: np.ndarray | None = None
        self.set_runs([(None, "", "vae")])

    def set_runs(self, runs: Sequence[tuple[object, str, str]]) -> None:
        """Show these runs, (run, name, kind) each, top to bottom, from now on; ``run`` is what ``show`` names it
        by. One run has the rows "Reconstructed" and two rows of samples (a note instead for an AE); two runs have a
        row each, named. An AE of a comparison is sampled too: what N(0, I) gives in a space no prior shaped is
        part of the comparison."""
        self._runs = [_RunRows(run, name, kind) for run, name, kind in runs]
        compare = len(runs) > 1
        self.reconstructions.grid.set_row_labels(["Test images", *(r.name for r in self._runs)] if compare
                                                 else ["Test images", "Reconstructed"])
        self.samples.grid.set_row_labels([r.name for r in self._runs] if compare else ["z ~ N(0, I)", ""])
        self.samples.show_note(None if compare or runs[0][2] == "vae" else NO_PRIOR_NOTE)
        width = max(self.reconstructions.grid.natural_label_width(), self.samples.grid.natural_label_width())
        self.reconstructions.grid.min_label_width = self.samples.grid.min_label_width = width
        self._redraw()

    def set_test_images(self, images: np.ndarray) -> None:
        """The test images (k, 784) over the reconstructions."""
        self._test_images = images
        self._redraw()

    def show(self, run: object, reconstructions: np.ndarray, samples: np.ndarray | None) -> None:
        """``run``'s reconstructions of the test images, and its decoded prior draws (or None)."""
        rows = next(r for r in self._runs if r.run is run)
        rows.reconstructions = reconstructions
        rows.samples = samples
        self._redraw()

    def _redraw(self) -> None:
        if self._test_images is None:
            return
        empty = np.zeros((0, self._test_images.shape[1]), np.uint8)
        runs = self._runs
        self.reconstructions.set_rows([self._test_images, *(empty if r.reconstructions is None
                                                            else r.reconstructions for r in runs)])
        if len(runs) > 1:
            self.samples.set_rows([empty if r.samples is None else r.samples for r in runs])
        elif runs[0].samples is not None:
            half = len(runs[0].samples) // 2
            self.samples.set_rows([runs[0].samples[:half], runs[0].samples[half:]])
