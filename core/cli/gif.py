"""The ``gif`` command: an interpolation animation from saved checkpoints, without the GUI.

Builds its frames with core/animation/recipe.py, the same recipe the GUI's export uses, so both give
the same file for the same choices. Never imports Qt. The summary goes to stdout as one JSON
object; progress and errors go to stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TextIO

import numpy as np

from core.animation.recipe import (
    MODES,
    AnimationTooLarge,
    InterpolationSpec,
    animation_format,
    check_animation,
    interpolation_frames,
    mean_codes,
    model_title,
    pick_pair_by_label,
    write_animation,
)
from core.animation.reconstructed_class import ClassKeeper
from core.animation.writers import check_fps, mp4_available
from core.atomic_files import make_parent_folder, resolve_output
from core.cli.option_types import checked
from core.cli.outputs import OutputIsInput, dataset_file, refuse_inputs
from core.data.datasets import Dataset, default_cache_dir, images_to_float, load_dataset
from core.data.errors import DatasetError
from core.nn.models import AutoEncoder
from core.output_lock import output_lock
from core.training.checkpoint import CheckpointError, load_checkpoint

DEFAULTS = InterpolationSpec()

EPILOG = """examples:
  python main.py gif --checkpoint vae.npz --from-label 2 --to-label 7 --out two_to_seven.gif
  python main.py gif --checkpoint vae.npz --compare ae.npz --from-label 2 --to-label 7 \\
      --hold 10 --ping-pong --scale 4 --out ae_vs_vae.gif     (Autoencoder left, VAE right)

