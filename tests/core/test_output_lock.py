"""One writer at a time per output: a second writer, in another process or thread, is refused at once with a message
naming the first; the lock file goes when its holder is done, and a killed holder's is taken over."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.atomic_files import atomic_file
from core.output_lock import OutputBusy, lock_path, output_lock
from tests.helpers import disk_state

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows: no lock there")

HOLDER = ("import sys, time\nfrom core.output_lock import output_lock\n"
          "with output_lock(sys.argv[1], holder='the holder test'):\n"
          "    print('locked', flush=True)\n    time.sleep(60)\n")


def hold_in_another_process(target: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(target)], cwd=ROOT, stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline() == "locked\n"
    return process


def end(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> None:
    process.send_signal(how)
    process.wait(timeout=30)


def test_a_second_writer_is_refused_at_once_naming_the_first(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"the first run's model")
    holder = hold_in_another_process(target)
    try:
        before, started = disk_state(tmp_path), time.monotonic()
        with pytest.raises(OutputBusy) as raised, atomic_file(target, ".npz") as temp_path:
            temp_path.write_bytes(b"the second run's model")
        assert time.monotonic() - started < 2
        assert disk_state(tmp_path) == before
    finally:
        end(holder)
    message = raised.value.strerror
    assert message.startswith(f"another process is writing it: pid {holder.pid} (the holder test), since ")
    assert raised.value.filename == str(lock_path(target)) and raised.value.holder in message


def test_the_lock_file_goes_with_its_holder(tmp_path):
    target = tmp_path / "model.npz"
    with output_lock(target):
        assert os.listdir(tmp_path) == [".model.npz.lock"]
        assert lock_path(target).read_text().startswith(f"{os.getpid()} ")
    assert os.listdir(tmp_path) == []


def test_a_killed_holders_lock_file_is_taken_over_and_removed(tmp_path):
    target = tmp_path / "model.npz"
    end(hold_in_another_process(target), signal.SIGKILL)
    assert os.listdir(tmp_path) == [".model.npz.lock"]     # left, but no longer locked
    with atomic_file(target, ".npz") as temp_path:
        temp_path.write_bytes(b"model")
    assert os.listdir(tmp_path) == ["model.npz"]


def test_the_holding_thread_may_take_it_again_and_another_thread_may_not(tmp_path):
    target = tmp_path / "model.npz"
    refusals = []

    def other_thread() -> None:
        try:
            with output_lock(target):
                pass
        except OutputBusy as error:
            refusals.append(error)

    with output_lock(target):
        with output_lock(target), atomic_file(target, ".npz") as temp_path:   # a run's lock, then its save's
            temp_path.write_bytes(b"model")
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert lock_path(target).exists()                    # the inner release kept the outer lock
    assert [error.holder.split()[:2] for error in refusals] == [["pid", str(os.getpid())]]
    assert os.listdir(tmp_path) == ["model.npz"]


def test_writers_taking_turns_each_get_the_lock(tmp_path):
    """The holder removes the lock file while still holding it; one who opened it meanwhile starts again."""
    target = tmp_path / "model.npz"
    held, errors = [], []

    def take_turns() -> None:
        for _ in range(200):
            try:
                with output_lock(target):
                    held.append(1)
                    assert len(held) == 1                # never two holders at once
                    held.pop()
            except OutputBusy:
                pass
            except AssertionError as error:
                errors.append(error)

    threads = [threading.Thread(target=take_turns) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and os.listdir(tmp_path) == []
