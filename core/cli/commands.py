"""The headless command line: ``train``, and ``gif`` (registered from core/cli/gif.py).

Never imports Qt, so it runs on a server without a display. Results go to stdout as one JSON
object per line; progress and messages go to stderr.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from core.atomic_files import make_parent_folder, resolve_output
from core.cli.gif import add_gif_parser
from core.cli.history import add_history_parser
from core.cli.option_types import checked
from core.cli.outputs import OutputIsInput, dataset_file, refuse_inputs
from core.cli.stop_signals import StopSignals, stop_on_signals
from core.data.datasets import PIXELS, default_cache_dir, load_dataset
from core.data.errors import DatasetError
from core.nn.config import ACTIVATIONS, RECONSTRUCTIONS, ModelConfig
from core.nn.models import build_model
from core.nn.optim import build_optimizer
from core.output_lock import output_lock
from core.parallel.helper_process import HelperFailed
from core.parallel.thread_team import training_parts
from core.training.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from core.training.config import (
    MAX_BATCH_SIZE,
    TrainConfig,
    check_beta,
    check_learning_rate,
    check_whole,
)
from core.training.trainer import (
    EpochProgress,
    StepProgress,
    Trainer,
    TrainingControl,
    TrainingDiverged,
)

PARTS = training_parts()   # the trainer splits each batch over these processes (core/parallel/training_step.py)

DESCRIPTION = """Latent Lab: watch autoencoders and variational autoencoders learn.

Run with no arguments to open the desktop app, or with one .npz file (a saved model, or a dataset) to open the app
with it. The commands below run without a display. --version prints the version; on Linux, --install-desktop-entry
adds the app to the desktop's launcher and --uninstall-desktop-entry removes it."""


def build_parser() -> argparse.ArgumentParser:
    # The command as it is typed: the installed script, or main.py in a checkout.
    prog = "latent-lab" if os.path.basename(sys.argv[0]) == "latent-lab" else "python main.py"
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    train = commands.add_parser("train", help="train an AE or a VAE and save a checkpoint",
                                description="Train a model; prints one JSON object per epoch to stdout. "
                                            "Ctrl+C or SIGTERM stops and saves what was trained so far (once "
                                            "stopping, further signals wait for the save).")
    train.add_argument("--model", choices=("ae", "vae"), default="vae", help="autoencoder or variational autoencoder")
    train.add_argument("--dataset",
                       help="mnist5k (bundled), fashion (Debian's dataset-fashion-mnist), mnist (downloaded once), "
                            "or a path to an IDX folder or an .npz file (default: mnist5k; with --resume, the "
                            "model's own)")
    train.add_argument("--latent-dim", type=int, default=2, help="size of the latent code (default: %(default)s)")
    train.add_argument("--hidden", default="512,256",
                       help="hidden layer widths, comma-separated (default: %(default)s)")
    train.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    train.add_argument("--loss", choices=RECONSTRUCTIONS, default="bernoulli",
                       help="reconstruction loss: Bernoulli cross-entropy or 0.5 * sum of squared errors")
    train.add_argument("--epochs", type=_whole_number("epochs", 1), default=10)
    train.add_argument("--batch-size", type=_whole_number("the batch size", 1, MAX_BATCH_SIZE), default=128)
    train.add_argument("--lr", type=checked(float, check_learning_rate), default=1e-3,
                       help="learning rate, above 0 and at most 10 (default: %(default)s)")
    train.add_argument("--beta", type=checked(float, check_beta), default=1.0,
                       help="weight of the KL term (VAE only)")
    train.add_argument("--kl-warmup", type=_whole_number("the KL warm-up", 0), default=0, metavar="EPOCHS",
                       help="raise the KL weight linearly from 0 to --beta over these first epochs (VAE only; "
                            "default: %(default)s, none)")
    train.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    train.add_argument("--seed", type=_whole_number("the seed", 0), default=0)
    train.add_argument("--resume", type=Path, metavar="CHECKPOINT",
                       help="continue training a saved model (its architecture and data are reused) "
                            "until --epochs epochs in all")
    train.add_argument("--out", type=Path, default=Path("model.npz"),
                       help="checkpoint to write: a new file or a regular file, which it replaces (may be --resume's "
                            "model, never the dataset; locked while training; default: %(default)s)")
    train.set_defaults(handler=run_train)
    add_gif_parser(commands)
    add_history_parser(commands)
    return parser


