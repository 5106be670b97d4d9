"""How the window shows a training run: the controller's signals update the loss plot, the run status, the status
and message bars, which actions are enabled, and the snapshots (through the window's ``show_snapshot``), and the
explorer's framing follows the codes as they move until the user pans or zooms (ExplorerFraming).

It changes the views it is given and no others; what a snapshot shows is the caller's ``show_snapshot``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from app.explorer.explorer_framing import ExplorerFraming
from app.window.actions import WindowActions, update_actions
from app.workspace.training_controller import RunState, TrainingController
from app.workspace.training_worker import ModelSnapshot
from core.training.trainer import EpochProgress, StepProgress, warmed_up_beta

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from app.explorer.latent_explorer import LatentExplorer
    from app.plots.loss_plot import LossPlot
    from app.window.message_bar import MessageBar
    from app.window.run_status import RunStatus
    from app.window.settings_panel import SettingsPanel
    from app.workspace.run_group import RunGroup
    from app.workspace.session import Session


class RunDisplay(QObject):
    """Receives ``controller``'s signals on the GUI thread and shows the run of ``session``'s model in the views.

    show_snapshot(snapshot): shows a ModelSnapshot (the explorer's codes, the strips ...); mark_modified(): marks
    the window's model as changed since it was saved; group: the runs the training actions act on (their state
    enables the actions)."""

    def __init__(self, controller: TrainingController, session: Session, *, actions: WindowActions,
                 panel: SettingsPanel, loss_plot: LossPlot, run_status: RunStatus, explorer: LatentExplorer,
                 message_bar: MessageBar, status_bar: QStatusBar, show_snapshot: Callable[[ModelSnapshot], None],
                 mark_modified: Callable[[], None], group: RunGroup, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._group = group
        self._session = session
        self._actions = actions
        self._panel = panel
        self._loss_plot = loss_plot
        self._run_status = run_status
        self._message_bar = message_bar
        self._status_bar = status_bar
        self._show_snapshot = show_snapshot
        self._mark_modified = mark_modified
        self._framing = ExplorerFraming(explorer, self)
        controller.run_started.connect(self._on_run_started)
        controller.state_changed.connect(self._on_state_changed)
        controller.progressed.connect(self._on_progressed)
        controller.epoch_finished.connect(self._on_epoch_finished)
        controller.snapshot_ready.connect(self._on_snapshot_ready)
        controller.diverged.connect(self._on_diverged)
        controller.failed.connect(self._on_failed)
        controller.run_finished.connect(self._on_run_finished)

    @property
    def auto_fit(self) -> bool:
        """Whether the explorer's view follows the codes (until the user pans or zooms, or after Fit)."""
        return self._framing.auto_fit

    def set_explorer(self, explorer: LatentExplorer) -> None:
        """Frame ``explorer`` from now on (it replaced the one given before)."""
        self._framing.set_explorer(explorer)

    @Slot()
    def fit_explorer(self) -> None:
        """Frame all latent codes, and keep framing them as training moves them."""
        self._framing.fit()

    def update_actions(self) -> None:
        """Enable the actions, and lock the panel's settings, that fit the state of the runs."""
        update_actions(self._actions, self._panel, self._group.state, self._session.trained)

    # ---- slots: the controller --------------------------------------------------------------------------------
    @Slot()
    def _on_run_started(self) -> None:
        session = self._session
        epochs = session.run_config().epochs
        self._run_status.start_run(session.history.steps, epochs, session.batches_per_epoch)
        self._loss_plot.set_expected_steps(epochs * session.batches_per_epoch)

    @Slot(object)
    def _on_state_changed(self, state: RunState) -> None:
        if state is RunState.RUNNING:
            self._run_status.resume()
            self._status_bar.showMessage("Training…")
        elif state is RunState.PAUSED:
            self._run_status.pause()
            self._loss_plot.flush()
            self._status_bar.showMessage("Paused. Press Space to resume, or Step to train on one batch.")
        self.update_actions()

    @Slot(list)
    def _on_progressed(self, records: list[StepProgress]) -> None:
        self._loss_plot.append_steps(records)
        self._run_status.add_steps(records)
        self._mark_modified()
        if self._session.trained and self._panel.lock_label.isHidden():
            self.update_actions()

    @Slot(object)
    def _on_epoch_finished(self, record: EpochProgress) -> None:
        self._loss_plot.add_epoch(record)
        message = f"Epoch {record.epoch + 1}: test loss {record.test_loss:.2f}, training loss {record.train_loss:.2f}"
        session = self._session
        config = session.train_config
        warmup_steps = config.kl_warmup * session.batches_per_epoch
        if session.model_config.kind == "vae" and record.step < warmup_steps:
            message += (f"; KL warm-up: beta {warmed_up_beta(config.beta, record.step, warmup_steps):.2f} of "
                        f"{config.beta:g}")
        self._status_bar.showMessage(message, 8000)

    @Slot(object)
    def _on_snapshot_ready(self, snapshot: ModelSnapshot) -> None:
        self._show_snapshot(snapshot)
        self._framing.follow()

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        """The run went back to its last good state (core.training.trainer.TrainingDiverged): show the history cut
        back to it, say what happened, and offer the two ways on, a tenfold lower learning rate and Reset."""
        session = self._session
        self._loss_plot.set_history(session.history)
        self._run_status.rewind(session.history.steps)
        lr_spin = self._panel.lr_spin
        lower = max(session.train_config.lr / 10, lr_spin.minimum())
        self._message_bar.show_message(
            message, "warning", (f"Lower the learning rate to {lower:g}", lambda: lr_spin.setValue(lower)),
            ("Reset", self._actions.reset.trigger))
        self._status_bar.showMessage(f"Training diverged; the model went back to step {session.history.steps:,}.",
                                     8000)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._message_bar.show_message(message, "error")

    @Slot()
    def _on_run_finished(self) -> None:
        self._run_status.finish_run()
        self._loss_plot.flush()
        session = self._session
        if session.history.epochs and session.history.epochs[-1].step == session.history.steps \
                and session.epochs_done >= session.train_config.epochs:
            last = session.history.epochs[-1]
            self._status_bar.showMessage(f"Finished epoch {last.epoch + 1}: test loss {last.test_loss:.2f}.")
        elif not self._message_bar.isVisible():
            self._status_bar.showMessage(f"Stopped at step {session.history.steps:,}.")
        self.update_actions()
