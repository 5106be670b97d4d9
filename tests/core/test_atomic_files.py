"""Hostile targets for the atomic writer: special files, folders and symbolic links are never replaced, and the
temporary files of writes that were killed are removed by the next write, while those of live writers are kept."""
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.atomic_files import (
    LEGACY_TEMPORARY_AGE_S,
    OutputRefused,
    atomic_file,
    atomic_folder,
    remove_stale_temporaries,
)
from tests.helpers import disk_state

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str = "new") -> None:
    with atomic_file(path, ".txt") as temp_path:
        temp_path.write_text(text)


def refused(path: Path) -> OutputRefused:
    """The OutputRefused that writing ``path`` raises, checking that it came at once and changed nothing."""
    before, started = disk_state(path.parent), time.monotonic()
    with pytest.raises(OutputRefused) as raised:
        write(path)
    assert time.monotonic() - started < 2
    assert disk_state(path.parent) == before
    assert raised.value.filename == str(path)
    return raised.value


def device_node(folder: Path) -> Path:
    """A character device like /dev/null made in ``folder`` (as root), else /dev/null itself (never written)."""
    node = folder / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return node
    except (PermissionError, OSError):
        return Path("/dev/null")


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    error = refused(fifo)             # opening it would block this test: refused comes from its stat alone
    assert error.strerror == "it is a FIFO (named pipe), not a regular file: only a regular file is replaced"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_device_is_refused_and_stays_the_same_device(tmp_path):
    device = device_node(tmp_path)
    before = os.stat(device)
    with pytest.raises(OutputRefused, match="it is a character device, not a regular file"):
        write(device)
    after = os.stat(device)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)
    assert not [name for name in os.listdir(device.parent) if name.startswith(f".{device.name}.")]


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "mine.txt").write_text("mine")
    assert refused(tmp_path / "folder").strerror == "it is a folder"


def test_a_link_is_followed_and_the_file_it_points_to_replaced_in_its_own_folder(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert os.listdir(tmp_path / "real") == ["model.txt"] and sorted(os.listdir(tmp_path)) == ["link.txt", "real"]


def test_a_dangling_link_gets_the_file_where_it_points(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "not yet.txt")
    write(link, "new")
    assert link.is_symlink() and (tmp_path / "not yet.txt").read_text() == "new"


@pytest.mark.parametrize("points_to", ["a fifo", "a folder", "itself"])
def test_a_link_to_anything_but_a_file_is_refused(tmp_path, points_to):
    link = tmp_path / "link"
    if points_to == "a fifo":
        os.mkfifo(tmp_path / "pipe")
        link.symlink_to(tmp_path / "pipe")
        reason = f"it links to {tmp_path / 'pipe'}, a FIFO (named pipe), not a regular file"
    elif points_to == "a folder":
        (tmp_path / "folder").mkdir()
        link.symlink_to(tmp_path / "folder")
        reason = f"it links to {tmp_path / 'folder'}, a folder"
    else:
        link.symlink_to(link)
        reason = "it is a symbolic link that cannot be followed"
    assert refused(link).strerror.startswith(reason)


def test_a_new_file_may_not_appear_as_a_fifo_while_it_is_written(tmp_path):
    path = tmp_path / "out.txt"
    with pytest.raises(OutputRefused, match="FIFO"):
        with atomic_file(path, ".txt") as temp_path:
            temp_path.write_text("new")
            os.mkfifo(path)           # another program makes a FIFO there meanwhile
    assert stat.S_ISFIFO(path.lstat().st_mode) and os.listdir(tmp_path) == ["out.txt"]


def test_the_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "private.txt"
    path.write_text("old")
    path.chmod(0o600)
    write(path)
    assert path.stat().st_mode & 0o777 == 0o600 and path.read_text() == "new"


def test_an_empty_folder_behind_a_link_is_filled_and_the_link_kept(tmp_path):
    (tmp_path / "frames").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "frames")
    with atomic_folder(tmp_path / "link") as temp_folder:
        (temp_folder / "frame_0.png").write_bytes(b"png")
    assert (tmp_path / "link").is_symlink() and os.listdir(tmp_path / "frames") == ["frame_0.png"]
    assert sorted(os.listdir(tmp_path)) == ["frames", "link"]


def test_a_device_is_not_taken_for_a_folder_of_frames(tmp_path):
    device = device_node(tmp_path)
    before = os.stat(device)
    with pytest.raises(OutputRefused, match="a character device, not a folder"):
        with atomic_folder(device):
            pass
    assert os.stat(device).st_ino == before.st_ino and os.stat(device).st_rdev == before.st_rdev


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def stale_name(target: Path, pid: int, suffix: str = ".txt") -> Path:
    return target.parent / f".{target.name}.{pid}.0123456789abcdef.partial{suffix}"


def test_a_write_removes_the_temporaries_that_writers_no_longer_running_left_and_nothing_else(tmp_path):
    target = tmp_path / "model.txt"
    killed = stale_name(target, dead_pid())
    killed_folder = stale_name(target, dead_pid(), "")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    running = stale_name(target, live.pid)                    # a live process: perhaps writing right now
    others = [stale_name(tmp_path / "other.txt", dead_pid()),  # another target's
              tmp_path / f".{target.name}.notes", tmp_path / "model.txt.partial", tmp_path / "notes.txt"]
    for path in (killed, running, *others):
        path.write_text("x")
    killed_folder.mkdir()
    (killed_folder / "frame.png").write_text("x")
    try:
        write(target)
    finally:
        live.kill()
        live.wait()
    assert sorted(os.listdir(tmp_path)) == sorted(path.name for path in (target, running, *others))


def test_a_failed_write_removes_nothing_else(tmp_path):
    target = tmp_path / "model.txt"
    killed = stale_name(target, dead_pid())
    killed.write_text("x")
    with pytest.raises(RuntimeError), atomic_file(target, ".txt"):
        raise RuntimeError("disk full")
    assert os.listdir(tmp_path) == [killed.name]


def test_temporaries_named_without_a_pid_are_removed_once_a_day_old(tmp_path):
    target = tmp_path / "model.txt"
    old, recent = (tmp_path / f".model.txt.{digits}.partial.txt" for digits in ("aaaabbbbccccdddd", "1111222233334444"))
    for path in (old, recent):
        path.write_text("x")
    day_ago = time.time() - LEGACY_TEMPORARY_AGE_S - 60
    os.utime(old, (day_ago, day_ago))
    assert remove_stale_temporaries(target) == [old]
    assert os.listdir(tmp_path) == [recent.name]


def test_the_temporary_file_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    target = tmp_path / "model.txt"
    script = ("import sys, time\nfrom pathlib import Path\nfrom core.atomic_files import atomic_file\n"
              "with atomic_file(Path(sys.argv[1]), '.txt') as temp:\n"
              "    temp.write_text('half')\n    print(temp, flush=True)\n    time.sleep(60)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        temp = Path(writer.stdout.readline().strip())
        assert temp.parent == tmp_path and temp.name.startswith(f".model.txt.{writer.pid}.")
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert sorted(os.listdir(tmp_path)) == sorted([temp.name, ".model.txt.lock"])     # what a kill leaves
    write(target)
    assert os.listdir(tmp_path) == ["model.txt"]
