"""One training step split over processes in two phases, with the optimizer's update fused in.

Each step is split into ``parts``: part 0 runs in the calling process, the others in helper processes
(core.parallel.helper_process, core.parallel.step_helper). They share, through core.parallel.shared_arrays, the
parameters, the optimizer's state and every training buffer, so that nothing is copied between them during a step.
With ``in_helpers``, every part runs in a helper and the calling process only coordinates: two runs trained at once
by two threads of one process would otherwise contend for its GIL between NumPy calls, while a thread waiting on a
pipe releases it (bench/compare_throughput.py measures both).

Phase 1, rows: each part runs forward, loss and backward for its rows of the batch (``forward_backward_rows``).
Phase 2, parameters: each part computes, over the whole batch, the gradient of its own share of the parameters
(rows of the layers' [W; b] blocks) and applies the optimizer to it, chunk by chunk (CHUNK values), while the
chunk's gradient is still in the core's cache. No gradient is summed across parts and the full gradient is
never stored.

Between the phases the calling process decides whether to apply the step, before any part changes a parameter: a
rejected step changes nothing, in any process. The gradient does not exist yet at that point, so the check bounds
it: for a Dense layer with input X and output gradient D over the batch (B rows), |dW| = |X^T D| <= |X| |D| and
|db| <= sqrt(B) |D| (Frobenius norms, Cauchy-Schwarz), so |g|^2 <= sum over layers of (|X|^2 + B) |D|^2. The step
is rejected when the loss is not finite, that bound is not below the optimizer's ``gradient_limit``, or the
learning rate is outside [0, MAX_LEARNING_RATE]; core.nn.optim shows that an applied step then leaves every
parameter and every value of the optimizer's state finite. So the check costs nothing per parameter: no copy to
restore from, no pass to look for infinities (copying the parameters and Adam's moments every step would cost a
tenth of the step). The caller may also veto a step on its loss (``vet``: core.training.trainer stops a sustained
blow-up that way). While a part waits for the verdict, it computes what its own rows give to its first share, the
only rows it knows are done.

Each process uses one BLAS thread, so every part of a step (matrix products, activations, the loss, the
optimizer) uses all cores, and no BLAS helper thread busy-waits against the others. docs/performance.md ("How a
step is built") says why each piece is there, with the measurements that decided it.
"""
from __future__ import annotations

import math
import struct
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.nn.layers import BufferPool, Dense
from core.nn.models import AutoEncoder, LossTerms
from core.nn.optim import SGD, Adam, check_learning_rate
from core.parallel.helper_process import (
    DONE,
    REPORT,
    SPIN_SECONDS,
    STEP,
    VERDICT,
    HelperFailed,
    HelperProcess,
)
from core.parallel.shared_arrays import SharedArrays
from core.parallel.thread_team import ThreadTeam

# Parameters per gradient-and-update chunk: the chunk's gradient, scratch, parameters and Adam's two moments
# (5 x 128 kB) stay in a core's L2 cache (docs/performance.md, "Adam in L2-sized chunks", has the measurements).
CHUNK = 32768
STEP_HEADER = struct.Struct("<id?")      # batch size, beta, whether there is noise


# Why a step was rejected (StepOutcome.rejected): its loss was not finite, its gradient bound too large, the
# optimizer's learning rate out of range, or the caller's ``vet`` said no.
LOSS, GRADIENT, LEARNING_RATE, VETOED = "loss", "gradient", "learning rate", "vetoed"


@dataclass(frozen=True)
class StepOutcome:
    """The batch's mean losses, the bound on |gradient|^2, and why the step was rejected ("" when it was applied:
    see LOSS ...)."""

    losses: LossTerms
    gradient_bound: float
    rejected: str = ""

    @property
    def applied(self) -> bool:
        """Whether the optimizer was applied (else no parameter or state value changed)."""
        return not self.rejected


