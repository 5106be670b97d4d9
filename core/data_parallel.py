"""One training step split over threads in two phases, with the optimizer's update fused in.

Phase 1, rows: each thread runs forward, loss and backward for its rows of the batch, through
batch-sized buffers the threads share (``forward_backward_rows``).
Phase 2, parameters: each thread computes, over the whole batch, the gradient of its own share
of the parameters (rows of the layers' [W; b] blocks) and applies the optimizer to that share at
once, while the gradient is still in cache. No gradient is summed across threads and the full
gradient is never stored.

Between the phases a barrier checks for divergence, so a bad step changes nothing. The gradient
does not exist yet at that point, so the check bounds it: for a Dense layer with input X and
output gradient D over the batch (B rows), |dW| = |X^T D| <= |X| |D| and |db| <= sqrt(B) |D|
(Frobenius norms, Cauchy-Schwarz), so |g|^2 <= sum over layers of (|X|^2 + B) |D|^2. The step
counts as diverged when the loss or that bound is not finite in float32.

With one BLAS thread per thread, every part of a step (matrix products, activations, the loss,
the optimizer) uses all threads, and no BLAS helper thread busy-waits against the others.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.models import AutoEncoder, LossParts
from core.optim import Adam, SGD
from core.parallel import ThreadTeam

FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class StepOutcome:
    """The batch's mean losses, the bound on |gradient|^2, and whether the optimizer was applied."""

    parts: LossParts
    gradient_bound: float
    applied: bool


@dataclass(frozen=True)
class _Share:
    """Rows ``rows`` of a Dense layer's parameter block, lying at ``span`` of the flat vector."""

    layer: object
    rows: slice
    span: slice


class ParallelTrainingStep:
    """Training steps of ``model`` with ``optimizer``, each split over up to ``threads`` threads."""

    def __init__(self, model: AutoEncoder, optimizer: Adam | SGD, threads: int = 1) -> None:
        self.model = model
        self.optimizer = optimizer
        self._team = ThreadTeam(threads)
        self._plans: dict[int, list[tuple[list[_Share], np.ndarray, np.ndarray]]] = {}
        self._batch = 0

    def __call__(self, x: np.ndarray, beta: float, eps: np.ndarray | None,
                 load_rows: Callable[[slice], None] | None = None) -> StepOutcome:
        """One step on the batch x (batch, input_dim), with noise eps (batch, latent_dim) or None.

        ``load_rows(rows)``, when given, fills those rows of x first, on the thread that uses them.
        """
        batch = len(x)
        if batch != self._batch:
            self.model.resize(batch)
            self._batch = batch
        thread_count = len(self._team.split(batch))
        plan = self._plan(thread_count)
        losses: list[LossParts | None] = [None] * thread_count
        norms: list[list[tuple[float, float]] | None] = [None] * thread_count
        verdict: dict[str, object] = {}

        def decide() -> None:                           # run by one thread once all rows are done
            parts = LossParts(*(sum(getattr(p, field) for p in losses) for field in ("total", "rec", "kl")))
            bound = sum((sum(n[i][0] for n in norms) + batch) * sum(n[i][1] for n in norms)
                        for i in range(len(norms[0])))
            applied = math.isfinite(parts.total) and bound < FLOAT32_MAX
            if applied:
                self.optimizer.begin_step()
            verdict.update(parts=parts, bound=bound, applied=applied)

        barrier = threading.Barrier(thread_count, action=decide)

        def run(index: int, rows: slice) -> None:
            try:
                if load_rows is not None:
                    load_rows(rows)
                with np.errstate(over="ignore", invalid="ignore"):     # the barrier checks for divergence
                    losses[index] = self.model.forward_backward_rows(x, rows, beta, eps)
                    norms[index] = self.model.gradient_norms(rows)
            except BaseException:
                barrier.abort()
                raise
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                return                                   # another thread failed; its error is raised
            if verdict["applied"]:
                shares, gradient, scratch = plan[index]
                for share in shares:
                    size = share.span.stop - share.span.start
                    share.layer.parameter_gradient(share.rows, gradient[:size].reshape(share.rows.stop - share.rows.start, -1))
                    self.optimizer.update(share.span, gradient[:size], scratch[:size])

        self._team.run_parts(batch, run)
        return StepOutcome(verdict["parts"], float(verdict["bound"]), bool(verdict["applied"]))

    def _plan(self, thread_count: int) -> list[tuple[list[_Share], np.ndarray, np.ndarray]]:
        """Each thread's shares of the parameters, with a gradient and a scratch buffer for the largest."""
        if thread_count not in self._plans:
            per_thread = split_parameter_blocks(self.model.parameter_blocks(), thread_count)
            dtype = self.model.dtype
            self._plans[thread_count] = [
                (shares, np.empty(largest, dtype), np.empty(largest, dtype))
                for shares in per_thread
                for largest in [max((s.span.stop - s.span.start for s in shares), default=0)]]
        return self._plans[thread_count]


def split_parameter_blocks(blocks: list[tuple[object, slice]], thread_count: int) -> list[list[_Share]]:
    """Shares of near-equal size for ``thread_count`` threads: large blocks are cut by rows into one
    part per thread; small ones (under 1/8 of the largest) go whole to the least loaded thread."""
    shares: list[list[_Share]] = [[] for _ in range(thread_count)]
    loads = [0] * thread_count
    largest = max(span.stop - span.start for _, span in blocks)
    small = []
    for layer, span in blocks:
        size = span.stop - span.start
        if size * 8 < largest or thread_count == 1:
            small.append((layer, span))
            continue
        width = size // layer.block_rows
        bounds = [layer.block_rows * i // thread_count for i in range(thread_count + 1)]
        for index, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
            if stop == start:
                continue
            shares[index].append(_Share(layer, slice(start, stop), slice(span.start + start * width, span.start + stop * width)))
            loads[index] += (stop - start) * width
    for layer, span in small:
        index = loads.index(min(loads))
        shares[index].append(_Share(layer, slice(0, layer.block_rows), span))
        loads[index] += span.stop - span.start
    return shares
