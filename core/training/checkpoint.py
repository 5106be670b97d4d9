"""Checkpoints: one .npz with the weights, the optimizer state, the loss history and JSON metadata.

Loaded with ``allow_pickle=False``; every problem (not an npz, wrong format version, a missing
array, a wrong shape) is a CheckpointError naming the file. Writes are atomic: a temporary file
in the same folder, renamed over the target only once it is complete.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.atomic_files import atomic_file, make_parent_folder
from core.nn.config import ModelConfig
from core.nn.models import AutoEncoder, build_model
from core.nn.optim import SGD, Adam, build_optimizer
from core.training.config import TrainConfig
from core.training.trainer import EpochProgress, History

FORMAT = "latent-lab-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be read; the message names the file and the problem."""


@dataclass
class Checkpoint:
    """Everything needed to continue training where it stopped."""

    model: AutoEncoder
    optimizer: Adam | SGD
    train_config: TrainConfig
    dataset: str
    history: History


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (the old file stays intact until the rename)."""
    path = Path(path)
    model, history = checkpoint.model, checkpoint.history
    metadata = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": model.config.to_dict(),
        "train_config": checkpoint.train_config.to_dict(),
        "optimizer": {"lr": checkpoint.optimizer.lr, "keys": sorted(checkpoint.optimizer.state_dict())},
        "dataset": checkpoint.dataset,
        "epochs": [record.to_dict() for record in history.epochs],
    }
    arrays = {f"param/{name}": value for name, value in model.parameters.values.items()}
    arrays.update({f"optimizer/{key}": value for key, value in checkpoint.optimizer.state_dict().items()})
    arrays.update({f"history/{key}": np.asarray(getattr(history, key), dtype=np.float64)
                   for key in ("loss", "rec", "kl")})
    arrays["metadata"] = np.array(json.dumps(metadata))
    make_parent_folder(path)
    with atomic_file(path, ".npz", durable=True) as temp_path, temp_path.open("wb") as file:
        np.savez(file, **arrays)


def is_checkpoint_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` looks like a checkpoint (a zip holding the metadata array), without reading its arrays;
    load_checkpoint still checks everything."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "metadata.npy" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``. Raises CheckpointError."""
    path = Path(path)
    # np.load takes any file that is neither a zip nor an .npy for a pickle (and says so): check first.
    try:
        with path.open("rb") as file:
            is_zip = zipfile.is_zipfile(file)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file") from None
    except OSError as error:
        raise CheckpointError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not is_zip:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint (not an .npz file: not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint (not a readable .npz: {error})") from None
    metadata = _read_metadata(path, arrays)
    try:
        model_config = ModelConfig.from_dict(metadata["model_config"])
        train_config = TrainConfig.from_dict(metadata["train_config"])
        epochs = [EpochProgress(**record) for record in metadata["epochs"]]
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: invalid settings in the metadata ({error})") from None
    model = build_model(model_config, None)
    for name, target in model.parameters.values.items():
        target[...] = _array(path, arrays, f"param/{name}", target.shape)
    optimizer = build_optimizer(train_config.optimizer, model.parameters.flat, metadata["optimizer"]["lr"],
                                train_config.momentum)
    expected = optimizer.state_dict()
    optimizer.load_state_dict(
        {key: _array(path, arrays, f"optimizer/{key}", value.shape) for key, value in expected.items()})
    history_arrays = {key: _array(path, arrays, f"history/{key}", None) for key in ("loss", "rec", "kl")}
    if len({len(values) for values in history_arrays.values()}) != 1:
        raise CheckpointError(f"{path}: the loss history arrays have different lengths")
    history = History(*(values.tolist() for values in history_arrays.values()), epochs=epochs)
    if isinstance(optimizer, SGD):
        # SGD's step count, which times its flushes (core.nn.optim), is not stored: every step it applied is one
        # entry of the history, so the count is the history's length, in files of every version.
        optimizer.t = history.steps
    return Checkpoint(model, optimizer, train_config, str(metadata.get("dataset", "")), history)


def _read_metadata(path: Path, arrays: dict[str, np.ndarray]) -> dict:
    if "metadata" not in arrays:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint (no metadata)")
    try:
        metadata = json.loads(str(arrays["metadata"]))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{path}: the metadata is not valid JSON ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint")
    if metadata.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {metadata.get('version')} is not supported "
            f"(this version reads {VERSION})")
    return metadata


def _array(path: Path, arrays: dict[str, np.ndarray], key: str, shape: tuple[int, ...] | None) -> np.ndarray:
    if key not in arrays:
        raise CheckpointError(f"{path}: the array '{key}' is missing")
    value = arrays[key]
    if shape is not None and value.shape != shape:
        raise CheckpointError(f"{path}: the array '{key}' has shape {value.shape}, expected {shape}")
    if not np.issubdtype(value.dtype, np.number):
        raise CheckpointError(f"{path}: the array '{key}' is not numeric")
    return value
