"""All parameters and gradients of a model as views into two flat vectors.

One flat vector lets the optimizer update a whole model in a few vectorised passes
and makes checkpoints and snapshots a single copy. Nothing here knows about layers.
"""
from __future__ import annotations

import math

import numpy as np


class ParameterVector:
    """A flat parameter vector, a flat gradient of the same size, and named views into the first.

    ``values[name]`` is a C-contiguous view, so writing into it (``out=`` or in place) writes
    into ``flat``; ``spans[name]`` is where that entry lies in ``flat`` (and in ``grad_flat``).
    Entries lie in the order of ``shapes``.
    """

    def __init__(self, shapes: dict[str, tuple[int, ...]], dtype: np.dtype) -> None:
        self.flat = np.zeros(sum(math.prod(shape) for shape in shapes.values()), dtype=dtype)
        self.grad_flat = np.zeros(self.flat.shape, dtype)    # not zeros_like: calloc leaves pages untouched until
                                                            # used, and a model that never trains never uses them
        self.shapes = dict(shapes)
        self.spans: dict[str, slice] = {}
        start = 0
        for name, shape in shapes.items():
            self.spans[name] = slice(start, start + math.prod(shape))
            start = self.spans[name].stop
        self.bind(self.flat)

    def bind(self, flat: np.ndarray) -> None:
        """Make ``flat`` (same size and dtype) the parameter vector, with ``values`` as views into it."""
        if flat.shape != self.flat.shape or flat.dtype != self.flat.dtype:
            raise ValueError(f"a parameter vector of {self.flat.size} {self.flat.dtype} values was expected")
        self.flat = flat
        self.values = {name: flat[span].reshape(self.shapes[name]) for name, span in self.spans.items()}

    @property
    def size(self) -> int:
        return self.flat.size
