"""Hostile checkpoints: metadata of the wrong type, range, size or depth; arrays of the wrong shape, dtype or values;
archives that would expand to gigabytes; files that are no files. Each is refused with a CheckpointError naming the
file, within seconds, with memory bounded, and leaving the disk as it was; what the app writes still loads."""
from __future__ import annotations

import json
import math
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.training.checkpoint import (
    MAX_INFLATED_BYTES,
    Checkpoint,
    CheckpointError,
    is_checkpoint_file,
    load_checkpoint,
    save_checkpoint,
)
from core.training.checkpoint_schema import MAX_METADATA_CHARS, MAX_METADATA_DEPTH
from tests.core.hostile_files import (
    GiB,
    Member,
    deflated_zeros,
    load_in_child,
    npy_bytes,
    npy_header,
    special_file,
    zip_bytes,
)
from tests.helpers import disk_state, make_trainer

SECONDS = 5                       # a refusal takes milliseconds; this leaves room for a loaded machine
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


def trained(optimizer: str = "adam") -> Checkpoint:
    """A small model (64 inputs) trained for 20 steps: one epoch record, 20 steps of history."""
    trainer = make_trainer(optimizer=optimizer)
    for _ in trainer.run():
        if trainer.history.steps == 20:
            break
    return Checkpoint(trainer.model, trainer.optimizer, trainer.config, "blobs", trainer.history)


@pytest.fixture(scope="module")
def good_arrays(tmp_path_factory) -> dict[str, np.ndarray]:
    """The arrays of a good Adam checkpoint, by name, with its metadata parsed into a dict."""
    path = tmp_path_factory.mktemp("good") / "good.npz"
    save_checkpoint(path, trained())
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def metadata_of(arrays: dict[str, np.ndarray]) -> dict:
    return json.loads(arrays["metadata"].item())


def write(path: Path, arrays: dict[str, np.ndarray], metadata: dict | str | None = None) -> Path:
    arrays = dict(arrays)
    if metadata is not None:
        arrays["metadata"] = np.array(metadata if isinstance(metadata, str) else json.dumps(metadata))
    np.savez(path, **arrays)
    return path


def assert_refused(path: Path, *phrases: str, **options) -> str:
    """Loading ``path`` raises a CheckpointError naming it and saying ``phrases``, within SECONDS, and changes
    nothing on disk. Returns the message."""
    before = disk_state(path.parent)
    started = time.perf_counter()
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path, **options)
    assert time.perf_counter() - started < SECONDS
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    for phrase in phrases:
        assert phrase in message, message
    assert disk_state(path.parent) == before
    return message


