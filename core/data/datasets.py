"""Datasets of 28x28 grey images: the Dataset record, loaders for .npz files and IDX folders, and the
resolver that turns a name ("mnist5k", "fashion", "mnist") or a path into a Dataset.

NumPy and stdlib only. It never knows where resources/ is (callers pass bundled_path), and every
unreadable input raises DatasetError naming the file and the problem. Files are read within bounds: only regular
files, and every size a file declares is checked, against MAX_DATASET_BYTES and against what the file can hold,
before any data is read or decompressed (core/data/bounded_files.py, core/data/npz_reader.py).
"""
from __future__ import annotations

import gzip
import io
import math
import os
import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from core.data.bounded_files import DEFLATE_MAX_RATIO, FileRefusedError, open_regular_file, read_into
from core.data.download import download_mnist
from core.data.errors import DatasetError
from core.data.npz_reader import NotAnNpzError, NpzReader

IMAGE_SIDE = 28
PIXELS = IMAGE_SIDE * IMAGE_SIDE
DIGIT_CLASS_NAMES = tuple(str(digit) for digit in range(10))
FASHION_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
# Where Debian's dataset-fashion-mnist package installs the four gzipped IDX files.
FASHION_MNIST_FOLDERS = (Path("/usr/share/datasets/fashion-mnist"),)
OUR_NPZ_KEYS = ("train_images", "train_labels", "test_images", "test_labels")
KERAS_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801
# The most a dataset's images and labels may take, all four arrays together: 1.3 million images (full MNIST takes
# 55 MB, EMNIST's largest split 650 MB). A file declaring more is refused before any of it is read.
MAX_DATASET_BYTES = 1 << 30


@dataclass(frozen=True)
class Dataset:
    """Train and test images of one dataset, flattened row-major, with integer class labels.

    train_images: (n_train, 784) uint8, C-contiguous.  train_labels: (n_train,) uint8 in 0..9.
    test_images: (n_test, 784) uint8, C-contiguous.    test_labels: (n_test,) uint8 in 0..9.
    class_names: the 10 names that labels index into.
    """

    name: str
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    class_names: tuple[str, ...]
    image_shape: tuple[int, int] = (IMAGE_SIDE, IMAGE_SIDE)

    def __post_init__(self) -> None:
        _check_split(self.train_images, self.train_labels, f"dataset {self.name!r} (train)")
        _check_split(self.test_images, self.test_labels, f"dataset {self.name!r} (test)")
        if len(self.class_names) != 10 or self.image_shape != (IMAGE_SIDE, IMAGE_SIDE):
            raise DatasetError(f"dataset {self.name!r}: needs 10 class names and 28x28 images")


def images_to_float(images: np.ndarray, dtype: npt.DTypeLike = np.float32) -> np.ndarray:
    """Scales uint8 pixels to [0, 1]: images (n, 784) uint8 -> (n, 784) of `dtype`."""
    if images.dtype != np.uint8:
        raise TypeError(f"expected uint8 images, got {images.dtype}")
    scaled = images.astype(dtype)
    scaled /= 255
    return scaled


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/latent-lab, or ~/.cache/latent-lab when that variable is unset or not absolute."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "latent-lab"


def find_fashion_mnist(folders: Sequence[Path] = FASHION_MNIST_FOLDERS) -> Path | None:
    """Returns the first of `folders` that holds Fashion-MNIST training images, or None."""
    for folder in folders:
        if _find_idx_file(folder, "train-images", "idx3") is not None:
            return folder
    return None


