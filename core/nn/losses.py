"""Reconstruction losses (from decoder logits) and the VAE's KL term, with their gradients.

Every loss is a sum over an image's pixels (or latent dims) in nats, averaged over the batch;
each function returns that per-image mean and its gradient with respect to its input. The
divisor ``batch_size`` defaults to the number of rows, and can be the size of a whole batch
when the rows are one part of it.
"""
from __future__ import annotations

import numpy as np


def bernoulli_loss(logits: np.ndarray, x: np.ndarray, grad_out: np.ndarray | None = None,
                   batch_size: int | None = None) -> tuple[float, np.ndarray]:
    """Bernoulli cross-entropy of targets x in [0, 1] under p = sigmoid(logits).

    Per pixel: -x log p - (1-x) log(1-p) = softplus(l) - x l, with the overflow-free form
    softplus(l) = log(1 + exp(-|l|)) + (l + |l|) / 2. Gradient: dL/dl = (sigmoid(l) - x) / batch,
    where sigmoid(l) = 1/2 + sign(l) (1/(1 + exp(-|l|)) - 1/2) reuses the same exponential.
    logits, x: (batch, 784). Returns (mean per-image loss, gradient (batch, 784)); the
    gradient is written into ``grad_out`` when given.
    """
    batch = batch_size or logits.shape[0]
    grad = np.empty_like(logits) if grad_out is None else grad_out
    abs_logits = np.abs(logits)
    # Sums of (l + |l|) / 2 and of x l need no array of their own. NumPy sums contiguous arrays
    # pairwise, so float32 sums keep a relative error near 1e-7 (and take half the time of float64).
    loss = 0.5 * (float(logits.sum()) + float(abs_logits.sum())) - float(np.vdot(x, logits))
    np.negative(abs_logits, out=grad)
    np.exp(grad, out=grad)
    grad += 1                                                    # 1 + exp(-|l|), in (1, 2]
    # log, not log1p: NumPy's float32 log1p is slower (docs/performance.md, "The loss"); 1 + e loses one ulp at most.
    loss += sum_of_logs(grad)
    np.reciprocal(grad, out=grad)                                # sigmoid(|l|)
    grad -= 0.5
    np.copysign(grad, logits, out=grad)
    grad += 0.5                                                  # sigmoid(l)
    grad -= x
    grad *= 1 / batch
    return float(loss) / batch, grad


PRODUCT_ROWS = 64     # a product of up to 64 factors in [1, 2] stays below 2^64: no overflow in float32


def sum_of_logs(values: np.ndarray) -> float:
    """sum(log(values)) for values (n, d) in [1, 2], as the logs of products of up to PRODUCT_ROWS rows.

    log(a) + log(b) = log(a b): one multiplication per value instead of one logarithm, which NumPy's
    float32 computes one value at a time (docs/performance.md, "The loss", has the measurement).
    The products' rounding adds a relative error near 64 * 2^-24 per product: 1e-4 nats per image at most.
    """
    total = 0.0
    for start in range(0, len(values), PRODUCT_ROWS):
        total += float(np.log(np.multiply.reduce(values[start:start + PRODUCT_ROWS], axis=0)).sum())
    return total


def sse_loss(logits: np.ndarray, x: np.ndarray, grad_out: np.ndarray | None = None,
             batch_size: int | None = None) -> tuple[float, np.ndarray]:
    """Sum of squared errors 0.5 * sum((x - s)^2) with s = sigmoid(logits).

    Gradient through the sigmoid: dL/dl = (s - x) * s * (1 - s) / batch.
    Shapes and return value as in ``bernoulli_loss``.
    """
    batch = batch_size or logits.shape[0]
    s = sigmoid(logits)
    diff = s - x
    loss = 0.5 * float(np.vdot(diff, diff))
    grad = np.empty_like(logits) if grad_out is None else grad_out
    np.multiply(diff, s, out=grad)
    grad *= 1 - s
    grad /= batch
    return loss / batch, grad


RECONSTRUCTION_LOSSES = {"bernoulli": bernoulli_loss, "sse": sse_loss}


def gaussian_kl(mu: np.ndarray, log_var: np.ndarray, weight: float = 1.0,
                batch_size: int | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """KL(N(mu, exp(log_var)) || N(0, I)) = 0.5 * sum(mu^2 + exp(log_var) - 1 - log_var).

    (Kingma & Welling 2014, appendix B.) mu, log_var: (batch, latent). Returns the mean
    per-image KL (unweighted) and the gradients of ``weight`` * KL / batch:
    d/dmu = weight * mu / batch, d/dlog_var = weight * 0.5 * (exp(log_var) - 1) / batch.
    """
    batch = batch_size or mu.shape[0]
    var = np.exp(log_var)
    kl = 0.5 * float(np.sum(mu * mu + var - 1 - log_var, dtype=np.float64))
    scale = weight / batch
    return kl / batch, mu * scale, (var - 1) * (0.5 * scale)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-l)), in the dtype of ``logits``.

    Where exp(-l) overflows (l below about -88 in float32), 1 / (1 + inf) is 0, the function's limit: no NaN,
    and a small relative error everywhere. Four passes over one new array, not two formulas chosen by sign with
    ``np.where``, which is slower when hundreds of images are decoded at once (docs/performance.md, "The loss").
    """
    s = np.negative(logits)
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1
    return np.reciprocal(s, out=s)