def changed(metadata: dict, where: tuple, value: object) -> dict:
    """A deep copy of ``metadata`` with the field at the key path ``where`` set to ``value`` (DELETE: removed)."""
    copy = json.loads(json.dumps(metadata))
    parent = copy
    for key in where[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return copy


DELETE = object()
NAN, INF = math.nan, math.inf

# ---- metadata: one field of the wrong type or range ---------------------------------------------------------------
METADATA_CASES = [
    (("model_config", "latent_dim"), 2.5, "model_config.latent_dim must be an integer from 1 to 100,000,000, got 2.5"),
    (("model_config", "latent_dim"), NAN, "model_config.latent_dim must be an integer from 1 to 100,000,000, got nan"),
    (("model_config", "latent_dim"), True, "model_config.latent_dim must be an integer from 1 to 100,000,000, got "
                                           "True"),
    (("model_config", "latent_dim"), "2", "model_config.latent_dim must be an integer"),
    (("model_config", "latent_dim"), 0, "model_config.latent_dim must be an integer from 1"),
    (("model_config", "input_dim"), 10**400, "model_config.input_dim must be an integer"),
    (("model_config", "hidden"), [], "model_config.hidden must be a list of 1 to 1,000 integers"),
    (("model_config", "hidden"), [32, 2.5], "model_config.hidden[1] must be an integer from 1 to 100,000,000"),
    (("model_config", "hidden"), 32, "model_config.hidden must be a list"),
    (("model_config", "hidden"), [1] * 1001, "model_config.hidden must be a list of 1 to 1,000 integers"),
    (("model_config", "hidden"), [100_000, 100_000], "more than the 100,000,000 this app trains"),
    (("model_config", "kind"), "gan", "model_config.kind must be one of ae, vae, got 'gan'"),
    (("model_config", "dtype"), "float16", "model_config.dtype must be one of float32, float64"),
    (("model_config", "activation"), None, "model_config.activation must be one of relu"),
    (("model_config", "depth"), 3, "model_config has unknown settings ['depth']"),
    (("model_config",), DELETE, "model_config must be an object of settings, got None"),
    (("model_config",), [1, 2], "model_config must be an object of settings, got [1, 2]"),
    (("optimizer",), DELETE, "optimizer must be an object of settings, got None"),
    (("optimizer",), "adam", "optimizer must be an object of settings, got 'adam'"),
    (("optimizer", "lr"), "fast", "optimizer.lr must be a finite number above 0, got 'fast'"),
    (("optimizer", "lr"), NAN, "optimizer.lr must be a finite number above 0, got nan"),
    (("optimizer", "lr"), -1, "optimizer.lr must be a finite number above 0, got -1"),
    (("optimizer", "lr"), DELETE, "optimizer lacks lr"),
    (("optimizer", "keys"), ["velocity"], "optimizer.keys must be ['m_sum', 't', 'v_sum'] for adam"),
    (("optimizer", "keys"), DELETE, "optimizer lacks keys"),
    (("train_config", "seed"), -1, "train_config.seed must be an integer from 0"),
    (("train_config", "seed"), 1.5, "train_config.seed must be an integer from 0"),
    (("train_config", "batch_size"), 12.5, "train_config.batch_size must be an integer from 1 to 65,536, got 12.5"),
    (("train_config", "batch_size"), 10**6, "train_config.batch_size must be an integer from 1 to 65,536"),
    (("train_config", "epochs"), 0, "train_config.epochs must be an integer from 1"),
    (("train_config", "epochs"), False, "train_config.epochs must be an integer from 1"),
    (("train_config", "lr"), 0, "train_config.lr must be a finite number above 0, got 0"),
    (("train_config", "lr"), INF, "train_config.lr must be a finite number above 0, got inf"),
    (("train_config", "beta"), -1.0, "train_config.beta must be a finite number of at least 0"),
    (("train_config", "momentum"), 1.5, "train_config.momentum must be a number in [0, 1), got 1.5"),
    (("train_config", "kl_warmup"), -3, "train_config.kl_warmup must be an integer from 0"),
    (("train_config", "optimizer"), "rmsprop", "train_config.optimizer must be one of adam, sgd"),
    (("train_config", "optimizer"), "sgd", "optimizer.keys must be ['velocity'] for sgd"),
    (("epochs", 0, "test_loss"), "low", "epochs[0].test_loss must be a finite number, got 'low'"),
    (("epochs", 0, "train_loss"), NAN, "epochs[0].train_loss must be a finite number, got nan"),
    (("epochs", 0, "epoch"), "0", "epochs[0].epoch must be an integer from 0"),
    (("epochs", 0, "seconds"), -1.0, "epochs[0].seconds must be a finite number of at least 0"),
    (("epochs", 0, "seconds"), DELETE, "epochs[0] lacks seconds"),
    (("epochs", 0, "when"), "today", "epochs[0] has unknown settings ['when']"),
    (("epochs", 0), "an epoch", "epochs[0] must be an object of settings, got 'an epoch'"),
    (("epochs",), {"0": {}}, "epochs must be a list of epoch records"),
    (("epochs",), DELETE, "epochs must be a list of epoch records, got None"),
    (("dataset",), 42, "dataset must be a name or path of at most 4,096 characters, got 42"),
    (("dataset",), "a\0b", "dataset must be a name or path"),
    (("dataset",), "\ud800", "dataset must be a name or path"),
    (("dataset",), "x" * 5000, "dataset must be a name or path"),
    (("version",), True, "checkpoint format version True is not supported"),
    (("version",), "1", "checkpoint format version '1' is not supported"),
    (("version",), 2, "checkpoint format version 2 is not supported"),
    (("format",), DELETE, "not a Latent Lab checkpoint"),
    (("extra",), json.loads("[" * 20 + "]" * 20), f"the metadata nests deeper than {MAX_METADATA_DEPTH} levels"),
]


@pytest.mark.parametrize("where, value, message", METADATA_CASES,
                         ids=[f"{'.'.join(map(str, where))}={str(value)[:12]}" for where, value, _ in METADATA_CASES])
def test_a_metadata_field_of_the_wrong_type_or_range_is_refused_naming_it(tmp_path, good_arrays, where, value,
                                                                          message):
    path = write(tmp_path / "model.npz", good_arrays, changed(metadata_of(good_arrays), where, value))
    assert_refused(path, message)


METADATA_TEXTS = {
    "not JSON": ("{not json", "the metadata is not valid JSON"),
    "not an object": ("[1, 2, 3]", "not a Latent Lab checkpoint"),
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "the metadata nests deeper than 8 levels"),
    "an integer of 5,000 digits": ("{\"format\": " + "9" * 5000 + "}", "the metadata is not valid JSON"),
}


