"""Catching a run that diverges while its loss stays finite, and the state to go back to when one diverges.

A step whose loss or gradient is not finite never lands (core.parallel.training_step). What stays finite is
caught here: ``LossWatch`` holds the blow-up rule, and ``KeptState`` a copy of the last state known to be good.
core.training.trainer uses both; nothing here runs a step.
"""
from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Sequence

import numpy as np

from core.nn.models import AutoEncoder
from core.nn.optim import SGD, Adam

# The blow-up rule: the loss above BLOWUP_FACTOR times the median of the last BASELINE_STEPS normal losses for
# BLOWUP_STEPS steps in a row. Measured on the bundled digits (docs/divergence.md, bench/blowup_rule.py): in
# normal runs (AE and VAE, relu and tanh, Bernoulli and squared error, KL warm-up, learning rates 1e-3 and 3e-3,
# batches of 1 to 128) no loss is above 2.3 times the median; the autoencoders at learning rates 1 and 10 stay 25 and
# more times above it, for hundreds of steps. Early spikes of runs that recover (learning rates 0.01 to 0.1) last at
# most 2 steps above the line; 20 steps are a few tenths of a second of the window's training.
BLOWUP_FACTOR = 10.0
BLOWUP_STEPS = 20
BASELINE_STEPS = 100


class LossWatch:
    """The blow-up rule, step by step: ``observe`` each step's loss, then ask ``blown_up``.

    A loss is normal unless it is above BLOWUP_FACTOR times the median of the baseline; only normal losses join the
    baseline, so a blow-up cannot raise its own bar. With no baseline yet (a new model), every finite loss is
    normal. ``losses``: a history to take the baseline from (its last BASELINE_STEPS losses).
    """

    def __init__(self, losses: Sequence[float] = (), factor: float = BLOWUP_FACTOR, steps: int = BLOWUP_STEPS,
                 baseline_steps: int = BASELINE_STEPS) -> None:
        self.factor = factor
        self.steps = steps
        self._baseline: deque[float] = deque(maxlen=baseline_steps)
        self.streak = 0          # consecutive steps above the line, up to the last one observed
        self.restart(losses)

    def restart(self, losses: Sequence[float] = ()) -> None:
        """Take the baseline from ``losses`` (a history cut back after a rollback; none after beta changed, which
        changes what the loss measures), with no steps above the line."""
        self._baseline.clear()
        self._baseline.extend(losses[len(losses) - (self._baseline.maxlen or 0):])
        self.streak = 0

    @property
    def median(self) -> float | None:
        """The median of the baseline, or None while it is empty."""
        return statistics.median(self._baseline) if self._baseline else None

    def observe(self, loss: float) -> bool:
        """Count one step's loss (finite); returns whether it is normal."""
        median = self.median
        if median is not None and loss > self.factor * median:
            self.streak += 1
            return False
        self.streak = 0
        self._baseline.append(loss)
        return True

    @property
    def blown_up(self) -> bool:
        """Whether the last ``steps`` losses were all above the line."""
        return self.streak >= self.steps


class KeptState:
    """A copy of a model's parameters and of its optimizer's state (arrays and step count), taken after ``steps``
    steps, to go back to. Its arrays are allocated once and reused by later ``take``s."""

    def __init__(self) -> None:
        self.steps: int | None = None          # None: nothing kept yet
        self._parameters: np.ndarray | None = None
        self._state: dict[str, np.ndarray] = {}
        self._t = 0

    def take(self, model: AutoEncoder, optimizer: Adam | SGD, steps: int) -> None:
        """Copy the parameters and the optimizer's state as they are now, after ``steps`` steps."""
        if self._parameters is None:
            self._parameters = np.empty_like(model.parameters.flat)
            self._state = {name: np.empty_like(array) for name, array in optimizer.state_arrays().items()}
        np.copyto(self._parameters, model.parameters.flat)
        for name, array in optimizer.state_arrays().items():
            np.copyto(self._state[name], array)
        self._t = optimizer.t
        self.steps = steps

    def restore(self, model: AutoEncoder, optimizer: Adam | SGD) -> int:
        """Write the copy back into the model's and the optimizer's own arrays (shared with helper processes, if
        any: they see it too); returns its step count."""
        if self.steps is None or self._parameters is None:
            raise RuntimeError("no state was kept")
        np.copyto(model.parameters.flat, self._parameters)
        for name, array in optimizer.state_arrays().items():
            np.copyto(array, self._state[name])
        optimizer.t = self._t
        return self.steps
