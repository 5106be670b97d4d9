"""Central finite differences, the oracle that every hand-written gradient is tested against.

Use float64 arrays: in float32 the rounding error of a difference quotient swamps the check.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(loss: Callable[[], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """dL/dx for every entry of x by the five-point central difference

        (L(x - 2h) - 8 L(x - h) + 8 L(x + h) - L(x + 2h)) / 12h,

    whose truncation error is O(h^4): with h = 1e-4 it is far below the float64 rounding error
    eps * L / h, so the estimate agrees with an exact gradient to about 10 significant digits
    (the two-point formula stalls near 8). ``loss`` re-evaluates L reading ``x``, which is
    perturbed in place and restored. Returns an array shaped like x.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        values = []
        for offset in (-2 * h, -h, h, 2 * h):
            flat_x[i] = original + offset
            values.append(loss())
        flat_x[i] = original
        flat_grad[i] = (values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h)
    return grad


def max_relative_error(analytic: np.ndarray, numeric: np.ndarray, floor: float = 1e-4) -> float:
    """max_i |a_i - n_i| / max(|a_i|, |n_i|, floor).

    The floor makes tiny entries (exactly zero behind a ReLU, where the difference quotient
    returns rounding noise of about 1e-12) compare absolutely: a bound of 1e-6 then means an
    absolute error below 1e-10 for them.
    """
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return float(np.max(np.abs(a - n) / scale))