@dataclass(frozen=True)
class _Share:
    """Rows ``rows`` of a Dense layer's parameter block, lying at ``span`` of the flat vector."""

    layer: Dense
    rows: slice
    span: slice

    @property
    def size(self) -> int:
        return self.span.stop - self.span.start

    @property
    def width(self) -> int:
        return self.size // (self.rows.stop - self.rows.start)

    def chunks(self) -> list[tuple[slice, slice]]:
        """(block rows, span in the flat vector) of each chunk of about CHUNK values, in order."""
        step = max(1, CHUNK // self.width)
        origin = self.span.start - self.rows.start * self.width        # where block row 0 would lie
        chunks = []
        for start in range(self.rows.start, self.rows.stop, step):
            stop = min(start + step, self.rows.stop)
            chunks.append((slice(start, stop), slice(origin + start * self.width, origin + stop * self.width)))
        return chunks


def split_rows(batch: int, parts: int) -> list[slice]:
    """Each part's rows of a batch: contiguous, near-equal, some empty when the batch has fewer rows than parts."""
    bounds = [batch * i // parts for i in range(parts + 1)]
    return [slice(start, stop) for start, stop in zip(bounds[:-1], bounds[1:])]


class StepPart:
    """What one process does of every step: phase 1 for its rows, phase 2 for its shares of the parameters."""

    def __init__(self, model: AutoEncoder, optimizer: Adam | SGD, index: int, parts: int) -> None:
        self.model = model
        self.optimizer = optimizer
        self.shares = split_parameter_blocks(model.parameter_blocks(), parts)[index]
        # Every chunk of every share, in order: (share index, block rows, span, width); worked out once.
        self._chunks = [(number, rows, span, share.width)
                        for number, share in enumerate(self.shares) for rows, span in share.chunks()]
        largest = max((span.stop - span.start for _, _, span, _ in self._chunks), default=0)
        self._first = np.empty(self.shares[0].size if self.shares else 0, model.dtype)   # the first share's gradient
        self._gradient = np.empty(largest, model.dtype)
        self._scratch = np.empty(largest, model.dtype)

    def forward_backward(self, x: np.ndarray, rows: slice, beta: float,
                         eps: np.ndarray | None) -> tuple[LossTerms, list[tuple[float, float]]]:
        """Phase 1 for ``rows``: their share of the batch's losses and, per layer, |input|^2 and |dL/doutput|^2."""
        with np.errstate(over="ignore", invalid="ignore"):      # the verdict checks for divergence
            parts = self.model.forward_backward_rows(x, rows, beta, eps)
            return parts, self.model.gradient_norms(rows)

    def begin_update(self, own_rows: slice) -> None:
        """Before the verdict: what ``own_rows`` give to the gradient of the first share."""
        if self.shares:
            first = self.shares[0]
            first.layer.parameter_gradient(first.rows, self._first.reshape(-1, first.width), own_rows)

    def finish_update(self, other_rows: list[slice]) -> None:
        """After a verdict to apply the step: the rest of every share's gradient, and the optimizer's update."""
        first_start = self.shares[0].span.start if self.shares else 0
        for number, rows, span, width in self._chunks:
            layer = self.shares[number].layer
            size = span.stop - span.start
            scratch = self._scratch[:size]
            if number == 0:
                gradient = self._first[span.start - first_start:span.stop - first_start]
                for part_rows in other_rows:
                    layer.parameter_gradient(rows, scratch.reshape(-1, width), part_rows)
                    gradient += scratch
            else:
                gradient = self._gradient[:size]
                layer.parameter_gradient(rows, gradient.reshape(-1, width))
            self.optimizer.update(span, gradient, scratch)


class ParallelTrainingStep:
    """Training steps of ``model`` with ``optimizer``, each split over ``parts`` processes: this one and helpers,
    or, with ``in_helpers``, ``parts`` helpers while this process only coordinates (see the module docstring).

    The helpers start at the first step (about 0.2 s) and run until ``close``, until this object is collected, or
    until this process ends. From then on the parameters, the optimizer's state and the training buffers lie in
    shared memory; ``input_buffer`` is where the helpers see a batch. When helpers cannot start, steps run in
    this process alone, after a warning.
    """

    def __init__(self, model: AutoEncoder, optimizer: Adam | SGD, parts: int = 1, in_helpers: bool = False) -> None:
        self.model = model
        self.optimizer = optimizer
        self.requested_parts = max(1, parts)
        self.parts = self.requested_parts       # 1 if helpers could not start
        self.requested_in_helpers = in_helpers
        self.in_helpers = in_helpers            # False if helpers could not start
        self.team = ThreadTeam(self.parts)      # threads for work between steps, such as evaluating the test set
        self._helpers: list[HelperProcess] = []
        self._capacity = 0                      # the largest batch the shared buffers hold
        self._own: StepPart | None = None
        self._closer = weakref.finalize(self, _close_helpers, self._helpers)

    def input_buffer(self, batch: int) -> np.ndarray:
        """A (batch, input_dim) array to fill with the next step's images (helpers read it without a copy)."""
        self._prepare(batch)
        return self.model.buffers.take("input", batch, self.model.config.input_dim, self.model.dtype)

    @property
    def helpers(self) -> tuple[HelperProcess, ...]:
        """The helper processes, running parts 1 to parts - 1, or every part with ``in_helpers`` (none until the first
        step, and after ``close``)."""
        return tuple(self._helpers)

    def close(self) -> None:
        """End the helpers. The model keeps its weights and buffers (memory no other process maps any more), and
        may train on larger batches in this process again."""
        _close_helpers(self._helpers)
        if self._capacity:          # the buffers were shared: let the model allocate others again
            self.model.use_buffers(BufferPool(self.model.buffers.arrays))
            self._capacity = 0

    def __call__(self, x: np.ndarray, beta: float, eps: np.ndarray | None,
                 load_rows: Callable[[slice], None] | None = None,
                 vet: Callable[[LossTerms], bool] | None = None) -> StepOutcome:
        """One step on the batch x (batch, input_dim), with noise eps (batch, latent_dim) or None.

        ``load_rows(rows)``, when given, fills those rows of x first (each part's just before it starts).
        ``vet(losses)``, when given, is called with the batch's losses once the step has passed its own checks and
        before anything changes (the helpers wait meanwhile); it returns whether to apply the step, and may read
        the parameters and the optimizer's state, which are still those before the step.
        """
        batch = len(x)
        shared_x = self.input_buffer(batch)
        if not _same_memory(x, shared_x):
            if load_rows is not None:
                load_rows(slice(0, batch))
                load_rows = None
            shared_x[...] = x
        if eps is not None:
            noise = self.model.buffers.take("noise", batch, self.model.config.latent_dim, self.model.dtype)
            noise[...] = eps
            eps = noise
        rows = split_rows(batch, self.parts)
        # With every part in helpers this process does not poll while it waits: the CPU time of a poll is taken from
        # the helpers of the other run trained at once (1.2 ms a step against 0.7 ms without, two default models on
        # the 2-core AMD EPYC).
        spin = 0.0 if self.in_helpers else SPIN_SECONDS
        try:
            for helper, helper_rows in zip(self._helpers, rows[self._helper_parts.start:]):
                if load_rows is not None:
                    load_rows(helper_rows)
                helper.send(STEP, STEP_HEADER.pack(batch, beta, eps is not None))
            own = None if self.in_helpers else self._own_part()
            reports = []
            if own is not None:
                if load_rows is not None:
                    load_rows(rows[0])
                reports.append(own.forward_backward(shared_x, rows[0], beta, eps))
                own.begin_update(rows[0])
            reports += [_read_report(helper.receive(REPORT, spin=spin)) for helper in self._helpers]   # parts' order
            losses, bound, rejected = self._decide(reports, batch, vet)
            applied = not rejected
            verdict = np.array([applied, *(self.optimizer.step_constants() if applied else ())], np.float64)
            for helper in self._helpers:
                helper.send(VERDICT, verdict.tobytes())
            if applied and own is not None:
                own.finish_update(rows[1:])
            for helper in self._helpers:
                helper.receive(DONE, spin=spin)
        except BaseException:
            self.close()         # a helper's place in the protocol is lost: start afresh at the next step
            raise
        return StepOutcome(losses, bound, rejected)

    def _decide(self, reports: list[tuple[LossTerms, list[tuple[float, float]]]], batch: int,
                vet: Callable[[LossTerms], bool] | None) -> tuple[LossTerms, float, str]:
        """The losses, the gradient bound, and why the step is rejected ("" to apply it: then its constants are
        ready, ``begin_step``)."""
        reported = [report[0] for report in reports]
        norms = [report[1] for report in reports]
        losses = LossTerms(*(sum(getattr(r, field) for r in reported) for field in ("total", "rec", "kl")))
        bound = sum((sum(n[i][0] for n in norms) + batch) * sum(n[i][1] for n in norms)
                    for i in range(len(norms[0])))
        if not math.isfinite(losses.total):
            return losses, bound, LOSS
        if not bound < self.optimizer.gradient_limit:           # NaN too
            return losses, bound, GRADIENT
        try:
            check_learning_rate(self.optimizer.lr, zero_allowed=True)
        except ValueError:
            return losses, bound, LEARNING_RATE
        if vet is not None and not vet(losses):
            return losses, bound, VETOED
        self.optimizer.begin_step()
        return losses, bound, ""

    @property
    def _helper_parts(self) -> range:
        """The parts that helpers run."""
        return range(0 if self.in_helpers else 1, self.parts)

    def _own_part(self) -> StepPart:
        if self._own is None:
            self._own = StepPart(self.model, self.optimizer, 0, self.parts)
        return self._own

    def _prepare(self, batch: int) -> None:
        """Size the buffers for ``batch`` rows, starting the helpers (again, larger) when they are needed."""
        if self._helper_parts and (not self._helpers or batch > self._capacity):
            try:
                self._start_helpers(batch)
            except (OSError, HelperFailed) as error:
                warnings.warn(f"Training on one core: {error}", RuntimeWarning, stacklevel=3)
                self.parts, self.in_helpers = 1, False
                self._own = None
        self.model.resize(batch)

    def _start_helpers(self, capacity: int) -> None:
        self.close()
        model, optimizer = self.model, self.optimizer
        probe = BufferPool()                    # every training buffer, named, for ``capacity`` rows
        model.use_buffers(probe)
        model.resize(capacity)
        probe.take("input", capacity, model.config.input_dim, model.dtype)
        if model.config.kind == "vae":
            probe.take("noise", capacity, model.config.latent_dim, model.dtype)
        state = optimizer.state_arrays()
        specs = {"parameters": (model.parameters.flat.shape, model.dtype)}
        specs.update({f"optimizer.{name}": (array.shape, array.dtype) for name, array in state.items()})
        specs.update({name: (array.shape, array.dtype) for name, array in probe.arrays.items()})
        shared = SharedArrays.create(specs)
        arrays = shared.arrays
        try:
            arrays["parameters"][...] = model.parameters.flat
            for name, array in state.items():
                arrays[f"optimizer.{name}"][...] = array
            setup = {"model": model.config.to_dict(), "optimizer": optimizer.settings(), "path": str(shared.path),
                     "layout": shared.layout, "parts": self.parts}
            for index in self._helper_parts:
                self._helpers.append(HelperProcess(dict(setup, part=index)))
            for helper in self._helpers:
                helper.wait_ready()
        except BaseException:
            self.close()
            raise
        finally:
            shared.unlink()
        bind_to_shared(model, optimizer, arrays)
        self._capacity = capacity


def bind_to_shared(model: AutoEncoder, optimizer: Adam | SGD, arrays: dict[str, np.ndarray]) -> None:
    """Make ``model`` and ``optimizer`` work on the shared ``arrays`` that ``_start_helpers`` lays out, their values
    already in place: the parameters, the optimizer's state, and the training buffers, in a pool that refuses to
    allocate any other."""
    model.bind_parameters(arrays["parameters"])
    optimizer.bind(arrays["parameters"], {name: arrays[f"optimizer.{name}"] for name in optimizer.state_arrays()})
    model.use_buffers(BufferPool({name: array for name, array in arrays.items()
                                  if name != "parameters" and not name.startswith("optimizer.")}, allocate=_not_shared))


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a and b are views of the same elements (two views from ``input_buffer`` are not the same object)."""
    return (a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _not_shared(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    raise RuntimeError("a training buffer outside shared memory was asked for (its batch is larger than planned)")


def _close_helpers(helpers: list[HelperProcess]) -> None:
    for helper in helpers:
        helper.close()
    helpers.clear()


def _read_report(payload: bytes) -> tuple[LossTerms, list[tuple[float, float]]]:
    values = np.frombuffer(payload, np.float64)
    return LossTerms(*map(float, values[:3])), [(float(a), float(b)) for a, b in values[3:].reshape(-1, 2)]


def pack_report(losses: LossTerms, norms: list[tuple[float, float]]) -> bytes:
    """A part's phase-1 results as a helper sends them (see ``_read_report``)."""
    return np.array([losses.total, losses.rec, losses.kl, *(value for pair in norms for value in pair)],
                    np.float64).tobytes()


def split_parameter_blocks(blocks: list[tuple[Dense, slice]], parts: int) -> list[list[_Share]]:
    """Shares of near-equal size for ``parts`` parts: large blocks are cut by rows into one piece per part;
    small ones (under 1/8 of the largest) go whole to the least loaded part."""
    shares: list[list[_Share]] = [[] for _ in range(parts)]
    loads = [0] * parts
    largest = max(span.stop - span.start for _, span in blocks)
    small = []
    for layer, span in blocks:
        size = span.stop - span.start
        if size * 8 < largest or parts == 1:
            small.append((layer, span))
            continue
        width = size // layer.block_rows
        bounds = [layer.block_rows * i // parts for i in range(parts + 1)]
        for index, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
            if stop == start:
                continue
            span_of_rows = slice(span.start + start * width, span.start + stop * width)
            shares[index].append(_Share(layer, slice(start, stop), span_of_rows))
            loads[index] += (stop - start) * width
    for layer, span in small:
        index = loads.index(min(loads))
        shares[index].append(_Share(layer, slice(0, layer.block_rows), span))
        loads[index] += span.stop - span.start
    return shares
