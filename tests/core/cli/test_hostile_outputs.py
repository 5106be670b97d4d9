"""Hostile outputs for the commands: special files, links, outputs that are inputs, a second writer, and exports too
large for memory or for the format. Each is refused at once, with a message naming the file or option and an exit
status (2 for options, 1 for files), and leaves the disk as it was."""
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.cli.commands import run_cli
from core.training.checkpoint import load_checkpoint
from tests.helpers import disk_state, save_small_model

ROOT = Path(__file__).resolve().parents[3]
RESOURCES = ROOT / "resources"
SMALL = ["--hidden", "32", "--batch-size", "256"]
GIF = ["--from-label", "2", "--to-label", "7", "--scale", "1"]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    paths = {"ae": folder / "ae.npz", "vae": folder / "vae.npz"}
    save_small_model(paths["ae"], "ae", 2, seed=1)
    save_small_model(paths["vae"], "vae", 2, seed=2)
    return paths


@pytest.fixture
def model(models, tmp_path) -> Path:
    """A copy of the small AE in this test's folder."""
    return Path(shutil.copy(models["ae"], tmp_path / "m.npz"))


def refused(argv: list[str], capsys, folder: Path, status: int) -> str:
    """Run the command in this process; check that it ended with ``status`` within seconds, wrote nothing to stdout
    and left ``folder`` as it was; return its stderr."""
    before, started = disk_state(folder), time.monotonic()
    assert run_cli([str(arg) for arg in argv], RESOURCES) == status
    assert time.monotonic() - started < 10
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert disk_state(folder) == before
    return captured.err


def special_file(folder: Path, kind: str, name: str) -> Path:
    """A FIFO, or a character device like /dev/null (made here as root, else /dev/null itself, never written)."""
    path = folder / name
    if kind == "fifo":
        os.mkfifo(path)
        return path
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        return path
    except (PermissionError, OSError):
        return Path("/dev/null")


# ---- special files ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, described", [("fifo", "a FIFO (named pipe)"), ("device", "a character device")])
@pytest.mark.parametrize("command", ["train", "history", "gif"])
def test_a_fifo_or_device_as_output_is_refused_untouched(tmp_path, capsys, model, command, kind, described):
    out = special_file(tmp_path, kind, "out.gif" if command == "gif" else "out")
    before = os.stat(out)
    argv = {"train": ["train", *SMALL, "--out", out],
            "history": ["history", model, "--out", out],
            "gif": ["gif", "--checkpoint", model, *GIF, "--out", out]}[command]
    err = refused(argv, capsys, tmp_path, status=1)
    what = "the model to " if command == "train" else ""
    assert err.startswith(f"error: cannot write {what}{out}: it is {described}, not a ")
    after = os.stat(out)
    assert (after.st_ino, after.st_mode, after.st_rdev) == (before.st_ino, before.st_mode, before.st_rdev)


def test_a_device_as_a_folder_of_frames_is_refused(tmp_path, capsys, model):
    out = special_file(tmp_path, "device", "frames")
    err = refused(["gif", "--checkpoint", model, *GIF, "--out", out], capsys, tmp_path, status=1)
    assert err == f"error: cannot write {out}: it is a character device, not a folder\n"


def test_a_folder_as_the_history_table_is_refused(tmp_path, capsys, model):
    (tmp_path / "tables").mkdir()
    err = refused(["history", model, "--out", tmp_path / "tables"], capsys, tmp_path, status=1)
    assert err == f"error: cannot write {tmp_path / 'tables'}: it is a folder\n"


# ---- links --------------------------------------------------------------------------------------------------------

def test_history_through_a_link_writes_the_file_it_points_to(tmp_path, capsys, model):
    (tmp_path / "tables").mkdir()
    real = tmp_path / "tables" / "loss.csv"
    real.write_text("old")
    link = tmp_path / "loss.csv"
    link.symlink_to(real)
    assert run_cli(["history", str(model), "--out", str(link)], RESOURCES) == 0
    assert link.is_symlink() and real.read_text().startswith("step,loss,")
    assert sorted(os.listdir(tmp_path / "tables")) == ["loss.csv"]


def test_train_through_a_link_saves_where_it_points(tmp_path, capsys):
    (tmp_path / "models").mkdir()
    link = tmp_path / "latest.npz"
    link.symlink_to(tmp_path / "models" / "run1.npz")
    assert run_cli(["train", "--epochs", "1", *SMALL, "--out", str(link)], RESOURCES) == 0
    assert link.is_symlink() and load_checkpoint(tmp_path / "models" / "run1.npz").history.steps == 18
    assert os.listdir(tmp_path / "models") == ["run1.npz"]


# ---- outputs that are inputs --------------------------------------------------------------------------------------

def dataset_copy(folder: Path) -> Path:
    return Path(shutil.copy(RESOURCES / "mnist5k.npz", folder / "d.npz"))


def test_history_refuses_to_write_its_table_over_the_model(tmp_path, capsys, model):
    err = refused(["history", model, "--out", model], capsys, tmp_path, status=2)
    assert err == (f"error: --out {model} is the file given as the checkpoint; writing there would destroy it "
                   f"(choose another --out)\n")


def test_history_refuses_a_hard_link_to_the_model(tmp_path, capsys, model):
    os.link(model, tmp_path / "table.csv")
    err = refused(["history", model, "--out", tmp_path / "table.csv"], capsys, tmp_path, status=2)
    assert f"--out {tmp_path / 'table.csv'} is the file given as the checkpoint" in err


