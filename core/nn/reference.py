"""The textbook autoencoder and VAE in plain NumPy: forward pass, losses, backward pass and Adam.

Read this file first. Each function is one idea, written as a textbook writes it: new arrays everywhere, the
parameters in a dict, the equation in the docstring. It is slow on purpose and never trains the app's models.
The fast engine (core/nn/models.py and core/parallel/training_step.py: in-place buffers, one flat parameter
vector, a batch split over processes) computes the same numbers; tests/core/nn/test_reference.py holds the two
equal, one training step at a time, in float64.

Shapes: x (batch, input_dim) in [0, 1]; a Dense layer has W (n_in, n_out) and b (n_out,) and computes
y = x W + b. The encoder is input_dim -> hidden[0] -> ... -> hidden[-1], with the activation after every
layer, then a head to the latent code; the decoder mirrors it, latent_dim -> ... -> input_dim, with no
activation after its last layer: it outputs logits, and the image is their sigmoid.
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np

LEAKY_SLOPE = 0.01      # leaky_relu(a) = 0.01 a for a <= 0, as in core/nn/layers.py


# ---- parameters ---------------------------------------------------------------------------------------------
def init_params(kind: str, input_dim: int, hidden: tuple[int, ...], latent_dim: int, activation: str,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Parameters of an autoencoder (kind "ae") or VAE ("vae"), in float64.

    W ~ N(0, gain / n_in) and b = 0: gain 2 for relu and leaky_relu (He et al. 2015, eq. 10), gain 1 for tanh
    (LeCun et al. 1998, "Efficient BackProp"). The keys are those of the fast engine's ParameterVector:
    "encoder.0.W", "encoder.0.b", ..., the heads "encoder.code.*" (AE) or "encoder.mu.*" and
    "encoder.log_var.*" (VAE), and "decoder.0.W", ... The draws come in the fast engine's order (encoder,
    decoder, heads), so the same rng gives the same weights.
    """
    heads = ["code"] if kind == "ae" else ["mu", "log_var"]
    encoder = pairwise([input_dim, *hidden])                       # (n_in, n_out) of each layer
    decoder = pairwise([latent_dim, *reversed(hidden), input_dim])
    layers = ([(f"encoder.{i}", n_in, n_out) for i, (n_in, n_out) in enumerate(encoder)]
              + [(f"decoder.{i}", n_in, n_out) for i, (n_in, n_out) in enumerate(decoder)]
              + [(f"encoder.{head}", hidden[-1], latent_dim) for head in heads])
    gain = 1.0 if activation == "tanh" else 2.0
    params = {}
    for name, n_in, n_out in layers:
        params[f"{name}.W"] = rng.standard_normal((n_in, n_out)) * np.sqrt(gain / n_in)
        params[f"{name}.b"] = np.zeros(n_out)
    return params


def numbered_layers(params: dict[str, np.ndarray], part: str) -> list[str]:
    """The Dense layers of ``part`` ("encoder" or "decoder") in order, without the heads: ["encoder.0", ...]."""
    count = sum(1 for key in params if key.startswith(part + ".") and key.endswith(".W")
                and key.split(".")[1].isdigit())
    return [f"{part}.{i}" for i in range(count)]


