"""A model's loss history as a CSV table, to plot or analyse elsewhere: one row per training step with its losses
per image (in nats with the cross-entropy), and, on the step that ended an epoch, that epoch's held-out losses.

Written atomically (core.atomic_files). It reads a History and knows nothing of the app.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TextIO

from core.atomic_files import atomic_file
from core.training.trainer import History

COLUMNS = ("step", "loss", "rec", "kl", "epoch", "test_loss", "test_rec", "test_kl")


def history_rows(history: History) -> list[tuple]:
    """The table's rows, one per step (1-based), in step order. The epoch columns (epoch 1-based) are None on the
    steps that ended no epoch. A history read while it grows (another thread appending) is cut to its whole steps."""
    loss, rec, kl, epochs = list(history.loss), list(history.rec), list(history.kl), list(history.epochs)
    steps = min(len(loss), len(rec), len(kl))
    ended = {record.step: record for record in epochs if 0 < record.step <= steps}
    rows = []
    for step in range(1, steps + 1):
        record = ended.get(step)
        held_out = (None,) * 4 if record is None else (record.epoch + 1, record.test_loss, record.test_rec,
                                                        record.test_kl)
        rows.append((step, loss[step - 1], rec[step - 1], kl[step - 1]) + held_out)
    return rows


def write_history_csv(history: History, path: str | os.PathLike) -> Path:
    """Write ``history`` to ``path`` as CSV (header COLUMNS; floats in full precision, empty cells for None).
    Returns the path; raises OSError when it cannot be written (an earlier file there is then left as it was)."""
    path = Path(path)
    with atomic_file(path, ".csv") as temp_path, temp_path.open("w", newline="", encoding="utf-8") as file:
        print_history_csv(history, file)
    return path


def print_history_csv(history: History, file: TextIO) -> None:
    """Write ``history`` as CSV to the open text ``file`` (opened with newline="" where it is a file)."""
    writer = csv.writer(file)
    writer.writerow(COLUMNS)
    writer.writerows([_cell(value) for value in row] for row in history_rows(history))


def _cell(value: int | float | None) -> str:
    """An int as it is, a float (also a NumPy one) in the fewest digits that read back exactly, None as ''."""
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else repr(float(value))
