"""The headless command line, run as a user runs it: a subprocess of main.py."""
import errno
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from core.cli import commands
from core.training.checkpoint import load_checkpoint
from tests.helpers import save_small_model

ROOT = Path(__file__).resolve().parents[3]
SMALL = ["--hidden", "32", "--batch-size", "256"]


def run_main(*args, timeout=120):
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_train_prints_one_json_object_per_epoch_and_saves_a_checkpoint(tmp_path):
    out = tmp_path / "vae.npz"
    result = run_main("train", "--model", "vae", "--epochs", "2", *SMALL, "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["epoch"] for line in lines] == [1, 2]
    assert set(lines[0]) == {"epoch", "train_loss", "test_loss", "rec", "kl", "seconds", "samples_per_s"}
    assert lines[1]["test_loss"] < lines[0]["train_loss"]
    saved = load_checkpoint(out)
    assert saved.model.config.kind == "vae" and saved.model.config.hidden == (32,)
    assert saved.dataset == "mnist5k" and len(saved.history.epochs) == 2


def test_resume_continues_the_saved_history(tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    assert run_main("train", "--model", "ae", "--epochs", "1", "--kl-warmup", "3", *SMALL,
                    "--out", str(first)).returncode == 0
    assert load_checkpoint(first).train_config.kl_warmup == 3
    result = run_main("train", "--epochs", "2", "--resume", str(first), "--out", str(second))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["epoch"] for line in result.stdout.splitlines()] == [2]
    resumed = load_checkpoint(second)
    assert resumed.model.config.kind == "ae" and len(resumed.history.epochs) == 2
    assert resumed.train_config.kl_warmup == 3                # the warm-up goes on where it stopped


def test_unknown_dataset_path_is_a_clear_error(tmp_path):
    result = run_main("train", "--dataset", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "x.npz"))
    assert result.returncode == 1
    assert "missing.npz" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.npz").exists()