def _whole_number(name: str, minimum: int, maximum: int | None = None):
    return checked(int, lambda value: check_whole(name, value, minimum, maximum))


def run_cli(argv: list[str], resources: Path) -> int:
    """Parse ``argv`` and run the chosen command. ``resources`` is the folder of bundled data."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "train":
        return args.handler(args, resources)       # it stops on both signals and saves (core/cli/stop_signals.py)
    # gif and history write their file whole or not at all: SIGTERM ends them as Ctrl+C does, without a traceback,
    # their temporary file removed on the way out.
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() \
        else None
    try:
        return args.handler(args, resources)
    except KeyboardInterrupt:
        print(f"\ninterrupted; {getattr(args, 'out', None) or 'nothing'} was not written", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_train(args: argparse.Namespace, resources: Path) -> int:
    """The ``train`` command. Exit status: 0 done, 1 error or divergence, 2 an output that is an input, 130 or 143
    stopped by SIGINT or SIGTERM (and saved)."""
    err = sys.stderr
    try:
        refuse_inputs(args.out, [("--dataset", dataset_file(args.dataset))])
        resolve_output(args.out)                     # a folder or a device is refused before any data are read
    except OutputIsInput as error:
        print(f"error: {error}", file=err)
        return 2
    except OSError as error:
        print(f"error: cannot write the model to {args.out}: {error.strerror or error}", file=err)
        return 1
    try:
        trainer, dataset_name = _make_trainer(args, resources, DownloadReport(err))
    except (DatasetError, CheckpointError, ValueError) as error:
        print(f"error: {error}", file=err)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was trained", file=err)
        return 130
    with contextlib.ExitStack() as held:
        held.callback(trainer.close)                 # its helper processes, whatever happens
        try:
            if not args.dataset:                     # --resume's model names its dataset
                refuse_inputs(args.out, [(f"the dataset of {args.resume}", dataset_file(dataset_name))])
            target = _check_writable(args.out)       # after the data, so that a failed command leaves no new folder
            held.enter_context(output_lock(target))  # until the model is saved: a second writer is refused
        except OutputIsInput as error:
            print(f"error: {error}", file=err)
            return 2
        except OSError as error:
            print(f"error: cannot write the model to {args.out}: {error.strerror or error}", file=err)
            return 1
        return _train_and_save(trainer, dataset_name, args.out, err)


def _train_and_save(trainer: Trainer, dataset_name: str, out: Path, err: TextIO) -> int:
    """Train, then save to ``out``, with SIGINT and SIGTERM stopping the training (StopSignals) from the first
    step to the end of the save; the exit status."""
    if trainer.finished:
        done = trainer.epoch
        print(f"nothing to train: the model has trained {done} epoch{'' if done == 1 else 's'} already (--epochs "
              f"counts them all)", file=err)
    bar = ProgressBar(err) if err.isatty() else None
    status = 0
    control = TrainingControl()
    with stop_on_signals(control) as stops:
        try:
            for record in trainer.run(control):
                if isinstance(record, StepProgress) and bar:
                    bar.show(record, trainer.config.epochs)
                elif isinstance(record, EpochProgress):
                    if bar:
                        bar.clear()
                    print(json.dumps(_epoch_line(record, trainer)), flush=True)
        except TrainingDiverged as error:
            status = 1
            print(f"\n{error}", file=err)
        except HelperFailed as error:
            status = 1
            print(f"\nerror: {error} Training stopped; its last step may be only partly applied.", file=err)
        finally:
            trainer.close()
        if stops.received:
            print(f"\n{_stopped_by(stops)} after {trainer.history.steps} steps; saving", file=err)
        if bar:
            bar.clear()
        checkpoint = Checkpoint(trainer.model, trainer.optimizer, trainer.config, dataset_name, trainer.history)
        saved = _save(checkpoint, out, err)
    if stops.received:          # a signal during the save waited for it, and ends the command as one would
        status = stops.exit_status
    return status if saved else 1


def _stopped_by(stops: StopSignals) -> str:
    return "interrupted" if stops.first.name == "SIGINT" else f"stopped by {stops.first.name}"


def _check_writable(path: Path) -> Path:
    """Raise OSError now, before any training, if a model could not be written to ``path``; returns the file the
    write will replace (resolve_output: where a symbolic link points)."""
    target = resolve_output(path)
    make_parent_folder(target)
    with tempfile.TemporaryFile(dir=target.parent):
        pass
    return target


def _save(checkpoint: Checkpoint, path: Path, err: TextIO) -> bool:
    """Write the trained model to ``path``, or, if that fails now (a full disk), to the temporary folder, so that
    the training is not lost. True when it went to ``path``."""
    try:
        save_checkpoint(path, checkpoint)
        print(f"saved {path}", file=err)
        return True
    except CheckpointError as error:          # weights that are not finite: no file is worth writing
        print(f"error: {error}", file=err)
        return False
    except OSError as error:
        print(f"error: could not save {path}: {error.strerror or error}", file=err)
    fallback = Path(tempfile.gettempdir()) / f"latent-lab-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
    try:
        save_checkpoint(fallback, checkpoint)
        print(f"saved the model to {fallback} instead", file=err)
    except OSError as error:
        print(f"error: could not save it to {fallback} either: {error.strerror or error}", file=err)
    return False


class DownloadReport:
    """A download's progress on ``err``: one line rewritten in place on a terminal, else one line when it starts (a
    log gets no carriage returns); ``end`` ends the line, so that what is printed next starts a line of its own."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self._line_open = False

    def __call__(self, done: int, total: int) -> None:
        if self.err.isatty():
            print(f"\rdownloading MNIST: {done / max(total, 1):6.1%}", end="", file=self.err, flush=True)
        elif not self._line_open:
            print(f"downloading MNIST ({total / 1e6:.1f} MB)…", end="", file=self.err, flush=True)
        self._line_open = True

    def end(self) -> None:
        if self._line_open:
            print(file=self.err, flush=True)
            self._line_open = False


