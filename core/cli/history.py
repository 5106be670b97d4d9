"""The ``history`` command: a saved model's loss history as a CSV table (core.training.history_csv), on stdout or in a
file, to plot or analyse elsewhere. It only reads the checkpoint."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.atomic_files import make_parent_folder
from core.cli.outputs import OutputIsInput, refuse_inputs
from core.training.checkpoint import CheckpointError, load_checkpoint
from core.training.history_csv import COLUMNS, print_history_csv, write_history_csv


def add_history_parser(commands: argparse._SubParsersAction) -> None:
    """Register the ``history`` subcommand on the main parser's subcommands."""
    history = commands.add_parser("history", help="print a saved model's loss history as CSV",
                                  description="Print the loss history of a model saved by `train` or the app as "
                                              f"CSV: the columns {', '.join(COLUMNS)}; one row per training step, "
                                              "and the epoch's test losses on the step that ended it.")
    history.add_argument("checkpoint", type=Path, help="the model (.npz)")
    history.add_argument("--out", type=Path, help="write the table to this file instead of stdout (a new file or a "
                                                  "regular file, which it replaces; never the checkpoint)")
    history.set_defaults(handler=run_history)


def run_history(args: argparse.Namespace, resources: Path) -> int:
    """The ``history`` command. Exit status: 0 written, 1 error, 2 --out is the checkpoint (nothing written)."""
    try:
        if args.out is not None:
            refuse_inputs(args.out, [("the checkpoint", args.checkpoint)])
    except OutputIsInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        history = load_checkpoint(args.checkpoint).history
        if args.out is None:
            print_history_csv(history, sys.stdout)
        else:
            make_parent_folder(args.out)
            write_history_csv(history, args.out)
    except BrokenPipeError:
        # The reader stopped early (`| head`): nothing to report. Point stdout at devnull so that Python's own
        # flush at exit does not fail again (the Python docs' recipe for SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        writing = args.out is not None and error.strerror
        print(f"error: cannot write {args.out}: {error.strerror}" if writing else f"error: {error}", file=sys.stderr)
        return 1
    return 0
