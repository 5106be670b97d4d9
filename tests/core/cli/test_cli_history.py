"""`main.py history`: a saved model's loss history as CSV, on stdout or in a file, as a user runs it."""
import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from core.training.checkpoint import load_checkpoint, save_checkpoint
from core.training.trainer import History

ROOT = Path(__file__).resolve().parents[3]


def run_main(*args):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    """A small AE trained for 2 epochs by the command line."""
    path = tmp_path_factory.mktemp("history") / "ae.npz"
    result = run_main("train", "--model", "ae", "--epochs", "2", "--hidden", "32", "--batch-size", "256",
                      "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_history_prints_every_step_and_each_epochs_test_loss_as_csv(trained):
    result = run_main("history", str(trained))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    history = load_checkpoint(trained).history
    assert len(rows) == history.steps == 2 * 18                # 4,500 images in batches of 256
    assert [float(row["loss"]) for row in rows] == history.loss
    assert [(int(row["step"]), float(row["test_loss"])) for row in rows if row["epoch"]] == \
        [(record.step, record.test_loss) for record in history.epochs]


def test_history_writes_the_same_table_to_out_in_a_new_folder(trained, tmp_path):
    out = tmp_path / "tables" / "loss.csv"
    result = run_main("history", str(trained), "--out", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8").splitlines() == run_main("history", str(trained)).stdout.splitlines()


def test_history_of_a_file_that_is_no_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.npz"
    bad.write_text("not a zip")
    result = run_main("history", str(bad), "--out", str(tmp_path / "loss.csv"))
    assert result.returncode == 1
    assert "notes.npz" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "loss.csv").exists()


def test_history_piped_into_a_reader_that_stops_early_says_nothing(trained, tmp_path):
    saved = load_checkpoint(trained)
    history = saved.history              # made long enough (about 300 kB) to overfill the pipe when head exits
    saved.history = History(history.loss * 100, history.rec * 100, history.kl * 100, history.epochs)
    long = tmp_path / "long.npz"
    save_checkpoint(long, saved)
    command = f'"{sys.executable}" main.py history "{long}" | head -n 1'
    result = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("step,loss,")
    assert result.stderr == ""


def test_an_interrupted_history_says_so_without_a_traceback_and_writes_nothing(trained, tmp_path, monkeypatch,
                                                                              capsys):
    from core.cli import commands, history

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt          # as Ctrl+C (or SIGTERM, which the command turns into it) would

    monkeypatch.setattr(history, "write_history_csv", interrupted)
    out = tmp_path / "loss.csv"
    assert commands.run_cli(["history", str(trained), "--out", str(out)], ROOT / "resources") == 130
    assert f"interrupted; {out} was not written" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
