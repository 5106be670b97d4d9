"""A bounded history of the latent scatter during training, for a replay of the clusters forming.

Each kept snapshot is the 2-D position of a fixed subset of the test points (float32) and its step. At most
`max_snapshots` are kept: when full, every other one is dropped and from then on only every 2nd (4th, ...) new
snapshot is kept, so the replay always spans the whole run at an even pace in bounded memory. Drawing the frames
is core/animation/scatter_frames.py's job; this module neither trains nor encodes.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from app.explorer.latent_explorer import JITTER, stratified_subset
from app.widgets.palette import CLASS_COLORS
from core.animation.scatter_frames import render_scatter_frames
from core.latent.projection import LatentPlane

MAX_SNAPSHOTS = 300
MAX_POINTS = 2000


class LatentReplay:
    """Snapshots of the test codes' 2-D positions, oldest first.

    Latent size 2: the codes themselves. Above 2: the plane of each snapshot's first two principal components,
    signs kept consistent from one snapshot to the next (LatentPlane.principal's `like`). Latent size 1: the
    code against its class, like the explorer.
    """

    def __init__(self, max_snapshots: int = MAX_SNAPSHOTS, max_points: int = MAX_POINTS) -> None:
        if max_snapshots < 2:
            raise ValueError(f"a replay needs room for at least 2 snapshots, got {max_snapshots}")
        self.max_snapshots = max_snapshots
        self.max_points = max_points
        self.clear()

    def clear(self) -> None:
        """Forget every snapshot (a new model, or a new dataset)."""
        self.steps: list[int] = []
        self._positions: list[np.ndarray] = []  # (m, 2) float32 each
        self.labels = np.zeros(0, dtype=np.intp)  # (m,) the kept points' classes
        self._subset = np.zeros(0, dtype=np.intp)  # (m,) indices into the codes add() receives
        self._jitter = np.zeros(0)
        self._plane: LatentPlane | None = None
        self.stride = 1  # keep every stride-th offered snapshot
        self._offered = 0
        self._point_count = self._latent_dim = 0

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, step: int, codes: np.ndarray, labels: np.ndarray) -> bool:
        """Offer the test codes (n, d) float with their labels (n,) int at training step `step`.

        A step at or before the last kept one (a new model) or different points start a new history.
        Returns whether the snapshot was kept.
        """
        codes = np.asarray(codes)
        labels = np.asarray(labels, dtype=np.intp)
        if self.steps and (step <= self.steps[-1] or len(labels) != self._point_count
                           or codes.shape[1] != self._latent_dim):
            self.clear()
        if not self.steps and self._offered == 0:
            self._subset = stratified_subset(labels, self.max_points)
            self.labels = labels[self._subset]
            self._point_count, self._latent_dim = len(labels), codes.shape[1]
            self._jitter = np.random.default_rng(1).uniform(-JITTER, JITTER, len(self._subset))
        self._offered += 1
        if (self._offered - 1) % self.stride:
            return False
        self.steps.append(int(step))
        self._positions.append(self._project(codes[self._subset]).astype(np.float32))
        if len(self.steps) > self.max_snapshots:
            self.steps, self._positions = self.steps[::2], self._positions[::2]
            self.stride *= 2  # the kept ones are the offered snapshots 0, stride, 2 * stride, ...
        return True

    def positions(self) -> list[np.ndarray]:
        """The kept snapshots: (m, 2) float32 plane positions each, oldest first."""
        return list(self._positions)

    def frames(self, class_names: Sequence[str], side: int = 480, hold_last: int = 0) -> np.ndarray:
        """Render every kept snapshot, captioned with its step, then `hold_last` more copies of the last frame
        (a pause before a GIF loops): (len(self) + hold_last, H, side, 3) uint8."""
        return self.frame_maker(class_names, side, hold_last)()

    def frame_maker(self, class_names: Sequence[str], side: int = 480, hold_last: int = 0) -> Callable[[], np.ndarray]:
        """A function returning `frames(...)` of the snapshots kept now: it holds its own lists (the arrays are
        never changed), so it may run on another thread while more snapshots arrive."""
        if not self.steps:
            raise ValueError("no snapshots to replay yet: train the model first")
        captions = [f"step {step:,}" for step in self.steps]
        render = partial(render_scatter_frames, list(self._positions), self.labels, CLASS_COLORS, side=side,
                         captions=captions, class_names=list(class_names))
        return partial(_with_held_last, render, hold_last)

    def _project(self, codes: np.ndarray) -> np.ndarray:
        d = codes.shape[1]
        if d == 1:
            return np.column_stack([codes[:, 0], self.labels + self._jitter])
        if d == 2:
            return np.asarray(codes, dtype=np.float64)
        self._plane = LatentPlane.principal(codes, like=self._plane)
        return self._plane.to_plane(codes)


def _with_held_last(render: Callable[[], np.ndarray], hold_last: int) -> np.ndarray:
    frames = render()
    return np.concatenate([frames, np.repeat(frames[-1:], hold_last, axis=0)])
