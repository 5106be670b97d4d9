"""The autoencoder and the variational autoencoder: an MLP encoder, a mirrored MLP decoder.

Conventions, written once: images are (batch, input_dim) floats in [0, 1]; the decoder outputs
logits and the image is their sigmoid; ``log_var`` is the log *variance*, so the VAE samples
z = mu + exp(0.5 * log_var) * eps (the reparameterisation trick, Kingma & Welling 2014).
Training runs through layers with batch-sized buffers, in two phases that processes can share
(see core.parallel.training_step): ``forward_backward_rows`` for some rows of a batch, then each layer's
``parameter_gradient`` over the whole batch; ``forward_backward`` runs both in the calling process.
core/nn/reference.py computes the same in textbook form.
Inference (``encode``, ``decode``, ``evaluate``) is a pure function of the weights.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.nn.config import ModelConfig
from core.nn.layers import ACTIVATION_LAYERS, ALL_ROWS, BufferPool, Dense, mlp_apply
from core.nn.losses import RECONSTRUCTION_LOSSES, gaussian_kl, sigmoid
from core.nn.parameters import ParameterVector

EVAL_BATCH = 1000


@dataclass(frozen=True)
class LossTerms:
    """Per-image losses in nats: the optimised objective (rec + beta * kl), reconstruction, KL."""

    total: float
    rec: float
    kl: float


@dataclass(frozen=True)
class DecoderSnapshot:
    """A private copy of the decoder's weights, safe to decode with on any thread."""

    weights: tuple[tuple[np.ndarray, np.ndarray], ...]
    activation: str

    @property
    def latent_dim(self) -> int:
        return self.weights[0][0].shape[0]

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z (n, latent_dim) -> images (n, input_dim) in [0, 1]."""
        z = np.asarray(z, dtype=self.weights[0][0].dtype).reshape(-1, self.latent_dim)
        return sigmoid(mlp_apply(list(self.weights), self.activation, z))


@dataclass(frozen=True)
class EncoderSnapshot:
    """A private copy of the encoder trunk's weights and its mean head, safe to encode with on any thread."""

    trunk: tuple[tuple[np.ndarray, np.ndarray], ...]
    mean_head: tuple[np.ndarray, np.ndarray]   # the AE's "code" head or the VAE's "mu" head
    activation: str

    @property
    def input_dim(self) -> int:
        return self.trunk[0][0].shape[0]

    def encode_mean(self, x: np.ndarray) -> np.ndarray:
        """x (n, input_dim) in [0, 1] -> the codes (AE) or posterior means (VAE), (n, latent_dim)."""
        x = np.asarray(x, dtype=self.trunk[0][0].dtype).reshape(-1, self.input_dim)
        h = mlp_apply(list(self.trunk), self.activation, x, activate_last=True)
        W, b = self.mean_head
        return h @ W + b