@pytest.mark.parametrize("case", METADATA_TEXTS)
def test_metadata_that_is_not_json_of_a_checkpoint_is_refused(tmp_path, good_arrays, case):
    text, message = METADATA_TEXTS[case]
    assert_refused(write(tmp_path / "model.npz", good_arrays, text), message)


@pytest.mark.parametrize("metadata, message", [
    (np.array(b"{}"), "the metadata is |S2 of shape (), not text"),
    (np.array(["{}", "{}"]), "the metadata is <U2 of shape (2,), not text"),
    (np.array(7), "not text"),
])
def test_metadata_that_is_not_a_single_string_is_refused(tmp_path, good_arrays, metadata, message):
    assert_refused(write(tmp_path / "model.npz", {**good_arrays, "metadata": metadata}), message)


def test_a_model_for_other_images_is_refused_where_the_images_are_28x28(tmp_path, good_arrays):
    path = write(tmp_path / "model.npz", good_arrays)
    assert load_checkpoint(path).model.config.input_dim == 64              # the model's own: fine on its own
    assert_refused(path, "its model takes images of 64 pixels; these datasets have 784", input_dim=784)


def test_resuming_a_model_for_other_images_on_the_digits_says_so_without_a_traceback(tmp_path):
    import subprocess
    import sys

    from tests.helpers import ROOT, save_small_model

    model, out = tmp_path / "wide.npz", tmp_path / "out.npz"
    save_small_model(model, "ae", 2, seed=3, input_dim=100, steps=1)
    before = disk_state(tmp_path)
    done = subprocess.run([sys.executable, "main.py", "train", "--resume", str(model), "--epochs", "2", "--out",
                           str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr == f"error: {model}: its model takes images of 100 pixels; these datasets have 784\n"
    assert disk_state(tmp_path) == before


# ---- arrays: shapes, dtypes and values ------------------------------------------------------------------------------
W, M, T, LOSS = "param/encoder.0.W", "optimizer/m_sum", "optimizer/t", "history/loss"


def nan_at(array: np.ndarray, index: int = 0, value: float = NAN) -> np.ndarray:
    copy = array.copy()
    copy.reshape(-1)[index] = value
    return copy


ARRAY_CASES = {
    "a NaN weight": (W, lambda a: nan_at(a), "the array 'param/encoder.0.W' holds NaN or infinite values"),
    "an infinite weight": (W, lambda a: nan_at(a, 5, -INF), "holds NaN or infinite values"),
    "complex weights": (W, lambda a: a.astype(np.complex64),
                        "the array 'param/encoder.0.W' must hold real floats of at most 64 bits, got complex64"),
    "integer weights": (W, lambda a: a.astype(np.int32), "must hold real floats of at most 64 bits, got int32"),
    "boolean weights": (W, lambda a: a > 0, "must hold real floats of at most 64 bits, got bool"),
    "text weights": (W, lambda a: a.astype(str), "must hold real floats of at most 64 bits"),
    "extended-precision weights": (W, lambda a: a.astype(np.longdouble), "must hold real floats of at most 64 bits"),
    "structured weights": (W, lambda a: np.zeros(a.shape, [("x", "<f4")]), "must hold real floats"),
    "pickled weights": (W, lambda a: np.array([None] * 3, dtype=object), "holds Python objects (pickled data)"),
    "transposed weights": (W, lambda a: a.T.copy(),
                           "the array 'param/encoder.0.W' has shape (32, 64), expected (64, 32)"),
    "a float64 weight beyond float32": (W, lambda a: nan_at(a.astype(np.float64), 0, 1e300),
                                        "the array 'param/encoder.0.W' holds values too large for float32"),
    "a float64 moment beyond float32": (M, lambda a: nan_at(a.astype(np.float64), 0, -1e300),
                                        "the optimizer state holds values too large for float32"),
    "a NaN step count": (T, lambda a: np.array(NAN), "the array 'optimizer/t' must hold an integer, got float64"),
    "a step count of -1": (T, lambda a: np.array(-1), "optimizer/t must be a step count from 0"),
    "a step count beyond int64": (T, lambda a: np.array(2**64 - 1, np.uint64), "must be a step count from 0"),
    "step counts": (T, lambda a: np.array([20]), "the array 'optimizer/t' has shape (1,), expected ()"),
    "a NaN moment": (M, lambda a: nan_at(a), "the array 'optimizer/m_sum' holds NaN or infinite values"),
    "a negative sum of squares": ("optimizer/v_sum", lambda a: nan_at(a, 0, -1.0), "holds negative values"),
    "a short moment": (M, lambda a: a[:-1], "the array 'optimizer/m_sum' has shape"),
    "a loss history of rank 2": (LOSS, lambda a: a.reshape(-1, 1), "the array 'history/loss' has shape (20, 1), "
                                                                    "expected (n,)"),
    "a loss history of rank 0": (LOSS, lambda a: np.array(1.0), "expected (n,)"),
    "a loss history of text": (LOSS, lambda a: a.astype(str), "the array 'history/loss' must hold real floats"),
    "a loss history of integers": (LOSS, lambda a: a.astype(np.int64), "must hold real floats of at most 64 bits"),
    "a NaN loss": (LOSS, lambda a: nan_at(a), "the array 'history/loss' holds NaN or infinite values"),
    "a short loss history": (LOSS, lambda a: a[:-1], "the loss history arrays have different lengths"),
    "a missing weight": (W, None, "the array 'param/encoder.0.W' is missing"),
    "a missing step count": (T, None, "the array 'optimizer/t' is missing"),
}


@pytest.mark.parametrize("case", ARRAY_CASES)
def test_an_array_of_the_wrong_shape_dtype_or_values_is_refused_naming_it(tmp_path, good_arrays, case):
    name, change, message = ARRAY_CASES[case]
    arrays = dict(good_arrays)
    if change is None:
        del arrays[name]
    else:
        arrays[name] = change(arrays[name])
    assert_refused(write(tmp_path / "model.npz", arrays), message)


def test_an_sgd_velocity_holding_nan_is_refused(tmp_path):
    path = tmp_path / "sgd.npz"
    save_checkpoint(path, trained("sgd"))
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["optimizer/velocity"] = nan_at(arrays["optimizer/velocity"], 3)
    assert_refused(write(path, arrays), "the array 'optimizer/velocity' holds NaN or infinite values")


def test_a_value_error_from_the_optimizers_own_checks_becomes_a_checkpoint_error(tmp_path, good_arrays, monkeypatch):
    from core.nn.optim import Adam

    def refuse(self, state):
        raise ValueError("the moments disagree")

    monkeypatch.setattr(Adam, "load_state_dict", refuse)
    assert_refused(write(tmp_path / "model.npz", good_arrays), "the optimizer state cannot be used (the moments "
                                                               "disagree)")


# ---- what is fine ----------------------------------------------------------------------------------------------------
def test_what_numpy_may_write_differently_still_loads(tmp_path, good_arrays):
    """Compressed members, a Fortran-ordered weight, float64 weights for a float32 model, big-endian floats, unknown
    members (never read), unknown top-level metadata and a missing kl_warmup: all load, with the same values."""
    arrays = dict(good_arrays)
    arrays[W] = np.asfortranarray(arrays[W])
    arrays["param/decoder.0.W"] = arrays["param/decoder.0.W"].astype(np.float64)
    arrays["history/rec"] = arrays["history/rec"].astype(">f8")
    arrays["notes"] = np.array("not part of the format")
    metadata = changed(changed(metadata_of(arrays), ("train_config", "kl_warmup"), DELETE), ("comment",), [[1]])
    arrays["metadata"] = np.array(json.dumps(metadata))
    path = tmp_path / "variant.npz"
    np.savez_compressed(path, **arrays)
    loaded = load_checkpoint(path)
    expected = {name: good_arrays[f"param/{name}"] for name in loaded.model.parameters.values}
    for name, values in loaded.model.parameters.values.items():
        np.testing.assert_array_equal(values, expected[name].astype(np.float32))
    assert loaded.history.rec == good_arrays["history/rec"].tolist()
    assert loaded.train_config.kl_warmup == 0 and loaded.optimizer.t == 20


@pytest.mark.parametrize("kind, optimizer, dtype", [("vae", "adam", "float32"), ("ae", "sgd", "float32"),
                                                     ("ae", "adam", "float64"), ("vae", "sgd", "float64")])
def test_every_kind_of_checkpoint_the_app_writes_loads_whole(tmp_path, kind, optimizer, dtype):
    from core.nn.config import ModelConfig
    from core.nn.models import build_model
    from core.nn.optim import build_optimizer
    from core.training.config import TrainConfig
    from core.training.trainer import Trainer
    from tests.helpers import blob_images

    model = build_model(ModelConfig(kind=kind, input_dim=64, hidden=(16, 8), latent_dim=3, dtype=dtype),
                        np.random.default_rng(1))
    config = TrainConfig(epochs=2, batch_size=100, optimizer=optimizer, seed=7, kl_warmup=1)
    images = blob_images(300)
    trainer = Trainer(model, build_optimizer(optimizer, model.parameters.flat, 1e-3), images[:200], images[200:],
                      config)
    list(trainer.run())
    path = tmp_path / "model.npz"
    save_checkpoint(path, Checkpoint(model, trainer.optimizer, config, "", trainer.history))
    loaded = load_checkpoint(path)
    np.testing.assert_array_equal(loaded.model.parameters.flat, model.parameters.flat)
    assert loaded.model.parameters.flat.dtype == np.dtype(dtype) and loaded.train_config == config
    assert loaded.history.loss == trainer.history.loss and loaded.history.epochs == trainer.history.epochs
    assert loaded.optimizer.t == trainer.optimizer.t == 4


def test_a_symlink_to_a_checkpoint_loads(tmp_path, good_arrays):
    target = write(tmp_path / "model.npz", good_arrays)
    (tmp_path / "link.npz").symlink_to(target)
    assert load_checkpoint(tmp_path / "link.npz").history.steps == 20


@FUZZ
@given(data=st.data())
def test_hypothesis_metadata_is_refused_with_a_checkpoint_error_or_loads_whole(tmp_path_factory, good_arrays, data):
    """Any field of the metadata (or the whole of a section) replaced by any JSON value, or removed: a
    CheckpointError naming the file, or a checkpoint of proper values."""
    metadata = metadata_of(good_arrays)
    fields = [(section, key) for section in ("model_config", "train_config", "optimizer") for key in metadata[section]]
    fields += [("epochs", 0, key) for key in metadata["epochs"][0]] + [(key,) for key in metadata]
    where = data.draw(st.sampled_from(fields), label="field")
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=8),
                        st.sampled_from([0, 1, 2, 784, 64, "adam", "sgd", "vae", "ae", "relu", "float64", 0.5]))
    values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(st.text(max_size=5), inner, max_size=4)),
                          max_leaves=12)
    value = data.draw(st.one_of(st.just(DELETE), values), label="value")
    folder = tmp_path_factory.mktemp("fuzz")
    path = write(folder / "fuzzed.npz", good_arrays, changed(metadata, where, value))
    try:
        loaded = load_checkpoint(path)
    except CheckpointError as error:
        assert str(error).startswith(f"{path}: ")
        return
    config = loaded.model.config
    assert all(type(size) is int and size >= 1 for size in (config.input_dim, config.latent_dim, *config.hidden))
    assert type(loaded.train_config.seed) is int and loaded.train_config.seed >= 0
    assert type(loaded.train_config.batch_size) is int and math.isfinite(loaded.optimizer.lr)
    assert np.isfinite(loaded.model.parameters.flat).all()


