"""Latent codes as a CSV table, to analyse elsewhere: one row per encoded image with its class and its code (the
AE's code or the VAE's posterior mean, and the VAE's log-variances).

Written atomically (core.atomic_files). It takes arrays and knows nothing of the app.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.atomic_files import atomic_file


def codes_columns(latent_dim: int, with_log_var: bool) -> list[str]:
    """The header: label, class, z1..zd and, for a VAE, log_var1..log_vard."""
    return (["label", "class"] + [f"z{k}" for k in range(1, latent_dim + 1)]
            + ([f"log_var{k}" for k in range(1, latent_dim + 1)] if with_log_var else []))


def write_codes_csv(path: str | os.PathLike, codes: np.ndarray, labels: np.ndarray, class_names: Sequence[str],
                    log_var: np.ndarray | None = None) -> Path:
    """Write codes (n, d), their labels (n,) int indices into class_names, and log_var (n, d) or None to ``path``
    as CSV (floats in the fewest digits that read back exactly). Returns the path; raises ValueError for arrays of
    other shapes and OSError when the file cannot be written (an earlier file there is then left as it was)."""
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels)
    if codes.ndim != 2 or labels.shape != (len(codes),) or (log_var is not None and np.shape(log_var) != codes.shape):
        raise ValueError(f"codes {codes.shape}, labels {labels.shape} and log_var {np.shape(log_var)} do not match")
    values = codes if log_var is None else np.hstack([codes, np.asarray(log_var, dtype=np.float64)])
    path = Path(path)
    with atomic_file(path, ".csv") as temp_path, temp_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(codes_columns(codes.shape[1], log_var is not None))
        writer.writerows([int(label), class_names[int(label)]] + [repr(float(x)) for x in row]
                         for label, row in zip(labels, values))
    return path
