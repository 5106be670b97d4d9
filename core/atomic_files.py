"""Writing a file or folder so that no reader ever finds half of it, and nothing but an earlier version of it is
destroyed: write beside the target under a temporary name, then rename onto it.

Only a regular file (or a new name; for a folder, an empty folder) is replaced. A symbolic link is followed and the
file it points to replaced, in that file's folder; a folder, FIFO, device or socket is refused. A crash, Ctrl+C or a
full disk while writing leaves the earlier file as it was; a temporary file that a killed writer left behind is
removed by the next successful write to the same target. The writer holds the target's lock (core.output_lock).
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from core.output_lock import output_lock

LEGACY_TEMPORARY_AGE_S = 24 * 3600    # temporaries named before the pid was in the name: removed once this old


class OutputRefused(OSError):
    """A write refused because it would destroy something that is not an earlier version of the file: a folder,
    a FIFO, a device. ``strerror`` says why; ``filename`` is the path asked for."""


def temporary_beside(path: Path, suffix: str = "") -> Path:
    """A hidden name beside `path` for a file or folder being written: .NAME.<pid>.<64 random bits>.partialSUFFIX.

    Only a write of ours makes such names; the pid says whose, so that one whose process is gone can be removed
    (remove_stale_temporaries).
    """
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.partial{suffix}"


def resolve_output(path: str | os.PathLike, folder: bool = False) -> Path:
    """The path a write to ``path`` replaces: ``path``, or where a symbolic link there points (followed to the end).

    It may be a new name or a regular file; with ``folder``, a new name or a folder (atomic_folder checks that it is
    empty). Anything else raises OutputRefused, without opening it. A path under a file is returned as it is (the
    write will fail, naming that file: make_parent_folder).
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return path
    target, linked = path, stat.S_ISLNK(mode)
    if linked:
        target = Path(os.path.realpath(path))
        try:
            mode = os.stat(target).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return target                            # a dangling link: the new file goes where it points
        except OSError as error:                     # a loop of links, say
            raise OutputRefused(error.errno, f"it is a symbolic link that cannot be followed ({error.strerror})",
                                str(path)) from None
    if stat.S_ISREG(mode) and not folder or stat.S_ISDIR(mode) and folder:
        return target
    kind = _kind(mode)
    reason = f"it links to {target}, {kind}" if linked else f"it is {kind}"
    if folder:
        raise OutputRefused(errno.EEXIST, f"{reason}, not a folder", str(path))
    if stat.S_ISDIR(mode):
        raise OutputRefused(errno.EISDIR, reason, str(path))
    raise OutputRefused(errno.EPERM, f"{reason}, not a regular file: only a regular file is replaced", str(path))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, suffix: str = "", durable: bool = False) -> Iterator[Path]:
    """Yield a new, empty temporary file beside the target (named ...SUFFIX); move it onto the target on success,
    delete it on any error. The target is resolve_output(path): it raises OutputRefused for a folder or a special
    file, and OutputBusy (core.output_lock) while another writer holds the target. `durable`: the file's data reach
    the disk before the rename, and the rename itself before the return (the folder is synced), so that after a
    power cut the target is either the old file or the whole new one."""
    target = resolve_output(path)
    with output_lock(target):
        temp_path = temporary_beside(target, suffix)
        try:
            # Created inside the try, so that Ctrl+C right after creating it still removes it. Not mkstemp: its files
            # are private (0600); with mode 0666 the umask decides, as for any other new file.
            os.close(os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            yield temp_path
            if durable:
                _sync(temp_path, os.O_RDONLY)
            _keep_mode(resolve_output(path), temp_path)   # checked again: a FIFO made meanwhile is not replaced
            os.replace(temp_path, target)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        remove_stale_temporaries(target)
        if durable:
            with contextlib.suppress(OSError):       # a folder cannot be opened on some systems (Windows): best effort
                _sync(target.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Like atomic_file for a folder, which must not exist yet or be empty (no user files are replaced): yields a
    new temporary folder beside it, renamed onto it on success. Raises FileExistsError for a folder that holds
    files, OutputRefused for a file or special file."""
    target = resolve_output(path, folder=True)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{path} exists and is not an empty folder")
    with output_lock(target):
        temp_folder = temporary_beside(target)
        try:
            os.mkdir(temp_folder, 0o777)  # as in atomic_file: inside the try, and not mkdtemp's private 0700
            yield temp_folder
            if target.exists():
                target.rmdir()  # empty, checked above (rmdir fails otherwise); renaming onto a folder fails on Windows
            os.replace(temp_folder, target)
        except BaseException:
            shutil.rmtree(temp_folder, ignore_errors=True)
            raise
        remove_stale_temporaries(target)


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete the temporary files and folders of writes to ``target`` that ended without finishing: names made by
    temporary_beside(target) whose process no longer runs (and, of the older pattern without a pid, those over a
    day old). Returns what it removed. Only names of that pattern beside ``target`` are ever touched."""
    name = re.escape(target.name)
    ours = re.compile(rf"\.{name}\.(?:(?P<pid>\d+)\.)?[0-9a-f]{{16}}\.partial(?:\.[A-Za-z0-9]+)?")
    removed = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = ours.fullmatch(entry.name)
        if match is None:
            continue
        pid = match["pid"]
        try:
            if pid is None:
                if time.time() - entry.stat(follow_symlinks=False).st_mtime < LEGACY_TEMPORARY_AGE_S:
                    continue
            elif int(pid) == os.getpid() or process_exists(int(pid)):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def process_exists(pid: int) -> bool:
    """Whether a process with this id runs (POSIX: signal 0 checks without sending anything). Elsewhere always True:
    there os.kill would end the process, and a temporary file is better kept than one in use removed."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                     # another user's process
    return True


def _keep_mode(target: Path, temp_path: Path) -> None:
    """Give the new file the permissions of the file it replaces (a private 0600 file stays private)."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    os.chmod(temp_path, stat.S_IMODE(mode))


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
