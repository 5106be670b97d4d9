"""How the window shows a training run: the controller's signals update the loss plot, the run status, the status
and message bars, the snapshots in the explorer and strips, and which actions are enabled.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from app.window.actions import update_actions
from app.workspace.training_controller import RunState, TrainingController
from app.workspace.training_worker import ModelSnapshot
from core.training.trainer import EpochProgress, StepProgress, warmed_up_beta

if TYPE_CHECKING:
    from app.window.main_window import MainWindow


class RunDisplay(QObject):
    """Receives the training controller's signals on the GUI thread and shows them in ``window``."""

    def __init__(self, window: MainWindow, controller: TrainingController) -> None:
        super().__init__(window)
        self.window = window
        controller.run_started.connect(self._on_run_started)
        controller.state_changed.connect(self._on_state_changed)
        controller.progressed.connect(self._on_progressed)
        controller.epoch_finished.connect(self._on_epoch_finished)
        controller.snapshot_ready.connect(self._on_snapshot_ready)
        controller.diverged.connect(self._on_diverged)
        controller.failed.connect(self._on_failed)
        controller.run_finished.connect(self._on_run_finished)

    @Slot()
    def _on_run_started(self) -> None:
        window = self.window
        session = window.session
        epochs = session.run_config().epochs
        window.run_status.start_run(session.history.steps, epochs, session.batches_per_epoch)
        window.loss_plot.set_expected_steps(epochs * session.batches_per_epoch)

    @Slot(object)
    def _on_state_changed(self, state: RunState) -> None:
        window = self.window
        if state is RunState.RUNNING:
            window.run_status.resume()
            window.statusBar().showMessage("Training…")
        elif state is RunState.PAUSED:
            window.run_status.pause()
            window.loss_plot.flush()
            window.statusBar().showMessage("Paused. Press Space to resume, or Step to train on one batch.")
        update_actions(window)

    @Slot(list)
    def _on_progressed(self, records: list[StepProgress]) -> None:
        window = self.window
        window.loss_plot.append_steps(records)
        window.run_status.add_steps(records)
        if not window.isWindowModified():
            window.setWindowModified(True)
        if window.session.trained and window.panel.lock_label.isHidden():
            update_actions(window)

    @Slot(object)
    def _on_epoch_finished(self, record: EpochProgress) -> None:
        window = self.window
        window.loss_plot.add_epoch(record)
        message = f"Epoch {record.epoch + 1}: test loss {record.test_loss:.2f}, training loss {record.train_loss:.2f}"
        session = window.session
        config = session.train_config
        warmup_steps = config.kl_warmup * session.batches_per_epoch
        if session.model_config.kind == "vae" and record.step < warmup_steps:
            message += (f"; KL warm-up: beta {warmed_up_beta(config.beta, record.step, warmup_steps):.2f} of "
                        f"{config.beta:g}")
        window.statusBar().showMessage(message, 8000)

    @Slot(object)
    def _on_snapshot_ready(self, snapshot: ModelSnapshot) -> None:
        window = self.window
        window.show_snapshot(snapshot)
        if window.auto_fit and self._needs_framing():
            window.explorer.fit_view()

    def _needs_framing(self) -> bool:
        """Whether what Fit frames (the codes, and the prior's circles) left the explorer's view or fills little of
        it. Refitting on every snapshot would redraw the plot's axes each time, the costliest part of a repaint
        while training runs."""
        scatter = getattr(self.window.explorer, "scatter", None)
        bounds = None if scatter is None else scatter.framed_bounds()
        if bounds is None:
            return False
        (x0, x1), (y0, y1) = scatter.view_box.viewRange()
        outside = bounds.left() < x0 or bounds.top() < y0 or bounds.right() > x1 or bounds.bottom() > y1
        # Shrink only when the codes fill little of both axes: with the aspect locked (latent size 2 and up) one
        # axis has room to spare; unlocked (latent size 1), the class rows always fill the y axis.
        aspect_locked = bool(scatter.view_box.state["aspectLocked"])
        small = bounds.width() < 0.5 * (x1 - x0) and (bounds.height() < 0.5 * (y1 - y0) or not aspect_locked)
        return outside or small

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        window = self.window
        lower = max(window.session.train_config.lr / 10, window.panel.lr_spin.minimum())
        window.message_bar.show_message(
            message, "warning", (f"Set the learning rate to {lower:g}", lambda: window.panel.lr_spin.setValue(lower)))
        window.statusBar().showMessage("Training diverged; the weights were rolled back.", 8000)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.window.message_bar.show_message(message, "error")

    @Slot()
    def _on_run_finished(self) -> None:
        window = self.window
        window.run_status.finish_run()
        window.loss_plot.flush()
        session = window.session
        if session.history.epochs and session.history.epochs[-1].step == session.history.steps \
                and session.epochs_done >= session.train_config.epochs:
            last = session.history.epochs[-1]
            window.statusBar().showMessage(f"Finished epoch {last.epoch + 1}: test loss {last.test_loss:.2f}.")
        elif not window.message_bar.isVisible():
            window.statusBar().showMessage(f"Stopped at step {session.history.steps:,}.")
        if window.animation is not None:
            window.animation.run_finished()
        update_actions(window)
