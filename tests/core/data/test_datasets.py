"""Dataset loading: the bundled MNIST-5k, IDX folders, npz files, the resolver, and fuzzed bad files."""
import gzip
import hashlib
import io
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import datasets
from core.data.datasets import (
    FASHION_CLASS_NAMES,
    Dataset,
    DatasetError,
    default_cache_dir,
    find_fashion_mnist,
    images_to_float,
    load_dataset,
    load_idx_folder,
    load_npz,
    parse_idx,
)
from core.data.download import RemoteFile, download_mnist

BUNDLED = Path(__file__).resolve().parents[3] / "resources" / "mnist5k.npz"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file holding `array` as unsigned bytes."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def tiny_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def write_idx_folder(folder: Path, gz: bool) -> dict[str, np.ndarray]:
    """Writes a 12-train / 5-test IDX folder and returns the arrays written, keyed by file stem."""
    folder.mkdir(parents=True, exist_ok=True)
    train_images, train_labels = tiny_split(12, seed=1)
    test_images, test_labels = tiny_split(5, seed=2)
    arrays = {
        "train-images-idx3-ubyte": train_images,
        "train-labels-idx1-ubyte": train_labels,
        "t10k-images-idx3-ubyte": test_images,
        "t10k-labels-idx1-ubyte": test_labels,
    }
    for stem, array in arrays.items():
        payload = idx_bytes(array)
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / stem).write_bytes(payload)
    return arrays