def long_training(out: Path) -> subprocess.Popen:
    """`main.py train` of 500 epochs writing ``out``, once its first epoch has finished."""
    process = subprocess.Popen([sys.executable, "main.py", "train", "--epochs", "500", *SMALL, "--out", str(out)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline()
    return process


def test_ctrl_c_saves_what_was_trained_so_far(tmp_path):
    out = tmp_path / "interrupted.npz"
    process = long_training(out)
    try:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    saved = load_checkpoint(out)
    assert saved.history.steps >= 18 and np.isfinite(saved.model.parameters.flat).all()


def helper_children(pid: int) -> list[int]:
    """The training helper processes that ``pid`` started (Linux's /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"core.parallel.step_helper" in cmdline:
            children.append(int(entry.name))
    return children


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the helper through Linux's /proc")
def test_a_helper_killed_mid_training_is_reported_and_the_model_is_saved(tmp_path):
    out = tmp_path / "model.npz"
    process = long_training(out)
    try:
        helpers = helper_children(process.pid)
        if not helpers:
            pytest.skip("trains in one process on this machine (one core)")
        os.kill(helpers[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 1, stderr
    assert "error: The training helper process ended (stopped by SIGKILL)." in stderr
    assert "Traceback" not in stderr
    assert load_checkpoint(out).history.steps >= 18


def test_help_mentions_the_app_and_the_train_command():
    result = run_main("--help")
    assert result.returncode == 0
    assert "no arguments to open the desktop app" in result.stdout and "train" in result.stdout


@pytest.mark.parametrize("option", [("--hidden", ""), ("--hidden", "60000,60000")])
def test_a_model_too_large_or_empty_is_a_clear_error(tmp_path, option):
    result = run_main("train", *option, "--out", str(tmp_path / "x.npz"))
    assert result.returncode == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_an_infinite_learning_rate_is_refused_before_anything_runs(tmp_path):
    out = tmp_path / "new" / "x.npz"
    result = run_main("train", "--lr", "inf", "--out", str(out))
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.endswith("error: argument --lr: the learning rate must be a number above 0 and at most "
                                  "10; got inf\n")
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("option, value", [
    ("--lr", "1e300"), ("--lr", "nan"), ("--lr", "0"), ("--lr", "-0.1"), ("--lr", "fast"), ("--beta", "nan"),
    ("--beta", "-1"), ("--epochs", "0"), ("--epochs", "2.5"), ("--batch-size", "1000000"), ("--kl-warmup", "-1"),
    ("--seed", "-1"),
])
def test_a_training_option_that_cannot_train_is_refused_naming_it(option, value, capsys):
    with pytest.raises(SystemExit) as caught:
        commands.build_parser().parse_args(["train", option, value])
    assert caught.value.code == 2
    assert f"error: argument {option}: " in capsys.readouterr().err


@pytest.mark.parametrize("spoil", ["optimizer lr inf", "train_config lr inf", "v_sum negative", "m_sum NaN",
                                   "momentum NaN"])
def test_resuming_a_checkpoint_whose_optimizer_cannot_train_is_a_clear_error(tmp_path, spoil):
    saved, spoiled, out = tmp_path / "saved.npz", tmp_path / "spoiled.npz", tmp_path / "out.npz"
    save_small_model(saved, "vae", 2, seed=0, steps=3)
    with np.load(saved) as archive:
        arrays = {key: archive[key] for key in archive.files}
    metadata = json.loads(str(arrays["metadata"]))
    if spoil == "optimizer lr inf":
        metadata["optimizer"]["lr"] = float("inf")
    elif spoil == "train_config lr inf":
        metadata["train_config"]["lr"] = float("inf")
    elif spoil == "momentum NaN":
        metadata["train_config"]["momentum"] = float("nan")
    elif spoil == "v_sum negative":
        arrays["optimizer/v_sum"][5] = -1.0
    else:
        arrays["optimizer/m_sum"][5] = np.nan
    arrays["metadata"] = np.array(json.dumps(metadata))
    np.savez(spoiled, **arrays)
    result = run_main("train", "--resume", str(spoiled), "--epochs", "2", "--out", str(out))
    assert result.returncode == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stdout == "" and not out.exists()


@pytest.mark.parametrize("where", ["under a file", "a folder"])
def test_an_output_that_cannot_be_written_is_refused_before_training(tmp_path, where):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "x.npz" if where == "under a file" else tmp_path
    result = run_main("train", *SMALL, "--out", str(out))
    reason = f"{out.parent} is a file, not a folder" if where == "under a file" else "it is a folder"
    assert result.returncode == 1 and result.stderr == f"error: cannot write the model to {out}: {reason}\n"
    assert result.stdout == "" and "Traceback" not in result.stderr          # not one epoch trained


def test_a_dataset_that_cannot_be_read_leaves_no_output_folder_behind(tmp_path):
    out = tmp_path / "new" / "folder" / "x.npz"
    result = run_main("train", *SMALL, "--dataset", str(tmp_path / "missing.npz"), "--out", str(out))
    assert result.returncode == 1 and result.stderr.startswith("error: ") and "missing.npz" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_model_that_cannot_be_saved_after_training_goes_to_the_temporary_folder(tmp_path, monkeypatch, capsys):
    out, spare = tmp_path / "model.npz", tmp_path / "tmp"
    spare.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spare))
    real_save = commands.save_checkpoint

    def disk_full_at_out(path, checkpoint):
        if Path(path) == out:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(path, checkpoint)

    monkeypatch.setattr(commands, "save_checkpoint", disk_full_at_out)
    status = commands.run_cli(["train", "--epochs", "1", *SMALL, "--out", str(out)], ROOT / "resources")
    stderr = capsys.readouterr().err
    assert status == 1 and f"could not save {out}: No space left on device" in stderr
    [kept] = spare.glob("latent-lab-*.npz")
    assert f"saved the model to {kept} instead" in stderr
    assert load_checkpoint(kept).history.steps == 18 and not out.exists()


def test_resuming_a_model_whose_dataset_moved_says_so_and_takes_its_new_place(tmp_path):
    dataset = np.load(ROOT / "resources" / "mnist5k.npz")
    first_place, second_place = tmp_path / "digits.npz", tmp_path / "moved.npz"
    np.savez(first_place, **{key: dataset[key] for key in dataset.files})
    model = tmp_path / "model.npz"
    trained = run_main("train", "--dataset", str(first_place), "--epochs", "1", *SMALL, "--out", str(model))
    assert trained.returncode == 0
    first_place.rename(second_place)

    lost = run_main("train", "--resume", str(model), "--epochs", "2", "--out", str(model))
    assert lost.returncode == 1 and str(first_place) in lost.stderr and "--dataset" in lost.stderr
    found = run_main("train", "--resume", str(model), "--dataset", str(second_place), "--epochs", "2",
                     "--out", str(model))
    assert found.returncode == 0, found.stderr
    assert [json.loads(line)["epoch"] for line in found.stdout.splitlines()] == [2]
    assert load_checkpoint(model).dataset == str(second_place)


def test_resuming_a_model_that_has_all_its_epochs_trains_nothing_and_says_why(tmp_path):
    model = tmp_path / "model.npz"
    assert run_main("train", "--epochs", "1", *SMALL, "--out", str(model)).returncode == 0
    result = run_main("train", "--resume", str(model), "--epochs", "1", "--out", str(model))
    assert result.returncode == 0 and result.stdout == ""
    assert "nothing to train: the model has trained 1 epoch already" in result.stderr


def test_a_failed_download_ends_its_progress_line_before_the_error(tmp_path, monkeypatch, capsys):
    from core.data.errors import DatasetError

    def load_dataset(spec, progress=None, **kwargs):
        for done in (0, 4_000_000, 8_000_000):
            progress(done, 11_594_722)
        raise DatasetError("could not download train-labels-idx1-ubyte.gz: connection reset")

    monkeypatch.setattr(commands, "load_dataset", load_dataset)
    status = commands.run_cli(["train", "--dataset", "mnist", "--out", str(tmp_path / "m.npz")], ROOT / "resources")
    err = capsys.readouterr().err
    assert status == 1
    assert err.splitlines() == ["downloading MNIST (11.6 MB)…",         # once, not at every chunk (not a terminal)
                                "error: could not download train-labels-idx1-ubyte.gz: connection reset"]
