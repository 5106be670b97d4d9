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
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TextIO

import numpy as np

from core.atomic_files import make_parent_folder, resolve_output
from core.cli.gif import add_gif_parser
from core.cli.history import add_history_parser
from core.cli.outputs import OutputIsInput, dataset_file, refuse_inputs, refuse_same_output
from core.cli.runs_at_once import train_at_once
from core.cli.stop_signals import StopSignals, stop_on_signals
from core.cli.train_settings import DEFAULT_TRAINING, add_settings_options, settings
from core.data.datasets import PIXELS, default_cache_dir, load_dataset
from core.data.errors import DatasetError
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
from core.training.config import TrainConfig
from core.training.presets import comparison_pair
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
                                            "stopping, further signals wait for the save). With --preset, the "
                                            "preset's values replace the defaults, and the options given override "
                                            "them.")
    train.add_argument("--dataset",
                       help="mnist5k (bundled), fashion (Debian's dataset-fashion-mnist), mnist (downloaded once), "
                            "or a path to an IDX folder or an .npz file (default: mnist5k; with --resume, the "
                            "model's own)")
    add_settings_options(train)
    train.add_argument("--resume", type=Path, metavar="CHECKPOINT",
                       help="continue training a saved model (its architecture and data are reused) "
                            "until --epochs epochs in all")
    train.add_argument("--out", type=Path, default=Path("model.npz"),
                       help="checkpoint to write: a new file or a regular file, which it replaces (may be --resume's "
                            "model, never the dataset; locked while training; default: %(default)s)")
    train.add_argument("--compare-out", type=Path, metavar="CHECKPOINT",
                       help="also train, at the same time and on the same batches in the same order, the same model "
                            "of the other kind (an AE for a VAE, a VAE for an AE), and write it here (the same rules "
                            "as --out; not with --resume); the epoch lines say which model they are of")
    train.set_defaults(handler=run_train)
    add_gif_parser(commands)
    add_history_parser(commands)
    return parser


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


class Run(NamedTuple):
    """A training run of the command: its trainer, where to save it, and its label on the lines it prints when two
    runs train at once (None for a run alone)."""

    trainer: Trainer
    out: Path
    label: str | None = None


def run_train(args: argparse.Namespace, resources: Path) -> int:
    """The ``train`` command. Exit status: 0 done, 1 error or divergence, 2 an output that is an input or options
    that do not go together, 130 or 143 stopped by SIGINT or SIGTERM (and saved)."""
    err = sys.stderr
    if args.resume and (args.preset or args.compare_out):
        option = "--preset" if args.preset else "--compare-out"
        print(f"error: {option} cannot be used with --resume (a resumed model keeps its own settings)", file=err)
        return 2
    outputs = [("--out", args.out)] + ([("--compare-out", args.compare_out)] if args.compare_out else [])
    for option, out in outputs:
        try:
            refuse_inputs(out, [("--dataset", dataset_file(args.dataset))], option)
            if option == "--compare-out":
                refuse_same_output(outputs[0], (option, out))
            resolve_output(out)                      # a folder or a device is refused before any data are read
        except (OutputIsInput, OSError) as error:
            return _refused_output(error, out, err)
    try:
        trainers, dataset_name = _make_trainers(args, resources, DownloadReport(err))
    except (DatasetError, CheckpointError, ValueError) as error:
        print(f"error: {error}", file=err)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; nothing was trained", file=err)
        return 130
    runs = [Run(trainer, out, trainer.model.config.kind if args.compare_out else None)
            for trainer, (_, out) in zip(trainers, outputs)]
    with contextlib.ExitStack() as held:
        for trainer in trainers:
            held.callback(trainer.close)             # its helper processes, whatever happens
        for _, out in outputs:
            try:
                if not args.dataset:                 # --resume's model names its dataset
                    refuse_inputs(out, [(f"the dataset of {args.resume}", dataset_file(dataset_name))])
                target = _check_writable(out)        # after the data, so that a failed command leaves no new folder
                held.enter_context(output_lock(target))  # until the model is saved: a second writer is refused
            except (OutputIsInput, OSError) as error:
                return _refused_output(error, out, err)
        return _train_and_save(runs, dataset_name, err)


def _refused_output(error: OutputIsInput | OSError, out: Path, err: TextIO) -> int:
    """Say why ``out`` will not be written; the exit status: 2 for an output that is an input (a usage error), 1 for
    one the system refuses."""
    if isinstance(error, OutputIsInput):
        print(f"error: {error}", file=err)
        return 2
    print(f"error: cannot write the model to {out}: {error.strerror or error}", file=err)
    return 1