def test_train_refuses_to_save_the_model_over_its_dataset(tmp_path, capsys):
    dataset = dataset_copy(tmp_path)
    err = refused(["train", "--dataset", dataset, *SMALL, "--out", dataset], capsys, tmp_path, status=2)
    assert err.startswith(f"error: --out {dataset} is the file given as --dataset; writing there would destroy it")


def test_train_refuses_to_save_a_resumed_model_over_the_dataset_it_names(tmp_path, capsys, models):
    dataset = dataset_copy(tmp_path)
    model = tmp_path / "m.npz"
    saved = load_checkpoint(models["ae"])
    saved.dataset = str(dataset)
    from core.training.checkpoint import save_checkpoint
    save_checkpoint(model, saved)
    err = refused(["train", "--resume", model, "--epochs", "2", "--out", dataset], capsys, tmp_path, status=2)
    assert err.startswith(f"error: --out {dataset} is the file given as the dataset of {model}; ")


@pytest.mark.parametrize("how", ["the same name", "a link to it", "a compared model"])
def test_gif_refuses_to_write_over_a_model_it_reads(tmp_path, capsys, models, model, how):
    if how == "the same name":
        out, option = model, "--checkpoint"
        argv = ["gif", "--checkpoint", model, *GIF, "--out", out]
    elif how == "a link to it":
        out, option = tmp_path / "anim.gif", "--checkpoint"
        out.symlink_to(model)
        argv = ["gif", "--checkpoint", model, *GIF, "--out", out]
    else:
        out, option = tmp_path / "anim.gif", "--compare"
        os.link(model, out)
        argv = ["gif", "--checkpoint", models["vae"], "--compare", model, *GIF, "--out", out]
    err = refused(argv, capsys, tmp_path, status=2)
    assert err.startswith(f"error: --out {out} is the file given as {option}; writing there would destroy it")


# ---- a second writer ----------------------------------------------------------------------------------------------

def test_a_second_writer_of_a_model_being_trained_is_refused_naming_the_first(tmp_path, model):
    out = tmp_path / "run.npz"
    first = subprocess.Popen([sys.executable, "main.py", "train", "--epochs", "500", *SMALL, "--out", str(out)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline()                    # trained an epoch: holds the lock until it has saved
        for second in (["train", "--epochs", "1", *SMALL, "--out", str(out)],
                       ["history", str(model), "--out", str(out)]):
            started = time.monotonic()
            result = subprocess.run([sys.executable, "main.py", *second], cwd=ROOT, capture_output=True, text=True,
                                    timeout=60)
            assert time.monotonic() - started < 30
            what = "the model to " if second[0] == "train" else ""
            assert result.returncode == 1 and result.stdout == ""
            assert result.stderr.startswith(f"error: cannot write {what}{out}: another process is writing it: "
                                            f"pid {first.pid} (main.py train --epochs 500 "), result.stderr
            assert not out.exists()
        first.send_signal(signal.SIGINT)
        _, stderr = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 130 and f"saved {out}" in stderr
    assert load_checkpoint(out).history.steps >= 18
    assert sorted(os.listdir(tmp_path)) == ["m.npz", "run.npz"]          # no lock file, no temporary


# ---- exports ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("option, value, size", [
    # With the defaults: ends held 10 frames, a ping-pong loop, the chosen images' column.
    ("--frames", 100_000, "200,018 frames of 448 x 384 pixels, 103.2 GB in memory"),
    ("--scale", 1_000, "138 frames of 56,000 x 48,000 pixels, 1,112.8 GB in memory"),
    ("--hold", 1_000_000_000, "2,000,000,118 frames of 448 x 384 pixels, 1,032,192.1 GB in memory"),
])
@pytest.mark.parametrize("out", ["anim.gif", "frames"])
def test_an_export_too_large_for_memory_is_refused_giving_its_size(tmp_path, capsys, model, option, value, size, out):
    argv = ["gif", "--checkpoint", model, "--from-label", 2, "--to-label", 7, option, value, "--out", tmp_path / out]
    err = refused(argv, capsys, tmp_path, status=2)
    assert err == f"error: the animation would be {size}; the limit is 4.0 GB: lower --frames, --hold or --scale\n"


def test_a_gif_hold_longer_than_a_gif_frame_can_last_is_refused(tmp_path, capsys, model):
    argv = ["gif", "--checkpoint", model, *GIF, "--fps", "0.1", "--hold", "100", "--out", tmp_path / "a.gif"]
    err = refused(argv, capsys, tmp_path, status=2)
    assert err == ("error: --hold 100 at --fps 0.1: 101 identical frames at 10000 ms each would make one GIF frame "
                   "of 1,010.00 s, and a GIF frame lasts at most 655.35 s (at most 65 in a row at this frame rate)\n")


@pytest.mark.parametrize("option, value, message", [
    ("--fps", "0.001", "the frame rate must be between 0.01 and 1000 frames per second, got 0.001"),
    ("--fps", "inf", "the frame rate must be between 0.01 and 1000 frames per second, got inf"),
    ("--frames", "1", "must be at least 2, got 1"),
    ("--hold", "-1", "must be at least 0, got -1"),
    ("--scale", "0", "must be at least 1, got 0"),
])
def test_an_export_option_out_of_range_is_refused_before_anything_is_read(tmp_path, option, value, message):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "main.py", "gif", "--checkpoint", str(tmp_path / "missing.npz"), *GIF,
                             option, value, "--out", str(tmp_path / "a.gif")],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.endswith(f"python main.py gif: error: argument {option}: {message}\n")
    assert os.listdir(tmp_path) == []
