"""Writing a file so that no reader ever finds half of it: write beside the target, then rename onto it.

A crash, Ctrl+C or a full disk while writing leaves the earlier file as it was, and no temporary file behind.
"""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def temporary_beside(path: Path, suffix: str) -> Path:
    """A hidden name beside `path` for a file or folder being written: .NAME.<64 random bits>SUFFIX.

    Only an earlier interrupted write of ours could have left something under such a name, so writers may delete
    whatever they find there when they clean up.
    """
    return path.parent / f".{path.name}.{secrets.token_hex(8)}{suffix}"


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, suffix: str = "", durable: bool = False) -> Iterator[Path]:
    """Yield a new, empty temporary file beside `path` (named ...SUFFIX); move it onto `path` on success, delete it
    on any error. `durable`: the file's data reach the disk before the rename, and the rename itself before the
    return (the folder is synced), so that after a power cut `path` is either the old file or the whole new one."""
    path = Path(path)
    temp_path = temporary_beside(path, f".partial{suffix}")
    try:
        # Created inside the try, so that Ctrl+C right after creating it still removes it. Not mkstemp: its files
        # are private (0600); with mode 0666 the umask decides, as for any other new file.
        os.close(os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        yield temp_path
        if durable:
            _sync(temp_path, os.O_RDONLY)
        os.replace(temp_path, path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    if durable:
        with contextlib.suppress(OSError):       # a folder cannot be opened on some systems (Windows): best effort
            _sync(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def _sync(path: Path, flags: int) -> None:
    """fsync(2) the file or folder at `path`."""
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def make_parent_folder(path: str | os.PathLike) -> None:
    """Create the folder that will hold `path`, with its parents. Raises OSError; when a file stands where a folder
    should, the error names it (mkdir would only say "File exists")."""
    parent = Path(path).parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        blocking = next(folder for folder in (parent, *parent.parents) if folder.exists() and not folder.is_dir())
        raise NotADirectoryError(errno.ENOTDIR, f"{blocking} is a file, not a folder") from None