class AutoEncoder:
    """Deterministic autoencoder: z = encoder(x), loss = reconstruction only."""

    head_names: tuple[str, ...] = ("code",)

    def __init__(self, config: ModelConfig, rng: np.random.Generator | None) -> None:
        """A model with weights drawn from ``rng``; with None, all zero, for a caller that sets them (a copy, a
        checkpoint): drawing 1M random numbers takes 20-40 ms."""
        self.config = config
        self.dtype = np.dtype(config.dtype)
        self.trunk, self.heads, self.decoder, self._dense = _build_layers(config, self.head_names)
        # The very first layer's input is the data: no gradient needed there.
        self.trunk[0][1].needs_input_grad = False
        self.parameters = ParameterVector(_shapes(self._dense), self.dtype)
        for layer_name, layer in self._dense.items():
            layer.params = {p: self.parameters.values[f"{layer_name}.{p}"] for p in layer.shapes}
        if rng is not None:
            self.initialize(rng)
        self._reconstruction_loss = RECONSTRUCTION_LOSSES[config.reconstruction]
        self._dlogits: np.ndarray | None = None
        self.buffers = BufferPool()         # where the training buffers come from
        self._rows = 0                      # the batch size the training buffers hold

    # ---- parameters ---------------------------------------------------------------------------
    def initialize(self, rng: np.random.Generator) -> None:
        """He-normal weights for ReLU-like activations, LeCun-normal (variance 1 / n_in) for tanh; zero biases."""
        gain = 1.0 if self.config.activation == "tanh" else 2.0
        for layer in self._dense.values():
            n_in, _ = layer.shapes["W"]
            layer.params["W"][...] = rng.standard_normal(layer.shapes["W"]) * np.sqrt(gain / n_in)
            layer.params["b"][...] = 0

    def bind_parameters(self, flat: np.ndarray) -> None:
        """Use ``flat`` (same size and dtype, values already in place) as the parameter vector from now on, for
        example one in memory that another process shares."""
        self.parameters.bind(flat)
        for layer_name, layer in self._dense.items():
            layer.params = {p: self.parameters.values[f"{layer_name}.{p}"] for p in layer.shapes}

    def use_buffers(self, pool: BufferPool) -> None:
        """Take the training buffers from ``pool`` from the next ``resize`` on."""
        self.buffers = pool
        self._rows = 0

    def decoder_snapshot(self) -> DecoderSnapshot:
        """Copy the decoder's weights (about 0.1 ms for the default model)."""
        weights = tuple((W.copy(), b.copy()) for W, b in self._weights(self.decoder))
        return DecoderSnapshot(weights, self.config.activation)

    def encoder_snapshot(self) -> EncoderSnapshot:
        """Copy the encoder trunk's weights and the mean head (the first head: "code" or "mu")."""
        head = self.heads[self.head_names[0]].params
        return EncoderSnapshot(tuple((W.copy(), b.copy()) for W, b in self._weights(self.trunk)),
                               (head["W"].copy(), head["b"].copy()), self.config.activation)

    # ---- inference (pure) -----------------------------------------------------------------------
    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """x (n, input_dim) in [0, 1] -> (mu (n, latent_dim), log_var (n, latent_dim) or None for the AE)."""
        x = np.asarray(x, dtype=self.dtype)
        outputs = {name: [] for name in self.head_names}
        for start in range(0, max(len(x), 1), EVAL_BATCH):
            rows = x[start:start + EVAL_BATCH]
            h = mlp_apply(self._weights(self.trunk), self.config.activation, rows, activate_last=True)
            for name, head in self.heads.items():
                outputs[name].append(h @ head.params["W"] + head.params["b"])
        arrays = [np.concatenate(outputs[name]) for name in self.head_names]
        return (arrays[0], arrays[1]) if len(arrays) == 2 else (arrays[0], None)

    def decode_logits(self, z: np.ndarray) -> np.ndarray:
        """z (n, latent_dim) -> logits (n, input_dim)."""
        z = np.asarray(z, dtype=self.dtype).reshape(-1, self.config.latent_dim)
        return mlp_apply(self._weights(self.decoder), self.config.activation, z)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """z (n, latent_dim) -> images (n, input_dim) in [0, 1]."""
        return sigmoid(self.decode_logits(z))

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Decode the (mean) code of each image: x (n, input_dim) -> (n, input_dim)."""
        return self.decode(self.encode(x)[0])

    def sample_prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Decode n draws of z ~ N(0, I): returns (n, input_dim) images in [0, 1]."""
        return self.decode(rng.standard_normal((n, self.config.latent_dim)))

    def evaluate(self, x: np.ndarray, beta: float = 1.0, eps: np.ndarray | None = None) -> LossTerms:
        """Mean per-image losses on x (n, input_dim) without touching gradients.

        For the VAE, ``eps`` (n, latent_dim) is the reparameterisation noise (zeros if None:
        the loss at the posterior means).
        """
        rec, kl = self.loss_sums(x, eps)
        return LossTerms((rec + beta * kl) / len(x), rec / len(x), kl / len(x))

    def loss_sums(self, x: np.ndarray, eps: np.ndarray | None = None) -> tuple[float, float]:
        """The reconstruction loss and the KL summed over the images x (n, input_dim), so that the sums of
        disjoint parts of a set add up to the set's (callers may split a large set over threads)."""
        x = np.asarray(x, dtype=self.dtype)
        mu, log_var = self.encode(x)
        z = self._sample(mu, log_var, eps)
        rec = self._reconstruction_loss(self.decode_logits(z), x)[0] * len(x)
        kl = gaussian_kl(mu, log_var)[0] * len(x) if log_var is not None else 0.0
        return rec, kl

    # ---- training -----------------------------------------------------------------------------
    def forward_backward(self, x: np.ndarray, beta: float = 1.0, eps: np.ndarray | None = None) -> LossTerms:
        """Mean per-image losses on the images x (n, input_dim); fills ``parameters.grad_flat`` with
        their gradient. Both training phases on the calling thread."""
        self.resize(len(x))
        losses = self.forward_backward_rows(x, ALL_ROWS, beta, eps)
        for layer, span in self.parameter_blocks():
            layer.parameter_gradient(slice(0, layer.block_rows),
                                     self.parameters.grad_flat[span].reshape(layer.block_rows, -1))
        return losses

    def resize(self, batch: int) -> None:
        """Size every training buffer for batches of ``batch`` images (before processes share a batch)."""
        if batch != self._rows:
            self._resize_buffers(batch)
            self._rows = batch

    def _resize_buffers(self, batch: int) -> None:
        for name, layer in self.trunk + self.decoder:
            layer.resize(batch, self.dtype, self.buffers, name)
        for name, layer in self.heads.items():
            layer.resize(batch, self.dtype, self.buffers, f"head.{name}")
        self._dlogits = self.buffers.take("dlogits", batch, self.config.input_dim, self.dtype)

    def parameter_blocks(self) -> list[tuple[Dense, slice]]:
        """Every Dense layer and where its block [W; b] lies in the flat parameter vector."""
        return [(layer, slice(self.parameters.spans[f"{name}.W"].start, self.parameters.spans[f"{name}.b"].stop))
                for name, layer in self._dense.items()]

    def gradient_norms(self, rows: slice) -> list[tuple[float, float]]:
        """For every Dense layer, |input|^2 and |dL/doutput|^2 over ``rows`` of the last batch."""
        return [layer.gradient_norms(rows) for layer in self._dense.values()]

    def forward_backward_rows(self, x: np.ndarray, rows: slice, beta: float = 1.0,
                              eps: np.ndarray | None = None) -> LossTerms:
        """The first training phase, for ``rows`` of the batch x (the whole (batch, input_dim) array,
        with buffers sized by ``resize``): forward, loss and backward through every layer, short of
        the parameter gradients. Losses are sums over those rows divided by the whole batch size,
        so the results for all the rows add up to the batch's mean. Processes sharing the buffers may run
        disjoint rows at once.
        """
        h = _forward(self.trunk, x, rows)
        z = self.heads["code"].forward(h, rows)
        rec, dz = self._decoder_forward_backward(z, x, rows)
        _backward(self.trunk, self.heads["code"].backward(dz, rows), rows)
        return LossTerms(rec, rec, 0.0)

    def _decoder_forward_backward(self, z: np.ndarray, x: np.ndarray, rows: slice) -> tuple[float, np.ndarray]:
        """Reconstruction loss of decoding z against x over ``rows``, and dL/dz (the whole buffer)."""
        logits = _forward(self.decoder, z, rows)
        rec, _ = self._reconstruction_loss(logits[rows], x[rows], grad_out=self._dlogits[rows], batch_size=len(x))
        return rec, _backward(self.decoder, self._dlogits, rows)

    def _sample(self, mu: np.ndarray, log_var: np.ndarray | None, eps: np.ndarray | None) -> np.ndarray:
        return mu

    def _weights(self, layers: list[tuple[str, object]]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(layer.params["W"], layer.params["b"]) for _, layer in layers if isinstance(layer, Dense)]


