"""Keeps a copy of a model trained since it was saved, so that a crash loses nothing, and finds the copy a crashed
instance left behind.

While its model has unsaved training, each running instance keeps it as a checkpoint named ``unsaved-<pid>.npz``
in the recovery folder, and deletes the file once the model is saved, discarded or replaced. A file whose process
no longer runs was left by a crash (or a kill, or a power cut): the next launch offers to restore it.
"""
from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from core.atomic_files import process_exists
from core.training.checkpoint import Checkpoint, save_checkpoint

PREFIX = "unsaved-"


class Recovery:
    """This instance's recovery file in ``folder``, written on a background thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / f"{PREFIX}{os.getpid()}.npz"
        self._lock = threading.Lock()
        self._pending: Checkpoint | None = None
        self._writer: threading.Thread | None = None
        self._generation = 0         # counts discards: a write begun before the latest discard is not kept

    @property
    def writing(self) -> bool:
        """Whether a copy is being written (on its own thread) or waits to be."""
        return self._writer is not None

    def keep(self, checkpoint: Checkpoint) -> None:
        """Write ``checkpoint`` (of private copies: the model may train on meanwhile) to this instance's file, on a
        background thread; a newer checkpoint replaces one that is still waiting."""
        with self._lock:
            self._pending = checkpoint
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_pending, name="latent-lab-recovery")
                self._writer.start()

    def discard(self) -> None:
        """Forget the kept model (the current one was saved, discarded or replaced) and wait for any write."""
        with self._lock:
            self._pending = None
            self._generation += 1
            writer = self._writer
        if writer is not None:
            writer.join()
        self.path.unlink(missing_ok=True)

    def find_orphan(self) -> Path | None:
        """The newest file that an instance no longer running left behind, or None."""
        orphans = []
        for path in self.folder.glob(f"{PREFIX}*.npz"):
            pid = path.stem[len(PREFIX):]
            if path != self.path and pid.isdigit() and not is_running(int(pid), path.stat().st_mtime):
                orphans.append(path)
        return max(orphans, key=lambda path: path.stat().st_mtime, default=None)

    def adopt(self, orphan: Path) -> None:
        """Make ``orphan`` this instance's file: its model is now this instance's unsaved model."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.replace(orphan, self.path)

    def _write_pending(self) -> None:
        while True:
            with self._lock:
                checkpoint, self._pending = self._pending, None
                if checkpoint is None:
                    self._writer = None
                    return
                generation = self._generation
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                save_checkpoint(self.path, checkpoint)
            except OSError as error:       # a full disk, say: the app goes on; the next keep tries again
                print(f"latent-lab: could not keep the unsaved model in {self.path}: {error}", file=sys.stderr)
                continue
            with self._lock:
                if generation != self._generation:
                    self.path.unlink(missing_ok=True)      # discarded while it was being written


def is_running(pid: int, written_at: float) -> bool:
    """Whether the process that wrote a file at ``written_at`` (epoch seconds) still runs: a process with this id
    exists (POSIX: signal 0 checks without sending anything) and did not start after the file was written (after a
    reboot, say, the id may belong to another program)."""
    if not process_exists(pid):
        return False
    started = _start_time(pid)
    return started is None or started <= written_at + 1.0


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started, in epoch seconds (Linux: /proc), or None where that cannot be known."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")      # field 22 of proc(5): start after boot
    except (OSError, IndexError, ValueError, StopIteration):
        return None
