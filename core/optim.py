"""Optimizers over one flat parameter vector: Adam (with bias correction) and SGD with momentum.

Updates run in place, with no temporary arrays beyond one scratch vector, and Adam's can be
split over threads (core.parallel.ThreadTeam). The learning rate is a plain attribute: change it between steps.
"""
from __future__ import annotations

import numpy as np

from core.parallel import ThreadTeam


class Adam:
    """Adam (Kingma & Ba 2014, Algorithm 1):

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
    p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t).

    To save passes over memory it stores the unnormalised sums M = m / (1 - b1) and
    V = v / (1 - b2), updated as M <- b1 M + g and V <- b2 V + g^2, and folds every
    constant into two scalars: p <- p - a * M / (sqrt(V) + e), with
    a = lr (1 - b1) / (1 - b1^t) / sqrt((1 - b2) / (1 - b2^t)) and e = eps / sqrt((1 - b2) / (1 - b2^t)).
    """

    def __init__(self, params: np.ndarray, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, threads: int = 1) -> None:
        self.params = params
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = np.zeros_like(params)       # M above
        self.v = np.zeros_like(params)       # V above
        self.t = 0
        self._team = ThreadTeam(threads)
        self._scratch = np.empty_like(params)

    def step(self, grad: np.ndarray) -> None:
        """Apply one update with the gradient ``grad`` (same shape as params)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        v_scale = np.sqrt((1 - b2) / (1 - b2 ** self.t))         # sqrt(v_hat) = v_scale * sqrt(V)
        step_size = -self.lr * (1 - b1) / (1 - b1 ** self.t) / v_scale
        eps = self.eps / v_scale

        # One thread per contiguous part, ten whole-part passes each: measured here, cutting the
        # parts into cache-sized chunks made it slower (the threads then fight over the GIL).
        def update(_: int, part: slice) -> None:
            p, g, m, v, tmp = self.params[part], grad[part], self.m[part], self.v[part], self._scratch[part]
            m *= b1
            m += g
            np.multiply(g, g, out=tmp)
            v *= b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p += tmp

        self._team.run_parts(self.params.size, update)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The unnormalised moment sums M and V (see the class docstring) and the step count."""
        return {"m_sum": self.m.copy(), "v_sum": self.v.copy(), "t": np.array(self.t)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.m[...] = state["m_sum"]
        self.v[...] = state["v_sum"]
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


def build_optimizer(name: str, params: np.ndarray, lr: float, momentum: float = 0.9, threads: int = 1) -> Adam | SGD:
    """An optimizer named "adam" or "sgd" updating the flat vector ``params`` in place.

    ``threads`` > 1 splits Adam's update over that many threads (worth it on an idle second core).
    """
    return Adam(params, lr=lr, threads=threads) if name == "adam" else SGD(params, lr=lr, momentum=momentum)
