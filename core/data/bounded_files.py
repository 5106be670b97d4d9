"""Opening files that may be hostile: only regular files (never a named pipe, which blocks, or a device such as
/dev/zero, which never ends), and filling arrays from a stream only up to the size they were checked to have.

What a file must hold is its reader's business (core/data/npz_reader.py, the IDX reader in core/data/datasets.py);
this module neither parses nor decompresses anything itself.
"""
from __future__ import annotations

import os
import stat
from typing import BinaryIO

import numpy as np

# Deflate (zip and gzip) expands at most about 1032-fold: a longest match (258 bytes) costs at least two bits.
DEFLATE_MAX_RATIO = 1032
CHUNK_BYTES = 1 << 22          # a stream is read 4 MiB at a time, so a copy never doubles an array's memory
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class FileRefusedError(ValueError):
    """A file a bounded reader will not read: missing, not a regular file, damaged, or declaring more than it may
    hold. ``path`` and ``problem`` say which and why; the message is "<path>: <problem>". Readers of a kind of file
    turn it into their own error type (DatasetError, CheckpointError)."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def open_regular_file(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for reading in binary, if it is a regular file (a symbolic link to one is fine).

    The type is checked before opening, since opening some devices does something, and again on the open
    descriptor, which was opened non-blocking in case a named pipe took the file's place in between.
    Raises FileRefusedError."""
    _check_regular(path, _status(path))
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise FileRefusedError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        _check_regular(path, _status(path, descriptor))
    except FileRefusedError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def read_into(stream: BinaryIO, out: np.ndarray, path: str | os.PathLike, what: str) -> None:
    """Fill the bytes of the C-contiguous array ``out`` from ``stream``, a chunk at a time; never reads past them.
    ``what`` names the data in the error raised when the stream ends first (FileRefusedError, "truncated")."""
    view = memoryview(out.reshape(-1).view(np.uint8))
    done = 0
    while done < len(view):
        count = stream.readinto(view[done:done + CHUNK_BYTES])
        if not count:
            raise FileRefusedError(path, f"truncated: {what} ends after {done:,} of its {len(view):,} bytes")
        done += count


def _status(path: str | os.PathLike, descriptor: int | None = None) -> os.stat_result:
    """``path``'s status (following links), or that of ``descriptor`` when given, opened from ``path``."""
    try:
        return os.stat(path) if descriptor is None else os.fstat(descriptor)
    except FileNotFoundError:
        raise FileRefusedError(path, "no such file") from None
    except (OSError, ValueError) as error:        # ValueError: a name holding a NUL byte
        raise FileRefusedError(path, f"cannot be read ({getattr(error, 'strerror', None) or error})") from None


def _check_regular(path: str | os.PathLike, status: os.stat_result) -> None:
    if stat.S_ISREG(status.st_mode):
        return
    kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a file")
    raise FileRefusedError(path, f"{kind}, not a regular file")
