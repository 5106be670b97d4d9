"""The benchmarks' PyTorch contender: the same VAE 784-512-256-2 (mirror decoder), Bernoulli loss, Adam, batch 128.

Only the benchmarks import it, and only when PyTorch is installed (`pip install torch==2.13.0`; never a dependency).
"""
from __future__ import annotations

import numpy as np

BATCH = 128


class TorchVAETraining:
    """Trains the VAE on ``images`` (n, 784) uint8 with PyTorch on ``threads`` threads, a batch per ``step()``,
    reshuffling at each epoch. ``flush_denormal`` sets PyTorch's process-wide switch that makes the CPU treat
    subnormal floats as zero (off by default in PyTorch)."""

    def __init__(self, images: np.ndarray, threads: int, seed: int = 0, flush_denormal: bool = False) -> None:
        import torch
        torch.set_num_threads(threads)
        torch.set_flush_denormal(flush_denormal)
        torch.manual_seed(seed)
        self._torch = torch
        nn = torch.nn

        class VAE(nn.Module):
            def __init__(self):
                super().__init__()
                self.trunk = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
                self.mu, self.log_var = nn.Linear(256, 2), nn.Linear(256, 2)
                self.decoder = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                                             nn.Linear(512, 784))

            def forward(self, x):
                h = self.trunk(x)
                mu, log_var = self.mu(h), self.log_var(h)
                z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
                logits = self.decoder(z)
                rec = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)
                kl = 0.5 * torch.sum(mu * mu + log_var.exp() - 1 - log_var) / len(x)
                return rec + kl

        self.model = VAE()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.data = torch.from_numpy(images.reshape(len(images), -1)).float().div_(255)
        self.batches_per_epoch = -(-len(self.data) // BATCH)
        self._batch = 0
        self._order = torch.randperm(len(self.data))

    def step(self) -> None:
        if self._batch == self.batches_per_epoch:
            self._batch, self._order = 0, self._torch.randperm(len(self.data))
        batch = self.data[self._order[self._batch * BATCH:(self._batch + 1) * BATCH]]
        self._batch += 1
        self.optimizer.zero_grad(set_to_none=True)
        self.model(batch).backward()
        self.optimizer.step()

    def first_moments(self) -> np.ndarray:
        """Adam's first moments (exp_avg) of every parameter, flat."""
        states = self.optimizer.state.values()
        return np.concatenate([state["exp_avg"].numpy().ravel() for state in states]) if states else np.zeros(0)
