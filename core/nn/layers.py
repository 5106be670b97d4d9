"""Layers with hand-written backward passes: Dense and three activations.

Training buffers hold a whole batch; ``resize`` takes them from a BufferPool. ``forward`` and
``backward`` work on the rows ``rows`` of the batch only, so several processes sharing the buffers can each
run their own rows of one batch through the same layers at once (the default is every row).
A Dense layer's parameter gradient is then a separate step over the whole batch
(``parameter_gradient``), which processes can share by rows of the weight matrix. Buffers are
owned by the layers: a caller that keeps an output past the next step must copy it.
Inference does not use layers; see ``mlp_apply``, a pure function of the weights that is
safe to call from any thread.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

LEAKY_SLOPE = 0.01
ALL_ROWS = slice(None)


class BufferPool:
    """Training buffers by name. ``take(name, batch, width, dtype)`` returns the first ``batch`` rows of a
    (rows, width) array, allocated by ``allocate(shape, dtype)`` on first use or when it is too small, and
    the same memory again later. A pool whose arrays lie in shared memory lets processes share a batch."""

    def __init__(self, arrays: dict[str, np.ndarray] | None = None,
                 allocate: Callable[[tuple[int, ...], np.dtype], np.ndarray] = np.empty) -> None:
        self.arrays = dict(arrays or {})
        self._allocate = allocate

    def take(self, name: str, batch: int, width: int, dtype: np.dtype) -> np.ndarray:
        array = self.arrays.get(name)
        if array is None or len(array) < batch or array.shape[1:] != (width,) or array.dtype != dtype:
            array = self.arrays[name] = self._allocate((batch, width), np.dtype(dtype))
        return array[:batch]


class Dense:
    """y = x @ W + b with W (n_in, n_out) and b (n_out,).

    ``params`` are bound by the model to views of its flat vector, where b follows W: together
    they are the (n_in + 1, n_out) block [W; b] whose gradient ``parameter_gradient`` fills by rows.
    """

    def __init__(self, n_in: int, n_out: int, needs_input_grad: bool = True) -> None:
        self.shapes = {"W": (n_in, n_out), "b": (n_out,)}
        self.needs_input_grad = needs_input_grad
        self.params: dict[str, np.ndarray] = {}
        self._x: np.ndarray | None = None      # the batch's input, kept for the parameter gradient
        self._dy: np.ndarray | None = None     # the batch's dL/dy, likewise
        self._y: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    @property
    def block_rows(self) -> int:
        """Rows of the stacked parameter block [W; b]: n_in + 1."""
        return self.shapes["W"][0] + 1

    def resize(self, batch: int, dtype: np.dtype, pool: BufferPool, name: str) -> None:
        """Take the output (and input-gradient) buffers for ``batch`` rows from ``pool``, under ``name``."""
        n_in, n_out = self.shapes["W"]
        self._y = pool.take(f"{name}.y", batch, n_out, dtype)
        if self.needs_input_grad:
            self._dx = pool.take(f"{name}.dx", batch, n_in, dtype)

    def forward(self, x: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        """x: the whole batch (batch, n_in). Computes ``rows`` of y and returns the whole y buffer."""
        W, b = self.params["W"], self.params["b"]
        self._x = x
        y = self._y[rows]
        np.matmul(x[rows], W, out=y)
        y += b
        return self._y

    def backward(self, d_out: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray | None:
        """d_out: dL/dy for the whole batch. Computes ``rows`` of dx = dy W^T and returns the
        whole dx buffer, or None for a first layer whose input needs no gradient.

        Keeps d_out for ``parameter_gradient``, which must run after every row's backward.
        """
        self._dy = d_out
        if not self.needs_input_grad:
            return None
        np.matmul(d_out[rows], self.params["W"].T, out=self._dx[rows])
        return self._dx

    def parameter_gradient(self, block_rows: slice, out: np.ndarray, batch_rows: slice = ALL_ROWS) -> None:
        """Rows ``block_rows`` of the gradient of [W; b], into out (rows, n_out): dW = x^T dy and, as the
        block's last row, db = sum over the batch of dy. Sums over the whole batch, or over ``batch_rows``
        of it (the parts then add up to the whole)."""
        n_in = self.shapes["W"][0]
        start, stop = block_rows.start, block_rows.stop
        dy = self._dy[batch_rows]
        if start < min(stop, n_in):
            np.matmul(self._x[batch_rows, start:min(stop, n_in)].T, dy, out=out[:min(stop, n_in) - start])
        if stop > n_in:
            np.sum(dy, axis=0, out=out[-1])

    def gradient_norms(self, rows: slice) -> tuple[float, float]:
        """|x|^2 and |dL/dy|^2 over ``rows`` (see core.parallel.training_step for the bound they give)."""
        x, dy = self._x[rows].ravel(), self._dy[rows].ravel()
        return float(np.dot(x, x)), float(np.dot(dy, dy))


class ReLU:
    """y = x * [x > 0], applied in place on its input buffer; the mask is kept for backward.

    (Multiplying by a boolean mask is faster in NumPy than ``np.maximum(x, 0)``.)
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self._mask: np.ndarray | None = None

    def resize(self, batch: int, dtype: np.dtype, pool: BufferPool, name: str) -> None:
        self._mask = pool.take(f"{name}.mask", batch, self.width, np.dtype(bool))

    def forward(self, x: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        mask, rows_of_x = self._mask[rows], x[rows]
        np.greater(rows_of_x, 0, out=mask)
        np.multiply(rows_of_x, mask, out=rows_of_x)
        return x

    def backward(self, d_out: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        """dx = dy * [x > 0]; overwrites ``rows`` of d_out and returns it."""
        np.multiply(d_out[rows], self._mask[rows], out=d_out[rows])
        return d_out


class LeakyReLU:
    """y = x for x > 0, slope * x otherwise; in place."""

    def __init__(self, width: int, slope: float = LEAKY_SLOPE) -> None:
        self.width = width
        self.slope = slope
        self._y: np.ndarray | None = None
        self._factor: np.ndarray | None = None

    def resize(self, batch: int, dtype: np.dtype, pool: BufferPool, name: str) -> None:
        self._factor = pool.take(f"{name}.factor", batch, self.width, dtype)

    def forward(self, x: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        # max(x, slope*x) equals the leaky ReLU for 0 < slope < 1.
        np.maximum(x[rows], x[rows] * self.slope, out=x[rows])
        self._y = x
        return x

    def backward(self, d_out: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        """dx = dy * (1 if y > 0 else slope); overwrites ``rows`` of d_out and returns it."""
        factor = self._factor[rows]
        np.copyto(factor, self.slope)
        factor[self._y[rows] > 0] = 1
        np.multiply(d_out[rows], factor, out=d_out[rows])
        return d_out


class Tanh:
    """y = tanh(x); in place."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._y: np.ndarray | None = None
        self._tmp: np.ndarray | None = None

    def resize(self, batch: int, dtype: np.dtype, pool: BufferPool, name: str) -> None:
        self._tmp = pool.take(f"{name}.tmp", batch, self.width, dtype)

    def forward(self, x: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        np.tanh(x[rows], out=x[rows])
        self._y = x
        return x

    def backward(self, d_out: np.ndarray, rows: slice = ALL_ROWS) -> np.ndarray:
        """dx = dy * (1 - y^2); overwrites ``rows`` of d_out and returns it."""
        y, tmp = self._y[rows], self._tmp[rows]
        np.multiply(y, y, out=tmp)
        np.subtract(1, tmp, out=tmp)
        np.multiply(d_out[rows], tmp, out=d_out[rows])
        return d_out


ACTIVATION_LAYERS = {"relu": ReLU, "leaky_relu": LeakyReLU, "tanh": Tanh}


def activate(name: str, x: np.ndarray) -> np.ndarray:
    """Pure (allocating) version of the activation ``name``, for inference."""
    if name == "relu":
        return np.maximum(x, 0)
    if name == "leaky_relu":
        return np.maximum(x, x * LEAKY_SLOPE)
    return np.tanh(x)


def mlp_apply(
    weights: list[tuple[np.ndarray, np.ndarray]], activation: str, x: np.ndarray, activate_last: bool = False
) -> np.ndarray:
    """Run Dense layers with ``activation`` between them (and after the last if asked).

    weights: [(W (n_in, n_out), b (n_out,)), ...]; x (batch, n_in). Allocates its outputs,
    so it never touches a training buffer and may run on another thread than training.
    """
    h = x
    for i, (W, b) in enumerate(weights):
        h = h @ W + b
        if activate_last or i < len(weights) - 1:
            h = activate(activation, h)
    return h