The end images come from the dataset's test split: for each label, the test image of that class
whose code (under --checkpoint's model) is nearest the class mean, or with --from-rank/--to-rank N
the N-th nearest (-1: the farthest), counting first the images that every model reconstructs as
their own class (its reconstruction is nearest the mean test image of that class); a note on
stderr says when a chosen image is not one of those. Every model then interpolates between the
same two images, shown in a column on the left. The --compare models are drawn first, on the left,
so the model of interest ends the row."""


def add_gif_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``gif`` subcommand on the main parser's subcommands."""
    gif = commands.add_parser("gif", help="animate an interpolation between two test digits (GIF, MP4 or PNGs)",
                              description="Write an animation of a model decoding its way from one test image to "
                                          "another, optionally beside other models.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    gif.add_argument("--checkpoint", type=Path, required=True,
                     help="the model, as saved by `train`; its codes choose the end images; drawn rightmost")
    gif.add_argument("--compare", type=Path, action="append", default=[], metavar="CHECKPOINT",
                     help="another model to show beside it, on its left, interpolating between the same two "
                          "images (may be repeated; drawn left to right in the order given)")
    gif.add_argument("--from-label", required=True, help="class of the first image: 0-9 or a class name")
    gif.add_argument("--to-label", required=True, help="class of the last image: 0-9 or a class name")
    gif.add_argument("--from-rank", type=int, default=0,
                     help="0: the test image nearest its class mean, 1: the next nearest, ... (default: %(default)s)")
    gif.add_argument("--to-rank", type=int, default=0, help="the same for the last image (default: %(default)s)")
    gif.add_argument("--frames", type=_whole_number(2), default=60,
                     help="interpolation steps, both ends included (default: %(default)s)")
    gif.add_argument("--fps", type=checked(float, check_fps), default=20,
                     help="frames per second, 0.01 to 1000; a GIF plays at most 50 (default: %(default)s)")
    gif.add_argument("--mode", choices=MODES, default="slerp",
                     help="path through the latent space (default: %(default)s)")
    gif.add_argument("--scale", type=_whole_number(1), default=8, help="pixels per image pixel (default: %(default)s)")
    gif.add_argument("--hold", type=_whole_number(0), default=DEFAULTS.hold_frames,
                     help="extra frames to pause on each end; in a GIF each end lasts at most 655 s "
                          "(default: %(default)s)")
    gif.add_argument("--ping-pong", action=argparse.BooleanOptionalAction, default=DEFAULTS.ping_pong,
                     help="play back to the start, for a loop without a jump (default: on)")
    gif.add_argument("--no-caption", dest="caption", action="store_false", help="leave out the t=0.42 captions")
    gif.add_argument("--no-inputs", dest="inputs", action="store_false",
                     help="leave out the column of the two chosen test images")
    gif.add_argument("--dataset", help="name or path of the dataset to take the test images from "
                                       "(default: the one the checkpoint was trained on)")
    gif.add_argument("--out", type=Path, default=Path("interpolation.gif"),
                     help="a .gif, an .mp4 (needs imageio-ffmpeg), or a folder for PNG frames: new, a regular file "
                          "(replaced) or an empty folder (default: %(default)s)")
    gif.set_defaults(handler=run_gif)


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least ``minimum``."""
    def at_least(value: int) -> None:
        if value < minimum:
            raise ValueError(f"must be at least {minimum}, got {value}")
    return checked(int, at_least)


class GifCommandError(Exception):
    """A problem with the command's inputs; the message is shown as-is."""


class GifOptionError(GifCommandError):
    """Options that cannot work together, such as an animation too large for memory; exit status 2."""


def run_gif(args: argparse.Namespace, resources: Path) -> int:
    """The ``gif`` command. Exit status: 0 written, 1 error, 2 bad options (--out is an input, the animation would
    not fit in memory or in a GIF), 130 interrupted (nothing written)."""
    err = sys.stderr
    line = ProgressLine(err, args.out.name) if err.isatty() else None
    try:
        refuse_inputs(args.out, [("--checkpoint", args.checkpoint), *(("--compare", path) for path in args.compare),
                                 ("--dataset", dataset_file(args.dataset))])
        spec, models, dataset, (i0, i1), labels, notes = _prepare(args, resources)
        x0, x1 = images_to_float(dataset.test_images[[i0, i1]])  # (784,) each, the same two for every model
        make_parent_folder(args.out)
        with output_lock(resolve_output(args.out, folder=animation_format(args.out) == "png")):
            frames = interpolation_frames(models, x0, x1, spec)
            write_animation(args.out, frames, spec.fps, progress=line.show if line else None)
    except (GifOptionError, OutputIsInput) as error:
        _clear(line)
        print(f"error: {error}", file=err)
        return 2
    except (GifCommandError, CheckpointError, DatasetError, ValueError) as error:
        _clear(line)
        print(f"error: {error}", file=err)
        return 1
    except OSError as error:
        _clear(line)
        print(f"error: cannot write {args.out}: {error.strerror}" if error.strerror else f"error: {error}", file=err)
        return 1
    except KeyboardInterrupt:
        _clear(line)
        print(f"\ninterrupted; {args.out} was not written", file=err)
        return 130
    _clear(line)
    height, width = frames.shape[1:3]
    print(json.dumps({
        "out": str(args.out), "format": animation_format(args.out), "frames": len(frames), "fps": spec.fps,
        "width": width, "height": height, "models": [title for title, _ in models], "dataset": dataset.name,
        "from": {"label": labels[0], "rank": args.from_rank, "test_index": i0},
        "to": {"label": labels[1], "rank": args.to_rank, "test_index": i1},
        "inputs": spec.inputs,
    }), flush=True)
    for note in notes:
        print(f"note: {note}", file=err)
    print(f"wrote {args.out}", file=err)
    return 0


def _prepare(
    args: argparse.Namespace, resources: Path
) -> tuple[InterpolationSpec, list[tuple[str, AutoEncoder]], Dataset, tuple[int, int], tuple[int, int], list[str]]:
    """Check the options and load everything; raises GifCommandError (or the loaders' errors). The last item: notes
    on the chosen images, for stderr once the file is written."""
    spec = InterpolationSpec(n_frames=args.frames, fps=args.fps, mode=args.mode, hold_frames=args.hold,
                             ping_pong=args.ping_pong, scale=args.scale, caption=args.caption, inputs=args.inputs)
    kind = animation_format(args.out)
    resolve_output(args.out, folder=kind == "png")  # a device or FIFO is refused (OutputRefused) before any work
    if kind == "mp4" and not mp4_available():
        raise GifCommandError("MP4 export needs the imageio-ffmpeg package: pip install imageio-ffmpeg")
    paths = [*args.compare, args.checkpoint]  # in drawing order, left to right
    checkpoints = [load_checkpoint(path) for path in paths]
    main_model = checkpoints[-1].model  # --checkpoint's model: it chooses the images
    for path, checkpoint in zip(paths[:-1], checkpoints[:-1]):
        if checkpoint.model.config.input_dim != main_model.config.input_dim:
            raise GifCommandError(f"{path}: its model takes {checkpoint.model.config.input_dim}-pixel images, but "
                                  f"{args.checkpoint} takes {main_model.config.input_dim}; they cannot share images")
    titles = [model_title(checkpoint.model) for checkpoint in checkpoints]
    if len(set(titles)) < len(titles):  # two VAEs, say: name each by its file instead
        titles = [f"{title} {path.stem}" for title, path in zip(titles, paths)]
    try:
        check_animation(args.out, titles, spec)      # before the dataset is read or a frame drawn
    except AnimationTooLarge as error:
        raise GifOptionError(f"{error}: lower --frames, --hold or --scale") from None
    except ValueError as error:
        raise GifOptionError(f"--hold {args.hold} at --fps {args.fps:g}: {error}") from None

    dataset_spec = args.dataset or checkpoints[-1].dataset
    if not dataset_spec:
        raise GifCommandError(f"{args.checkpoint}: the checkpoint does not name its dataset; pass --dataset")
    if not args.dataset:
        try:
            refuse_inputs(args.out, [(f"the dataset of {args.checkpoint}", dataset_file(dataset_spec))])
        except OutputIsInput as error:
            raise GifOptionError(str(error)) from None
    dataset = load_dataset(dataset_spec, bundled_path=resources / "mnist5k.npz", cache_dir=default_cache_dir(),
                           progress=_download_progress)
    if dataset.test_images.shape[1] != main_model.config.input_dim:
        raise GifCommandError(f"{args.checkpoint}: its model takes {main_model.config.input_dim}-pixel images, "
                              f"but the dataset {dataset_spec} has {dataset.test_images.shape[1]}")

    labels = (_label(args.from_label, dataset), _label(args.to_label, dataset))
    codes = [mean_codes(checkpoint.model, dataset.test_images) for checkpoint in checkpoints]  # (n_test, d) each
    keeper = ClassKeeper([(checkpoint.model, c) for checkpoint, c in zip(checkpoints, codes)], dataset.test_images,
                         dataset.test_labels)
    try:
        pair = pick_pair_by_label(codes[-1], dataset.test_labels, *labels, args.from_rank, args.to_rank, keeper)
    except ValueError as error:
        raise GifCommandError(f"dataset {dataset_spec}: {error}") from None

    models = [(title, checkpoint.model) for title, checkpoint in zip(titles, checkpoints)]
    notes = [note for which, index, rank in (("first", pair[0], args.from_rank), ("last", pair[1], args.to_rank))
             for note in _unkept_notes(which, index, rank, keeper, titles, dataset)]
    return spec, models, dataset, pair, labels, notes


def _unkept_notes(which: str, index: int, rank: int, keeper: ClassKeeper, titles: list[str],
                  dataset: Dataset) -> list[str]:
    """Which models reconstruct a chosen image as another class (and, when it was the first choice of its class,
    that no image of the class is reconstructed as its class by every model)."""
    names = dataset.class_names
    own = int(dataset.test_labels[index])
    found = keeper.classes(np.array([index]))[:, 0]  # (n_models,)
    notes = [f"the {which} image (test #{index}, a {names[own]}) is reconstructed as a {names[cls]} by the {title}"
             for title, cls in zip(titles, found) if cls != own]
    if rank == 0 and notes:
        notes.append(f"no test image of class {names[own]} is reconstructed as its class by every model")
    return notes


def _label(value: str, dataset: Dataset) -> int:
    """A class given as its number (0-9) or its name, e.g. "7" or "sneaker" -> 7."""
    names = [name.lower() for name in dataset.class_names]
    if value.strip().lower() in names:
        return names.index(value.strip().lower())
    try:
        label = int(value)
    except ValueError:
        label = -1
    if not 0 <= label < len(names):
        raise GifCommandError(f"unknown label {value!r}; {dataset.name} has labels 0-{len(names) - 1}: "
                              + ", ".join(dataset.class_names))
    return label


def _download_progress(done: int, total: int) -> None:
    print(f"\rdownloading MNIST: {done / max(total, 1):6.1%}", end="", file=sys.stderr, flush=True)


def _clear(line: ProgressLine | None) -> None:
    if line:
        line.clear()


class ProgressLine:
    """"writing NAME: 40/138 frames" on one terminal line, redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self._last_draw = 0.0

    def show(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last_draw < 0.1 and done != total:
            return
        self._last_draw = now
        finishing = ", finishing the file" if done == total else ""
        self.stream.write(f"\rwriting {self.name}: {done}/{total} frames{finishing}")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()