def npz_bytes(compressed: bool = False, **arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def valid_npz_arrays() -> dict[str, np.ndarray]:
    train_images, train_labels = tiny_split(6, seed=3)
    test_images, test_labels = tiny_split(3, seed=4)
    return {
        "train_images": train_images.reshape(6, 784),
        "train_labels": train_labels,
        "test_images": test_images.reshape(3, 784),
        "test_labels": test_labels,
    }


def test_bundled_mnist5k_has_450_train_and_50_test_digits_per_class():
    dataset = load_npz(BUNDLED, name="mnist5k")
    assert dataset.train_images.shape == (4500, 784) and dataset.test_images.shape == (500, 784)
    assert dataset.train_images.dtype == np.uint8 and dataset.train_labels.dtype == np.uint8
    assert dataset.train_images.flags.c_contiguous
    assert np.bincount(dataset.train_labels).tolist() == [450] * 10
    assert np.bincount(dataset.test_labels).tolist() == [50] * 10
    assert dataset.train_images.max() == 255 and dataset.train_images.min() == 0
    # Real digits: every image has ink, and background dominates.
    assert (dataset.train_images.max(axis=1) > 100).all()
    assert 0.05 < (dataset.train_images > 0).mean() < 0.35
    assert dataset.class_names == tuple("0123456789")


def test_load_dataset_mnist5k_reads_the_bundled_path(tmp_path):
    dataset = load_dataset("mnist5k", bundled_path=BUNDLED, cache_dir=tmp_path)
    assert dataset.name == "mnist5k" and len(dataset.test_labels) == 500


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_round_trips_plain_and_gzipped_files(tmp_path, gz):
    arrays = write_idx_folder(tmp_path / "kmnist", gz=gz)
    dataset = load_idx_folder(tmp_path / "kmnist")
    assert dataset.name == "kmnist"
    np.testing.assert_array_equal(dataset.train_images, arrays["train-images-idx3-ubyte"].reshape(12, 784))
    np.testing.assert_array_equal(dataset.train_labels, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(dataset.test_images, arrays["t10k-images-idx3-ubyte"].reshape(5, 784))
    np.testing.assert_array_equal(dataset.test_labels, arrays["t10k-labels-idx1-ubyte"])
    assert dataset.train_images.flags.c_contiguous and dataset.train_images.flags.writeable


def test_folder_named_fashion_gets_fashion_class_names(tmp_path):
    write_idx_folder(tmp_path / "fashion-mnist", gz=True)
    assert load_idx_folder(tmp_path / "fashion-mnist").class_names == FASHION_CLASS_NAMES


def test_keras_style_npz_loads_28x28_images(tmp_path):
    (x_train, y_train), (x_test, y_test) = tiny_split(7, seed=5), tiny_split(4, seed=6)
    path = tmp_path / "mnist.npz"
    path.write_bytes(npz_bytes(compressed=True, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test))
    dataset = load_npz(path)
    assert dataset.name == "mnist"
    np.testing.assert_array_equal(dataset.train_images, x_train.reshape(7, 784))
    np.testing.assert_array_equal(dataset.test_labels, y_test)


def test_integer_labels_of_other_dtypes_become_uint8(tmp_path):
    arrays = valid_npz_arrays()
    arrays["train_labels"] = arrays["train_labels"].astype(np.int64)
    path = tmp_path / "wide.npz"
    path.write_bytes(npz_bytes(**arrays))
    assert load_npz(path).train_labels.dtype == np.uint8


def _with(**changes: np.ndarray) -> dict[str, np.ndarray]:
    return {**valid_npz_arrays(), **changes}


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


BAD_NPZ = {
    "text file": b"train_images,train_labels\n1,2\n",
    "empty file": b"",
    "zip of text": _zip_of({"readme.txt": b"hello"}),
    "zip with a fake npy": _zip_of({f"{key}.npy": b"not numpy" for key in datasets.OUR_NPZ_KEYS}),
    "missing test labels": npz_bytes(**{k: v for k, v in valid_npz_arrays().items() if k != "test_labels"}),
    "float images": npz_bytes(**_with(train_images=np.zeros((6, 784), np.float32))),
    "images 27 wide": npz_bytes(**_with(train_images=np.zeros((6, 27, 27), np.uint8))),
    "1-D images": npz_bytes(**_with(train_images=np.zeros(6 * 784, np.uint8))),
    "count mismatch": npz_bytes(**_with(train_labels=np.zeros(5, np.uint8))),
    "label 10": npz_bytes(**_with(test_labels=np.array([1, 2, 10], np.uint8))),
    "negative label": npz_bytes(**_with(test_labels=np.array([1, -2, 3], np.int8))),
    "float labels": npz_bytes(**_with(test_labels=np.array([1.0, 2.0, 3.0]))),
    "2-D labels": npz_bytes(**_with(test_labels=np.zeros((3, 1), np.uint8))),
    "no images": npz_bytes(**_with(test_images=np.zeros((0, 784), np.uint8), test_labels=np.zeros(0, np.uint8))),
    "object images": npz_bytes(**_with(train_images=np.array([None, 1], dtype=object))),
}


@pytest.mark.parametrize("case", BAD_NPZ)
def test_bad_npz_raises_dataset_error_naming_the_file(tmp_path, case):
    path = tmp_path / "broken-input.npz"
    path.write_bytes(BAD_NPZ[case])
    with pytest.raises(DatasetError, match="broken-input.npz"):
        load_npz(path)


def test_single_npy_file_is_not_an_npz(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.zeros(3, np.uint8))
    with pytest.raises(DatasetError, match="array.npy"):
        load_npz(path)


def test_missing_npz_raises_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="nowhere.npz"):
        load_npz(tmp_path / "nowhere.npz")


def _break_idx_folder(folder: Path, case: str) -> str:
    """Damages one file of a valid gzipped IDX folder; returns the name of the file the error must name."""
    images, labels = tiny_split(12, seed=1)
    target = "train-images-idx3-ubyte.gz"
    if case == "wrong magic":
        payload = idx_bytes(labels)
    elif case == "truncated":
        payload = idx_bytes(images)[:-10]
    elif case == "trailing bytes":
        payload = idx_bytes(images) + b"\0"
    elif case == "not 8-bit":
        payload = idx_bytes(images, type_code=0x0D)
    elif case == "images not 28x28":
        payload = idx_bytes(images[:, :27, :27])
    elif case == "not gzip":
        payload = None
        (folder / target).write_bytes(b"plain text, not gzip")
    elif case == "counts differ":
        target = "train-labels-idx1-ubyte.gz"
        payload = idx_bytes(labels[:11])
    elif case == "label outside 0..9":
        target = "train-labels-idx1-ubyte.gz"
        payload = idx_bytes(np.full(12, 26, np.uint8))
    elif case == "missing file":
        target = "t10k-labels-idx1-ubyte"
        payload = None
        (folder / f"{target}.gz").unlink()
    if payload is not None:
        (folder / target).write_bytes(gzip.compress(payload))
    return target


IDX_CASES = [
    "wrong magic", "truncated", "trailing bytes", "not 8-bit", "images not 28x28", "not gzip",
    "counts differ", "label outside 0..9", "missing file",
]


@pytest.mark.parametrize("case", IDX_CASES)
def test_bad_idx_folder_raises_dataset_error_naming_the_file(tmp_path, case):
    write_idx_folder(tmp_path / "digits", gz=True)
    target = _break_idx_folder(tmp_path / "digits", case)
    with pytest.raises(DatasetError, match=target):
        load_idx_folder(tmp_path / "digits")


def test_parse_idx_reads_the_header_shape():
    labels = np.arange(10, dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels), "labels"), labels)
    assert parse_idx(idx_bytes(np.zeros((3, 28, 28))), "images").shape == (3, 28, 28)


@FUZZ
@given(st.binary(max_size=64))
def test_parse_idx_of_random_bytes_raises_dataset_error_or_returns_uint8(payload):
    try:
        array = parse_idx(payload, "fuzz")
    except DatasetError as error:
        assert "fuzz" in str(error)
    else:
        assert array.dtype == np.uint8 and array.size == len(payload) - 4 - 4 * array.ndim


VALID_IDX = idx_bytes(np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256)


@FUZZ
@given(
    length=st.one_of(st.just(len(VALID_IDX)), st.integers(0, len(VALID_IDX))),
    edits=st.lists(st.tuples(st.integers(0, len(VALID_IDX) - 1), st.integers(0, 255)), max_size=4),
)
def test_parse_idx_of_mutated_valid_file_raises_dataset_error_or_returns_uint8(length, edits):
    payload = bytearray(VALID_IDX[:length])
    for position, value in edits:
        if position < length:
            payload[position] = value
    try:
        array = parse_idx(bytes(payload), "fuzz")
    except DatasetError:
        return
    assert array.dtype == np.uint8 and array.size == length - 4 - 4 * array.ndim


