"""Checkpoints: one .npz with the weights, the optimizer state, the loss history and JSON metadata.

Loading checks everything before it builds anything (core/training/checkpoint_schema.py says what a checkpoint
must hold) and reads the archive within bounds (core/data/npz_reader.py): only a regular file, no pickles, no array
expanded before its header is checked against the model. Every problem is a CheckpointError naming the file.
Writes are atomic: a temporary file in the same folder, renamed over the target only once it is complete.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.atomic_files import atomic_file, make_parent_folder
from core.data.bounded_files import FileRefusedError
from core.data.npz_reader import NotAnNpzError, NpzReader
from core.nn.models import AutoEncoder, build_model
from core.nn.optim import SGD, Adam, build_optimizer
from core.training.checkpoint_schema import (
    FORMAT,
    HISTORY_KEYS,
    MAX_METADATA_CHARS,
    OPTIMIZER_STATE,
    VERSION,
    CheckpointError,
    all_finite,
    array_specs,
    check_header,
    check_history_lengths,
    check_values,
    parse_metadata,
)
from core.training.config import TrainConfig
from core.training.trainer import History

# What a checkpoint's compressed arrays may expand to, together. The app writes checkpoints uncompressed, whose
# arrays are bounded by the file's own size instead.
MAX_INFLATED_BYTES = 256 << 20


@dataclass
class Checkpoint:
    """Everything needed to continue training where it stopped."""

    model: AutoEncoder
    optimizer: Adam | SGD
    train_config: TrainConfig
    dataset: str
    history: History


def save_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically (the old file stays intact until the rename). A model whose
    parameters are not all finite is refused with CheckpointError: no file is ever written that could not load."""
    path = Path(path)
    model, history = checkpoint.model, checkpoint.history
    if not np.isfinite(model.parameters.flat).all():
        raise CheckpointError(f"{path}: not saved: the model's weights are not all finite numbers")
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
    arrays.update({f"history/{key}": np.asarray(getattr(history, key), dtype=np.float64) for key in HISTORY_KEYS})
    arrays["metadata"] = np.array(json.dumps(metadata))
    make_parent_folder(path)
    with atomic_file(path, ".npz", durable=True) as temp_path, temp_path.open("wb") as file:
        np.savez(file, **arrays)


def is_checkpoint_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` looks like a checkpoint (a regular file, a zip holding the metadata array), without reading
    its arrays; load_checkpoint still checks everything."""
    try:
        with NpzReader(path, max_inflated_bytes=0) as archive:
            return "metadata" in archive.names
    except FileRefusedError:
        return False


def load_checkpoint(path: str | os.PathLike, *, input_dim: int | None = None) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``. ``input_dim``, when given, is the image size the model must
    take (784 where the datasets are 28x28): a checkpoint made for another is refused.

    The metadata is checked first, then every array's header against the model it describes, and only then are
    the arrays read, and their values checked (finite weights, say). Raises CheckpointError naming the file, for
    every problem."""
    path = Path(path)
    try:
        with NpzReader(path, MAX_INFLATED_BYTES) as archive:
            return _read_checkpoint(path, archive, input_dim)
    except NotAnNpzError as error:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint (not an .npz file: {error.problem})") from None
    except FileRefusedError as error:
        raise CheckpointError(str(error)) from None


def _read_checkpoint(path: Path, archive: NpzReader, input_dim: int | None) -> Checkpoint:
    metadata = parse_metadata(path, _metadata_text(path, archive))
    model_config, train_config = metadata.model_config, metadata.train_config
    if input_dim is not None and model_config.input_dim != input_dim:
        raise CheckpointError(f"{path}: its model takes images of {model_config.input_dim:,} pixels; these "
                              f"datasets have {input_dim:,}")
    specs = array_specs(model_config, train_config.optimizer)
    for name, spec in specs.items():
        check_header(path, name, archive.header(name), spec)
    check_history_lengths(path, {key: archive.header(f"history/{key}") for key in HISTORY_KEYS})
    archive.check_inflation(specs)

    def values(name: str) -> np.ndarray:
        array = archive.read(name)
        check_values(path, name, array)
        return array

    model = build_model(model_config, None)
    too_large = f"values too large for {model_config.dtype}"
    with np.errstate(over="ignore"):        # a float64 value beyond float32 becomes infinite, refused below
        for name, target in model.parameters.values.items():
            target[...] = values(f"param/{name}")
            if not all_finite(target):
                raise CheckpointError(f"{path}: the array 'param/{name}' holds {too_large}")
        optimizer = build_optimizer(train_config.optimizer, model.parameters.flat, metadata.optimizer_lr,
                                    train_config.momentum)
        state = {key: values(f"optimizer/{key}") for key in OPTIMIZER_STATE[train_config.optimizer]}
        # In the model's dtype first: the optimizer checks its state in float64, where 1e300 is still finite.
        if not all(all_finite(array.astype(model.dtype)) for array in state.values() if array.dtype.kind == "f"):
            raise CheckpointError(f"{path}: the optimizer state holds {too_large}")
        try:
            optimizer.load_state_dict(state)
        except ValueError as error:          # the optimizer's own checks of its state
            raise CheckpointError(f"{path}: the optimizer state cannot be used ({error})") from None
    history = History(*(values(f"history/{key}").tolist() for key in HISTORY_KEYS), epochs=metadata.epochs)
    if isinstance(optimizer, SGD):
        # SGD's step count, which times its flushes (core.nn.optim), is not stored: every step it applied is one
        # entry of the history, so the count is the history's length, in files of every version.
        optimizer.t = history.steps
    return Checkpoint(model, optimizer, train_config, metadata.dataset, history)


def _metadata_text(path: Path, archive: NpzReader) -> str:
    """The metadata array's JSON text: a single string of at most MAX_METADATA_CHARS characters."""
    if "metadata" not in archive.names:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint (no metadata)")
    header = archive.header("metadata")
    if header.dtype.kind != "U" or header.shape != ():
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint (the metadata is {header.dtype} of shape "
                              f"{header.shape}, not text)")
    if header.dtype.itemsize // 4 > MAX_METADATA_CHARS:
        raise CheckpointError(f"{path}: the metadata holds {header.dtype.itemsize // 4:,} characters, more than "
                              f"{MAX_METADATA_CHARS:,}")
    return archive.read("metadata").item()
