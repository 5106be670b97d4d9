"""What a checkpoint (format version 1) must hold, checked before anything is built from it: each metadata field's
type (a bool is not an integer; NaN and infinity are not numbers) and range, the metadata's size and nesting, and
each array's shape and dtype (from its header) and values. Every failure is a CheckpointError saying
"<file>: <field> must be <what>, got <value>".

It reads no file itself: core/training/checkpoint.py hands it the metadata's text, the arrays' headers and values.
"""
from __future__ import annotations

import json
import math
import os
import reprlib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

import numpy as np

from core.data.npz_reader import ArrayHeader
from core.nn.config import ACTIVATIONS, MAX_PARAMETERS, MODEL_KINDS, RECONSTRUCTIONS, ModelConfig
from core.nn.models import parameter_shapes
from core.training.config import MAX_BATCH_SIZE, OPTIMIZERS, TrainConfig
from core.training.trainer import EpochProgress

FORMAT = "latent-lab-checkpoint"
VERSION = 1
MAX_METADATA_CHARS = 32 << 20     # 100,000 epoch records (the most the app's Epochs box asks for) take about 26 M
MAX_METADATA_DEPTH = 8            # version 1 nests 4 deep: metadata, epochs, a record, its values
MAX_HIDDEN_LAYERS = 1000
MAX_HISTORY_STEPS = 100_000_000   # 2.4 GB of losses on disk, 10 GB once read into lists
MAX_COUNT = 2**63 - 1             # step counts, seeds, epochs: what NumPy's int64 holds
MAX_DATASET_CHARS = 4096          # the dataset's name or path
DTYPES = ("float32", "float64")
HISTORY_KEYS = ("loss", "rec", "kl")
EPOCH_FIELDS = tuple(field.name for field in fields(EpochProgress))
# The arrays of each optimizer's state_dict: a vector like the parameters, or the step count.
OPTIMIZER_STATE = {"adam": {"m_sum": "vector", "t": "count", "v_sum": "vector"}, "sgd": {"velocity": "vector"}}

_shown = reprlib.Repr()
_shown.maxstring = _shown.maxother = 60
_shown.maxlist = _shown.maxdict = 4
_shown.maxlevel = 2


class CheckpointError(ValueError):
    """A checkpoint that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Metadata:
    """The checked metadata of a checkpoint."""

    model_config: ModelConfig
    train_config: TrainConfig
    optimizer_lr: float
    dataset: str
    epochs: list[EpochProgress]


@dataclass(frozen=True)
class ArraySpec:
    """What one array must be: its shape (None where any length will do) and its kind of values."""

    shape: tuple[int | None, ...]
    kind: str             # "floats" (real, at most 64-bit) or "integer"


def parse_metadata(path: Path, text: str) -> Metadata:
    """The metadata's JSON ``text`` (at most MAX_METADATA_CHARS, nested at most MAX_METADATA_DEPTH deep), checked
    field by field. Fields a version-1 file may lack (older ones have no kl_warmup, say) take their defaults;
    unknown fields inside a section are refused, unknown top-level ones ignored."""
    if len(text) > MAX_METADATA_CHARS:
        raise CheckpointError(f"{path}: the metadata holds {len(text):,} characters, more than {MAX_METADATA_CHARS:,}")
    try:
        metadata = json.loads(text)
    except RecursionError:
        raise CheckpointError(f"{path}: the metadata nests deeper than {MAX_METADATA_DEPTH} levels") from None
    except ValueError as error:         # JSONDecodeError, or an integer of more than 4300 digits
        raise CheckpointError(f"{path}: the metadata is not valid JSON ({error})") from None
    if nesting_depth(metadata) > MAX_METADATA_DEPTH:
        raise CheckpointError(f"{path}: the metadata nests deeper than {MAX_METADATA_DEPTH} levels")
    if type(metadata) is not dict or metadata.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a Latent Lab checkpoint")
    version = metadata.get("version")
    if type(version) is not int or version != VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {shown(version)} is not supported "
                              f"(this version reads {VERSION})")
    model_config = check_model_config(path, metadata.get("model_config"))
    train_config = check_train_config(path, metadata.get("train_config"))
    optimizer_lr = check_optimizer_section(path, metadata.get("optimizer"), train_config.optimizer)
    dataset = check_dataset(path, metadata.get("dataset", ""))
    records = metadata.get("epochs")
    if type(records) is not list:
        raise CheckpointError(f"{path}: epochs must be a list of epoch records, got {shown(records)}")
    epochs = [check_epoch_record(path, f"epochs[{index}]", record) for index, record in enumerate(records)]
    return Metadata(model_config, train_config, optimizer_lr, dataset, epochs)


def check_model_config(path: Path, data: object) -> ModelConfig:
    section = _Section(path, "model_config", data, ModelConfig)
    section.choice("kind", MODEL_KINDS)
    section.integer("input_dim", 1, MAX_PARAMETERS)
    section.integer("latent_dim", 1, MAX_PARAMETERS)
    section.integer_list("hidden", 1, MAX_PARAMETERS, MAX_HIDDEN_LAYERS)
    section.choice("activation", ACTIVATIONS)
    section.choice("reconstruction", RECONSTRUCTIONS)
    section.choice("dtype", DTYPES)
    return section.build()         # ModelConfig checks the weight count against MAX_PARAMETERS


def check_train_config(path: Path, data: object) -> TrainConfig:
    section = _Section(path, "train_config", data, TrainConfig)
    section.integer("epochs", 1, MAX_COUNT)
    section.integer("batch_size", 1, MAX_BATCH_SIZE)
    section.number("lr", 0, math.inf, low_open=True)
    section.number("beta", 0, math.inf)
    section.choice("optimizer", OPTIMIZERS)
    section.number("momentum", 0, 1, high_open=True)
    section.integer("seed", 0, MAX_COUNT)
    section.integer("kl_warmup", 0, MAX_COUNT)
    return section.build()


def check_optimizer_section(path: Path, data: object, optimizer: str) -> float:
    """The optimizer's learning rate; its "keys" must name the arrays of ``optimizer``'s state."""
    section = _Section(path, "optimizer", data, None, required=("lr", "keys"))
    lr = section.number("lr", 0, math.inf, low_open=True)
    keys = sorted(OPTIMIZER_STATE[optimizer])
    if section.data["keys"] != keys:
        raise CheckpointError(f"{path}: optimizer.keys must be {keys} for {optimizer}, "
                              f"got {shown(section.data['keys'])}")
    return lr


def check_dataset(path: Path, value: object) -> str:
    """The dataset's name or path: a string that can name a file here (no NUL, encodable)."""
    what = f"a name or path of at most {MAX_DATASET_CHARS:,} characters"
    if type(value) is not str or len(value) > MAX_DATASET_CHARS or "\0" in value:
        raise CheckpointError(f"{path}: dataset must be {what}, got {shown(value)}")
    try:
        os.fsencode(value)
    except UnicodeError:
        raise CheckpointError(f"{path}: dataset must be {what}, got {shown(value)}") from None
    return value