# ---- the pieces of the network and their derivatives ---------------------------------------------------------
def dense(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """y = x W + b: x (batch, n_in), W (n_in, n_out), b (n_out,) -> y (batch, n_out)."""
    return x @ W + b


def dense_backward(x: np.ndarray, W: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Given dL/dy (batch, n_out) for y = x W + b: returns dL/dx = dy W^T (batch, n_in),
    dL/dW = x^T dy (n_in, n_out) and dL/db = the sum of dy over the batch (n_out,)."""
    return dy @ W.T, x.T @ dy, dy.sum(axis=0)


def activate(name: str, a: np.ndarray) -> np.ndarray:
    """h = relu(a) = max(a, 0), leaky_relu(a) = a if a > 0 else 0.01 a, or tanh(a); elementwise."""
    if name == "relu":
        return np.maximum(a, 0)
    if name == "leaky_relu":
        return np.where(a > 0, a, LEAKY_SLOPE * a)
    return np.tanh(a)


def activate_backward(name: str, a: np.ndarray, dh: np.ndarray) -> np.ndarray:
    """dL/da = dL/dh * h'(a), with relu'(a) = [a > 0], leaky_relu'(a) = 1 if a > 0 else 0.01,
    tanh'(a) = 1 - tanh(a)^2. a and dh have the same shape."""
    if name == "relu":
        return dh * (a > 0)
    if name == "leaky_relu":
        return dh * np.where(a > 0, 1.0, LEAKY_SLOPE)
    return dh * (1 - np.tanh(a) ** 2)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """s = 1 / (1 + exp(-l)), the probability of a lit pixel (for l below about -709, exp overflows to inf: s = 0)."""
    return 1 / (1 + np.exp(-logits))


# ---- losses: sums over an image's pixels (or latent dimensions) in nats, averaged over the batch -------------
def bernoulli_loss(logits: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Cross-entropy of x under a Bernoulli decoder, p = sigmoid(l) (Kingma & Welling 2014, appendix C.1):
    -log p(x|z) = sum over pixels of -x log p - (1 - x) log(1 - p) = log(1 + exp(l)) - x l.
    logits, x: (batch, input_dim). Returns the mean over the batch and its gradient dL/dl = (p - x) / batch."""
    batch = len(x)
    loss = np.sum(np.logaddexp(0, logits) - x * logits) / batch      # logaddexp(0, l) = log(1 + exp(l)), no overflow
    return float(loss), (sigmoid(logits) - x) / batch


def squared_error_loss(logits: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Half the sum of squared errors, 0.5 * sum over pixels of (x - s)^2 with s = sigmoid(l): a Gaussian
    decoder of unit variance, up to a constant (Kingma & Welling 2014, appendix C.2). Returns the mean over
    the batch and dL/dl = (s - x) s (1 - s) / batch (the chain rule through the sigmoid, s' = s (1 - s))."""
    batch = len(x)
    s = sigmoid(logits)                                              # (batch, input_dim)
    return float(0.5 * np.sum((x - s) ** 2) / batch), (s - x) * s * (1 - s) / batch


RECONSTRUCTION_LOSSES = {"bernoulli": bernoulli_loss, "sse": squared_error_loss}


def kl_divergence(mu: np.ndarray, log_var: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """KL(N(mu, exp(log_var)) || N(0, I)) = 0.5 * sum over latent dims of (mu^2 + exp(log_var) - 1 - log_var)
    (Kingma & Welling 2014, appendix B). mu, log_var: (batch, latent_dim). Returns the mean over the batch and
    its gradients dKL/dmu = mu / batch and dKL/dlog_var = 0.5 (exp(log_var) - 1) / batch."""
    batch = len(mu)
    kl = 0.5 * np.sum(mu ** 2 + np.exp(log_var) - 1 - log_var) / batch
    return float(kl), mu / batch, 0.5 * (np.exp(log_var) - 1) / batch


# ---- the whole model ---------------------------------------------------------------------------------------
def forward(params: dict[str, np.ndarray], x: np.ndarray, activation: str,
            eps: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Encode x (batch, input_dim), draw the code, decode it. For the VAE, eps (batch, latent_dim) is the noise.

    Returns the cache that ``backward`` needs: each Dense layer's input "<layer>.x" and output "<layer>.a"
    (before its activation), the trunk's output "h", the code "z", the logits, and for the VAE "mu",
    "log_var", "std" and "eps".
    """
    cache = {}
    h = x
    for name in numbered_layers(params, "encoder"):
        cache[name + ".x"] = h
        cache[name + ".a"] = dense(h, params[name + ".W"], params[name + ".b"])    # (batch, hidden[i])
        h = activate(activation, cache[name + ".a"])
    cache["h"] = h                                                                   # (batch, hidden[-1])
    if "encoder.code.W" in params:                                                   # the AE: z is the code
        z = dense(h, params["encoder.code.W"], params["encoder.code.b"])
    else:
        mu = dense(h, params["encoder.mu.W"], params["encoder.mu.b"])               # (batch, latent_dim)
        log_var = dense(h, params["encoder.log_var.W"], params["encoder.log_var.b"])
        std = np.exp(0.5 * log_var)               # log_var is the log *variance*: std = sqrt(exp(log_var))
        z = mu + std * eps                        # the reparameterisation trick (Kingma & Welling 2014, sec. 2.4)
        cache.update(mu=mu, log_var=log_var, std=std, eps=eps)
    cache["z"] = z
    decoder = numbered_layers(params, "decoder")
    for i, name in enumerate(decoder):
        cache[name + ".x"] = z
        cache[name + ".a"] = dense(z, params[name + ".W"], params[name + ".b"])
        z = activate(activation, cache[name + ".a"]) if i < len(decoder) - 1 else cache[name + ".a"]
    cache["logits"] = z                                                              # (batch, input_dim)
    return cache


def objective(cache: dict[str, np.ndarray], x: np.ndarray, reconstruction: str,
              beta: float = 1.0) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The loss per image, L = rec + beta * KL: for beta = 1, the negative ELBO (Kingma & Welling 2014, eq. 10);
    for other beta, the beta-VAE (Higgins et al. 2017). The AE has no KL: L = rec.

    Returns the losses {"total", "rec", "kl"} and the gradients of L with respect to the network's outputs:
    "logits" (batch, input_dim) and, for the VAE, "mu" and "log_var" (batch, latent_dim).
    """
    rec, d_logits = RECONSTRUCTION_LOSSES[reconstruction](cache["logits"], x)
    if "mu" not in cache:
        return {"total": rec, "rec": rec, "kl": 0.0}, {"logits": d_logits}
    kl, d_mu, d_log_var = kl_divergence(cache["mu"], cache["log_var"])
    return {"total": rec + beta * kl, "rec": rec, "kl": kl}, {"logits": d_logits, "mu": beta * d_mu,
                                                              "log_var": beta * d_log_var}


def backward(params: dict[str, np.ndarray], cache: dict[str, np.ndarray], output_grads: dict[str, np.ndarray],
             activation: str) -> dict[str, np.ndarray]:
    """The chain rule from the outputs' gradients (``objective``'s) back to every parameter.

    Through the code z = mu + std * eps, with std = exp(0.5 log_var): dz/dmu = 1 and dz/dlog_var = 0.5 std eps,
    so dL/dmu = dL/dz + beta dKL/dmu and dL/dlog_var = dL/dz * 0.5 std eps + beta dKL/dlog_var. Returns the
    gradients in a dict with the keys of ``params``, each shaped like its parameter.
    """
    grads = {}
    d = output_grads["logits"]                               # dL/d(the last layer's output), (batch, input_dim)
    for k, name in enumerate(reversed(numbered_layers(params, "decoder"))):
        if k > 0:                                            # every decoder layer but the last is activated
            d = activate_backward(activation, cache[name + ".a"], d)
        d, grads[name + ".W"], grads[name + ".b"] = dense_backward(cache[name + ".x"], params[name + ".W"], d)
    dz = d                                                   # (batch, latent_dim)
    if "encoder.code.W" in params:
        dh, grads["encoder.code.W"], grads["encoder.code.b"] = dense_backward(
            cache["h"], params["encoder.code.W"], dz)
    else:
        d_mu = dz + output_grads["mu"]                                                   # (batch, latent_dim)
        d_log_var = dz * 0.5 * cache["std"] * cache["eps"] + output_grads["log_var"]     # (batch, latent_dim)
        dh_mu, grads["encoder.mu.W"], grads["encoder.mu.b"] = dense_backward(cache["h"], params["encoder.mu.W"], d_mu)
        dh_log_var, grads["encoder.log_var.W"], grads["encoder.log_var.b"] = dense_backward(
            cache["h"], params["encoder.log_var.W"], d_log_var)
        dh = dh_mu + dh_log_var                              # h feeds both heads: the two gradients add
    d = dh                                                   # (batch, hidden[-1])
    for name in reversed(numbered_layers(params, "encoder")):
        d = activate_backward(activation, cache[name + ".a"], d)
        d, grads[name + ".W"], grads[name + ".b"] = dense_backward(cache[name + ".x"], params[name + ".W"], d)
    return grads


def loss_and_gradients(params: dict[str, np.ndarray], x: np.ndarray, activation: str, reconstruction: str,
                       beta: float = 1.0, eps: np.ndarray | None = None
                       ) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """``forward``, ``objective`` and ``backward`` in turn: the losses {"total", "rec", "kl"} on the batch x
    (batch, input_dim) and the gradient of "total" for every parameter."""
    cache = forward(params, x, activation, eps)
    losses, output_grads = objective(cache, x, reconstruction, beta)
    return losses, backward(params, cache, output_grads, activation)


# ---- Adam and one training step ----------------------------------------------------------------------------
def adam_init(params: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """Adam's state: the moment estimates m and v, zero, each shaped like its parameter."""
    return {"m": {name: np.zeros_like(p) for name, p in params.items()},
            "v": {name: np.zeros_like(p) for name, p in params.items()}}


def adam_step(params: dict[str, np.ndarray], grads: dict[str, np.ndarray], state: dict[str, dict[str, np.ndarray]],
              lr: float, t: int, betas: tuple[float, float] = (0.9, 0.999),
              eps: float = 1e-8) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Step t (counted from 1) of Adam (Kingma & Ba 2015, Algorithm 1), for every parameter p with gradient g:

    m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,  m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t),
    p <- p - lr m_hat / (sqrt(v_hat) + eps).

    Returns the new parameters and the new state; the arguments are left unchanged. (core/nn/optim.py folds
    the constants into two scalars, and every so often sets moments below 2^-996 in float64 (2^-100 in float32)
    to zero, which changes nothing here.)
    """
    b1, b2 = betas
    new_params, new_state = {}, {"m": {}, "v": {}}
    for name, p in params.items():
        g = grads[name]
        m = b1 * state["m"][name] + (1 - b1) * g
        v = b2 * state["v"][name] + (1 - b2) * g ** 2
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        new_params[name] = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        new_state["m"][name], new_state["v"][name] = m, v
    return new_params, new_state


def train_step(params: dict[str, np.ndarray], state: dict[str, dict[str, np.ndarray]], t: int, x: np.ndarray,
               activation: str, reconstruction: str, lr: float, beta: float = 1.0, eps: np.ndarray | None = None
               ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]], dict[str, float]]:
    """Training step t (from 1) on the batch x (batch, input_dim) with noise eps (batch, latent_dim; VAE only):
    the gradient of the loss, then Adam. Returns the new parameters, the new Adam state and the batch's losses
    {"total", "rec", "kl"} before the step."""
    losses, grads = loss_and_gradients(params, x, activation, reconstruction, beta, eps)
    params, state = adam_step(params, grads, state, lr, t)
    return params, state, losses
