"""Several training runs at once, each stepped by a thread of its own, their progress records handed to the calling
(main) thread, which prints them and receives the signals. It neither prints nor saves.

Each run should take its steps in helper processes (Trainer's ``in_helpers``): its thread then mostly waits on
pipes, which releases the GIL, so that the runs do not slow each other down (bench/compare_throughput.py).
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from core.parallel.helper_process import HelperFailed
from core.training.trainer import EpochProgress, StepProgress, Trainer, TrainingControl, TrainingDiverged

# A run that ends with one of these ends alone: the others train on, and the caller saves it like any other.
RUN_ENDINGS = (TrainingDiverged, HelperFailed)
POLL_SECONDS = 0.1      # the calling thread wakes this often while it waits for a record


def train_at_once(trainers: Sequence[Trainer], control: TrainingControl,
                  on_record: Callable[[int, StepProgress | EpochProgress], None]) -> list[BaseException | None]:
    """Run every trainer until it finishes or ``control`` asks to stop, calling ``on_record(index, record)`` in this
    thread for each record, in the order they come. Returns how each run ended: None, or its TrainingDiverged or
    HelperFailed. Any other error asks every run to stop and is raised here once all have ended. Every trainer's
    helpers are closed on return."""
    records: queue.Queue = queue.Queue()
    endings: list[BaseException | None] = [None] * len(trainers)

    def run(index: int, trainer: Trainer) -> None:
        try:
            for record in trainer.run(control):
                records.put((index, record))
        except BaseException as error:
            endings[index] = error
            if not isinstance(error, RUN_ENDINGS):
                control.request_stop()
        finally:
            trainer.close()
            records.put((index, None))          # this run has ended

    threads = [threading.Thread(target=run, args=(index, trainer), name=f"latent-lab-run-{index}")
               for index, trainer in enumerate(trainers)]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            try:
                # A timeout, so that a wait never holds off this thread's signal handlers for long.
                index, record = records.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if record is None:
                running -= 1
            else:
                on_record(index, record)
    except BaseException:
        control.request_stop()
        raise
    finally:
        for thread in threads:
            thread.join()
    for ending in endings:
        if ending is not None and not isinstance(ending, RUN_ENDINGS):
            raise ending
    return endings
