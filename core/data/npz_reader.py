"""Reading an .npz archive that may be hostile, within bounds. Each array's shape and dtype come from its .npy header,
read from the zip member without expanding the rest, and must agree with the size the zip declares for the member
and with what the file can hold; an array is then expanded only up to the bytes its header promises, and compressed
arrays together only up to the reader's budget.

It never unpickles, and never opens a member its caller does not ask for. What the arrays must be (shapes, dtypes,
values) is the caller's business: core/data/datasets.py, core/training/checkpoint_schema.py.
"""
from __future__ import annotations

import math
import os
import struct
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZIP_STORED

import numpy as np
from numpy.lib import format as npy_format

from core.data.bounded_files import DEFLATE_MAX_RATIO, FileRefusedError, open_regular_file, read_into

MAX_DIRECTORY_BYTES = 1 << 20     # the zip's table of contents: about 10,000 members of a checkpoint
MAX_HEADER_BYTES = 10_000         # an .npy header (NumPy's own limit)
_END_RECORD = struct.Struct("<4s4H2LH")            # the zip's end of central directory record
_END_RECORD_64_LOCATOR = struct.Struct("<4sLQL")
_END_RECORD_64 = struct.Struct("<4sQ2H2L4Q")
_MAX_COMMENT = 0xFFFF


class NotAnNpzError(FileRefusedError):
    """The file is not a zip archive at all, so not an .npz file."""