def check_epoch_record(path: Path, name: str, data: object) -> EpochProgress:
    section = _Section(path, name, data, EpochProgress, required=EPOCH_FIELDS)
    section.integer("epoch", 0, MAX_COUNT)
    section.integer("step", 0, MAX_COUNT)
    for loss in ("train_loss", "test_loss", "test_rec", "test_kl"):
        section.number(loss, -math.inf, math.inf)
    section.number("seconds", 0, math.inf)
    section.number("samples_per_s", 0, math.inf)
    return section.build()


def array_specs(config: ModelConfig, optimizer: str) -> dict[str, ArraySpec]:
    """Every array a checkpoint of this model and optimizer holds, by name, with what it must be."""
    specs = {f"param/{name}": ArraySpec(shape, "floats") for name, shape in parameter_shapes(config).items()}
    size = config.parameter_count()
    for key, role in OPTIMIZER_STATE[optimizer].items():
        specs[f"optimizer/{key}"] = ArraySpec((size,), "floats") if role == "vector" else ArraySpec((), "integer")
    specs.update({f"history/{key}": ArraySpec((None,), "floats") for key in HISTORY_KEYS})
    return specs


def check_header(path: Path, name: str, header: ArrayHeader, spec: ArraySpec) -> None:
    """An array's header against its spec: real floats of at most 64 bits, or an integer; the shape."""
    dtype = header.dtype
    fits = (dtype.kind == "f" and dtype.itemsize <= 8) if spec.kind == "floats" else dtype.kind in "iu"
    if not fits or dtype.names is not None or dtype.subdtype is not None:
        what = "real floats of at most 64 bits" if spec.kind == "floats" else "an integer"
        raise CheckpointError(f"{path}: the array '{name}' must hold {what}, got {dtype}")
    if len(header.shape) != len(spec.shape) or any(
            expected is not None and size != expected for size, expected in zip(header.shape, spec.shape)):
        sizes = ["n" if size is None else str(size) for size in spec.shape]
        expected_shape = f"({', '.join(sizes)}{',' if len(sizes) == 1 else ''})"
        raise CheckpointError(f"{path}: the array '{name}' has shape {header.shape}, expected {expected_shape}")


def check_history_lengths(path: Path, headers: dict[str, ArrayHeader]) -> None:
    """The loss history's arrays, by key: one length, at most MAX_HISTORY_STEPS."""
    lengths = {key: header.shape[0] for key, header in headers.items()}
    if len(set(lengths.values())) != 1:
        raise CheckpointError(f"{path}: the loss history arrays have different lengths ({lengths})")
    steps = next(iter(lengths.values()))
    if steps > MAX_HISTORY_STEPS:
        raise CheckpointError(f"{path}: the loss history holds {steps:,} steps, more than {MAX_HISTORY_STEPS:,}")


