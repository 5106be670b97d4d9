"""One writer at a time per output file: an advisory lock (flock(2)) on a small file beside it, ``.NAME.lock``, which
names its holder, so that a second writer is refused with a message saying who writes the file.

The holder removes the lock file when it is done. A holder that is killed leaves it behind, but unlocked (the system
releases the locks of a process that ends), and the next writer of that output takes it over and removes it in turn.
Where flock does not exist (Windows) there is no lock. It does not write the output itself (core.atomic_files does).
"""
from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:          # Windows
    fcntl = None

_held: dict[str, tuple[int, int]] = {}       # lock file -> (thread ident, depth): this process's locks, re-entrant
_held_guard = threading.Lock()


class OutputBusy(OSError):
    """Another writer holds the output's lock; ``holder`` describes it: "pid 12 (main.py train ...), since ..."."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(errno.EBUSY, f"another process is writing it: {holder}" if holder else
                         "another process is writing it", str(path))
        self.holder = holder


def lock_path(target: str | os.PathLike) -> Path:
    """The lock file of the output ``target``: .NAME.lock beside it."""
    target = Path(os.path.abspath(target))
    return target.parent / f".{target.name}.lock"


@contextlib.contextmanager
def output_lock(target: str | os.PathLike, holder: str | None = None) -> Iterator[None]:
    """Hold the lock of the output ``target`` (a file or folder, existing or not; its folder must exist) while the
    block runs. Raises OutputBusy at once, without waiting, when another process or thread holds it; the thread
    that holds it may take it again (a command holds it for a whole run, and its save takes it once more).
    ``holder``: how the refused writer will name this one; default: the command line."""
    path = lock_path(target)
    key = str(path)
    me = threading.get_ident()
    with _held_guard:
        owner, depth = _held.get(key, (None, 0))
        if owner == me:
            _held[key] = (me, depth + 1)
    if owner == me:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] = (me, _held[key][1] - 1)
        return
    if fcntl is None:
        yield
        return
    descriptor = _lock(path)
    try:
        text = f"{os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')} {holder or _command_line()}\n".encode()
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, text, 0)
        with _held_guard:
            _held[key] = (me, 1)
        try:
            yield
        finally:
            with _held_guard:
                del _held[key]
            # Removed while still locked: a writer that opened this file meanwhile finds it gone once it gets the
            # lock, and starts again on a new file (see _lock).
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        os.close(descriptor)


def _lock(path: Path) -> int:
    """Open and lock the file at ``path`` (creating it), returning its descriptor; raises OutputBusy when it is
    locked."""
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe(os.pread(descriptor, 4096, 0))
            os.close(descriptor)
            raise OutputBusy(path, holder) from None
        except BaseException:
            os.close(descriptor)
            raise
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        opened = os.fstat(descriptor)
        if current is not None and (current.st_dev, current.st_ino) == (opened.st_dev, opened.st_ino):
            return descriptor
        os.close(descriptor)       # the holder before us removed this file after we opened it: try a new one


def _describe(content: bytes) -> str:
    """"pid 12 (main.py train --out m.npz), since 2025-01-01 10:04:31" from a lock file's line, or "" if it holds
    none yet (its holder has just created it)."""
    pid, _, rest = content.decode("utf-8", "replace").strip().partition(" ")
    date, _, rest = rest.partition(" ")
    clock, _, command = rest.partition(" ")
    if not pid.isdigit():
        return ""
    return f"pid {pid} ({command}), since {date} {clock}"


def _command_line() -> str:
    """This process's command line, as a refused writer shows it: main.py train --epochs 500 --out m.npz."""
    words = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]]
    line = " ".join(words).replace("\n", " ")
    return line if len(line) <= 200 else line[:199] + "…"
