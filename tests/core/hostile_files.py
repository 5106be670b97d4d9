"""Builders of hostile files for the checkpoint and dataset tests: zip archives and gzip files written byte by byte,
whose sizes may lie and whose compressed data may expand to gigabytes while taking a few megabytes on disk; and
a loader run in a child process under an address-space limit, which reports how the load ended, its time and its
peak memory."""
from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
GiB = 1 << 30
ZEROS_BLOCK = 1 << 20


def npy_header(shape: tuple[int, ...], dtype: str | np.dtype, fortran_order: bool = False) -> bytes:
    """The magic, version and header of an .npy file declaring ``shape`` and ``dtype``: what precedes its data."""
    buffer = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": fortran_order,
              "shape": tuple(shape)}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def deflated_zeros(prefix: bytes, total: int) -> bytes:
    """A raw deflate stream of ``prefix`` followed by zeros, ``total`` bytes in all, built in milliseconds however
    large: after a full flush the compressor starts afresh, so every further megabyte of zeros compresses to the
    same bytes, computed once (about 1 KB a megabyte, 1000-fold)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [compressor.compress(prefix), compressor.flush(zlib.Z_FULL_FLUSH)]
    zeros = total - len(prefix)
    block = compressor.compress(bytes(ZEROS_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    parts.append(block * (zeros // ZEROS_BLOCK))
    parts.append(compressor.compress(bytes(zeros % ZEROS_BLOCK)) + compressor.flush())
    return b"".join(parts)


def gzipped_zeros(prefix: bytes, total: int) -> bytes:
    """A gzip file of ``prefix`` and zeros, ``total`` bytes once expanded. Its CRC is left 0: the readers under
    test must never get that far."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + deflated_zeros(prefix, total) + struct.pack("<LL", 0, total & 0xFFFFFFFF)


@dataclass(frozen=True)
class Member:
    """A zip member: its name, its bytes as stored (compressed when ``deflated``), the size it declares once
    expanded, and its CRC-32 (None: the CRC of ``data``, right for a stored member)."""

    name: str
    data: bytes
    declared_size: int
    deflated: bool = False
    crc: int | None = None

    @classmethod
    def stored(cls, name: str, data: bytes) -> Member:
        return cls(name, data, len(data))

    @classmethod
    def compressed(cls, name: str, data: bytes) -> Member:
        """``data`` deflated as zipfile would, with its true size and CRC."""
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        return cls(name, compressor.compress(data) + compressor.flush(), len(data), True, zlib.crc32(data))


def zip_bytes(members: list[Member]) -> bytes:
    """A zip archive of ``members`` exactly as given (sizes that may lie included), every member with zip64 sizes,
    as NumPy writes them."""
    out, directory = io.BytesIO(), io.BytesIO()
    for member in members:
        name = member.name.encode()
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        method = 8 if member.deflated else 0
        extra = struct.pack("<HHQQ", 1, 16, member.declared_size, len(member.data))
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                              len(name), len(extra)))
        out.write(name + extra + member.data)
        directory.write(struct.pack("<4s6H3L5HLL", b"PK\x01\x02", 45, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF,
                                    0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0o644 << 16, offset))
        directory.write(name + extra)
    start, table = out.tell(), directory.getvalue()
    out.write(table)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(table), start, 0))
    return out.getvalue()


def special_file(path: Path, kind: str) -> Path:
    """Make at ``path`` a file that is no regular file: "fifo", "device" (skips the test without root), "folder",
    "link to /dev/zero" or "link to /dev/urandom"."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        try:
            os.mknod(path, 0o600 | 0o020000, os.makedev(1, 5))          # a character device: /dev/zero's numbers
        except PermissionError:
            pytest.skip("making a device node needs root")
    elif kind == "folder":
        path.mkdir()
    elif kind.startswith("link to "):
        path.symlink_to(kind.removeprefix("link to "))
    else:
        raise ValueError(f"no special file of kind {kind!r}")
    return path


CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path

kind, path, headroom = sys.argv[1], sys.argv[2], int(sys.argv[3])
from core.data.datasets import load_dataset, load_idx_folder, load_npz
from core.training.checkpoint import load_checkpoint

loaders = {"checkpoint": load_checkpoint, "npz": load_npz, "idx": load_idx_folder,
           "dataset": lambda spec: load_dataset(spec, bundled_path=Path(spec), cache_dir=Path(spec))}
with open("/proc/self/status") as status:
    size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + headroom, size + headroom))
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
started = time.perf_counter()
try:
    loaders[kind](Path(path) if kind != "dataset" else path)
    outcome = {"error": None, "message": ""}
except BaseException as error:
    outcome = {"error": type(error).__name__, "message": str(error)}
outcome["seconds"] = time.perf_counter() - started
outcome["peak_growth"] = max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before)
print(json.dumps(outcome))
"""


def load_in_child(kind: str, path: Path | str, headroom: int = 3 * GiB // 2, timeout: float = 120) -> dict:
    """Load ``path`` as ``kind`` (checkpoint, npz, idx or dataset) in a child process whose address space may grow
    by at most ``headroom`` bytes beyond what it holds once imported. Returns how it ended: the error's type name
    (None if it loaded) and message, the seconds the load took, and how far the peak resident memory grew
    (peak_growth, bytes). A load still going after ``timeout`` seconds fails the test (subprocess.TimeoutExpired)."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), str(headroom)], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])
