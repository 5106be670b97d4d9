"""One run's losses as the loss plot draws them: each step's loss, reconstruction and KL, their moving averages,
and the epochs' test losses, in arrays that grow as steps stream in.

Plain NumPy: it holds and smooths the numbers, and draws nothing (app/plots/run_curves.py does).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.training.trainer import EpochProgress, History, StepProgress

EMA_ALPHA = 0.1           # moving-average weight of the newest step (about the last 10 steps: little lag)
TERMS = ("loss", "rec", "kl")


class GrowingArray:
    """A float64 array that grows by doubling, so appending n values costs O(n) overall."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.empty(capacity)
        self.size = 0

    def extend(self, values: Sequence[float] | np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        needed = self.size + len(values)
        if needed > len(self._data):
            grown = np.empty(max(needed, 2 * len(self._data)))
            grown[:self.size] = self._data[:self.size]
            self._data = grown
        self._data[self.size:needed] = values
        self.size = needed

    def view(self) -> np.ndarray:
        """The values so far (a view: it stays valid, later appends do not change it)."""
        return self._data[:self.size]

    def clear(self) -> None:
        self.size = 0


class MovingAverage:
    """Exponential moving average with bias correction (it starts at the first value, not at zero)."""

    def __init__(self, alpha: float = EMA_ALPHA) -> None:
        self.alpha = alpha
        self._biased = 0.0
        self._weight = 0.0

    def update(self, values: Sequence[float]) -> list[float]:
        out = []
        keep = 1.0 - self.alpha
        for value in values:
            self._biased = keep * self._biased + self.alpha * value
            self._weight = keep * self._weight + self.alpha
            out.append(self._biased / self._weight)
        return out


class RunSeries:
    """The steps (1-based), the raw and averaged "loss", "rec" and "kl" of each, and the finished epochs of one run."""

    def __init__(self) -> None:
        self.steps = GrowingArray()
        self.raw = {term: GrowingArray() for term in TERMS}
        self.smooth = {term: GrowingArray() for term in TERMS}
        self._averages = {term: MovingAverage() for term in TERMS}
        self.epochs: list[EpochProgress] = []

    @property
    def size(self) -> int:
        return self.steps.size

    def set_history(self, history: History) -> None:
        """Hold ``history``'s steps and epochs instead of what was held."""
        self.steps.clear()
        for term in TERMS:
            self.raw[term].clear()
            self.smooth[term].clear()
            self._averages[term] = MovingAverage()
        self.append(history.loss, history.rec, history.kl)
        self.epochs = list(history.epochs)

    def append_steps(self, records: Sequence[StepProgress]) -> None:
        self.append([r.loss for r in records], [r.rec for r in records], [r.kl for r in records])

    def append(self, loss: Sequence[float], rec: Sequence[float], kl: Sequence[float]) -> None:
        start = self.steps.size
        self.steps.extend(np.arange(start + 1, start + len(loss) + 1))
        for term, values in zip(TERMS, (loss, rec, kl)):
            self.raw[term].extend(values)
            self.smooth[term].extend(self._averages[term].update(values))

    def series(self, name: str) -> np.ndarray:
        """The values of "loss", "rec", "kl" (raw, one per step) or of "loss_ema", "rec_ema", "kl_ema" (averaged)."""
        if name.endswith("_ema"):
            return self.smooth[name[:-4]].view()
        return self.raw[name].view()

    def test_losses(self) -> np.ndarray:
        """The test loss of every finished epoch, (epochs,)."""
        return np.array([e.test_loss for e in self.epochs])

    def test_loss_near(self, step: int) -> float | None:
        """The test loss of the epoch that ended nearest ``step``, if within 1% of the run's steps of it."""
        if not self.epochs:
            return None
        nearest = min(self.epochs, key=lambda e: abs(e.step - step))
        return nearest.test_loss if abs(nearest.step - step) <= max(1, self.size // 100) else None