class VariationalAutoEncoder(AutoEncoder):
    """VAE with a mean head and a log-variance head; loss = rec + beta * KL(q(z|x) || N(0, I))."""

    head_names = ("mu", "log_var")

    def __init__(self, config: ModelConfig, rng: np.random.Generator | None) -> None:
        self._std = self._z = self._dmu = self._dlog_var = None      # (batch, latent_dim) training buffers
        super().__init__(config, rng)

    def _resize_buffers(self, batch: int) -> None:
        super()._resize_buffers(batch)
        self._std, self._z, self._dmu, self._dlog_var = (
            self.buffers.take(name, batch, self.config.latent_dim, self.dtype)
            for name in ("std", "z", "dmu", "dlog_var"))

    def forward_backward_rows(self, x: np.ndarray, rows: slice, beta: float = 1.0,
                              eps: np.ndarray | None = None) -> LossTerms:
        """As AutoEncoder.forward_backward_rows; ``eps`` (batch, latent_dim) is required noise.

        With std = exp(0.5 * log_var) and z = mu + std * eps:
        dL/dmu = dL/dz + beta * dKL/dmu, dL/dlog_var = dL/dz * eps * std / 2 + beta * dKL/dlog_var.
        """
        h = _forward(self.trunk, x, rows)
        mu = self.heads["mu"].forward(h, rows)[rows]
        log_var = self.heads["log_var"].forward(h, rows)[rows]
        std, z, eps = self._std[rows], self._z[rows], eps[rows]
        np.exp(0.5 * log_var, out=std)
        np.multiply(std, eps, out=z)
        z += mu
        rec, dz = self._decoder_forward_backward(self._z, x, rows)
        dz = dz[rows]
        kl, dmu, dlog_var = gaussian_kl(mu, log_var, beta, len(x))
        np.add(dmu, dz, out=self._dmu[rows])
        np.add(dlog_var, dz * eps * std * 0.5, out=self._dlog_var[rows])
        dh = self.heads["mu"].backward(self._dmu, rows)
        dh[rows] += self.heads["log_var"].backward(self._dlog_var, rows)[rows]   # h feeds both heads
        _backward(self.trunk, dh, rows)
        return LossTerms(rec + beta * kl, rec, kl)

    def _sample(self, mu: np.ndarray, log_var: np.ndarray | None, eps: np.ndarray | None) -> np.ndarray:
        return mu if eps is None else mu + np.exp(0.5 * log_var) * eps