def check_values(path: Path, name: str, values: np.ndarray) -> None:
    """An array's values: all finite; a step count from 0 to MAX_COUNT; Adam's sum of squares not negative."""
    if values.dtype.kind in "iu":
        count = int(values)
        if not 0 <= count <= MAX_COUNT:
            raise CheckpointError(f"{path}: {name} must be a step count from 0 to {MAX_COUNT:,}, got {count}")
        return
    if not all_finite(values):
        raise CheckpointError(f"{path}: the array '{name}' holds NaN or infinite values")
    if name == "optimizer/v_sum" and values.size and values.min() < 0:
        raise CheckpointError(f"{path}: the array '{name}' (a sum of squared gradients) holds negative values")


def all_finite(values: np.ndarray, chunk: int = 1 << 20) -> bool:
    """Whether every value is finite, checked a chunk at a time (a whole mask would take a byte per value)."""
    flat = values.reshape(-1)
    return all(np.isfinite(flat[start:start + chunk]).all() for start in range(0, flat.size, chunk))


def nesting_depth(value: object) -> int:
    """How deep lists and dicts nest in a parsed JSON value (a scalar is 0), level by level, without recursion."""
    depth, level = 0, [value]
    while True:
        containers = [item for item in level if type(item) in (dict, list)]
        if not containers:
            return depth
        depth += 1
        level = [child for item in containers for child in (item.values() if type(item) is dict else item)]


def shown(value: object) -> str:
    """``value`` for a message: its repr, cut short where it is long or deep."""
    return _shown.repr(value)


class _Section:
    """One object of the metadata, its fields checked one by one into ``values`` and then built into ``record``
    (a dataclass whose defaults stand in for fields a file lacks)."""

    def __init__(self, path: Path, name: str, data: object, record: type | None,
                 required: tuple[str, ...] = ()) -> None:
        if type(data) is not dict:
            raise CheckpointError(f"{path}: {name} must be an object of settings, got {shown(data)}")
        self.path, self.name, self.data, self.record = path, name, data, record
        self.values: dict[str, object] = {}
        if record is not None:
            unknown = sorted(data.keys() - _field_names(record))
            if unknown:
                raise CheckpointError(f"{path}: {name} has unknown settings {shown(unknown)}")
        missing = [key for key in required if key not in data]
        if missing:
            raise CheckpointError(f"{path}: {name} lacks {', '.join(missing)}")

    def _fail(self, key: str, what: str, value: object) -> CheckpointError:
        return CheckpointError(f"{self.path}: {self.name}.{key} must be {what}, got {shown(value)}")

    def integer(self, key: str, low: int, high: int) -> int | None:
        if key in self.data:
            value = self.data[key]
            if type(value) is not int or not low <= value <= high:
                raise self._fail(key, f"an integer from {low:,} to {high:,}", value)
            self.values[key] = value
        return self.values.get(key)

    def integer_list(self, key: str, low: int, high: int, max_length: int) -> None:
        if key in self.data:
            value = self.data[key]
            if type(value) is not list or not 1 <= len(value) <= max_length:
                raise self._fail(key, f"a list of 1 to {max_length:,} integers", value)
            for index, item in enumerate(value):
                if type(item) is not int or not low <= item <= high:
                    raise self._fail(f"{key}[{index}]", f"an integer from {low:,} to {high:,}", item)
            self.values[key] = tuple(value)

    def number(self, key: str, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float:
        if key in self.data:
            value = self.data[key]
            ok = type(value) in (int, float) and math.isfinite(value) and (
                (low < value if low_open else low <= value) and (value < high if high_open else value <= high))
            if not ok:
                raise self._fail(key, _number_range(low, high, low_open, high_open), value)
            self.values[key] = float(value)
        return self.values.get(key)

    def choice(self, key: str, choices: tuple[str, ...]) -> None:
        if key in self.data:
            value = self.data[key]
            if type(value) is not str or value not in choices:
                raise self._fail(key, f"one of {', '.join(choices)}", value)
            self.values[key] = value

    def build(self) -> object:
        try:
            return self.record(**self.values)
        except ValueError as error:        # what the record itself checks: a model with too many weights, say
            raise CheckpointError(f"{self.path}: {self.name}: {error}") from None


@cache
def _field_names(record: type) -> frozenset[str]:
    return frozenset(field.name for field in fields(record))


def _number_range(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if low == -math.inf and high == math.inf:
        return "a finite number"
    if high == math.inf:
        return f"a finite number {'above' if low_open else 'of at least'} {low:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