def _train_and_save(runs: list[Run], dataset_name: str, err: TextIO) -> int:
    """Train, then save each run to its ``out``, with SIGINT and SIGTERM stopping the training (StopSignals) from
    the first step to the end of the saves; the exit status. Two runs train at once, a thread each (their epoch
    lines labelled); a run alone trains in this thread."""
    if len(runs) == 1 and runs[0].trainer.finished:
        done = runs[0].trainer.epoch
        print(f"nothing to train: the model has trained {done} epoch{'' if done == 1 else 's'} already (--epochs "
              f"counts them all)", file=err)
    bar = ProgressBar(err) if err.isatty() else None
    control = TrainingControl()

    def show(index: int, record: StepProgress | EpochProgress) -> None:
        trainer, _, label = runs[index]
        if isinstance(record, StepProgress) and bar:
            bar.show(record, trainer.config.epochs, label)
        elif isinstance(record, EpochProgress):
            if bar:
                bar.clear()
            print(json.dumps(({"model": label} if label else {}) | _epoch_line(record, trainer)), flush=True)

    with stop_on_signals(control) as stops:
        if len(runs) == 1:
            endings = [_train_here(runs[0].trainer, control, show)]
        else:
            endings = train_at_once([run.trainer for run in runs], control, show)
        for run, ending in zip(runs, endings):
            if ending is not None:
                print(f"\n{f'{run.label}: ' if run.label else ''}{_ending_message(ending)}", file=err)
        if stops.received:
            steps = " and ".join(f"{run.trainer.history.steps} steps{f' ({run.label})' if run.label else ''}"
                                 for run in runs)
            print(f"\n{_stopped_by(stops)} after {steps}; saving", file=err)
        if bar:
            bar.clear()
        saved = [_save(Checkpoint(run.trainer.model, run.trainer.optimizer, run.trainer.config, dataset_name,
                                  run.trainer.history), run.out, err) for run in runs]
    status = 1 if any(ending is not None for ending in endings) else 0
    if stops.received:          # a signal during the save waited for it, and ends the command as one would
        status = stops.exit_status
    return status if all(saved) else 1


def _train_here(trainer: Trainer, control: TrainingControl,
                show: Callable[[int, StepProgress | EpochProgress], None]) -> TrainingDiverged | HelperFailed | None:
    """Train in this thread, showing each record as run 0's; the divergence or helper failure that ended it."""
    try:
        for record in trainer.run(control):
            show(0, record)
    except (TrainingDiverged, HelperFailed) as error:
        return error
    finally:
        trainer.close()
    return None


def _ending_message(ending: BaseException) -> str:
    if isinstance(ending, HelperFailed):
        return f"error: {ending} Training stopped; its last step may be only partly applied."
    return str(ending)


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


def _make_trainers(args: argparse.Namespace, resources: Path,
                   report: DownloadReport) -> tuple[list[Trainer], str]:
    """The run's trainer, or with --compare-out the two runs' trainers (the options' model first), each with every
    part of its steps in helper processes (core.cli.runs_at_once says why); and the dataset's name."""
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
        epochs = DEFAULT_TRAINING.epochs if args.epochs is None else args.epochs
        config = TrainConfig(**{**saved.train_config.to_dict(), "epochs": epochs})
        trainer = Trainer(saved.model, saved.optimizer, dataset.train_images, dataset.test_images, config,
                          saved.history, parts=PARTS)
        return [trainer], dataset_name
    dataset_name = args.dataset or "mnist5k"
    dataset = load(dataset_name)
    model_config, config = settings(args, dataset.train_images.shape[1])
    models = [model_config, comparison_pair(model_config)] if args.compare_out else [model_config]
    trainers = []
    for model_config in models:
        # The same seed for both: the same batches in the same order (the trainer shuffles from it).
        model = build_model(model_config, np.random.default_rng(config.seed))
        optimizer = build_optimizer(config.optimizer, model.parameters.flat, config.lr, config.momentum)
        if args.compare_out:
            trainers.append(Trainer(model, optimizer, dataset.train_images, dataset.test_images, config,
                                    parts=training_parts(runs=2), in_helpers=True))
        else:
            trainers.append(Trainer(model, optimizer, dataset.train_images, dataset.test_images, config, parts=PARTS))
    return trainers, dataset_name


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
    """A one-line progress bar on a terminal, redrawn at most 10 times a second; with labels, a short bar per run on
    the one line (two runs at once)."""

    WIDTH = 30
    LABELLED_WIDTH = 10     # two labelled bars fit in 80 columns

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last_draw = 0.0
        self._bars: dict[str | None, str] = {}      # each run's latest bar, by label

    def show(self, record: StepProgress, epochs: int, label: str | None = None) -> None:
        done = record.batch / record.batches_per_epoch
        if label is None:
            filled = round(self.WIDTH * done)
            self._bars[label] = (f"epoch {record.epoch + 1}/{epochs} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                                 f"loss {record.loss:8.2f}  {record.samples_per_s:7.0f} img/s")
        else:
            filled = round(self.LABELLED_WIDTH * done)
            self._bars[label] = (f"{label} {record.epoch + 1}/{epochs} "
                                 f"[{'#' * filled}{'.' * (self.LABELLED_WIDTH - filled)}] loss {record.loss:8.2f}")
        now = time.monotonic()
        if now - self._last_draw < 0.1 and record.batch != record.batches_per_epoch:
            return
        self._last_draw = now
        self.stream.write("\r" + "  ".join(self._bars.values()))
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()
