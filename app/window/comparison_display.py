"""How the window shows the second run of a comparison as it trains: its losses beside the first run's on the loss
plot, its snapshots in its explorer (framed as its codes move) and in its rows of the strips, its epochs in its
settings tab, and what went wrong in the message bar, named by the run.

It changes the views it is given and no others; CompareMode makes it with the run and gives it a new explorer when
the dataset's classes change. The first run's display is app/window/run_display.py.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Slot

from app.explorer.explorer_framing import ExplorerFraming
from app.workspace.training_controller import RunState
from app.workspace.training_worker import ModelSnapshot
from core.training.trainer import EpochProgress, StepProgress

if TYPE_CHECKING:
    from app.explorer.latent_explorer import LatentExplorer
    from app.plots.loss_plot import LossPlot
    from app.window.message_bar import MessageBar
    from app.window.run_strips import RunStrips
    from app.window.settings_panel import SettingsPanel
    from app.workspace.session import Session
    from app.workspace.workspace import TrainingRun


class ComparisonDisplay(QObject):
    """Receives ``run``'s controller signals on the GUI thread and shows the run in the views. first: the first run's
    session (the loss plot's step axis reaches the longer run's end); names(): the two runs' names, first run first."""

    def __init__(self, run: TrainingRun, first: Session, *, panel: SettingsPanel, explorer: LatentExplorer,
                 loss_plot: LossPlot, strips: RunStrips, message_bar: MessageBar,
                 names: Callable[[], tuple[str, str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run = run
        self._first = first
        self._panel = panel
        self._explorer = explorer
        self._loss_plot = loss_plot
        self._strips = strips
        self._message_bar = message_bar
        self._names = names
        self._framing = ExplorerFraming(explorer, self)
        controller = run.controller
        controller.progressed.connect(self._on_controller_progressed)
        controller.epoch_finished.connect(self._on_controller_epoch_finished)
        controller.snapshot_ready.connect(self._on_controller_snapshot_ready)
        controller.diverged.connect(self._on_controller_diverged)
        controller.failed.connect(self._on_controller_failed)
        controller.run_started.connect(self._on_controller_run_started)
        controller.run_finished.connect(self._on_controller_run_finished)

    def set_explorer(self, explorer: LatentExplorer) -> None:
        """Show the run in ``explorer`` from now on (it replaced the one given before)."""
        self._explorer = explorer
        self._framing.set_explorer(explorer)

    def fit(self) -> None:
        """Frame the run's codes, and follow them as they move (Fit)."""
        self._framing.fit()

    def show_snapshot(self, snapshot: ModelSnapshot) -> None:
        """The run's model at one step: its codes and decoder in the explorer, its rows of the strips."""
        session = self._run.session
        indices = session.explorer_indices()
        labels = session.dataset.test_labels[indices].astype(np.intp)
        self._explorer.set_data(snapshot.codes, labels, session.dataset.test_images[indices], snapshot.log_var)
        self._explorer.set_decoder(snapshot.decoder.decode, live=self._run.controller.state is not RunState.IDLE)
        self._explorer.set_manifold_ready(snapshot.step >= session.batches_per_epoch)
        self._strips.show(session, snapshot.strip_reconstructions, snapshot.prior_samples)

    def _show_epochs(self) -> None:
        config = self._run.session.train_config
        self._panel.show_epochs(config.epochs, self._run.session.epochs_done)

    # ---- slots: the run's controller --------------------------------------------------------------------------
    @Slot()
    def _on_controller_run_started(self) -> None:
        session, first = self._run.session, self._first
        # The step axis reaches the end of the longer run (the first run's display set it for its own already).
        self._loss_plot.set_expected_steps(max(session.run_config().epochs * session.batches_per_epoch,
                                               first.train_config.epochs * first.batches_per_epoch))
        self._show_epochs()

    @Slot(list)
    def _on_controller_progressed(self, records: list[StepProgress]) -> None:
        self._loss_plot.append_comparison_steps(records)

    @Slot(object)
    def _on_controller_epoch_finished(self, record: EpochProgress) -> None:
        self._loss_plot.add_comparison_epoch(record)

    @Slot(object)
    def _on_controller_snapshot_ready(self, snapshot: ModelSnapshot) -> None:
        self.show_snapshot(snapshot)
        self._framing.follow()

    @Slot(str)
    def _on_controller_diverged(self, message: str) -> None:
        """The run went back to its last good state: show its history cut back, and offer a tenfold lower rate."""
        session, names = self._run.session, self._names()
        self._loss_plot.set_comparison(session.history, session.model_config.kind, names)
        lr_spin = self._panel.lr_spin
        lower = max(session.train_config.lr / 10, lr_spin.minimum())
        self._message_bar.show_message(f"{names[1]}: {message}", "warning",
                                       (f"Lower its learning rate to {lower:g}", lambda: lr_spin.setValue(lower)))

    @Slot(str)
    def _on_controller_failed(self, message: str) -> None:
        self._message_bar.show_message(f"{self._names()[1]}: {message}", "error")

    @Slot()
    def _on_controller_run_finished(self) -> None:
        self._show_epochs()