VALID_NPZ = {
    "stored": npz_bytes(**valid_npz_arrays()),
    "compressed": npz_bytes(compressed=True, **valid_npz_arrays()),
}


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("npz-fuzz")


@FUZZ
@given(
    kind=st.sampled_from(sorted(VALID_NPZ)),
    edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
    keep=st.floats(0.0, 1.0),
)
def test_load_npz_of_mutated_file_raises_dataset_error_or_returns_a_valid_dataset(fuzz_dir, kind, edits, keep):
    payload = bytearray(VALID_NPZ[kind])
    if keep < 0.2:
        del payload[int(len(payload) * keep * 5) :]
    for position, value in edits:
        if payload:
            payload[position % len(payload)] = value
    path = fuzz_dir / "mutated.npz"
    path.write_bytes(bytes(payload))
    try:
        dataset = load_npz(path)
    except DatasetError as error:
        assert "mutated.npz" in str(error)
    else:
        assert isinstance(dataset, Dataset) and dataset.train_images.dtype == np.uint8


@FUZZ
@given(st.binary(max_size=200))
def test_load_npz_of_random_bytes_raises_dataset_error(fuzz_dir, payload):
    path = fuzz_dir / "random.npz"
    path.write_bytes(payload)
    with pytest.raises(DatasetError, match="random.npz"):
        load_npz(path)


def test_dataset_rejects_inconsistent_arrays():
    images, labels = tiny_split(4, seed=7)
    with pytest.raises(DatasetError, match="4 images but 3 labels"):
        Dataset("bad", images.reshape(4, 784), labels[:3], images.reshape(4, 784), labels, tuple("0123456789"))


def test_images_to_float_scales_to_unit_interval():
    images = np.array([[0, 51, 255]], np.uint8)
    floats = images_to_float(images, np.float64)
    assert floats.dtype == np.float64
    np.testing.assert_allclose(floats, [[0.0, 0.2, 1.0]])
    assert images_to_float(images).dtype == np.float32


def test_default_cache_dir_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "latent-lab"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "latent-lab"


def test_load_dataset_mnist_uses_the_cache_without_downloading(tmp_path, monkeypatch):
    """Files in the cache whose digests are right load without a mirror; a damaged one would be fetched again."""
    write_idx_folder(tmp_path / "mnist", gz=True)
    cached = [RemoteFile(path.name, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
              for path in sorted((tmp_path / "mnist").iterdir())]

    def cache_only(cache_dir, **kwargs):
        return download_mnist(cache_dir, files=cached, base_urls=(), **kwargs)     # no mirror: nothing to fetch

    monkeypatch.setattr("core.data.datasets.download_mnist", cache_only)
    dataset = load_dataset("mnist", bundled_path=BUNDLED, cache_dir=tmp_path)
    assert dataset.name == "mnist" and len(dataset.train_labels) == 12
    (tmp_path / "mnist" / cached[0].name).write_bytes(b"damaged")
    with pytest.raises(DatasetError):          # fetched again, from no mirror: not read as it is
        load_dataset("mnist", bundled_path=BUNDLED, cache_dir=tmp_path)


def test_load_dataset_treats_other_specs_as_paths(tmp_path):
    write_idx_folder(tmp_path / "digits", gz=False)
    assert load_dataset(str(tmp_path / "digits"), bundled_path=BUNDLED, cache_dir=tmp_path).name == "digits"
    assert load_dataset(str(BUNDLED), bundled_path=BUNDLED, cache_dir=tmp_path).name == "mnist5k"
    with pytest.raises(DatasetError, match="not-there"):
        load_dataset(str(tmp_path / "not-there"), bundled_path=BUNDLED, cache_dir=tmp_path)


def test_missing_fashion_mnist_error_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "find_fashion_mnist", lambda: None)
    with pytest.raises(DatasetError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion", bundled_path=BUNDLED, cache_dir=tmp_path)


def test_find_fashion_mnist_skips_folders_without_the_files(tmp_path):
    write_idx_folder(tmp_path / "has", gz=True)
    assert find_fashion_mnist([tmp_path / "empty", tmp_path / "has"]) == tmp_path / "has"
    assert find_fashion_mnist([tmp_path / "empty"]) is None


@pytest.mark.skipif(find_fashion_mnist() is None, reason="Debian's dataset-fashion-mnist is not installed")
def test_installed_fashion_mnist_loads_60000_train_and_10000_test(tmp_path):
    dataset = load_dataset("fashion", bundled_path=BUNDLED, cache_dir=tmp_path)
    assert dataset.train_images.shape == (60000, 784) and dataset.test_images.shape == (10000, 784)
    assert dataset.class_names[9] == "Ankle boot"
    assert np.bincount(dataset.test_labels).tolist() == [1000] * 10