def _make_trainer(args: argparse.Namespace, resources: Path, report: DownloadReport) -> tuple[Trainer, str]:
    def load(spec: str):
        try:
            return load_dataset(spec, bundled_path=resources / "mnist5k.npz", cache_dir=default_cache_dir(),
                                progress=report)
        finally:
            report.end()

    if args.resume:
        saved = load_checkpoint(args.resume, input_dim=PIXELS)     # every dataset here has 28x28 images
        dataset_name = args.dataset or saved.dataset
        try:
            dataset = load(dataset_name)
        except DatasetError as error:
            if args.dataset:
                raise
            raise DatasetError(f"{error} (the model's dataset: give --dataset to say where it is now)") from None
        config = TrainConfig(**{**saved.train_config.to_dict(), "epochs": args.epochs})
        model, optimizer, history = saved.model, saved.optimizer, saved.history
    else:
        dataset_name = args.dataset or "mnist5k"
        dataset = load(dataset_name)
        hidden = tuple(int(width) for width in args.hidden.split(",") if width.strip())
        model_config = ModelConfig(kind=args.model, input_dim=dataset.train_images.shape[1], latent_dim=args.latent_dim,
                                   hidden=hidden, activation=args.activation, reconstruction=args.loss)
        config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, beta=args.beta,
                             optimizer=args.optimizer, seed=args.seed, kl_warmup=args.kl_warmup)
        model = build_model(model_config, np.random.default_rng(args.seed))
        optimizer = build_optimizer(config.optimizer, model.parameters.flat, config.lr, config.momentum)
        history = None
    trainer = Trainer(model, optimizer, dataset.train_images, dataset.test_images, config, history, parts=PARTS)
    return trainer, dataset_name


def _epoch_line(record: EpochProgress, trainer: Trainer) -> dict:
    steps = trainer.batches_per_epoch
    return {
        "epoch": record.epoch + 1,
        "train_loss": round(record.train_loss, 4),
        "test_loss": round(record.test_loss, 4),
        "rec": round(float(np.mean(trainer.history.rec[-steps:])), 4),
        "kl": round(float(np.mean(trainer.history.kl[-steps:])), 4),
        "seconds": round(record.seconds, 3),
        "samples_per_s": round(record.samples_per_s, 1),
    }


class ProgressBar:
    """A one-line progress bar on a terminal, redrawn at most 10 times a second."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last_draw = 0.0

    def show(self, record: StepProgress, epochs: int) -> None:
        now = time.monotonic()
        if now - self._last_draw < 0.1 and record.batch != record.batches_per_epoch:
            return
        self._last_draw = now
        done = record.batch / record.batches_per_epoch
        filled = round(self.WIDTH * done)
        self.stream.write(f"\repoch {record.epoch + 1}/{epochs} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"loss {record.loss:8.2f}  {record.samples_per_s:7.0f} img/s")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()
