"""Hostile datasets: IDX files and .npz archives whose declared sizes lie or would expand to gigabytes, and files
that are no files. Each is refused with a DatasetError naming the file, within seconds, with memory bounded, and
leaving the disk as it was; the sizes are checked before anything is decompressed."""
from __future__ import annotations

import gzip
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.data.datasets import MAX_DATASET_BYTES, DatasetError, load_dataset, load_idx_folder, load_npz
from tests.core.hostile_files import (
    GiB,
    Member,
    deflated_zeros,
    gzipped_zeros,
    load_in_child,
    npy_bytes,
    npy_header,
    special_file,
    zip_bytes,
)
from tests.helpers import disk_state

SECONDS = 5
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def idx_header(*shape: int) -> bytes:
    return bytes([0, 0, 8, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def idx_folder(folder: Path, replaced: dict[str, bytes] | None = None, gz: bool = True) -> Path:
    """A valid IDX folder of 12 train and 5 test images, gzipped, with ``replaced`` files (by name) instead."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in IDX_NAMES:
        n = 12 if name.startswith("train") else 5
        shape = (n, 28, 28) if "images" in name else (n,)
        array = rng.integers(0, 10, shape, dtype=np.uint8)
        payload = idx_header(*shape) + array.tobytes()
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(payload) if gz else payload)
    for name, payload in (replaced or {}).items():
        for old in folder.glob(name.removesuffix(".gz") + "*"):
            old.unlink()
        (folder / name).write_bytes(payload)
    return folder


def good_npz_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {"train_images": rng.integers(0, 256, (6, 784), dtype=np.uint8),
            "train_labels": np.arange(6, dtype=np.uint8),
            "test_images": rng.integers(0, 256, (3, 784), dtype=np.uint8),
            "test_labels": np.arange(3, dtype=np.uint8)}


def npz_with(path: Path, replaced: dict[str, Member]) -> Path:
    members = {key: Member.stored(f"{key}.npy", npy_bytes(value)) for key, value in good_npz_arrays().items()}
    members.update(replaced)
    path.write_bytes(zip_bytes(list(members.values())))
    return path


def zeros_member(key: str, shape: tuple[int, ...], dtype: str = "|u1") -> Member:
    """A deflated array of zeros of ``shape``, truly (its CRC left 0 beyond what a test reads)."""
    header = npy_header(shape, dtype)
    size = len(header) + int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    crc = zlib.crc32(bytes(size - len(header)), zlib.crc32(header)) if size < 64 << 20 else 0
    return Member(f"{key}.npy", deflated_zeros(header, size), size, deflated=True, crc=crc)


def assert_refused_in_child(kind: str, path: Path, *phrases: str, names: Path | None = None) -> dict:
    """Loading ``path`` as ``kind`` in a child under an address-space limit raises a DatasetError whose message
    names ``names`` (default: path) and says ``phrases``, within SECONDS, with little memory, changing nothing."""
    folder = path if path.is_dir() else path.parent
    before = disk_state(folder)
    outcome = load_in_child(kind, path)
    assert outcome["error"] == "DatasetError", outcome
    assert str(names or path) in outcome["message"], outcome
    for phrase in phrases:
        assert phrase in outcome["message"], outcome
    assert outcome["seconds"] < SECONDS and outcome["peak_growth"] < 256 << 20, outcome
    assert disk_state(folder) == before
    return outcome


# ---- IDX -------------------------------------------------------------------------------------------------------------
def test_a_gzipped_idx_file_of_5_gb_in_5_mb_is_refused_before_it_is_expanded(tmp_path):
    images = gzipped_zeros(idx_header(6_400_000, 28, 28), 16 + 6_400_000 * 784)
    assert len(images) < 6 << 20
    folder = idx_folder(tmp_path / "digits", {"train-images-idx3-ubyte.gz": images})
    target = folder / "train-images-idx3-ubyte.gz"
    assert_refused_in_child("idx", folder, "header promises 5,017,600,000 bytes of data for shape (6400000, 28, 28), "
                                           f"more than the {MAX_DATASET_BYTES:,} a dataset may hold",
                            names=target)


def test_a_gzipped_idx_file_promising_10_images_but_holding_1_5_gb_stops_after_the_10(tmp_path):
    images = gzipped_zeros(idx_header(10, 28, 28), 3 * GiB // 2)
    folder = idx_folder(tmp_path / "digits", {"train-images-idx3-ubyte.gz": images})
    target = folder / "train-images-idx3-ubyte.gz"
    assert_refused_in_child("idx", folder, "has trailing bytes: header promises 7,840 bytes", names=target)


def test_a_gzipped_idx_header_promising_more_than_its_bytes_can_expand_to_is_refused(tmp_path):
    images = gzip.compress(idx_header(1_000_000, 28, 28) + bytes(1000))        # 784 MB promised, 70 bytes stored
    folder = idx_folder(tmp_path / "digits", {"train-images-idx3-ubyte.gz": images})
    target = folder / "train-images-idx3-ubyte.gz"
    assert_refused_in_child("idx", folder, "more than its ", "compressed bytes can expand to", names=target)


def test_a_plain_idx_header_promising_more_than_the_file_is_refused_before_reading(tmp_path):
    folder = idx_folder(tmp_path / "digits", {"train-images-idx3-ubyte": idx_header(4_000_000, 28, 28) + bytes(10)},
                        gz=False)
    target = folder / "train-images-idx3-ubyte"
    assert_refused_in_child("idx", folder, "truncated: header promises 3,136,000,000 bytes", names=target)


def test_a_split_within_the_cap_leaves_the_other_split_only_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr("core.data.datasets.MAX_DATASET_BYTES", 12 * 784 + 12 + 5 * 784)
    folder = idx_folder(tmp_path / "digits")
    with pytest.raises(DatasetError, match="t10k-labels-idx1-ubyte.gz: header promises 5 bytes of data for shape "
                                           r"\(5,\), more than the 0 a dataset may still hold \(of 13,340 in all\)"):
        load_idx_folder(folder)


@FUZZ
@given(sizes=st.lists(st.integers(0, 2**32 - 1), min_size=0, max_size=4), tail=st.binary(max_size=64),
       gz=st.booleans(), type_code=st.sampled_from([8, 8, 8, 9, 13]))
@example(sizes=[0, 3_036_988_439, 3_037_012_561], tail=b"", gz=False, type_code=8)   # 0 bytes, a shape NumPy refuses
def test_hypothesis_idx_headers_are_refused_or_read_exactly(tmp_path_factory, sizes, tail, gz, type_code):
    payload = bytes([0, 0, type_code, len(sizes)]) + struct.pack(f">{len(sizes)}I", *sizes) + tail
    folder = idx_folder(tmp_path_factory.mktemp("idx"))
    name = "train-labels-idx1-ubyte" + (".gz" if gz else "")
    for old in folder.glob("train-labels-idx1-ubyte*"):
        old.unlink()
    (folder / name).write_bytes(gzip.compress(payload) if gz else payload)
    started = time.perf_counter()
    try:
        dataset = load_idx_folder(folder)
    except DatasetError as error:
        assert str(folder) in str(error)
    else:
        assert len(dataset.train_labels) == 12 and sizes == [12] and len(tail) == 12
    assert time.perf_counter() - started < SECONDS


# ---- .npz ------------------------------------------------------------------------------------------------------------
def test_npz_images_of_5_gb_in_5_mb_are_refused_before_they_are_expanded(tmp_path):
    path = npz_with(tmp_path / "digits.npz", {"train_images": zeros_member("train_images", (6_400_000, 784))})
    assert path.stat().st_size < 6 << 20
    assert_refused_in_child("npz", path, "its arrays declare 5,017,602,361 bytes, more than the 1,073,741,824 a "
                                         "dataset may hold")


def test_npz_arrays_within_the_cap_one_by_one_but_beyond_it_together_are_refused(tmp_path):
    path = npz_with(tmp_path / "digits.npz", {key: zeros_member(key, (700_000, 784))
                                              for key in ("train_images", "test_images")})
    assert_refused_in_child("npz", path, "more than the 1,073,741,824 a dataset may hold")


def test_npz_stored_images_declaring_more_than_the_file_are_refused(tmp_path):
    header = npy_header((1_000_000, 784), "|u1")
    path = npz_with(tmp_path / "digits.npz", {"train_images": Member("train_images.npy", header + bytes(784),
                                                                     len(header) + 784_000_000)})
    assert_refused_in_child("npz", path, "the array 'train_images' declares 784,000,128 bytes, more than the file "
                                         "holds")


def test_npz_float_images_are_refused_before_they_are_read(tmp_path):
    path = npz_with(tmp_path / "digits.npz", {"train_images": zeros_member("train_images", (100_000, 784), "<f8")})
    assert_refused_in_child("npz", path, "train_images are float64, expected uint8")


def test_an_unknown_npz_member_of_10_gb_is_never_read(tmp_path):
    path = npz_with(tmp_path / "digits.npz", {"extra": zeros_member("extra", (10 * GiB,))})
    outcome = load_in_child("npz", path)
    assert outcome["error"] is None and outcome["seconds"] < SECONDS and outcome["peak_growth"] < 256 << 20, outcome


def test_a_compressed_npz_dataset_loads(tmp_path):
    path = tmp_path / "digits.npz"
    arrays = good_npz_arrays()
    np.savez_compressed(path, **{**arrays, "train_images": np.asfortranarray(arrays["train_images"])})
    dataset = load_npz(path)
    np.testing.assert_array_equal(dataset.train_images, arrays["train_images"])
    assert dataset.train_images.flags.c_contiguous


# ---- files that are no files -----------------------------------------------------------------------------------------
KINDS = {"fifo": "a named pipe (FIFO), not a regular file", "device": "a character device, not a regular file",
         "link to /dev/zero": "a character device, not a regular file",
         "link to /dev/urandom": "a character device, not a regular file"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("loader", ["npz", "dataset"])
def test_an_npz_that_is_no_regular_file_is_refused_at_once(tmp_path, kind, loader):
    path = special_file(tmp_path / "digits.npz", kind)
    assert_refused_in_child(loader, path, f"{path}: {KINDS[kind]}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz"])
def test_an_idx_file_that_is_no_regular_file_is_refused_at_once(tmp_path, kind, name):
    folder = idx_folder(tmp_path / "digits")
    for old in folder.glob(name.removesuffix(".gz") + "*"):
        old.unlink()
    path = special_file(folder / name, kind)
    assert_refused_in_child("idx", folder, f"{path}: {KINDS[kind]}", names=path)


def test_dev_zero_as_an_npz_is_refused_at_once(tmp_path):
    outcome = load_in_child("npz", "/dev/zero")
    assert outcome["error"] == "DatasetError" and outcome["message"] == "/dev/zero: a character device, not a " \
                                                                        "regular file", outcome


def test_symlinks_to_good_files_load(tmp_path):
    real = idx_folder(tmp_path / "real")
    linked = tmp_path / "linked"
    linked.mkdir()
    for path in real.iterdir():
        (linked / path.name).symlink_to(path)
    assert len(load_idx_folder(linked).train_images) == 12
    np.savez(tmp_path / "digits.npz", **good_npz_arrays())
    (tmp_path / "link.npz").symlink_to(tmp_path / "digits.npz")
    assert len(load_dataset(str(tmp_path / "link.npz"), bundled_path=tmp_path, cache_dir=tmp_path).test_labels) == 3
