"""Optimizers over one flat parameter vector: Adam (with bias correction) and SGD with momentum.

Updates run in place, chunk by chunk, so that each chunk's moment, gradient and parameter
values stay in the CPU cache across the several passes of an update. The learning rate is a
plain attribute: change it between steps.
"""
from __future__ import annotations

import numpy as np

CHUNK = 1 << 15   # elements per chunk: 5 float32 arrays of this size fit in a 1 MiB L2 cache


class Adam:
    """Adam (Kingma & Ba 2014, Algorithm 1):

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
    p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t).
    """

    def __init__(self, params: np.ndarray, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        self.params = params
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self.t = 0
        self._tmp = np.empty(min(CHUNK, params.size), dtype=params.dtype)

    def step(self, grad: np.ndarray) -> None:
        """Apply one update with the gradient ``grad`` (same shape as params)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        bias1, bias2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        # p -= lr / bias1 * m / (sqrt(v) / sqrt(bias2) + eps), as in PyTorch.
        step_size = -self.lr / bias1
        inv_sqrt_bias2 = 1 / np.sqrt(bias2)
        for start in range(0, self.params.size, CHUNK):
            part = slice(start, start + CHUNK)
            p, g, m, v = self.params[part], grad[part], self.m[part], self.v[part]
            tmp = self._tmp[: p.size]
            np.subtract(g, m, out=tmp)            # m += (1 - b1) (g - m)
            tmp *= 1 - b1
            m += tmp
            np.multiply(g, g, out=tmp)            # v += (1 - b2) (g^2 - v)
            tmp -= v
            tmp *= 1 - b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= inv_sqrt_bias2
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p += tmp

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"m": self.m.copy(), "v": self.v.copy(), "t": np.array(self.t)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.m[...] = state["m"]
        self.v[...] = state["v"]
        self.t = int(state["t"])


class SGD:
    """SGD with (heavy-ball) momentum: u <- mu u + g, p <- p - lr u."""

    def __init__(self, params: np.ndarray, lr: float = 1e-2, momentum: float = 0.9) -> None:
        self.params = params
        self.lr, self.momentum = lr, momentum
        self.velocity = np.zeros_like(params)

    def step(self, grad: np.ndarray) -> None:
        """Apply one update with the gradient ``grad`` (same shape as params)."""
        self.velocity *= self.momentum
        self.velocity += grad
        self.params -= self.lr * self.velocity

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"velocity": self.velocity.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.velocity[...] = state["velocity"]


def build_optimizer(name: str, params: np.ndarray, lr: float, momentum: float = 0.9) -> Adam | SGD:
    """An optimizer named "adam" or "sgd" updating the flat vector ``params`` in place."""
    return Adam(params, lr=lr) if name == "adam" else SGD(params, lr=lr, momentum=momentum)