@FUZZ
@given(name=st.sampled_from([W, "param/decoder.1.b", M, "optimizer/v_sum", T, LOSS, "history/kl"]),
       dtype=st.sampled_from(["<f2", "<f4", ">f4", "<f8", "<c8", "<i4", "<u8", "|b1", "<U3", "|u1", "<m8[s]",
                              "<M8[D]", "|V4"]),
       shape=st.one_of(st.none(), st.lists(st.integers(0, 70), max_size=3).map(tuple)))
def test_hypothesis_arrays_of_any_dtype_or_shape_are_refused_or_load_finite(tmp_path_factory, good_arrays, name, dtype,
                                                                            shape):
    arrays = dict(good_arrays)
    original = arrays[name]
    arrays[name] = np.zeros(shape if shape is not None else original.shape, dtype)
    path = write(tmp_path_factory.mktemp("fuzz") / "fuzzed.npz", arrays)
    try:
        loaded = load_checkpoint(path)
    except CheckpointError as error:
        assert str(error).startswith(f"{path}: ")
        return
    assert np.isfinite(loaded.model.parameters.flat).all() and loaded.model.parameters.flat.dtype == np.float32


# ---- bombs: small on disk, gigabytes expanded ------------------------------------------------------------------------
def bomb(tmp_path: Path, good_arrays: dict[str, np.ndarray], replaced: dict[str, Member],
         metadata: dict | None = None) -> Path:
    """The good checkpoint's members, stored, with ``replaced`` members instead of (or besides) its own."""
    members = {name: Member.stored(f"{name}.npy", npy_bytes(array)) for name, array in good_arrays.items()}
    if metadata is not None:
        members["metadata"] = Member.stored("metadata.npy", npy_bytes(np.array(json.dumps(metadata))))
    members.update(replaced)
    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bytes(list(members.values())))
    return path


