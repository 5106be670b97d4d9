"""Data parallelism on one machine: each thread runs forward and backward on part of a batch.

Replicas of the model share its weights and keep their own gradients and buffers. With one BLAS
thread per replica, every part of a step (matrix products, activations, the loss) uses all
threads, and no BLAS helper thread busy-waits against the others.
"""
from __future__ import annotations

import numpy as np

from core.models import AutoEncoder, LossParts
from core.parallel import ThreadTeam


class ParallelForwardBackward:
    """``forward_backward`` of ``model`` with the batch split over ``threads`` replicas.

    The per-part losses are divided by the whole batch size, so their sums are the batch's mean
    loss and gradient; the summed gradient is left in ``model.parameters.grad_flat``. The same
    pass over the gradient also returns its squared norm, which the trainer's divergence check needs.
    """

    def __init__(self, model: AutoEncoder, threads: int = 1) -> None:
        self.model = model
        self.replicas = [model] + [model.replica() for _ in range(threads - 1)]
        self._team = ThreadTeam(threads)

    def __call__(self, x: np.ndarray, beta: float, eps: np.ndarray | None) -> tuple[LossParts, float]:
        """x (batch, input_dim), eps (batch, latent_dim) or None. Returns the batch's LossParts and |grad|^2."""
        batch = len(x)

        def run_part(index: int, part: slice) -> LossParts:
            with np.errstate(over="ignore", invalid="ignore"):    # the caller checks for divergence
                return self.replicas[index].forward_backward(x[part], beta, None if eps is None else eps[part], batch)

        results = self._team.run_parts(batch, run_part)
        used = self.replicas[:len(results)]
        squared_norm = sum(self._team.run_parts(self.model.parameters.size,
                                                lambda _, part: _sum_gradients(used, part)))
        return LossParts(*(sum(getattr(r, field) for r in results) for field in ("total", "rec", "kl"))), squared_norm


def _sum_gradients(replicas: list[AutoEncoder], part: slice) -> float:
    """Add the replicas' gradients into the first one's, over ``part``; returns the sum's squared norm there."""
    total = replicas[0].parameters.grad_flat[part]
    with np.errstate(over="ignore", invalid="ignore"):
        for replica in replicas[1:]:
            total += replica.parameters.grad_flat[part]
        return float(np.dot(total, total))