def load_dataset(
    spec: str,
    *,
    bundled_path: Path,
    cache_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Dataset:
    """Resolves what the command line or the GUI asked for.

    spec: "mnist5k" (the bundled npz at bundled_path), "fashion" (Debian's dataset-fashion-mnist),
    "mnist" (full MNIST in cache_dir/mnist, downloaded first if absent, reporting progress(bytes_done,
    bytes_total) and stopping when `cancel` is set), or a path: a folder of IDX files or an .npz file.
    """
    if spec == "mnist5k":
        return load_npz(bundled_path, name="mnist5k")
    if spec == "fashion":
        folder = find_fashion_mnist()
        if folder is None:
            raise DatasetError(
                "Fashion-MNIST is not installed; install it with `sudo apt-get install dataset-fashion-mnist`"
            )
        return load_idx_folder(folder, name="fashion")
    if spec == "mnist":
        # Every load checks the cached files' digests (about 10 ms): a damaged one is fetched again, never trusted.
        folder = download_mnist(cache_dir, progress=progress, cancel=cancel)
        return load_idx_folder(folder, name="mnist")
    path = Path(spec).expanduser()
    if path.is_dir():
        return load_idx_folder(path)
    if path.exists():
        return load_npz(path)      # which refuses anything but a regular file
    raise DatasetError(f"{spec}: not a dataset name (mnist5k, fashion, mnist), a folder or an .npz file")


def load_npz(path: Path, *, name: str | None = None) -> Dataset:
    """Loads our .npz (train_images, train_labels, test_images, test_labels) or a Keras-style mnist.npz
    (x_train, y_train, x_test, y_test). Images may be (n, 784) or (n, 28, 28), and must be uint8.

    name defaults to the file's stem; a name containing "fashion" gets the Fashion-MNIST class names.
    """
    path = Path(path)
    try:
        with NpzReader(path, max_inflated_bytes=MAX_DATASET_BYTES) as archive:
            keys = _npz_keys(path, archive.names)
            _check_npz_headers(path, keys, archive)
            archive.check_inflation(keys)
            arrays = [archive.read(key) for key in keys]
    except NotAnNpzError as error:
        raise DatasetError(f"{path}: not an .npz file ({error.problem})") from None
    except FileRefusedError as error:
        raise DatasetError(str(error)) from None
    train = _as_split(arrays[0], arrays[1], f"{path} ({keys[0]}, {keys[1]})")
    test = _as_split(arrays[2], arrays[3], f"{path} ({keys[2]}, {keys[3]})")
    return _dataset(name or path.stem, train, test)


def load_idx_folder(folder: Path, *, name: str | None = None) -> Dataset:
    """Loads the MNIST / Fashion-MNIST / KMNIST layout: train-images-idx3-ubyte, train-labels-idx1-ubyte,
    t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally gzipped (.gz).

    name defaults to the folder's name; a name containing "fashion" gets the Fashion-MNIST class names.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: no such folder")
    train = _read_idx_split(folder, "train", MAX_DATASET_BYTES)
    test = _read_idx_split(folder, "t10k", MAX_DATASET_BYTES - train[0].nbytes - train[1].nbytes)
    return _dataset(name or folder.name, train, test)


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """Parses one IDX file of unsigned bytes held in ``data``, as read_idx reads one from a stream."""
    return read_idx(io.BytesIO(data), name, len(data), exact_size=len(data))


def read_idx(stream: BinaryIO, name: str, max_bytes: int, *, exact_size: int | None = None,
             compressed_size: int | None = None) -> np.ndarray:
    """Reads one IDX file of unsigned bytes from ``stream``: a big-endian header (0, 0, type code 0x08, ndim, then
    ndim uint32 sizes) followed by exactly prod(sizes) bytes.

    The size the header promises is checked before any data is read: against ``max_bytes``, and against the
    stream's length ``exact_size`` (a plain file) or what ``compressed_size`` bytes of gzip can expand to. The data
    is then read up to that size and no further. name: the file, for error messages. Returns a uint8 array shaped
    by the header, e.g. (n, 28, 28) for images (magic 0x00000803) or (n,) for labels (magic 0x00000801).
    """
    head = stream.read(4)
    if len(head) < 4 or head[:2] != b"\0\0":
        raise DatasetError(f"{name}: not an IDX file (bad magic number {head[:4].hex() or 'missing'})")
    type_code, ndim = head[2], head[3]
    if type_code != 0x08:
        raise DatasetError(f"{name}: IDX type code 0x{type_code:02x}, expected 0x08 (8-bit unsigned)")
    sizes = stream.read(4 * ndim)
    header_size = 4 + 4 * ndim
    if ndim == 0 or len(sizes) < 4 * ndim:
        raise DatasetError(f"{name}: truncated IDX header ({ndim} dimensions, {4 + len(sizes)} bytes)")
    shape = struct.unpack(f">{ndim}I", sizes)
    expected = math.prod(shape)
    promise = f"header promises {expected:,} bytes of data for shape {shape}"
    if exact_size is not None and exact_size - header_size != expected:
        problem = "truncated" if exact_size - header_size < expected else "has trailing bytes"
        raise DatasetError(f"{name}: {problem}: {promise}, file has {exact_size - header_size:,}")
    if compressed_size is not None and expected > DEFLATE_MAX_RATIO * compressed_size:
        raise DatasetError(f"{name}: {promise}, more than its {compressed_size:,} compressed bytes can expand to")
    if expected > max_bytes:
        limit = (f"the {max_bytes:,} a dataset may hold" if max_bytes >= MAX_DATASET_BYTES else
                 f"the {max(max_bytes, 0):,} a dataset may still hold (of {MAX_DATASET_BYTES:,} in all)")
        raise DatasetError(f"{name}: {promise}, more than {limit}")
    # A zero size makes the product 0 whatever the others say, but NumPy refuses a shape whose other sizes multiply
    # past its limit.
    if math.prod(max(size, 1) for size in shape) > MAX_DATASET_BYTES:
        raise DatasetError(f"{name}: header declares shape {shape}, whose sizes multiply past the "
                           f"{MAX_DATASET_BYTES:,} bytes a dataset may hold")
    data = np.empty(expected, np.uint8)
    try:
        read_into(stream, data, name, "the data")
    except FileRefusedError as error:
        raise DatasetError(f"{name}: truncated: {promise} ({error.problem})") from None
    if stream.read(1):
        raise DatasetError(f"{name}: has trailing bytes: {promise}, file has more")
    return data.reshape(shape)


def _read_idx_split(folder: Path, prefix: str, max_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    """Reads `prefix`-images and -labels from folder, at most max_bytes together: ((n, 784) uint8, (n,) uint8)."""
    images_path = _require_idx_file(folder, f"{prefix}-images", "idx3")
    labels_path = _require_idx_file(folder, f"{prefix}-labels", "idx1")
    images = _read_idx_file(images_path, IDX_IMAGES_MAGIC, max_bytes)
    labels = _read_idx_file(labels_path, IDX_LABELS_MAGIC, max_bytes - images.nbytes)
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DatasetError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, expected 28x28")
    return _as_split(images, labels, f"{images_path.name} with {labels_path.name} in {folder}")


def _read_idx_file(path: Path, magic: int, max_bytes: int) -> np.ndarray:
    """Reads and parses one IDX file of at most max_bytes of data, gunzipping it as it goes if its name ends in
    .gz; checks the magic number."""
    try:
        with open_regular_file(path) as file:
            size = os.fstat(file.fileno()).st_size
            if path.suffix == ".gz":
                with gzip.GzipFile(fileobj=file) as stream:
                    array = read_idx(stream, str(path), max_bytes, compressed_size=size)
            else:
                array = read_idx(file, str(path), max_bytes, exact_size=size)
    except FileRefusedError as error:
        raise DatasetError(str(error)) from None
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(f"{path}: unreadable ({type(error).__name__}: {error})") from error
    if array.ndim != magic & 0xFF:
        raise DatasetError(f"{path}: magic number 0x{0x800 | array.ndim:08x}, expected 0x{magic:08x}")
    return array


def _find_idx_file(folder: Path, stem: str, kind: str) -> Path | None:
    """The first existing spelling of an IDX file: train-images-idx3-ubyte, or the .idx3 variant, each with .gz."""
    for base in (f"{stem}-{kind}-ubyte", f"{stem}.{kind}-ubyte"):
        for candidate in (folder / base, folder / f"{base}.gz"):
            if candidate.exists():          # a pipe or device there is refused when read, not taken for missing
                return candidate
    return None


def _require_idx_file(folder: Path, stem: str, kind: str) -> Path:
    path = _find_idx_file(folder, stem, kind)
    if path is None:
        raise DatasetError(f"{folder}: missing {stem}-{kind}-ubyte (or .gz)")
    return path


def _check_npz_headers(path: Path, keys: tuple[str, ...], archive: NpzReader) -> None:
    """Before any array is read: images of uint8, and all four arrays within MAX_DATASET_BYTES."""
    headers = [archive.header(key) for key in keys]
    for key, header in zip(keys[::2], headers[::2]):
        if header.dtype != np.uint8:
            raise DatasetError(f"{path}: {key} are {header.dtype}, expected uint8")
    declared = sum(header.nbytes for header in headers)
    if declared > MAX_DATASET_BYTES:
        raise DatasetError(f"{path}: its arrays declare {declared:,} bytes, more than the {MAX_DATASET_BYTES:,} a "
                           f"dataset may hold")


def _npz_keys(path: Path, files: Sequence[str]) -> tuple[str, ...]:
    """Picks our array names or the Keras ones, whichever the archive holds in full."""
    for keys in (OUR_NPZ_KEYS, KERAS_NPZ_KEYS):
        if set(keys) <= set(files):
            return keys
    raise DatasetError(
        f"{path}: has arrays {sorted(files)}; expected {', '.join(OUR_NPZ_KEYS)} "
        f"(or Keras-style {', '.join(KERAS_NPZ_KEYS)})"
    )


def _as_split(images: np.ndarray, labels: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Brings one split to the Dataset layout and checks it.

    images: (n, 784) or (n, 28, 28) uint8; labels: (n,) of any integer dtype with values 0..9.
    Returns ((n, 784) C-contiguous uint8, (n,) uint8). `source` names the file in errors.
    """
    if images.ndim == 3 and images.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
        images = images.reshape(len(images), PIXELS)
    if labels.ndim == 1 and labels.dtype.kind in "iu":
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise DatasetError(f"{source}: labels span {labels.min()}..{labels.max()}, expected 0..9")
        labels = labels.astype(np.uint8)
    images = np.ascontiguousarray(images)
    _check_split(images, labels, source)
    return images, labels


def _check_split(images: np.ndarray, labels: np.ndarray, source: str) -> None:
    """Raises DatasetError unless images are (n, 784) C-contiguous uint8 and labels (n,) uint8 in 0..9, n > 0."""
    if images.dtype != np.uint8:
        raise DatasetError(f"{source}: images are {images.dtype}, expected uint8")
    if images.ndim != 2 or images.shape[1] != PIXELS or not images.flags.c_contiguous:
        raise DatasetError(f"{source}: images have shape {images.shape}, expected (n, 784) or (n, 28, 28)")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DatasetError(f"{source}: labels are {labels.dtype} of shape {labels.shape}, expected (n,) integers")
    if len(images) != len(labels):
        raise DatasetError(f"{source}: {len(images)} images but {len(labels)} labels")
    if len(images) == 0:
        raise DatasetError(f"{source}: no images")
    if labels.max() > 9:
        raise DatasetError(f"{source}: label {labels.max()} is outside 0..9")


def _dataset(name: str, train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> Dataset:
    class_names = FASHION_CLASS_NAMES if "fashion" in name.lower() else DIGIT_CLASS_NAMES
    return Dataset(name, train[0], train[1], test[0], test[1], class_names)
