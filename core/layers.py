"""Layers with hand-written backward passes: Dense and three activations.

A layer's ``forward`` keeps what ``backward`` needs on ``self`` (overwritten each call) and
reuses its output buffers between steps. Buffers are owned by the layer: a caller that
keeps an output past the next ``forward`` must copy it. Inference does not use layers;
see ``mlp_apply``, a pure function of the weights that is safe to call from any thread.
"""
from __future__ import annotations

import numpy as np

LEAKY_SLOPE = 0.01


def reuse_buffer(buffer: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Return ``buffer`` if it already has this shape and dtype, else a new empty array."""
    if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
        return np.empty(shape, dtype=dtype)
    return buffer


class Dense:
    """y = x @ W + b with W (n_in, n_out) and b (n_out,).

    ``params`` and ``grads`` are bound by the model to views of its flat vectors.
    """

    def __init__(self, n_in: int, n_out: int, needs_input_grad: bool = True) -> None:
        self.shapes = {"W": (n_in, n_out), "b": (n_out,)}
        self.needs_input_grad = needs_input_grad
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (batch, n_in) -> y (batch, n_out), written into a reused buffer."""
        W, b = self.params["W"], self.params["b"]
        self._x = x
        self._y = reuse_buffer(self._y, (x.shape[0], W.shape[1]), W.dtype)
        np.matmul(x, W, out=self._y)
        self._y += b
        return self._y

    def backward(self, d_out: np.ndarray) -> np.ndarray | None:
        """Given dL/dy (batch, n_out): dW = x^T dy, db = sum over batch of dy, dx = dy W^T.

        Gradients are written into ``grads`` (overwriting); returns dx, or None for a
        first layer whose input needs no gradient.
        """
        W = self.params["W"]
        np.matmul(self._x.T, d_out, out=self.grads["W"])
        np.sum(d_out, axis=0, out=self.grads["b"])
        if not self.needs_input_grad:
            return None
        self._dx = reuse_buffer(self._dx, self._x.shape, W.dtype)
        np.matmul(d_out, W.T, out=self._dx)
        return self._dx


class ReLU:
    """y = x * [x > 0], applied in place on its input buffer; the mask is kept for backward.

    (Multiplying by a boolean mask is faster in NumPy than ``np.maximum(x, 0)``.)
    """

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._mask = reuse_buffer(self._mask, x.shape, np.dtype(bool))
        np.greater(x, 0, out=self._mask)
        return np.multiply(x, self._mask, out=x)

    def backward(self, d_out: np.ndarray) -> np.ndarray:
        """dx = dy * [x > 0]; overwrites and returns d_out."""
        return np.multiply(d_out, self._mask, out=d_out)


class LeakyReLU:
    """y = x for x > 0, slope * x otherwise; in place."""

    def __init__(self, slope: float = LEAKY_SLOPE) -> None:
        self.slope = slope
        self._y: np.ndarray | None = None
        self._factor: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        # max(x, slope*x) equals the leaky ReLU for 0 < slope < 1.
        self._y = np.maximum(x, x * self.slope, out=x)
        return self._y

    def backward(self, d_out: np.ndarray) -> np.ndarray:
        """dx = dy * (1 if y > 0 else slope); overwrites and returns d_out."""
        self._factor = reuse_buffer(self._factor, d_out.shape, d_out.dtype)
        np.copyto(self._factor, self.slope)
        self._factor[self._y > 0] = 1
        return np.multiply(d_out, self._factor, out=d_out)


class Tanh:
    """y = tanh(x); in place."""

    def __init__(self) -> None:
        self._y: np.ndarray | None = None
        self._tmp: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._y = np.tanh(x, out=x)
        return self._y

    def backward(self, d_out: np.ndarray) -> np.ndarray:
        """dx = dy * (1 - y^2); overwrites and returns d_out."""
        self._tmp = reuse_buffer(self._tmp, d_out.shape, d_out.dtype)
        np.multiply(self._y, self._y, out=self._tmp)
        np.subtract(1, self._tmp, out=self._tmp)
        return np.multiply(d_out, self._tmp, out=d_out)


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
