"""All parameters and gradients of a model as views into two flat vectors.

One flat vector lets the optimizer update a whole model in a few vectorised passes
and makes checkpoints and snapshots a single copy. Nothing here knows about layers.
"""
from __future__ import annotations

import math

import numpy as np


class ParameterVector:
    """A flat parameter vector and its gradient, with named views into both.

    ``values[name]`` and ``grads[name]`` are C-contiguous views, so writing into them
    (``out=`` or in place) writes into ``flat`` / ``grad_flat``.
    """

    def __init__(self, shapes: dict[str, tuple[int, ...]], dtype: np.dtype, shared_values: np.ndarray | None = None) -> None:
        """``shared_values``: an existing flat vector to view instead of new zeros (a replica's weights)."""
        sizes = [math.prod(shape) for shape in shapes.values()]
        if shared_values is not None and (shared_values.shape != (sum(sizes),) or shared_values.dtype != dtype):
            raise ValueError("shared_values does not match these parameter shapes and dtype")
        self.flat = np.zeros(sum(sizes), dtype=dtype) if shared_values is None else shared_values
        self.grad_flat = np.zeros_like(self.flat)
        self.values: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        start = 0
        for (name, shape), size in zip(shapes.items(), sizes):
            self.values[name] = self.flat[start:start + size].reshape(shape)
            self.grads[name] = self.grad_flat[start:start + size].reshape(shape)
            start += size

    @property
    def size(self) -> int:
        return self.flat.size
