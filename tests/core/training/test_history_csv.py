"""The loss history as a CSV table: one row per step, the held-out losses on the steps that ended an epoch."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from core.training.history_csv import COLUMNS, history_rows, write_history_csv
from core.training.trainer import EpochProgress, History


def epoch(index: int, step: int, test_loss: float) -> EpochProgress:
    return EpochProgress(epoch=index, step=step, train_loss=200.0, test_loss=test_loss, test_rec=test_loss - 5,
                         test_kl=5.0, seconds=1.0, samples_per_s=100.0)


def three_steps() -> History:
    return History(loss=[210.5, 190.25, 0.1 + 0.2], rec=[200.0, 181.0, 0.25], kl=[10.5, 9.25, np.float64(0.05)],
                   epochs=[epoch(0, 2, 185.125)])


def read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_every_step_is_a_row_and_the_test_losses_sit_on_the_step_that_ended_the_epoch(tmp_path):
    path = write_history_csv(three_steps(), tmp_path / "loss.csv")
    rows = read(path)
    assert list(rows[0]) == list(COLUMNS)
    assert [row["step"] for row in rows] == ["1", "2", "3"]
    assert [float(row["loss"]) for row in rows] == [210.5, 190.25, 0.1 + 0.2]   # read back exactly
    assert float(rows[2]["kl"]) == 0.05                                         # a NumPy float as a plain number
    assert (rows[1]["epoch"], float(rows[1]["test_loss"]), float(rows[1]["test_rec"])) == ("1", 185.125, 180.125)
    assert rows[0]["epoch"] == rows[0]["test_loss"] == rows[2]["test_kl"] == ""


def test_a_history_caught_while_it_grows_is_cut_to_its_whole_steps():
    history = three_steps()
    history.loss.append(170.0)                  # the trainer appended this step's loss, not yet its parts
    history.epochs.append(epoch(1, 4, 175.0))
    rows = history_rows(history)
    assert [row[0] for row in rows] == [1, 2, 3]


def test_an_empty_history_is_the_header_alone(tmp_path):
    assert read(write_history_csv(History(), tmp_path / "empty.csv")) == []
    assert (tmp_path / "empty.csv").read_text().strip() == ",".join(COLUMNS)


def test_a_file_that_cannot_be_written_raises_and_leaves_the_earlier_one(tmp_path, monkeypatch):
    path = tmp_path / "loss.csv"
    path.write_text("earlier")
    monkeypatch.setattr("core.training.history_csv._cell", lambda value: 1 / 0)    # fails midway through the rows
    with pytest.raises(ZeroDivisionError):
        write_history_csv(three_steps(), path)
    assert path.read_text() == "earlier"
    assert list(tmp_path.iterdir()) == [path]       # no partial file left beside it
    with pytest.raises(OSError):
        write_history_csv(three_steps(), tmp_path / "missing folder" / "loss.csv")
