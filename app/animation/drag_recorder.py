"""Records the images decoded while the user presses and drags in the latent explorer, for an animation.

While recording, each decoded image is kept with its time stamp (time.monotonic). Stopping gives a Recording,
which resamples to any frame rate by sample-and-hold: frame k shows the last image decoded at or before k / fps.
It neither decodes nor writes files.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core.animation.frames import compose_frames

MAX_TAIL = 1.0  # seconds the last image is held at most: the pause before the user reached Stop


def sample_and_hold(times: np.ndarray, fps: float, count: int) -> np.ndarray:
    """Indices (count,) of the sample shown at t = k / fps, k = 0 .. count - 1: the last one with time <= t.

    times: (n,) non-decreasing seconds, times[0] == 0 (a moment before the first sample shows the first).
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    t = np.arange(count) / fps
    # A small tolerance: k / fps computed in floating point must not miss a sample stamped exactly then.
    return np.clip(np.searchsorted(np.asarray(times), t + 1e-9, side="right") - 1, 0, None)


@dataclass(frozen=True)
class Recording:
    """Decoded images with their times. times: (n,) seconds from the first image; images: (n, 784) float in
    [0, 1]; duration: seconds from the first image to the end of the recording (>= times[-1])."""

    times: np.ndarray
    images: np.ndarray
    duration: float

    def frame_count(self, fps: float) -> int:
        """round(duration * fps) frames, at least one."""
        return max(1, round(self.duration * fps))

    def resample(self, fps: float) -> np.ndarray:
        """The images at a steady frame rate: (frame_count(fps), 784), frame k the one shown at k / fps."""
        return self.images[sample_and_hold(self.times, fps, self.frame_count(fps))]

    def frames(self, fps: float, scale: int = 8, title: str = "") -> np.ndarray:
        """The resampled images as animation frames (frame_count(fps), H, W, 3) uint8, titled, upscaled by
        `scale` (core.animation.frames.compose_frames, as the interpolation animations)."""
        return compose_frames([(title, self.resample(fps))], scale=scale, caption=False)


class DragRecorder(QObject):
    """Captures decoded images between `start` and `stop`; `watch` an explorer to capture its decodes.

    clock: seconds, monotonic (tests pass a fake one).
    """

    recording_changed = Signal(bool)
    captured = Signal(int)  # the number of images captured so far

    def __init__(self, clock: Callable[[], float] = time.monotonic, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._times: list[float] = []
        self._images: list[np.ndarray] = []
        self._recording = False
        self._explorer = None

    @property
    def recording(self) -> bool:
        return self._recording

    def watch(self, explorer) -> None:
        """Capture every image `explorer` decodes (its `point_decoded` signal, then `decoded_image()`);
        a LatentExplorer, or anything with those two. Watching another explorer stops watching the old one."""
        if self._explorer is not None:
            try:
                self._explorer.point_decoded.disconnect(self._on_explorer_point_decoded)
            except (RuntimeError, TypeError):  # already deleted (the window replaced it), or not connected
                pass
        self._explorer = explorer
        explorer.point_decoded.connect(self._on_explorer_point_decoded)

    def start(self) -> None:
        """Start a new recording (forgetting an unfinished one)."""
        self._times, self._images = [], []
        self._recording = True
        self.recording_changed.emit(True)

    def stop(self) -> Recording | None:
        """End the recording; returns it, or None when nothing was decoded meanwhile."""
        if not self._recording:
            return None
        stopped = self._clock()
        self._recording = False
        self.recording_changed.emit(False)
        if not self._images:
            return None
        times = np.asarray(self._times) - self._times[0]
        end = min(stopped - self._times[0], times[-1] + MAX_TAIL)
        recording = Recording(times, np.stack(self._images), max(float(end), float(times[-1])))
        self._times, self._images = [], []
        return recording

    def add(self, image: np.ndarray | None) -> None:
        """Capture `image` (784,) float in [0, 1], stamped now, if recording."""
        if not self._recording or image is None:
            return
        self._times.append(self._clock())
        self._images.append(np.array(image, dtype=np.float32).reshape(-1))
        self.captured.emit(len(self._images))

    @Slot(object)
    def _on_explorer_point_decoded(self, z: np.ndarray) -> None:
        self.add(self._explorer.decoded_image())