@dataclass(frozen=True)
class ArrayHeader:
    """What an array's .npy header declares, before any of its data is read."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    offset: int           # bytes of the member before the data: magic, version and header

    @property
    def nbytes(self) -> int:
        """The bytes of data the header promises."""
        return math.prod(self.shape) * self.dtype.itemsize


class NpzReader:
    """The arrays of the .npz file ``path``, opened only if it is a regular file (use it as a context manager).

    ``names`` lists its arrays; ``header(name)`` checks and returns one's header; ``read(name)`` its values. Arrays
    stored uncompressed are bounded by the file's size; the compressed ones read may expand to
    ``max_inflated_bytes`` together. Every problem raises FileRefusedError naming the file (NotAnNpzError when
    it is not a zip archive)."""

    def __init__(self, path: str | os.PathLike, max_inflated_bytes: int) -> None:
        self.path = Path(path)
        self.max_inflated_bytes = max_inflated_bytes
        self._inflated = 0
        self._headers: dict[str, ArrayHeader] = {}
        self._file = open_regular_file(self.path)
        try:
            self._size = os.fstat(self._file.fileno()).st_size
            directory_bytes = self._directory_bytes()
            if directory_bytes > MAX_DIRECTORY_BYTES:
                raise FileRefusedError(self.path, f"its table of contents takes {directory_bytes:,} bytes, more "
                                                  f"than the {MAX_DIRECTORY_BYTES:,} an .npz file here may use")
            with self._damaged():
                self._zip = zipfile.ZipFile(self._file)
        except BaseException:
            self._file.close()
            raise
        self._members = {info.filename[:-len(".npy")]: info for info in self._zip.infolist()
                         if info.filename.endswith(".npy")}

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    @property
    def names(self) -> tuple[str, ...]:
        """The arrays' names (the members ending in .npy, without it), in the archive's order."""
        return tuple(self._members)

    def header(self, name: str) -> ArrayHeader:
        """The header of array ``name``, checked against the zip: the member's declared size must be the header's
        plus the data it promises, stored bytes must lie in the file, and compressed ones must be able to expand to
        it. Object (pickled) arrays are refused. Reads a few hundred bytes at most."""
        if name in self._headers:
            return self._headers[name]
        info = self._member(name)
        with self._damaged(), self._zip.open(info) as member:
            version = npy_format.read_magic(member)
            read = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}.get(version)
            if read is None:
                raise FileRefusedError(self.path, f"the array '{name}' has .npy format version {version}, which is "
                                                  f"not read here (1.0 or 2.0)")
            shape, fortran_order, dtype = read(member, max_header_size=MAX_HEADER_BYTES)
            header = ArrayHeader(shape, dtype, fortran_order, member.tell())
        if dtype.hasobject:
            raise FileRefusedError(self.path, f"the array '{name}' holds Python objects (pickled data), which are "
                                              f"never loaded")
        if any(size < 0 for size in shape):
            raise FileRefusedError(self.path, f"the array '{name}' has the impossible shape {shape}")
        self._check_sizes(name, info, header)
        self._headers[name] = header
        return header

    def check_inflation(self, names: Iterable[str]) -> None:
        """Refuse now, before any of them is read, if the compressed ones of arrays ``names`` would expand to more
        than is left of the budget."""
        total = sum(self.header(name).nbytes for name in names if self._member(name).compress_type != ZIP_STORED)
        if self._inflated + total > self.max_inflated_bytes:
            raise self._over_budget(self._inflated + total)

    def read(self, name: str) -> np.ndarray:
        """The values of array ``name`` (its header checked first), in the dtype and shape the header declares."""
        header, info = self.header(name), self._member(name)
        if info.compress_type != ZIP_STORED:
            if self._inflated + header.nbytes > self.max_inflated_bytes:
                raise self._over_budget(self._inflated + header.nbytes)
            self._inflated += header.nbytes
        flat = np.empty(math.prod(header.shape), header.dtype)
        with self._damaged(), self._zip.open(info) as member:
            member.read(header.offset)
            read_into(member, flat, self.path, f"the array '{name}'")
            member.read(1)          # at the member's declared end: zipfile checks the CRC
        return flat.reshape(header.shape, order="F" if header.fortran_order else "C")

    def _over_budget(self, total: int) -> FileRefusedError:
        return FileRefusedError(self.path, f"its compressed arrays would expand to {total:,} bytes, more than the "
                                           f"{self.max_inflated_bytes:,} allowed here")

    def _member(self, name: str) -> zipfile.ZipInfo:
        if name not in self._members:
            raise FileRefusedError(self.path, f"the array '{name}' is missing")
        return self._members[name]

    def _check_sizes(self, name: str, info: zipfile.ZipInfo, header: ArrayHeader) -> None:
        declared, promised = info.file_size, header.offset + header.nbytes
        if declared != promised:
            raise FileRefusedError(self.path, f"the array '{name}' declares {declared:,} bytes, but its header "
                                              f"{header.shape} {header.dtype} makes {promised:,}")
        if info.compress_type == ZIP_STORED:
            if info.compress_size != declared or declared > self._size:
                raise FileRefusedError(self.path, f"the array '{name}' declares {declared:,} bytes, more than the "
                                                  f"file holds")
        elif info.compress_type == ZIP_DEFLATED:
            if declared > DEFLATE_MAX_RATIO * info.compress_size + 1024:
                raise FileRefusedError(self.path, f"the array '{name}' declares {declared:,} bytes, more than its "
                                                  f"{info.compress_size:,} compressed bytes can expand to")
        else:
            raise FileRefusedError(self.path, f"the array '{name}' is compressed with zip method "
                                              f"{info.compress_type}; .npz files are stored or deflated")

    def _directory_bytes(self) -> int:
        """The size of the zip's central directory, as its end record says (the zip64 one where there is one), read
        before zipfile parses the directory whole."""
        file, size = self._file, self._size
        tail_size = min(size, _END_RECORD.size + _MAX_COMMENT + _END_RECORD_64_LOCATOR.size)
        file.seek(size - tail_size)
        tail = file.read(tail_size)
        # As zipfile looks for it: right at the end (no comment), else the last signature in the tail.
        at = len(tail) - _END_RECORD.size
        if at < 0 or tail[at:at + 4] != b"PK\x05\x06":
            at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < _END_RECORD.size:
            raise NotAnNpzError(self.path, "not a zip archive")
        directory_bytes = _END_RECORD.unpack_from(tail, at)[5]
        locator = at - _END_RECORD_64_LOCATOR.size
        if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
            record_at = _END_RECORD_64_LOCATOR.unpack_from(tail, locator)[2]
            file.seek(min(record_at, size))
            record = file.read(_END_RECORD_64.size)
            if len(record) < _END_RECORD_64.size or record[:4] != b"PK\x06\x06":
                raise FileRefusedError(self.path, "damaged .npz file (a broken zip64 end record)")
            directory_bytes = _END_RECORD_64.unpack(record)[8]
        return directory_bytes

    def _damaged(self) -> AbstractContextManager[None]:
        return _damaged(self.path)


@contextmanager
def _damaged(path: Path) -> Iterator[None]:
    """Turns whatever a damaged archive raises into one FileRefusedError: zipfile, zlib and NumPy's header parser fail
    in many ways (BadZipFile, zlib.error, EOFError, ValueError, SyntaxError, struct.error, ...), all meaning the same
    to the user. MemoryError and our own errors pass through."""
    try:
        yield
    except (FileRefusedError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001
        raise FileRefusedError(path, f"damaged .npz file ({type(error).__name__}: {error})") from error
