"""Arrays that several processes see: one memory-mapped file cut into named arrays by a layout.

The file lies in /dev/shm where there is one with room for it (memory that is never written to disk), else in the
temporary folder. Its space is reserved when it is made (``posix_fallocate``), so that a full /dev/shm is an
OSError then, not a crash (SIGBUS) at the first write to a page that has no memory. The process that creates it
deletes its name (``unlink``) as soon as the others have mapped it, so that nothing is left behind even when a
process is killed: the memory lives on until the last array over it is gone.
"""
from __future__ import annotations

import errno
import math
import mmap
import os
import tempfile
from pathlib import Path

import numpy as np

ALIGNMENT = 64        # bytes: every array starts on its own cache line

# name, byte offset, shape, dtype name
Layout = list[tuple[str, int, tuple[int, ...], str]]


def plan_layout(specs: dict[str, tuple[tuple[int, ...], np.dtype]]) -> tuple[Layout, int]:
    """Where each array of ``specs`` (name -> (shape, dtype)) lies, and the bytes they need in all."""
    layout: Layout = []
    offset = 0
    for name, (shape, dtype) in specs.items():
        dtype = np.dtype(dtype)
        layout.append((name, offset, tuple(int(n) for n in shape), dtype.str))
        offset += -(-math.prod(shape) * dtype.itemsize // ALIGNMENT) * ALIGNMENT
    return layout, max(offset, ALIGNMENT)


def shared_folder(size: int = 0) -> Path:
    """/dev/shm when it can be written and has ``size`` bytes free, else the temporary folder."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        status = os.statvfs(shm)
        if status.f_bavail * status.f_frsize >= size:
            return shm
    return Path(tempfile.gettempdir())


def _reserve(descriptor: int, size: int) -> None:
    """Give the file ``size`` bytes, allocated now where the file system can (else only its length)."""
    try:
        os.posix_fallocate(descriptor, 0, size)
    except AttributeError:             # not on this system
        os.ftruncate(descriptor, size)
    except OSError as error:
        if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise
        os.ftruncate(descriptor, size)  # a file system that cannot allocate ahead


class SharedArrays:
    """Named arrays over one mapped file; ``arrays[name]`` is a writable view, the same memory in every process."""

    def __init__(self, path: Path, layout: Layout, mapping: mmap.mmap) -> None:
        self.path = path
        self.layout = layout
        self.arrays = {name: np.frombuffer(mapping, np.dtype(dtype), math.prod(shape), offset).reshape(shape)
                       for name, offset, shape, dtype in layout}

    @classmethod
    def create(cls, specs: dict[str, tuple[tuple[int, ...], np.dtype]]) -> SharedArrays:
        """A new file holding arrays of ``specs`` (their values undefined); raises OSError when it cannot be made."""
        layout, size = plan_layout(specs)
        prefix = f"latent-lab-{os.getpid()}-"          # whose file it is, for whoever finds one left behind
        descriptor, name = tempfile.mkstemp(prefix=prefix, suffix=".shm", dir=shared_folder(size))
        try:
            _reserve(descriptor, size)
            mapping = mmap.mmap(descriptor, size)
        except BaseException:
            os.unlink(name)
            raise
        finally:
            os.close(descriptor)
        return cls(Path(name), layout, mapping)

    @classmethod
    def attach(cls, path: str | Path, layout: Layout) -> SharedArrays:
        """The arrays of a file made by ``create`` in another process."""
        layout = [(name, offset, tuple(shape), dtype) for name, offset, shape, dtype in layout]
        size = plan_layout({name: (shape, dtype) for name, _, shape, dtype in layout})[1]
        descriptor = os.open(path, os.O_RDWR)
        try:
            mapping = mmap.mmap(descriptor, size)
        finally:
            os.close(descriptor)
        return cls(Path(path), layout, mapping)

    def unlink(self) -> None:
        """Delete the file's name (the memory stays mapped); once every process has attached."""
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