def build_model(config: ModelConfig, rng: np.random.Generator | None) -> AutoEncoder:
    """A fresh AutoEncoder or VariationalAutoEncoder for ``config.kind``, initialised from rng (None: zeros)."""
    cls = VariationalAutoEncoder if config.kind == "vae" else AutoEncoder
    return cls(config, rng)


def parameter_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The name and shape of each weight and bias of ``config``'s model, in the order of its flat vector, without
    allocating any (so a file can be checked against them before a model is built)."""
    head_names = (VariationalAutoEncoder if config.kind == "vae" else AutoEncoder).head_names
    return _shapes(_build_layers(config, head_names)[3])


def copy_model(model: AutoEncoder) -> AutoEncoder:
    """A model of the same configuration with a private copy of ``model``'s weights (take it while no step runs)."""
    copy = build_model(model.config, None)
    copy.parameters.flat[...] = model.parameters.flat
    return copy


def _build_layers(config: ModelConfig, head_names: tuple[str, ...]) -> tuple[list, dict, list, dict[str, Dense]]:
    """The encoder trunk, its heads, the decoder, and their Dense layers by name (no weights allocated yet)."""
    widths = (config.input_dim, *config.hidden)
    trunk = _mlp_layers("encoder", widths, config.activation, activate_last=True)
    heads = {name: Dense(widths[-1], config.latent_dim) for name in head_names}
    dec_widths = (config.latent_dim, *reversed(config.hidden), config.input_dim)
    decoder = _mlp_layers("decoder", dec_widths, config.activation, activate_last=False)
    dense = {name: layer for name, layer in trunk + decoder if isinstance(layer, Dense)}
    dense.update({f"encoder.{name}": layer for name, layer in heads.items()})
    return trunk, heads, decoder, dense


def _shapes(dense: dict[str, Dense]) -> dict[str, tuple[int, ...]]:
    return {f"{layer_name}.{p}": shape for layer_name, layer in dense.items() for p, shape in layer.shapes.items()}


def _mlp_layers(prefix: str, widths: tuple[int, ...], activation: str, activate_last: bool) -> list[tuple[str, object]]:
    layers: list[tuple[str, object]] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append((f"{prefix}.{i}", Dense(n_in, n_out)))
        if activate_last or i < len(widths) - 2:
            layers.append((f"{prefix}.{i}.act", ACTIVATION_LAYERS[activation](n_out)))
    return layers


def _forward(layers: list[tuple[str, object]], x: np.ndarray, rows: slice) -> np.ndarray:
    for _, layer in layers:
        x = layer.forward(x, rows)
    return x


def _backward(layers: list[tuple[str, object]], d_out: np.ndarray, rows: slice) -> np.ndarray | None:
    for _, layer in reversed(layers):
        d_out = layer.backward(d_out, rows)
    return d_out