def zeros_member(name: str, shape: tuple[int, ...], dtype: str) -> Member:
    """A deflated member whose header declares ``shape`` and whose data are that many zeros, truly."""
    header = npy_header(shape, dtype)
    size = len(header) + math.prod(shape) * np.dtype(dtype).itemsize
    return Member(f"{name}.npy", deflated_zeros(header, size), size, deflated=True, crc=zeros_crc(header, size))


def zeros_crc(prefix: bytes, size: int) -> int:
    """The CRC-32 of ``prefix`` and zeros, ``size`` bytes in all; 0 beyond 64 MiB, which no test reads that far
    (a small member is read whole, and its CRC checked, as its header is read)."""
    if size > 64 << 20:
        return 0
    return zlib.crc32(bytes(size - len(prefix)), zlib.crc32(prefix))


def assert_refused_in_child(path: Path, *phrases: str, headroom: int = 3 * GiB // 2) -> dict:
    """As assert_refused, in a child process whose address space may grow by ``headroom`` only."""
    before = disk_state(path.parent)
    outcome = load_in_child("checkpoint", path, headroom)
    assert outcome["error"] == "CheckpointError", outcome
    assert outcome["message"].startswith(f"{path}: ")
    for phrase in phrases:
        assert phrase in outcome["message"], outcome
    assert outcome["seconds"] < SECONDS and outcome["peak_growth"] < 256 << 20, outcome
    assert disk_state(path.parent) == before
    return outcome


def test_a_loss_history_declaring_100_million_floats_is_refused_before_it_is_expanded(tmp_path, good_arrays):
    """Three 800 MB histories of zeros in 2.4 MB: more than compressed arrays may expand to."""
    path = bomb(tmp_path, good_arrays, {f"history/{key}": zeros_member(f"history/{key}", (100_000_000,), "<f8")
                                        for key in ("loss", "rec", "kl")})
    assert path.stat().st_size < 3 << 20
    assert_refused_in_child(path, f"its compressed arrays would expand to 2,400,000,000 bytes, more than the "
                                  f"{MAX_INFLATED_BYTES:,} allowed here")


def test_one_loss_history_of_100_million_floats_is_refused_for_its_length(tmp_path, good_arrays):
    path = bomb(tmp_path, good_arrays, {LOSS: zeros_member(LOSS, (100_000_000,), "<f8")})
    assert_refused_in_child(path, "the loss history arrays have different lengths")


def test_an_unknown_member_declaring_10_gb_is_never_read(tmp_path, good_arrays):
    path = bomb(tmp_path, good_arrays, {"extra": zeros_member("extra", (10 * GiB // 8,), "<f8")})
    assert path.stat().st_size < 12 << 20
    outcome = load_in_child("checkpoint", path)
    assert outcome["error"] is None, outcome
    assert outcome["seconds"] < SECONDS and outcome["peak_growth"] < 256 << 20, outcome


def test_a_weight_whose_data_expand_beyond_its_declared_size_is_read_no_further(tmp_path, good_arrays):
    """The zip and the header declare the right size, but the stream holds 10 GB: reading stops at the declared size
    and the CRC does not match."""
    header = npy_header((64, 32), "<f4")
    size = len(header) + 64 * 32 * 4
    liar = Member(f"{W}.npy", deflated_zeros(header, 10 * GiB), size, deflated=True, crc=0)
    path = bomb(tmp_path, good_arrays, {W: liar})
    assert_refused_in_child(path, "damaged .npz file (BadZipFile: Bad CRC-32")


def test_a_weight_whose_header_lies_about_its_size_is_refused(tmp_path, good_arrays):
    header = npy_header((64, 32), "<f4")
    liar = Member(f"{W}.npy", deflated_zeros(header, 10 * GiB), 10 * GiB, deflated=True)
    path = bomb(tmp_path, good_arrays, {W: liar})
    assert_refused_in_child(path, "the array 'param/encoder.0.W' declares 10,737,418,240 bytes, but its header "
                                  "(64, 32) float32 makes 8,320")


def test_stored_data_declaring_more_than_the_file_holds_are_refused(tmp_path, good_arrays):
    header = npy_header((10 * GiB // 8,), "<f8")
    liar = Member("history/loss.npy", header + bytes(100), len(header) + 10 * GiB)
    path = bomb(tmp_path, good_arrays, {LOSS: liar})
    assert_refused_in_child(path, "the array 'history/loss' declares 10,737,418,368 bytes, more than the file holds")


def test_metadata_declaring_100_million_characters_is_refused_before_it_is_expanded(tmp_path, good_arrays):
    path = bomb(tmp_path, good_arrays, {"metadata": zeros_member("metadata", (), "<U100000000")})
    assert path.stat().st_size < 5 << 20
    assert_refused_in_child(path, f"the metadata holds 100,000,000 characters, more than {MAX_METADATA_CHARS:,}")


def test_a_model_of_a_billion_bytes_in_a_small_file_is_refused_before_it_is_built(tmp_path, good_arrays):
    """Metadata describing a model of 94 million weights, with every array present, of the right shape, and zeros:
    1.1 GB in 1.2 MB. Nothing is allocated for the model before the arrays are found to expand too far."""
    from core.nn.config import ModelConfig
    from core.nn.models import parameter_shapes

    metadata = metadata_of(good_arrays)
    metadata["model_config"].update(input_dim=784, hidden=[60_000], kind="ae")
    metadata["epochs"] = []
    config = ModelConfig(**{**metadata["model_config"], "hidden": tuple(metadata["model_config"]["hidden"])})
    arrays = {f"param/{name}": zeros_member(f"param/{name}", shape, "<f4")
              for name, shape in parameter_shapes(config).items()}
    size = config.parameter_count()
    arrays.update({f"optimizer/{key}": zeros_member(f"optimizer/{key}", (size,), "<f4") for key in ("m_sum", "v_sum")})
    path = bomb(tmp_path, {key: value for key, value in good_arrays.items() if not key.startswith("param/")}, arrays,
                metadata)
    assert path.stat().st_size < 2 << 20 and size > 90_000_000
    assert_refused_in_child(path, "its compressed arrays would expand to", headroom=GiB)


def test_a_table_of_contents_of_30000_members_is_refused_before_it_is_parsed(tmp_path, good_arrays):
    members = [Member.stored(f"{index:08d}.txt", b"") for index in range(30_000)]
    path = tmp_path / "many.npz"
    path.write_bytes(zip_bytes(members))
    assert_refused_in_child(path, "its table of contents takes 2,340,000 bytes")
    assert not is_checkpoint_file(path)


# ---- files that are no files -----------------------------------------------------------------------------------------
def special_checkpoint(tmp_path: Path, kind: str) -> Path:
    """A special file made as model.npz in ``tmp_path``, or ``kind`` itself when it is a path ("/dev/zero")."""
    return Path(kind) if kind.startswith("/") else special_file(tmp_path / "model.npz", kind)


@pytest.mark.parametrize("kind, message", [
    ("fifo", "a named pipe (FIFO), not a regular file"),
    ("device", "a character device, not a regular file"),
    ("folder", "a folder, not a regular file"),
    ("link to /dev/zero", "a character device, not a regular file"),
    ("/dev/zero", "a character device, not a regular file"),
    ("/dev/urandom", "a character device, not a regular file"),
])
def test_a_file_that_is_no_regular_file_is_refused_at_once(tmp_path, kind, message):
    path = special_checkpoint(tmp_path, kind)
    before = disk_state(tmp_path)
    outcome = load_in_child("checkpoint", path, timeout=60)      # a FIFO opened for reading would block for ever
    assert outcome["error"] == "CheckpointError" and outcome["message"] == f"{path}: {message}", outcome
    assert outcome["seconds"] < SECONDS and outcome["peak_growth"] < 64 << 20, outcome
    assert disk_state(tmp_path) == before


def test_is_checkpoint_file_says_no_to_a_fifo_without_blocking(tmp_path):
    path = special_checkpoint(tmp_path, "fifo")
    started = time.perf_counter()
    assert not is_checkpoint_file(path)
    assert time.perf_counter() - started < SECONDS
