"""Ctrl+C and SIGTERM during `main.py train`, as a user (or `kill`) sends them: the first stops the training and the
model is saved; any number more, during the training or the save, wait for the save. Never a traceback."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.cli import commands
from core.training.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[3]
SMALL = ["--hidden", "32", "--batch-size", "256"]
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}
FIRST_LINE = {signal.SIGINT: "interrupted after ", signal.SIGTERM: "stopped by SIGTERM after "}


def train_and_signal(out: Path, signals: list[signal.Signals], storm: bool = False) -> tuple[int, str, float]:
    """Start `main.py train` of 500 epochs, and once its first epoch is done send it ``signals`` 10 ms apart (with
    ``storm``, then the last of them every 2 ms until it exits). Its exit status, its stderr, and the seconds from
    the first signal to its exit."""
    process = subprocess.Popen([sys.executable, "main.py", "train", "--epochs", "500", *SMALL, "--out", str(out)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline()
        started = time.monotonic()
        for number in signals:
            process.send_signal(number)
            time.sleep(0.01)
        while storm and process.poll() is None and time.monotonic() - started < 60:
            process.send_signal(signals[-1])
            time.sleep(0.002)
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr, time.monotonic() - started
    finally:
        process.kill()


@pytest.mark.parametrize("signals, storm", [
    ([signal.SIGINT, signal.SIGINT], False),       # Ctrl+C twice
    ([signal.SIGINT], True),                       # Ctrl+C held down
    ([signal.SIGTERM], False),                     # kill
    ([signal.SIGTERM], True),
    ([signal.SIGINT, signal.SIGTERM], True),       # Ctrl+C, then a logout
], ids=["sigint-twice", "sigint-storm", "sigterm", "sigterm-storm", "sigint-then-sigterm-storm"])
def test_stop_signals_save_the_model_and_more_of_them_wait_for_the_save(tmp_path, signals, storm):
    out = tmp_path / "model.npz"
    status, stderr, seconds = train_and_signal(out, signals, storm)
    assert status == STATUS[signals[0]], stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    lines = stderr.strip().splitlines()
    assert lines[-2].startswith(FIRST_LINE[signals[0]]) and lines[-1] == f"saved {out}"
    saved = load_checkpoint(out)
    assert saved.history.steps >= 18 and np.isfinite(saved.model.parameters.flat).all()
    assert os.listdir(tmp_path) == ["model.npz"]         # no temporary, no lock file
    assert seconds < 30


@pytest.fixture
def own_stop_handlers():
    """Puts this process's SIGINT and SIGTERM handlers back after a test that sends them to itself."""
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in previous.items():
        signal.signal(number, handler)


def test_signals_during_the_save_wait_until_it_is_done(tmp_path, monkeypatch, capsys, own_stop_handlers):
    """Deterministic: the signals arrive while save_checkpoint runs (here, inside it, before it writes)."""
    out = tmp_path / "model.npz"
    real_save, arrived = commands.save_checkpoint, []

    def save_under_fire(path, checkpoint):
        for number in (signal.SIGINT, signal.SIGINT, signal.SIGTERM):
            os.kill(os.getpid(), number)         # its handler runs in this thread right after os.kill returns
            arrived.append(number)
        real_save(path, checkpoint)

    monkeypatch.setattr(commands, "save_checkpoint", save_under_fire)
    status = commands.run_cli(["train", "--epochs", "1", *SMALL, "--out", str(out)], ROOT / "resources")
    err = capsys.readouterr().err
    assert len(arrived) == 3 and status == 130 and err.endswith(f"saved {out}\n")
    assert "interrupted after" not in err          # the training had ended: nothing was cut short
    assert load_checkpoint(out).history.steps == 18
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN    # the command is ending: more signals are ignored


def test_without_a_signal_the_handlers_from_before_come_back(tmp_path, capsys, own_stop_handlers):
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    assert commands.run_cli(["train", "--epochs", "1", *SMALL, "--out", str(tmp_path / "m.npz")],
                            ROOT / "resources") == 0
    assert {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)} == before
