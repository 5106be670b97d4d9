"""Runs trained at once, a thread each: their records reach the calling thread, a run that diverges ends alone, and
any other error stops them all and is raised."""
import threading

import pytest

from core.cli.runs_at_once import train_at_once
from core.training.trainer import EpochProgress, StepProgress, TrainingControl, TrainingDiverged
from tests.helpers import make_trainer


def pair(**options):
    return [make_trainer(kind, parts=1, in_helpers=True, **options) for kind in ("vae", "ae")]


def test_every_record_of_every_run_reaches_the_calling_thread_in_order():
    trainers, seen, closed = pair(), [], []

    def on_record(index, record):
        seen.append((index, record, threading.get_ident()))

    for index, trainer in enumerate(trainers):
        trainer.close = lambda index=index, close=trainer.close: (closed.append(index), close())
    assert train_at_once(trainers, TrainingControl(), on_record) == [None, None]
    assert sorted(closed) == [0, 1]                            # their helpers ended
    assert {thread for _, _, thread in seen} == {threading.get_ident()}
    for index, trainer in enumerate(trainers):
        steps = [record.step for i, record, _ in seen if i == index and isinstance(record, StepProgress)]
        epochs = [record.epoch for i, record, _ in seen if i == index and isinstance(record, EpochProgress)]
        assert steps == list(range(1, trainer.history.steps + 1)) and trainer.finished
        assert epochs == [0, 1, 2]


def test_a_run_that_diverges_ends_alone_and_the_other_trains_on():
    diverging, sane = make_trainer("vae", lr=10.0, epochs=50, in_helpers=True), make_trainer("ae", in_helpers=True)
    endings = train_at_once([diverging, sane], TrainingControl(), lambda index, record: None)
    assert isinstance(endings[0], TrainingDiverged) and endings[1] is None
    assert sane.finished and not diverging.finished


def test_any_other_error_stops_every_run_and_is_raised():
    failing, other = pair(epochs=50)
    real_step = failing.step

    def step():
        if failing.history.steps == 5:
            raise MemoryError("no room")
        return real_step()

    failing.step = step
    with pytest.raises(MemoryError, match="no room"):
        train_at_once([failing, other], TrainingControl(), lambda index, record: None)
    assert not other.finished
