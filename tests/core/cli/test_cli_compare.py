"""`train --compare-out`: a model and the same model of the other kind trained at once, on the same batches in the
same order, each saved; and `train --preset`."""
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from core.cli import commands
from core.cli.train_settings import settings
from core.nn.config import ModelConfig
from core.parallel.thread_team import training_parts
from core.training.checkpoint import load_checkpoint
from core.training.config import TrainConfig
from core.training.presets import WRITE_UP
from tests.core.cli.test_hostile_outputs import refused

ROOT = Path(__file__).resolve().parents[3]
RESOURCES = ROOT / "resources"
SMALL = ["--hidden", "32", "--batch-size", "256"]


def train(*argv: str) -> int:
    """`train` in this process, with one BLAS thread as main.py runs it."""
    with threadpool_limits(limits=1, user_api="blas"):
        return commands.run_cli(["train", *argv], RESOURCES)


def test_compare_out_saves_the_model_and_the_same_model_of_the_other_kind(tmp_path, capsys):
    vae, ae = tmp_path / "vae.npz", tmp_path / "ae.npz"
    assert train("--epochs", "2", *SMALL, "--latent-dim", "3", "--loss", "sse", "--out", str(vae),
                 "--compare-out", str(ae)) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert sorted((line["model"], line["epoch"]) for line in lines) == [("ae", 1), ("ae", 2), ("vae", 1), ("vae", 2)]
    assert captured.err.splitlines()[-2:] == [f"saved {vae}", f"saved {ae}"]
    first, second = load_checkpoint(vae), load_checkpoint(ae)
    assert (first.model.config.kind, second.model.config.kind) == ("vae", "ae")
    assert dataclasses.replace(second.model.config, kind="vae") == first.model.config
    assert first.model.config.hidden == (32,) and first.model.config.latent_dim == 3
    assert second.train_config == first.train_config and second.dataset == first.dataset
    assert first.history.steps == second.history.steps == 2 * 18
    assert len(first.history.epochs) == len(second.history.epochs) == 2


def test_the_pair_trained_at_once_equals_each_trained_alone(tmp_path, capsys, monkeypatch):
    """The same batches in the same order: each model of the pair ends with the weights and losses it reaches when
    trained alone with the same options (on as many parts of each step; alone, part 0 runs in this process)."""
    monkeypatch.setattr(commands, "PARTS", training_parts(runs=2))
    options = ["--epochs", "1", *SMALL, "--seed", "3"]
    pair = {kind: tmp_path / f"pair-{kind}.npz" for kind in ("ae", "vae")}
    assert train(*options, "--model", "ae", "--out", str(pair["ae"]), "--compare-out", str(pair["vae"])) == 0
    for kind, path in pair.items():
        alone = tmp_path / f"alone-{kind}.npz"
        assert train(*options, "--model", kind, "--out", str(alone)) == 0
        together, by_itself = load_checkpoint(path), load_checkpoint(alone)
        np.testing.assert_allclose(together.history.loss, by_itself.history.loss, rtol=1e-6)
        np.testing.assert_allclose(together.model.parameters.flat, by_itself.model.parameters.flat,
                                   rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("how", ["the same name", "a link to it"])
def test_compare_out_that_is_out_is_refused_naming_the_option(tmp_path, capsys, how):
    out = tmp_path / "model.npz"
    compare_out = out
    if how == "a link to it":
        compare_out = tmp_path / "link.npz"
        compare_out.symlink_to(out)                  # neither exists yet
    err = refused(["train", *SMALL, "--out", out, "--compare-out", compare_out], capsys, tmp_path, status=2)
    assert err == (f"error: --compare-out {compare_out} is the file given as --out; one file cannot hold both "
                   f"(choose another --compare-out)\n")


def test_compare_out_that_is_the_dataset_is_refused_naming_the_option(tmp_path, capsys):
    dataset = Path(RESOURCES / "mnist5k.npz")
    copy = tmp_path / "d.npz"
    copy.write_bytes(dataset.read_bytes())
    err = refused(["train", "--dataset", copy, *SMALL, "--out", tmp_path / "m.npz", "--compare-out", copy],
                  capsys, tmp_path, status=2)
    assert err.startswith(f"error: --compare-out {copy} is the file given as --dataset; writing there would destroy")


@pytest.mark.parametrize("option", [["--compare-out", "other.npz"], ["--preset", "write-up"]])
def test_compare_out_and_preset_are_refused_with_resume(tmp_path, capsys, option):
    model = tmp_path / "m.npz"
    err = refused(["train", "--resume", model, *option, "--out", model], capsys, tmp_path, status=2)
    assert err == f"error: {option[0]} cannot be used with --resume (a resumed model keeps its own settings)\n"


def resolved(*argv: str) -> tuple[ModelConfig, TrainConfig]:
    return settings(commands.build_parser().parse_args(["train", *argv]), 784)


def test_without_options_train_has_the_default_settings():
    assert resolved() == (ModelConfig(), TrainConfig())
    assert ModelConfig() == ModelConfig(kind="vae", latent_dim=2, hidden=(512, 256), activation="relu",
                                        reconstruction="bernoulli")


def test_the_write_up_preset_sets_each_value_and_options_given_override_it(tmp_path, capsys):
    model, training = resolved("--preset", "write-up")
    assert (model.kind, model.hidden, model.latent_dim, model.activation, model.reconstruction) == \
        ("vae", (128, 128), 8, "leaky_relu", "sse")
    assert (training.beta, training.optimizer, training.batch_size, training.lr) == (1.0, "adam", 128, 1e-3)
    assert (model, training) == (WRITE_UP.model, WRITE_UP.training)
    model, training = resolved("--preset", "write-up", "--latent-dim", "2", "--lr", "0.01", "--model", "ae")
    assert (model.latent_dim, training.lr, model.kind) == (2, 0.01, "ae")
    assert dataclasses.replace(model, latent_dim=8, kind="vae") == WRITE_UP.model
    out = tmp_path / "write-up.npz"
    assert train("--preset", "write-up", "--epochs", "1", "--out", str(out)) == 0
    saved = load_checkpoint(out)
    assert saved.model.config == WRITE_UP.model
    assert saved.train_config == dataclasses.replace(WRITE_UP.training, epochs=1)


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_saves_both_models(tmp_path, number):
    vae, ae = tmp_path / "vae.npz", tmp_path / "ae.npz"
    process = subprocess.Popen([sys.executable, "main.py", "train", "--epochs", "500", *SMALL, "--out", str(vae),
                                "--compare-out", str(ae)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        trained = set()
        while trained != {"vae", "ae"}:                    # an epoch each
            trained.add(json.loads(process.stdout.readline())["model"])
        process.send_signal(number)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + number and "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    stopped = "interrupted" if number == signal.SIGINT else "stopped by SIGTERM"
    assert re.fullmatch(rf"{stopped} after \d+ steps \(vae\) and \d+ steps \(ae\); saving", lines[-3])
    assert lines[-2:] == [f"saved {vae}", f"saved {ae}"]
    for path in (vae, ae):
        saved = load_checkpoint(path)
        assert saved.history.steps >= 18 and np.isfinite(saved.model.parameters.flat).all()
    assert sorted(os.listdir(tmp_path)) == ["ae.npz", "vae.npz"]          # no temporary, no lock file
