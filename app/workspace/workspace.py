"""What the window works on: the dataset catalog, the persisted settings and the training runs, each a Session with
the TrainingController that trains it. The window builds one Workspace and composes its views and commands over it;
the Workspace draws nothing and asks nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.workspace.app_settings import AppSettings
from app.workspace.datasets import DatasetCatalog
from app.workspace.session import Session
from app.workspace.training_controller import TrainingController
from core.data.datasets import Dataset
from core.data.errors import DatasetError

FALLBACK_DATASET = "mnist5k"      # bundled with the app: always at hand


@dataclass(frozen=True)
class TrainingRun:
    """One model being worked on: its session, and the controller that trains it on a worker thread."""
    session: Session
    controller: TrainingController


class Workspace:
    """The catalog, the settings and the runs; ``current`` is the run the window's file and dataset commands act
    on, and a second run, when there is one, is the ``comparison`` trained beside it."""

    def __init__(self, settings: AppSettings, catalog: DatasetCatalog) -> None:
        self.settings = settings
        self.catalog = catalog
        self.runs: list[TrainingRun] = []
        self.current: TrainingRun | None = None

    def add_run(self, run: TrainingRun) -> TrainingRun:
        """Hold ``run``; the first one added becomes the current run."""
        self.runs.append(run)
        if self.current is None:
            self.current = run
        return run

    def remove_run(self, run: TrainingRun) -> None:
        """Let go of ``run`` (not the current one; no run of it may be going on) and end its helper processes."""
        self.runs.remove(run)
        run.session.close()

    def first_dataset(self) -> tuple[Dataset, str, str]:
        """The dataset to start on: the last one used if it can be loaded without a network, else the bundled
        digits. Returns (dataset, spec, note), the note saying why the last one could not be loaded ("" if none)."""
        spec = self.settings.dataset_spec()
        if spec != FALLBACK_DATASET and self.catalog.available_offline(spec):
            try:
                return self.catalog.load(spec), spec, ""
            except DatasetError as error:
                note = f"Could not load the last dataset: {error}. Using the bundled digits instead."
                return self.catalog.load(FALLBACK_DATASET), FALLBACK_DATASET, note
        return self.catalog.load(FALLBACK_DATASET), FALLBACK_DATASET, ""

    def close(self) -> None:
        """End every session's helper processes (no run may be going on)."""
        for run in self.runs:
            run.session.close()
