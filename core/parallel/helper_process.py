"""A helper process that runs one part of every training step (core.parallel.step_helper), and the messages to
and from it.

Processes and not threads: NumPy releases the GIL inside each call, but a part of a step makes a few hundred calls,
and two threads hand the GIL back and forth at every one of them (docs/performance.md, "The step in two phases").

Messages are frames on two pipes: a kind byte, a 4-byte length, then the payload (JSON for the set-up, packed
floats during steps; never pickles). The helper's stdout and stderr stay the parent's, for warnings.
"""
from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

SETUP, READY, STEP, REPORT, VERDICT, DONE, FAILED, QUIT = (bytes([kind]) for kind in b"SRsrvdfq")
START_TIMEOUT = 60.0      # seconds for a helper to import NumPy and map the shared arrays
REPLY_TIMEOUT = 300.0     # seconds for one part of a step: far more than any step takes
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# How long a process waiting for the other's frame during a step polls before it sleeps: waking from sleep costs
# more than this, four times a step (docs/performance.md, "Polling before sleeping"). A longer wait costs at most
# this much CPU time.
SPIN_SECONDS = 0.0003


class HelperFailed(RuntimeError):
    """A helper process failed, ended or stopped answering; the message says which and why."""


def send_frame(descriptor: int, kind: bytes, payload: bytes = b"") -> None:
    data = kind + struct.pack("<I", len(payload)) + payload
    while data:
        data = data[os.write(descriptor, data):]


def receive_frame(descriptor: int, timeout: float | None = None, spin: float = 0.0) -> tuple[bytes, bytes]:
    """The next frame's kind and payload; raises EOFError when the other end has closed, TimeoutError after
    ``timeout`` seconds without a frame beginning (None: wait as long as it takes). For the first ``spin`` seconds
    it polls instead of sleeping (see SPIN_SECONDS)."""
    if spin > 0:
        deadline = time.perf_counter() + spin
        while not select.select([descriptor], [], [], 0)[0] and time.perf_counter() < deadline:
            pass
    if timeout is not None and not select.select([descriptor], [], [], timeout)[0]:
        raise TimeoutError
    header = _read_exactly(descriptor, 5)
    return header[:1], _read_exactly(descriptor, struct.unpack("<I", header[1:])[0])


def _read_exactly(descriptor: int, count: int) -> bytes:
    chunks = []
    while count:
        chunk = os.read(descriptor, count)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class HelperProcess:
    """The parent's end of one helper: starts it with ``setup`` (a JSON-able dict, see core.parallel.step_helper),
    then ``send`` and ``receive`` frames. ``close`` ends it; it also ends by itself when the parent goes away."""

    def __init__(self, setup: dict) -> None:
        if os.name != "posix":
            raise OSError("helper processes need a POSIX system (they inherit their pipes by descriptor)")
        to_helper_read, self._to_helper = os.pipe()
        self._from_helper, from_helper_write = os.pipe()
        path = [str(PROJECT_ROOT)] + [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
        environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                           PYTHONPATH=os.pathsep.join(path))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "core.parallel.step_helper", str(to_helper_read), str(from_helper_write)],
                pass_fds=(to_helper_read, from_helper_write), stdin=subprocess.DEVNULL, env=environment,
                cwd=PROJECT_ROOT)
        except BaseException:
            os.close(self._to_helper)
            os.close(self._from_helper)
            raise
        finally:
            os.close(to_helper_read)
            os.close(from_helper_write)
        self._closed = False
        try:
            self.send(SETUP, json.dumps(setup).encode())
        except BaseException:
            self.close()
            raise

    def wait_ready(self) -> None:
        self.receive(READY, START_TIMEOUT)

    def send(self, kind: bytes, payload: bytes = b"") -> None:
        try:
            send_frame(self._to_helper, kind, payload)
        except BrokenPipeError:          # it has ended
            raise self._failure("ended", gone=True) from None
        except OSError as error:
            raise self._failure(f"could not be reached ({error.strerror or error})", gone=True) from None

    def receive(self, expected: bytes, timeout: float = REPLY_TIMEOUT, spin: float = SPIN_SECONDS) -> bytes:
        """The payload of the next frame, which must be of kind ``expected``; raises HelperFailed otherwise. ``spin``:
        seconds to poll before sleeping (see SPIN_SECONDS)."""
        try:
            kind, payload = receive_frame(self._from_helper, timeout, spin)
        except EOFError:
            raise self._failure("ended", gone=True) from None
        except TimeoutError:
            raise self._failure(f"did not answer within {timeout:.0f} s") from None
        if kind == FAILED:
            raise self._failure("failed:\n" + payload.decode(errors="replace"))
        if kind != expected:
            raise self._failure(f"sent {kind!r} where {expected!r} was expected")
        return payload

    def _failure(self, what: str, gone: bool = False) -> HelperFailed:
        """The error to raise; ``gone``: its pipe has closed, so it has ended or is about to (wait to say how)."""
        try:
            code = self.process.wait(1.0) if gone else self.process.poll()
        except subprocess.TimeoutExpired:
            code = None
        ended = "" if code is None else f" (exit code {code})" if code >= 0 else f" (stopped by {_signal_name(-code)})"
        return HelperFailed(f"The training helper process {what}{ended}.")

    def close(self, timeout: float = 1.0) -> None:
        """Ask it to end, and kill it if it has not within ``timeout`` seconds."""
        if self._closed:
            return
        self._closed = True
        try:
            send_frame(self._to_helper, QUIT)
        except OSError:
            pass
        os.close(self._to_helper)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._from_helper)
