"""What the commands check about --out (and train's --compare-out) before they work: that it is none of the files they
read (a model written over its dataset, a CSV over its model), nor another of their outputs. What a write may replace
(no folder, FIFO or device) is core.atomic_files's rule, and one writer at a time core.output_lock's.

The error messages name the option and the file; the commands print them and exit with status 2.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

DATASET_NAMES = ("mnist5k", "fashion", "mnist")     # the names core.data.datasets.load_dataset resolves, not paths


class OutputIsInput(ValueError):
    """--out names a file the command reads, or another of its outputs; writing it would destroy that file."""


def refuse_inputs(out: Path, inputs: Iterable[tuple[str, str | os.PathLike | None]], option: str = "--out") -> None:
    """Raise OutputIsInput if ``out`` (given as ``option``) is one of ``inputs``: (what, path) pairs such as
    ("--checkpoint", "m.npz") or ("the model's dataset", "d.npz"); a path of None is skipped. The same file under
    another name (a symbolic or hard link) counts."""
    for what, given in inputs:
        if given is not None and _same_file(out, Path(given)):
            raise OutputIsInput(f"{option} {out} is the file given as {what}; writing there would destroy it "
                                f"(choose another {option})")


def refuse_same_output(first: tuple[str, Path], second: tuple[str, Path]) -> None:
    """Raise OutputIsInput if two outputs, (option, path) pairs, are one file: the same path (new files too) or two
    names of one file. The message asks to change the second."""
    (first_option, first_path), (option, path) = first, second
    if os.path.realpath(first_path) == os.path.realpath(path) or _same_file(first_path, path):
        raise OutputIsInput(f"{option} {path} is the file given as {first_option}; one file cannot hold both "
                            f"(choose another {option})")


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):          # either does not exist (then --out is a new file), or is not a path
        return False


def dataset_file(spec: str | None) -> str | None:
    """The file or folder that a dataset given as ``spec`` is read from, or None for a dataset name or no spec."""
    return None if spec is None or spec in DATASET_NAMES else os.path.expanduser(spec)
