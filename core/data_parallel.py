"""One training step split over threads in two phases, with the optimizer's update fused in.

Phase 1, rows: each thread runs forward, loss and backward for its rows of the batch, through
batch-sized buffers the threads share (``forward_backward_rows``).
Phase 2, parameters: each thread computes, over the whole batch, the gradient of its own share
of the parameters (rows of the layers' [W; b] blocks) and applies the optimizer to that share at
once, while the gradient is still in cache. No gradient is summed across threads and the full
gradient is never stored.

Between the phases the threads agree on a verdict: a diverged step changes nothing. The gradient
does not exist yet at that point, so the check bounds it: for a Dense layer with input X and
output gradient D over the batch (B rows), |dW| = |X^T D| <= |X| |D| and |db| <= sqrt(B) |D|
(Frobenius norms, Cauchy-Schwarz), so |g|^2 <= sum over layers of (|X|^2 + B) |D|^2. The step
counts as diverged when the loss or that bound is not finite in float32. While the last thread
finishes phase 1, the others already compute the part of their first share that their own rows
give, so that waiting costs little.

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

    @property
    def size(self) -> int:
        return self.span.stop - self.span.start


class _Verdict:
    """Whether to apply a step: each thread arrives with its phase-1 results (without waiting);
    the last to arrive decides; ``wait`` blocks until then."""

    def __init__(self, threads: int, decide: Callable[[list, list], bool]) -> None:
        self.losses: list[LossParts | None] = [None] * threads
        self.norms: list[list[tuple[float, float]] | None] = [None] * threads
        self.applied = False
        self._decide = decide
        self._left = threads
        self._failed = False
        self._lock = threading.Lock()
        self._decided = threading.Event()

    def arrive(self, failed: bool = False) -> None:
        with self._lock:
            self._failed |= failed
            self._left -= 1
            last = self._left == 0
        if last:
            try:
                self.applied = not self._failed and self._decide(self.losses, self.norms)
            finally:
                self._decided.set()

    def wait(self) -> bool:
        self._decided.wait()
        return self.applied


class ParallelTrainingStep:
    """Training steps of ``model`` with ``optimizer``, each split over up to ``threads`` threads."""

    def __init__(self, model: AutoEncoder, optimizer: Adam | SGD, threads: int = 1) -> None:
        self.model = model
        self.optimizer = optimizer
        self.team = ThreadTeam(threads)      # also for work between steps, such as evaluating the test set
        self._plans: dict[int, list[tuple[list[_Share], np.ndarray, np.ndarray]]] = {}

    def __call__(self, x: np.ndarray, beta: float, eps: np.ndarray | None,
                 load_rows: Callable[[slice], None] | None = None) -> StepOutcome:
        """One step on the batch x (batch, input_dim), with noise eps (batch, latent_dim) or None.

        ``load_rows(rows)``, when given, fills those rows of x first, on the thread that uses them.
        """
        batch = len(x)
        self.model.resize(batch)
        row_parts = self.team.split(batch)
        plan = self._plan(len(row_parts))
        outcome: dict[str, object] = {}

        def decide(losses: list[LossParts], norms: list[list[tuple[float, float]]]) -> bool:
            parts = LossParts(*(sum(getattr(p, field) for p in losses) for field in ("total", "rec", "kl")))
            bound = sum((sum(n[i][0] for n in norms) + batch) * sum(n[i][1] for n in norms)
                        for i in range(len(norms[0])))
            applied = math.isfinite(parts.total) and bound < FLOAT32_MAX
            if applied:
                self.optimizer.begin_step()
            outcome.update(parts=parts, bound=bound)
            return applied

        verdict = _Verdict(len(row_parts), decide)

        def run(index: int, rows: slice) -> None:
            try:
                if load_rows is not None:
                    load_rows(rows)
                with np.errstate(over="ignore", invalid="ignore"):     # the verdict checks for divergence
                    verdict.losses[index] = self.model.forward_backward_rows(x, rows, beta, eps)
                    verdict.norms[index] = self.model.gradient_norms(rows)
            except BaseException:
                verdict.arrive(failed=True)
                raise
            verdict.arrive()
            self._update_shares(plan[index], rows, [other for other in row_parts if other != rows], verdict)

        self.team.run_parts(batch, run)
        return StepOutcome(outcome["parts"], float(outcome["bound"]), verdict.applied)

    def _update_shares(self, plan: tuple[list[_Share], np.ndarray, np.ndarray], own_rows: slice,
                       other_rows: list[slice], verdict: _Verdict) -> None:
        """Phase 2 for one thread. Its first share starts from its own rows of the batch, the only
        ones it knows are done, before the verdict; the other rows are added after it."""
        shares, gradient, scratch = plan
        if not shares:
            verdict.wait()
            return
        first = shares[0]
        head = gradient[:first.size].reshape(first.rows.stop - first.rows.start, -1)
        first.layer.parameter_gradient(first.rows, head, own_rows)
        if not verdict.wait():
            return
        part = scratch[:first.size].reshape(head.shape)
        for rows in other_rows:
            first.layer.parameter_gradient(first.rows, part, rows)
            head += part
        self.optimizer.update(first.span, gradient[:first.size], scratch[:first.size])
        for share in shares[1:]:
            share.layer.parameter_gradient(share.rows, gradient[:share.size].reshape(share.rows.stop - share.rows.start, -1))
            self.optimizer.update(share.span, gradient[:share.size], scratch[:share.size])

    def _plan(self, thread_count: int) -> list[tuple[list[_Share], np.ndarray, np.ndarray]]:
        """Each thread's shares of the parameters, with a gradient and a scratch buffer for the largest."""
        if thread_count not in self._plans:
            per_thread = split_parameter_blocks(self.model.parameter_blocks(), thread_count)
            dtype = self.model.dtype
            self._plans[thread_count] = [
                (shares, np.empty(largest, dtype), np.empty(largest, dtype))
                for shares in per_thread
                for largest in [max((s.size for s in shares), default=0)]]
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
