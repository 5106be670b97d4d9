"""Optimizers over one flat parameter vector: Adam (with bias correction) and SGD with momentum.

Updates run in place. ``step(grad)`` updates the whole vector; a trainer that computes the
gradient in pieces can instead call ``begin_step()`` once and then ``update(span, grad, scratch)``
for each piece, from several threads or processes at once (core.parallel.training_step does). Another process with a
replica over the same shared arrays (``bind``) applies the same step after
``use_step_constants(step_constants())``. The learning rate is a plain attribute: change it
between steps.

Both optimizers keep sums that decay geometrically where the gradient is zero (a dead ReLU unit, a
pixel that is almost never lit), down through the subnormal floats, on which some CPUs compute tens of
times slower (docs/performance.md, "Subnormal floats, flushed", has the measurements). So, every few
steps, values far too small to matter are set to zero (``flush_tiny``), before any can reach that range.

Neither can make a parameter or its state non-finite, given finite ones, a learning rate in [0, MAX_LEARNING_RATE]
and a squared gradient norm below its ``gradient_limit`` (each class docstring says why); a training step checks
the last two before it applies anything (core.parallel.training_step), and ``load_state_dict`` refuses a state
outside these bounds with a ValueError.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

FLUSH_HEADROOM_BITS = 26      # values below 2^26 times the smallest normal float are flushed to zero
FLOAT32_MAX = float(np.finfo(np.float32).max)
# The window's learning-rate box goes up to 10, and nothing trains there: Adam's first step moves every weight by
# the learning rate, 10 against initial weights of about 0.05. A larger value can only be a typo (or inf).
MAX_LEARNING_RATE = 10.0


def check_learning_rate(lr: float, zero_allowed: bool = False) -> None:
    """Raise ValueError unless ``lr`` is a number in (0, MAX_LEARNING_RATE], or [0, ...] when ``zero_allowed`` (a
    step at 0 changes nothing, which is safe, though no run is configured to do it)."""
    number = isinstance(lr, Real) and not isinstance(lr, bool)
    if not (number and (0 <= lr if zero_allowed else 0 < lr) and lr <= MAX_LEARNING_RATE):
        raise ValueError(f"the learning rate must be a number above 0{' (or 0)' if zero_allowed else ''} and at "
                         f"most {MAX_LEARNING_RATE:g}; got {lr!r}")


def _check_finite(name: str, values: np.ndarray) -> None:
    if not np.isfinite(values).all():
        raise ValueError(f"the optimizer state '{name}' holds values that are not finite (NaN or infinite)")


def flush_period(decay: float) -> int:
    """Steps a value at the flush floor takes to decay below the normal range, multiplying by ``decay`` each
    step: flushing that often keeps a decaying sum normal. 0 (never) when ``decay`` is not in (0, 1): such a sum
    does not decay."""
    if not 0 < decay < 1:
        return 0
    return max(1, int(FLUSH_HEADROOM_BITS * math.log(2) / -math.log(decay)))


def flush_due(step: int, period: int) -> bool:
    """Whether step ``step`` (counted from 1) flushes a sum of that ``flush_period``."""
    return period > 0 and step % period == 0


def flush_tiny(values: np.ndarray, scratch: np.ndarray) -> None:
    """Set to zero the ``values`` whose magnitude is below the flush floor, 2^26 times the smallest normal
    float of their dtype (2^-100 in float32); ``scratch`` is an array of the same size to work in."""
    floor = np.finfo(values.dtype).tiny * 2.0 ** FLUSH_HEADROOM_BITS
    np.abs(values, out=scratch)
    values[scratch < floor] = 0


class Adam:
    """Adam (Kingma & Ba 2014, Algorithm 1):

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
    p <- p - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t).

    To save passes over memory it stores the unnormalised sums M = m / (1 - b1) and
    V = v / (1 - b2), updated as M <- b1 M + g and V <- b2 V + g^2, and folds every
    constant into two scalars: p <- p - a * M / (sqrt(V) + e), with
    a = lr (1 - b1) / (1 - b1^t) / sqrt((1 - b2) / (1 - b2^t)) and e = eps / sqrt((1 - b2) / (1 - b2^t)).

    M is flushed every ``flush_period(b1)`` steps (171 for b1 = 0.9), V every ``flush_period(b2)``
    (18,012). A flushed M changed the update by less than a * 2^-100 / e <= 2.5e-22 lr (a <= 3.2 lr and
    e >= eps for b1, b2 = 0.9, 0.999), and a flushed V changed sqrt(V) by less than 2^-50 against e >= eps.

    Why a step cannot make anything non-finite. By Cauchy-Schwarz, M^2 <= C V with C = 1 / (1 - b1^2 / b2)
    (5.29), and a step keeps it so: (b1 M + g)^2 <= (C b1^2 / b2 + 1)(b2 M^2 / C + g^2) <= C (b2 V + g^2), since
    C b1^2 / b2 + 1 = C. (A flushed V was below the flush floor: M^2 <= C (V + floor).) So every update is at
    most a sqrt(C) <= 7.4 lr, below 75 for a learning rate up to MAX_LEARNING_RATE: it cannot carry a finite
    float32 to infinity (the largest float32s are 2^104 apart). And g^2 below (1 - b2) FLOAT32_MAX / 2
    (``gradient_limit``) keeps V below FLOAT32_MAX / 2 if it was, b2 V + g^2 < (b2 + 1 - b2) FLOAT32_MAX / 2,
    and M below 10 max |g| < 5e18.
    """

    def __init__(self, params: np.ndarray, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        self.params = params
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = np.zeros_like(params)       # M above
        self.v = np.zeros_like(params)       # V above
        self.t = 0
        self._scratch: np.ndarray | None = None     # for ``step``; a trainer calling ``update`` brings its own

    def step(self, grad: np.ndarray) -> None:
        """Apply one update with the gradient ``grad`` (same shape as params)."""
        if self._scratch is None:
            self._scratch = np.empty_like(self.params)
        self.begin_step()
        self.update(slice(None), grad, self._scratch)

    def begin_step(self) -> None:
        """Start a step: count it and fold this step's constants (see the class docstring)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Python floats, not NumPy float64 scalars, so float32 arrays stay in float32 loops.
        v_scale = math.sqrt((1 - b2) / (1 - b2 ** self.t))       # sqrt(v_hat) = v_scale * sqrt(V)
        self._step_size = -self.lr * (1 - b1) / (1 - b1 ** self.t) / v_scale
        self._eps = self.eps / v_scale
        self._flush_m = flush_due(self.t, flush_period(b1))
        self._flush_v = flush_due(self.t, flush_period(b2))

    @property
    def gradient_limit(self) -> float:
        """A step's squared gradient norm must be below this for V to stay finite (see the class docstring)."""
        return (1 - self.beta2) * FLOAT32_MAX / 2

    def settings(self) -> dict:
        """What ``optimizer_from_settings`` needs to make a replica (JSON-able)."""
        return {"name": "adam", "lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def step_constants(self) -> tuple[float, float, float, float]:
        """What ``update`` needs of the current step (after ``begin_step``), as floats."""
        return self._step_size, self._eps, float(self._flush_m), float(self._flush_v)

    def use_step_constants(self, constants: tuple[float, float, float, float]) -> None:
        """Take the current step from another replica's ``step_constants``."""
        self._step_size, self._eps = constants[:2]
        self._flush_m, self._flush_v = bool(constants[2]), bool(constants[3])

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The arrays of the state, each shaped like the parameters."""
        return {"m": self.m, "v": self.v}

    def bind(self, params: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """Update ``params`` with ``state`` (as ``state_arrays`` names them) from now on; values are not copied."""
        self.params, self.m, self.v = params, state["m"], state["v"]

    def update(self, span: slice, grad: np.ndarray, scratch: np.ndarray) -> None:
        """Update the parameters ``span`` of the current step, given their gradient and a scratch
        array of the same size: ten in-place passes (and a flush, some steps). Threads may update disjoint
        spans at once."""
        p, m, v = self.params[span], self.m[span], self.v[span]
        m *= self.beta1
        m += grad
        np.multiply(grad, grad, out=scratch)
        v *= self.beta2
        v += scratch
        if self._flush_m:
            flush_tiny(m, scratch)
        if self._flush_v:
            flush_tiny(v, scratch)
        np.sqrt(v, out=scratch)
        scratch += self._eps
        np.divide(m, scratch, out=scratch)
        scratch *= self._step_size
        p += scratch

    def state_dict(self) -> dict[str, np.ndarray]:
        """The unnormalised moment sums M and V (see the class docstring) and the step count."""
        return {"m_sum": self.m.copy(), "v_sum": self.v.copy(), "t": np.array(self.t)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Continue from a ``state_dict``. Raises ValueError, changing nothing, for a learning rate outside [0,
        MAX_LEARNING_RATE], a step count that is not a whole number >= 0, moments that are not finite, a negative
        V, or an M too large for its V to have come from Adam (M^2 > C (V + floor), see the class docstring)."""
        check_learning_rate(self.lr, zero_allowed=True)
        m, v = (np.asarray(state[key], dtype=np.float64) for key in ("m_sum", "v_sum"))
        t = np.asarray(state["t"])
        if t.shape != () or not np.isfinite(t) or t < 0 or t != np.floor(t):
            raise ValueError(f"Adam's step count must be a whole number from 0 up; got {t}")
        _check_finite("m_sum", m)
        _check_finite("v_sum", v)
        if (v < 0).any():
            raise ValueError("Adam's second moment (v_sum) has negative values; it is a sum of squares")
        floor = np.finfo(self.v.dtype).tiny * 2.0 ** FLUSH_HEADROOM_BITS
        reach = 1 / (1 - self.beta1 ** 2 / self.beta2)
        if (m * m > reach * (v + floor) * (1 + 1e-3)).any():      # 1e-3: float32 rounding, far above it
            raise ValueError("Adam's first moment (m_sum) is too large for its second moment (v_sum): no run of "
                             "Adam gives these values")
        self.m[...] = m
        self.v[...] = v
        self.t = int(t)


class SGD:
    """SGD with (heavy-ball) momentum: u <- mu u + g, p <- p - lr u.

    u is flushed every ``flush_period(mu)`` steps; a flushed u changed p by less than lr * 2^-100.

    With g^2 below ``gradient_limit`` (FLOAT32_MAX / 2), |g| < 1.3e19, so |u| < 1.3e19 / (1 - mu) after any
    number of steps (or, once mu rounds to 1 in float32, 1.3e19 more each step): neither u nor p can reach
    infinity in any number of steps a run could take.
    """

    def __init__(self, params: np.ndarray, lr: float = 1e-2, momentum: float = 0.9) -> None:
        self.params = params
        self.lr, self.momentum = lr, momentum
        self.velocity = np.zeros_like(params)
        self.t = 0
        self._flush = False

    def step(self, grad: np.ndarray) -> None:
        """Apply one update with the gradient ``grad`` (same shape as params)."""
        self.begin_step()
        self.update(slice(None), grad, np.empty_like(grad))

    def begin_step(self) -> None:
        """Start a step: count it, and decide whether it flushes the velocity."""
        self.t += 1
        self._flush = flush_due(self.t, flush_period(self.momentum))

    @property
    def gradient_limit(self) -> float:
        """A step's squared gradient norm must be below this (see the class docstring)."""
        return FLOAT32_MAX / 2

    def settings(self) -> dict:
        return {"name": "sgd", "lr": self.lr, "momentum": self.momentum}

    def step_constants(self) -> tuple[float, float]:
        return self.lr, float(self._flush)

    def use_step_constants(self, constants: tuple[float, float]) -> None:
        self.lr, self._flush = constants[0], bool(constants[1])

    def state_arrays(self) -> dict[str, np.ndarray]:
        return {"velocity": self.velocity}

    def bind(self, params: np.ndarray, state: dict[str, np.ndarray]) -> None:
        self.params, self.velocity = params, state["velocity"]

    def update(self, span: slice, grad: np.ndarray, scratch: np.ndarray) -> None:
        """Update the parameters ``span`` given their gradient and a scratch array of the same size."""
        velocity = self.velocity[span]
        velocity *= self.momentum
        velocity += grad
        if self._flush:
            flush_tiny(velocity, scratch)
        np.multiply(velocity, self.lr, out=scratch)
        self.params[span] -= scratch

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"velocity": self.velocity.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Continue from a ``state_dict``. Raises ValueError, changing nothing, for a learning rate outside [0,
        MAX_LEARNING_RATE], a momentum outside [0, 1) or a velocity that is not finite."""
        check_learning_rate(self.lr, zero_allowed=True)
        if not 0 <= self.momentum < 1:
            raise ValueError(f"the momentum must be at least 0 and below 1; got {self.momentum!r}")
        _check_finite("velocity", state["velocity"])
        self.velocity[...] = state["velocity"]


def build_optimizer(name: str, params: np.ndarray, lr: float, momentum: float = 0.9) -> Adam | SGD:
    """An optimizer named "adam" or "sgd" updating the flat vector ``params`` in place."""
    return Adam(params, lr=lr) if name == "adam" else SGD(params, lr=lr, momentum=momentum)


def optimizer_from_settings(settings: dict, params: np.ndarray) -> Adam | SGD:
    """A fresh optimizer of ``settings`` (an optimizer's ``settings()``) over ``params``."""
    options = {key: value for key, value in settings.items() if key != "name"}
    return Adam(params, **options) if settings["name"] == "adam" else SGD(params, **options)
